"""What a run did at home, by part of the domestic programme, and the stocks the record counts.

The engine serves each channel's domestic demand as one total (``domestic_served``); the plan
knows its parts before the run (``sim.engine.plan.domestic_programme``: what the ration groups
buy, the set-aside, each use's issues and what it holds). On a day the donor could not serve
all of it, every part is taken as served in the same proportion (the engine serves no part
first), and what a use holds is then what it was actually issued less what it used.

Derived series, per channel row (C, T), named as ``sim.results.observations`` reads them:

* ``capacity_nominal``: the capacity schedule as given (before availability and outages);
* ``sold``: what the ration groups bought;
* ``held``: what all the uses hold at the end of the day;
* ``stock_in:<id>``: the donor's own stock plus what the uses counting in stock series
  ``<id>`` hold (a record's "war reserve" or "inventory", as the scenario defines them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine import channels as ch
from sim.engine.plan import Plan, domestic_programme
from sim.scenario.domestic import Use
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ServedProgramme:
    """One channel's programme as served (T,): sales, and per use (in the scenario's order)
    what it was issued, used and held."""

    sold: Array
    issued: tuple[Array, ...]
    used: tuple[Array, ...]
    held: tuple[Array, ...]


def served_share(served: Array, demand: Array) -> Array:
    """The share of the day's domestic demand served (1 where nothing was asked)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > 0, np.minimum(served / demand, 1.0), 1.0)


def served_programme(programme: ch.Programme, share: Array) -> ServedProgramme:
    """The programme's parts as served, every part in the day's served ``share``."""
    if (share >= 1.0).all():  # served in full: the plan's own series
        return ServedProgramme(programme.sold, tuple(u.issued for u in programme.uses),
                               tuple(u.used for u in programme.uses),
                               tuple(u.held for u in programme.uses))
    issued = tuple(share * u.issued for u in programme.uses)
    # What the plan has a use use is its rate (it is always issued enough for it).
    kept = [ch.hold(i, u.used) for i, u in zip(issued, programme.uses, strict=True)]
    return ServedProgramme(share * programme.sold, issued, tuple(k[0] for k in kept),
                           tuple(k[1] for k in kept))


def derived_series(scenario: Scenario, plan: Plan, donor: Mapping[str, Array]
                   ) -> dict[str, Array]:
    """The derived series (module docstring) of one run (B = 1), from its donor series per
    channel row: ``stock``, ``domestic_served`` and ``domestic_demand``."""
    chans = ch.channels(scenario)
    start, n_days = plan.start, plan.n_days
    stock = np.asarray(donor["stock"], dtype=np.float64)
    served = np.asarray(donor["domestic_served"], dtype=np.float64)
    demand = np.asarray(donor["domestic_demand"], dtype=np.float64)
    shape = (len(chans), n_days)
    out: dict[str, Array] = {"capacity_nominal": np.zeros(shape), "sold": np.zeros(shape),
                             "held": np.zeros(shape)}
    ids = list(dict.fromkeys(s for g in scenario.good_ids for s in scenario.stock_series(g)))
    for sid in ids:
        out[f"stock_in:{sid}"] = stock.copy()
    for c, chan in enumerate(chans):
        out["capacity_nominal"][c] = ch.nominal_capacity(chan.supply, start, n_days)
        dom, programme = chan.supply.domestic, domestic_programme(chan.supply, start, n_days)
        if dom is None or programme is None:
            continue
        done = served_programme(programme, served_share(served[c], demand[c]))
        out["sold"][c] = done.sold
        out["held"][c] = sum(done.held, np.zeros(n_days))
        for sid, series in stocks_in(dom.uses, done, stock[c]).items():
            out[f"stock_in:{sid}"][c] = series
    return out


def stocks_in(uses: Sequence[Use], done: ServedProgramme, stock: Array) -> dict[str, Array]:
    """Each stock series the uses count in (by id): the donor's ``stock`` plus what those
    uses hold at the end of each day."""
    out: dict[str, Array] = {}
    for use, held in zip(uses, done.held, strict=True):
        for sid in use.counts_in:
            out[sid] = out.get(sid, stock) + held
    return out


def channel_stocks(scenario: Scenario, donor: str, good: str, stock: Array, served: Array,
                   demand: Array) -> dict[str, Array]:
    """One channel's stock series of the scenario's (``stock_in:<id>`` of
    ``derived_series``), by id, from its daily ``stock``, ``domestic_served`` and
    ``domestic_demand`` (T,): what a run folder keeps. Empty for a channel whose uses count
    in none."""
    chan = next(c for c in ch.channels(scenario) if c.donor.id == donor and c.supply.good == good)
    dom = chan.supply.domestic
    programme = domestic_programme(chan.supply, scenario.horizon.start, len(stock))
    if dom is None or programme is None or not dom.stock_series:
        return {}
    done = served_programme(programme, served_share(served, demand))
    return stocks_in(dom.uses, done, np.asarray(stock, dtype=np.float64))


def programme_summary(scenario: Scenario, plan: Plan, donor: Mapping[str, Array] | None,
                      shortfall_units: Array) -> list[dict[str, object] | None]:
    """Per channel row (B = 1): what its domestic programme sold and what each use was
    issued, used and held at the end, and each stock series it counts in at the end (units
    of its good). None for a channel whose programme has no parts beyond the rations and a
    set-aside (no uses, uptake profile or outlets' supply: domestic_demand says it all).
    Without the run's series, from the plan when nothing fell short (else null)."""
    chans = ch.channels(scenario)
    start, n_days = plan.start, plan.n_days
    out: list[dict[str, object] | None] = []
    for c, chan in enumerate(chans):
        dom, programme = chan.supply.domestic, domestic_programme(chan.supply, start, n_days)
        if dom is None or programme is None or not (
                dom.uses or dom.uptake_profile or dom.ration_supply):
            out.append(None)
            continue
        if donor is not None:
            share = served_share(np.asarray(donor["domestic_served"][c], dtype=np.float64),
                                 np.asarray(donor["domestic_demand"][c], dtype=np.float64))
        elif float(shortfall_units[c]) == 0.0:
            share = np.ones(n_days)
        else:
            out.append({"sold": None, "uses": {u.id: None for u in dom.uses},
                        "held_end": None, "stock_end": {s: None for s in dom.stock_series}})
            continue
        done = served_programme(programme, share)
        held_end = sum(float(h[-1]) for h in done.held) if n_days else 0.0
        stock_end = float(donor["stock"][c][-1]) if donor is not None else None
        out.append({
            "sold": float(done.sold.sum()),
            "uses": {u.id: {"name": u.label, "issued": float(i.sum()), "used": float(d.sum()),
                            "held_end": float(h[-1])}
                     for u, i, d, h in zip(dom.uses, done.issued, done.used, done.held,
                                           strict=True)},
            "held_end": held_end,
            "stock_end": {sid: None if stock_end is None else stock_end + sum(
                float(h[-1]) for u, h in zip(dom.uses, done.held, strict=True)
                if sid in u.counts_in) for sid in dom.stock_series},
        })
    return out
