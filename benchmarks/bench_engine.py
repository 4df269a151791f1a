"""The engine's targets, side by side in one run (medians), with the machine's load beside
every figure (not part of the tests; ``docs/benchmarks.md`` says what each target is).

    python benchmarks/bench_engine.py [--n 100000] [--repeats 3] [--quick]
                                      [--only shipped,simpy,year,allocator,first-use]
                                      [--out results/benchmarks/engine.json]

1. ``shipped``: ``run_scenarios([scenario] * n, backend="compiled")`` for every shipped
   scenario, each repeat in a fresh process (kernels loaded from the cache first), seconds and
   ns per scenario x channel x region x day, with the time the draws alone take;
2. ``simpy``: the SimPy engine, a run of the 50-region, 365-day synthetic scenario and of
   jack_ma_africa_2020, with the compiled and the vector backend;
3. ``year``: ``run_scenarios([synthetic] * n)`` (365 days x 50 regions), compiled, with the
   child's peak resident memory;
4. ``allocator``: allocations/s of the compiled backend, every rule, R = 50, B = 10,000, caps
   on a third of the regions, three tiers;
5. ``first-use``: ``masksim run scenarios/taiwan_2020.toml`` with an empty numba cache (what
   a fresh checkout pays once) and with a warm one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from timing import median_cpu_seconds, median_seconds  # noqa: E402


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _scenario(name: str) -> Any:
    from synthetic import scenario

    from sim.scenario.loading import load

    return scenario(50, 365) if name == "synthetic" else load(
        ROOT / "scenarios" / f"{name}.toml")


def child_batch(name: str, n: int) -> dict[str, Any]:
    """In a fresh process: run_scenarios of n copies, and the draws of n alone."""
    import numpy as np

    from sim.engine.draws import draw
    from sim.engine.plan import build_plan, stack_plans
    from sim.results.batch import DEFAULT_CHUNK, run_scenarios

    base = _scenario(name)
    run_scenarios([base] * 64, backend="compiled")  # kernels loaded before timing
    start, cpu = time.perf_counter(), time.process_time()
    out = run_scenarios([base] * n, backend="compiled")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    plan = build_plan(base)
    chunk = stack_plans([plan] * DEFAULT_CHUNK)
    seeds = list(range(DEFAULT_CHUNK))
    draws_s = median_cpu_seconds(lambda: draw(chunk, seeds, compiled=True), 3) * n / DEFAULT_CHUNK
    cells = n * plan.n_channels * len(plan.region_ids) * plan.n_days
    return {"scenario": name, "n": n, "seconds": seconds, "cpu_seconds": cpu,
            "draws_seconds": draws_s,
            "ns_per_cell": 1e9 * seconds / cells, "peak_rss_mb": peak_rss_mb(),
            "channels": plan.n_channels, "regions": len(plan.region_ids),
            "days": plan.n_days, "load": load_average(),
            "mean_donated_total": float(np.mean(out.metrics["donated_total"]))}


def in_child(name: str, n: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--_child", name, "--n", str(n)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_shipped(n: int, repeats: int) -> list[dict[str, Any]]:
    names = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _ in range(repeats):  # interleaved: drift on a busy machine hits every scenario
        for name in names:
            runs[name].append(in_child(name, n))
    rows = []
    for name in names:
        best = sorted(runs[name], key=lambda r: r["seconds"])[len(runs[name]) // 2]
        rows.append({**best, "seconds_all": [r["seconds"] for r in runs[name]]})
    return rows


def bench_simpy(repeats: int) -> list[dict[str, Any]]:
    from sim.engine.des import simulate
    from sim.engine.draws import draw
    from sim.engine.plan import build_plan

    rows = []
    for name in ("synthetic", "jack_ma_africa_2020"):
        scenario = _scenario(name)
        plan = build_plan(scenario)
        drawn = draw(plan, [1])
        for backend in ("compiled", "vector"):
            simulate(plan, drawn, backend)
            seconds = median_seconds(lambda p=plan, d=drawn, b=backend: simulate(p, d, b),
                                     repeats)
            cpu = median_cpu_seconds(lambda p=plan, d=drawn, b=backend: simulate(p, d, b),
                                     repeats)
            # The whole run as a user calls it: plan and draws too.
            whole = median_seconds(lambda b=backend, s=scenario: _run_des(s, b), repeats)
            rows.append({"scenario": name, "backend": backend, "ms": 1e3 * seconds,
                         "cpu_ms": 1e3 * cpu,
                         "ms_with_plan_and_draws": 1e3 * whole, "load": load_average()})
    return rows


def _run_des(scenario: Any, backend: str) -> None:
    from sim.engine.runner import run

    run(scenario, backend=backend)


def bench_allocator(repeats: int) -> list[dict[str, Any]]:
    from synthetic import problems

    from sim.allocate.compiled import allocate_compiled, allocate_rows
    from sim.scenario.enums import Rule

    rows = []
    for rule in Rule:
        p = problems(rule, 10_000, 50, seed=1)
        allocate_compiled(p)
        auto = median_seconds(lambda p=p: allocate_compiled(p), repeats)
        one = median_seconds(lambda p=p: allocate_rows(p, parallel=False), repeats)
        one_cpu = median_cpu_seconds(lambda p=p: allocate_rows(p, parallel=False), repeats)
        rows.append({"rule": str(rule), "per_s": 10_000 / auto, "one_thread_per_s":
                     10_000 / one, "one_thread_per_cpu_s": 10_000 / one_cpu,
                     "load": load_average()})
    return rows


def bench_first_use() -> dict[str, Any]:
    """``masksim run`` in a fresh process, with an empty numba cache and with a warm one."""
    scenario = ROOT / "scenarios" / "taiwan_2020.toml"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "cache")}

        def once() -> tuple[float, float, str]:
            start = time.perf_counter()
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "--out",
                                   str(Path(tmp) / "run")], capture_output=True, text=True,
                                  check=True, env=env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            shutil.rmtree(Path(tmp) / "run")
            used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
            return time.perf_counter() - start, used, done.stderr

        cold, cold_cpu, said = once()
        warm_runs = [once() for _ in range(3)]
    return {"cold_s": cold, "cold_cpu_s": cold_cpu,
            "warm_s": statistics.median(r[0] for r in warm_runs),
            "warm_cpu_s": statistics.median(r[1] for r in warm_runs),
            "stderr_cold": said.strip(), "load": load_average()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="n = 10,000, one repeat")
    parser.add_argument("--only", default="shipped,simpy,year,allocator,first-use")
    parser.add_argument("--out", default="results/benchmarks/engine.json")
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        print(json.dumps(child_batch(args._child, args.n)))
        return
    n, repeats = (10_000, 1) if args.quick else (args.n, args.repeats)
    only = set(args.only.split(","))
    record: dict[str, Any] = {"machine": {
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "numba_threads": int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1))}}
    if "shipped" in only:
        rows = bench_shipped(n, repeats)
        record["shipped"] = rows
        print(f"run_scenarios([scenario] * {n:,}, backend='compiled'), median of {repeats} "
              "fresh processes")
        print(f"{'scenario':<24}{'C x R x T':>14}{'wall s':>8}{'cpu s':>8}{'draws cpu':>10}"
              f"{'ns/cell':>9}{'peak MB':>9}{'load':>6}")
        for r in rows:
            shape = f"{r['channels']}x{r['regions']}x{r['days']}"
            print(f"{r['scenario']:<24}{shape:>14}{r['seconds']:>8.2f}{r['cpu_seconds']:>8.2f}"
                  f"{r['draws_seconds']:>10.2f}{r['ns_per_cell']:>9.2f}{r['peak_rss_mb']:>9.0f}"
                  f"{r['load']:>6.2f}")
    if "year" in only:
        runs = [in_child("synthetic", n) for _ in range(repeats)]
        best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        record["year"] = {**best, "seconds_all": [r["seconds"] for r in runs]}
        print(f"\n{n:,} x 365 days x 50 regions (synthetic), compiled: {best['seconds']:.2f} s "
              f"wall, {best['cpu_seconds']:.2f} s cpu (draws {best['draws_seconds']:.2f} s cpu), "
              f"{best['ns_per_cell']:.2f} ns/cell, "
              f"peak {best['peak_rss_mb']:,.0f} MB, load {best['load']:.2f}")
    if "simpy" in only:
        rows = bench_simpy(max(5, 5 * repeats))
        record["simpy"] = rows
        print("\nSimPy engine, a run (median): the engine alone (wall, cpu) / with plan and "
              "draws (wall)")
        for r in rows:
            print(f"  {r['scenario']:<22}{r['backend']:<10}{r['ms']:8.2f} ms {r['cpu_ms']:8.2f} ms"
                  f" {r['ms_with_plan_and_draws']:8.2f} ms   load {r['load']:.2f}")
    if "allocator" in only:
        rows = bench_allocator(max(5, 5 * repeats))
        record["allocator"] = rows
        print("\ncompiled allocator, R = 50, B = 10,000, caps and tiers: allocations/s")
        for r in rows:
            print(f"  {r['rule']:<14}{r['per_s']:>14,.0f}  (one thread "
                  f"{r['one_thread_per_s']:,.0f}; per cpu second "
                  f"{r['one_thread_per_cpu_s']:,.0f})   load {r['load']:.2f}")
    if "first-use" in only:
        first = bench_first_use()
        record["first_use"] = first
        print(f"\nmasksim run scenarios/taiwan_2020.toml: empty numba cache "
              f"{first['cold_s']:.1f} s wall ({first['cold_cpu_s']:.1f} s cpu), warm "
              f"{first['warm_s']:.2f} s wall ({first['warm_cpu_s']:.2f} s cpu), load "
              f"{first['load']:.2f}; stderr on first use: {first['stderr_cold']!r}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
