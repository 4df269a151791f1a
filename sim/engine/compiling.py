"""Whether the compiled day is in numba's cache yet: a fresh checkout compiles it once (the
first run pays some seconds; later processes load the machine code from ``__pycache__``, or
from ``NUMBA_CACHE_DIR``). The command line asks before a run, to say so on stderr."""

from __future__ import annotations

from typing import Any


def _entry_points(batch_engine: bool, compiled_backend: bool) -> list[Any]:
    from sim.engine import batch, fields, hubs, steps

    points: list[Any]
    if batch_engine:
        points = ([batch.run_compiled] if compiled_backend
                  else [batch.days, batch.morning, batch.evening])
    else:
        points = [steps.produce, steps.offer, steps.ship, hubs.hubs_day,
                  steps.receive_and_consume]
        if compiled_backend:
            points.append(steps.allocate_compiled)
    return [fields.new_frame, *points]


def cached(*, batch_engine: bool = False, compiled_backend: bool = False) -> bool:
    """Whether every function a run enters has machine code in numba's cache that is still
    good for the sources (True when it cannot tell: then it says nothing)."""
    try:
        return all(bool(point._cache._cache_file._load_index())
                   for point in _entry_points(batch_engine, compiled_backend))
    except (AttributeError, TypeError, OSError):  # another numba
        return True


MESSAGE = ("masksim: compiling the simulation for this machine (once: later runs load it "
           "from the cache) ...")
