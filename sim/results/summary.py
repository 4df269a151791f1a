"""The run's summary: metrics of a single run as plain JSON values, with provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np

import sim
from sim.engine.runner import Result
from sim.results import metrics
from sim.results.observations import compare_run
from sim.scenario.models import FixedPledge, Scenario
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


def summary(result: Result) -> dict[str, Any]:
    """Metrics of a single run (B = 1) as plain JSON values, with provenance."""
    run, plan, scenario = result.run, result.run.plan, result.scenario
    scalar = {k: _num(v[0]) for k, v in metrics.scalars(run.totals, plan.pledge_masks).items()}
    # Population weights come from the scenario (the plan keeps only derived shares), in the
    # plan's region order; all zero gives NaN (null), as the Gini is then undefined.
    population = np.array([r.population for r in scenario.regions], dtype=np.float64)
    by_population = _num(metrics.equity(run.totals, population)["gini_fill_rate"][0])
    regional = metrics.by_region(run.totals)
    ids = plan.region_ids

    def per_region(name: str) -> dict[str, float | None]:
        return {rid: _num(regional[name][0, i]) for i, rid in enumerate(ids)}

    on_time, late, unmet = metrics.pledge_split(run.totals, plan.pledge_masks)
    pledges = []
    for i, p in enumerate(scenario.pledges):
        rows = plan.pledge_source == i
        when = (p.date.isoformat() if isinstance(p, FixedPledge)
                else f"{p.start.isoformat()}..{p.end.isoformat()}")
        # A fixed pledge dated after the last shipment day cannot fall due in this horizon:
        # it is neither kept nor broken here, so it is reported apart from the others.
        not_due = p.amount if isinstance(p, FixedPledge) and not rows.any() else 0.0
        pledges.append({
            "region": p.region, "kind": p.kind, "when": when, "note": p.note,
            "amount": _num(plan.pledge_masks[0, rows].sum()),
            "on_time": _num(on_time[0, rows].sum()), "late": _num(late[0, rows].sum()),
            "unmet": _num(unmet[0, rows].sum()), "not_due": not_due,
        })
    # Standard JSON has no NaN or Infinity: every non-finite number is written as null.
    out: dict[str, Any] = _finite({
        "name": scenario.name,
        "horizon": {"start": scenario.horizon.start.isoformat(),
                    "end": scenario.horizon.end.isoformat()},
        **{k: scalar[k] for k in ("produced", "released", "domestic_demand", "domestic_shortfall",
                                  "donated_total", "delivered_total", "in_transit_end")},
        "donated_by_region": per_region("donated_by_region"),
        "delivered_by_region": per_region("delivered_by_region"),
        "fill_rate_by_region": per_region("fill_rate_by_region"),
        "unmet_need_masks": scalar["unmet_need_masks"],
        "unmet_need_by_region": per_region("unmet_need_by_region"),
        "gini_fill_rate": scalar["gini_fill_rate"],
        "gini_fill_rate_population": by_population,
        "min_fill_rate": scalar["min_fill_rate"],
        "mean_fill_rate": scalar["mean_fill_rate"],
        "pledges": {
            "on_time": scalar["pledges_on_time"], "late": scalar["pledges_late"],
            "unmet": scalar["pledges_unmet"], "pledged": scalar["pledged_total"],
            "not_due": sum(p["not_due"] for p in pledges), "each": pledges,
        },
        "first_delivery_day_by_region": {
            rid: day_iso(result, int(regional["first_delivery_day_by_region"][0, i]))
            for i, rid in enumerate(ids)
        },
        "final_stock": scalar["final_stock"],
        # The record beside the model: each observation, the model's value, the error.
        "observations": compare_run(result),
        "provenance": {
            "version": sim.__version__, "seed": result.seed,
            "scenario_sha256": scenario_sha256(scenario),
            "engine": str(result.engine), "backend": str(result.backend),
            "numpy": np.__version__,
        },
    })
    return out
