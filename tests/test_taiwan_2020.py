"""The Taiwan replay against the record (issue 24): every channel of record A4b in the
scenario, the two stock series compared like with like, the fit and what it held out, and the
51 M by the end of June held out rather than met by construction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.engine.runner import Result, run
from sim.results.domestic import derived_series
from sim.results.observations import compare_run
from sim.results.summary import summary
from sim.scenario.loading import load
from sim.scenario.scenario import Scenario
from sim.sweep.calibrate import Role, calibrate

TAIWAN = Path(__file__).resolve().parents[1] / "scenarios" / "taiwan_2020.toml"
FITTED = ("domestic.uptake", "domestic.uptake_profile.points[1].value", "donor.availability")
STOCK_SERIES = ("donor.stock.war_reserve", "donor.stock.inventory")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load(TAIWAN)


@pytest.fixture(scope="module")
def result(scenario: Scenario) -> Result:
    return run(scenario)


@pytest.fixture(scope="module")
def rows(result: Result) -> list[dict[str, Any]]:
    return compare_run(result)


def test_every_channel_of_the_record_is_in_with_its_date_and_source(scenario: Scenario) -> None:
    supply = scenario.donors[0].supplies[0]
    dom = supply.domestic
    assert dom is not None
    assert [u.id for u in dom.uses] == ["medical", "hospital_stock", "cdc_stock", "agencies",
                                        "schools", "industry", "military"]
    assert all(u.source and u.note for u in dom.uses)
    assert dom.set_aside is None  # the uses say what it lumped together
    assert [e.per_day for e in dom.ration_supply] == [2.6e6, 1.65e6, 3.96e6, 5.2e6, None]
    assert dom.uptake_profile is not None and supply.availability < 1.0
    assert dom.stock_series == ["war_reserve", "inventory"]


def test_each_stock_statement_names_its_series_and_is_held_out(scenario: Scenario) -> None:
    stock = [o for o in scenario.observations if "stock" in o.tags]
    assert len(stock) == 8
    for o in stock:
        assert "holdout" in o.tags, o
        if o.series == "donor.stock":
            assert "scope-unclear" in o.tags and "SCOPE UNCLEAR" in o.note
        else:
            assert o.series in STOCK_SERIES
            assert ("war-reserve" if o.series.endswith("war_reserve") else "inventory") in o.tags


def test_the_stock_series_are_the_matching_model_quantities(result: Result) -> None:
    series = result.run.series
    assert series is not None
    d = derived_series(result.scenario, result.run.plan, series.donor)
    home = summary(result)["donors"]["Taiwan"]["goods"]["masks"]["domestic"]
    held = {uid: u["held_end"] for uid, u in home["uses"].items()}
    stock = float(series.donor["stock"][0, -1])
    war = stock + held["hospital_stock"] + held["cdc_stock"]
    assert d["stock_in:war_reserve"][0, -1] == pytest.approx(war)
    assert d["stock_in:inventory"][0, -1] == pytest.approx(war + held["schools"])
    assert held["schools"] == pytest.approx(6.45e6) and held["cdc_stock"] == pytest.approx(4.54e6)
    assert held["hospital_stock"] == pytest.approx(30 * 116_000)


def test_four_of_the_six_stock_statements_are_within_15_percent_without_a_fit(
        rows: list[dict[str, Any]]) -> None:
    six = [r for r in rows if r["series"] in STOCK_SERIES and r["kind"] == "documented"]
    assert len(six) == 6 and not any("fit" in r["tags"] for r in six)
    close = [r for r in six if abs(r["relative_error"]) <= 0.15]
    assert len(close) >= 4, [(r["date"], r["series"], r["relative_error"]) for r in six]
    # Each series has at least one statement the model meets.
    assert {r["series"] for r in close} == set(STOCK_SERIES)


def test_the_file_holds_what_calibrate_fits_to_the_fit_tagged_figures(
        scenario: Scenario) -> None:
    fit = calibrate(scenario, FITTED, hold_out=["holdout"])
    used = fit.by_role(Role.USED)
    assert {f.observation.series for f in used} == {
        "donor.production", "domestic.sold.cumulative", "domestic.sold_per_day"}
    assert all("fit" in f.observation.tags for f in used)
    assert all("fit" not in f.observation.tags for f in fit.by_role(Role.HELD_OUT))
    supply = scenario.donors[0].supplies[0]
    assert supply.domestic is not None and supply.domestic.uptake_profile is not None
    in_file = (supply.domestic.uptake, supply.domestic.uptake_profile.points[1].value,
               supply.availability)
    assert fit.values == pytest.approx(in_file, rel=5e-4)


def test_the_51_million_are_held_out_and_the_gap_is_named(
        scenario: Scenario, result: Result, rows: list[dict[str, Any]]) -> None:
    assert not any("round 4" in p.note and "ASSUMPTION (amount" in p.note
                   for p in scenario.pledges)
    end = next(r for r in rows if r["series"] == "donated.cumulative"
               and r["date"] == "2020-06-30")
    assert "holdout" in end["tags"] and "not met by construction" in end["note"]
    documented = 10e6 + 6e6 + 7.07e6 + 2e6 + 0.5e6 + 15 * 100_000 + 3.93e6 + 50_000
    assert end["model"] == pytest.approx(documented)
    assert end["error"] == pytest.approx(documented - 51e6)  # the gap: round 4, not found
    series = result.run.series
    assert series is not None
    assert np.cumsum(series.donor["shipped"][0])[-1] == pytest.approx(documented)


def test_the_taiwan_page_is_what_its_script_writes() -> None:
    """docs/taiwan-2020.md is generated from masksim run (tools/taiwan_report.py): a change
    to the scenario or the model that moves a number shows here until it is regenerated."""
    import subprocess
    import sys

    tool = Path(__file__).resolve().parents[1] / "tools" / "taiwan_report.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
