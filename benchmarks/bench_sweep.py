"""Experiments per second of a sweep, per executor: the same sweep, one after the other.

    python benchmarks/bench_sweep.py [SWEEP] [--skip-dask] [--end-to-end [--repeats 3]]

Default sweep: scenarios/sweeps/taiwan_2020_policy.toml. Each executor writes its own
folder (in a temporary directory); the folders are checked to be byte-identical. Times are
wall clock from creating the executor to the last part written, so they include starting
worker processes (and a Dask LocalCluster), which is what a user waits for.

``--end-to-end`` times the command itself instead, ``masksim sweep SWEEP --workers 0`` and
``--workers 2`` in a fresh process each (interpreter start, imports, design, runs, files):
the baseline for item 1 of issue 22 (per-row parameters on a plan built once). Medians of
``--repeats`` runs, side by side.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.sweep.executors import ExecutorKind, execute, make_executor
from sim.sweep.store import load_sweep, prepare, run_info

REPO = Path(__file__).resolve().parents[1]
CONFIGS = (  # (label, executor, workers); 0 workers = in this process
    ("in process", ExecutorKind.LOCAL, 0),
    ("local, 1 worker", ExecutorKind.LOCAL, 1),
    ("local, 2 workers", ExecutorKind.LOCAL, 2),
    ("dask LocalCluster, 2 workers", ExecutorKind.DASK, 2),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", nargs="?",
                        default=str(REPO / "scenarios" / "sweeps" / "taiwan_2020_policy.toml"))
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--end-to-end", action="store_true",
                        help="time `masksim sweep` as a user runs it")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.end_to_end:
        end_to_end(args.sweep, args.repeats)
        return

    started = time.perf_counter()
    resolved = load_sweep(args.sweep)
    load_seconds = time.perf_counter() - started
    n = resolved.n_experiments
    print(f"{resolved.sweep.name}: {n:,} experiments, {resolved.n_chunks} chunks of "
          f"{resolved.sweep.chunk_size:,}; {os.cpu_count()} CPUs; sweep loaded and design "
          f"drawn in {load_seconds:.2f} s")
    have_dask = importlib.util.find_spec("distributed") is not None
    rows: list[tuple[str, float | None, float | None, float | None]] = []
    folders: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, kind, workers in CONFIGS:
            if kind is ExecutorKind.DASK and (args.skip_dask or not have_dask):
                rows.append((label, None, None, None))
                continue
            out = Path(tmp) / label.replace(" ", "_").replace(",", "")
            _, todo = prepare(out, resolved, resume=False,
                              run_info=run_info(str(kind), workers, None))
            t0 = time.perf_counter()
            executor = make_executor(kind, workers, None)
            t1 = time.perf_counter()
            try:
                execute(resolved, out, executor, todo, lambda _result: None)
            finally:
                executor.close()
            t2 = time.perf_counter()
            rows.append((label, t2 - t0, t1 - t0, n / (t2 - t0)))
            folders.append(out)
        reference = {p.relative_to(folders[0]): p.read_bytes()
                     for p in sorted(folders[0].glob("*/part-*.parquet"))}
        same = all({p.relative_to(f): p.read_bytes()
                    for p in sorted(f.glob("*/part-*.parquet"))} == reference
                   for f in folders[1:])
    print(f"\n{'executor':<32}{'wall s':>9}{'start s':>9}{'experiments/s':>15}")
    for label, wall, start, rate in rows:
        if wall is None or start is None or rate is None:
            print(f"{label:<32}{'skipped':>9}")
            continue
        print(f"{label:<32}{wall:>9.2f}{start:>9.2f}{rate:>15,.0f}")
    print(f"\nparts byte-identical across executors: {'yes' if same else 'NO'}")


def end_to_end(sweep: str, repeats: int) -> None:
    """``masksim sweep`` in a fresh process, in this process's executor and on two workers,
    interleaved so that both meet the same load; medians."""
    configs = {"--workers 0": ["--workers", "0"], "--workers 2": ["--workers", "2"]}
    times: dict[str, list[float]] = {k: [] for k in configs}
    n = load_sweep(sweep).n_experiments
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            for label, flags in configs.items():
                out = Path(tmp) / f"{label.split()[-1]}-{r}"
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "sim", "sweep", sweep, "--out",
                                str(out), "-q", *flags], check=True,
                               stdout=subprocess.DEVNULL)
                times[label].append(time.perf_counter() - t0)
    print(f"masksim sweep {Path(sweep).name}: {n:,} experiments, end to end, median of "
          f"{repeats} (each run: s); load average {os.getloadavg()[0]:.2f} at the end")
    for label, values in times.items():
        med = statistics.median(values)
        print(f"  {label:<14}{med:>8.1f} s  {n / med:>9,.0f} experiments/s   "
              f"({', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
