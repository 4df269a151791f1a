"""The draws' lead times shaped by numba, to the bits ``sim.engine.draws.lead_days`` gives:
for large batches, where numpy's passes over the uniforms cost more than drawing them."""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)

Array = NDArray[np.float64]


def lead_days(u: Array, low: Array, mode: Array, high: Array) -> NDArray[np.int32]:
    """``sim.engine.draws.lead_days`` compiled, to the same bits (the same operations, and
    sqrt is correctly rounded in both): triangular(low, mode, high) by inverse CDF, rounded
    to whole days. ``low``, ``mode``, ``high``: (1 or n, R). One pass over the block of
    uniforms ``draws`` hands it (sized to stay in cache), where numpy makes about ten."""
    out = np.empty(u.shape, dtype=np.int32)
    rows = np.ascontiguousarray
    _lead_days(u if u.strides[-1] == u.itemsize else rows(u), rows(low), rows(mode),
               rows(high), out)
    return out


@numba.njit(cache=True)
def _lead_days(u: Array, low: Array, mode: Array, high: Array,
               out: NDArray[np.int32]) -> None:
    n_regions = u.shape[2]
    width, up, down = np.empty(n_regions), np.empty(n_regions), np.empty(n_regions)
    cut = np.empty(n_regions)
    for i in range(u.shape[0]):
        m = i % low.shape[0]
        for r in range(n_regions):
            width[r] = high[m, r] - low[m, r]
            up[r] = mode[m, r] - low[m, r]
            down[r] = high[m, r] - mode[m, r]
            cut[r] = up[r] / width[r] if width[r] > 0 else 0.0
        # Both branches, then a select, along the row: no jump in the inner loop. The
        # products keep numpy's order: (u * width) * (mode - low).
        for k in range(u.shape[1]):
            for r in range(n_regions):
                v = u[i, k, r]
                rising = low[m, r] + math.sqrt(v * width[r] * up[r])
                falling = high[m, r] - math.sqrt((1.0 - v) * width[r] * down[r])
                days = rising if v < cut[r] else falling
                out[i, k, r] = np.int32(math.floor(days + 0.5))
