"""The numpy backend: each rule's unique answer, checked by hand and against HiGHS."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from problems import problem
from scipy.optimize import linprog

from sim.allocate.problem import AllocationProblem
from sim.allocate.vector import allocate_vector
from sim.scenario.enums import Rule


def test_proportional_by_hand() -> None:
    # shares 1:1:2, gaps 50,10,60: the 10 saturates, the rest split 1:2 -> 30, 60.
    p = problem(Rule.PROPORTIONAL, [100], [[50, 10, 60]], share=[[1, 1, 2]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[30, 10, 60]])


def test_maxmin_lifts_the_worst_covered_first() -> None:
    # coverage (have + x) / need: 0, 0.5, 2 -> the first is lifted to 0.5, then both to 0.75.
    p = problem(Rule.MAXMIN, [10], [[10, 10, 10]], have=[[0, 5, 20]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[7.5, 2.5, 0]])


def test_priority_fills_tiers_in_order() -> None:
    p = problem(Rule.PRIORITY, [10], [[5, 5, 5]], tier=[[2, 1, 1]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[0, 5, 5]])
    p = problem(Rule.PRIORITY, [12], [[5, 5, 5]], tier=[[2, 1, 1]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[2, 5, 5]])


def test_priority_with_tier_numbers_beyond_int16() -> None:
    p = problem(Rule.PRIORITY, [10], [[10, 10]], tier=[[1, 40_000]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[10, 0]])
    p = problem(Rule.PRIORITY, [10], [[10, 10]], tier=[[40_000, 1]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[0, 10]])


def test_weighted_weight_two_gets_twice_weight_one() -> None:
    # equal shares, weights 2 and 1, budget 30, room for all: 20 and 10.
    p = problem(Rule.WEIGHTED, [30], [[100, 100]], weight=[[2, 1]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[20, 10]])


def test_weighted_bound_binds_and_zero_weight_gets_nothing() -> None:
    # w * share = 1, 3, 3, 0: region 1 stops at its gap of 3 (lam 1); regions 0 and 2
    # split the other 9 as 1:3 -> 2.25, 6.75; region 3 (weight 0) gets nothing.
    p = problem(Rule.WEIGHTED, [12], [[10, 3, 10, 10]], weight=[[1, 3, 1, 0]],
                share=[[1, 1, 3, 1]])
    np.testing.assert_allclose(allocate_vector(p).policy_units, [[2.25, 3, 6.75, 0]])


def test_weighted_weights_are_not_just_an_order() -> None:
    steep = problem(Rule.WEIGHTED, [60], [[100] * 3], weight=[[3, 2, 1]])
    flat = problem(Rule.WEIGHTED, [60], [[100] * 3], weight=[[1.03, 1.02, 1]])
    np.testing.assert_allclose(allocate_vector(steep).policy_units, [[30, 20, 10]])
    np.testing.assert_allclose(allocate_vector(flat).policy_units,
                               [[60 * 1.03 / 3.05, 60 * 1.02 / 3.05, 60 / 3.05]])


def test_caps_and_pledges_first() -> None:
    # Budget 10; pledge of 4 to region 0 comes first; region 0 cap 5 leaves it 1 more.
    p = problem(Rule.PROPORTIONAL, [10], [[100, 100]], cap=[[5, 100]], due=[[4]],
                pledge_region=[0])
    out = allocate_vector(p)
    np.testing.assert_allclose(out.pledge_units, [[4]])
    np.testing.assert_allclose(out.policy_units, [[1, 5]])
    np.testing.assert_allclose(out.shipped_units, [[5, 5]])


def test_pledges_larger_than_budget_are_served_pro_rata() -> None:
    p = problem(Rule.PROPORTIONAL, [30], [[100, 100]], due=[[40, 20]], pledge_region=[0, 1])
    out = allocate_vector(p)
    np.testing.assert_allclose(out.pledge_units, [[20, 10]])
    np.testing.assert_allclose(out.policy_units, [[0, 0]])


def test_pledges_only_spreads_nothing() -> None:
    p = problem(Rule.MAXMIN, [30], [[100, 100]], due=[[5]], pledge_region=[1],
                policy_on=False)
    np.testing.assert_allclose(allocate_vector(p).shipped_units, [[0, 5]])


def test_min_shipment_is_refused_by_the_vector_backend() -> None:
    p = problem(Rule.PROPORTIONAL, [30], [[100, 100]])
    with pytest.raises(ValueError, match="lp"):
        allocate_vector(AllocationProblem(**{**p.__dict__, "min_shipment_units": 5.0}))


# ---- generated instances -------------------------------------------------------------
quantity = st.one_of(st.just(0.0), st.floats(1, 1e6))


@st.composite
def instances(draw: st.DrawFn, rule: Rule) -> AllocationProblem:
    b = draw(st.integers(1, 3))
    r = draw(st.integers(1, 7))
    arr = lambda elements, shape=(b, r): draw(  # noqa: E731
        hnp.arrays(np.float64, shape, elements=elements))
    cap = arr(st.one_of(st.just(np.inf), quantity))
    return problem(
        rule, list(arr(quantity, (b,))), arr(quantity).tolist(), have=arr(quantity).tolist(),
        cap=cap.tolist(), share=arr(st.one_of(st.just(0.0), st.floats(1, 1e3))).tolist(),
        tier=draw(hnp.arrays(np.int64, (b, r), elements=st.integers(1, 3))).tolist(),
        weight=arr(st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0])).tolist(),
    )


def _bounds(p: AllocationProblem) -> np.ndarray:
    gap = np.maximum(p.projected_need_units - p.have_units, 0)
    return np.minimum(gap, p.cap_units)


def _check_feasible(p: AllocationProblem, x: np.ndarray) -> None:
    scale = max(float(p.budget_units.max(initial=0)), 1.0)
    assert (x >= 0).all()
    assert (x <= _bounds(p) + 1e-9 * scale).all()
    assert (x.sum(axis=1) <= p.budget_units + 1e-9 * scale).all()


def _linprog_max(c: np.ndarray, ub: np.ndarray, budget: float,
                 extra: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """max c.x s.t. sum x <= budget, 0 <= x <= ub (and extra rows), by HiGHS."""
    a_ub, b_ub = np.ones((1, len(c))), np.array([budget])
    if extra is not None:
        a_ub, b_ub = np.vstack([a_ub, extra[0]]), np.concatenate([b_ub, extra[1]])
    res = linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=list(zip(np.zeros(len(c)), ub,
                                                             strict=True)), method="highs")
    assert res.status == 0
    return float(-res.fun)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(list(Rule)).flatmap(instances))
def test_every_rule_is_feasible_and_ships_what_it_can(p: AllocationProblem) -> None:
    x = allocate_vector(p).policy_units
    _check_feasible(p, x)
    ub = _bounds(p)
    if p.rule is Rule.WEIGHTED:
        eligible = (p.weight > 0) & (p.share > 0)
    elif p.rule is Rule.MAXMIN:
        eligible = p.projected_need_units > 0
    else:
        eligible = p.share > 0
    target = np.minimum(p.budget_units, np.where(eligible, ub, 0).sum(axis=1))
    np.testing.assert_allclose(x.sum(axis=1), target, rtol=1e-9, atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(instances(Rule.WEIGHTED))
def test_weighted_is_proportional_to_weight_times_share(p: AllocationProblem) -> None:
    """Among regions below their bound, masks per unit of weight * share are equal, and
    regions of weight 0 get nothing."""
    x = allocate_vector(p).policy_units
    ub = _bounds(p)
    for b in range(len(x)):
        ws = p.weight[b] * p.share[b]
        assert np.all(x[b][ws == 0] == 0)
        open_ = (ws > 0) & (x[b] < ub[b] * (1 - 1e-9) - 1e-9)
        if open_.sum() >= 2:
            per_unit = x[b][open_] / ws[open_]
            np.testing.assert_allclose(per_unit, per_unit[0], rtol=1e-7, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(instances(Rule.MAXMIN))
def test_maxmin_level_matches_highs(p: AllocationProblem) -> None:
    """The lowest coverage after allocation is the max-min LP's optimum level t."""
    x = allocate_vector(p).policy_units
    ub = _bounds(p)
    for b in range(len(x)):
        need, have = p.projected_need_units[b], p.have_units[b]
        open_ = (need > 0) & (ub[b] > 0)
        if not open_.any():
            continue
        n = len(need)
        # variables (x_1..x_n, t): max t s.t. t*need_r - x_r <= have_r for open r
        rows = np.zeros((int(open_.sum()), n + 1))
        rows[np.arange(open_.sum()), np.nonzero(open_)[0]] = -1
        rows[:, -1] = need[open_]
        c = np.zeros(n + 1)
        c[-1] = 1
        budget_row = np.concatenate([np.ones(n), [0]])
        res = linprog(-c, A_ub=np.vstack([budget_row, rows]),
                      b_ub=np.concatenate([[p.budget_units[b]], have[open_]]),
                      bounds=[*[(0, u) for u in ub[b]], (0, None)], method="highs")
        assert res.status == 0
        level = float(((have + x[b]) / np.where(need > 0, need, 1))[open_].min())
        assert level == pytest.approx(-res.fun, rel=1e-7, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([Rule.PROPORTIONAL, Rule.PRIORITY]).flatmap(instances))
def test_proportional_total_matches_highs(p: AllocationProblem) -> None:
    x = allocate_vector(p).policy_units
    ub = np.where(p.share > 0, _bounds(p), 0)
    for b in range(len(x)):
        best = _linprog_max(np.ones(ub.shape[1]), ub[b], float(p.budget_units[b]))
        assert float(x[b].sum()) == pytest.approx(best, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(instances(Rule.PROPORTIONAL))
def test_proportional_split_follows_shares(p: AllocationProblem) -> None:
    """Among regions below their bound, masks per unit of share are equal (the level)."""
    x = allocate_vector(p).policy_units
    ub = _bounds(p)
    for b in range(len(x)):
        open_ = (p.share[b] > 0) & (x[b] < ub[b] * (1 - 1e-9) - 1e-9)
        if open_.sum() >= 2:
            per_share = x[b][open_] / p.share[b][open_]
            np.testing.assert_allclose(per_share, per_share[0], rtol=1e-7, atol=1e-9)
