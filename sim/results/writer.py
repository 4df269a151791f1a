"""Results out: the run's folder, written atomically.

``results/<name>-<short hash>/`` (the hash covers the resolved scenario, seed, engine and
backend: one folder per run) holds ``scenario.toml`` (as resolved), ``daily.parquet``
(donor series: channel x day, each row naming its donor and good), ``regions.parquet`` (good
x day x region, what every donor of the good sent summed), ``shipments.csv`` (naming donor
and good), ``summary.json`` and, for a run with hubs, ``hubs.parquet`` (hub x day).
A new folder is written under a temporary name and renamed, so a killed run never leaves a
half result that looks whole; an earlier run's folder has its files replaced one by one,
``summary.json`` last.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from sim.engine.day import DONOR_SERIES, REGION_SERIES
from sim.engine.plan import Plan
from sim.engine.runner import Result
from sim.engine.state import CHANNEL_REGION_SERIES, GOOD_REGION_SERIES, HUB_SERIES
from sim.results.files import atomic_folder, clean_stale, safe_name, write_atomic
from sim.results.summary import day_iso, summary
from sim.scenario.errors import InputError
from sim.scenario.writing import dump_toml

# Columns are built from their buffers, never with pa.array or from bare numpy arrays:
# those make pyarrow import pandas (~0.17 s, when installed) to check the input's type, and
# `masksim run` needs no pandas. The arrays are the ones pa.array would build (no validity
# buffer, same types), so the Parquet bytes are the same.
_EPOCH = dt.date(1970, 1, 1)


def _column(values: NDArray[Any]) -> pa.Array:
    """A 1-d numpy array of numbers or booleans as an Arrow array without nulls."""
    arr = np.ascontiguousarray(values)
    arr = arr.astype(arr.dtype.newbyteorder("="), copy=False)  # Arrow buffers: native order
    if arr.ndim != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"a column must be 1-d numbers or booleans, not {arr.dtype} {arr.shape}")
    if arr.dtype.kind == "b":  # Arrow packs booleans 8 to a byte, least significant bit first
        data = pa.py_buffer(np.packbits(arr, bitorder="little"))
        return pa.Array.from_buffers(pa.bool_(), len(arr), [None, data])
    return pa.Array.from_buffers(pa.from_numpy_dtype(arr.dtype), len(arr),
                                 [None, pa.py_buffer(arr)])


def _epoch_days(dates: Sequence[dt.date]) -> NDArray[np.int32]:
    return np.fromiter(((d - _EPOCH).days for d in dates), dtype=np.int32, count=len(dates))


def _date32(days: NDArray[np.int32]) -> pa.Array:
    data = pa.py_buffer(np.ascontiguousarray(days, dtype=np.int32))
    return pa.Array.from_buffers(pa.date32(), len(days), [None, data])


def _strings(values: Sequence[str]) -> pa.Array:
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), len(encoded),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def _labels(labels: Sequence[str], repeat: int = 1, times: int = 1) -> pa.DictionaryArray:
    """Each of ``labels`` repeated ``repeat`` times in a row, the whole ``times`` times,
    dictionary-encoded as ``pa.array(values).dictionary_encode()`` does it: each distinct
    label once, in the order first seen, int32 indices."""
    codes: dict[str, int] = {}
    once = np.array([codes.setdefault(x, len(codes)) for x in labels], dtype=np.int32)
    return pa.DictionaryArray.from_arrays(_column(np.tile(np.repeat(once, repeat), times)),
                                          _strings(list(codes)))


def _channel_labels(plan: Plan) -> tuple[list[str], list[str]]:
    """(donor id, good id) of each channel, in channel order."""
    return ([plan.donor_ids[int(d)] for d in plan.channel_donor],
            [plan.good_ids[int(g)] for g in plan.channel_good])


def daily_table(result: Result) -> pa.Table:
    """One row per channel and day, channel by channel (a legacy run: its one donor's)."""
    run = result.run
    assert run.series is not None
    plan = run.plan
    n_channels, n_days = plan.n_channels, plan.n_days
    # A channel's dispatch days: its donor's shipment days and its own dated pledges.
    is_ship = np.zeros((n_channels, n_days), dtype=bool)
    for c in range(n_channels):
        is_ship[c, plan.ship_days[plan.dispatches[c]]] = True
    donors, goods = _channel_labels(plan)
    cols: dict[str, pa.Array] = {
        "date": _date32(np.tile(_epoch_days(plan.dates), n_channels)),
        "donor": _labels(donors, n_days),
        "good": _labels(goods, n_days),
        "capacity": _column(plan.capacity_masks.reshape(-1)),
        "outage_loss": _column(run.draws.outage_loss.reshape(-1)),
        "shipment_day": _column(is_ship.reshape(-1)),
    }
    cols.update({name: _column(run.series.donor[name].reshape(-1)) for name in DONOR_SERIES})
    return pa.table(cols)


def good_region_series(result: Result) -> dict[str, NDArray[np.float64]]:
    """Every region series per good (G, T, R): the channel series (shipped, pledged,
    arrived, in transit) summed over the good's donors in channel order."""
    run, plan = result.run, result.run.plan
    assert run.series is not None
    out = {name: run.series.region[name] for name in GOOD_REGION_SERIES}
    for name in CHANNEL_REGION_SERIES:
        values = run.series.region[name]
        summed = np.zeros((plan.n_goods, *values.shape[1:]))
        for g in range(plan.n_goods):
            members = np.flatnonzero(plan.channel_good == g).tolist()
            if len(members) == 1:
                summed[g] = values[members[0]]
            for c in members if len(members) > 1 else ():
                summed[g] += values[c]
        out[name] = summed
    return out


def regions_table(result: Result) -> pa.Table:
    """One row per good, day and region, good by good, then day, then region."""
    plan = result.run.plan
    n_days, ids, n_goods = plan.n_days, plan.region_ids, plan.n_goods
    series = good_region_series(result)
    cols: dict[str, pa.Array] = {
        "date": _date32(np.tile(np.repeat(_epoch_days(plan.dates), len(ids)), n_goods)),
        "region": _labels(ids, times=n_days * n_goods),
        "good": _labels(plan.good_ids, n_days * len(ids)),
    }
    cols.update({name: _column(series[name].reshape(-1)) for name in REGION_SERIES})
    return pa.table(cols)


def hubs_table(result: Result) -> pa.Table:
    """One row per hub and day, hub by hub (throughput units: units or kg, as the hub
    counts; wait_days NaN on a day it handled nothing)."""
    run = result.run
    assert run.series is not None
    plan = run.plan
    n_hubs, n_days = len(plan.hub_ids), plan.n_days
    cols: dict[str, pa.Array] = {
        "date": _date32(np.tile(_epoch_days(plan.dates), n_hubs)),
        "hub": _labels(plan.hub_ids, n_days),
    }
    # (B, H, T) with B = 1: hub-major rows, as the labels above
    cols.update({name: _column(run.series.hub[name][0].reshape(-1)) for name in HUB_SERIES})
    return pa.table(cols)


def shipments_csv(result: Result) -> str:
    """Each shipment, by date, then channel (donor x good), then region. A run with hubs
    adds ``via``: the hub a routed shipment goes through (its lead and arrival are then
    those of the leg to the hub), empty for a direct one."""
    run = result.run
    assert run.series is not None and run.series.lead_days is not None
    plan, region = run.plan, run.series.region
    donors, goods = _channel_labels(plan)
    hubs = len(plan.hub_ids) > 0
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ship_date", "donor", "good", "region", "masks", "pledged_masks",
                "policy_masks", "lead_days", "arrival_date", "arrived_in_horizon"]
               + (["via"] if hubs else []))
    for k, t in enumerate(plan.ship_days.tolist()):
        for c in range(plan.n_channels):
            for i, rid in enumerate(plan.region_ids):
                masks = region["shipped"][c, t, i]
                if masks <= 0:
                    continue
                pledged = region["pledged"][c, t, i]
                lead = int(run.series.lead_days[c, k, i])
                via = ([plan.hub_ids[h] if (h := int(plan.route_hub[c, i])) >= 0 else ""]
                       if hubs else [])
                w.writerow([day_iso(result, t), donors[c], goods[c], rid, f"{masks:.3f}",
                            f"{pledged:.3f}", f"{masks - pledged:.3f}", lead,
                            day_iso(result, t + lead), t + lead < plan.n_days, *via])
    return out.getvalue()


def run_digest(result: Result) -> str:
    """What makes the run: the resolved scenario (as written), seed, engine and backend."""
    text = (f"{dump_toml(result.scenario)}\n# run\nseed = {result.seed}\n"
            f"engine = {str(result.engine)!r}\nbackend = {str(result.backend)!r}\n")
    return hashlib.sha256(text.encode()).hexdigest()


def folder_name(result: Result) -> str:
    """``<name>-<hash10>``: one folder per run (scenario, seed, engine, backend); the name
    part shortened and made safe, so any valid scenario name gives a valid folder name."""
    return f"{safe_name(result.scenario.name)}-{run_digest(result)[:10]}"


class FolderKind(Enum):
    NEW = "new"  # missing or empty: written whole under a temporary name, then renamed
    RUN = "run"  # an earlier run's folder: only the run's own files are replaced
    OTHER = "other"  # anything else: never written into


def folder_kind(out: Path) -> FolderKind:
    if not out.exists():
        return FolderKind.NEW
    if not out.is_dir():
        return FolderKind.OTHER
    if all((out / name).is_file() for name in ("summary.json", "scenario.toml")):
        return FolderKind.RUN
    return FolderKind.NEW if not any(out.iterdir()) else FolderKind.OTHER


HUBS_FILE = "hubs.parquet"  # written only for a run with hubs


def run_files(result: Result, summary_: dict[str, Any] | None = None) -> dict[str, bytes]:
    """The run's files by name, in writing order (summary.json last: it marks a run)."""
    hubs = ({HUBS_FILE: _parquet(hubs_table(result))} if result.run.plan.hub_ids else {})
    return {
        "scenario.toml": dump_toml(result.scenario).encode(),
        "daily.parquet": _parquet(daily_table(result)),
        "regions.parquet": _parquet(regions_table(result)),
        "shipments.csv": shipments_csv(result).encode(),
        **hubs,
        "summary.json": (json.dumps(summary_ or summary(result), indent=2, allow_nan=False)
                         + "\n").encode(),
    }


def _parquet(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def write(result: Result, out_dir: Path, summary_: dict[str, Any] | None = None) -> Path:
    """Write the run's folder ``out_dir``; returns its path. ``summary_`` is the run's
    :func:`summary` when the caller has it already.

    A run never deletes a file it did not write: a missing or empty ``out_dir`` is written
    whole and renamed into place; an earlier run's folder gets only its own files replaced
    (each atomically; anything else there, such as ``figures/``, stays); any other folder
    is refused (InputError). An earlier run's ``hubs.parquet`` goes when this run has no
    hubs, so that it is not read as this run's."""
    out_dir = Path(out_dir)
    kind = folder_kind(out_dir)
    if kind is FolderKind.OTHER:
        raise InputError(out_dir, "", "the folder holds other files (it is not a masksim run "
                         "folder); choose an empty or new folder for --out")
    files = run_files(result, summary_)
    if kind is FolderKind.NEW and not _holds_cwd(out_dir):
        with atomic_folder(out_dir) as tmp:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
        return out_dir
    # An earlier run (or the working folder itself, which must not be renamed away from
    # under the shell): file by file, each atomically, summary.json last.
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    if HUBS_FILE not in files:
        (out_dir / HUBS_FILE).unlink(missing_ok=True)
    for name, data in files.items():
        write_atomic(out_dir / name, data)
    return out_dir


def _holds_cwd(folder: Path) -> bool:
    if not folder.exists():
        return False
    here, target = Path.cwd().resolve(), folder.resolve()
    return here == target or target in here.parents
