"""``masksim optimize`` on Taiwan 2020: 3 levers, 2 uncertainties, 1,000 futures per policy.

    python benchmarks/bench_optimize.py [FILE] [--repeats 3]

Default file: scenarios/optimize/taiwan_2020_give.toml (target: <= 60 s end to end). Prints
the whole search (one run: it is long), then where a policy's time goes, as the median of
``--repeats`` evaluations of one policy on the 1,000 futures: building the scenarios
(Overrides.apply: override and validate) and planning and running them (run_scenarios).
Item 1 of issue 22 (per-row parameters on a plan built once) removes most of the first two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?",
                        default=str(REPO / "scenarios" / "optimize" / "taiwan_2020_give.toml"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from sim.cli.optimize import load_problem
    from sim.results.batch import run_scenarios
    from sim.scenario.overrides import Overrides

    flags = argparse.Namespace(futures=None, check_futures=None, seed=None, objective=None,
                               constraint=None, population=None, generations=None, set=[])
    problem = load_problem(args.file, flags)
    spec = problem.spec
    print(f"{spec.name}: {len(spec.levers)} levers, {len(spec.uncertainties)} uncertainties, "
          f"{spec.futures:,} futures per policy, population {spec.population} x "
          f"{spec.search.generations} generations, backend {problem.base.allocation.backend}")

    # Where one policy's time goes (the compiled loop is compiled, or loaded, first).
    policy = problem.policy(np.full(len(spec.levers), 0.5))
    problem.measure([policy], problem.futures)
    over = Overrides(problem.base, problem.source)
    changes = [
        [c for s in problem.lever_setters for c in s.changes(policy[s.label])]
        + [c for s in problem.uncertainty_setters
           for c in s.changes(problem.futures.values[s.label][j].item())]
        for j in range(problem.futures.n)]
    build, run = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        scenarios = [over.apply(c) for c in changes]
        t1 = time.perf_counter()
        run_scenarios(scenarios, problem.futures.seeds, backend=spec.backend)
        t2 = time.perf_counter()
        build.append(t1 - t0)
        run.append(t2 - t1)
    b, r = statistics.median(build), statistics.median(run)
    n = problem.futures.n
    print(f"one policy on {n:,} futures (median of {args.repeats}): build scenarios "
          f"{b:.2f} s ({1e3 * b / n:.3f} ms each), plan and run {r:.2f} s "
          f"({1e3 * r / n:.3f} ms each)")

    # The whole command, as a user runs it (process start, search, check, files).
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "optimize", args.file, "--out",
                        str(Path(tmp) / "out"), "-q"], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        result = (Path(tmp) / "out" / "result.json").read_text()
    import json

    data = json.loads(result)
    print(f"masksim optimize end to end: {wall:.1f} s; {data['policies_tried']} policies, "
          f"{data['experiments']:,} runs ({1e3 * wall / data['experiments']:.3f} ms a run "
          f"all in); search and check {data['seconds']:.1f} s; load average "
          f"{os.getloadavg()[0]:.2f} at the end (2 cores shared: noisy)")


if __name__ == "__main__":
    main()
