"""Metrics of a run from its totals: sufficiency, equity, pledge fulfilment.

Every function takes arrays with a leading scenario axis B and returns one value per
scenario, so single runs and batches of thousands share one definition.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.engine.day import Totals
from sim.engine.plan import Array

# The scalar metrics a sweep can keep, in a stable order.
SCALARS = (
    "produced", "domestic_demand", "domestic_shortfall", "donated_total", "delivered_total",
    "in_transit_end", "unmet_need_mask_days", "gini_fill_rate", "min_fill_rate",
    "mean_fill_rate", "pledged_total", "pledges_on_time", "pledges_late", "pledges_unmet",
    "final_stock",
)


def fill_rate(consumed: Array, need: Array) -> Array:
    """Share of need met, per region; a region that needed nothing counts as fully served."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(need > 0, consumed / need, 1.0)


def gini(values: Array) -> Array:
    """Gini coefficient across the last axis (0: all equal; 1: one holds everything)."""
    v = np.sort(values, axis=-1)
    n = v.shape[-1]
    total = v.sum(axis=-1)
    rank = np.arange(1, n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (2.0 * (rank * v).sum(axis=-1)) / (n * total) - (n + 1.0) / n
    return np.where(total > 0, np.maximum(g, 0.0), 0.0)


def pledge_split(totals: Totals, pledge_masks: Array) -> tuple[Array, Array, Array]:
    """On time, late and never shipped, per pledge instance (B, P)."""
    on_time, late = totals.pledge_on_time_masks, totals.pledge_late_masks
    unmet = np.maximum(pledge_masks - on_time - late, 0.0)
    return on_time, late, unmet


def scalars(totals: Totals, pledge_masks: Array) -> dict[str, Array]:
    """The scalar metrics of B scenarios, each an array of shape (B,)."""
    rates = fill_rate(totals.consumed_masks, totals.need_masks)
    on_time, late, unmet = pledge_split(totals, pledge_masks)
    donated = totals.shipped_masks.sum(axis=1)
    delivered = totals.delivered_masks.sum(axis=1)
    return {
        "produced": totals.produced_masks,
        "domestic_demand": totals.domestic_demand_masks,
        "domestic_shortfall": totals.domestic_demand_masks - totals.domestic_served_masks,
        "donated_total": donated,
        "delivered_total": delivered,
        "in_transit_end": donated - delivered,
        "unmet_need_mask_days": (totals.need_masks - totals.consumed_masks).sum(axis=1),
        "gini_fill_rate": gini(rates),
        "min_fill_rate": rates.min(axis=1),
        "mean_fill_rate": rates.mean(axis=1),
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
