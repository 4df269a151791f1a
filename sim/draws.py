"""Every random number of a run, drawn up front from its SeedSequence.

Each scenario has its own SeedSequence; from it come independent streams (outages, lead
times) as uniforms, which are then shaped by the scenario's parameters. A scenario's draws
therefore depend on its seed alone, never on which batch, engine or worker ran it - and two
scenarios with the same seed see the same uniforms (common random numbers), which makes
policy comparisons in a sweep sharper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.plan import Plan

Array = NDArray[np.float64]


class Stream(IntEnum):
    OUTAGES = 0
    LEAD_TIMES = 1


@dataclass(frozen=True)
class Draws:
    outage_loss: Array  # (B, T) share of capacity lost each day
    lead_days: NDArray[np.int64]  # (B, K, R) transit days of each shipment to each region


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def _stream(root: np.random.SeedSequence, stream: Stream) -> np.random.Generator:
    # Derived, not spawned: spawn() mutates the parent, so a second call would differ.
    child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, int(stream)))
    return np.random.Generator(np.random.PCG64(child))


def draw(plan: Plan, seeds: Sequence[int | np.random.SeedSequence]) -> Draws:
    """The draws of each of the plan's B scenarios, one seed each."""
    n_rows, n_days = plan.n_scenarios, plan.n_days
    if len(seeds) != n_rows:
        raise ValueError(f"{len(seeds)} seeds for {n_rows} scenarios")
    n_ship, n_regions = len(plan.ship_days), len(plan.region_ids)
    u_start = np.empty((n_rows, n_days))
    u_length = np.empty((n_rows, n_days))
    u_lead = np.empty((n_rows, n_ship, n_regions))
    for b, seed in enumerate(seeds):
        root = seed_sequence(seed)
        outages = _stream(root, Stream.OUTAGES)
        outages.random(out=u_start[b])
        outages.random(out=u_length[b])
        _stream(root, Stream.LEAD_TIMES).random(out=u_lead[b])
    return Draws(
        outage_loss=outage_loss(
            u_start, u_length, plan.outage_probability, plan.outage_severity,
            plan.outage_mean_days,
        ),
        lead_days=lead_days(u_lead, plan.lead_min_days, plan.lead_mode_days, plan.lead_max_days),
    )


def outage_loss(
    u_start: Array, u_length: Array, probability: Array, severity: Array, mean_days: Array
) -> Array:
    """An outage starts on a day with ``probability`` and lasts a geometric number of days
    (mean ``mean_days``); while one or more run, ``severity`` of capacity is lost."""
    n_rows, n_days = u_start.shape
    starts = u_start < probability[:, None]
    p_end = 1.0 / mean_days[:, None]
    with np.errstate(divide="ignore"):
        extra = np.floor(np.log1p(-u_length) / np.log1p(-p_end))
    length = 1 + np.where(p_end < 1.0, np.nan_to_num(extra, posinf=n_days), 0.0)
    length = np.minimum(length, n_days).astype(np.int64)
    rows, days = np.nonzero(starts)
    edges = np.zeros((n_rows, n_days + 1), dtype=np.int64)
    np.add.at(edges, (rows, days), 1)
    np.add.at(edges, (rows, np.minimum(days + length[rows, days], n_days)), -1)
    running = np.cumsum(edges[:, :n_days], axis=1) > 0
    return np.where(running, severity[:, None], 0.0)


def lead_days(u: Array, low: Array, mode: Array, high: Array) -> NDArray[np.int64]:
    """Triangular(low, mode, high) by inverse CDF, rounded to whole days."""
    low, mode, high = low[:, None, :], mode[:, None, :], high[:, None, :]
    width = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(width > 0, (mode - low) / width, 0.0)
    rising = low + np.sqrt(u * width * (mode - low))
    falling = high - np.sqrt((1.0 - u) * width * (high - mode))
    days = np.where(u < cut, rising, falling)
    return np.floor(days + 0.5).astype(np.int64)
