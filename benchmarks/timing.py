"""Medians of repeated calls, in wall and in CPU seconds (the benchmarks' one timer)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Wall seconds of ``fn()``, median of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_cpu_seconds(fn: Callable[[], object], repeat: int) -> float:
    """CPU seconds of this process (every thread), median: what a quiet machine would take
    on one core, whatever the other processes on this one are doing."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)
