"""The allocation problem of one shipment day, batched over B scenarios: arrays shaped (B, R).

Units: masks. The allocator first serves the pledges that are due, oldest first (those that
fell due together pro rata when the budget cannot cover them all, and never more to a region
than its absorption cap: the rest waits for the next dispatch), then spreads what is left
over the regions by the rule. Each rule has
one unique answer, so every backend must return the same allocation:

* ``proportional`` - x_r = min(ub_r, lam * share_r), lam such that sum x = min(S, sum ub)
  (regions with share 0 get nothing);
* ``maxmin`` - lexicographic max-min of coverage (have_r + pledged_r + x_r) / need_r:
  water-filling from the worst-covered region up, each within its bound;
* ``priority`` - tiers in ascending order, each filled before the next; proportional within;
* ``weighted`` - weighted proportional: x_r = min(ub_r, lam * w_r * share_r), lam such that
  sum x = min(S, sum ub); a weight of 2 gets twice the masks per unit of share of a weight
  of 1, and a region of weight 0 gets nothing.

In every rule that splits by share (all but ``maxmin``), a region of share 0 gets nothing.

Here S is the budget left after pledges, ub_r = min(gap_r, cap_r - pledged_r) clipped at 0,
and gap_r = projected need - (stock + in transit + pledged) clipped at 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.scenario.enums import Rule

Array = NDArray[np.float64]


@dataclass(frozen=True)
class AllocationProblem:
    """One shipment day of B scenarios over R regions and P pledge instances.

    ``have_units`` is stock plus in transit before this shipment; ``cap_units`` is the
    absorption cap per shipment (``inf`` where none). ``tier`` matters for ``priority``,
    ``weight`` for ``weighted``, ``share`` for the proportional splits.
    """

    rule: Rule
    budget_units: Array  # (B,) offered today, cargo cap already applied
    policy_on: NDArray[np.bool_]  # (B,) False: pledges only, nothing spread by the rule
    pledge_due_units: Array  # (B, P) outstanding, arrears included
    pledge_region: NDArray[np.intp]  # (P,) region index of each pledge instance
    projected_need_units: Array  # (B, R) need over the planning horizon
    have_units: Array  # (B, R)
    cap_units: Array  # (B, R)
    share: Array  # (B, R) >= 0
    tier: NDArray[np.int64]  # (B, R) 1 = first
    weight: Array  # (B, R) >= 0
    min_shipment_units: float | None = None  # LP backend only (MIP)
    pallet_units: float | None = None  # LP backend only (MIP)
    mip_time_limit_seconds: float = 10.0  # LP backend only: the MIP's time for one row
    # (P,) non-decreasing: the dispatch at which each instance fell due; lower is older and
    # served first. None: all fell due together.
    pledge_due_index: NDArray[np.intp] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        b, r = self.have_units.shape
        return b, r


@dataclass(frozen=True)
class Allocation:
    pledge_units: Array  # (B, P) shipped against each pledge instance
    policy_units: Array  # (B, R) spread by the rule
    shipped_units: Array  # (B, R) pledges and policy together


@dataclass(frozen=True)
class PolicyInput:
    """What the rule sees once pledges are served."""

    budget_units: Array  # (B,) S
    upper_units: Array  # (B, R) ub
    pledged_units: Array  # (B, R) pledges shipped today, by region


def _live_groups(problem: AllocationProblem) -> list[list[int]]:
    """The instances some row still has due, group by group (the instances that fell due
    at one dispatch), oldest group first: a long run has many groups, nearly all paid,
    and those are not looked at."""
    live = np.flatnonzero(problem.pledge_due_units.any(axis=0)).tolist()
    order = problem.pledge_due_index
    if not live or order is None:
        return [live] if live else []
    due_at = order.tolist()
    groups: dict[int, list[int]] = {}  # a group: the instances that fell due together
    for p in live:  # ascending, and due_at does not decrease: groups come oldest first
        groups.setdefault(due_at[p], []).append(p)
    return list(groups.values())


def serve_pledges(problem: AllocationProblem) -> tuple[Array, PolicyInput]:
    """Pledges first, oldest first: each group of instances that fell due together is cut to
    what its regions may still absorb (pro rata within a region), then pro rata to what is
    left of the budget; the rest is the rule's to spread."""
    due = problem.pledge_due_units
    regions = problem.pledge_region.tolist()
    b, r = problem.shape
    pledge = np.zeros_like(due)
    pledged = np.zeros((b, r))
    budget_left = np.asarray(problem.budget_units, dtype=np.float64).copy()
    room = np.asarray(problem.cap_units, dtype=np.float64).copy()  # what a region may absorb
    # Instances are added one by one in their own order, never by a matrix product: BLAS sums
    # in an order that depends on the batch's size, so a row's last bits would depend on the
    # rows beside it; same scenario and seed must give the same bytes.
    for cols in _live_groups(problem):
        want = np.zeros((b, r))
        for p in cols:
            want[:, regions[p]] += due[:, p]
        # Divided only where it fits less than all (there want > room >= 0: no 0 / 0).
        fit = np.divide(room, want, out=np.ones_like(want), where=want > room)
        request = {p: due[:, p] * fit[:, regions[p]] for p in cols}
        total = np.zeros(b)
        for p in cols:
            total += request[p]
        cut = total > budget_left
        scale = np.divide(budget_left, total, out=np.ones_like(total), where=cut)  # total > 0
        taken = np.zeros((b, r))
        for p in cols:
            pledge[:, p] = request[p] * scale
            taken[:, regions[p]] += pledge[:, p]
        pledged += taken
        room = np.maximum(room - taken, 0.0)
        # When pledges take it all, nothing is left: not the 1e-16 a subtraction would leave.
        budget_left = np.where(cut, 0.0, budget_left - total)
    left = np.where(problem.policy_on, budget_left, 0.0)
    gap = np.maximum(problem.projected_need_units - problem.have_units - pledged, 0.0)
    upper = np.minimum(gap, room)
    return pledge, PolicyInput(left, upper, pledged)


Allocator = Callable[[AllocationProblem], Allocation]
