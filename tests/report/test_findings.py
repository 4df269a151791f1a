"""Page 1's findings: what went wrong, ranked, each in a sentence, read from the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.runner import run
from sim.report.findings import Kind, findings
from sim.report.words import amount_of
from sim.results.reader import RunData
from sim.scenario.loading import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _findings(name: str, *overrides: str) -> list[tuple[Kind, str]]:
    data = RunData.of(run(load(SCENARIOS / f"{name}.toml", list(overrides))))
    return [(f.kind, f.sentence) for f in findings(data)]


def test_three_donors_say_the_suit_shortfall_and_the_late_pledges_first() -> None:
    found = _findings("three_donors")
    assert [k for k, _ in found] == sorted(k for k, _ in found)  # gravest first
    assert found[0][0] is Kind.DOMESTIC_SHORTFALL and "62,000 protective suits" in found[0][1]
    late = [s for k, s in found if k is Kind.PLEDGES_LATE]
    assert "6.77 million surgical masks" in late[0] and "801,458 PCR test kits" in late[1]


def test_a_hub_backlog_is_a_finding() -> None:
    found = _findings("jack_ma_africa_2020")
    hub = [s for k, s in found if k is Kind.HUB_BACKLOG]
    assert len(hub) == 1 and "Addis Ababa" in hub[0] and "peaked at" in hub[0]
    # Who the largest round reached last, and when: the story of the queue in a sentence.
    assert "from the largest round (22 March)" in hub[0] and "after the landing" in hub[0]


@pytest.mark.parametrize(("overrides", "kind"), [
    (("donor.initial_stock=0", "donor.capacity.points[0].value=0"), Kind.DOMESTIC_SHORTFALL),
    (("budget.kind=\"pledges_only\"", "donor.capacity.points[0].value=0",
      "donor.initial_stock=0"), Kind.PLEDGES_UNMET),
])
def test_what_went_wrong_is_said(overrides: tuple[str, ...], kind: Kind) -> None:
    assert kind in [k for k, _ in _findings("minimal", *overrides)]


def test_a_run_where_nothing_went_wrong_has_no_findings() -> None:
    assert _findings("minimal") == []


@pytest.mark.parametrize(("unit", "name", "said"), [
    ("masks", "masks", "18.4 million masks"),
    ("masks", "Medical masks", "18.4 million medical masks"),
    ("face masks", "Masks", "18.4 million masks"),
    ("kits of 50 tests", "Q-Sens test kits", "18.4 million Q-Sens test kits"),
    ("sampling kits", "Specimen-collection (sampling) kits",
     "18.4 million specimen-collection (sampling) kits"),
    ("pairs", "Gloves", "18.4 million pairs of gloves"),
    ("units", "Masks", "18.4 million units of masks"),
])
def test_an_amount_says_its_unit_once(unit: str, name: str, said: str) -> None:
    assert amount_of(18.4e6, unit, name) == said
