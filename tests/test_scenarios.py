"""Every file in scenarios/ validates and runs, as shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.runner import run
from sim.scenario.loading import load

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


def test_there_are_scenarios() -> None:
    assert {p.name for p in SCENARIOS} >= {"taiwan_2020.toml", "minimal.toml"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scenario_validates_and_runs(path: Path) -> None:
    from checks import check_mass_balance

    result = run(load(path))
    totals = result.run.totals
    assert (totals.produced_units + totals.received_units).sum() > 0  # made or bought
    assert result.run.totals.shipped_units.sum() > 0  # every shipped scenario donates
    check_mass_balance(result)


def test_taiwan_2020_keeps_its_people_supplied_and_every_pledge() -> None:
    import datetime as dt

    import numpy as np

    from sim.results.summary import summary as summarize

    path = next(p for p in SCENARIOS if p.name == "taiwan_2020.toml")
    result = run(load(path))
    summary = summarize(result)
    assert summary["domestic_shortfall"] == 0
    pledges = summary["pledges"]
    assert pledges["unmet"] == 0 and pledges["late"] == 0
    assert pledges["on_time"] == pytest.approx(pledges["pledged"])
    # The documented gifts only: 10 M + 6 M + 2 M + 0.5 M + 7.07 M, 100,000 a week for 15
    # weeks, the citizens' 3.93 M donated rations and 50,000 to South Africa. Round 4 is not
    # in the record, so "over 51 million" by the end of June is held out, not met.
    assert pledges["pledged"] == pytest.approx(25.57e6 + 15 * 100_000 + 3.93e6 + 50_000)
    assert summary["donated_total"] == pytest.approx(pledges["pledged"])
    assert summary["donated_total"] < 51e6

    series = result.run.series
    assert series is not None
    dates = result.run.plan.dates
    ids = list(result.run.plan.region_ids)
    shipped = series.region["shipped"][0]

    def on(day: dt.date, region: str) -> float:
        return float(shipped[dates.index(day), ids.index(region)])

    # Dated dispatches: Japan's 2 M on 16 Apr (a Thursday), Canada's 0.5 M on 22 Apr (with
    # that Wednesday's 100,000 to the US), round 1's 2 M to the US on 9 Apr.
    assert on(dt.date(2020, 4, 16), "asia_pacific") == 2e6
    assert on(dt.date(2020, 4, 22), "north_america") == 0.6e6
    assert on(dt.date(2020, 4, 9), "north_america") == 2e6
    # From 1 June the government takes 8 M a day and releases the rest of the output; the
    # ration (about 10 M a day) then draws the stock down.
    d = {k: v[0] for k, v in series.donor.items()}
    june = dates.index(dt.date(2020, 6, 1))
    assert (d["released"][:june] == 0).all()
    np.testing.assert_allclose(d["production"][june:] - d["released"][june:], 8e6)
    assert d["stock"][-1] < d["stock"][june - 1]


SWEEPS = sorted((Path(__file__).resolve().parents[1] / "scenarios" / "sweeps").glob("*.toml"))


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.name)
def test_sweep_file_validates_against_its_base(path: Path) -> None:
    from sim.sweep.store import load_sweep

    resolved = load_sweep(path)  # the sweep, its base scenario and its design, checked
    assert resolved.n_experiments > 0
