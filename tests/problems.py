"""Allocation problems written by hand for the backend tests: lists in, (B, R) arrays out."""

from __future__ import annotations

import numpy as np

from sim.allocate.problem import AllocationProblem
from sim.scenario.enums import Rule


def problem(rule: Rule, budget: list[float], need: list[list[float]], *,
            have: list[list[float]] | None = None, cap: list[list[float]] | None = None,
            share: list[list[float]] | None = None, tier: list[list[int]] | None = None,
            weight: list[list[float]] | None = None, due: list[list[float]] | None = None,
            pledge_region: list[int] | None = None, policy_on: bool | list[bool] = True,
            due_index: list[int] | None = None) -> AllocationProblem:
    """Unset fields default to: nothing held, no cap, equal shares, one tier, weight 1,
    every pledge due at once (``due_index``: the dispatch each fell due at, non-decreasing)."""
    n = np.asarray(need, dtype=float)
    ones = np.ones_like(n)
    return AllocationProblem(
        rule=rule,
        budget_units=np.asarray(budget, dtype=float),
        policy_on=np.broadcast_to(np.asarray(policy_on, dtype=bool), (len(budget),)).copy(),
        pledge_due_units=(np.asarray(due, dtype=float).reshape(len(budget), -1)
                          if due is not None else np.zeros((len(budget), 0))),
        pledge_region=np.asarray(pledge_region or [], dtype=np.intp),
        projected_need_units=n,
        have_units=np.asarray(have, dtype=float) if have is not None else 0 * ones,
        cap_units=np.asarray(cap, dtype=float) if cap is not None else np.inf * ones,
        share=np.asarray(share, dtype=float) if share is not None else ones,
        tier=np.asarray(tier, dtype=np.int64) if tier is not None else ones.astype(np.int64),
        weight=np.asarray(weight, dtype=float) if weight is not None else ones,
        pledge_due_index=None if due_index is None else np.asarray(due_index, dtype=np.intp),
    )
