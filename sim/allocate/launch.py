"""Launching numba's parallel kernels from any thread without bringing the process down.

numba's ``workqueue`` threading layer (the one it falls back to when neither TBB nor OpenMP
can be loaded) aborts the process when two threads launch parallel kernels at once, as a Dask
worker with several threads, or ``calibrate``'s threads, would. Launches therefore go through
``launch``: until the first launch has shown which layer numba loaded, and for good when that
is ``workqueue``, launches hold one lock, one at a time; under ``omp`` or ``tbb`` (both safe for
concurrent launches) they run freely. The answer never depends on it: rows are independent.

``ThreadPolicy`` and ``threads`` decide, call by call, whether a kernel runs on numba's
threads or on the caller's: whichever is measured faster under the machine's load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numba
from numba.np.ufunc.parallel import threading_layer

_LOCK = threading.Lock()
_THREADSAFE_LAYERS = ("omp", "tbb")
_free: list[bool] = []  # [True] once a launch has shown a layer that allows concurrent ones


def launch(kernel: Callable[..., Any], *args: Any) -> Any:
    """``kernel(*args)``, serialised unless the threading layer allows concurrent launches."""
    if _free:
        return kernel(*args)
    with _LOCK:
        out = kernel(*args)
        if not _free and threading_layer() in _THREADSAFE_LAYERS:  # type: ignore[no-untyped-call]
            _free.append(True)
    return out


class ThreadPolicy:
    """Threads pay only while every thread gets a core: when another process keeps a core
    busy, each parallel call waits at its closing barrier for a thread the scheduler has put
    off, and one thread is then faster (``benchmarks/bench_core.py`` measures both). So the
    time per element of each mode is kept and the faster one is used. Now and then a call
    tries the other, so that a change of load is noticed: every ``PROBE_EVERY`` calls times
    how much slower it was (at most ``MAX_SPACING`` times), so that probes cost little, and
    a probe's time replaces the slower mode's, so that one probe can change the choice.
    Each mode's first call is not counted: it may compile or load the kernel, or start the
    threads. Callers keep one policy for calls of one size (per element, small calls pay
    more for a launch than large ones)."""

    PROBE_EVERY = 16
    MAX_SPACING = 8
    WEIGHT = 0.25  # of the newest call in the faster mode's moving average

    def __init__(self) -> None:
        self.seconds: dict[bool, float | None] = {True: None, False: None}
        self.warm: set[bool] = set()
        self.since_probe = 0

    def choose(self) -> bool:
        """True: run this call on numba's threads; False: on this one."""
        parallel, serial = self.seconds[True], self.seconds[False]
        if parallel is None or serial is None:
            return parallel is None
        faster = parallel <= serial
        ratio = max(parallel, serial) / max(min(parallel, serial), 1e-300)
        self.since_probe += 1
        if self.since_probe >= self.PROBE_EVERY * min(ratio, self.MAX_SPACING):
            self.since_probe = 0
            return not faster
        return faster

    def record(self, parallel: bool, seconds_per_element: float) -> None:
        if parallel not in self.warm:
            self.warm.add(parallel)
            return
        old, other = self.seconds[parallel], self.seconds[not parallel]
        probe = old is not None and other is not None and old > other
        self.seconds[parallel] = (seconds_per_element if old is None or probe else
                                  old + self.WEIGHT * (seconds_per_element - old))


@contextmanager
def threads(parallel: bool) -> Iterator[None]:
    """numba's threads for this thread's parallel kernels while inside (all it was given), or
    one (the kernel runs its loop on this thread). Rows never read each other: the answer is
    the same either way."""
    before = numba.get_num_threads()
    numba.set_num_threads(before if parallel else 1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
