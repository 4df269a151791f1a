"""The one form, made at the edge: the single-donor form and the shorthands are rewritten into
goods and donors before validation; errors name the field as the file wrote it; paths of the
older form reach the same fields."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.normalise import donor_id, normalise, translate
from sim.scenario.overrides import with_overrides
from sim.scenario.validation import validate
from sim.scenario.writing import dump_toml

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MINIMAL = SCENARIOS / "minimal.toml"


def minimal() -> dict[str, Any]:
    return tomllib.loads(MINIMAL.read_text())


def test_the_single_donor_form_becomes_one_donor_of_masks() -> None:
    raw = minimal()
    data, form = normalise(raw)
    assert form.single_donor and form.first_good == "masks"
    assert not {"donor", "domestic", "reserve", "budget", "shipments"} & set(data)
    (donor,) = data["donors"]
    assert donor["id"] == "donor" and donor["reserve"] == raw["reserve"]
    assert donor["supplies"][0]["domestic"] == raw["domestic"]
    assert donor["supplies"][0]["capacity"] == raw["donor"]["capacity"]
    assert data["goods"] == [{"id": "masks", "name": "Masks", "unit": "masks"}]
    assert all("need" not in r and "masks" in r["needs"] for r in data["regions"])
    assert all(p["donor"] == donor["id"] and p["good"] == "masks" for p in data["pledges"])
    assert raw == minimal()  # the input is left as it was


def test_normalising_is_idempotent_and_the_resolved_file_is_the_one_form() -> None:
    scenario = load(MINIMAL)
    text = dump_toml(scenario)
    again, form = normalise(tomllib.loads(text))
    assert not form.single_donor and not form.shorthand
    assert validate(again) == scenario


@pytest.mark.parametrize(("old", "new", "field"), [
    ("days = 7            #", "days = -1            #", "reserve.days"),
    ("uptake = 0.8", "uptake = 1.8", "domestic.uptake"),
    ("initial_stock = 2_000_000", "initial_stock = -1", "donor.initial_stock"),
    ('[reserve]', '[shipments]\nweekday = "someday"\n[reserve]', "shipments.weekday"),
    ('[reserve]', '[budget]\nkind = "everything"\n[reserve]', "budget.kind"),
    ("masks_per_day = 300_000", "masks_per_day = -3", "regions[0].need.masks_per_day"),
])
def test_errors_name_the_field_as_the_file_wrote_it(tmp_path: Path, old: str, new: str,
                                                   field: str) -> None:
    text = MINIMAL.read_text()
    assert old in text, old
    path = tmp_path / "x.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.field == field


def test_the_two_forms_do_not_mix() -> None:
    data = tomllib.loads((SCENARIOS / "three_donors.toml").read_text())
    data["reserve"] = {"days": 14}
    with pytest.raises(InputError, match=r"reserve: with \[\[donors\]\], give it as"):
        validate(data)
    data["reserve"] = {"days": 0.0}  # the default, as older resolved files wrote it
    assert validate(data).donor_ids == ["taiwan", "jack_ma", "korea"]
    single = minimal()
    del single["donor"]
    with pytest.raises(InputError, match="donor: required"):
        validate(single)


def test_older_paths_reach_the_same_fields() -> None:
    base = load(MINIMAL)
    (old,) = with_overrides(base, [{"reserve.days": 3.0, "domestic.uptake": 0.5,
                                    "donor.capacity.points[0].value": 5e5,
                                    "regions[0].need.masks_per_day": 7.0,
                                    "regions[1].absorption_cap": 9.0}])
    (new,) = with_overrides(base, [{
        "donors[0].reserve.days": 3.0, "donors[0].supplies[0].domestic.uptake": 0.5,
        "donors[0].supplies[0].capacity.points[0].value": 5e5,
        "regions[0].needs.masks.per_day": 7.0, "regions[1].absorption_caps.masks": 9.0}])
    assert old == new
    assert load(MINIMAL, ["reserve.days=3", "domestic.uptake=0.5"]) == load(
        MINIMAL, ["donors[0].reserve.days=3", "donors[0].supplies[0].domestic.uptake=0.5"])


def test_an_older_path_on_several_donors_says_to_name_one() -> None:
    base = load(SCENARIOS / "three_donors.toml")
    with pytest.raises(InputError, match="3 donors; name one"):
        with_overrides(base, [{"reserve.days": 3.0}])


def test_translate() -> None:
    assert translate("reserve.days", single_supply=True, first_good="masks") == (
        "donors[0].reserve.days")
    assert translate("donor.name", single_supply=True, first_good="masks") == (
        "donors[0].name")
    assert translate("reserve.days", single_supply=False, first_good="masks") == (
        "reserve.days")
    assert translate("regions[3].need", single_supply=False, first_good="kits") == (
        "regions[3].needs.kits")
    assert translate("allocation.rule", single_supply=True, first_good="x") == (
        "allocation.rule")


@pytest.mark.parametrize(("name", "expected"), [
    ("Taiwan", "Taiwan"), ("Taiwan (ROC)", "Taiwan_ROC"), ("😷", "donor"), ("a.b-c_d", "a.b-c_d")])
def test_donor_ids_from_names(name: str, expected: str) -> None:
    assert donor_id(name) == expected
