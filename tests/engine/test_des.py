"""The SimPy engine: mass balance every day, domestic first, determinism."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from checks import check_mass_balance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import START, scenario_dicts

from sim.engine.runner import run
from sim.scenario.loading import load, validate

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario_dicts())
def test_mass_balance_every_day(data: dict[str, Any]) -> None:
    check_mass_balance(run(validate(data)))


@SETTINGS
@given(scenario_dicts(), st.floats(1.0, 3.0))
def test_domestic_first_with_enough_capacity(data: dict[str, Any], headroom: float) -> None:
    """With capacity above the ration every day, the ration is met every day and no
    shipment ever takes the donor's stock below its reserve (when the government takes all
    the output: what it releases is not the donor's to ration)."""
    data["donor"]["outages"]["daily_probability"] = 0.0
    data["donor"]["requisition"] = []
    group = data["domestic"]["groups"][0]
    ration_per_day = group["rations"][0]["masks"] / group["rations"][0]["per_days"]
    demand = data["domestic"]["uptake"] * group["population"] * ration_per_day
    data["donor"]["capacity"] = {"points": [{"date": START, "value": demand * headroom}]}
    result = run(validate(data))
    d = result.run.series.donor  # type: ignore[union-attr]
    scale = max(float(d["production"].max()), 1.0)
    assert (d["domestic_shortfall"] <= 1e-9 * scale).all()
    ship = d["shipped"][0] > 0
    assert (d["stock"][0][ship] >= d["reserve"][0][ship] - 1e-6 * scale).all()


def test_shortfall_is_recorded_when_capacity_falls_short(repo: Any) -> None:
    scenario = load(repo / "scenarios" / "minimal.toml",
                    ["donor.initial_stock=0", "donor.capacity.points[0].value=100000"])
    result = run(scenario)
    d = result.run.series.donor  # type: ignore[union-attr]
    assert d["domestic_shortfall"].sum() > 0
    assert d["shipped"].sum() == 0  # nothing leaves while the ration is short


def test_same_seed_same_run_other_seed_other_outages(repo: Any) -> None:
    scenario = load(repo / "scenarios" / "minimal.toml",
                    ["donor.outages.daily_probability=0.3"])
    a, b, c = run(scenario, seed=5), run(scenario, seed=5), run(scenario, seed=6)
    assert np.array_equal(a.run.draws.outage_loss, b.run.draws.outage_loss)
    for name, values in a.run.series.donor.items():  # type: ignore[union-attr]
        assert np.array_equal(values, b.run.series.donor[name])  # type: ignore[union-attr]
    assert not np.array_equal(a.run.draws.outage_loss, c.run.draws.outage_loss)


def test_pledge_larger_than_budget_is_partly_delivered_and_carried_over(repo: Any) -> None:
    scenario = load(repo / "scenarios" / "minimal.toml",
                    ["pledges[0].amount=50000000", "budget.kind=pledges_only"])
    result = run(scenario)
    totals = result.run.totals
    shipped_on_due_day = totals.pledge_on_time_units.sum()
    assert 0 < shipped_on_due_day < 50e6
    assert totals.pledge_late_units.sum() > 0  # the carry-over ships on later days
    unmet = 50e6 - shipped_on_due_day - totals.pledge_late_units.sum()
    assert unmet > 0


def test_lead_time_zero_arrives_the_same_day(repo: Any) -> None:
    scenario = load(repo / "scenarios" / "minimal.toml",
                    ["regions[0].lead_time={kind='fixed', days=0}"])
    result = run(scenario)
    r = result.run.series.region  # type: ignore[union-attr]
    day = int(np.argmax(r["shipped"][0, :, 0] > 0))
    assert r["arrived"][0, day, 0] == r["shipped"][0, day, 0] > 0


def test_first_shipment_on_the_chosen_weekday(repo: Any) -> None:
    """The rule ships on the chosen weekday only; the dated pledge (Wed 11 Mar) leaves on its
    own date, a dispatch of its own; told to wait, it leaves with the next Friday's."""
    scenario = load(repo / "scenarios" / "minimal.toml", ["shipments.weekday=friday"])
    result = run(scenario)
    start = result.run.plan.start
    r = result.run.series.region  # type: ignore[union-attr]
    pledged = r["pledged"][0].sum(axis=1)
    policy = r["shipped"][0].sum(axis=1) - pledged
    assert (policy > 0).any()
    for t in np.nonzero(policy > 0)[0]:
        assert (start + dt.timedelta(days=int(t))).weekday() == 4
    assert [start + dt.timedelta(days=int(t)) for t in np.nonzero(pledged > 0)[0]] == [
        dt.date(2020, 3, 11)]
    waits = run(load(repo / "scenarios" / "minimal.toml", [
        "shipments.weekday=friday", "pledges[0].dispatch=next_shipment_day"]))
    r = waits.run.series.region  # type: ignore[union-attr]
    assert [start + dt.timedelta(days=int(t)) for t in np.nonzero(r["pledged"][0].sum(axis=1)
                                                                    > 0)[0]] == [
        dt.date(2020, 3, 13)]
    assert waits.run.plan.policy_day.all()  # no dispatch of its own: every one a Friday


@pytest.mark.parametrize("engine", ["des", "batch"])
def test_outages_cut_production(repo: Any, engine: str) -> None:
    from sim.engine.runner import Engine

    scenario = load(repo / "scenarios" / "minimal.toml",
                    ["donor.outages.daily_probability=0.5", "donor.outages.severity=0.4"])
    result = run(scenario, engine=Engine(engine))
    d = result.run.series.donor  # type: ignore[union-attr]
    loss = result.run.draws.outage_loss[0]
    assert set(np.unique(loss)) <= {0.0, 0.4} and (loss > 0).any()
    np.testing.assert_allclose(d["production"][0], 1e6 * (1 - loss))


def test_pledge_after_the_last_shipment_day_is_not_due_not_unmet(repo: Any) -> None:
    from sim.results.summary import summary as summarize

    # minimal.toml ships on Wednesdays; its last is 22 April, the horizon ends 26 April.
    # Told to wait for the next shipment day, a pledge of 25 April never falls due here...
    scenario = load(repo / "scenarios" / "minimal.toml", [
        "pledges[0].date=2020-04-25", "pledges[0].dispatch=next_shipment_day"])
    pledges = summarize(run(scenario))["pledges"]
    assert pledges["pledged"] == 0 and pledges["unmet"] == 0
    assert pledges["not_due"] == 1_000_000 and pledges["each"][0]["not_due"] == 1_000_000
    # ... while on its own date (the default) it leaves on 25 April.
    on_date = summarize(run(load(repo / "scenarios" / "minimal.toml",
                                 ["pledges[0].date=2020-04-25"])))["pledges"]
    assert on_date["not_due"] == 0 and on_date["on_time"] == 1_000_000


def test_pledge_outside_the_horizon_is_an_input_error(repo: Any) -> None:
    from sim.scenario.errors import InputError

    with pytest.raises(InputError) as err:
        load(repo / "scenarios" / "minimal.toml", ["pledges[0].date=2020-06-01"])
    assert err.value.field == "pledges[0].date" and "outside the horizon" in err.value.message
