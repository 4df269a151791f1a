"""Every random number of a run, drawn up front from its SeedSequence.

Each scenario has its own SeedSequence and one PCG64 stream from it, read in a fixed order:
channel by channel (a donor's supply of a good), outage starts (T), outage lengths (T), then
lead times (K x R), all as uniforms that the scenario's parameters then shape. A scenario's
draws therefore depend on its seed alone, never on which batch, engine or worker ran it;
a channel's outage draws depend on the channels before it only, and so do its lead times
unless a channel added after it brings dispatch days of its own (K grows); and two scenarios
with the same seed and shape see the same uniforms (common random numbers), which sharpens
policy comparisons.
One stream, not one per kind of draw: building a generator costs more than drawing from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.plan import Plan, per_row

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Draws:
    outage_loss: Array  # (N, T) share of capacity lost each day, per channel row
    lead_days: NDArray[np.int32]  # (N, K, R) transit days of each shipment to each region


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def draw(plan: Plan, seeds: Sequence[int | np.random.SeedSequence], *,
         compiled: bool = False) -> Draws:
    """The draws of each of the plan's B scenarios (C channel rows each), one seed each.
    ``compiled`` shapes the lead times with numba (``sim.engine.shaping.lead_days``), to the
    same bits: for large batches, where numpy's passes over them cost more than drawing."""
    shape_leads = lead_days
    if compiled:
        from sim.engine.shaping import lead_days as shape_leads
    n_scen, n_days, c = plan.n_scenarios, plan.n_days, plan.n_channels
    if len(seeds) != n_scen:
        raise ValueError(f"{len(seeds)} seeds for {n_scen} scenarios")
    n_ship, n_regions = len(plan.ship_days), len(plan.region_ids)
    n_rows = n_scen * c
    loss = np.empty((n_rows, n_days))
    lead = np.empty((n_rows, n_ship, n_regions), dtype=np.int32)

    def rows_of(values: NDArray[np.float64], rows: slice) -> NDArray[np.float64]:
        return np.asarray(per_row(values, n_rows)[rows] if values.shape[0] == c and c > 1
                          else values[rows] if values.shape[0] > 1 else values)

    # Blocks of scenarios keep the uniforms in cache between drawing and shaping them.
    block = max(1, (1 << 16) // max(1, c * (n_days + n_ship * n_regions)))
    for lo in range(0, n_scen, block):
        scen = slice(lo, min(lo + block, n_scen))
        n = scen.stop - lo
        rows = slice(lo * c, scen.stop * c)
        # A channel row's uniforms side by side (outage starts, lengths, leads), a
        # scenario's rows one after another: the stream's order, so one fill a scenario.
        uniforms = np.empty((n * c, 2 * n_days + n_ship * n_regions))
        for i, seed in enumerate(seeds[scen]):
            stream = np.random.Generator(np.random.PCG64(seed_sequence(seed)))
            stream.random(out=uniforms[i * c:(i + 1) * c].reshape(-1))
        u_start, u_length = uniforms[:, :n_days], uniforms[:, n_days:2 * n_days]
        u_lead = uniforms[:, 2 * n_days:].reshape(n * c, n_ship, n_regions)
        loss[rows] = outage_loss(u_start, u_length, rows_of(plan.outage_probability, rows),
                                 rows_of(plan.outage_severity, rows),
                                 rows_of(plan.outage_mean_days, rows))
        lead[rows] = shape_leads(u_lead, rows_of(plan.lead_min_days, rows),
                                 rows_of(plan.lead_mode_days, rows),
                                 rows_of(plan.lead_max_days, rows))
    return Draws(outage_loss=loss, lead_days=lead)


def outage_loss(
    u_start: Array, u_length: Array, probability: Array, severity: Array, mean_days: Array
) -> Array:
    """An outage starts on a day with ``probability`` and lasts a geometric number of days
    (mean ``mean_days``); while one or more run, ``severity`` of capacity is lost."""
    n_rows, n_days = u_start.shape
    rows, days = np.nonzero(u_start < probability[:, None])
    # Lengths only where an outage starts (a few days in a hundred): elementwise, so the same
    # numbers as over the whole array.
    p_end = 1.0 / mean_days[rows % len(mean_days)]
    with np.errstate(divide="ignore"):
        extra = np.floor(np.log1p(-u_length[rows, days]) / np.log1p(-p_end))
    length = 1 + np.where(p_end < 1.0, np.nan_to_num(extra, posinf=n_days), 0.0)
    length = np.minimum(length, n_days).astype(np.int64)
    edges = np.zeros((n_rows, n_days + 1), dtype=np.int64)
    np.add.at(edges, (rows, days), 1)
    np.add.at(edges, (rows, np.minimum(days + length, n_days)), -1)
    running = np.cumsum(edges[:, :n_days], axis=1) > 0
    return np.where(running, severity[:, None], 0.0)


def lead_days(u: Array, low: Array, mode: Array, high: Array) -> NDArray[np.int32]:
    """Triangular(low, mode, high) by inverse CDF, rounded to whole days."""
    low, mode, high = low[:, None, :], mode[:, None, :], high[:, None, :]
    width = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(width > 0, (mode - low) / width, 0.0)
    rising = low + np.sqrt(u * width * (mode - low))
    falling = high - np.sqrt((1.0 - u) * width * (high - mode))
    days = np.where(u < cut, rising, falling)
    return np.floor(days + 0.5).astype(np.int32)
