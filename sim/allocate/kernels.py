"""The allocation rules of one row, compiled: pledges oldest first, then the rule's fill.

These are the one compiled definition of a shipment day's allocation. The compiled backend
(``sim.allocate.compiled``) runs them over the rows of an ``AllocationProblem``; the engine's
compiled day (``sim.engine.steps``) calls the same functions on each channel row of a
scenario (and ``pay_pledges`` alone for pooled giving, whose joint spread is a row of
``spread``). ``problem.serve_pledges`` and the ``vector`` and ``lp`` backends are the
independent references they are tested against.

Every fill is a level L with x_r = clip(L * a_r - h_r, 0, ub_r) and sum x = S
(``sim.allocate.problem``: proportional a = share, h = 0; weighted a = share * weight;
maxmin a = need, h = have + pledged; priority one tier at a time), found by variable fixing
(Bitran-Hax, Kiwiel 2008): solve for L with every region free, fix the regions that
overshoot their bound (or undershoot 0) at that bound, repeat. The fixed set only grows, so
it ends in at most R passes.

Masks are 0.0/1.0 factors rather than branches, so the loops have no branch to mispredict;
``x * 1.0`` and ``x + 0.0`` are exact, so the answer equals the branchy one bit for bit. No
fastmath: reassociated sums would vectorize, but their rounding would then depend on the
CPU's vector width, and the same scenario must give the same bytes on every machine.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)
from sim.scenario.enums import Rule

Array = NDArray[np.float64]
Ints = NDArray[np.int64]

# Rule codes inside compiled code (numba takes no enums of str).
PROPORTIONAL, PRIORITY, WEIGHTED, MAXMIN = 0, 1, 2, 3
CODES = {Rule.PROPORTIONAL: PROPORTIONAL, Rule.PRIORITY: PRIORITY, Rule.WEIGHTED: WEIGHTED,
         Rule.MAXMIN: MAXMIN}


@numba.njit(cache=True)
def pay_pledges(budget: float, due: Array, instances: Ints, lo: int, hi: int, group: Ints,
                region: Ints, room: Array, pledge: Array, pledged: Array, want: Array,
                taken: Array) -> float:
    """Pledges first, oldest first, over ``instances[lo:hi]`` (in order; a run of equal
    ``group`` keys fell due together): each group is cut to what its regions may still
    absorb (``room``, pro rata within a region), then pro rata to what is left of the budget.
    Writes ``pledge[p]`` of each instance, adds to ``pledged`` (by region) and lowers
    ``room``; returns the budget left. ``want`` and ``taken``: scratch of R."""
    left = budget
    n_cols = room.shape[0]
    j = lo
    while j < hi:
        g_lo = j
        key = group[instances[j]]
        owed = False
        while j < hi and group[instances[j]] == key:
            p = instances[j]
            pledge[p] = 0.0
            owed = owed or due[p] != 0.0
            j += 1
        # A group with nothing due changes nothing (it adds 0.0 everywhere): skipped, since
        # most groups of a long run were paid long ago.
        if not owed:
            continue
        for r in range(n_cols):
            want[r] = 0.0
            taken[r] = 0.0
        for q in range(g_lo, j):
            p = instances[q]
            want[region[p]] += due[p]
        total = 0.0
        for q in range(g_lo, j):
            p = instances[q]
            r = region[p]
            v = due[p] * (room[r] / want[r] if want[r] > room[r] else 1.0)
            pledge[p] = v
            total += v
        cut = total > left
        scale = left / total if cut else 1.0
        for q in range(g_lo, j):
            p = instances[q]
            v = pledge[p] * scale
            pledge[p] = v
            taken[region[p]] += v
        for r in range(n_cols):
            pledged[r] += taken[r]
            room[r] = max(room[r] - taken[r], 0.0)
        # When pledges take it all, nothing is left: not the 1e-16 a subtraction leaves.
        left = 0.0 if cut else left - total
    return left


@numba.njit(cache=True)
def spread(rule: int, left: float, need: Array, have: Array, room: Array, share: Array,
           tier: Ints, weight: Array, pledged: Array, x: Array, scratch: Array) -> None:
    """The rule's part: x_r within ub_r = min(gap_r, room_r), gap = need - have - pledged
    clipped at 0, summing to min(left, sum ub). ``scratch``: (5, R)."""
    n_cols = need.shape[0]
    ub, a, h, free, fixed = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    total = 0.0
    for r in range(n_cols):
        gap = max(need[r] - have[r] - pledged[r], 0.0)
        bound = min(gap, room[r])
        if rule == MAXMIN:
            slope = need[r]
        elif rule == WEIGHTED:
            slope = share[r] * weight[r]
        else:
            slope = share[r]
        ub[r] = bound if slope > 0.0 else 0.0
        a[r] = slope
        h[r] = have[r] + pledged[r]
        total += ub[r]
    if left >= total:  # the budget covers every bound, whatever the rule
        for r in range(n_cols):
            x[r] = ub[r]
    elif left <= 0.0:
        for r in range(n_cols):
            x[r] = 0.0
    elif rule == MAXMIN:
        _coverage_fill(ub, a, h, left, free, fixed, x)
    elif rule == PRIORITY:
        _tiered_fill(ub, a, tier, left, free, fixed, x)
    else:
        _proportional_fill(ub, a, left, free, x)


@numba.njit(cache=True, inline="always")  # in the row loops of its callers
def allocate_row(rule: int, budget: float, on: bool, due: Array, instances: Ints, lo: int,
                 hi: int, group: Ints, region: Ints, cap: Array, need: Array, have: Array,
                 share: Array, tier: Ints, weight: Array, pledge: Array, shipped: Array,
                 policy: Array, room: Array, want: Array, taken: Array,
                 scratch: Array) -> None:
    """One row, start to finish: the pledges of ``instances[lo:hi]`` oldest first within the
    regions' caps, then (when the rule is on) the rule's spread of the budget left;
    ``shipped`` is both, ``policy`` the rule's part. ``room``, ``want``, ``taken``: scratch of
    R; ``scratch``: (5, R). The compiled allocator and the compiled day both call it."""
    n_cols = need.shape[0]
    for r in range(n_cols):
        room[r] = cap[r]
        shipped[r] = 0.0  # pledges by region first
    left = pay_pledges(budget, due, instances, lo, hi, group, region, room, pledge, shipped,
                       want, taken)
    if not on:
        left = 0.0
    spread(rule, left, need, have, room, share, tier, weight, shipped, policy, scratch)
    for r in range(n_cols):
        shipped[r] += policy[r]


@numba.njit(cache=True, inline="always")
def _one(condition: bool) -> float:
    """1.0 or 0.0: a mask to multiply by (a select, not a branch, once compiled)."""
    return 1.0 if condition else 0.0


@numba.njit(cache=True)
def _proportional_fill(ub: Array, a: Array, budget: float, free: Array, x: Array) -> None:
    """x = min(ub, L * a) with sum x = budget < sum ub. L only rises as regions are fixed at
    their bound (what they leave is at least L times their share), so no lower bound binds
    and one fused loop a pass both fixes and sums the shares still free."""
    n = ub.shape[0]
    a_free = 0.0
    for r in range(n):
        free[r] = _one(ub[r] > 0.0)
        a_free += free[r] * a[r]
    ub_fixed = 0.0
    level = 0.0
    while True:
        level = max((budget - ub_fixed) / a_free, 0.0) if a_free > 0.0 else 0.0
        n_fixed = 0.0
        a_next = 0.0
        for r in range(n):
            m = free[r] * _one(ub[r] <= level * a[r])
            ub_fixed += m * ub[r]
            n_fixed += m
            free[r] -= m
            a_next += free[r] * a[r]
        a_free = a_next
        if n_fixed == 0.0:
            break
    for r in range(n):
        x[r] = free[r] * min(ub[r], level * a[r]) + (1.0 - free[r]) * ub[r]


@numba.njit(cache=True)
def _tiered_fill(ub: Array, a: Array, tier: Ints, budget: float, free: Array,
                 part: Array, x: Array) -> None:
    """Tiers in ascending order, each given its bounds while the budget lasts; the first tier
    it cannot cover (the cut) is split proportionally and later tiers get nothing. One loop
    a tier finds the next tier number and its total together, with no sort."""
    n = ub.shape[0]
    left = budget
    below = np.iinfo(np.int64).min  # every tier <= below is covered
    cut = np.iinfo(np.int64).max
    while True:
        nxt = np.iinfo(np.int64).max
        tier_total = 0.0
        for r in range(n):
            t = tier[r]
            if ub[r] > 0.0 and t > below:
                if t < nxt:
                    nxt, tier_total = t, ub[r]
                elif t == nxt:
                    tier_total += ub[r]
        if tier_total == 0.0 or left < tier_total:
            cut = nxt
            break
        left -= tier_total
        below = nxt
    for r in range(n):
        part[r] = ub[r] * _one(tier[r] == cut)
    _proportional_fill(part, a, left, free, x)
    for r in range(n):
        x[r] = _one(tier[r] < cut) * ub[r] + _one(tier[r] == cut) * x[r]


@numba.njit(cache=True)
def _coverage_fill(ub: Array, a: Array, h: Array, budget: float, free: Array, fixed: Array,
                   x: Array) -> None:
    """x = clip(L * need - have, 0, ub) with sum x = budget < sum ub: the max-min level L.
    Kiwiel's rule: with L solved over the free regions, compare the total undershoot below 0
    and overshoot above the bounds; the larger side is at its bound at the optimum too (the
    true L lies on the other side of this one), so fix it; equal sides mean L is the answer."""
    n = ub.shape[0]
    a_free = 0.0
    h_free = 0.0
    fixed_sum = 0.0
    for r in range(n):
        free[r] = _one(ub[r] > 0.0)
        fixed[r] = 0.0
        a_free += free[r] * a[r]
        h_free += free[r] * h[r]
    level = 0.0
    for _ in range(n + 1):  # each pass fixes at least one region or ends
        if a_free <= 0.0:
            break
        level = (budget - fixed_sum + h_free) / a_free
        under = 0.0
        over = 0.0
        for r in range(n):
            v = level * a[r] - h[r]
            under += free[r] * max(-v, 0.0)
            over += free[r] * max(v - ub[r], 0.0)
        if under == over:
            break
        a_free = 0.0
        h_free = 0.0
        for r in range(n):
            v = level * a[r] - h[r]
            m = free[r] * _one(v > ub[r] if over > under else v < 0.0)
            fixed[r] += m * ub[r] * _one(over > under)
            fixed_sum += m * ub[r] * _one(over > under)
            free[r] -= m
            a_free += free[r] * a[r]
            h_free += free[r] * h[r]
    for r in range(n):
        v = min(max(level * a[r] - h[r], 0.0), ub[r])
        x[r] = free[r] * v + (1.0 - free[r]) * fixed[r]
