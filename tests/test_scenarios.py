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
    assert result.run.totals.produced_masks[0] > 0
    assert result.run.totals.shipped_masks.sum() > 0  # every shipped scenario donates
    check_mass_balance(result)


def test_taiwan_2020_keeps_its_people_supplied_and_every_pledge() -> None:
    from sim.results.summary import summary as summarize

    path = next(p for p in SCENARIOS if p.name == "taiwan_2020.toml")
    summary = summarize(run(load(path)))
    assert summary["domestic_shortfall"] == 0
    pledges = summary["pledges"]
    assert pledges["unmet"] == 0 and pledges["late"] == 0
    assert pledges["on_time"] == pytest.approx(pledges["pledged"])
    # The recorded rounds: 10 M + 6 M + 2 M + 0.5 M + 7.07 M, plus 100,000 a week.
    assert pledges["pledged"] == pytest.approx(25.57e6 + 15 * 100_000)


SWEEPS = sorted((Path(__file__).resolve().parents[1] / "scenarios" / "sweeps").glob("*.toml"))


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.name)
def test_sweep_file_validates_against_its_base(path: Path) -> None:
    from sim.sweep.store import load_sweep

    resolved = load_sweep(path)  # the sweep, its base scenario and its design, checked
    assert resolved.n_experiments > 0
