"""Metrics of a run from its totals: sufficiency, equity, pledge fulfilment.

Every function takes arrays with a leading scenario axis B and returns one value per
scenario, so single runs and batches of thousands share one definition.

Rules a reader relies on:
- A region that needed nothing counts as fully served (fill rate 1).
- Unmet need is in masks: need minus consumption, summed over days and regions.
- Equity (Gini, lowest and mean fill rate) is undefined (NaN) when some region needed
  masks and nothing was delivered to any region: 0 would read as "perfectly fair". When no
  region needed anything, every region is fully served, so mean = lowest = 1 and Gini = 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.engine.day import Totals
from sim.engine.plan import Array

# The scalar metrics a sweep can keep, in a stable order.
SCALARS = (
    "produced", "released", "domestic_demand", "domestic_shortfall", "donated_total",
    "delivered_total", "in_transit_end", "unmet_need_masks", "gini_fill_rate", "min_fill_rate",
    "mean_fill_rate", "pledged_total", "pledges_on_time", "pledges_late", "pledges_unmet",
    "final_stock",
)


def fill_rate(consumed: Array, need: Array) -> Array:
    """Share of need met, per region; a region that needed nothing counts as fully served."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(need > 0, consumed / need, 1.0)


def gini(values: Array, weights: Array | None = None) -> Array:
    """Gini coefficient across the last axis (0: all equal; 1: one holds everything).

    The population (n-sample) definition, sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean_w(x)):
    [0, 0, 0, 1] gives 0.75, not the sample-corrected 1. ``weights`` (e.g. population)
    count entries that many times: integer weights equal repeating the entries. NaN where
    it is undefined: every value (or every weight) is zero.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.broadcast_to(
        np.asarray(weights, dtype=np.float64), x.shape)
    order = np.argsort(x, axis=-1, kind="stable")
    x, w = np.take_along_axis(x, order, -1), np.take_along_axis(w, order, -1)
    cum = np.cumsum(w, axis=-1)
    total_w = cum[..., -1:]
    wx = w * x
    total_wx = wx.sum(axis=-1)
    # With x ascending, sum_ij w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (W_below_i - W_above_i),
    # and W_below_i - W_above_i = 2 C_i - w_i - W (C: cumulative weight): O(n log n), no pairs.
    lead = (wx * (2.0 * cum - w - total_w)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = lead / (total_w[..., 0] * total_wx)
    # Rounding can leave -1e-17 for equal values; NaN passes through np.maximum.
    return np.where(total_wx > 0, np.maximum(g, 0.0), np.nan)


def equity_defined(totals: Totals) -> NDArray[np.bool_]:
    """(B,) False where some region needed masks and none was delivered anywhere."""
    needed = totals.need_masks.sum(axis=1) > 0
    delivered = totals.delivered_masks.sum(axis=1) > 0
    defined: NDArray[np.bool_] = ~needed | delivered
    return defined


def equity(totals: Totals, weights: Array | None = None) -> dict[str, Array]:
    """Gini, lowest and mean fill rate (B,), NaN where nothing was delivered (see above)."""
    rates = fill_rate(totals.consumed_masks, totals.need_masks)
    ok = equity_defined(totals)
    return {
        "gini_fill_rate": np.where(ok, gini(rates, weights), np.nan),
        "min_fill_rate": np.where(ok, rates.min(axis=1), np.nan),
        "mean_fill_rate": np.where(ok, rates.mean(axis=1), np.nan),
    }


def pledge_split(totals: Totals, pledge_masks: Array) -> tuple[Array, Array, Array]:
    """On time, late and never shipped, per pledge instance (B, P)."""
    on_time, late = totals.pledge_on_time_masks, totals.pledge_late_masks
    unmet = np.maximum(pledge_masks - on_time - late, 0.0)
    return on_time, late, unmet


def scalars(totals: Totals, pledge_masks: Array) -> dict[str, Array]:
    """The scalar metrics of B scenarios, each an array of shape (B,)."""
    on_time, late, unmet = pledge_split(totals, pledge_masks)
    donated = totals.shipped_masks.sum(axis=1)
    delivered = totals.delivered_masks.sum(axis=1)
    return {
        "produced": totals.produced_masks,
        "released": totals.released_masks,
        "domestic_demand": totals.domestic_demand_masks,
        "domestic_shortfall": totals.domestic_demand_masks - totals.domestic_served_masks,
        "donated_total": donated,
        "delivered_total": delivered,
        "in_transit_end": donated - delivered,
        "unmet_need_masks": (totals.need_masks - totals.consumed_masks).sum(axis=1),
        **equity(totals),
        "pledged_total": pledge_masks.sum(axis=1),
        "pledges_on_time": on_time.sum(axis=1),
        "pledges_late": late.sum(axis=1),
        "pledges_unmet": unmet.sum(axis=1),
        "final_stock": totals.final_stock_masks,
    }


def by_region(totals: Totals) -> dict[str, Array | NDArray[np.int64]]:
    """Per-region metrics of B scenarios, each (B, R)."""
    return {
        "donated_by_region": totals.shipped_masks,
        "delivered_by_region": totals.delivered_masks,
        "fill_rate_by_region": fill_rate(totals.consumed_masks, totals.need_masks),
        "unmet_need_by_region": totals.need_masks - totals.consumed_masks,
        "first_delivery_day_by_region": totals.first_delivery_day,
    }
