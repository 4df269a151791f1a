"""``masksim sweep FILE`` and ``masksim sensitivity DIR``.

``sweep`` writes ``DIR`` (default ``results/<sweep name>-<short hash>``) and prints its path
as the last line. An existing ``DIR`` is handled so that nothing is ever lost or mixed:

* missing or empty: the sweep runs;
* holds this sweep, complete: nothing is run, the path is printed (exit 0);
* holds this sweep, unfinished (a killed run): an error unless ``--resume``, which runs only
  the chunks whose part file is missing (a run killed before its first chunk finished is
  simply started again);
* anything else (another sweep, or a folder that is not a sweep's): an error (exit 2).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.scenario.errors import InputError
from sim.sweep.executors import ExecutorKind

if TYPE_CHECKING:
    from sim.sweep.spec import ChunkResult, ResolvedSweep

# pyarrow, scipy and tqdm are imported by the commands, not here: every masksim command
# builds this parser.

CSV_COLUMNS = ("outcome", "parameter", "method", "first", "first_low", "first_high", "total",
               "total_low", "total_high", "srrc")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep into one Parquet table")
    p.add_argument("file", help="sweep file (TOML)")
    p.add_argument("--out", help="result folder (default: results/<name>-<hash>)")
    p.add_argument("--executor", choices=[e.value for e in ExecutorKind],
                   default=ExecutorKind.LOCAL.value,
                   help="local worker processes, or a Dask cluster (extra [dask])")
    p.add_argument("--workers", type=int,
                   help="worker processes (default: CPUs, at most one per chunk; "
                        "0 = run in this process, local only)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler to connect to (default: DASK_SCHEDULER_ADDRESS or "
                        "Dask's scheduler-address setting; else start a LocalCluster)")
    p.add_argument("--threads", type=int,
                   help="threads of compiled code (numba) and BLAS per worker process or "
                        "Dask task (default 1: one core per worker)")
    p.add_argument("--resume", action="store_true",
                   help="finish an unfinished sweep in --out, running only missing chunks")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar or summary; print only the folder")
    p.add_argument("--results-dir", default="results", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("sensitivity", help="which inputs drive the outcomes of a sweep")
    p.add_argument("folder", help="a sweep's result folder")
    p.add_argument("--outcomes", nargs="+", metavar="NAME",
                   help="outcomes to analyse (default: every kept outcome)")
    p.set_defaults(func=cmd_sensitivity)
    # What to do, not only what if: commands over the same machinery, kept in modules of
    # their own and registered with the sweep's.
    from sim.cli import discover, optimize

    optimize.add_parsers(sub)
    discover.add_parsers(sub)


def _describe(r: ResolvedSweep) -> str:
    from sim.sweep.design import DesignKind

    s, d = r.sweep, r.sweep.design
    k = len(s.parameters)
    if d.kind is DesignKind.SOBOL:
        shape = f"sobol: {d.samples:,} base samples x ({k} + 2)"
    elif d.kind is DesignKind.FULL_FACTORIAL:
        shape = f"full factorial: {r.n_points:,} points"
    else:
        shape = f"{d.kind}: {r.n_points:,} points"
    return (f"{s.name}: {r.n_experiments:,} experiments ({shape}, {k} parameters, "
            f"x {s.replications} replication{'s' * (s.replications != 1)}) "
            f"in {r.n_chunks} chunk{'s' * (r.n_chunks != 1)} of {s.chunk_size:,}")


def _backend_words(r: ResolvedSweep) -> str:
    """The engine and allocator that run the experiments, as the header says them."""
    from sim.scenario.enums import Backend

    backend = r.sweep.backend or r.base.allocation.backend
    words = {Backend.COMPILED: "compiled (numba: compiled allocator and day loop)",
             Backend.VECTOR: "vector (numpy)", Backend.LP: "lp (PuLP+HiGHS, far slower)"}
    text = f"engine batch, allocator {words[backend]}"
    if r.may_need_lp and backend is not Backend.LP:
        text += ", or lp (PuLP, far slower) where a scenario asks for it"
    return text


def _fast_path_words(r: ResolvedSweep) -> str:
    """How many parameters are per-row values on a plan built once, and which build a
    scenario per experiment (changes of structure, or paths the fast path does not know)."""
    per_row, built = r.per_row()
    fast = f"{len(per_row)} parameter(s) per row on one plan"
    if not built:
        return fast
    return f"{fast}; built per experiment (slower): {', '.join(built)}"


def _where(kind: ExecutorKind, executor: Any, scheduler: str | None, source: str) -> str:
    about = executor.describe()
    if kind is ExecutorKind.DASK:
        cluster = (f"scheduler {scheduler} (from {source})" if scheduler
                   else "a LocalCluster on 127.0.0.1")
        return (f"{cluster}: {about['workers']} worker(s), {about['threads']} thread(s); "
                f"compiled code on {about['threads_per_chunk']} thread(s) a chunk")
    if about["workers"] == 0:
        return "in this process"
    return (f"{about['workers']} worker process(es), {about['threads_per_worker']} "
            "thread(s) each")


class _Run:
    """What a sweep command holds while it runs, so that Ctrl-C at any moment can stop it
    and say what was kept."""

    def __init__(self) -> None:
        self.resolved: ResolvedSweep | None = None
        self.out: Path | None = None
        self.executor: Any = None

    def close(self) -> None:
        executor, self.executor = self.executor, None
        if executor is not None:
            executor.close()

    def interrupted(self) -> str:
        from sim.sweep.store import finished_chunks

        if self.resolved is None or self.out is None:
            return "masksim: interrupted before the sweep started; nothing kept"
        n = self.resolved.n_chunks
        kept = len(finished_chunks(self.out, n)) if self.out.is_dir() else 0
        return f"masksim: interrupted; {kept} of {n} chunks kept; run again with --resume"


def cmd_sweep(args: argparse.Namespace) -> int:
    run = _Run()
    try:
        return _sweep(args, run)
    except KeyboardInterrupt:
        with interrupts_ignored():  # a second Ctrl-C while stopping changes nothing
            run.close()
            print(run.interrupted(), file=sys.stderr)
        return 130
    finally:
        with interrupts_ignored():
            run.close()


def _sweep(args: argparse.Namespace, run: _Run) -> int:
    from sim.sweep.executors import check_scheduler, dask_scheduler, execute, make_executor
    from sim.sweep.store import FolderState, default_folder, load_sweep, prepare, run_info

    resolved = run.resolved = load_sweep(args.file)
    out = run.out = Path(args.out) if args.out else default_folder(resolved, args.results_dir)
    kind = ExecutorKind(args.executor)
    if args.workers is not None and args.workers < 0:
        raise InputError("--workers", "", "must be >= 0")
    if args.threads is not None and args.threads < 1:
        raise InputError("--threads", "", "must be >= 1")
    scheduler, source = args.scheduler, "--scheduler"
    check_scheduler(kind, scheduler)  # before touching the folder
    if kind is ExecutorKind.DASK:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:  # before touching the folder
            raise InputError("--executor", "dask", "needs dask.distributed: "
                             "pip install 'masksim[dask]'")
        scheduler, source = dask_scheduler(args.scheduler)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    threads = args.threads or 1
    cluster = None
    if kind is ExecutorKind.DASK:  # connect first: an unreachable scheduler leaves nothing
        run.executor = make_executor(kind, workers, scheduler, threads, source)
        cluster = run.executor.describe()
        workers = cluster["workers"]
    state, todo = prepare(out, resolved, resume=args.resume,
                          run_info=run_info(str(kind), workers, scheduler, cluster))
    if state is FolderState.COMPLETE:
        if not args.quiet:
            print(f"{resolved.sweep.name}: already complete, nothing to run")
        print(out)
        return 0
    remaining = sum(min(resolved.sweep.chunk_size,
                        resolved.n_experiments - c * resolved.sweep.chunk_size) for c in todo)
    if run.executor is None:  # no more workers than chunks to run
        run.executor = make_executor(kind, min(workers, len(todo)), None, threads)
    if not args.quiet:
        print(_describe(resolved))
        resumed = (f"; resuming: {resolved.n_chunks - len(todo)} chunks already done"
                   if state is FolderState.UNFINISHED else "")
        print(f"  executor {kind} ({_where(kind, run.executor, scheduler, source)}); "
              f"{_backend_words(resolved)}{resumed}")
        print(f"  {_fast_path_words(resolved)}")
        if scope := resolved.outcome_scope():
            print(f"  {scope}")
    seconds, lp = _execute(args, resolved, out, run.executor, todo, remaining, execute)
    if not args.quiet:
        print(f"  {remaining:,} experiments in {seconds:.1f} s "
              f"({remaining / max(seconds, 1e-9):,.0f} experiments/s, pool start included)")
        if lp:
            print(f"  note: {lp:,} experiments needed the LP backend (PuLP: min_shipment, "
                  "pallets or backend = 'lp'), far slower than the vector allocator")
    print(out)
    return 0


def _execute(args: argparse.Namespace, resolved: ResolvedSweep, out: Path, executor: Any,
             todo: list[int], remaining: int, execute: Any) -> tuple[float, int]:
    """Run the chunks under a progress bar: (seconds, experiments that needed LP)."""
    from tqdm import tqdm

    bar = tqdm(total=remaining, unit="exp", desc=resolved.sweep.name, file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty(), smoothing=0.1)
    chunks_done, lp = 0, 0

    def on_chunk(result: ChunkResult) -> None:
        nonlocal chunks_done, lp
        chunks_done += 1
        lp += result.n_lp
        bar.set_postfix_str(f"chunks {chunks_done}/{len(todo)}", refresh=False)
        bar.update(len(result.columns["experiment"]))

    started = time.perf_counter()
    try:
        execute(resolved, out, executor, todo, on_chunk)
    finally:
        bar.close()
    return time.perf_counter() - started, lp


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Ctrl-C ignored while the sweep stops: it is stopping already."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.results.files import write_atomic
    from sim.sweep.sensitivity import analyze, format_report
    from sim.sweep.store import read_sweep, read_sweep_file

    out = Path(args.folder)
    sweep = read_sweep_file(out)
    experiments, outcomes = read_sweep(out)
    names = args.outcomes or list(outcomes)
    for name in names:
        if name not in outcomes:
            raise InputError("--outcomes", name,
                             f"not kept by this sweep (kept: {', '.join(outcomes)})")
    report = analyze(experiments, outcomes, sweep, names)
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in report.rows:
        values = [getattr(r, c) for c in CSV_COLUMNS[3:]]
        w.writerow([r.outcome, r.parameter, str(r.method),
                    *("" if not math.isfinite(x) else repr(x) for x in values)])
    write_atomic(out / "sensitivity.csv", text.getvalue())
    write_atomic(out / "sensitivity.json", json.dumps(report.to_json(), indent=2) + "\n")
    print(format_report(report))
    print(out / "sensitivity.csv")
    return 0
