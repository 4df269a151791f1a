"""The run's summary: metrics of a single run as plain JSON values, with provenance.

``goods`` holds each good's metrics (in its unit), ``donors`` what each donor did with each
of its goods (with a domestic programme of uses, an uptake profile or an outlets' supply,
under ``domestic``: what was sold, what each use was issued, used and held at the end, and the
stock series the record counts, at the end) and its
exchanges, ``hubs`` (a run with hubs) what each hub handled, how long it waited and how long
its queue was. The top level carries the same metrics for all goods at
once: quantities summed over goods only when every good counts in one unit (else null), fill
rates and equity only when there is one good (else null) -- so a run of one good reads its
numbers at the top level, under the names sweeps and calibration use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np

import sim
from sim.engine.plan import Array
from sim.engine.runner import Result
from sim.engine.state import Totals
from sim.results import metrics
from sim.results.domestic import programme_summary
from sim.results.observations import compare_run
from sim.scenario.models import FixedPledge, Pledge
from sim.scenario.scenario import Scenario
from sim.scenario.writing import dump_toml


def scenario_sha256(scenario: Scenario) -> str:
    return hashlib.sha256(dump_toml(scenario).encode()).hexdigest()


def _num(x: Any) -> float | None:
    """A JSON number, or None (null) for NaN and infinities, which standard JSON lacks."""
    value = float(x)
    return value if math.isfinite(value) else None


def _finite(data: Any) -> Any:
    """``data`` with every non-finite float replaced by None, however deeply nested."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    if isinstance(data, float):
        return _num(data)
    return data


def day_iso(result: Result, day: int) -> str | None:
    if day < 0:
        return None
    return (result.run.plan.start + dt.timedelta(days=int(day))).isoformat()


def pledge_entries(result: Result) -> list[dict[str, Any]]:
    """Each of the scenario's pledges: when, how much, and how it was kept (units of its
    good; exchanges' sends are reported with their exchange)."""
    run, plan, scenario = result.run, result.run.plan, result.scenario
    # Each instance is shipped from one channel row, so summing over rows takes its own.
    amount = plan.pledge_units.sum(axis=0)
    on_time, late, unmet = (a.sum(axis=0) for a in metrics.pledge_split(
        run.totals, plan.pledge_units))
    out = []
    for i, p in enumerate(scenario.pledges):
        rows = plan.pledge_source == i
        # A fixed pledge dated after the last shipment day cannot fall due in this horizon:
        # it is neither kept nor broken here, so it is reported apart from the others.
        not_due = p.amount if isinstance(p, FixedPledge) and not rows.any() else 0.0
        out.append({
            "donor": p.donor, "good": p.good,
            "region": p.region, "kind": p.kind, "when": _when(p), "note": p.note,
            "amount": _num(amount[rows].sum()),
            "on_time": _num(on_time[rows].sum()), "late": _num(late[rows].sum()),
            "unmet": _num(unmet[rows].sum()), "not_due": not_due,
        })
    return out


def _when(p: Pledge) -> str:
    return (p.date.isoformat() if isinstance(p, FixedPledge)
            else f"{p.start.isoformat()}..{p.end.isoformat()}")


def hub_summary(result: Result) -> dict[str, Any]:
    """Each hub, in its throughput unit (units or kg): what it handled, the mean days that
    waited (each day's mean wait weighted by what was handled that day, in the hub's unit),
    the longest queue at the end of a day (its first date; null when nothing ever waited)
    and the days that ended with a queue."""
    run, plan, scenario = result.run, result.run.plan, result.scenario
    out: dict[str, Any] = {}
    for h, hub in enumerate(scenario.hubs):
        handled = float(run.totals.hub_handled[0, h])
        entry: dict[str, Any] = {"name": hub.name or hub.id,
                                 "throughput_unit": str(hub.throughput_unit),
                                 "handled": handled}
        if run.series is None:  # totals only: the mean wait, no queue
            entry.update(mean_wait_days=float(run.totals.hub_waited[0, h]) / handled
                         if handled > 0 else None,
                         max_queue=None, max_queue_date=None, days_with_queue=None)
        else:
            daily = {k: v[0, h] for k, v in run.series.hub.items()}
            done = daily["handled"]
            waited = np.where(done > 0, daily["wait_days"], 0.0)
            queue = daily["queue"]
            peak = int(np.argmax(queue))
            # A queue is what is left after a day's throughput; float sums leave none below
            # a billionth of it (take() uses the throughput up exactly).
            tiny = 1e-9 * float(plan.hub_throughput[0, h])
            entry.update(
                mean_wait_days=float((done * waited).sum() / done.sum())
                if done.sum() > 0 else None,
                max_queue=float(queue[peak]),
                max_queue_date=day_iso(result, peak) if queue[peak] > tiny else None,
                days_with_queue=int((queue > tiny).sum()))
        out[hub.id] = entry
    return out


def provenance(result: Result) -> dict[str, Any]:
    return {
        "version": sim.__version__, "seed": result.seed,
        "scenario_sha256": scenario_sha256(result.scenario),
        "engine": str(result.engine), "backend": str(result.backend),
        "numpy": np.__version__,
    }


# Shares and indices: given at the top level only when there is one good (the rest of the
# top level are quantities, given when every good counts in one unit).
_RATES = ("fill_rate_by_region", "gini_fill_rate", "gini_fill_rate_population",
          "min_fill_rate", "mean_fill_rate")


def _group_metrics(result: Result, totals: Totals, pledge_units: Array,
                   row: int, not_due: float) -> dict[str, Any]:
    """The metrics of one row of grouped totals (a good, or all goods)."""
    ids, scenario = result.run.plan.region_ids, result.scenario
    scalar = metrics.scalars(totals, pledge_units)
    regional = metrics.by_region(totals)
    population = np.array([r.population for r in scenario.regions], dtype=np.float64)
    by_population = metrics.equity(totals, population)["gini_fill_rate"]

    def per_region(name: str) -> dict[str, float | None]:
        return {rid: _num(regional[name][row, i]) for i, rid in enumerate(ids)}

    return {
        **{k: _num(scalar[k][row]) for k in ("produced", "released")},
        "received": _num(totals.received_units[row]),
        **{k: _num(scalar[k][row]) for k in ("domestic_demand", "domestic_shortfall",
                                             "donated_total", "delivered_total",
                                             "in_transit_end")},
        **{k: per_region(k) for k in ("donated_by_region", "delivered_by_region",
                                      "fill_rate_by_region")},
        "unmet_need": _num(scalar["unmet_need"][row]),
        "unmet_need_by_region": per_region("unmet_need_by_region"),
        "gini_fill_rate": _num(scalar["gini_fill_rate"][row]),
        "gini_fill_rate_population": _num(by_population[row]),
        "min_fill_rate": _num(scalar["min_fill_rate"][row]),
        "mean_fill_rate": _num(scalar["mean_fill_rate"][row]),
        "pledges": {"on_time": _num(scalar["pledges_on_time"][row]),
                    "late": _num(scalar["pledges_late"][row]),
                    "unmet": _num(scalar["pledges_unmet"][row]),
                    "pledged": _num(scalar["pledged_total"][row]), "not_due": not_due},
        "first_delivery_day_by_region": {
            rid: day_iso(result, int(regional["first_delivery_day_by_region"][row, i]))
            for i, rid in enumerate(ids)},
        "final_stock": _num(scalar["final_stock"][row]),
    }


def _donors(result: Result, rows: metrics.Rows) -> dict[str, Any]:
    """Each donor: what it did with each of its goods, and its exchanges by date."""
    run, plan, scenario = result.run, result.run.plan, result.scenario
    chan = metrics.channel_scalars(run.totals, plan.pledge_units)
    sent, received = metrics.exchange_flows(run.totals, rows, plan.receive_ratio)
    home = programme_summary(scenario, plan, None if run.series is None else run.series.donor,
                             chan["domestic_shortfall"])
    ids, goods = plan.region_ids, plan.good_ids
    out: dict[str, Any] = {}
    for d, donor in enumerate(scenario.donors):
        entry: dict[str, Any] = {}
        for c in np.flatnonzero(plan.channel_donor == d).tolist():
            entry[goods[int(plan.channel_good[c])]] = {
                **{k: _num(chan[k][c]) for k in (
                    "produced", "released", "received", "domestic_demand",
                    "domestic_shortfall", "donated_total", "delivered_total")},
                "donated_by_region": {rid: _num(run.totals.shipped_units[c, i])
                                      for i, rid in enumerate(ids)},
                "pledges": {"on_time": _num(chan["pledges_on_time"][c]),
                            "late": _num(chan["pledges_late"][c]),
                            "unmet": _num(chan["pledges_unmet"][c]),
                            "pledged": _num(chan["pledged_total"][c])},
                "final_stock": _num(chan["final_stock"][c]),
                **({} if home[c] is None else {"domestic": home[c]}),
            }
        exchanges = []
        for j, x in enumerate(scenario.exchanges):
            if x.donor != donor.id:
                continue
            sends = np.flatnonzero(plan.pledge_exchange == j).tolist()
            by_date: dict[str, list[float]] = {}
            for p in sends:  # by the date each send fell due (instances are oldest first)
                day = day_iso(result, int(plan.ship_days[plan.pledge_due[p]]))
                assert day is not None
                pair = by_date.setdefault(day, [0.0, 0.0])
                pair[0] += float(sent[0, p])
                pair[1] += float(received[0, p])
            exchanges.append({
                "partner": x.partner, "sent_good": x.send.good,
                "sent": _num(sent[0, sends].sum()), "received_good": x.receive.good,
                "received": _num(received[0, sends].sum()),
                "by_date": [[day, s, r] for day, (s, r) in by_date.items()],
            })
        out[donor.id] = {"name": donor.label, "goods": entry, "exchanges": exchanges}
    return out


FORMAT_VERSION = 2  # of a run folder: 1 before goods and donors were the one form


def summary(result: Result) -> dict[str, Any]:
    """Metrics of a single run (B = 1) as plain JSON values, with provenance (see the
    module's docstring)."""
    run, plan, scenario = result.run, result.run.plan, result.scenario
    units = [g.unit for g in scenario.goods]
    rows = metrics.Rows.of(plan, units)
    pledges = pledge_entries(result)
    not_due = {g: sum(p["not_due"] for p in pledges if p["good"] == g)
               for g in plan.good_ids}
    good_totals, good_pledges = metrics.per_good(run.totals, plan.pledge_units, rows)
    goods = {
        g.id: {"name": g.name or g.id, "unit": g.unit,
               **_group_metrics(result, good_totals, good_pledges, i, not_due[g.id])}
        for i, g in enumerate(scenario.goods)}
    # All goods as one: in one unit only (the scope is then every good).
    every = (_group_metrics(result, *metrics.grouped(run.totals, plan.pledge_units, rows,
                                                     *rows.scope()), 0, sum(not_due.values()))
             if rows.units_agree else None)
    one_good = next(iter(goods.values())) if len(goods) == 1 else None

    def top(key: str) -> Any:
        if key in _RATES:
            return None if one_good is None else one_good[key]
        return None if every is None else every[key]

    first = metrics.grouped(run.totals, plan.pledge_units, rows,
                            np.zeros(rows.n_channels, dtype=np.intp),
                            np.zeros(rows.n_goods, dtype=np.intp), 1)[0].first_delivery_day
    pledge_top = (dict(every["pledges"]) if every is not None else
                  {k: None for k in ("on_time", "late", "unmet", "pledged", "not_due")})
    out: dict[str, Any] = _finite({
        "format_version": FORMAT_VERSION,
        "name": scenario.name,
        "title": scenario.label,
        "horizon": {"start": scenario.horizon.start.isoformat(),
                    "end": scenario.horizon.end.isoformat()},
        **{k: top(k) for k in ("produced", "released", "domestic_demand", "domestic_shortfall",
                               "donated_total", "delivered_total", "in_transit_end",
                               "donated_by_region", "delivered_by_region",
                               "fill_rate_by_region", "unmet_need",
                               "unmet_need_by_region", "gini_fill_rate",
                               "gini_fill_rate_population", "min_fill_rate",
                               "mean_fill_rate")},
        "pledges": {**pledge_top, "each": pledges},
        # The earliest delivery of any good: a date, whatever the units.
        "first_delivery_day_by_region": {
            rid: day_iso(result, int(first[0, i])) for i, rid in enumerate(plan.region_ids)},
        "final_stock": top("final_stock"),
        "coordination": str(scenario.coordination),
        "goods": goods,
        "donors": _donors(result, rows),
        **({"hubs": hub_summary(result)} if scenario.hubs else {}),
        "observations": compare_run(result),
        "provenance": provenance(result),
    })
    return out
