"""Whether the compiled day is in numba's cache yet: a fresh checkout compiles it once (the
first run pays some seconds; later processes load the machine code from ``__pycache__``, or
from ``NUMBA_CACHE_DIR``). The command line asks before a run, to say so on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _entry_points(compiled_pass: bool) -> list[Any]:
    from sim.engine import batch, fields, hubs, steps

    points = [fields.new_frame, steps.produce, steps.offer, steps.ship, hubs.hubs_day,
              steps.receive_and_consume]
    if compiled_pass:
        points.append(batch.run_compiled)
    return points


def cached(*, compiled_pass: bool = False) -> bool:
    """Whether every entry point of a run has its machine code in numba's cache (a guess
    from the cache's index files: True when it cannot tell)."""
    try:
        return all(Path(point._cache._cache_file._index_path).exists()
                   for point in _entry_points(compiled_pass))
    except (AttributeError, TypeError):  # another numba: say nothing
        return True


MESSAGE = ("masksim: compiling the simulation for this machine (once: later runs load it "
           "from the cache) ...")
