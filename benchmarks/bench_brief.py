"""`masksim brief` and `masksim plot` end to end, as a user runs them, and whether a second
brief is byte for byte the first.

    python benchmarks/bench_brief.py [--repeats R] [SCENARIO ...]

Each scenario (default: taiwan_2020 and jack_ma_africa_2020) is run once into a temporary
folder; then the two commands run R times each, interleaved, each in a fresh process (the
imports are part of what a user waits for). Prints, per scenario and command, the median
wall time and the median CPU time of the process (user + system: less sensitive to other
processes on a shared machine), the load average before and after, and whether every brief
was byte-identical to the first. The targets (issue 20): brief and plot within 2 s for
taiwan_2020 and 5 s for jack_ma_africa_2020.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"taiwan_2020": 2.0, "jack_ma_africa_2020": 5.0}


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="*", default=list(TARGETS))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    masksim = [sys.executable, "-m", "sim"]
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenarios:
            run = Path(tmp) / name
            subprocess.run([*masksim, "run", str(ROOT / "scenarios" / f"{name}.toml"),
                            "--out", str(run), "-q"], check=True, stdout=subprocess.DEVNULL)
            times: dict[str, list[tuple[float, float]]] = {"brief": [], "plot": []}
            digests = set()
            for k in range(args.repeats):
                pdf = Path(tmp) / f"{name}-{k}.pdf"
                times["brief"].append(timed([*masksim, "brief", str(run), "-o", str(pdf)]))
                digests.add(hashlib.sha256(pdf.read_bytes()).hexdigest())
                times["plot"].append(timed([*masksim, "plot", str(run), "--out",
                                            str(Path(tmp) / f"{name}-figures")]))
            target = TARGETS.get(name)
            for command, values in times.items():
                wall = statistics.median(w for w, _ in values)
                cpu = statistics.median(c for _, c in values)
                goal = f" (target {target:g} s)" if target else ""
                print(f"{name:22s} {command:5s} median wall {wall:5.2f} s, CPU {cpu:5.2f} s"
                      f" over {len(values)} runs{goal}")
            print(f"{name:22s} briefs byte-identical: {len(digests) == 1}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
