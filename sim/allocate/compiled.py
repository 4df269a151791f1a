"""The compiled backend: the vector backend's answers from one fused numba kernel a row.

numpy stops near 1 M allocations/s because every step of a fill is another pass over the
(B, R) arrays (about 40 a row). Here each row is done start to finish while it is in cache:
pledges, bounds, the rule's fill and the outputs, with no sort. Every fill is a level L with
x_r = clip(L * a_r - h_r, 0, ub_r) and sum x = S (``problem`` module: proportional a = share,
h = 0; weighted a = share * weight; maxmin a = need, h = have + pledged; priority one tier at a
time), found by variable fixing (Bitran-Hax, Kiwiel 2008): solve for L with every region
free, fix the regions that overshoot their bound (or undershoot 0) at that bound, repeat.
The fixed set only grows, so it ends in at most R passes; on the benchmark's rows 2 to 4.

Masks are 0.0/1.0 factors rather than branches, so the loops have no branch to mispredict;
``x * 1.0`` and ``x + 0.0`` are exact, so the answer equals the branchy one bit for bit. No
fastmath: reassociated sums would vectorize, but their rounding would then depend on the
CPU's vector width, and the same scenario must give the same bytes on every machine.
``cache=True`` keeps the machine code in ``__pycache__``: the first call of a fresh checkout
compiles (seconds), later processes load it.
"""

from __future__ import annotations

import time

import numba
import numpy as np
from numpy.typing import NDArray

from sim.allocate.problem import Allocation, AllocationProblem, Array, pledge_groups
from sim.scenario.enums import Rule

# Rule codes inside the kernel (numba takes no enums of str).
PROPORTIONAL, PRIORITY, WEIGHTED, MAXMIN = 0, 1, 2, 3
CODES = {Rule.PROPORTIONAL: PROPORTIONAL, Rule.PRIORITY: PRIORITY, Rule.WEIGHTED: WEIGHTED,
          Rule.MAXMIN: MAXMIN}
# Below this many rows a thread launch costs more than the rows (see benchmarks/bench_core.py).
PARALLEL_MIN_ROWS = 512
CHUNKS_PER_THREAD = 4  # uneven rows (passes per fill differ) balance over a few chunks


def allocate_compiled(problem: AllocationProblem) -> Allocation:
    """Pledges, then the rule, each row in one compiled pass; rows on all of numba's threads
    while that is measured to pay (``THREADS``). The answer is the same either way."""
    n_rows = problem.shape[0]
    if n_rows < PARALLEL_MIN_ROWS or numba.get_num_threads() < 2:
        return allocate_rows(problem, parallel=False)
    parallel = THREADS.choose()
    start = time.perf_counter()
    out = allocate_rows(problem, parallel=parallel)
    THREADS.record(parallel, (time.perf_counter() - start) / problem.have_units.size)
    return out


class ThreadPolicy:
    """Threads pay only while every thread gets a core: when another process keeps a core
    busy, each parallel call waits at its closing barrier for a thread the scheduler has
    put off, and 2 threads ran at 1.25 M allocations/s against 3 M on one (R = 50). So the
    time per element of each mode is kept (a moving average) and the faster one is used;
    every ``PROBE_EVERY``-th large call tries the other, so a change of load is noticed.
    Each mode's first call is not counted: it may compile or load the kernel, or start the
    threads."""

    PROBE_EVERY = 16
    WEIGHT = 0.25  # of the newest call in the moving average

    def __init__(self) -> None:
        self.seconds: dict[bool, float | None] = {True: None, False: None}
        self.warm: set[bool] = set()
        self.calls = 0

    def choose(self) -> bool:
        self.calls += 1
        parallel, serial = self.seconds[True], self.seconds[False]
        if parallel is None or serial is None:
            return parallel is None
        faster = parallel <= serial
        return not faster if self.calls % self.PROBE_EVERY == 0 else faster

    def record(self, parallel: bool, seconds_per_element: float) -> None:
        if parallel not in self.warm:
            self.warm.add(parallel)
            return
        old = self.seconds[parallel]
        self.seconds[parallel] = (seconds_per_element if old is None else
                                  old + self.WEIGHT * (seconds_per_element - old))


THREADS = ThreadPolicy()


def allocate_rows(problem: AllocationProblem, *, parallel: bool) -> Allocation:
    """The kernel on every row, on numba's threads or on this one."""
    if problem.min_shipment_units or problem.pallet_units:
        raise ValueError("minimum shipments and pallets need the 'lp' backend")
    n_rows, n_cols = problem.shape
    f8 = np.float64
    # One memory layout and dtype each, so the kernel is compiled (and cached) once.
    args = (
        CODES[problem.rule],
        np.ascontiguousarray(problem.budget_units, dtype=f8),
        np.ascontiguousarray(problem.policy_on, dtype=np.bool_),
        np.ascontiguousarray(problem.pledge_due_units, dtype=f8),
        np.ascontiguousarray(problem.pledge_region, dtype=np.int64),
        group_starts(problem.pledge_due_index, len(problem.pledge_region)),
        np.ascontiguousarray(problem.projected_need_units, dtype=f8),
        np.ascontiguousarray(problem.have_units, dtype=f8),
        np.ascontiguousarray(problem.cap_units, dtype=f8),
        np.ascontiguousarray(problem.share, dtype=f8),
        np.ascontiguousarray(problem.tier, dtype=np.int64),
        np.ascontiguousarray(problem.weight, dtype=f8),
    )
    pledge = np.empty((n_rows, args[3].shape[1]))
    policy = np.empty((n_rows, n_cols))
    shipped = np.empty((n_rows, n_cols))
    if parallel:
        chunk = max(1, -(-n_rows // (numba.get_num_threads() * CHUNKS_PER_THREAD)))
        _rows_parallel(chunk, *args, pledge, policy, shipped)
    else:
        rows_kernel(0, n_rows, *args, pledge, policy, shipped)
    return Allocation(pledge, policy, shipped)


def group_starts(due_index: NDArray[np.intp] | None, n_pledges: int) -> NDArray[np.int64]:
    """The pledge groups' edges (``pledge_groups``): group g is [starts[g], starts[g + 1])."""
    edges = [lo for lo, _ in pledge_groups(due_index, n_pledges)] + [n_pledges]
    return np.array(edges if len(edges) > 1 else [0], dtype=np.int64)


@numba.njit(cache=True, parallel=True)
def _rows_parallel(chunk: int, rule: int, budget: Array, policy_on: NDArray[np.bool_],
                   due: Array, region: NDArray[np.int64], groups: NDArray[np.int64],
                   need: Array, have: Array,
                   cap: Array, share: Array, tier: NDArray[np.int64], weight: Array,
                   pledge: Array, policy: Array, shipped: Array) -> None:
    n_rows = budget.shape[0]
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        lo = c * chunk
        rows_kernel(lo, min(lo + chunk, n_rows), rule, budget, policy_on, due, region,
                    groups, need, have, cap, share, tier, weight, pledge, policy, shipped)


@numba.njit(cache=True)
def rows_kernel(lo: int, hi: int, rule: int, budget: Array, policy_on: NDArray[np.bool_],
                due: Array, region: NDArray[np.int64], groups: NDArray[np.int64],
                need: Array, have: Array, cap: Array, share: Array,
                tier: NDArray[np.int64], weight: Array,
                pledge: Array, policy: Array, shipped: Array) -> None:
    """Rows lo..hi, with scratch rows allocated once for the lot."""
    n_cols = need.shape[1]
    n_pledges = due.shape[1]
    ub = np.empty(n_cols)  # the bound, 0 where the rule gives nothing
    a = np.empty(n_cols)  # the slope: share, share * weight or need
    h = np.empty(n_cols)  # the offset: have + pledged (maxmin)
    free = np.empty(n_cols)  # 1.0 while a region is free, 0.0 once fixed
    fixed = np.empty(n_cols)  # the value a fixed region keeps
    x = np.empty(n_cols)
    room = np.empty(n_cols)  # what a region may still absorb
    want = np.empty(n_cols)
    taken = np.empty(n_cols)
    for b in range(lo, hi):
        # Pledges first, oldest first (sim.allocate.problem.serve_pledges, step for step);
        # shipped holds them by region.
        left = budget[b]
        for r in range(n_cols):
            shipped[b, r] = 0.0
            room[r] = cap[b, r]
        for p in range(n_pledges):
            pledge[b, p] = 0.0
        for g in range(groups.shape[0] - 1):
            g_lo, g_hi = groups[g], groups[g + 1]
            # A group with nothing due changes nothing (it adds 0.0 everywhere): skipped,
            # since most groups of a long run were paid long ago.
            owed = False
            for p in range(g_lo, g_hi):
                owed = owed or due[b, p] != 0.0
            if not owed:
                continue
            for r in range(n_cols):
                want[r] = 0.0
                taken[r] = 0.0
            for p in range(g_lo, g_hi):
                want[region[p]] += due[b, p]
            total = 0.0
            for p in range(g_lo, g_hi):
                r = region[p]
                v = due[b, p] * (room[r] / want[r] if want[r] > room[r] else 1.0)
                pledge[b, p] = v
                total += v
            cut = total > left
            scale = left / total if cut else 1.0
            for p in range(g_lo, g_hi):
                v = pledge[b, p] * scale
                pledge[b, p] = v
                taken[region[p]] += v
            for r in range(n_cols):
                shipped[b, r] += taken[r]
                room[r] = max(room[r] - taken[r], 0.0)
            # When pledges take it all, nothing is left: not the 1e-16 a subtraction leaves.
            left = 0.0 if cut else left - total
        if not policy_on[b]:
            left = 0.0
        total = 0.0
        for r in range(n_cols):
            pledged = shipped[b, r]
            gap = max(need[b, r] - have[b, r] - pledged, 0.0)
            bound = min(gap, room[r])
            if rule == MAXMIN:
                slope = need[b, r]
            elif rule == WEIGHTED:
                slope = share[b, r] * weight[b, r]
            else:
                slope = share[b, r]
            ub[r] = bound if slope > 0.0 else 0.0
            a[r] = slope
            h[r] = have[b, r] + pledged
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
            _tiered_fill(ub, a, tier[b], left, free, fixed, x)
        else:
            _proportional_fill(ub, a, left, free, x)
        for r in range(n_cols):
            policy[b, r] = x[r]
            shipped[b, r] += x[r]


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
def _tiered_fill(ub: Array, a: Array, tier: NDArray[np.int64], budget: float, free: Array,
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
