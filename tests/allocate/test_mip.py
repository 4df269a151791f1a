"""The shipment MIP of the lp backend: its tie-break and its time limit."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pulp
import pytest
from allocate.test_lp import make_problem

import sim.allocate.lp as lp
from sim.allocate.lp import MIPStoppedEarly, allocate_lp
from sim.allocate.problem import Allocation, AllocationProblem, serve_pledges
from sim.engine.des import simulate
from sim.engine.draws import draw
from sim.engine.plan import build_plan
from sim.scenario.enums import Rule
from sim.scenario.errors import InputError
from sim.scenario.loading import load

TAIWAN = Path(__file__).resolve().parents[2] / "scenarios" / "taiwan_2020.toml"


@pytest.mark.parametrize(("budget", "n_regions", "pallet", "minimum", "expected"), [
    (50, 2, 10, None, [30, 20]),  # rule: 25, 25
    (30, 3, 20, None, [20, 0, 0]),  # rule: 10 each; one pallet fits
    (100, 4, 10, None, [30, 30, 20, 20]),  # rule: 25 each
    (70, 5, 20, None, [20, 20, 20, 0, 0]),  # rule: 14 each
    (100, 4, 10, 30, [40, 30, 30, 0]),  # rule: 25 each; at least 30 to a region
])
def test_equally_close_shipments_go_to_the_earlier_regions(
    budget: float, n_regions: int, pallet: float, minimum: float | None, expected: list[float]
) -> None:
    """Equal shares make many roundings equally close to the rule's answer; the third stage
    picks the one with the least sum r * x_r, whatever the solver's path (CBC picked
    (30, 20, 30, 20), (20, 0, 20, 20, 0), (40, 30, 0, 30) for the last three)."""
    p = make_problem(Rule.PROPORTIONAL, budget, [100] * n_regions, pallet=pallet,
                     min_shipment=minimum)
    np.testing.assert_array_equal(allocate_lp(p).policy_units, [expected])


def assert_feasible_shipments(problem: AllocationProblem, a: Allocation) -> None:
    """Whole pallets, 0 or at least the minimum, within each region's room and the budget."""
    given_ = serve_pledges(problem)[1]
    x = a.policy_units
    scale = np.maximum(given_.budget_units, 1.0)
    assert np.all(x >= 0)
    assert np.all(x <= given_.upper_units + 1e-9 * scale[:, None])
    assert np.all(x.sum(axis=1) <= given_.budget_units + 1e-9 * scale)
    if problem.pallet_units:
        counts = x / problem.pallet_units
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    if problem.min_shipment_units:
        assert np.all((x == 0) | (x >= problem.min_shipment_units * (1 - 1e-12)))


def hard_problem(seconds: float) -> AllocationProblem:
    """60 regions, odd pallet and minimum sizes: far more than 1 ms of branch and bound."""
    rng = np.random.default_rng(0)
    need = rng.uniform(1e5, 1e7, 60)
    p = make_problem(Rule.PROPORTIONAL, 0.6 * need.sum(), need, share=rng.uniform(0.1, 1, 60),
                     pallet=997.0, min_shipment=123_457.0)
    return replace(p, mip_time_limit_seconds=seconds)


def test_a_mip_with_no_time_ships_the_rule_rounded_down_and_warns() -> None:
    p = hard_problem(1e-9)
    with pytest.warns(MIPStoppedEarly, match=r"time limit of 1e-09 s in 1 of 1 rows \(row 0"):
        a = allocate_lp(p)
    assert_feasible_shipments(p, a)
    rule = allocate_lp(replace(p, pallet_units=None, min_shipment_units=None)).policy_units
    expected = 997.0 * np.floor(rule / 997.0)
    np.testing.assert_array_equal(a.policy_units, np.where(expected >= 123_457.0, expected, 0))


def test_a_stage_stopped_with_a_feasible_answer_hands_it_on_and_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 'closest' stage reports a time-limit stop (HiGHS's status is faked, the answer is
    the real one): its answer is used, the tie-break stage still runs, and the warning names
    the row, the stage and the gap."""
    real_solve = lp._solve

    def solve(model: pulp.LpProblem, seconds: float | None = None) -> bool:
        optimal = real_solve(model, seconds)
        return optimal and model.name != "closest"

    p = make_problem(Rule.PROPORTIONAL, 100, [100] * 4, pallet=10)
    monkeypatch.setattr(lp, "_solve", solve)
    with pytest.warns(MIPStoppedEarly, match=r"row 0: stage 'closest', gap 0\.00%"):
        a = allocate_lp(p)
    np.testing.assert_array_equal(a.policy_units, [[30, 30, 20, 20]])


def test_time_limit_is_a_positive_scenario_field() -> None:
    assert load(TAIWAN).allocation.mip_time_limit_seconds == 10.0
    assert load(TAIWAN, ["allocation.mip_time_limit_seconds=0.5"]
                ).allocation.mip_time_limit_seconds == 0.5
    with pytest.raises(InputError, match="mip_time_limit_seconds"):
        load(TAIWAN, ["allocation.mip_time_limit_seconds=0"])


def test_taiwan_in_pallets_with_a_minimum_finishes_with_feasible_shipments() -> None:
    """Regression: all of Taiwan's surplus in pallets of 1,000 and shipments of at least
    100,000 ran for more than ten minutes on CBC. Each shipment day's MIP now has 0.5 s
    (the scenario's field reaches every problem); the run finishes and every day's shipments
    are feasible."""
    scenario = load(TAIWAN, ["budget.kind=all_surplus", "allocation.backend=lp",
                             "allocation.pallet_size=1000", "allocation.min_shipment=100000",
                             "allocation.mip_time_limit_seconds=0.5"])
    plan = build_plan(scenario)
    days: list[tuple[AllocationProblem, Allocation]] = []

    def allocate(problem: AllocationProblem) -> Allocation:
        assert problem.mip_time_limit_seconds == 0.5
        days.append((problem, allocate_lp(problem)))
        return days[-1][1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MIPStoppedEarly)  # a slow machine may stop early
        run: Any = simulate(plan, draw(plan, [scenario.seed]), allocate)
    assert len(days) > 10
    for problem, a in days:
        assert_feasible_shipments(problem, a)
    assert run.totals.shipped_units.sum() > 1e8


def test_a_tie_break_that_presolve_calls_infeasible_is_solved_again() -> None:
    # Found by hypothesis: budget 100, needs 100/100/61, pallets of 10, a minimum of 55,
    # maxmin. Two answers tie on the total and the distance; HiGHS's presolve called the
    # tie-break MIP infeasible. The earlier region wins the tie.
    base = make_problem(Rule.MAXMIN, 100, [100, 100, 61], share=[1, 2, 3])
    out = allocate_lp(replace(base, min_shipment_units=55.0, pallet_units=10.0))
    np.testing.assert_allclose(out.policy_units, [[100, 0, 0]])
