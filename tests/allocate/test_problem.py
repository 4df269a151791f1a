"""The shared pledge step: a row's answer must not depend on the rows batched beside it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.allocate.problem import AllocationProblem, serve_pledges
from sim.scenario.models import Rule


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
        rule=Rule.PROPORTIONAL, budget_masks=np.array([sum(due) * 2]),
        policy_on=np.array([True]), pledge_due_masks=np.array([due]),
        pledge_region=np.array([i % 2 for i in range(p)], dtype=np.intp),
        projected_need_masks=np.full((1, 3), 1e12), have_masks=np.zeros((1, 3)),
        cap_masks=np.full((1, 3), np.inf), share=np.ones((1, 3)),
        tier=np.ones((1, 3), dtype=np.int64), weight=np.ones((1, 3)))
    rng = np.random.default_rng(p)
    many = replace(
        one,
        budget_masks=np.repeat(one.budget_masks, batch),
        policy_on=np.repeat(one.policy_on, batch),
        pledge_due_masks=np.vstack([one.pledge_due_masks,
                                    rng.uniform(0, 1e9, (batch - 1, p))
                                    * rng.choice([1e-6, 1.0, 1e3], (batch - 1, p))]),
        **{name: np.repeat(getattr(one, name), batch, axis=0)
           for name in ("projected_need_masks", "have_masks", "cap_masks", "share", "tier",
                        "weight")})
    alone = serve_pledges(one)[1].pledged_masks[0]
    together = serve_pledges(many)[1].pledged_masks[0]
    assert alone.tobytes() == together.tobytes()
