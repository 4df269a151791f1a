"""Blocks of a plan that ``build_plan`` caches on the sub-models they read: the channels'
attributes by region, the goods' needs and planning windows, the hubs.

The planning window is its own function (``projected_need``) because per-row lead times
(``sim.engine.rows``) recompute it for each row of a batch, and the same arithmetic must give
the same bytes there as here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine import channels as ch
from sim.engine.memo import PlanCache
from sim.scenario.enums import ShareBasis
from sim.scenario.models import FixedLeadTime, Need
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]
Index = NDArray[np.intp]

# Share bases read from plain region values (cached on those values, not on models).
VALUE_SHARES = (ShareBasis.POPULATION, ShareBasis.WEIGHTS)


def frozen(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` made read-only (plans share their arrays)."""
    a.setflags(write=False)
    return a


def hub_arrays(scenario: Scenario, chans: Sequence[ch.Channel]) -> dict[str, Any]:
    """Routes, handling and onward days, throughput units per unit of each channel's good."""
    hubs, regions = scenario.hubs, scenario.region_ids
    index = {h.id: i for i, h in enumerate(hubs)}
    route = np.array([[index.get(c.donor.hub_for(r) or "", -1) for r in regions]
                      for c in chans], dtype=np.intp).reshape(len(chans), len(regions))
    masses = {g.id: g.mass_kg for g in scenario.goods}
    per_unit = np.array([[float(masses[c.supply.good] or 1.0) if h.throughput_unit == "kg"
                          else 1.0 for c in chans] for h in hubs]).reshape(len(hubs), len(chans))
    return {
        "hub_ids": tuple(h.id for h in hubs),
        "route_hub": frozen(route),
        "hub_handling_days": frozen(np.array([h.handling_days for h in hubs], dtype=np.intp)),
        "hub_onward_days": frozen(np.array([[h.lead_times.get(r, 0) for r in regions]
                                            for h in hubs], dtype=np.intp).reshape(
                                                len(hubs), len(regions))),
        "hub_per_unit": frozen(per_unit),
        "hub_throughput": frozen(np.array([[h.throughput_per_day for h in hubs]]).reshape(
            1, len(hubs))),
    }


def channel_attributes(scenario: Scenario, chans: Sequence[ch.Channel]
                       ) -> dict[str, NDArray[Any]]:
    """The (C, R) arrays read from each region (and each donor's lead times to it)."""
    regions = scenario.regions

    def lead(c: ch.Channel, attr: str) -> list[float]:
        out = []
        for i in range(len(regions)):
            lt = ch.lead_time(scenario, c.donor, i)
            out.append(float(lt.days) if isinstance(lt, FixedLeadTime)
                       else float(getattr(lt, attr)))
        return out

    def cap(c: ch.Channel) -> list[float]:
        return [r.absorption_caps.get(c.supply.good, np.inf) for r in regions]

    block: dict[str, NDArray[Any]] = {
        "lead_min_days": np.array([lead(c, "min") for c in chans]),
        "lead_mode_days": np.array([lead(c, "mode") for c in chans]),
        "lead_max_days": np.array([lead(c, "max") for c in chans]),
        "cap_units": np.array([cap(c) for c in chans]),
        "weight": np.array([[r.weight for r in regions] for _ in chans]),
        "tier": np.array([[r.tier for r in regions] for _ in chans], dtype=np.int64),
    }
    return {name: frozen(a.reshape(len(chans), len(regions))) for name, a in block.items()}


def need_ahead(scenario: Scenario, n_days: int, cache: PlanCache) -> tuple[Array, Array]:
    """Each good's need a day, (G, n_days, R), and summed from the start, (G, n_days + 1, R):
    row t of the sums is the need of the days before day t. A longer ``n_days`` gives the
    same first rows (every series is evaluated day by day and summed in day order)."""
    start = scenario.horizon.start

    def need(n: Need | None) -> Array:
        return cache.series.get((n,), ("need", start, n_days),
                                lambda: frozen(ch.need_series(n, start, n_days)))

    need_ext = np.stack([np.stack([need(scenario.region_need(r, g)) for r in scenario.regions],
                                  axis=1) for g in scenario.good_ids])  # (G, n_days, R)
    cum = np.concatenate([np.zeros((len(scenario.good_ids), 1, len(scenario.regions))),
                          np.cumsum(need_ext, axis=1)], axis=1)
    return need_ext, cum


def projected_need(cumulative: Array, days: Index, lead_days: NDArray[np.intp],
                   horizon_days: int) -> Array:
    """The need a shipment leaving on each dispatch day is planned for, (m, K, R): the
    ``horizon_days`` after it lands, from one good's ``cumulative`` need (T', R) and the
    planned lead days (m, R) of m rows."""
    lands = days[None, :, None] + lead_days[:, None, :]
    cols = np.arange(cumulative.shape[1])
    result: Array = cumulative[lands + horizon_days, cols] - cumulative[lands, cols]
    return result


def planned_lead(scenario: Scenario, chans: Sequence[ch.Channel]) -> NDArray[np.intp]:
    """The planned lead days (C, R) of each channel to each region."""
    n_r = len(scenario.regions)
    return np.array([[ch.planned_lead_days(scenario, c.donor, i) for i in range(n_r)]
                     for c in chans], dtype=np.intp).reshape(len(chans), n_r)


def good_block(scenario: Scenario, chans: Sequence[ch.Channel], days: Index,
               cache: PlanCache) -> dict[str, NDArray[Any]]:
    """Need per good (G, T, R); projected need and shares per channel (C, K, R). A shipment
    is planned for the H days after it would land (t + planned lead .. + H), not for the days
    it spends in the air: what a region has covers it until then."""
    n_days = scenario.horizon.n_days
    horizon_h = scenario.allocation.planning_horizon_days
    n_r = len(scenario.regions)
    lead = planned_lead(scenario, chans)
    # Need is evaluated past the horizon so the last shipments still plan ahead.
    need_ext, cum = need_ahead(scenario, n_days + int(lead.max(initial=0)) + horizon_h, cache)
    projected = np.empty((len(chans), len(days), n_r))
    share = np.empty_like(projected)
    for i, c in enumerate(chans):
        projected[i] = projected_need(cum[c.good_index], days, lead[i:i + 1], horizon_h)[0]
        share[i] = shares(scenario, c, days, projected[i])
    block: dict[str, NDArray[Any]] = {
        "need_units": need_ext[:, :n_days],
        "projected_need_units": projected,
        "share": share,
    }
    return {name: frozen(np.ascontiguousarray(a)) for name, a in block.items()}


def shares(scenario: Scenario, c: ch.Channel, days: Index, projected: Array) -> Array:
    """A channel's shares of a proportional split on each dispatch day (K, R)."""
    basis = scenario.allocation.shares
    regions = scenario.regions
    if basis is ShareBasis.NEED:
        return projected
    if basis is ShareBasis.CASES:
        start, n_days = scenario.horizon.start, scenario.horizon.n_days
        active = np.stack(
            [ch.active_cases(scenario.region_need(r, c.supply.good), start,  # type: ignore[arg-type]
                             n_days) for r in regions], axis=1,
        )
        return active[days]
    values = [r.population if basis is ShareBasis.POPULATION else r.weight for r in regions]
    return np.broadcast_to(np.array(values, dtype=np.float64), (len(days), len(regions))).copy()
