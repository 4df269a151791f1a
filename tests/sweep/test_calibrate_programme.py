"""Calibration of what the domestic programme and the capacity leave uncertain: a rush in the
uptake profile and the availability are recovered from sales and output figures the model made
itself, each candidate read through its own derived series (what the groups bought), and a
stock series held out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sim.engine.runner import Engine, run
from sim.results.observations import compare_run
from sim.scenario.loading import load
from sim.scenario.overrides import with_overrides
from sim.sweep.calibrate import Role, calibrate

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"
RUSH, AVAILABILITY = 2.5, 0.85
PROFILE = ('domestic.uptake_profile={interpolation = "linear", points = ['
           '{date = 2020-03-20, value = 1.0}, {date = 2020-03-21, value = 2.0}, '
           '{date = 2020-04-10, value = 1.0}]}')
USES = ('domestic.uses=[{id = "clinics", per_day = {points = [{date = 2020-03-02, value = 1e5}]},'
        ' stock_target = [{date = 2020-03-10, days = 10}], counts_in = ["reserve"]}]')
# (date, from_date, series, tags)
POINTS = [
    (dt.date(2020, 4, 9), dt.date(2020, 3, 21), "domestic.sold.cumulative", ["sales"]),
    (dt.date(2020, 3, 15), dt.date(2020, 3, 9), "donor.production", ["output"]),
    (dt.date(2020, 4, 20), None, "donor.stock.reserve", ["stock", "holdout"]),
]


def _observation(date: dt.date, since: dt.date | None, series: str, value: float,
                 tags: list[str]) -> dict[str, Any]:
    return {"date": date, "from_date": since, "series": series, "value": value,
            "kind": "documented", "source": "the model itself", "tags": tags}


def test_a_rush_and_the_availability_are_recovered_and_a_stock_series_held_out() -> None:
    base = load(MINIMAL, ['budget.kind="pledges_only"', PROFILE, USES,
                          "domestic.uptake_profile.points[1].value=" + str(RUSH),
                          f"donor.availability={AVAILABILITY}"])
    probe = with_overrides(base, [{"observations": [
        _observation(d, f, s, 1.0, t) for d, f, s, t in POINTS]}])[0]
    truth = {r["series"]: r["model"] for r in compare_run(run(probe, engine=Engine.BATCH))}
    observed = with_overrides(probe, [{
        "observations": [_observation(d, f, s, truth[s], t) for d, f, s, t in POINTS],
        "domestic.uptake_profile.points[1].value": 1.5, "donor.availability": 1.0}])[0]
    fit = calibrate(observed, ["domestic.uptake_profile.points[1].value",
                               "donor.availability"],
                    bounds={"domestic.uptake_profile.points[1].value": (1.0, 4.0)},
                    hold_out=["holdout"])
    assert fit.values == pytest.approx((RUSH, AVAILABILITY), rel=1e-6)
    (held,) = fit.by_role(Role.HELD_OUT)
    assert held.observation.series == "donor.stock.reserve"
    assert held.model == pytest.approx(truth["donor.stock.reserve"], rel=1e-9)
