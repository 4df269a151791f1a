"""Launching numba's parallel kernels from any thread without bringing the process down.

numba's ``workqueue`` threading layer (the one it falls back to when neither TBB nor OpenMP
can be loaded) aborts the process when two threads launch parallel kernels at once, as a Dask
worker with several threads, or ``calibrate``'s threads, would. Launches therefore go through
``launch``: until the first launch has shown which layer numba loaded, and for good when that
is ``workqueue``, launches hold one lock, one at a time; under ``omp`` or ``tbb`` (both safe for
concurrent launches) they run freely. The answer never depends on it: rows are independent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

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


def serialised() -> bool:
    """Whether launches are (still) serialised."""
    return not _free
