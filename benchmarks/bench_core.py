"""Benchmarks of the optimized core, side by side in one process (not part of the tests).

    python benchmarks/bench_core.py [--quick] [--lp sample|skip] [--allocators-only]
                                    [--out results/benchmarks/core.json]

1. allocations per second, every rule: ``compiled`` (numba, on all threads and on one) and
   ``vector`` at R = 10, 50, 200 and B = 1, 100, 10,000 against the ``lp`` backend (PuLP +
   HiGHS in memory, a sequence of LPs a row) and one scipy ``linprog(method="highs")`` a row
   (the first LP alone) on a labelled sample of rows (``--lp skip`` leaves them out);
   beside them the memory floor: the time to stream the bytes an allocation must touch
   (read need, stock, cap, share; write policy and shipped: 48 R bytes) with numpy on one
   thread and with a numba loop on all threads, and the compiled backend's share of it;
2. the full model: a B-scenario, 365-day, 50-region batch (the compiled pass allocating
   itself, and stopping at each dispatch for the ``vector`` allocator) against the same
   scenarios one by one through SimPy with ``vector``, ``compiled`` and ``lp`` (lp on a
   labelled sample, extrapolated), and SimPy on taiwan_2020;
3. ``run_scenarios([scenario] * 100,000)`` as a user calls it, compiled and vector backends,
   time and peak memory (each in a fresh subprocess);
4. ``masksim run scenarios/taiwan_2020.toml`` wall time (fresh processes).
Every time is the median of repeated runs; ratios compare medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import batch_plan, problems, scenario, single_plan  # noqa: E402
from timing import median_seconds  # noqa: E402

from sim.allocate.compiled import (  # noqa: E402
    PARALLEL_MIN_ROWS,
    allocate_compiled,
    allocate_rows,
)
from sim.allocate.lp import allocate_lp  # noqa: E402
from sim.allocate.problem import serve_pledges  # noqa: E402
from sim.allocate.vector import allocate_vector  # noqa: E402
from sim.engine.batch import simulate_batch  # noqa: E402
from sim.engine.des import simulate  # noqa: E402
from sim.engine.draws import draw  # noqa: E402
from sim.engine.plan import build_plan  # noqa: E402
from sim.results.batch import DEFAULT_CHUNK, run_scenarios  # noqa: E402
from sim.scenario.enums import Backend, Rule  # noqa: E402
from sim.scenario.loading import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def highs_rows(problem: Any) -> None:
    """One linprog per row: max sum x s.t. sum x <= S, 0 <= x <= ub (the LP's objective)."""
    _, p = serve_pledges(problem)
    for b in range(len(p.budget_units)):
        ub = p.upper_units[b]
        linprog(-np.ones(len(ub)), A_ub=np.ones((1, len(ub))), b_ub=[p.budget_units[b]],
                bounds=list(zip(np.zeros(len(ub)), ub, strict=True)), method="highs")


@numba.njit(parallel=True, cache=True)
def _stream(need: Any, have: Any, cap: Any, share: Any, out1: Any, out2: Any) -> float:
    """Read four (B, R) arrays and write two, rows on all threads: the memory floor."""
    total = 0.0
    for b in numba.prange(need.shape[0]):
        for r in range(need.shape[1]):
            v = need[b, r] + have[b, r] + cap[b, r] + share[b, r]
            out1[b, r] = v
            out2[b, r] = v
            total += v
    return total


def memory_floor(n_rows: int, n_regions: int, reps: int) -> dict[str, float]:
    """Rows/s at which the bytes of an allocation can be streamed: numpy (a sum of each
    input, a copy into each output, one thread) and a fused numba loop (all threads)."""
    p = problems(Rule.PROPORTIONAL, n_rows, n_regions, seed=3)
    ins = [p.projected_need_units, p.have_units, np.minimum(p.cap_units, 1e300), p.share]
    out = [np.empty_like(ins[0]), np.empty_like(ins[0])]

    def with_numpy() -> None:
        for a in ins:
            a.sum()
        for o, a in zip(out, ins, strict=False):
            np.copyto(o, a)

    _stream(*ins, *out)
    return {"bytes_per_row": 6 * 8 * n_regions,
            "numpy_rows_per_s": n_rows / median_seconds(with_numpy, reps),
            "numba_rows_per_s": n_rows / median_seconds(lambda: _stream(*ins, *out), reps)}


def bench_allocators(quick: bool, lp: bool) -> list[dict[str, Any]]:
    rows = []
    sizes_b = (1, 100, 10_000)
    threads = numba.get_num_threads()
    for rule in Rule:
        for n_regions in (10, 50, 200):
            lp_s = hi_s = float("nan")
            n_lp = {10: 20, 50: 10, 200: 3}[n_regions] // (2 if quick else 1)
            if lp:  # the LP solves one row at a time (up to R LPs a row): a sample suffices
                sample = problems(rule, n_lp, n_regions, seed=2)
                lp_s = median_seconds(lambda s=sample: allocate_lp(s), 1 if quick else 3) / n_lp
                hi_s = median_seconds(lambda s=sample: highs_rows(s), 3) / n_lp
            for n_rows in sizes_b:
                p = problems(rule, n_rows, n_regions, seed=1)
                reps = 5 if n_rows >= 10_000 else 50
                vec_s = median_seconds(lambda p=p: allocate_vector(p), reps) / n_rows
                allocate_compiled(p)  # compiled (or loaded from the cache) before timing
                comp_s = median_seconds(lambda p=p: allocate_compiled(p), 4 * reps) / n_rows
                numba.set_num_threads(1)
                try:
                    one_s = median_seconds(lambda p=p: allocate_compiled(p), 4 * reps) / n_rows
                finally:
                    numba.set_num_threads(threads)
                all_s = float("nan")  # threads forced on, whatever the policy would pick
                if n_rows >= PARALLEL_MIN_ROWS:
                    all_s = median_seconds(lambda p=p: allocate_rows(p, parallel=True),
                                           4 * reps) / n_rows
                rows.append({
                    "rule": str(rule), "R": n_regions, "B": n_rows,
                    "lp_sample_rows": n_lp if lp else 0, "threads": threads,
                    "compiled_per_s": 1 / comp_s, "compiled_1_thread_per_s": 1 / one_s,
                    "compiled_all_threads_per_s": 1 / all_s,
                    "vector_per_s": 1 / vec_s, "lp_per_s": 1 / lp_s,
                    "highs_per_s": 1 / hi_s, "compiled_over_vector": vec_s / comp_s,
                    "compiled_over_lp": lp_s / comp_s, "vector_over_lp": lp_s / vec_s,
                    "vector_over_highs": hi_s / vec_s,
                })
    return rows


def print_allocators(alloc: list[dict[str, Any]], floor: dict[int, dict[str, float]]) -> None:
    print(f"allocations/s, medians: compiled as allocate_compiled runs it (threads while they "
          f"pay), forced onto {alloc[0]['threads']} threads (B >= {PARALLEL_MIN_ROWS}), and "
          f"on 1; load average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'rule':<13}{'R':>4}{'B':>7}{'compiled':>12}{'threads':>12}{'1 thread':>12}"
          f"{'vector':>11}{'lp':>7}{'highs':>7}{'comp/vec':>9}{'comp/lp':>10}{'vec/lp':>8}")
    for r in alloc:
        print(f"{r['rule']:<13}{r['R']:>4}{r['B']:>7}{r['compiled_per_s']:>12,.0f}"
              f"{r['compiled_all_threads_per_s']:>12,.0f}"
              f"{r['compiled_1_thread_per_s']:>12,.0f}{r['vector_per_s']:>11,.0f}"
              f"{r['lp_per_s']:>7,.0f}{r['highs_per_s']:>7,.0f}"
              f"{r['compiled_over_vector']:>9,.1f}{r['compiled_over_lp']:>10,.0f}"
              f"{r['vector_over_lp']:>8,.0f}")
    print("\nmemory floor at B = 10,000: rows/s to stream 48 R bytes a row (the faster of the "
          "two ways), and the compiled backend's share of it")
    for n_regions, f in floor.items():
        best = max(f["numpy_rows_per_s"], f["numba_rows_per_s"])
        shares = ", ".join(f"{r['rule']} {r['compiled_per_s'] / best:.0%}"
                           for r in alloc if r["R"] == n_regions and r["B"] == 10_000)
        print(f"  R = {n_regions:>3} ({f['bytes_per_row'] / 1e3:.2f} kB a row): numpy 1 thread "
              f"{f['numpy_rows_per_s']:,.0f}/s, numba all threads "
              f"{f['numba_rows_per_s']:,.0f}/s; compiled: {shares}")


def bench_model(n_scenarios: int, quick: bool) -> dict[str, Any]:
    """One stacked plan of B distinct scenarios (reserve, outage rate, lead spread), each
    engine on it: the numpy loop with either allocator, the compiled loop, and SimPy on a
    sample of the same scenarios one by one."""
    base = single_plan(50, 365)
    plan = batch_plan(base, n_scenarios)
    seeds = list(range(n_scenarios))
    reps = 1 if quick else 3
    draw_s = median_seconds(lambda: draw(plan, seeds), reps)
    draw_compiled_s = median_seconds(lambda: draw(plan, seeds, compiled=True), reps)
    draws = draw(plan, seeds, compiled=True)
    # Every kernel compiled (or loaded from numba's cache) before anything is timed.
    small = plan.row(0)
    small_draws = draw(small, [0])
    simulate(small, small_draws, Backend.COMPILED)
    simulate_batch(small, small_draws, Backend.COMPILED)
    simulate_batch(small, small_draws, Backend.VECTOR)
    stopping_vector_s = median_seconds(
        lambda: simulate_batch(plan, draws, Backend.VECTOR), reps)
    compiled_s = median_seconds(lambda: simulate_batch(plan, draws, Backend.COMPILED), reps)
    n_des = 20 if quick else 100
    rows = [(plan.row(b), draw(plan.row(b), [b])) for b in range(n_des)]
    des = {str(b): median_seconds(lambda b=b: [simulate(p, d, b) for p, d in rows],
                                  reps) / n_des
           for b in (Backend.VECTOR, Backend.COMPILED)}
    taiwan = build_plan(load(ROOT / "scenarios" / "taiwan_2020.toml"))
    taiwan_draws = draw(taiwan, [1])
    des_taiwan = median_seconds(lambda: simulate(taiwan, taiwan_draws, Backend.VECTOR),
                                10 if quick else 30)
    n_lp = 1 if quick else 2
    des_lp = median_seconds(
        lambda: [simulate(p, d, Backend.LP) for p, d in rows[:n_lp]], 1) / n_lp
    return {
        "scenarios": n_scenarios, "days": 365, "regions": 50,
        "draw_s": draw_s, "draw_compiled_s": draw_compiled_s,
        "batch_vector_s": stopping_vector_s, "batch_compiled_s": compiled_s,
        "compiled_over_vector": stopping_vector_s / compiled_s,
        "des_vector_per_scenario_s": des["vector"],
        "des_compiled_per_scenario_s": des["compiled"], "des_sample": n_des,
        "des_taiwan_2020_per_scenario_s": des_taiwan,
        "des_lp_per_scenario_s": des_lp, "des_lp_sample": n_lp,
        "batch_over_des_vector": des["vector"] * n_scenarios / (compiled_s + draw_compiled_s),
        "batch_over_des_lp": des_lp * n_scenarios / (compiled_s + draw_compiled_s),
    }


def big_batch(n_scenarios: int, backend: str) -> dict[str, Any]:
    """Run in a fresh subprocess: ``run_scenarios([scenario] * N)`` as a user calls it
    (plans built, grouped and stacked chunk by chunk), its time and peak RSS."""
    base = scenario(50, 365)
    run_scenarios([base] * 64, backend=Backend(backend))  # load the kernels first
    start = time.perf_counter()
    out = run_scenarios([base] * n_scenarios, backend=Backend(backend))
    seconds = time.perf_counter() - start
    return {"scenarios": n_scenarios, "backend": backend, "chunk": DEFAULT_CHUNK,
            "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
            "mean_donated_total": float(np.mean(out.metrics["donated_total"]))}


def peak_rss_mb() -> float:
    """This process's peak resident memory. From /proc where there is one: Linux's
    ``ru_maxrss`` of a child started by a large parent keeps the parent's size at the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cli_run(repeats: int) -> dict[str, Any]:
    """Wall time of ``masksim run scenarios/taiwan_2020.toml`` in fresh processes."""
    with tempfile.TemporaryDirectory() as tmp:
        def once() -> None:
            subprocess.run([sys.executable, "-m", "sim", "run",
                            str(ROOT / "scenarios" / "taiwan_2020.toml"), "--out",
                            str(Path(tmp) / "run")], check=True, capture_output=True)
            shutil.rmtree(Path(tmp) / "run")
        once()  # bytecode and kernels cached, as on any second run
        return {"seconds": median_seconds(once, repeats), "repeats": repeats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    parser.add_argument("--out", default="results/benchmarks/core.json")
    parser.add_argument("--big", type=int, default=100_000, help="scenarios for memory run")
    parser.add_argument("--lp", choices=["sample", "skip"], default="sample",
                        help="time the lp and HiGHS columns on a sample of rows, or skip them")
    parser.add_argument("--allocators-only", action="store_true",
                        help="the allocator table and memory floor only (no full-model runs)")
    parser.add_argument("--_big-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--_backend", default="compiled", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._big_child:
        print(json.dumps(big_batch(args._big_child, args._backend)))
        return

    alloc = bench_allocators(args.quick, lp=args.lp == "sample")
    floor = {n: memory_floor(10_000, n, 20) for n in (10, 50, 200)}
    print_allocators(alloc, floor)
    if args.allocators_only:
        write(Path(args.out), {"allocators": alloc, "memory_floor": floor})
        return
    model = bench_model(1_000 if args.quick else 10_000, args.quick)
    m = model
    print(f"\nfull model, {m['scenarios']:,} distinct scenarios x 365 days x 50 regions "
          f"(maxmin), one stacked plan:")
    print(f"  draws: numpy {m['draw_s']:.2f} s, with compiled lead times "
          f"{m['draw_compiled_s']:.2f} s")
    print(f"  compiled pass, stopping for vector {m['batch_vector_s']:8.2f} s")
    print(f"  compiled pass, compiled allocator  {m['batch_compiled_s']:8.2f} s "
          f"({m['compiled_over_vector']:.1f}x)")
    print(f"  SimPy, a scenario: vector {1e3 * m['des_vector_per_scenario_s']:.1f} ms, "
          f"compiled {1e3 * m['des_compiled_per_scenario_s']:.1f} ms (sample {m['des_sample']}); "
          f"taiwan_2020 {1e3 * m['des_taiwan_2020_per_scenario_s']:.1f} ms; "
          f"lp {m['des_lp_per_scenario_s']:.2f} s (sample {m['des_lp_sample']})")
    print(f"  batch (compiled pass + draws) over SimPy: {m['batch_over_des_vector']:.0f}x "
          f"(vector), {m['batch_over_des_lp']:,.0f}x (lp)")
    big = {}
    for backend in ("compiled", "vector"):
        child = subprocess.run(
            [sys.executable, __file__, "--_big-child", str(args.big), "--_backend", backend],
            capture_output=True, text=True, check=True)
        big[backend] = json.loads(child.stdout)
        b = big[backend]
        print(f"\nrun_scenarios([scenario] * {b['scenarios']:,}), 365 days x 50 regions, "
              f"backend {backend}: {b['seconds']:.1f} s, peak RSS {b['peak_rss_mb']:,.0f} MB "
              f"(chunks of {b['chunk']})")
    cli = cli_run(3 if args.quick else 7)
    print(f"\nmasksim run scenarios/taiwan_2020.toml: {cli['seconds']:.2f} s wall "
          f"(median of {cli['repeats']}, fresh processes)")
    write(Path(args.out), {"allocators": alloc, "memory_floor": floor, "model": model,
                           "big_batch": big, "cli_run": cli})


def write(out: Path, results: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                          "numba": numba.__version__, "cpus": os.cpu_count(),
                          "load_average_1m": os.getloadavg()[0]}, **results}
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
