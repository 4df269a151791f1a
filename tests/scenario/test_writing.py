"""The one TOML writer: every resolved scenario (and sweep) reads back as itself."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenario_dicts

from sim.scenario.loading import load, validate
from sim.scenario.overrides import set_dotted, set_path
from sim.scenario.paths import parse_path
from sim.scenario.writing import dump_toml, to_toml

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MINIMAL = SCENARIOS / "minimal.toml"

# Any text a person could type, and more: emoji (outside the BMP), control characters,
# quotes, backslashes, DEL; surrogates are not text (hypothesis leaves them out).
TEXT = st.text(max_size=30)
NASTY = ("Taiwan 🇹🇼 😷", 'say "hi"', "back\\slash", "tab\tnew\nline\r", "del\x7f nul\x00",
         "\x1b[31m", "2020-04-01", "'''", "\u2028\ufeff", "𝔘𝔫𝔦")


def _with_text(data: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    data["donor"]["name"] = draw(TEXT)
    for group in data["domestic"]["groups"]:
        group["name"] = draw(TEXT)
    for region in data["regions"]:
        region["name"] = draw(TEXT)
    for pledge in data["pledges"]:
        pledge["note"] = draw(TEXT)
    return data


@st.composite
def texty_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    return _with_text(draw(scenario_dicts()), draw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texty_scenarios())
def test_any_scenario_with_any_text_reads_back_as_itself(data: dict[str, Any]) -> None:
    scenario = validate(data)
    assert validate(tomllib.loads(dump_toml(scenario))) == scenario


@pytest.mark.parametrize("text", NASTY)
def test_names_and_notes_with_emoji_quotes_and_control_characters(text: str) -> None:
    scenario = load(MINIMAL)
    data = scenario.model_dump(mode="python", exclude_none=True)
    data["donors"][0]["name"] = text
    data["regions"][0]["name"] = text
    data["pledges"][0]["note"] = text
    scenario = validate(data)
    again = tomllib.loads(dump_toml(scenario))
    assert again["donors"][0]["name"] == text and again["pledges"][0]["note"] == text
    assert validate(again) == scenario


def test_dates_are_toml_dates_enums_values_none_dropped_floats_exact() -> None:
    scenario = load(MINIMAL, ['pledges[0].note="2020-04-01"', "regions[0].weight=0.1",
                              "regions[1].weight=1e-300", "reserve.days=3.0000000000000004"])
    text = dump_toml(scenario)
    data = tomllib.loads(text)
    assert data["pledges"][0]["date"] == dt.date(2020, 3, 11)  # a TOML date ...
    assert data["pledges"][0]["note"] == "2020-04-01"  # ... and a note stays a string
    assert data["allocation"]["rule"] == "maxmin" and data["allocation"]["backend"] == "vector"
    assert "min_shipment" not in data["allocation"]  # None: not written
    assert [r["weight"] for r in data["regions"]] == [0.1, 1e-300]
    assert data["donors"][0]["reserve"]["days"] == 3.0000000000000004


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False))
def test_floats_round_trip_exactly(x: float) -> None:
    assert tomllib.loads(to_toml({"x": x, "xs": [x]})) == {"x": x, "xs": [x]}


def test_every_shipped_scenario_reads_back_as_itself() -> None:
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = load(path)
        assert validate(tomllib.loads(dump_toml(scenario))) == scenario, path.name


# --- the sweep file: the same writer ------------------------------------------------------

def test_sweep_toml_with_any_description_reads_back(tmp_path: Path) -> None:
    import tomli_w

    from sim.sweep.spec import Sweep
    from sim.sweep.store import load_sweep, sweep_toml

    text = 'Policy 😷 sweep: "reserve" \\ days\x7f\ttab\x00'
    sweep = tmp_path / "s.toml"
    sweep.write_text(tomli_w.dumps({
        "name": "s", "base": str(MINIMAL), "description": text,
        "design": {"kind": "full_factorial", "levels": 2},
        "parameters": [{"path": "reserve.days", "uniform": [0, 14]},
                       {"path": "allocation.rule", "values": ["maxmin", "proportional"]}],
    }), encoding="utf-8")
    resolved = load_sweep(sweep)
    assert resolved.sweep.description == text
    again = Sweep.model_validate(tomllib.loads(sweep_toml(resolved)))
    assert again.model_copy(update={"base": resolved.sweep.base}) == resolved.sweep


# --- the one dotted-path setter -----------------------------------------------------------

def test_set_dotted_copies_the_path_and_leaves_the_input_alone() -> None:
    data = {"a": {"b": 1, "c": [1, {"d": 2}]}, "e": {"f": 3}}
    out = set_dotted(data, "a.c[1].d", 5)
    assert out["a"]["c"][1]["d"] == 5 and data["a"]["c"][1]["d"] == 2
    assert out["e"] is data["e"]  # untouched branches are shared, not copied
    assert set_dotted(data, "g.h", 1)["g"] == {"h": 1}  # a missing table starts empty
    for bad in ("a.c[7].d", "a.b.x", "", "a.c.x"):
        with pytest.raises(KeyError):
            set_dotted(data, bad, 0)


def test_set_path_on_a_model_names_only_its_fields() -> None:
    scenario = load(MINIMAL)
    out = set_path(scenario, parse_path("regions[1].lead_time.max"), 12)
    assert out["regions"][1]["lead_time"]["max"] == 12
    assert out["regions"][0] is scenario.regions[0]  # the rest stay validated instances
    assert validate(out).regions[1].lead_time.max == 12  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        set_path(scenario, parse_path("reserve.nope"), 1)
