"""The shared pledge step: oldest first, within the caps, and a row's answer does not depend
on the rows batched beside it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from problems import problem

from sim.allocate.compiled import allocate_compiled
from sim.allocate.lp import allocate_lp
from sim.allocate.problem import AllocationProblem, Allocator, serve_pledges
from sim.allocate.vector import allocate_vector
from sim.scenario.enums import Rule


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1e-3, 1e9), min_size=16, max_size=40), st.integers(100, 200))
def test_pledged_by_region_is_the_same_bytes_alone_and_in_a_batch(
    due: list[float], batch: int
) -> None:
    # Several pledge instances to one region on one day: a BLAS product summed them in an
    # order that changed with the batch size (1e-16 differences between a row run alone
    # and the same row in a chunk).
    p = len(due)
    one = AllocationProblem(
        rule=Rule.PROPORTIONAL, budget_units=np.array([sum(due) * 2]),
        policy_on=np.array([True]), pledge_due_units=np.array([due]),
        pledge_region=np.array([i % 2 for i in range(p)], dtype=np.intp),
        projected_need_units=np.full((1, 3), 1e12), have_units=np.zeros((1, 3)),
        cap_units=np.full((1, 3), np.inf), share=np.ones((1, 3)),
        tier=np.ones((1, 3), dtype=np.int64), weight=np.ones((1, 3)))
    rng = np.random.default_rng(p)
    many = replace(
        one,
        budget_units=np.repeat(one.budget_units, batch),
        policy_on=np.repeat(one.policy_on, batch),
        pledge_due_units=np.vstack([one.pledge_due_units,
                                    rng.uniform(0, 1e9, (batch - 1, p))
                                    * rng.choice([1e-6, 1.0, 1e3], (batch - 1, p))]),
        **{name: np.repeat(getattr(one, name), batch, axis=0)
           for name in ("projected_need_units", "have_units", "cap_units", "share", "tier",
                        "weight")})
    alone = serve_pledges(one)[1].pledged_units[0]
    together = serve_pledges(many)[1].pledged_units[0]
    assert alone.tobytes() == together.tobytes()


# ---- pledges: oldest first, within the regions' absorption caps --------------------------
@pytest.mark.parametrize("allocate", [allocate_vector, allocate_compiled, allocate_lp],
                         ids=["vector", "compiled", "lp"])
def test_late_pledges_are_paid_oldest_first(allocate: Allocator) -> None:
    # Two instances owed since dispatch 0 (20 to r0, 10 to r1) and one due now (50 to r1);
    # a budget of 45 pays the old ones whole (30) and 15 of the new one.
    p = problem(Rule.PROPORTIONAL, [45], [[1e3, 1e3]], due=[[20, 10, 50]],
                pledge_region=[0, 1, 1], due_index=[0, 0, 3])
    out = allocate(p)
    np.testing.assert_allclose(out.pledge_units, [[20, 10, 15]], rtol=1e-12)
    np.testing.assert_allclose(out.policy_units, [[0, 0]], atol=1e-12)
    # Short within the oldest group: pro rata inside it, nothing for the newer one.
    out = allocate(replace(p, budget_units=np.array([15.0])))
    np.testing.assert_allclose(out.pledge_units, [[10, 5, 0]], rtol=1e-12)


@pytest.mark.parametrize("allocate", [allocate_vector, allocate_compiled, allocate_lp],
                         ids=["vector", "compiled", "lp"])
def test_a_pledge_above_the_absorption_cap_ships_only_the_cap(allocate: Allocator) -> None:
    # r0 may absorb 30 a shipment: its two pledges (40 old, 20 new) get 30 together, the old
    # one first; r1 has no cap. The rule then has nothing of r0's room left to fill.
    p = problem(Rule.PROPORTIONAL, [1e3], [[1e3, 100]], cap=[[30, np.inf]],
                due=[[40, 20, 5]], pledge_region=[0, 0, 1], due_index=[0, 1, 1])
    out = allocate(p)
    np.testing.assert_allclose(out.pledge_units, [[30, 0, 5]], rtol=1e-12)
    np.testing.assert_allclose(out.shipped_units, [[30, 100]], rtol=1e-12)
    # Both due at once: pro rata within the region, 30 * 40/60 and 30 * 20/60.
    out = allocate(replace(p, pledge_due_index=None))
    np.testing.assert_allclose(out.pledge_units, [[20, 10, 5]], rtol=1e-12)
