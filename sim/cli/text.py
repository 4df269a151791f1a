"""How the command line writes quantities: one helper for every printout."""

from __future__ import annotations

import math


def quantity(x: float | None, small: str = "{:,.0f}") -> str:
    """``x`` as a reader scans it: 27.07 M, 350.0 k, or ``small`` below a thousand; ``n/a``
    where the value is undefined (None or NaN), ``inf`` where it is unbounded."""
    if x is None or math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f} M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:,.1f} k"
    return small.format(x)
