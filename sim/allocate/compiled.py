"""The compiled backend: the rules of ``sim.allocate.problem`` row by row in numba.

Each row is done start to finish while it is in cache: pledges (``kernels.pay_pledges``),
bounds and the rule's fill (``kernels.spread``), with no sort; numpy's ``vector`` backend makes
a pass over the (B, R) arrays for every step of a fill instead. The row functions are the ones
the engine's compiled day calls (``sim.engine.steps``), so a run with this backend allocates
inside the compiled pass and never comes back to Python on a shipment day.

``cache=True`` keeps the machine code in ``__pycache__``: the first call of a fresh checkout
compiles (seconds), later processes load it.
"""

from __future__ import annotations

import time

import numba
import numpy as np
from numpy.typing import NDArray

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)
from sim.allocate.kernels import CODES, allocate_row
from sim.allocate.launch import ThreadPolicy, launch
from sim.allocate.problem import Allocation, AllocationProblem, Array

# Below this many rows a thread launch costs more than the rows (benchmarks/bench_core.py).
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


THREADS = ThreadPolicy()


def allocate_rows(problem: AllocationProblem, *, parallel: bool) -> Allocation:
    """The row functions on every row, on numba's threads or on this one."""
    if problem.min_shipment_units or problem.pallet_units:
        raise ValueError("minimum shipments and pallets need the 'lp' backend")
    n_rows, n_cols = problem.shape
    n_pledges = len(problem.pledge_region)
    f8 = np.float64
    due_index = problem.pledge_due_index
    # One memory layout and dtype each, so the kernel is compiled (and cached) once.
    args = (
        CODES[problem.rule],
        np.ascontiguousarray(problem.budget_units, dtype=f8),
        np.ascontiguousarray(problem.policy_on, dtype=np.bool_),
        np.ascontiguousarray(problem.pledge_due_units, dtype=f8).reshape(n_rows, n_pledges),
        np.ascontiguousarray(problem.pledge_region, dtype=np.int64),
        (np.zeros(n_pledges, dtype=np.int64) if due_index is None
         else np.ascontiguousarray(due_index, dtype=np.int64)),
        np.ascontiguousarray(problem.projected_need_units, dtype=f8),
        np.ascontiguousarray(problem.have_units, dtype=f8),
        np.ascontiguousarray(problem.cap_units, dtype=f8),
        np.ascontiguousarray(problem.share, dtype=f8),
        np.ascontiguousarray(problem.tier, dtype=np.int64),
        np.ascontiguousarray(problem.weight, dtype=f8),
    )
    pledge = np.zeros((n_rows, n_pledges))
    policy = np.empty((n_rows, n_cols))
    shipped = np.empty((n_rows, n_cols))
    if parallel:
        chunk = max(1, -(-n_rows // (numba.get_num_threads() * CHUNKS_PER_THREAD)))
        launch(_rows_parallel, chunk, *args, pledge, policy, shipped)
    else:
        rows_kernel(0, n_rows, *args, pledge, policy, shipped)
    return Allocation(pledge, policy, shipped)


@numba.njit(cache=True, parallel=True)
def _rows_parallel(chunk: int, rule: int, budget: Array, policy_on: NDArray[np.bool_],
                   due: Array, region: NDArray[np.int64], group: NDArray[np.int64],
                   need: Array, have: Array, cap: Array, share: Array,
                   tier: NDArray[np.int64], weight: Array,
                   pledge: Array, policy: Array, shipped: Array) -> None:
    n_rows = budget.shape[0]
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        lo = c * chunk
        rows_kernel(lo, min(lo + chunk, n_rows), rule, budget, policy_on, due, region,
                    group, need, have, cap, share, tier, weight, pledge, policy, shipped)


@numba.njit(cache=True)
def rows_kernel(lo: int, hi: int, rule: int, budget: Array, policy_on: NDArray[np.bool_],
                due: Array, region: NDArray[np.int64], group: NDArray[np.int64],
                need: Array, have: Array, cap: Array, share: Array,
                tier: NDArray[np.int64], weight: Array,
                pledge: Array, policy: Array, shipped: Array) -> None:
    """Rows lo..hi (``pledge`` zeroed by the caller), with scratch allocated once for the
    lot: every pledge instance, in order, grouped by the dispatch it fell due at."""
    n_cols = need.shape[1]
    instances = np.arange(due.shape[1])
    room = np.empty(n_cols)  # what a region may still absorb
    want, taken = np.empty(n_cols), np.empty(n_cols)
    scratch = np.empty((5, n_cols))
    for b in range(lo, hi):
        allocate_row(rule, budget[b], policy_on[b], due[b], instances, 0, instances.shape[0],
                     group, region, cap[b], need[b], have[b], share[b], tier[b], weight[b],
                     pledge[b], shipped[b], policy[b], room, want, taken, scratch)
