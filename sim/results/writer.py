"""Results out: the run's folder, written atomically.

``results/<name>-<short hash>/`` (the hash covers the resolved scenario, seed, engine and
backend: one folder per run) holds ``scenario.toml`` (as resolved), ``daily.parquet``,
``regions.parquet``, ``shipments.csv`` (``sim.results.tables`` says what each holds),
``summary.json`` and, for a run with hubs, ``hubs.parquet``.
A new folder is written under a temporary name and renamed, so a killed run never leaves a
half result that looks whole; an earlier run's folder has its files replaced one by one,
``summary.json`` last.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
import warnings
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from sim.engine.runner import Result
from sim.results import tables
from sim.results.files import atomic_folder, clean_stale, safe_name, write_atomic
from sim.results.summary import summary
from sim.scenario.errors import InputError
from sim.scenario.writing import dump_toml

# Columns are built from their buffers, never with pa.array or from bare numpy arrays:
# those make pyarrow import pandas to check the input's type, and `masksim run` needs no
# pandas. The arrays are the ones pa.array would build (no validity buffer, same types), so
# the Parquet bytes are the same.


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


def _date32(values: NDArray[np.datetime64]) -> pa.Array:
    days = np.asarray(values, dtype="datetime64[D]").astype(np.int32)
    return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(days)])


def _strings(values: Sequence[str]) -> pa.Array:
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), len(encoded),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def _labels(values: NDArray[Any]) -> pa.DictionaryArray:
    """Labels dictionary-encoded as ``pa.array(values).dictionary_encode()`` does it: each
    distinct label once, in the order first seen, int32 indices."""
    codes: dict[str, int] = {}
    index = np.fromiter((codes.setdefault(str(x), len(codes)) for x in values.tolist()),
                        dtype=np.int32, count=len(values))
    return pa.DictionaryArray.from_arrays(_column(index), _strings(list(codes)))


def _arrow(columns: tables.Columns) -> pa.Table:
    """Columns as an Arrow table: dates as date32, labels dictionary-encoded, numbers and
    booleans as they are."""
    cols: dict[str, pa.Array] = {}
    for name, values in columns.items():
        if values.dtype.kind == "M":
            cols[name] = _date32(values)
        elif values.dtype.kind == "O":
            cols[name] = _labels(values)
        else:
            cols[name] = _column(values)
    return pa.table(cols)


def _csv(columns: tables.Columns) -> str:
    """shipments.csv: dates as ISO dates, amounts with three decimals."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(list(columns))
    n = len(next(iter(columns.values())))
    shown = []
    for values in columns.values():
        if values.dtype.kind == "M":
            shown.append([str(d) for d in values.astype("datetime64[D]")])
        elif values.dtype.kind == "f":
            shown.append([f"{x:.3f}" for x in values.tolist()])
        else:
            shown.append([str(x) for x in values.tolist()])
    for i in range(n):
        w.writerow([col[i] for col in shown])
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
    FILE = "file"  # a file, not a folder: never written
    OTHER = "other"  # anything else: never written into


def folder_kind(out: Path) -> FolderKind:
    if not out.exists():
        return FolderKind.NEW
    if not out.is_dir():
        return FolderKind.FILE
    if all((out / name).is_file() for name in ("summary.json", "scenario.toml")):
        return FolderKind.RUN
    return FolderKind.NEW if not any(out.iterdir()) else FolderKind.OTHER


HUBS_FILE = "hubs.parquet"  # written only for a run with hubs


def run_files(result: Result, summary_: dict[str, Any] | None = None,
              run_tables: tables.RunTables | None = None) -> dict[str, bytes]:
    """The run's files by name, in writing order (summary.json last: it marks a run)."""
    t = run_tables or tables.run_tables(result)
    hubs = {HUBS_FILE: _parquet(_arrow(t.hubs))} if t.hubs is not None else {}
    return {
        "scenario.toml": dump_toml(result.scenario).encode(),
        "daily.parquet": _parquet(_arrow(t.daily)),
        "regions.parquet": _parquet(_arrow(t.regions)),
        "shipments.csv": _csv(t.shipments).encode(),
        **hubs,
        "summary.json": (json.dumps(summary_ or summary(result), indent=2, allow_nan=False)
                         + "\n").encode(),
    }


def _parquet(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def write(result: Result, out_dir: str | Path | None = None,
          summary_: dict[str, Any] | None = None,
          run_tables: tables.RunTables | None = None, force: bool = False) -> Path:
    """Write the run's folder ``out_dir`` (default ``results/<name>-<hash>``); returns its
    path. ``summary_`` and ``run_tables``: the run's, when the caller has them already.

    A missing or empty ``out_dir`` is written whole and renamed into place. An earlier run's
    folder gets only its own files replaced (each atomically, ``summary.json`` last); an
    earlier run of another scenario (by name) is refused unless ``force``. When the data
    changes, what ``masksim brief`` and ``masksim plot`` made there from the old data
    (``brief.pdf``, the images in ``figures/``) is removed first, with a warning naming it,
    so that a folder never holds one run's data and another's brief; anything else there
    stays. Any other folder, or a file, is refused (InputError). An earlier run's
    ``hubs.parquet`` goes when this run has no hubs, so that it is not read as this run's."""
    out_dir = Path("results") / folder_name(result) if out_dir is None else Path(out_dir)
    kind = folder_kind(out_dir)
    if kind is FolderKind.FILE:
        raise InputError(out_dir, "", "is a file, not a folder; --out names the folder a run "
                         "writes (a new or empty one, or an earlier run's)")
    if kind is FolderKind.OTHER:
        raise InputError(out_dir, "", "the folder holds other files (it is not a masksim run "
                         "folder); choose an empty or new folder for --out")
    files = run_files(result, summary_, run_tables)
    if kind is FolderKind.RUN:
        _check_same_scenario(out_dir, result.scenario.name, force)
        if any(_differs(out_dir / name, data) for name, data in files.items()):
            _remove_derived(out_dir)
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


# What `masksim brief` and `masksim plot` write into a run folder by default: made from its
# data, so they go when the data is replaced.
BRIEF_FILE, FIGURES_DIR = "brief.pdf", "figures"
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def _check_same_scenario(out_dir: Path, name: str, force: bool) -> None:
    try:
        with open(out_dir / "scenario.toml", "rb") as fh:
            earlier = str(tomllib.load(fh).get("name", "?"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        earlier = "?"
    if earlier != name and not force:
        raise InputError(out_dir, "", f"holds a run of another scenario ({earlier!r}, not "
                         f"{name!r}); choose another --out (or leave it out: each run gets "
                         "its own folder), or add --force to replace it")


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except OSError:
        return True


def _remove_derived(out_dir: Path) -> None:
    """Remove the brief and figures made from the folder's earlier data, saying so."""
    removed: list[str] = []
    brief = out_dir / BRIEF_FILE
    if brief.is_file():
        brief.unlink()
        removed.append(BRIEF_FILE)
    figures = out_dir / FIGURES_DIR
    if figures.is_dir():
        images = [p for p in figures.iterdir() if p.is_file() and p.suffix in FIGURE_SUFFIXES]
        for image in images:
            image.unlink()
        if images:
            removed.append(f"{FIGURES_DIR}/ ({len(images)} image{'s' * (len(images) != 1)})")
        if not any(figures.iterdir()):
            figures.rmdir()
    if removed:
        warnings.warn(f"{out_dir}: removed {' and '.join(removed)}, made from the earlier "
                      "run's data (remake them with masksim brief / masksim plot)",
                      stacklevel=3)
