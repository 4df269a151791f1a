"""The domestic programme as daily series before the run: what the ration groups buy (uptake
profile, the outlets' supply), what each use is issued, uses and holds (rates, allotments, stock
targets), and the capacity after availability; then the engines serve that total."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import numpy as np
import pytest
from checks import check_engines_agree, check_mass_balance
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import channels as ch
from sim.engine.memo import PlanCache
from sim.engine.plan import build_plan, domestic_programme
from sim.engine.runner import run
from sim.scenario.domestic import Allotment, Domestic, RationSupply, StockTarget, Use
from sim.scenario.models import Group, Point, Ration, Schedule
from sim.scenario.validation import validate

START = dt.date(2020, 3, 2)
N = 20


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


def rate(*steps: tuple[int, float]) -> Schedule:
    return Schedule(points=[Point(date=day(i), value=v) for i, v in steps])


def test_a_use_is_issued_its_rate() -> None:
    s = ch.use_series(Use(id="u", per_day=rate((0, 0.0), (5, 10.0))), START, N)
    np.testing.assert_array_equal(s.issued, [0.0] * 5 + [10.0] * 15)
    np.testing.assert_array_equal(s.used, s.issued)
    assert not s.held.any()


def test_an_allotment_is_spread_over_its_days_and_held() -> None:
    use = Use(id="u", allotments=[Allotment(date=day(-2), amount=40, days=4),
                                  Allotment(date=day(18), amount=30, days=3)])
    s = ch.use_series(use, START, N)
    # Two of the first allotment's days fall before the horizon: never issued here.
    np.testing.assert_array_equal(s.issued[:3], [10.0, 10.0, 0.0])
    np.testing.assert_array_equal(s.issued[18:], [10.0, 10.0])
    assert s.held[-1] == 40.0 and not s.used.any()


def test_a_use_draws_its_rate_from_an_allotment_first() -> None:
    use = Use(id="u", per_day=rate((0, 4.0)), allotments=[Allotment(date=day(2), amount=10)])
    s = ch.use_series(use, START, N)
    # Day 2: 10 allotted, 4 used of it; days 3-4 use the rest (6 - 4 - 2 issued on day 4).
    np.testing.assert_allclose(s.issued[:6], [4, 4, 10, 0, 2, 4])
    np.testing.assert_allclose(s.held[:6], [0, 0, 6, 2, 0, 0])
    np.testing.assert_allclose(s.used, 4.0)


def test_a_stock_target_is_topped_up_on_its_date_and_follows_the_rate() -> None:
    use = Use(id="u", per_day=rate((0, 10.0), (10, 20.0)),
              stock_target=[StockTarget(date=day(3), days=2), StockTarget(date=day(6), days=5),
                            StockTarget(date=day(14), days=1)])
    s = ch.use_series(use, START, N)
    # Day 3: 2 days of 10 on top of the day's 10; day 6: 5 days, less the 20 held; day 10:
    # the rate doubles, so 5 days of 20 less the 50 held; day 14: 1 day is kept, so the use
    # lives off the 100 held until it is down to 20 (day 18 asks again).
    np.testing.assert_allclose(s.issued, [10, 10, 10, 30, 10, 10, 40, 10, 10, 10, 70, 20, 20,
                                          20, 0, 0, 0, 0, 20, 20])
    np.testing.assert_allclose(s.held, [0, 0, 0, 20, 20, 20, 50, 50, 50, 50, 100, 100, 100,
                                        100, 80, 60, 40, 20, 20, 20])
    np.testing.assert_allclose(s.used, [10.0] * 10 + [20.0] * 10)


def test_a_stock_target_of_another_rate_holds_days_of_that_rate() -> None:
    use = Use(id="u", stock_target=[StockTarget(date=day(1), days=15, per_day=2.0),
                                    StockTarget(date=day(5), days=20, per_day=2.0)])
    s = ch.use_series(use, START, N)
    assert s.issued[1] == 30.0 and s.issued[5] == 10.0 and s.issued.sum() == 40.0
    assert s.held[-1] == 40.0 and not s.used.any()


@st.composite
def uses(draw: st.DrawFn) -> Use:
    steps = sorted(set(draw(st.lists(st.integers(-3, N), min_size=1, max_size=4))))
    per_day = rate(*((i, draw(st.floats(0, 1e6))) for i in steps)) if draw(
        st.booleans()) else None
    dates = sorted(set(draw(st.lists(st.integers(-5, N + 2), max_size=3))))
    allotments = [Allotment(date=day(i), amount=draw(st.floats(0, 1e7)),
                            days=draw(st.integers(1, 6))) for i in dates]
    dates = sorted(set(draw(st.lists(st.integers(-5, N + 2), max_size=3))))
    targets = [StockTarget(date=day(i), days=draw(st.floats(0, 40)),
                           per_day=draw(st.one_of(st.none(), st.floats(0, 1e6))))
               for i in dates]
    return Use(id="u", per_day=per_day, allotments=allotments, stock_target=targets)


@settings(max_examples=60, deadline=None)
@given(uses())
def test_a_use_always_has_its_rate_and_its_target_and_keeps_its_books(use: Use) -> None:
    s = ch.use_series(use, START, N)
    rate_ = (ch.evaluate(use.per_day, START, N) if use.per_day is not None else np.zeros(N))
    scale = 1e-9 * max(1.0, float(s.issued.sum()))
    assert (s.issued >= 0).all()
    np.testing.assert_allclose(s.used, rate_, atol=scale)  # served in full, it uses its rate
    # Held = everything issued less everything used, day by day.
    np.testing.assert_allclose(s.held, np.cumsum(s.issued - s.used), atol=scale)
    # It holds at least its target every day from the target's date.
    for k, target in enumerate(use.stock_target):
        first = max((target.date - START).days, 0)
        last = N if k + 1 == len(use.stock_target) else max(
            (use.stock_target[k + 1].date - START).days, 0)
        basis = rate_[first:last] if target.per_day is None else target.per_day
        assert (s.held[first:last] >= target.days * basis - scale).all()


def domestic(**extra: Any) -> Domestic:
    group = Group(name="all", population=1000, rations=[Ration(date=START, amount=7)])
    return Domestic(groups=[group], uptake=0.5, **extra)


def test_the_uptake_profile_multiplies_and_the_outlets_supply_caps_sales() -> None:
    dom = domestic(uptake_profile=rate((0, 1.0), (4, 3.0)),
                   ration_supply=[RationSupply(date=day(2), per_day=1200.0),
                                  RationSupply(date=day(8))])
    p = ch.programme(dom, START, N)
    np.testing.assert_allclose(p.ration_demand, [500.0] * 4 + [1500.0] * 16)
    # Capped from day 2 to day 7 (before day 2 there is no cap yet; from day 8 none again).
    np.testing.assert_allclose(p.sold, [500.0] * 4 + [1200.0] * 4 + [1500.0] * 12)
    np.testing.assert_array_equal(p.total, p.sold)


def test_the_total_is_sales_set_aside_and_every_use() -> None:
    dom = domestic(set_aside=rate((0, 5.0)), uses=[
        Use(id="a", per_day=rate((0, 7.0))),
        Use(id="b", allotments=[Allotment(date=day(3), amount=11)])])
    p = ch.programme(dom, START, N)
    expect = 500.0 + 5.0 + 7.0 + np.where(np.arange(N) == 3, 11.0, 0.0)
    np.testing.assert_allclose(p.total, expect)


SCENARIO: dict[str, Any] = {
    "name": "programme", "seed": 3, "horizon": {"start": START, "end": day(N - 1)},
    "donor": {"initial_stock": 100.0, "availability": 0.8,
              "capacity": {"points": [{"date": START, "value": 2000.0}]},
              "outages": {"daily_probability": 0.1, "severity": 0.5}},
    "domestic": {"uptake": 0.5, "groups": [{"name": "all", "population": 1000, "rations": [
        {"date": START, "masks": 7, "per_days": 7}]}],
        "uptake_profile": {"points": [{"date": START, "value": 1.0},
                                      {"date": day(5), "value": 2.0}]},
        "uses": [{"id": "h", "per_day": {"points": [{"date": START, "value": 300.0}]},
                  "stock_target": [{"date": day(2), "days": 3}], "counts_in": ["r"]},
                 {"id": "s", "allotments": [{"date": day(4), "amount": 2000.0, "days": 2}]}]},
    "reserve": {"days": 2},
    "regions": [{"id": "a", "population": 1, "need": {"kind": "constant", "masks_per_day": 400},
                 "lead_time": {"kind": "fixed", "days": 2}}],
}


def test_the_plan_asks_for_the_programme_and_makes_capacity_times_availability() -> None:
    scenario = validate(SCENARIO)
    plan = build_plan(scenario)
    supply = scenario.donors[0].supplies[0]
    programme = domestic_programme(supply, START, N)
    assert programme is not None
    np.testing.assert_array_equal(plan.domestic_demand_units[0], programme.total)
    np.testing.assert_allclose(plan.capacity_units[0], 1600.0)
    cache = PlanCache()  # kept while its owner keeps the cache
    once = domestic_programme(supply, START, N, cache)
    assert domestic_programme(supply, START, N, cache) is once
    # Availability 1 is the capacity schedule itself, to the bit.
    whole = copy.deepcopy(SCENARIO)
    whole["donor"]["availability"] = 1.0
    np.testing.assert_array_equal(build_plan(validate(whole)).capacity_units[0], 2000.0)


# Ample; short (the programme falls short some days).
@pytest.mark.parametrize("capacity", [5000.0, 300.0])
def test_the_engines_serve_the_programme_and_agree(capacity: float) -> None:
    data = copy.deepcopy(SCENARIO)
    data["donor"]["capacity"]["points"][0]["value"] = capacity
    result = run(validate(data))
    check_mass_balance(result)
    check_engines_agree(result)
    series = result.run.series
    assert series is not None
    np.testing.assert_array_equal(series.donor["domestic_demand"][0],
                                  result.run.plan.domestic_demand_units[0])
    short = series.donor["domestic_demand"][0] - series.donor["domestic_served"][0]
    assert (short > 1).any() == (capacity < 1000)
