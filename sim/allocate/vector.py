"""The fast exact backend: closed-form water-filling on (B, R) arrays, no loop over B or R.

Every rule reduces to one of two sort-based fills (``weighted`` is the proportional one with
share * weight as the share):

* ``_tiered_fill`` - within each tier, x_r = min(ub_r, lam * share_r); tiers in order.
  Sorting each row by (tier, ub/share) makes the filled amount a running sum, so the level
  lam of every tier comes from cumulative sums and one comparison.
* ``_coverage_fill`` - x_r = clip(L * need_r - have_r, 0, ub_r): the total is piecewise
  linear in the level L with 2R breakpoints; sort them, integrate the slope, find L.

Rows are processed in chunks of about ``CHUNK_ELEMENTS`` so that the dozen temporaries of a
fill stay in cache (``benchmarks/bench_core.py`` measures what that saves).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from sim.allocate.problem import (
    Allocation,
    AllocationProblem,
    Array,
    PolicyInput,
    serve_pledges,
)
from sim.scenario.enums import Rule

Tiers = NDArray[np.int64]
CHUNK_ELEMENTS = 1 << 15  # 32 k doubles = 256 kB per temporary


def allocate_vector(problem: AllocationProblem) -> Allocation:
    """Pledges, then the rule, on cache-sized blocks of rows (each row is independent)."""
    if problem.min_shipment_units or problem.pallet_units:
        raise ValueError("minimum shipments and pallets need the 'lp' backend")
    n_rows, n_cols = problem.shape
    step = max(1, CHUNK_ELEMENTS // max(n_cols, 1))
    if n_rows <= step:
        return _allocate_block(problem)
    blocks = [_allocate_block(_rows(problem, slice(lo, lo + step)))
              for lo in range(0, n_rows, step)]
    return Allocation(*(np.concatenate([getattr(b, f) for b in blocks])
                        for f in ("pledge_units", "policy_units", "shipped_units")))


def _allocate_block(problem: AllocationProblem) -> Allocation:
    pledge, policy_input = serve_pledges(problem)
    policy = RULES[problem.rule](problem, policy_input)
    return Allocation(pledge, policy, policy + policy_input.pledged_units)


_PER_ROW = ("budget_units", "policy_on", "pledge_due_units", "projected_need_units",
            "have_units", "cap_units", "share", "tier", "weight")


def _rows(problem: AllocationProblem, rows: slice) -> AllocationProblem:
    return replace(problem, **{name: getattr(problem, name)[rows] for name in _PER_ROW})


def proportional(problem: AllocationProblem, p: PolicyInput) -> Array:
    upper = np.where(problem.share > 0, p.upper_units, 0.0)
    return _only_binding(_proportional_fill, p.budget_units, upper, problem.share)


def priority(problem: AllocationProblem, p: PolicyInput) -> Array:
    upper = np.where(problem.share > 0, p.upper_units, 0.0)
    return _only_binding(_tiered_fill, p.budget_units, upper, problem.share, problem.tier)


def weighted(problem: AllocationProblem, p: PolicyInput) -> Array:
    # Weighted proportional: the proportional fill with share * weight as the share.
    share = problem.share * problem.weight
    upper = np.where(share > 0, p.upper_units, 0.0)
    return _only_binding(_proportional_fill, p.budget_units, upper, share)


def maxmin(problem: AllocationProblem, p: PolicyInput) -> Array:
    have = problem.have_units + p.pledged_units
    need = problem.projected_need_units
    upper = np.where(need > 0, p.upper_units, 0.0)
    return _only_binding(_coverage_fill, p.budget_units, upper, need, have)


RULES: dict[Rule, Callable[[AllocationProblem, PolicyInput], Array]] = {
    Rule.PROPORTIONAL: proportional,
    Rule.PRIORITY: priority,
    Rule.WEIGHTED: weighted,
    Rule.MAXMIN: maxmin,
}


def _only_binding(fill: Callable[..., Array], budget: Array, upper: Array,
                  *rest: NDArray[np.generic]) -> Array:
    """Rows whose budget covers every bound get their bounds and rows with no budget get
    nothing, whatever the rule; only the rows where the budget binds need ``fill``'s sort.
    (``upper`` is already 0 where the rule gives nothing.) On a typical shipment day most
    rows are one or the other, which makes this the fill's largest saving."""
    total = upper.sum(axis=1)
    binding = (budget > 0) & (budget < total)
    if binding.all():
        return fill(budget, upper, *rest)
    x: Array = np.where((budget >= total)[:, None], upper, 0.0)
    rows = np.flatnonzero(binding)
    if len(rows):
        x[rows] = fill(budget[rows], upper[rows], *(a[rows] for a in rest))
    return x


def _sort_rows(key: Array) -> NDArray[np.intp]:
    """Flat indices that sort each row of the non-negative ``key`` (row r's from r * n on).

    A non-negative double's bit pattern orders like the double itself, so the column number
    can ride in the lowest mantissa bits and one plain sort of int64 replaces an argsort
    (which is slower). Keys within a relative 2**-44 of each other may swap places; the
    fills are continuous in the order of near-equal breakpoints, so the answer moves by as
    little.
    """
    n_rows, n_cols = key.shape
    bits = max(1, (n_cols - 1).bit_length())
    packed = key.view(np.int64) & np.int64(-1 << bits)
    packed |= np.arange(n_cols, dtype=np.int64)
    packed.sort(axis=1)
    order = packed & np.int64((1 << bits) - 1)
    order += np.arange(0, key.size, n_cols, dtype=np.int64)[:, None]
    return order.astype(np.intp, copy=False)


def _proportional_fill(budget: Array, upper: Array, share: Array) -> Array:
    """One tier: x = min(ub, lam * share), sum x = min(S, sum ub), share-0 regions get 0."""
    n_rows, n_cols = upper.shape
    positive = share > 0
    upper = np.where(positive, upper, 0.0)
    share = np.where(positive, share, 1.0)  # with ub 0, any share gives 0; 1 avoids 0/0
    ratio = upper / share  # the level at which each region saturates
    order = _sort_rows(ratio)
    u, s, r = upper.ravel()[order], share.ravel()[order], ratio.ravel()[order]
    u_before = np.cumsum(u, axis=1)
    u_before -= u
    # Shares still open at each breakpoint, summed from the right so none loses digits.
    s_open = np.cumsum(s[:, ::-1], axis=1)[:, ::-1]
    filled_at = r * s_open
    filled_at += u_before
    n_saturated = np.count_nonzero(filled_at <= budget[:, None], axis=1)
    k = np.minimum(n_saturated, n_cols - 1)
    rows = np.arange(n_rows)
    level = (budget - u_before[rows, k]) / s_open[rows, k]
    level[n_saturated == n_cols] = np.inf
    x: Array = np.minimum(upper, np.maximum(level, 0.0)[:, None] * share)
    return x


def _tiered_fill(budget: Array, upper: Array, share: Array, tier: Tiers) -> Array:
    """x = min(ub, lam_t * share) per tier t, tiers filled in ascending order."""
    if (tier == tier[:, :1]).all():
        return _proportional_fill(budget, upper, share)
    n_rows, n_cols = upper.shape
    positive = share > 0
    upper = np.where(positive, upper, 0.0)
    share = np.where(positive, share, 1.0)
    ratio = upper / share
    # Sort by (tier, ratio): by ratio, then a stable radix sort on the small tier numbers.
    by_ratio = _sort_rows(ratio)
    tier_sorted = tier.ravel()[by_ratio]
    if tier_sorted.max(initial=0) <= np.iinfo(np.int16).max:  # radix sort for small ints
        tier_sorted = tier_sorted.astype(np.int16)
    by_tier = np.argsort(tier_sorted, axis=1, kind="stable")
    order = np.take_along_axis(by_ratio, by_tier, axis=1)
    u, s, r = upper.ravel()[order], share.ravel()[order], ratio.ravel()[order]
    first, last = _segments(tier.ravel()[order])
    u_cum = np.cumsum(u, axis=1)
    u_before_tier = np.take_along_axis(u_cum - u, first, axis=1)  # earlier tiers of the row
    u_tier = np.take_along_axis(u_cum, last, axis=1) - u_before_tier
    tier_budget = np.clip(budget[:, None] - u_before_tier, 0.0, u_tier)
    u_prior = u_cum - u - u_before_tier  # earlier regions of the same tier
    s_suffix = np.cumsum(s[:, ::-1], axis=1)[:, ::-1]
    s_after_tier = np.take_along_axis(
        np.concatenate([s_suffix[:, 1:], np.zeros((n_rows, 1))], axis=1), last, axis=1)
    s_rest = s_suffix - s_after_tier
    saturated = u_prior + r * s_rest <= tier_budget
    # The tier's level: what is left after its saturated regions, over its open shares.
    u_sat = _segment_sum(np.where(saturated, u, 0.0), first, last)
    s_open = _segment_sum(np.where(saturated, 0.0, s), first, last)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(s_open > 0, (tier_budget - u_sat) / s_open, 0.0)
    x_sorted = np.where(saturated, u, np.minimum(u, np.maximum(level, 0.0) * s))
    x = np.empty(upper.size)
    x[order.ravel()] = x_sorted.ravel()
    return x.reshape(n_rows, n_cols)


def _coverage_fill(budget: Array, upper: Array, need: Array, have: Array) -> Array:
    """x = clip(L * need - have, 0, ub) with sum x = min(S, sum ub): the max-min level L."""
    eligible = (need > 0) & (upper > 0)
    upper = np.where(eligible, upper, 0.0)
    a = np.where(eligible, need, 0.0)
    safe_need = np.where(eligible, need, 1.0)
    lo = np.where(eligible, have / safe_need, 0.0)
    hi = np.where(eligible, (have + upper) / safe_need, 0.0)
    total_upper = upper.sum(axis=1)
    target = np.minimum(budget, total_upper)
    # Breakpoints of the total: each region opens at lo (slope +a) and closes at hi (-a).
    level = np.concatenate([lo, hi], axis=1)
    order = _sort_rows(level)
    level = level.ravel()[order]
    slope = np.cumsum(np.concatenate([a, -a], axis=1).ravel()[order], axis=1)
    filled = np.zeros_like(level)
    np.cumsum(slope[:, :-1] * np.diff(level, axis=1), axis=1, out=filled[:, 1:])
    k = np.clip(np.count_nonzero(filled < target[:, None], axis=1) - 1, 0, level.shape[1] - 1)
    rows = np.arange(len(k))
    base, rate, done = level[rows, k], slope[rows, k], filled[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        star = np.where(rate > 0, base + (target - done) / rate, base)
    x: Array = np.clip(star[:, None] * a - have, 0.0, upper)
    x[target <= 0] = 0.0
    all_in = target >= total_upper
    x[all_in] = upper[all_in]
    return x


def _segments(tier_sorted: Tiers) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """First and last column of each element's tier in a row sorted by tier."""
    n = tier_sorted.shape[1]
    cols = np.broadcast_to(np.arange(n), tier_sorted.shape)
    starts = np.ones(tier_sorted.shape, dtype=bool)
    starts[:, 1:] = tier_sorted[:, 1:] != tier_sorted[:, :-1]
    first = np.maximum.accumulate(np.where(starts, cols, 0), axis=1)
    ends = np.ones(tier_sorted.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    last = np.minimum.accumulate(np.where(ends, cols, n - 1)[:, ::-1], axis=1)[:, ::-1]
    return first.astype(np.intp), last.astype(np.intp)


def _segment_sum(values: Array, first: NDArray[np.intp], last: NDArray[np.intp]) -> Array:
    cum = np.cumsum(values, axis=1)
    return np.take_along_axis(cum, last, axis=1) - np.take_along_axis(cum - values, first, axis=1)
