"""Benchmarks of the optimized core, side by side in one process (not part of the tests).

    python benchmarks/bench_core.py [--quick] [--out results/benchmarks/core.json]

1. allocations per second: ``vector`` at R = 10, 50, 200 and B = 1, 100, 10,000 against
   the ``lp`` backend (PuLP + HiGHS in memory, a sequence of LPs a row) and one scipy
   ``linprog(method="highs")`` a row (the first LP alone) on the same rows;
2. the full model: a B-scenario, 365-day, 50-region batch against the same scenarios one by
   one through SimPy with ``vector`` and with ``lp`` (lp on a labelled sample, extrapolated);
3. peak memory and time of the batch at 100,000 scenarios (in a fresh subprocess).
Every time is the median of repeated runs; ratios compare medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import batch_plan, problems, single_plan  # noqa: E402

from sim.allocate.lp import allocate_lp  # noqa: E402
from sim.allocate.problem import serve_pledges  # noqa: E402
from sim.allocate.vector import allocate_vector  # noqa: E402
from sim.engine.batch import simulate_batch  # noqa: E402
from sim.engine.des import simulate  # noqa: E402
from sim.engine.draws import draw  # noqa: E402
from sim.scenario.models import Rule  # noqa: E402
from sim.sweep.experiments import DEFAULT_CHUNK  # noqa: E402


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def highs_rows(problem: Any) -> None:
    """One linprog per row: max sum x s.t. sum x <= S, 0 <= x <= ub (the LP's objective)."""
    _, p = serve_pledges(problem)
    for b in range(len(p.budget_masks)):
        ub = p.upper_masks[b]
        linprog(-np.ones(len(ub)), A_ub=np.ones((1, len(ub))), b_ub=[p.budget_masks[b]],
                bounds=list(zip(np.zeros(len(ub)), ub, strict=True)), method="highs")


def bench_allocators(quick: bool) -> list[dict[str, Any]]:
    rows = []
    sizes_b = (1, 100, 10_000)
    for rule in (Rule.PROPORTIONAL, Rule.MAXMIN):
        for n_regions in (10, 50, 200):
            # The LP solves one row at a time (up to R LPs a row): a labelled sample suffices.
            n_lp = {10: 20, 50: 10, 200: 3}[n_regions] // (2 if quick else 1)
            sample = problems(rule, n_lp, n_regions, seed=2)
            lp_s = median_seconds(lambda s=sample: allocate_lp(s), 1 if quick else 3) / n_lp
            hi_s = median_seconds(lambda s=sample: highs_rows(s), 3) / n_lp
            for n_rows in sizes_b:
                p = problems(rule, n_rows, n_regions, seed=1)
                reps = 5 if n_rows >= 10_000 else 50
                vec_s = median_seconds(lambda p=p: allocate_vector(p), reps) / n_rows
                rows.append({
                    "rule": str(rule), "R": n_regions, "B": n_rows, "lp_sample_rows": n_lp,
                    "vector_per_s": 1 / vec_s, "lp_per_s": 1 / lp_s,
                    "highs_per_s": 1 / hi_s, "vector_over_lp": lp_s / vec_s,
                    "vector_over_highs": hi_s / vec_s,
                })
    return rows


def bench_model(n_scenarios: int, quick: bool) -> dict[str, Any]:
    base = single_plan(50, 365)
    plan = batch_plan(base, n_scenarios)
    seeds = list(range(n_scenarios))
    start = time.perf_counter()
    draws = draw(plan, seeds)
    draw_s = time.perf_counter() - start
    batch_s = median_seconds(lambda: simulate_batch(plan, draws, allocate_vector),
                             1 if quick else 3)
    n_des = 20 if quick else 100
    des_vec = median_seconds(
        lambda: [simulate(plan.row(b), draw(plan.row(b), [b]), allocate_vector)
                 for b in range(n_des)], 1 if quick else 3) / n_des
    n_lp = 1 if quick else 2
    des_lp = median_seconds(
        lambda: [simulate(plan.row(b), draw(plan.row(b), [b]), allocate_lp)
                 for b in range(n_lp)], 1) / n_lp
    return {
        "scenarios": n_scenarios, "days": 365, "regions": 50,
        "draw_s": draw_s, "batch_s": batch_s,
        "des_vector_per_scenario_s": des_vec, "des_vector_sample": n_des,
        "des_lp_per_scenario_s": des_lp, "des_lp_sample": n_lp,
        "des_vector_extrapolated_s": des_vec * n_scenarios,
        "des_lp_extrapolated_s": des_lp * n_scenarios,
        "batch_over_des_vector": des_vec * n_scenarios / (batch_s + draw_s),
        "batch_over_des_lp": des_lp * n_scenarios / (batch_s + draw_s),
    }


def big_batch(n_scenarios: int, chunk: int) -> dict[str, Any]:
    """Run in a subprocess: time and peak RSS of B scenarios in chunks of ``chunk``."""
    base = single_plan(50, 365)
    start = time.perf_counter()
    draw_s = 0.0
    for lo in range(0, n_scenarios, chunk):
        n = min(chunk, n_scenarios - lo)
        plan = batch_plan(base, n, seed=lo)
        t = time.perf_counter()
        draws = draw(plan, list(range(lo, lo + n)))
        draw_s += time.perf_counter() - t
        simulate_batch(plan, draws, allocate_vector)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"scenarios": n_scenarios, "chunk": chunk, "seconds": seconds, "draw_s": draw_s,
            "peak_rss_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    parser.add_argument("--out", default="results/benchmarks/core.json")
    parser.add_argument("--big", type=int, default=100_000, help="scenarios for memory run")
    parser.add_argument("--_big-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._big_child:
        print(json.dumps(big_batch(args._big_child, chunk=DEFAULT_CHUNK)))
        return

    alloc = bench_allocators(args.quick)
    print(f"{'rule':<13}{'R':>4}{'B':>7}{'vector/s':>12}{'lp/s':>9}{'highs/s':>9}"
          f"{'vec/lp':>10}{'vec/highs':>10}")
    for r in alloc:
        print(f"{r['rule']:<13}{r['R']:>4}{r['B']:>7}{r['vector_per_s']:>12,.0f}"
              f"{r['lp_per_s']:>9,.0f}{r['highs_per_s']:>9,.0f}"
              f"{r['vector_over_lp']:>10,.0f}{r['vector_over_highs']:>10,.0f}")
    model = bench_model(1_000 if args.quick else 10_000, args.quick)
    print(f"\nfull model, {model['scenarios']:,} scenarios x 365 days x 50 regions (maxmin):")
    print(f"  batch           {model['batch_s'] + model['draw_s']:8.2f} s "
          f"(draws {model['draw_s']:.2f} s)")
    print(f"  SimPy + vector  {model['des_vector_extrapolated_s']:8.1f} s "
          f"({1e3 * model['des_vector_per_scenario_s']:.1f} ms a scenario, "
          f"sample {model['des_vector_sample']}) -> batch {model['batch_over_des_vector']:.0f}x")
    print(f"  SimPy + lp      {model['des_lp_extrapolated_s']:8.0f} s "
          f"({model['des_lp_per_scenario_s']:.2f} s a scenario, extrapolated from a sample "
          f"of {model['des_lp_sample']}) -> batch {model['batch_over_des_lp']:,.0f}x")
    child = subprocess.run(
        [sys.executable, __file__, "--_big-child", str(args.big)],
        capture_output=True, text=True, check=True)
    big = json.loads(child.stdout)
    print(f"\n{big['scenarios']:,} scenarios x 365 days x 50 regions: {big['seconds']:.1f} s, "
          f"peak RSS {big['peak_rss_mb']:,.0f} MB (chunks of {big['chunk']})")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                          "cpus": os.cpu_count()},
              "allocators": alloc, "model": model, "big_batch": big}
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
