"""What a run did at home by part of its domestic programme, the stock series a record counts,
and observations of them (over a period, of the capacity as given) beside the model."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest

from sim.engine.plan import domestic_programme
from sim.engine.runner import Result, run
from sim.results.domestic import derived_series, served_share
from sim.results.observations import compare_run
from sim.results.summary import summary
from sim.scenario.validation import validate

START = dt.date(2020, 3, 2)
N = 20


def day(i: int) -> str:
    return (START + dt.timedelta(days=i)).isoformat()


BASE: dict[str, Any] = {
    "name": "home", "seed": 4, "horizon": {"start": START.isoformat(), "end": day(N - 1)},
    "donor": {"initial_stock": 1000.0, "availability": 0.5,
              "capacity": {"points": [{"date": START.isoformat(), "value": 8000.0}]}},
    "domestic": {"uptake": 0.5, "groups": [{"name": "all", "population": 1000, "rations": [
        {"date": START.isoformat(), "masks": 7, "per_days": 7}]}],
        "ration_supply": [{"date": day(3), "per_day": 400.0}, {"date": day(6)}],
        "uses": [{"id": "h", "per_day": {"points": [{"date": START.isoformat(), "value": 300.0}]},
                  "stock_target": [{"date": day(2), "days": 3}],
                  "counts_in": ["reserve", "all"]},
                 {"id": "s", "allotments": [{"date": day(4), "amount": 2000.0, "days": 2}],
                  "counts_in": ["all"]}]},
    "reserve": {"days": 1},
    "regions": [{"id": "a", "population": 1, "need": {"kind": "constant", "masks_per_day": 50},
                 "lead_time": {"kind": "fixed", "days": 1}}],
    "pledges": [{"kind": "standing", "region": "a", "amount_per_week": 350, "start": day(0),
                 "end": day(N - 1)}],
}


def observe(*rows: dict[str, Any], capacity: float = 8000.0) -> Result:
    data = copy.deepcopy(BASE)
    data["donor"]["capacity"]["points"][0]["value"] = capacity
    data["observations"] = [{"kind": "documented", "source": "test", "value": 1.0, **r}
                            for r in rows]
    return run(validate(data))


def test_stock_series_are_the_donors_stock_and_what_the_uses_counting_in_them_hold() -> None:
    result = observe()
    series = result.run.series
    assert series is not None
    d = derived_series(result.scenario, result.run.plan, series.donor)
    supply = result.scenario.donors[0].supplies[0]
    programme = domestic_programme(supply, START, N)
    assert programme is not None
    h, s = (u.held for u in programme.uses)
    stock = series.donor["stock"][0]
    np.testing.assert_array_equal(d["stock_in:reserve"][0], stock + h)
    np.testing.assert_array_equal(d["stock_in:all"][0], stock + h + s)
    np.testing.assert_array_equal(d["held"][0], h + s)
    np.testing.assert_array_equal(d["sold"][0], programme.sold)
    np.testing.assert_array_equal(d["capacity_nominal"][0], 8000.0)
    assert h[-1] == 900.0 and s[-1] == 2000.0


def test_on_a_day_that_fell_short_every_part_is_served_in_proportion() -> None:
    result = observe(capacity=1200.0)  # 600 a day made: short of the programme most days
    series = result.run.series
    assert series is not None
    served, demand = (series.donor[k][0] for k in ("domestic_served", "domestic_demand"))
    share = served_share(served, demand)
    assert (share < 1).any()
    d = derived_series(result.scenario, result.run.plan, series.donor)
    programme = domestic_programme(result.scenario.donors[0].supplies[0], START, N)
    assert programme is not None
    np.testing.assert_allclose(d["sold"][0], share * programme.sold)
    # What the uses hold is what they were issued less what they used, never below zero.
    issued = sum(share * u.issued for u in programme.uses)
    assert (d["held"][0] >= 0).all()
    assert (d["held"][0] <= np.cumsum(issued) + 1e-6).all()
    assert d["held"][0][-1] < 2900.0  # less than the plan's: the top-ups were not all served
    # The parts add up to what was served.
    parts = d["sold"][0] + issued
    np.testing.assert_allclose(parts, served, rtol=1e-12)


def test_observations_over_a_period_read_averages_and_changes() -> None:
    result = observe(
        {"date": day(9), "from_date": day(7), "series": "domestic.sold_per_day"},
        {"date": day(9), "from_date": day(3), "series": "domestic.sold.cumulative"},
        {"date": day(9), "from_date": day(3), "series": "donor.production.cumulative"},
        {"date": day(5), "series": "donor.capacity"},
        {"date": day(5), "series": "domestic.held"},
        {"date": day(5), "series": "donor.stock.reserve"},
        {"date": day(5), "from_date": day(0), "series": "donor.stock"})
    series = result.run.series
    assert series is not None
    d = derived_series(result.scenario, result.run.plan, series.donor)
    sold, production = d["sold"][0], series.donor["production"][0]
    rows = compare_run(result)
    model = [r["model"] for r in rows]
    assert model[0] == pytest.approx(sold[7:10].mean())
    assert model[1] == pytest.approx(sold[3:10].sum())
    assert model[2] == pytest.approx(production[3:10].sum())
    assert model[3] == 8000.0  # the capacity as given, not what availability leaves
    assert production.max() <= 4000.0
    assert model[4] == d["held"][0][5] and model[5] == d["stock_in:reserve"][0][5]
    assert model[6] == pytest.approx(series.donor["stock"][0][:6].mean())
    assert [r["from_date"] for r in rows[:3]] == [day(7), day(3), day(3)]
    # Sold is capped at the outlets' 400 a day from day 3 to 5, and not after.
    np.testing.assert_allclose(sold, [500.0] * 3 + [400.0] * 3 + [500.0] * 14)


def test_the_summary_says_what_each_use_was_issued_and_holds() -> None:
    result = observe()
    home = summary(result)["donors"]["donor"]["goods"]["masks"]["domestic"]
    programme = domestic_programme(result.scenario.donors[0].supplies[0], START, N)
    assert programme is not None
    assert home["sold"] == pytest.approx(programme.sold.sum())
    assert home["uses"]["h"] == {"name": "h", "issued": pytest.approx(300 * N + 900),
                                 "used": pytest.approx(300 * N), "held_end": 900.0}
    assert home["uses"]["s"]["held_end"] == 2000.0 and home["held_end"] == 2900.0
    stock = result.run.series.donor["stock"][0][-1]  # type: ignore[union-attr]
    assert home["stock_end"] == {"reserve": pytest.approx(stock + 900),
                                 "all": pytest.approx(stock + 2900)}
    # Without the day's series, the plan's parts where nothing fell short; else null.
    bare = dataclasses.replace(result, run=dataclasses.replace(result.run, series=None))
    again = summary(bare)["donors"]["donor"]["goods"]["masks"]["domestic"]
    assert again["sold"] == home["sold"] and again["stock_end"]["all"] is None
    short = observe(capacity=1200.0)
    bare = dataclasses.replace(short, run=dataclasses.replace(short.run, series=None))
    assert summary(bare)["donors"]["donor"]["goods"]["masks"]["domestic"]["sold"] is None


def test_rations_alone_have_no_domestic_entry() -> None:
    data = copy.deepcopy(BASE)
    for key in ("uses", "ration_supply"):
        del data["domestic"][key]
    assert "domestic" not in summary(run(validate(data)))["donors"]["donor"]["goods"]["masks"]


def test_a_supply_without_a_ration_programme_has_no_domestic_entry() -> None:
    data = copy.deepcopy(BASE)
    del data["domestic"]
    donor = data.pop("donor")
    data["donors"] = [{"id": "d", "supplies": [{**donor, "good": "m", "domestic_need": {
        "kind": "constant", "per_day": 10}}]}]
    data["goods"] = [{"id": "m"}]
    data["regions"][0]["needs"] = {"m": data["regions"][0].pop("need")}
    data["pledges"][0].update(donor="d", good="m")
    data.pop("reserve")
    entry = summary(run(validate(data)))["donors"]["d"]["goods"]["m"]
    assert "domestic" not in entry
