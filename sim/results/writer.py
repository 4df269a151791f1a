"""Results out: summary metrics with provenance, and the run's folder written atomically.

``results/<name>-<short hash>/`` holds ``scenario.toml`` (as resolved), ``daily.parquet``
(donor series), ``regions.parquet`` (day x region), ``shipments.csv`` and ``summary.json``.
The folder is written under a temporary name and renamed, so a killed run never leaves a
half result that looks whole.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.day import DONOR_SERIES, REGION_SERIES
from sim.engine.runner import Result
from sim.results.summary import day_iso, scenario_sha256, summary
from sim.scenario.writing import dump_toml


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
            w.writerow([day_iso(result, t), rid, f"{masks:.3f}", f"{pledged:.3f}",
                        f"{masks - pledged:.3f}", lead, day_iso(result, t + lead),
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
