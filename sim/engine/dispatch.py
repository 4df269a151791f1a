"""A shipment day's problem handed to a Python allocator (``vector``, ``lp``) and its answer
taken back: the compiled day stops after ``steps.offer``, this reads the problem from the
frame's arrays (copies: an allocator may keep its problems), calls the allocator, and writes
the answer where ``steps.ship`` reads it.

Independent giving hands over every channel row (one call per rule when donors spread by
different rules); pooled giving hands over the joint problem of each good (its donors'
pledges are already paid, by the compiled day), and ``steps.ship`` splits the answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.allocate import allocator
from sim.allocate.kernels import CODES
from sim.allocate.problem import Allocation, AllocationProblem, Allocator
from sim.engine.frame import Frame
from sim.engine.plan import Plan, per_row
from sim.scenario.enums import Backend

RULES = {code: rule for rule, code in CODES.items()}
_PER_ROW_PROBLEM = ("budget_units", "policy_on", "pledge_due_units", "projected_need_units",
                    "have_units", "cap_units", "share", "tier", "weight")


def python_allocator(plan: Plan, backend: Backend | str | Allocator) -> Allocator | None:
    """The allocator a run hands its problems to from Python, or None when the compiled day
    allocates itself (the ``compiled`` backend). A backend is named; a function (an
    allocator of one's own, a test's recorder) is used as it is."""
    if callable(backend) and not isinstance(backend, str):
        return backend
    if Backend(backend) is Backend.COMPILED:
        if plan.min_shipment_units or plan.pallet_units:
            raise ValueError("minimum shipments and pallets need the 'lp' backend")
        return None
    return allocator(Backend(backend))


def allocate_in_python(frame: Frame, k: int, allocate: Allocator) -> None:
    """Step 4b on dispatch k by a Python allocator."""
    if frame.plan.pooled:
        _pooled(frame, k, allocate)
    else:
        _independent(frame, k, allocate)


def _rows(values: NDArray[Any], n: int, shape: tuple[int, ...]) -> NDArray[Any]:
    """A plan array seen with one row a channel row (a view where it can be)."""
    rows = per_row(values, n)
    return rows if rows.shape == shape else np.broadcast_to(rows, shape)


def _independent(frame: Frame, k: int, allocate: Allocator) -> None:
    plan, a = frame.plan, frame.arrays
    n, r = frame.layout.n_rows, len(plan.region_ids)
    shape = (n, r)
    problem = AllocationProblem(
        rule=plan.channel_rule[0],
        budget_units=a["p_budget"].copy(),
        policy_on=a["p_on"].copy(),
        pledge_due_units=a["outstanding"].copy(),
        pledge_region=plan.pledge_region,
        projected_need_units=_rows(plan.projected_need_units[:, k], n, shape),
        have_units=a["p_have"].copy(),
        cap_units=_rows(plan.cap_units, n, shape),
        share=_rows(plan.share[:, k], n, shape),
        tier=_rows(plan.tier, n, shape),
        weight=_rows(plan.weight, n, shape),
        min_shipment_units=plan.min_shipment_units,
        pallet_units=plan.pallet_units,
        mip_time_limit_seconds=plan.mip_time_limit_seconds,
        pledge_due_index=plan.pledge_due,
    )
    rules = np.tile(a["rule"], n // len(a["rule"]))
    if n == 0 or (rules == rules[0]).all():
        answer = allocate(replace(problem, rule=RULES[int(rules[0])]) if n else problem)
    else:  # donors that spread by different rules: one allocation per rule over its rows
        answer = Allocation(np.zeros((n, len(plan.pledge_region))), np.zeros(shape),
                            np.zeros(shape))
        for code in dict.fromkeys(rules.tolist()):
            rows = np.flatnonzero(rules == code)
            part = allocate(replace(problem, rule=RULES[code], **{
                name: getattr(problem, name)[rows] for name in _PER_ROW_PROBLEM}))
            answer.pledge_units[rows] = part.pledge_units
            answer.policy_units[rows] = part.policy_units
            answer.shipped_units[rows] = part.shipped_units
    a["a_pledge"][...] = answer.pledge_units
    a["a_policy"][...] = answer.policy_units
    a["a_shipped"][...] = answer.shipped_units


def _pooled(frame: Frame, k: int, allocate: Allocator) -> None:
    """The joint problem of each good row: its first channel's need, shares and weights; the
    budget, holdings and room the compiled day worked out."""
    plan, a, layout = frame.plan, frame.arrays, frame.layout
    n, r = layout.n_rows, len(plan.region_ids)
    first = np.maximum(layout.first_of_group, 0)  # a good no donor gives: budget 0
    budget = a["j_budget"].copy()

    def joint(values: NDArray[Any]) -> NDArray[Any]:
        return np.ascontiguousarray(_rows(values, n, (n, r))[first])

    spread = allocate(AllocationProblem(
        rule=plan.rule,
        budget_units=budget,
        policy_on=budget > 0,
        pledge_due_units=np.zeros((len(budget), 0)),
        pledge_region=np.zeros(0, dtype=np.intp),
        projected_need_units=joint(plan.projected_need_units[:, k]),
        have_units=a["j_have"].copy(),
        cap_units=a["j_cap"].copy(),
        share=joint(plan.share[:, k]),
        tier=joint(plan.tier),
        weight=joint(plan.weight),
        min_shipment_units=plan.min_shipment_units,
        pallet_units=plan.pallet_units,
        mip_time_limit_seconds=plan.mip_time_limit_seconds,
    )).policy_units
    a["j_spread"][...] = spread

