"""Metrics checked by value: small examples worked on paper (the arithmetic is in comments),
then a tiny real run whose every number can be followed day by day."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.cli.printout import format_summary
from sim.engine.runner import Engine, Result, run
from sim.engine.state import Totals
from sim.results import metrics
from sim.results.summary import summary
from sim.scenario.loading import validate

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"

# --- hand-built totals ----------------------------------------------------------------------


def totals(need: list[float], consumed: list[float], delivered: list[float] | None = None,
           pledge_on_time: list[float] = (), pledge_late: list[float] = ()) -> Totals:
    """Totals of one scenario (B = 1); only the fields the metrics under test read matter."""
    r = len(need)
    delivered = consumed if delivered is None else delivered
    return Totals(
        produced_units=np.zeros(1), released_units=np.zeros(1), received_units=np.zeros(1),
        written_off_units=np.zeros(1), domestic_demand_units=np.zeros(1),
        domestic_served_units=np.zeros(1),
        shipped_units=np.array([delivered], dtype=float),
        delivered_units=np.array([delivered], dtype=float),
        consumed_units=np.array([consumed], dtype=float),
        need_units=np.array([need], dtype=float),
        pledge_on_time_units=np.array([list(pledge_on_time)], dtype=float).reshape(1, -1),
        pledge_late_units=np.array([list(pledge_late)], dtype=float).reshape(1, -1),
        first_delivery_day=np.full((1, r), -1, dtype=np.int64), final_stock_units=np.zeros(1),
        hub_handled=np.zeros((1, 0)), hub_waited=np.zeros((1, 0)))


def test_fill_rate_per_region_and_zero_need_counts_as_fully_served() -> None:
    # 50/100 = 0.5; 0/40 = 0; a region that needed nothing is fully served: 1 (documented).
    rates = metrics.fill_rate(np.array([[50.0, 0.0, 0.0]]), np.array([[100.0, 40.0, 0.0]]))
    np.testing.assert_allclose(rates, [[0.5, 0.0, 1.0]])


def test_scalars_mean_lowest_gini_and_unmet_need_by_value() -> None:
    # need 100, 40, 0; consumed 50, 10, 0  ->  fill 0.5, 0.25, 1 (zero need: fully served).
    # mean = (0.5 + 0.25 + 1) / 3 = 1.75 / 3; lowest = 0.25.
    # Gini: ordered pairs |0.25-0.5|, |0.25-1|, |0.5-1| twice = 2 * 1.5 = 3;
    #       / (2 n^2 mean) = 3 / (2 * 9 * 1.75/3) = 3 / 10.5 = 2/7.
    # Unmet need in masks: (100-50) + (40-10) + (0-0) = 80.
    s = metrics.scalars(totals([100, 40, 0], [50, 10, 0]), np.zeros((1, 0)))
    assert s["mean_fill_rate"][0] == pytest.approx(1.75 / 3)
    assert s["min_fill_rate"][0] == pytest.approx(0.25)
    assert s["gini_fill_rate"][0] == pytest.approx(2 / 7)
    assert s["unmet_need"][0] == pytest.approx(80.0)
    assert "unmet_need_mask_days" not in s and "unmet_need" in metrics.SCALARS


def test_unmet_need_by_region_by_value() -> None:
    # need - consumed per region: 100-50 = 50, 40-10 = 30, 0-0 = 0.
    r = metrics.by_region(totals([100, 40, 0], [50, 10, 0]))
    np.testing.assert_allclose(r["unmet_need_by_region"], [[50.0, 30.0, 0.0]])
    np.testing.assert_allclose(r["fill_rate_by_region"], [[0.5, 0.25, 1.0]])


@pytest.mark.parametrize(("values", "expected"), [
    ([1, 1, 1, 1], 0.0),  # all equal
    # n-sample (population) definition G = sum_ij |x_i-x_j| / (2 n^2 mean):
    # pairs with the 1: 3 unordered, 6 ordered; 6 / (2 * 16 * 0.25) = 0.75 (sample-corrected: 1).
    ([0, 0, 0, 1], 0.75),
    ([1, 0, 0, 0], 0.75),  # order does not matter
    # [1, 2, 3]: unordered |d| = 1 + 2 + 1 = 4, ordered 8; 8 / (2 * 9 * 2) = 2/9.
    ([1, 2, 3], 2 / 9),
    ([5], 0.0),  # one region: nothing to compare
])
def test_gini_known_values(values: list[float], expected: float) -> None:
    assert metrics.gini(np.array([values], dtype=float))[0] == pytest.approx(expected)


def test_gini_weights_count_entries_that_many_times() -> None:
    # weights 2, 1, 1 on [1, 2, 3] are the values [1, 1, 2, 3]: mean 7/4; unordered |d| =
    # 0 + 1 + 2 + 1 + 2 + 1 = 7, ordered 14; 14 / (2 * 16 * 7/4) = 14 / 56 = 0.25.
    x = np.array([1.0, 2.0, 3.0])
    assert metrics.gini(x, np.array([2.0, 1.0, 1.0])) == pytest.approx(0.25)
    assert metrics.gini(np.array([1.0, 1.0, 2.0, 3.0])) == pytest.approx(0.25)
    # A zero weight drops the entry: [0, 5, 5] with weights 0, 1, 1 is [5, 5], Gini 0.
    assert metrics.gini(np.array([0.0, 5.0, 5.0]), np.array([0.0, 1.0, 1.0])) == 0.0
    # Equal weights change nothing: [0, 0, 0, 1] weighted 3 each is still 0.75.
    assert metrics.gini(np.array([0.0, 0, 0, 1]), np.full(4, 3.0)) == pytest.approx(0.75)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.integers(0, 5)), min_size=1, max_size=8))
def test_integer_weights_equal_repeating_the_entries(pairs: list[tuple[float, int]]) -> None:
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs])
    repeated = np.repeat(values, weights)
    weighted = metrics.gini(values, weights.astype(float))
    if repeated.size == 0 or repeated.sum() == 0:
        assert np.isnan(weighted)
    else:
        assert weighted == pytest.approx(float(metrics.gini(repeated)), abs=1e-12)


def test_gini_is_undefined_when_everything_is_zero() -> None:
    # Mean 0: G = 0/0. Zero would read as "perfectly fair".
    assert np.isnan(metrics.gini(np.zeros(3)))
    assert np.isnan(metrics.gini(np.array([1.0, 2.0]), np.zeros(2)))  # no weight at all
    # A batch keeps one value per row.
    g = metrics.gini(np.array([[0.0, 1.0], [0.0, 0.0]]))
    assert g[0] == pytest.approx(0.5) and np.isnan(g[1])


def test_equity_is_nan_when_regions_needed_masks_and_nothing_was_delivered() -> None:
    # Need 100 and 0, nothing delivered: fill 0 and 1 would give mean 0.5, Gini 0.5 or (all
    # needy) Gini 0 = "perfectly fair". Undefined instead.
    for need in ([100.0, 0.0], [100.0, 40.0]):
        s = metrics.scalars(totals(need, [0.0, 0.0]), np.zeros((1, 0)))
        for key in ("gini_fill_rate", "min_fill_rate", "mean_fill_rate"):
            assert np.isnan(s[key][0]), (need, key)
        assert s["unmet_need"][0] == pytest.approx(sum(need))


def test_equity_when_nobody_needed_anything_is_everyone_fully_served() -> None:
    # No need anywhere: every region fully served by the zero-need rule (documented choice).
    s = metrics.scalars(totals([0.0, 0.0], [0.0, 0.0]), np.zeros((1, 0)))
    assert (s["mean_fill_rate"][0], s["min_fill_rate"][0], s["gini_fill_rate"][0]) == (1, 1, 0)


def test_pledges_on_time_late_and_unmet_by_value() -> None:
    # pledged 100, 50, 30; on time 100, 0, 10; late 0, 20, 0
    # -> unmet 100-100-0 = 0, 50-0-20 = 30, 30-10-0 = 20; never below 0.
    t = totals([1.0], [1.0], pledge_on_time=[100, 0, 10], pledge_late=[0, 20, 0])
    pledged = np.array([[100.0, 50.0, 30.0]])
    on_time, late, unmet = metrics.pledge_split(t, pledged)
    np.testing.assert_allclose(unmet, [[0.0, 30.0, 20.0]])
    s = metrics.scalars(t, pledged)
    assert (s["pledged_total"][0], s["pledges_on_time"][0], s["pledges_late"][0],
            s["pledges_unmet"][0]) == (180, 110, 20, 50)


# --- a tiny real run ------------------------------------------------------------------------

START = dt.date(2020, 3, 2)  # a Monday; shipments leave on Mondays: days 0 and 7 of 10


def _day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


TINY: dict[str, Any] = {
    "name": "tiny", "seed": 3,
    "horizon": {"start": START, "end": _day(9)},  # 10 days: 0..9
    "donor": {"initial_stock": 50, "capacity": {"points": [{"date": START, "value": 5}]}},
    "domestic": {"groups": [{"name": "nobody", "population": 0,
                             "rations": [{"date": START, "masks": 0}]}]},
    "budget": {"kind": "pledges_only"},
    "shipments": {"weekday": "monday", "cadence_days": 7},
    "regions": [
        {"id": "near", "population": 1, "need": {"kind": "constant", "masks_per_day": 10},
         "lead_time": {"kind": "fixed", "days": 2}},
        {"id": "far", "population": 3, "need": {"kind": "constant", "masks_per_day": 10},
         "lead_time": {"kind": "fixed", "days": 5}},
    ],
    # Each waits for the next shipment day (days 0 and 7).
    "pledges": [
        {"kind": "fixed", "region": "near", "amount": 75, "date": START,
         "dispatch": "next_shipment_day"},
        {"kind": "fixed", "region": "far", "amount": 50, "date": _day(7),
         "dispatch": "next_shipment_day"},
        # After the last shipment day (7): cannot fall due within the horizon.
        {"kind": "fixed", "region": "near", "amount": 7, "date": _day(8),
         "dispatch": "next_shipment_day"},
    ],
}


def _run(data: dict[str, Any], engine: Engine = Engine.DES) -> Result:
    return run(validate(data), engine=engine)


@pytest.fixture(scope="module", params=[Engine.DES, Engine.BATCH])
def tiny(request: pytest.FixtureRequest) -> dict[str, Any]:
    return summary(_run(TINY, request.param))


# Day by day (production 5 a day, no domestic demand, no reserve, pledges only):
# day 0: stock 50 + 5 = 55; near's 75 falls due, 55 ship on time (arrive day 2), 20 owed.
# days 1-7: + 5 a day -> 35 on day 7; owed near 20 (late) + far's 50 due now = 70 > 35:
#   oldest first -> near's 20 late (arrives day 9), far 15 on time (lead 5: day 12,
#   after the horizon's last day 9 -> still in transit, not delivered).
# near consumes 10 a day on days 2-6 (50), 5 on day 7 (stock empty), 10 on day 9 -> 65.
def test_tiny_run_totals(tiny: dict[str, Any]) -> None:
    assert tiny["donated_total"] == pytest.approx(90)  # 55 + 20 + 15
    assert tiny["delivered_total"] == pytest.approx(75)  # 55 + 20; far's 15 not arrived
    assert tiny["in_transit_end"] == pytest.approx(15)
    assert tiny["donated_by_region"] == pytest.approx({"near": 75, "far": 15})
    assert tiny["delivered_by_region"] == pytest.approx({"near": 75, "far": 0})


def test_shipment_arriving_after_the_horizon_is_in_transit_and_not_in_fill(
        tiny: dict[str, Any]) -> None:
    # need 10 x 10 days = 100 each; near consumed 65 -> 0.65; far got nothing in time -> 0.
    assert tiny["fill_rate_by_region"] == pytest.approx({"near": 0.65, "far": 0.0})
    assert tiny["first_delivery_day_by_region"] == {"near": _day(2).isoformat(), "far": None}
    # Unmet need, masks: (100 - 65) + (100 - 0) = 135.
    assert tiny["unmet_need"] == pytest.approx(135)
    assert tiny["unmet_need_by_region"] == pytest.approx({"near": 35, "far": 100})


def test_tiny_run_equity(tiny: dict[str, Any]) -> None:
    # fill [0.65, 0]: mean 0.325, lowest 0; Gini: ordered |d| 2 * 0.65 = 1.3,
    # / (2 * 4 * 0.325) = 1.3 / 2.6 = 0.5.
    assert tiny["mean_fill_rate"] == pytest.approx(0.325)
    assert tiny["min_fill_rate"] == 0.0
    assert tiny["gini_fill_rate"] == pytest.approx(0.5)
    # Weighted by population 1 (near) and 3 (far): the values [0.65, 0, 0, 0] -> 0.75.
    assert tiny["gini_fill_rate_population"] == pytest.approx(0.75)


def test_tiny_run_pledges(tiny: dict[str, Any]) -> None:
    p = tiny["pledges"]
    # pledged 75 + 50 = 125 (the day-8 pledge is not due); on time 55 + 15 = 70;
    # late 20 (near, paid first: older); unmet (75 - 55 - 20) + (50 - 15) = 0 + 35 = 35.
    assert (p["pledged"], p["on_time"], p["late"], p["unmet"], p["not_due"]) == \
        pytest.approx((125, 70, 20, 35, 7))
    assert [e["region"] for e in p["each"]] == ["near", "far", "near"]
    each = [[e["on_time"], e["late"], e["unmet"], e["not_due"]] for e in p["each"]]
    np.testing.assert_allclose(each, [[55, 20, 0, 0], [15, 0, 35, 0], [0, 0, 0, 7]])


def _nothing_delivered() -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    data["donor"]["initial_stock"] = 0
    data["donor"]["capacity"]["points"][0]["value"] = 0
    return data


def test_nothing_delivered_equity_is_null_in_summary_and_said_plainly() -> None:
    s = summary(_run(_nothing_delivered()))
    assert s["delivered_total"] == 0
    for key in ("gini_fill_rate", "min_fill_rate", "mean_fill_rate",
                "gini_fill_rate_population"):
        assert s[key] is None, key
    assert s["unmet_need"] == pytest.approx(200)  # 10 days x 10 masks x 2 regions
    text = json.dumps(s, allow_nan=False)
    assert '"gini_fill_rate": null' in text
    printed = format_summary(s, 0.1)
    assert "nothing was delivered, so fairness is undefined" in printed
    assert "unmet need        200 masks" in printed


def test_population_gini_is_null_when_every_population_is_zero() -> None:
    data = copy.deepcopy(TINY)
    for r in data["regions"]:
        r["population"] = 0
    s = summary(_run(data))
    assert s["gini_fill_rate_population"] is None
    assert s["gini_fill_rate"] == pytest.approx(0.5)


def test_summary_is_standard_json_when_totals_are_not_finite() -> None:
    # Huge inputs (e.g. 1e308 masks a day summed over days) overflow to inf, and inf - inf is
    # NaN; validation now bounds quantities, so the overflow is set in the totals directly.
    result = _run(TINY)
    result.run.totals.need_units[0, 1] = np.inf
    s = summary(result)
    json.dumps(s, allow_nan=False)  # raises on NaN or Infinity
    assert s["unmet_need"] is None
    assert s["unmet_need_by_region"] == {"near": pytest.approx(35), "far": None}


def test_a_sweep_naming_the_old_outcome_is_an_input_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Unmet need is in masks (a sum of masks a day over days), renamed from "mask-days".
    f = tmp_path / "old.toml"
    f.write_text(f'name = "old"\nbase = "{MINIMAL.as_posix()}"\n'
                 'outcomes = ["unmet_need_mask_days"]\n[design]\nkind = "monte_carlo"\n'
                 'samples = 2\n[[parameters]]\npath = "reserve.days"\nuniform = [0, 9]\n')
    assert main(["sweep", str(f), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "outcomes[0]" in err and "unmet_need_mask_days" in err and "unmet_need" in err
