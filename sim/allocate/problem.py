"""The allocation problem of one shipment day, batched over B scenarios: arrays shaped (B, R).

Units: masks. The allocator first serves the pledges that are due (pro rata when the budget
cannot cover them all), then spreads what is left over the regions by the rule. Each rule has
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

from sim.scenario.models import Rule

Array = NDArray[np.float64]


@dataclass(frozen=True)
class AllocationProblem:
    """One shipment day of B scenarios over R regions and P pledge instances.

    ``have_masks`` is stock plus in transit before this shipment; ``cap_masks`` is the
    absorption cap per shipment (``inf`` where none). ``tier`` matters for ``priority``,
    ``weight`` for ``weighted``, ``share`` for the proportional splits.
    """

    rule: Rule
    budget_masks: Array  # (B,) offered today, cargo cap already applied
    policy_on: NDArray[np.bool_]  # (B,) False: pledges only, nothing spread by the rule
    pledge_due_masks: Array  # (B, P) outstanding, arrears included
    pledge_region: NDArray[np.intp]  # (P,) region index of each pledge instance
    projected_need_masks: Array  # (B, R) need over the planning horizon
    have_masks: Array  # (B, R)
    cap_masks: Array  # (B, R)
    share: Array  # (B, R) >= 0
    tier: NDArray[np.int64]  # (B, R) 1 = first
    weight: Array  # (B, R) >= 0
    min_shipment_masks: float | None = None  # LP backend only (MIP)
    pallet_masks: float | None = None  # LP backend only (MIP)
    mip_time_limit_seconds: float = 10.0  # LP backend only: the MIP's time for one row

    @property
    def shape(self) -> tuple[int, int]:
        b, r = self.have_masks.shape
        return b, r


@dataclass(frozen=True)
class Allocation:
    pledge_masks: Array  # (B, P) shipped against each pledge instance
    policy_masks: Array  # (B, R) spread by the rule
    shipped_masks: Array  # (B, R) pledges and policy together


@dataclass(frozen=True)
class PolicyInput:
    """What the rule sees once pledges are served."""

    budget_masks: Array  # (B,) S
    upper_masks: Array  # (B, R) ub
    pledged_masks: Array  # (B, R) pledges shipped today, by region


def serve_pledges(problem: AllocationProblem) -> tuple[Array, PolicyInput]:
    """Pledges first, pro rata when the budget falls short; the rest is the rule's to spread."""
    due = problem.pledge_due_masks
    total_due = due.sum(axis=1)
    budget = problem.budget_masks
    short = total_due > budget
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        served_share = np.where(short, budget / total_due, 1.0)
    pledge = due * served_share[:, None]
    b, r = problem.shape
    # By region, adding the instances in their own order: a matrix product sums in an
    # order that depends on the batch's size (BLAS kernels), so a row's last bits would
    # depend on the rows beside it; same scenario and seed must give the same bytes.
    pledged = np.zeros((b, r))
    for p, region in enumerate(problem.pledge_region.tolist()):
        pledged[:, region] += pledge[:, p]
    # When pledges take it all, nothing is left: not the 1e-16 a subtraction would leave.
    left = np.where(problem.policy_on & ~short, budget - total_due, 0.0)
    gap = np.maximum(problem.projected_need_masks - problem.have_masks - pledged, 0.0)
    upper = np.minimum(gap, np.maximum(problem.cap_masks - pledged, 0.0))
    return pledge, PolicyInput(left, upper, pledged)


Allocator = Callable[[AllocationProblem], Allocation]
