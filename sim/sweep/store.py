"""Sweep files in, sweep folders out.

A sweep folder holds::

    sweep.toml          the sweep as resolved (defaults filled in; base = "scenario.toml")
    scenario.toml       the base scenario as resolved, so the folder is self-contained
    provenance.json     version, root seed, sweep sha256, design, sizes; runs (info only)
    experiments/part-000000.parquet ...   one row per experiment, chunk by chunk
    series/part-000000.parquet ...        daily donor series, when the sweep keeps any

A chunk is finished if and only if its ``experiments`` part exists: each part (series first)
is written under a temporary name in the same folder and renamed, so a killed sweep leaves
whole parts or none, and ``--resume`` only runs the missing ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray
from pydantic import ValidationError

import sim
from sim.results.files import atomic_folder, atomic_path, clean_stale, safe_name, write_atomic
from sim.results.metrics import RENAMED
from sim.scenario.errors import InputError, first_error
from sim.scenario.loading import expect_kind, load, read_toml
from sim.scenario.writing import dump_toml, to_toml
from sim.sweep.design import ParamRole
from sim.sweep.spec import RESERVED, ChunkResult, ResolvedSweep, Sweep, resolve

SCENARIO_COPY = "scenario.toml"


def load_sweep(path: str | Path) -> ResolvedSweep:
    """Read and validate a sweep file and its base scenario (a path relative to the file)."""
    data = read_toml(path)
    expect_kind(path, data, "sweep")
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as exc:
        raise first_error(path, exc, Sweep) from None
    base_path = sweep.base if sweep.base.is_absolute() else Path(path).parent / sweep.base
    if not base_path.is_file():
        raise InputError(path, "base", f"no scenario file {base_path}")
    backend = [f"allocation.backend={sweep.backend.value}"] if sweep.backend else []
    return resolve(sweep, load(base_path, backend), str(path))


# --- the resolved sweep as TOML ------------------------------------------------------------

def sweep_toml(resolved: ResolvedSweep) -> str:
    """The sweep with defaults filled in, its base pointing at the folder's scenario copy."""
    data = resolved.sweep.model_dump(mode="json", exclude_none=True)
    data["base"] = SCENARIO_COPY
    for param in data["parameters"]:
        if not param.get("args"):
            param.pop("args", None)
    return ("# The sweep as run (masksim resolves defaults); base is the copy next to it.\n"
            + to_toml(data))


def sweep_sha256(resolved: ResolvedSweep) -> str:
    """What the results depend on: the resolved sweep and the resolved base scenario."""
    text = sweep_toml(resolved) + "\n# base scenario\n" + dump_toml(resolved.base)
    return hashlib.sha256(text.encode()).hexdigest()


def default_folder(resolved: ResolvedSweep, results_dir: str | Path = "results") -> Path:
    # The name part shortened and made safe: a long name must not make the path too long.
    return Path(results_dir) / f"{safe_name(resolved.sweep.name)}-{sweep_sha256(resolved)[:10]}"


# --- the folder ---------------------------------------------------------------------------

def part_path(out: Path, chunk: int, dataset: str = "experiments") -> Path:
    return out / dataset / f"part-{chunk:06d}.parquet"


def finished_chunks(out: Path, n_chunks: int) -> list[int]:
    return [c for c in range(n_chunks) if part_path(out, c).exists()]


def _versions() -> dict[str, str]:
    import scipy

    return {"masksim": sim.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "pyarrow": pa.__version__}


def provenance(resolved: ResolvedSweep, sha: str) -> dict[str, Any]:
    s = resolved.sweep
    return {
        "sweep": s.name, "version": sim.__version__, "versions": _versions(),
        "root_seed": s.seed, "sweep_sha256": sha, "design": resolved.design_info(),
        "parameters": [{"name": p.label, "paths": p.targets, "op": str(p.op),
                        "kind": str(p.kind), "dtype": p.dtype} for p in s.parameters],
        "outcomes": list(s.outcomes), "series": list(s.series),
        "n_experiments": resolved.n_experiments, "chunk_size": s.chunk_size,
        "n_chunks": resolved.n_chunks, "runs": [],
    }


def read_provenance(out: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((out / "provenance.json").read_text())
    except (OSError, ValueError) as exc:
        raise InputError(out, "provenance.json", f"not a sweep folder ({exc})") from None
    return data


class FolderState(Enum):
    NEW = "new"  # missing or empty: start from scratch
    UNFINISHED = "unfinished"  # this sweep, some chunks missing
    COMPLETE = "complete"  # this sweep, every chunk written


def prepare(out: Path, resolved: ResolvedSweep, *, resume: bool,
            run_info: dict[str, Any]) -> tuple[FolderState, list[int]]:
    """Make ``out`` ready and return its state and the chunks still to run.

    A complete folder of the same sweep is left as it is (nothing to run). An unfinished one
    is finished only with ``resume``, however many chunks it holds (none, after a Ctrl-C in
    the first seconds, or nine); a folder of another sweep, or anything else that is not
    empty, is never touched.
    """
    sha = sweep_sha256(resolved)
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        # Set up beside it and rename, so a folder never exists without its provenance.
        with atomic_folder(out) as tmp:  # an empty folder at out is replaced too
            (tmp / SCENARIO_COPY).write_text(dump_toml(resolved.base), encoding="utf-8")
            (tmp / "sweep.toml").write_text(sweep_toml(resolved), encoding="utf-8")
            (tmp / "experiments").mkdir()
            if resolved.sweep.series:
                (tmp / "series").mkdir()
            prov = provenance(resolved, sha)
            prov["runs"].append(run_info)
            (tmp / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
        return FolderState.NEW, list(range(resolved.n_chunks))
    if not out.is_dir():
        raise InputError(out, "", "is a file, not a folder; --out names the sweep's folder")
    if not (out / "provenance.json").exists():
        raise InputError(out, "", "exists, is not empty and is not a sweep folder; "
                         "choose another --out")
    prov = read_provenance(out)
    if prov.get("sweep_sha256") != sha or prov.get("n_chunks") != resolved.n_chunks:
        raise InputError(out, "provenance.json", f"holds another sweep (sha256 "
                         f"{str(prov.get('sweep_sha256'))[:10]}, this one {sha[:10]}); "
                         "choose another --out or remove it")
    done = set(finished_chunks(out, resolved.n_chunks))
    todo = [c for c in range(resolved.n_chunks) if c not in done]
    if not todo:
        return FolderState.COMPLETE, []
    if not resume:
        raise InputError(out, "", f"holds an unfinished run of this sweep ({len(done)} of "
                         f"{resolved.n_chunks} chunks); add --resume to finish it")
    for dataset in ("experiments", "series"):  # parts of a killed run that never got renamed
        clean_stale(out / dataset)
    prov.setdefault("runs", []).append({**run_info, "resumed_at_chunks": len(done)})
    write_atomic(out / "provenance.json", json.dumps(prov, indent=2) + "\n")
    return FolderState.UNFINISHED, todo


def _schema(resolved: ResolvedSweep) -> pa.Schema:
    types = {"float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_(),
             "string": pa.string()}
    fields = [pa.field("experiment", pa.int64()), pa.field("replication", pa.int64()),
              pa.field("seed", pa.uint64())]
    fields += [pa.field(p.label, types[p.dtype]) for p in resolved.sweep.parameters]
    fields += [pa.field(name, pa.float64()) for name in resolved.sweep.outcomes]
    return pa.schema(fields)


def _write_table(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_chunk(out: Path, resolved: ResolvedSweep, result: ChunkResult) -> None:
    """Write a chunk's parts: series first, so an experiments part means a whole chunk."""
    if result.series is not None:
        series = pa.table({k: pa.array(v) for k, v in result.series.items()})
        _write_table(series, part_path(out, result.index, "series"))
    schema = _schema(resolved)
    table = pa.table([pa.array(result.columns[f.name], type=f.type) for f in schema],
                     schema=schema)
    _write_table(table, part_path(out, result.index))


# --- reading back -------------------------------------------------------------------------

def read_sweep_file(out: str | Path) -> Sweep:
    """The folder's resolved sweep (its parameters, outcomes, design)."""
    path = Path(out) / "sweep.toml"
    try:
        return Sweep.model_validate(read_toml(path))
    except ValidationError as exc:
        raise first_error(path, exc) from None


def _parts(out: Path, dataset: str) -> list[Path]:
    prov = read_provenance(out)
    n_chunks = int(prov["n_chunks"])
    done = finished_chunks(out, n_chunks)
    if len(done) < n_chunks:
        raise InputError(out, "", f"unfinished sweep ({len(done)} of {n_chunks} chunks); "
                         "finish it with masksim sweep ... --resume")
    return [part_path(out, c, dataset) for c in range(n_chunks)]


def read_sweep(out: str | Path) -> tuple[Any, dict[str, NDArray[np.float64]]]:
    """``(experiments, outcomes)``, the pair EMA Workbench's analysis takes as is.

    ``experiments`` is a DataFrame indexed by ``experiment`` (0 .. n-1) whose columns are the
    sweep's inputs only (parameters by label, in the sweep's order), then ``scenario`` (the
    design point: the replications of a point share it) and, where parameters are marked
    ``role = "lever"``, ``policy`` (``policy 0``, ``policy 1`` ..: each distinct set of lever
    values, numbered by first appearance). EMA Workbench drops ``scenario`` and treats a
    one-valued ``policy`` as no input; ``masksim discover`` never boxes either. The
    bookkeeping columns (replication, seed) are in ``read_bookkeeping``.

    ``outcomes`` maps each kept outcome to a float64 array in experiment order. NaN means
    undefined, never missing: the fairness outcomes (``min_fill_rate``, ``mean_fill_rate``,
    ``gini_fill_rate``) are NaN in a run where regions needed supplies and nothing was
    delivered, as a fill-rate spread is then undefined. ``experiments.attrs["undefined"]``
    counts them per outcome.
    """
    import pandas as pd

    table = _experiments_table(Path(out))
    sweep = read_sweep_file(out)
    labels = [p.label for p in sweep.parameters]
    frame = table.select(labels).to_pandas()
    for p in sweep.parameters:  # categories as plain objects (what PRIM and EMA expect)
        if p.dtype == "string":
            frame[p.label] = frame[p.label].astype(object)
    ids = table.column("experiment").to_numpy()
    frame.index = pd.Index(ids, name="experiment")
    frame["scenario"] = ids // sweep.replications
    levers = [p.label for p in sweep.parameters if p.role is ParamRole.LEVER]
    if levers:
        keys = list(zip(*(frame[label].tolist() for label in levers), strict=True))
        numbers: dict[tuple[Any, ...], int] = {}
        frame["policy"] = pd.Series([f"policy {numbers.setdefault(k, len(numbers))}"
                                     for k in keys], index=frame.index, dtype=object)
    outcomes = _outcomes(table, Path(out))
    frame.attrs["undefined"] = {k: int(np.count_nonzero(~np.isfinite(v)))
                                for k, v in outcomes.items()}
    return frame, outcomes


def read_bookkeeping(out: str | Path) -> Any:
    """The bookkeeping of each experiment: a DataFrame of ``experiment``, ``replication``
    and ``seed`` (its run seed: ``sim.run_scenarios`` with that seed gives its row)."""
    return _experiments_table(Path(out)).select(list(RESERVED)).to_pandas()


def _experiments_table(out: Path) -> pa.Table:
    table = pa.concat_tables([pq.read_table(p) for p in _parts(out, "experiments")])
    table = table.sort_by("experiment")
    n = int(read_provenance(out)["n_experiments"])
    ids = table.column("experiment").to_numpy()
    if len(ids) != n or not np.array_equal(ids, np.arange(n)):
        raise InputError(out, "experiments", f"expected experiments 0..{n - 1} once each")
    return table


def _outcomes(table: pa.Table, out: Path) -> dict[str, NDArray[np.float64]]:
    names = [n for n in read_provenance(out)["outcomes"] if n in table.column_names]
    # A folder of an older version may keep an outcome under its former name.
    return {RENAMED.get(n, n): table.column(n).to_numpy() for n in names}


def read_series(out: str | Path) -> Any:
    """The kept daily series as a DataFrame (experiment, date, one column per series)."""
    out = Path(out)
    if not (out / "series").is_dir():
        raise InputError(out, "series", "this sweep kept no daily series")
    return pa.concat_tables([pq.read_table(p) for p in _parts(out, "series")]).to_pandas()


def run_info(executor: str, workers: int, scheduler: str | None,
             cluster: dict[str, Any] | None = None) -> dict[str, Any]:
    """One run of the sweep, for provenance: the executor, its workers, its scheduler (Dask)
    and what the executor says ran the chunks (``cluster``: a Dask cluster's workers and
    threads, or the threads of each local worker)."""
    return {"executor": executor, "workers": workers, "scheduler": scheduler, **(cluster or {}),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
