"""The batch engine's cost per (scenario x good x region x day), before and after goods and
donors, through the public API (``run_scenarios``), side by side in one run.

    python benchmarks/bench_goods.py [N] [--repeats R] [--baseline DIR]

Cases: the synthetic 50-region, 365-day scenario with one good and one donor, and the same with
three goods and three donors (each donor supplying every good: 9 channels). ``--baseline DIR``
is a checkout of the code before goods and donors (e.g. ``git worktree add /tmp/pre9 7413c43``):
its one-good case runs in a subprocess of that tree, interleaved with this tree's, so both see
the same machine. Prints medians over the repeats and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def time_case(case: str, n: int) -> float:
    """Seconds for run_scenarios over n copies of the case's scenario (plans built inside)."""
    sys.path.insert(0, str(HERE))
    from synthetic import multi_scenario, scenario

    from sim.results.batch import run_scenarios

    base = scenario(50, 365) if case == "one" else multi_scenario(50, 365)
    run_scenarios([base] * min(n, 64))  # warm-up: imports, kernels, allocator
    started = time.perf_counter()
    run_scenarios([base] * n)
    return time.perf_counter() - started


def in_tree(tree: Path, case: str, n: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, str(HERE / "bench_goods.py"), "--child", case,
                          str(n), "--tree", str(tree)], env=env, check=True,
                         capture_output=True, text=True, cwd=tree)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000, help="scenarios (2,000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=HERE.parent, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="results/benchmarks/goods.json")
    args = parser.parse_args()
    if args.child:
        print(time_case(args.child, args.n))
        return
    here = HERE.parent
    cases = [("one good, one donor (before)", args.baseline, "one", 1)] if args.baseline else []
    cases += [("one good, one donor (after)", here, "one", 1),
              ("three goods, three donors (after)", here, "multi", 3)]
    times: dict[str, list[float]] = {name: [] for name, *_ in cases}
    for _ in range(args.repeats):  # interleaved: drift on a busy machine hits every case
        for name, tree, case, _goods in cases:
            assert tree is not None
            times[name].append(in_tree(tree, case, args.n))
    cells = args.n * 365 * 50
    rows = []
    for name, _, _case, goods in cases:
        median = statistics.median(times[name])
        rows.append({"case": name, "median_s": round(median, 3),
                     "ns_per_scenario_good_region_day": round(1e9 * median / (cells * goods), 2)})
    first = rows[0]["ns_per_scenario_good_region_day"]
    print(f"{args.n:,} scenarios x 365 days x 50 regions; medians of {args.repeats}")
    print(f"{'case':<36}{'median s':>10}{'ns/cell':>10}{'ratio':>8}")
    for r in rows:
        ratio = r["ns_per_scenario_good_region_day"] / first
        r["ratio_to_first"] = round(ratio, 3)
        print(f"{r['case']:<36}{r['median_s']:>10.2f}{r['ns_per_scenario_good_region_day']:>10.2f}"
              f"{ratio:>8.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n": args.n, "repeats": args.repeats, "rows": rows}, indent=2))
    print(out)


if __name__ == "__main__":
    main()
