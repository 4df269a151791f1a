"""Date-keyed schedules: a value that changes by date, as a step or a piecewise-linear ramp.

Before the first point a schedule holds the first value; after the last, the last value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sim.scenario.enums import Interpolation


def date_range(start: dt.date, n_days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n_days)]


def ordinals(dates: Sequence[dt.date]) -> NDArray[np.int64]:
    return np.fromiter((d.toordinal() for d in dates), dtype=np.int64, count=len(dates))


def evaluate(
    point_dates: Sequence[dt.date],
    point_values: Sequence[float],
    interpolation: Interpolation,
    start: dt.date,
    n_days: int,
) -> NDArray[np.float64]:
    """Values of the schedule on each of ``n_days`` days from ``start``."""
    x = np.asarray(ordinals(point_dates), dtype=np.float64)
    y = np.asarray(point_values, dtype=np.float64)
    days = start.toordinal() + np.arange(n_days, dtype=np.float64)
    if interpolation is Interpolation.LINEAR:
        return np.interp(days, x, y)
    idx = np.searchsorted(x, days, side="right") - 1
    return y[np.clip(idx, 0, len(y) - 1)]
