"""The fast exact backend: closed-form water-filling on (B, R) arrays, no loop over B or R.

Every rule reduces to one of two sort-based fills:

* ``_tiered_fill`` - within each tier, x_r = min(ub_r, lam * share_r); tiers in order.
  Sorting each row by (tier, ub/share) makes the filled amount a running sum, so the level
  lam of every tier comes from cumulative sums and one comparison.
* ``_coverage_fill`` - x_r = clip(L * need_r - have_r, 0, ub_r): the total is piecewise
  linear in the level L with 2R breakpoints; sort them, integrate the slope, find L.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.allocate.problem import (
    Allocation,
    AllocationProblem,
    Array,
    PolicyInput,
    serve_pledges,
    weight_tiers,
)
from sim.scenario import Rule


def allocate_vector(problem: AllocationProblem) -> Allocation:
    if problem.min_shipment_masks or problem.pallet_masks:
        raise ValueError("minimum shipments and pallets need the 'lp' backend")
    pledge, policy_input = serve_pledges(problem)
    policy = RULES[problem.rule](problem, policy_input)
    return Allocation(pledge, policy, policy + policy_input.pledged_masks)


def proportional(problem: AllocationProblem, p: PolicyInput) -> Array:
    one_tier = np.ones(p.upper_masks.shape, dtype=np.int64)
    return _tiered_fill(p.budget_masks, p.upper_masks, problem.share, one_tier)


def priority(problem: AllocationProblem, p: PolicyInput) -> Array:
    return _tiered_fill(p.budget_masks, p.upper_masks, problem.share, problem.tier)


def weighted(problem: AllocationProblem, p: PolicyInput) -> Array:
    # Greedy by weight is optimal for max sum w x under one budget row; ties split pro rata.
    upper = np.where(problem.weight > 0, p.upper_masks, 0.0)
    return _tiered_fill(p.budget_masks, upper, problem.share, weight_tiers(problem.weight))


def maxmin(problem: AllocationProblem, p: PolicyInput) -> Array:
    have = problem.have_masks + p.pledged_masks
    return _coverage_fill(p.budget_masks, p.upper_masks, problem.projected_need_masks, have)


RULES = {
    Rule.PROPORTIONAL: proportional,
    Rule.PRIORITY: priority,
    Rule.WEIGHTED: weighted,
    Rule.MAXMIN: maxmin,
}


def _tiered_fill(
    budget: Array, upper: Array, share: Array, tier: NDArray[np.int64]
) -> Array:
    """x = min(ub, lam_t * share) per tier t, tiers filled in ascending order."""
    upper = np.where(share > 0, upper, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(upper > 0, upper / share, 0.0)
    single = bool((tier == tier[:, :1]).all())
    # Sort by (tier, ratio): the level at which each region saturates, tier by tier.
    order = np.argsort(ratio, axis=1) if single else np.lexsort((ratio, tier), axis=1)
    u = np.take_along_axis(upper, order, axis=1)
    s = np.take_along_axis(share, order, axis=1)
    r = np.take_along_axis(ratio, order, axis=1)
    u_cum = np.cumsum(u, axis=1)
    if single:
        first = np.zeros(u.shape, dtype=np.intp)
        last = np.full(u.shape, u.shape[1] - 1, dtype=np.intp)
    else:
        t = np.take_along_axis(tier, order, axis=1)
        first, last = _segments(t)
    u_before_tier = _exclusive(u_cum, u, first)  # all earlier tiers of the row
    u_tier = np.take_along_axis(u_cum, last, axis=1) - u_before_tier
    tier_budget = np.clip(budget[:, None] - u_before_tier, 0.0, u_tier)
    # Filled within the tier if its level were this region's saturation level. The shares
    # still open are a suffix sum, taken from the right so small shares keep their digits.
    u_prior = u_cum - u - u_before_tier
    s_suffix = np.cumsum(s[:, ::-1], axis=1)[:, ::-1]
    s_after_tier = np.take_along_axis(
        np.concatenate([s_suffix[:, 1:], np.zeros((len(s), 1))], axis=1), last, axis=1)
    s_rest = s_suffix - s_after_tier
    saturated = u_prior + r * s_rest <= tier_budget
    # The tier's level: what is left after its saturated regions, over its other shares.
    u_sat = _segment_sum(np.where(saturated, u, 0.0), first, last)
    s_open = _segment_sum(np.where(saturated, 0.0, s), first, last)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(s_open > 0, (tier_budget - u_sat) / s_open, 0.0)
    x_sorted = np.where(saturated, u, np.minimum(u, np.maximum(level, 0.0) * s))
    x = np.empty_like(x_sorted)
    np.put_along_axis(x, order, x_sorted, axis=1)
    return x


def _coverage_fill(budget: Array, upper: Array, need: Array, have: Array) -> Array:
    """x = clip(L * need - have, 0, ub) with sum x = min(S, sum ub): the max-min level L."""
    eligible = (need > 0) & (upper > 0)
    upper = np.where(eligible, upper, 0.0)
    a = np.where(eligible, need, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(eligible, have / need, 0.0)
        hi = np.where(eligible, (have + upper) / need, 0.0)
    target = np.minimum(budget, upper.sum(axis=1))
    # Breakpoints of the total: each region opens at lo (slope +a) and closes at hi (-a).
    level = np.concatenate([lo, hi], axis=1)
    slope_step = np.concatenate([a, -a], axis=1)
    order = np.argsort(level, axis=1)
    level = np.take_along_axis(level, order, axis=1)
    slope = np.cumsum(np.take_along_axis(slope_step, order, axis=1), axis=1)
    filled = np.zeros_like(level)
    np.cumsum(slope[:, :-1] * np.diff(level, axis=1), axis=1, out=filled[:, 1:])
    k = np.clip((filled < target[:, None]).sum(axis=1) - 1, 0, level.shape[1] - 1)
    k = k[:, None]
    base = np.take_along_axis(level, k, axis=1)[:, 0]
    rate = np.take_along_axis(slope, k, axis=1)[:, 0]
    done = np.take_along_axis(filled, k, axis=1)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        star = np.where(rate > 0, base + (target - done) / rate, base)
    x = np.clip(star[:, None] * a - have, 0.0, upper)
    all_in = target >= upper.sum(axis=1)
    return np.where(all_in[:, None], upper, np.where(target[:, None] > 0, x, 0.0))


def _segments(
    tier_sorted: NDArray[np.int64],
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
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


def _exclusive(cum: Array, values: Array, first: NDArray[np.intp]) -> Array:
    """Row sum of ``values`` before each element's tier starts."""
    return np.take_along_axis(cum - values, first, axis=1)


def _segment_sum(values: Array, first: NDArray[np.intp], last: NDArray[np.intp]) -> Array:
    cum = np.cumsum(values, axis=1)
    return np.take_along_axis(cum, last, axis=1) - _exclusive(cum, values, first)
