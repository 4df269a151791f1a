"""``sim.sweep.optimize`` and ``sim.sweep.measures``: measures as analysts write them, the same
futures for every policy (common random numbers), fresh futures for the check, a feasible
best or the least risky, a Pareto front that nothing dominates."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import sim
from sim.sweep.measures import Constraint, Measure, Objective
from sim.sweep.optimize import Optimize, draw_futures, optimize, resolve_problem

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"


def spec(**over: Any) -> Optimize:
    """A small problem on the minimal scenario: giving all the surplus above a reserve,
    with outages that may stop the line, can leave the residents short."""
    data: dict[str, Any] = {
        "name": "small", "base": str(MINIMAL), "seed": 4, "futures": 40,
        "check_futures": 120,
        "objectives": ["maximize mean(donated_total)"],
        "constraints": ["P(domestic_shortfall > 0) <= 0.1"],
        "set": {"donor.outages.severity": 1.0, "donor.outages.mean_duration_days": 4},
        "levers": [{"path": "reserve.days", "uniform": [0, 20]}],
        "uncertainties": [{"path": "donor.outages.daily_probability",
                           "uniform": [0.0, 0.08]}],
        "search": {"population": 8, "generations": 3},
    }
    data.update(over)
    return Optimize.model_validate(data)


def problem(**over: Any) -> Any:
    s = spec(**over)
    return resolve_problem(s, sim.load(MINIMAL), "small.toml")


def test_measures_read_as_written() -> None:
    m = Measure.parse("P(domestic_shortfall > 0)")
    assert (m.stat, m.outcome, m.op, m.threshold) == ("P", "domestic_shortfall", ">", 0.0)
    assert str(m) == "P(domestic_shortfall > 0)"
    values = np.array([[0.0, 1.0, 2.0, np.nan]])
    assert m.of(values).tolist() == [0.5]  # undefined is no event
    assert Measure.parse("mean(min_fill_rate)").of(values).tolist() == [1.0]  # NaN left out
    assert Measure.parse("p50(donated_total)").of(values).tolist() == [1.0]
    assert Measure.parse("P(donated_total <= 40e6)").threshold == 40e6
    assert str(Objective.parse("max mean(donated_total)")) == "maximize mean(donated_total)"
    c = Constraint.parse("mean(min_fill_rate) >= 0.5")
    assert c.violation(np.array([0.4, 0.6])).tolist() == pytest.approx([0.1, 0.0])
    kits = Measure.parse("P(domestic_shortfall[kits] > 0)")
    assert (kits.outcome, str(kits)) == ("domestic_shortfall[kits]",
                                         "P(domestic_shortfall[kits] > 0)")
    for bad in ("avg(donated_total)", "P(donated_total ~ 3)", "mean(donated)",
                "mean(donated[kits])"):
        with pytest.raises(ValueError):
            Measure.parse(bad)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=1, max_size=30), st.floats(-10, 10))
def test_a_chance_is_the_share_of_futures_past_the_threshold(
    values: list[float], t: float
) -> None:
    x = np.array([values])
    assert Measure.parse(f"P(unmet_need > {t!r})").of(x)[0] == pytest.approx(
        np.mean(x > t))
    assert Measure.parse(f"P(unmet_need <= {t!r})").of(x)[0] == pytest.approx(
        1 - np.mean(x > t))


def test_every_policy_meets_the_same_futures_and_the_check_fresh_ones() -> None:
    p = problem()
    assert p.futures.seeds == draw_futures(p.spec.uncertainties, 40, 4, 1).seeds
    assert not set(p.futures.seeds) & set(p.check.seeds)
    a, b, _ = p.evaluate(np.array([[0.3], [0.3], [0.9]]))
    assert a is b and len(p.archive) == 2  # one policy, run once
    # A policy's measure is that of its runs: the base with the lever and each future set.
    rows = [{"reserve.days": a.levers["reserve.days"],
             "donor.outages.daily_probability": float(v)}
            for v in p.futures.values["donor.outages.daily_probability"]]
    out = sim.run_overrides(p.base, rows, p.futures.seeds)
    assert a.measures["mean(donated_total)"] == pytest.approx(
        float(np.mean(out.metrics["donated_total"])), rel=1e-12)


def test_the_best_feasible_policy_is_checked_on_fresh_futures() -> None:
    p = problem()
    out = optimize(p)
    assert out.feasible and out.method.startswith("scipy")
    feasible = [c for c in out.candidates if c.measures["P(domestic_shortfall > 0)"] <= 0.1]
    best = max(c.measures["mean(donated_total)"] for c in feasible)
    assert out.chosen.measures["mean(donated_total)"] == best
    check = {c.measure: c for c in out.checks}
    chance = check["P(domestic_shortfall > 0)"]
    assert chance.low <= chance.out_of_sample <= chance.high
    # The Wilson score interval of the hits on the fresh futures, in closed form.
    n, z = p.check.n, 1.959963984540054
    share = round(chance.out_of_sample * n) / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (chance.low, chance.high) == pytest.approx((centre - half, centre + half))
    fresh = p.measure([out.chosen.levers], p.check)[0]
    assert chance.out_of_sample == fresh["P(domestic_shortfall > 0)"]
    assert out.chosen.index in out.front


def test_no_feasible_policy_gives_the_least_risky() -> None:
    out = optimize(problem(constraints=["P(domestic_shortfall > 0) <= 0.0",
                                        "mean(domestic_shortfall) <= -1"]))
    assert not out.feasible
    risk = [c.measures["mean(domestic_shortfall)"] for c in out.candidates]
    assert out.chosen.measures["mean(domestic_shortfall)"] == min(risk)


def test_several_objectives_give_a_front_nothing_dominates() -> None:
    out = optimize(problem(objectives=["maximize mean(donated_total)",
                                       "minimize P(domestic_shortfall > 0)"],
                           constraints=[], search={"population": 8, "generations": 3}))
    assert out.method == "pymoo NSGA-II"
    points = [(-c.measures["mean(donated_total)"], c.measures["P(domestic_shortfall > 0)"])
              for c in out.candidates]
    for i in out.front:
        assert not any(q[0] <= points[i][0] and q[1] <= points[i][1] and q != points[i]
                       for q in points)


@pytest.mark.parametrize(("over", "field"), [
    ({"objectives": ["maximize mean(donated)"]}, "objectives[0]"),
    ({"constraints": ["P(domestic_shortfall > 0) < 0.1"]}, "constraints[0]"),
    ({"levers": [{"path": "reserve.days", "distribution": "norm",
                  "args": {"loc": 3, "scale": 1}}]}, "levers[0]"),
])
def test_bad_files_name_the_field(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field.replace("[", r"\[")):
        spec(**over)


def test_a_goods_outcome_is_measured_for_that_good_and_an_unknown_good_named() -> None:
    from sim.scenario.errors import InputError

    base = sim.load(REPO / "scenarios" / "donors_2020.toml")
    s = Optimize.model_validate({
        "name": "kits", "base": "x.toml", "seed": 1, "futures": 4, "check_futures": 4,
        "objectives": ["maximize mean(delivered_total[test_kits])"],
        "report": ["mean(domestic_shortfall[suits])"],
        "levers": [{"path": "donors[0].reserve.days", "uniform": [0, 20]}],
        "uncertainties": [{"path": "donors[0].supplies[0].outages.daily_probability",
                           "uniform": [0.0, 0.05]}]})
    p = resolve_problem(s, base, "kits.toml")
    got = p.outcomes([{"donors[0].reserve.days": 5.0}], p.futures)
    rows = p.rows({"donors[0].reserve.days": 5.0}, p.futures)
    alone = sim.run_overrides(base, rows, p.futures.seeds,
                              goods=["test_kits", "suits"]).metrics
    assert got["delivered_total[test_kits]"][0].tolist() == (
        alone["delivered_total[test_kits]"].tolist())
    assert got["domestic_shortfall[suits]"][0].tolist() == (
        alone["domestic_shortfall[suits]"].tolist())
    bad = s.model_copy(update={"report": [Measure.parse("mean(unmet_need[gloves])")]})
    with pytest.raises(InputError) as caught:
        resolve_problem(bad, base, "kits.toml")
    assert caught.value.field == "report[0]" and "unknown good 'gloves'" in caught.value.message


def test_a_policy_that_cannot_be_run_is_named() -> None:
    from sim.scenario.errors import InputError

    # Every corner is valid (mode <= max at both ends and the middle); inside, not always.
    p = problem(levers=[{"path": "regions[1].lead_time.mode", "uniform": [2, 9]},
                        {"path": "regions[1].lead_time.max", "uniform": [4, 12]}],
                constraints=[])
    with pytest.raises(InputError, match=r"levers: the policy regions\[1\]\.lead_time\.mode="
                                         r".* must satisfy min <= mode <= max"):
        p.evaluate(np.array([[0.9, 0.1]]))
