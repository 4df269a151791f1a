"""Results out: summary metrics with provenance, and the run's folder written atomically.

``results/<name>-<short hash>/`` holds ``scenario.toml`` (as resolved), ``daily.parquet``
(donor series), ``regions.parquet`` (day x region), ``shipments.csv`` and ``summary.json``.
The folder is written under a temporary name and renamed, so a killed run never leaves a
half result that looks whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.engine.day import DONOR_SERIES, REGION_SERIES
from sim.engine.runner import Result
from sim.results import metrics
from sim.scenario.loading import dump_toml
from sim.scenario.models import FixedPledge, Scenario


def scenario_sha256(scenario: Scenario) -> str:
    return hashlib.sha256(dump_toml(scenario).encode()).hexdigest()


def _num(x: Any) -> float | None:
    value = float(x)
    return None if math.isnan(value) else value


def _day(result: Result, day: int) -> str | None:
    if day < 0:
        return None
    return (result.run.plan.start + dt.timedelta(days=int(day))).isoformat()


def summary(result: Result) -> dict[str, Any]:
    """Metrics of a single run (B = 1) as plain JSON values, with provenance."""
    run, plan, scenario = result.run, result.run.plan, result.scenario
    scalar = {k: _num(v[0]) for k, v in metrics.scalars(run.totals, plan.pledge_masks).items()}
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
    return {
        "name": scenario.name,
        "horizon": {"start": scenario.horizon.start.isoformat(),
                    "end": scenario.horizon.end.isoformat()},
        **{k: scalar[k] for k in ("produced", "domestic_demand", "domestic_shortfall",
                                  "donated_total", "delivered_total", "in_transit_end")},
        "donated_by_region": per_region("donated_by_region"),
        "delivered_by_region": per_region("delivered_by_region"),
        "fill_rate_by_region": per_region("fill_rate_by_region"),
        "unmet_need_mask_days": scalar["unmet_need_mask_days"],
        "unmet_need_by_region": per_region("unmet_need_by_region"),
        "gini_fill_rate": scalar["gini_fill_rate"],
        "min_fill_rate": scalar["min_fill_rate"],
        "mean_fill_rate": scalar["mean_fill_rate"],
        "pledges": {
            "on_time": scalar["pledges_on_time"], "late": scalar["pledges_late"],
            "unmet": scalar["pledges_unmet"], "pledged": scalar["pledged_total"],
            "not_due": sum(p["not_due"] for p in pledges), "each": pledges,
        },
        "first_delivery_day_by_region": {
            rid: _day(result, int(regional["first_delivery_day_by_region"][0, i]))
            for i, rid in enumerate(ids)
        },
        "final_stock": scalar["final_stock"],
        "provenance": {
            "version": sim.__version__, "seed": result.seed,
            "scenario_sha256": scenario_sha256(scenario),
            "engine": str(result.engine), "backend": str(result.backend),
            "numpy": np.__version__,
        },
    }


def _dates(result: Result) -> pa.Array:
    return pa.array(result.run.plan.dates, type=pa.date32())


def daily_table(result: Result) -> pa.Table:
    run = result.run
    assert run.series is not None
    plan = run.plan
    is_ship = np.zeros(plan.n_days, dtype=bool)
    is_ship[plan.ship_days] = True
    cols: dict[str, Any] = {
        "date": _dates(result),
        "capacity": plan.capacity_masks[0],
        "outage_loss": run.draws.outage_loss[0],
        "shipment_day": is_ship,
    }
    cols.update({name: run.series.donor[name][0] for name in DONOR_SERIES})
    return pa.table(cols)


def regions_table(result: Result) -> pa.Table:
    run = result.run
    assert run.series is not None
    n_days, ids = run.plan.n_days, run.plan.region_ids
    cols: dict[str, Any] = {
        "date": pa.array([d for d in run.plan.dates for _ in ids], type=pa.date32()),
        "region": pa.array(ids * n_days).dictionary_encode(),
    }
    cols.update({name: run.series.region[name][0].reshape(-1) for name in REGION_SERIES})
    return pa.table(cols)


def shipments_csv(result: Result) -> str:
    run = result.run
    assert run.series is not None and run.series.lead_days is not None
    plan, region = run.plan, run.series.region
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ship_date", "region", "masks", "pledged_masks", "policy_masks",
                "lead_days", "arrival_date", "arrived_in_horizon"])
    for k, t in enumerate(plan.ship_days.tolist()):
        for i, rid in enumerate(plan.region_ids):
            masks = region["shipped"][0, t, i]
            if masks <= 0:
                continue
            pledged = region["pledged"][0, t, i]
            lead = int(run.series.lead_days[0, k, i])
            w.writerow([_day(result, t), rid, f"{masks:.3f}", f"{pledged:.3f}",
                        f"{masks - pledged:.3f}", lead, _day(result, t + lead),
                        t + lead < plan.n_days])
    return out.getvalue()


def folder_name(result: Result) -> str:
    return f"{result.scenario.name}-{scenario_sha256(result.scenario)[:10]}"


def write(result: Result, out_dir: Path, summary_: dict[str, Any] | None = None) -> Path:
    """Write the run's folder ``out_dir`` atomically; returns its path. ``summary_`` is the
    run's :func:`summary` when the caller has it already."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        (tmp / "scenario.toml").write_text(dump_toml(result.scenario))
        pq.write_table(daily_table(result), tmp / "daily.parquet")
        pq.write_table(regions_table(result), tmp / "regions.parquet")
        (tmp / "shipments.csv").write_text(shipments_csv(result))
        (tmp / "summary.json").write_text(json.dumps(summary_ or summary(result), indent=2) + "\n")
        os.chmod(tmp, 0o755)
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def replace_dir(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``; an older ``target`` is moved aside, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
