"""Dotted field paths (``regions[2].needs.masks.per_day``): parsed once into steps, written
back for messages. The one spelling every override, sweep, calibration and error uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

Step = str | int
Steps = tuple[Step, ...]
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> Steps:
    """``regions[2].weight`` as its steps ``("regions", 2, "weight")``."""
    return tuple(int(i) if i else k for k, i in _STEP.findall(path))


def join_path(steps: Iterable[Step]) -> str:
    """Steps written back as a path: ``("regions", 2, "weight")`` -> ``regions[2].weight``."""
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
    return out
