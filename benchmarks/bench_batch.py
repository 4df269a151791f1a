"""The public batch API as a user calls it: N copies of one 50-region, 365-day scenario.

    /usr/bin/time -v python benchmarks/bench_batch.py [N] [--distinct] [--chunk-size C]
                                                      [--backend compiled|vector|lp]

``run_scenarios([scenario] * N)`` (not a stacked synthetic plan, as ``bench_core.py`` uses),
so what is timed includes building, grouping and stacking the plans. With ``--distinct``
each scenario is its own object with its own reserve (``with_overrides``): nothing can be
shared but the sub-models the rows have in common. Prints wall time and this process's peak
resident memory (run it under ``/usr/bin/time -v`` for the same figure from outside).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import scenario  # noqa: E402

from sim.results.batch import DEFAULT_CHUNK, run_scenarios  # noqa: E402
from sim.scenario.enums import Backend  # noqa: E402
from sim.scenario.overrides import with_overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="scenarios (100,000)")
    parser.add_argument("--distinct", action="store_true",
                        help="distinct scenario objects (reserve 0-30 days) instead of copies")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
    parser.add_argument("--backend", choices=[b.value for b in Backend], default="compiled",
                        help="allocation backend (compiled: the compiled day loop too)")
    args = parser.parse_args()

    base = scenario(50, 365)
    started = time.perf_counter()
    if args.distinct:
        scenarios = with_overrides(base, ({"reserve.days": 30.0 * i / args.n}
                                          for i in range(args.n)))
    else:
        scenarios = [base] * args.n
    built = time.perf_counter()
    out = run_scenarios(scenarios, backend=Backend(args.backend), chunk_size=args.chunk_size)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    donated = out.metrics["donated_total"]
    print(json.dumps({
        "scenarios": args.n, "distinct": args.distinct, "chunk_size": args.chunk_size,
        "backend": args.backend,
        "seconds": round(seconds, 2), "seconds_making_scenarios": round(built - started, 2),
        "scenarios_per_second": round(args.n / seconds, 1), "peak_rss_mb": round(peak_mb, 1),
        "mean_donated_total": float(np.mean(donated)),
    }, indent=2))


if __name__ == "__main__":
    main()
