"""The LP reference backend: hand-worked answers, invariants on generated instances, and
scipy's HiGHS (``linprog``) as an independent referee for the first-stage LPs."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

from sim.allocate.lp import allocate_lp
from sim.allocate.problem import AllocationProblem, serve_pledges
from sim.allocate.vector import allocate_vector
from sim.scenario.enums import Rule

INF = np.inf
RTOL = 1e-7
Array = NDArray[np.float64]


def make_problem(
    rule: Rule,
    budget: ArrayLike,
    need: ArrayLike,
    *,
    have: ArrayLike | None = None,
    cap: ArrayLike | None = None,
    share: ArrayLike | None = None,
    tier: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    pledge_due: ArrayLike | None = None,
    pledge_region: ArrayLike = (),
    policy_on: bool = True,
    min_shipment: float | None = None,
    pallet: float | None = None,
) -> AllocationProblem:
    """A problem from plain lists: a 1-D ``need`` is one row (B=1), a 2-D one is B rows;
    the other region fields default to have 0, no cap, share 1, tier 1, weight 1."""
    need_a = np.atleast_2d(np.asarray(need, dtype=float))
    b, r = need_a.shape

    def rows(value: ArrayLike | None, default: float) -> Array:
        if value is None:
            return np.full((b, r), default)
        return np.broadcast_to(np.atleast_2d(np.asarray(value, dtype=float)), (b, r)).copy()

    due = np.zeros((b, 0)) if pledge_due is None else np.asarray(pledge_due, dtype=float)
    return AllocationProblem(
        rule=rule,
        budget_units=np.broadcast_to(np.asarray(budget, dtype=float), (b,)).copy(),
        policy_on=np.full(b, policy_on),
        pledge_due_units=due.reshape(b, -1),
        pledge_region=np.asarray(pledge_region, dtype=np.intp),
        projected_need_units=need_a,
        have_units=rows(have, 0.0),
        cap_units=rows(cap, INF),
        share=rows(share, 1.0),
        tier=rows(tier, 1).astype(np.int64),
        weight=rows(weight, 1.0),
        min_shipment_units=min_shipment,
        pallet_units=pallet,
    )


def policy_of(problem: AllocationProblem) -> Array:
    return allocate_lp(problem).policy_units


# --- hand-worked instances -------------------------------------------------------------


def test_proportional_splits_by_share() -> None:
    p = make_problem(Rule.PROPORTIONAL, 100, [100, 100, 100], share=[1, 2, 1])
    np.testing.assert_allclose(policy_of(p), [[25, 50, 25]], rtol=RTOL)


def test_proportional_cap_binds_and_the_rest_goes_to_the_others() -> None:
    # lam + 30 + lam = 100 -> lam = 35
    p = make_problem(Rule.PROPORTIONAL, 100, [100, 100, 100], cap=[INF, 30, INF])
    np.testing.assert_allclose(policy_of(p), [[35, 30, 35]], rtol=RTOL)


def test_proportional_zero_share_gets_nothing() -> None:
    p = make_problem(Rule.PROPORTIONAL, 100, [100, 100, 100], share=[1, 0, 3])
    np.testing.assert_allclose(policy_of(p), [[25, 0, 75]], rtol=RTOL, atol=1e-9)


def test_proportional_ships_no_more_than_the_gaps() -> None:
    p = make_problem(Rule.PROPORTIONAL, 1000, [100, 50, 0], have=[0, 20, 0])
    np.testing.assert_allclose(policy_of(p), [[100, 30, 0]], rtol=RTOL)


def test_pledges_beyond_the_budget_are_served_pro_rata() -> None:
    # 120 due, 60 offered: each pledge gets half, nothing is left for the rule.
    p = make_problem(
        Rule.PROPORTIONAL, 60, [100, 100, 100], pledge_due=[[50, 70]], pledge_region=[0, 2]
    )
    a = allocate_lp(p)
    np.testing.assert_allclose(a.pledge_units, [[25, 35]])
    np.testing.assert_allclose(a.policy_units, [[0, 0, 0]])
    np.testing.assert_allclose(a.shipped_units, [[25, 0, 35]])


def test_pledges_first_then_the_rule_spreads_the_rest() -> None:
    # pledge 50 to region 0: S = 90, ub = (50, 100, 100), 30 each.
    p = make_problem(
        Rule.PROPORTIONAL, 140, [100, 100, 100], pledge_due=[[50]], pledge_region=[0]
    )
    a = allocate_lp(p)
    np.testing.assert_allclose(a.policy_units, [[30, 30, 30]], rtol=RTOL)
    np.testing.assert_allclose(a.shipped_units, [[80, 30, 30]], rtol=RTOL)


def test_policy_off_ships_pledges_only() -> None:
    p = make_problem(
        Rule.MAXMIN, 140, [100, 100], pledge_due=[[50]], pledge_region=[1], policy_on=False
    )
    np.testing.assert_allclose(allocate_lp(p).shipped_units, [[0, 50]])


def test_maxmin_lifts_the_worst_covered_first() -> None:
    # coverage 0.5, 0, 0.9: region 1 to 0.5 costs 100, then regions 0 and 1 share 60 -> 0.7.
    p = make_problem(Rule.MAXMIN, 160, [100, 200, 100], have=[50, 0, 90])
    np.testing.assert_allclose(policy_of(p), [[20, 140, 0]], rtol=RTOL, atol=1e-6)


def test_maxmin_cap_binds_and_zero_need_gets_nothing() -> None:
    # region 1 stops at its cap (coverage 0.6); 0 and 2 then meet at 0.9 and share 10 -> 0.95.
    p = make_problem(
        Rule.MAXMIN, 170, [100, 200, 100, 0], have=[50, 0, 90, 10], cap=[INF, 120, INF, INF]
    )
    np.testing.assert_allclose(policy_of(p), [[45, 120, 5, 0]], rtol=RTOL, atol=1e-6)


def test_maxmin_counts_pledged_masks_as_coverage() -> None:
    # the pledge lifts region 0 to 0.6; the 40 left all go to region 1 (0.4).
    p = make_problem(Rule.MAXMIN, 100, [100, 100], pledge_due=[[60]], pledge_region=[0])
    np.testing.assert_allclose(policy_of(p), [[0, 40]], rtol=RTOL, atol=1e-6)


def test_priority_fills_tiers_in_order_proportional_within() -> None:
    p = make_problem(Rule.PRIORITY, 150, [100, 100, 100], tier=[1, 2, 2], share=[1, 1, 3])
    np.testing.assert_allclose(policy_of(p), [[100, 12.5, 37.5]], rtol=RTOL)


def test_priority_tier_numbers_not_region_order() -> None:
    # tier 1 = regions 1, 2 (1:3): region 2 caps at 100, region 1 takes the other 50.
    p = make_problem(Rule.PRIORITY, 150, [100, 100, 100], tier=[2, 1, 1], share=[1, 1, 3])
    np.testing.assert_allclose(policy_of(p), [[0, 50, 100]], rtol=RTOL, atol=1e-6)


def test_weighted_weight_two_gets_twice_the_share_of_weight_one() -> None:
    # equal shares, weights 2 and 1, budget 30, room for all: 20 and 10.
    p = make_problem(Rule.WEIGHTED, 30, [100, 100], weight=[2, 1])
    np.testing.assert_allclose(policy_of(p), [[20, 10]], rtol=RTOL)


def test_weighted_bound_binds_and_the_rest_goes_by_weight() -> None:
    # weights 2, 1, 1 with region 0 capped at 15: lam * 2 would be 30, so it stops at 15
    # and the other 45 split 1:1.
    p = make_problem(Rule.WEIGHTED, 60, [100] * 3, weight=[2, 1, 1], cap=[15, INF, INF])
    np.testing.assert_allclose(policy_of(p), [[15, 22.5, 22.5]], rtol=RTOL)


def test_weighted_multiplies_weight_and_share() -> None:
    # w * share = 2, 1, 3, 0: 150 splits 50, 25, 75, and weight 0 gets nothing.
    p = make_problem(Rule.WEIGHTED, 150, [100] * 4, weight=[2, 1, 1, 0], share=[1, 1, 3, 1])
    np.testing.assert_allclose(policy_of(p), [[50, 25, 75, 0]], rtol=RTOL, atol=1e-9)


def test_weighted_weights_are_not_just_an_order() -> None:
    """3/2/1 and 1.03/1.02/1 rank the regions alike but split the budget differently."""
    steep = policy_of(make_problem(Rule.WEIGHTED, 60, [100] * 3, weight=[3, 2, 1]))
    flat = policy_of(make_problem(Rule.WEIGHTED, 60, [100] * 3, weight=[1.03, 1.02, 1]))
    np.testing.assert_allclose(steep, [[30, 20, 10]], rtol=RTOL)
    np.testing.assert_allclose(flat, 60 * np.array([[1.03, 1.02, 1]]) / 3.05, rtol=RTOL)


def test_weighted_zero_weight_gets_nothing_even_with_budget_left() -> None:
    p = make_problem(Rule.WEIGHTED, 500, [100, 100], weight=[1, 0])
    np.testing.assert_allclose(policy_of(p), [[100, 0]], rtol=RTOL)


def test_a_leftover_room_does_not_stop_the_others() -> None:
    """Regression (CBC, 8 printed digits): region 0's room is a rounding leftover of 1e-9
    masks; the LP stopped at it, no value read as at its bound, so the round was taken as
    budget-bound and the row shipped almost nothing."""
    p = make_problem(Rule.PROPORTIONAL, 3e6, [1e-9, 2e6, 2e6], share=[1, 1, 1])
    np.testing.assert_allclose(policy_of(p), [[1e-9, 1.5e6, 1.5e6]], rtol=1e-9)


def test_budget_just_below_the_bounds_is_all_spent() -> None:
    """Sum of the bounds exceeds the budget by 1e-9 masks: the budget binds, barely."""
    s = 1_234_567.0
    p = make_problem(Rule.PROPORTIONAL, s, [1e6, s - 1e6 + 1e-9, 5.0], share=[1, 2, 3])
    x = policy_of(p)[0]
    np.testing.assert_allclose(x, allocate_vector(p).policy_units[0], rtol=1e-9, atol=1e-6)
    assert x.sum() == pytest.approx(s, rel=1e-12)


def test_batch_rows_are_independent() -> None:
    p = make_problem(Rule.PROPORTIONAL, [100, 40], [[100, 100], [10, 100]])
    a = allocate_lp(p)
    assert a.policy_units.shape == (2, 2) and a.pledge_units.shape == (2, 0)
    np.testing.assert_allclose(a.policy_units, [[50, 50], [10, 30]], rtol=RTOL)


def test_pallets_round_to_the_nearest_feasible_shipments() -> None:
    # rule: (25, 50, 25); in pallets of 20 the closest full-budget split is (20, 60, 20).
    p = make_problem(Rule.PROPORTIONAL, 100, [100] * 3, share=[1, 2, 1], pallet=20)
    np.testing.assert_allclose(policy_of(p), [[20, 60, 20]], rtol=1e-9)


def test_min_shipment_drops_a_region_that_cannot_take_it() -> None:
    # rule: (35, 30, 35); region 1 can take at most 30 < 32, the others absorb its part.
    p = make_problem(Rule.PROPORTIONAL, 100, [100] * 3, cap=[INF, 30, INF], min_shipment=32)
    x = policy_of(p)[0]
    assert x[1] == 0
    assert x.sum() == pytest.approx(100, rel=1e-9)
    assert min(x[0], x[2]) >= 35 - 1e-6  # any split with both >= 35 is as close as it gets


def test_budget_below_min_shipment_ships_nothing() -> None:
    p = make_problem(Rule.MAXMIN, 20, [100] * 3, min_shipment=32)
    np.testing.assert_array_equal(policy_of(p), [[0, 0, 0]])


# --- generated instances -----------------------------------------------------------------

def mix(*choices: tuple[st.SearchStrategy[float], int]) -> st.SearchStrategy[float]:
    """One of several strategies, each picked with the given relative frequency."""
    pool = [strategy for strategy, times in choices for _ in range(times)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


ZERO = st.just(0.0)
POSITIVE = mix((st.integers(1, 1000).map(float), 1), (st.floats(1.0, 1e6), 2))
# Bounds also below one mask: what a fractional ration or a rounding leaves.
SMALL = st.sampled_from([1e-9, 1e-3, 0.4])
MAGNITUDE = mix((ZERO, 1), (POSITIVE, 5), (SMALL, 1))  # masks, 0..1e6
SHARE = mix((ZERO, 1), (st.integers(1, 5).map(float), 2), (st.floats(1e-2, 1e3), 3))
PLEDGED = st.floats(0.0, 0.6, allow_subnormal=False)  # of the budget, P <= 3
FRACTION = mix((ZERO, 2), (st.just(1.0), 1), (st.floats(0.0, 1.1, allow_subnormal=False), 5))


@st.composite
def problems(draw: st.DrawFn, rule: Rule | None = None) -> AllocationProblem:
    """B = 1..2 rows, R = 1..6 regions, P = 0..3 pledges. Stock is drawn as a fraction of
    need and pledges as fractions of the budget, so most rows leave the rule work to do
    (a gap and a budget) while some pledges still exceed the budget."""
    b, r, p = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(0, 3))

    def floats(shape: tuple[int, ...], elements: st.SearchStrategy[float]) -> Array:
        size = int(np.prod(shape))
        return np.array(draw(st.lists(elements, min_size=size, max_size=size))).reshape(shape)

    budget = floats((b,), mix((ZERO, 1), (POSITIVE, 9)))
    need = floats((b, r), MAGNITUDE)
    problem = AllocationProblem(
        rule=draw(st.sampled_from(Rule)) if rule is None else rule,
        budget_units=budget,
        policy_on=floats((b,), mix((st.just(1.0), 7), (ZERO, 1))) > 0,
        pledge_due_units=budget[:, None] * floats((b, p), PLEDGED),
        pledge_region=floats((p,), st.sampled_from(range(r)).map(float)).astype(np.intp),
        projected_need_units=need,
        have_units=need * floats((b, r), FRACTION),
        cap_units=floats((b, r), mix((st.just(INF), 1), (MAGNITUDE, 1))),
        share=floats((b, r), SHARE),
        tier=floats((b, r), st.sampled_from([1.0, 2.0, 3.0])).astype(np.int64),
        weight=floats((b, r), st.sampled_from([0.0, 1.0, 2.0, 3.5])),
    )
    leftover = draw(st.sampled_from(["none", "none", "room", "total"]))
    return problem if leftover == "none" else with_leftover(problem, draw(st.integers(0, r - 1)),
                                                             leftover == "room")


def with_leftover(problem: AllocationProblem, k: int, tiny_room: bool) -> AllocationProblem:
    """Region ``k``'s room (ub after pledges) set to a rounding leftover: 1e-9 masks, or
    what the budget leaves after the other regions' bounds plus 1e-9 (so the budget binds
    by 1e-9 masks)."""
    given_ = serve_pledges(problem)[1]
    others = given_.upper_units.sum(axis=1) - given_.upper_units[:, k]
    room = np.full(len(others), 1e-9) if tiny_room else np.maximum(
        given_.budget_units - others, 0.0) + 1e-9
    cap, need = problem.cap_units.copy(), problem.projected_need_units.copy()
    cap[:, k] = given_.pledged_units[:, k] + room
    need[:, k] = problem.have_units[:, k] + given_.pledged_units[:, k] + 2 * room + 1.0
    return replace(problem, cap_units=cap, projected_need_units=need)


def eligible(problem: AllocationProblem) -> NDArray[np.bool_]:
    """Regions the rule may give to: share > 0 (and weight > 0), or need > 0 for maxmin."""
    if problem.rule is Rule.MAXMIN:
        return problem.projected_need_units > 0
    if problem.rule is Rule.WEIGHTED:
        return (problem.share > 0) & (problem.weight > 0)
    return problem.share > 0


def budget_and_upper(problem: AllocationProblem) -> tuple[Array, Array]:
    """S and ub, what the rule sees once pledges are served."""
    given_ = serve_pledges(problem)[1]
    return given_.budget_units, given_.upper_units


def close(actual: float, expected: float, scale: float) -> bool:
    return abs(actual - expected) <= RTOL * abs(expected) + 1e-9 * max(scale, 1.0)


FAST = settings(max_examples=50, deadline=None)


@pytest.mark.parametrize("rule", list(Rule))
@FAST
@given(data=st.data())
def test_invariants(rule: Rule, data: st.DataObject) -> None:
    """Feasible (within bounds and budget), pledges as served, and the continuous rules
    ship all they can: min(S, sum of ub over the regions the rule may give to)."""
    problem = data.draw(problems(rule))
    a = allocate_lp(problem)
    pledge, given_ = serve_pledges(problem)
    b, r = problem.shape
    s, ub = given_.budget_units, given_.upper_units
    assert a.policy_units.shape == a.shipped_units.shape == (b, r)
    assert a.pledge_units.shape == problem.pledge_due_units.shape
    np.testing.assert_array_equal(a.pledge_units, pledge)
    assert np.all(a.pledge_units.sum(axis=1) <= problem.budget_units * (1 + 1e-12))
    assert np.all(a.policy_units >= 0)
    assert np.all(a.policy_units <= ub * (1 + 1e-12))
    assert np.all(a.policy_units.sum(axis=1) <= s * (1 + 1e-12))
    np.testing.assert_allclose(a.shipped_units, a.policy_units + given_.pledged_units)
    reachable = np.where(eligible(problem), ub, 0.0).sum(axis=1)
    for i in range(b):
        assert close(a.policy_units[i].sum(), min(s[i], reachable[i]), s[i])


def assert_common_level(x: Array, ub: Array, share: Array, members: NDArray[np.bool_]) -> None:
    """x_r = min(ub_r, lam * share_r) on ``members``, 0 where share is 0: lam is the largest
    x_r / share_r (a region frozen at its bound has a smaller ratio)."""
    on = members & (share > 0)
    if not on.any():
        return
    lam = np.max(x[on] / share[on])
    expected = np.where(on, np.minimum(ub, lam * share), 0.0)
    atol = 1e-8 * max(float(x.sum()), 1.0)
    np.testing.assert_allclose(x[members], expected[members], rtol=1e-6, atol=atol)


@FAST
@given(problems(Rule.PROPORTIONAL))
def test_proportional_is_min_of_bound_and_common_level(problem: AllocationProblem) -> None:
    x = policy_of(problem)
    ub = budget_and_upper(problem)[1]
    for i in range(problem.shape[0]):
        assert_common_level(x[i], ub[i], problem.share[i], np.ones(problem.shape[1], bool))


@FAST
@given(problems(Rule.PRIORITY))
def test_priority_fills_each_tier_before_the_next(problem: AllocationProblem) -> None:
    """Proportional within each tier, and a tier gets something only once every earlier
    tier's regions (share > 0) sit at their bounds."""
    x = policy_of(problem)
    ub = budget_and_upper(problem)[1]
    for i in range(problem.shape[0]):
        tier, share = problem.tier[i], problem.share[i]
        atol = 1e-8 * max(float(x[i].sum()), 1.0)
        for k in np.unique(tier):
            assert_common_level(x[i], ub[i], share, tier == k)
            if x[i, tier > k].sum() > atol:
                full = (tier == k) & (share > 0)
                np.testing.assert_allclose(x[i, full], ub[i, full], rtol=1e-6, atol=atol)


@FAST
@given(problems(Rule.PROPORTIONAL))
def test_proportional_total_matches_linprog(problem: AllocationProblem) -> None:
    x = policy_of(problem)
    s, ub = budget_and_upper(problem)
    for i in range(problem.shape[0]):
        if s[i] <= 0:
            continue
        cap = np.where(problem.share[i] > 0, ub[i] / s[i], 0.0)
        bounds = [(0.0, float(u)) for u in cap]
        res = linprog(-np.ones(len(bounds)), A_ub=np.ones((1, len(bounds))), b_ub=[1.0],
                      bounds=bounds, method="highs")
        assert res.status == 0
        assert close(x[i].sum(), -res.fun * s[i], s[i])


@FAST
@given(problems(Rule.WEIGHTED))
def test_weighted_is_proportional_to_weight_times_share(problem: AllocationProblem) -> None:
    x = policy_of(problem)
    ub = budget_and_upper(problem)[1]
    for i in range(problem.shape[0]):
        assert_common_level(x[i], ub[i], problem.share[i] * problem.weight[i],
                            np.ones(problem.shape[1], bool))


@FAST
@given(problems(Rule.MAXMIN))
def test_maxmin_lowest_coverage_matches_linprog(problem: AllocationProblem) -> None:
    """The lowest coverage is the first-stage LP's max t: t <= (have_r + x_r) / need_r."""
    x = policy_of(problem)
    given_ = serve_pledges(problem)[1]
    s, ub = given_.budget_units, given_.upper_units
    need = problem.projected_need_units
    base = problem.have_units + given_.pledged_units
    for i in range(problem.shape[0]):
        on = need[i] > 0
        if not on.any() or s[i] <= 0:
            continue
        k, n = int(on.sum()), need[i, on]
        # Coverage in units of a ceiling on t, so HiGHS's absolute tolerances (1e-7) are
        # small next to it. Variables: y_r = x_r / (need_r unit), then t.
        ceiling = min(np.min((base[i, on] + ub[i, on]) / n), (base[i, on].sum() + s[i]) / n.sum())
        unit = float(ceiling) or 1.0
        a_ub = np.zeros((k + 1, k + 1))
        a_ub[:k, :k] = -np.eye(k)
        a_ub[:k, k] = 1.0
        a_ub[k, :k] = n / n.max()
        b_ub = np.append(base[i, on] / n / unit, s[i] / n.max() / unit)
        bounds = [(0, u / m / unit) for u, m in zip(ub[i, on], n, strict=True)] + [(0, None)]
        c = np.zeros(k + 1)
        c[k] = -1.0
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        assert res.status == 0
        coverage = (base[i, on] + x[i, on]) / n
        # Amounts are good to 1e-9 of the row's largest quantity (budget, need or stock), so
        # a coverage is good to that over its need: a region needing a thousandth of a mask
        # beside one needing a million has no meaningful coverage digit.
        scale = max(float(s[i]), float(need[i].max()), float(base[i].max()))
        amount_tol = 1e-9 * scale / float(n.min())
        assert coverage.min() == pytest.approx(-res.fun * unit, rel=RTOL,
                                               abs=1e-9 * unit + amount_tol)


EXTRAS = st.tuples(
    st.one_of(st.none(), st.floats(1.0, 1e5)), st.one_of(st.none(), st.floats(1.0, 1e5))
).filter(lambda e: e != (None, None))


@FAST
@given(problems(), EXTRAS)
def test_mip_shipments_are_whole_pallets_of_at_least_the_minimum(
    problem: AllocationProblem, extras: tuple[float | None, float | None]
) -> None:
    minimum, pallet = extras
    problem = replace(problem, min_shipment_units=minimum, pallet_units=pallet)
    x = policy_of(problem)
    given_ = serve_pledges(problem)[1]
    assert np.all(x >= 0)
    assert np.all(x <= given_.upper_units * (1 + 1e-9))
    assert np.all(x.sum(axis=1) <= given_.budget_units * (1 + 1e-9))
    assert np.all(x[~eligible(problem)] == 0)
    if minimum is not None:
        assert np.all((x == 0) | (x >= minimum * (1 - 1e-9)))
    if pallet is not None:
        np.testing.assert_allclose(x / pallet, np.round(x / pallet), atol=1e-6)


@FAST
@given(
    budget=st.integers(0, 200),
    need=st.lists(st.integers(0, 100), min_size=1, max_size=3),
    pallet=st.sampled_from([10.0, 25.0, 30.0]),
    minimum=st.sampled_from([None, 30.0, 55.0]),
    rule=st.sampled_from(Rule),
)
def test_mip_is_the_largest_total_closest_to_the_rule(
    budget: int, need: list[int], pallet: float, minimum: float | None, rule: Rule
) -> None:
    """Brute force over all pallet counts: the MIP ships the largest feasible total and,
    among those, is closest to the rule's continuous answer in L1."""
    base = make_problem(rule, budget, need, share=[1, 2, 3][: len(need)])
    target = policy_of(base)[0]
    x = policy_of(replace(base, min_shipment_units=minimum, pallet_units=pallet))[0]
    best_total, best_distance = 0.0, float(np.abs(target).sum())
    for counts in itertools.product(*(range(int(n // pallet) + 1) for n in need)):
        y = pallet * np.array(counts, dtype=float)
        if y.sum() > budget or (minimum and np.any((y > 0) & (y < minimum))):
            continue
        distance = float(np.abs(y - target).sum())
        if y.sum() > best_total or (y.sum() == best_total and distance < best_distance):
            best_total, best_distance = float(y.sum()), distance
    assert x.sum() == pytest.approx(best_total, abs=1e-6)
    assert float(np.abs(x - target).sum()) == pytest.approx(best_distance, abs=1e-5)


@FAST
@given(problems())
def test_lp_equals_vector_on_every_rule(problem: AllocationProblem) -> None:
    """The two backends reach each rule's unique answer by different roads: LP rounds with
    HiGHS here, closed-form water-filling in ``vector``; the generated rows include bounds
    below one mask and rounding leftovers. Tolerance: rtol 1e-9 and 1e-8 of the row's
    budget (the LP's slack tolerance is 1e-9 of what the row ships)."""
    lp, vector = allocate_lp(problem), allocate_vector(problem)
    scale = np.maximum(problem.budget_units, 1.0)[:, None]
    for field in ("pledge_units", "policy_units", "shipped_units"):
        ours, theirs = getattr(lp, field), getattr(vector, field)
        bad = np.abs(ours - theirs) > 1e-9 * np.abs(theirs) + 1e-8 * scale
        assert not bad.any(), f"{field}: lp {ours[bad]} vs vector {theirs[bad]}"


def test_a_budget_of_a_denormal_ships_nothing_and_does_not_overflow() -> None:
    # Found by hypothesis: a budget share of 5e-324 made the LP's scale 5e-324 and its
    # needs infinite (PulpError: cannot multiply variables with NaN/inf values).
    for rule in Rule:
        p = make_problem(rule, 5e-324, [1.0, 2.0])
        np.testing.assert_array_equal(allocate_lp(p).policy_units, [[0.0, 0.0]])
