"""Which regions stated a need for a good, and the fill rates among those that did.

summary.json counts a region that needed none of a good as fully served (fill rate 1, see
:func:`sim.results.metrics.fill_rate`): right for the sums, misleading in words. A brief says
"no need stated" for such a region and leaves it out of the fill rates it reports and draws;
summary.json keeps its values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.results import metrics
from sim.results.reader import RunData

NO_NEED = "no need stated"


def needed(run: RunData, good: str) -> NDArray[np.bool_]:
    """(R,) True where the region needed some of ``good`` over the horizon."""
    flags: NDArray[np.bool_] = run.regions_of(good)["need"].sum(axis=0) > 0
    return flags


def needs_of(run: RunData, good: str) -> set[str]:
    return {r for r, n in zip(run.region_ids, needed(run, good), strict=True) if n}


def needy_goods(run: RunData) -> list[str]:
    """The goods some region needed, in the run's order."""
    return [g for g in run.goods if needed(run, g).any()]


@dataclass(frozen=True)
class Fill:
    """A good's fill rates over the regions that stated a need for it."""

    regions: int  # how many stated a need
    mean: float | None  # None: nothing arrived, fairness undefined
    gini: float | None
    lowest: tuple[str, float] | None  # (region id, rate)
    highest: tuple[str, float] | None


def fill(run: RunData, good: str) -> Fill | None:
    """The good's fill rates among the regions that needed it; None when none did. When
    every region needed it, these are summary.json's own values."""
    s, want = run.good_summary(good), needs_of(run, good)
    if not want:
        return None
    rates = {k: float(v) for k, v in (s.get("fill_rate_by_region") or {}).items()
             if k in want and v is not None}
    if s.get("mean_fill_rate") is None or not rates:
        return Fill(len(want), None, None, None, None)
    lo, hi = min(rates, key=lambda k: rates[k]), max(rates, key=lambda k: rates[k])
    if len(want) == len(run.region_ids):
        mean, gini = s.get("mean_fill_rate"), s.get("gini_fill_rate")
    else:
        values = np.array(list(rates.values()))
        g = float(metrics.gini(values))  # NaN when every rate is 0
        mean, gini = float(values.mean()), (g if np.isfinite(g) else None)
    return Fill(len(want), mean, gini, (lo, rates[lo]), (hi, rates[hi]))
