"""The page's levers: the same scenario as `masksim run --set`, the same error line, a URL
that gives the same settings back, nothing but levers taken from a URL."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.cli.main import main
from sim.explore import levers as lv
from sim.scenario.writing import dump_toml

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TAIWAN = SCENARIOS / "taiwan_2020.toml"
BASE = sim.load(TAIWAN)
SOURCE = lv.Source(TAIWAN)


def cli_error(path: Path, sets: list[str]) -> str:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["validate", str(path), *[a for s in sets for a in ("--set", s)]]) == 2
    return err.getvalue().strip()


def test_taiwan_has_every_lever_the_issue_names() -> None:
    keys = [lever.key for lever in lv.levers(BASE)]
    assert keys == ["reserve.days", "budget.kind", "budget.share", "budget.amount_per_week",
                    "domestic.uptake", "donor.outages.daily_probability", "allocation.rule",
                    "lead_time_scale", "seed"]
    size, date = lv.pledge_levers(BASE, 1)
    assert (size.key, date.key) == ("pledges[1].amount", "pledges[1].date")


def test_several_donors_get_levers_each_and_coordination() -> None:
    donors = sim.load(SCENARIOS / "donors_2020.toml")
    keys = [lever.key for lever in lv.levers(donors)]
    assert "coordination" in keys
    assert {f"donors[{d}].reserve.days" for d in range(len(donors.donors))} <= set(keys)


@pytest.mark.parametrize("settings_", [
    {"reserve.days": 30.0, "allocation.rule": "maxmin"},
    {"budget.kind": "share_of_surplus", "budget.share": 0.25, "domestic.uptake": 0.6},
    {"lead_time_scale": 1.5, "seed": 7, "pledges[1].amount": 5_000_000.0},
    {"pledges[1].date": __import__("datetime").date(2020, 4, 8),
     "donor.outages.daily_probability": 0.1},
])
def test_a_setting_is_the_scenario_the_command_line_loads(settings_: dict[str, object]
                                                          ) -> None:
    page = lv.apply(BASE, settings_, SOURCE)
    cli = sim.load(TAIWAN, lv.cli_sets(BASE, settings_))
    assert dump_toml(page) == dump_toml(cli)


def test_the_transit_scale_scales_every_transit() -> None:
    hub = sim.load(SCENARIOS / "jack_ma_africa_2020.toml")
    scaled = lv.apply(hub, {"lead_time_scale": 2.0}, lv.Source(SCENARIOS /
                                                               "jack_ma_africa_2020.toml"))
    before, after = hub.hubs[0].lead_times, scaled.hubs[0].lead_times
    assert after == {k: 2 * v for k, v in before.items()}
    lead = hub.donors[0].lead_times
    assert all(scaled.donors[0].lead_times[k] != v for k, v in lead.items()
               if getattr(v, "days", getattr(v, "max", 0)))


@pytest.mark.parametrize("key, value", [
    ("reserve.days", -5.0), ("domestic.uptake", 1.5), ("budget.share", 2.0),
    ("pledges[1].date", __import__("datetime").date(2021, 1, 1)),
])
def test_a_refused_value_gets_the_command_lines_line(key: str, value: object) -> None:
    settings_ = lv.set_value(BASE, {"budget.kind": "share_of_surplus", "budget.share": 0.5}
                             if key == "budget.share" else {}, key, value)
    with pytest.raises(sim.InputError) as caught:
        lv.apply(BASE, settings_, SOURCE)
    assert str(caught.value) == cli_error(TAIWAN, lv.cli_sets(BASE, settings_))


def test_a_scale_out_of_range_is_refused_in_one_line() -> None:
    with pytest.raises(sim.InputError, match=r"taiwan_2020.toml: lead_time_scale: must be "
                                             r"between 0 and 10"):
        lv.apply(BASE, {"lead_time_scale": 11.0}, SOURCE)


def test_a_budget_kind_brings_its_share_and_drops_it_again() -> None:
    on = lv.set_value(BASE, {}, "budget.kind", "share_of_surplus")
    assert on == {"budget.kind": "share_of_surplus", "budget.share": lv.DEFAULT_SHARE}
    assert lv.set_value(BASE, on, "budget.kind", "pledges_only") == {}


def test_the_base_value_is_no_setting() -> None:
    assert lv.set_value(BASE, {"reserve.days": 9.0}, "reserve.days", 3) == {}


@settings(max_examples=25, deadline=None)
@given(days=st.floats(0, 365, allow_nan=False), rule=st.sampled_from(
    ["proportional", "maxmin", "priority", "weighted"]),
    scale=st.floats(0, 10, allow_nan=False), seed=st.integers(0, 2**64 - 1),
    pledge=st.integers(0, len(BASE.pledges) - 1), amount=st.floats(0, 1e9, allow_nan=False))
def test_the_url_gives_the_settings_back(days: float, rule: str, scale: float, seed: int,
                                         pledge: int, amount: float) -> None:
    settings_: lv.Settings = {}
    size, _ = lv.pledge_levers(BASE, pledge)
    for key, value in (("reserve.days", days), ("allocation.rule", rule),
                       ("lead_time_scale", scale), ("seed", seed), (size.key, amount)):
        settings_ = lv.set_value(BASE, settings_, key, value)
    query = lv.encode(settings_)
    from urllib.parse import parse_qs

    back, notes = lv.decode(BASE, parse_qs(query))
    assert notes == []
    assert back == settings_


def test_a_url_sets_nothing_but_levers() -> None:
    got, notes = lv.decode(BASE, {"observations_file": ["/etc/passwd"],
                                  "regions[0].needs.masks.table": ["/etc/passwd"],
                                  "reserve.days": ["ten"], "allocation.rule": ["maxmin"],
                                  "pledges[999].amount": ["1"]})
    assert got == {"allocation.rule": "maxmin"}
    assert len(notes) == 4 and all("ignored" in n for n in notes)
