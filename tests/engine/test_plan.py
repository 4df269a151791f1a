"""What the plan schedules: dispatch days, pledges oldest first, the planning window, the
requisition; and what the engines then do with it, day by day."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import numpy as np
import pytest
from checks import check_mass_balance

from sim.engine.plan import build_plan
from sim.engine.runner import Engine, Result, run
from sim.scenario.loading import validate

START = dt.date(2020, 3, 2)  # a Monday


def _day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


BASE: dict[str, Any] = {
    "name": "plan", "seed": 5,
    "horizon": {"start": START, "end": _day(27)},  # four weeks
    "donor": {"initial_stock": 0, "capacity": {"points": [{"date": START, "value": 100}]}},
    "domestic": {"groups": [{"name": "all", "population": 10,
                             "rations": [{"date": START, "masks": 7, "per_days": 7}]}]},
    "budget": {"kind": "pledges_only"},
    "shipments": {"weekday": "monday", "cadence_days": 7},
    "regions": [{"id": "a", "population": 1, "need": {"kind": "constant", "masks_per_day": 1},
                 "lead_time": {"kind": "fixed", "days": 1}}],
}


def scenario(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def _run(data: dict[str, Any], engine: Engine = Engine.DES) -> Result:
    result = run(validate(data), engine=engine)
    check_mass_balance(result)
    return result


def test_a_fixed_pledge_leaves_on_its_own_date_unless_told_to_wait() -> None:
    pledge = {"kind": "fixed", "region": "a", "amount": 50, "date": _day(3)}  # a Thursday
    plan = build_plan(validate(scenario(pledges=[pledge])))
    assert plan.ship_days.tolist() == [0, 3, 7, 14, 21]
    assert plan.policy_day.tolist() == [[True, False, True, True, True]]  # one channel
    assert plan.dispatches.all()
    assert plan.pledge_due.tolist() == [1]
    for engine in Engine:
        shipped = _run(scenario(pledges=[pledge]), engine).run.series.region["shipped"]  # type: ignore[union-attr]
        assert np.flatnonzero(shipped[0, :, 0]).tolist() == [3]
    waits = scenario(pledges=[{**pledge, "dispatch": "next_shipment_day"}])
    shipped = _run(waits).run.series.region["shipped"]  # type: ignore[union-attr]
    assert np.flatnonzero(shipped[0, :, 0]).tolist() == [7]
    assert build_plan(validate(waits)).policy_day.all()


def test_pledge_instances_are_ordered_oldest_first() -> None:
    pledges = [
        {"kind": "standing", "region": "a", "amount_per_week": 7, "start": START,
         "end": _day(14)},
        {"kind": "fixed", "region": "a", "amount": 50, "date": _day(3)},
        {"kind": "fixed", "region": "a", "amount": 9, "date": START},
    ]
    plan = build_plan(validate(scenario(pledges=pledges)))
    # dispatches: days 0, 3, 7, 14, 21 -> indices 0..4
    assert plan.pledge_due.tolist() == [0, 0, 1, 2, 3]
    assert plan.pledge_source.tolist() == [0, 2, 1, 0, 0]


def test_the_planning_window_starts_when_the_shipment_lands() -> None:
    # Need 0 a day until day 10, then 100 a day; lead 7 days, horizon 5: the shipment of
    # day 0 lands on day 7 and is planned for days 7..11, of which 10 and 11 need 100 each.
    need = {"kind": "schedule", "schedule": {"points": [
        {"date": START, "value": 0}, {"date": _day(10), "value": 100}]}}
    region = {**BASE["regions"][0], "need": need, "lead_time": {"kind": "fixed", "days": 7}}
    plan = build_plan(validate(scenario(regions=[region],
                                        allocation={"planning_horizon_days": 5})))
    assert plan.projected_need_units[0, 0, 0] == 200
    # Triangular lead times are planned at their mean, in whole days: (2 + 4 + 12) / 3 = 6.
    region["lead_time"] = {"kind": "triangular", "min": 2, "mode": 4, "max": 12}
    plan = build_plan(validate(scenario(regions=[region],
                                        allocation={"planning_horizon_days": 5})))
    assert plan.projected_need_units[0, 0, 0] == 100  # days 6..10


@pytest.mark.parametrize("engine", list(Engine))
def test_a_pledge_above_the_absorption_cap_ships_in_instalments(engine: Engine) -> None:
    # 250 pledged on day 0 to a region that takes at most 100 a shipment; plenty in stock.
    data = scenario(
        donor={"initial_stock": 1000, "capacity": {"points": [{"date": START, "value": 0}]}},
        regions=[{**BASE["regions"][0], "absorption_cap": 100}],
        pledges=[{"kind": "fixed", "region": "a", "amount": 250, "date": START}],
        domestic={"groups": [{"name": "none", "population": 0,
                              "rations": [{"date": START, "masks": 0}]}]})
    result = _run(data, engine)
    shipped = result.run.series.region["shipped"][0, :, 0]  # type: ignore[union-attr]
    assert {int(t): float(v) for t, v in enumerate(shipped) if v} == {0: 100, 7: 100, 14: 50}
    assert result.run.totals.pledge_on_time_units.tolist() == [[100]]
    assert result.run.totals.pledge_late_units.tolist() == [[150]]


@pytest.mark.parametrize("engine", list(Engine))
def test_the_requisition_releases_the_rest_of_the_output(engine: Engine) -> None:
    # 100 a day produced; 70 a day of domestic demand (10 people x 7 a day). From day 7 the
    # government takes 80 a day, from day 14 half the output (50 a day: 20 short of demand,
    # served from stock).
    data = scenario(
        domestic={"groups": [{"name": "all", "population": 10,
                              "rations": [{"date": START, "masks": 49, "per_days": 7}]}]},
        donor={"initial_stock": 0, "capacity": {"points": [{"date": START, "value": 100}]},
               "requisition": [{"date": _day(7), "amount": 80},
                               {"date": _day(14), "share": 0.5}]})
    d = _run(data, engine).run.series.donor  # type: ignore[union-attr]
    released = d["released"][0]
    np.testing.assert_allclose(released[:7], 0)
    np.testing.assert_allclose(released[7:14], 20)
    np.testing.assert_allclose(released[14:], 50)
    # Stock: +30 a day for a week, +10 a day for a week (100), then -20 a day until empty.
    np.testing.assert_allclose(d["stock"][0, [6, 13, 18, 20]], [210, 280, 180, 140])
    np.testing.assert_allclose(d["domestic_served"][0], 70)


def test_requisition_needs_a_share_or_an_amount() -> None:
    from sim.scenario.errors import InputError

    with pytest.raises(InputError, match=r"donor\.requisition\[0\]\.share: give exactly one"):
        validate(scenario(donor={**BASE["donor"], "requisition": [{"date": START}]}))
