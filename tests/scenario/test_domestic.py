"""The domestic programme's scenario fields: uses (rates, allotments, stock targets, the stock
series they count in), the uptake profile, the ration outlets' supply, a supply's availability;
observations over a period and of a stock series. Each is read from a file in either form,
written back, and rejected with one line naming the field when it is wrong."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.observations import Measure, SeriesPath, parse_series
from sim.scenario.tables import read_observations_csv
from sim.scenario.validation import validate
from sim.scenario.writing import dump_toml

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"

PROGRAMME = """
uptake_profile = { interpolation = "linear", points = [
    { date = 2020-03-09, value = 1.0 }, { date = 2020-03-10, value = 2.0 },
    { date = 2020-03-20, value = 1.0 }] }
ration_supply = [{ date = 2020-03-02, per_day = 300_000 }, { date = 2020-03-16 }]

[[domestic.uses]]
id = "hospitals"
name = "Hospitals"
per_day = { points = [{ date = 2020-03-02, value = 50_000 }] }
stock_target = [{ date = 2020-03-05, days = 10 }, { date = 2020-03-12, days = 5, per_day = 1e4 }]
counts_in = ["reserve", "inventory"]
source = "a release"

[[domestic.uses]]
id = "schools"
allotments = [{ date = 2020-03-03, amount = 70_000, days = 7 }]
counts_in = ["inventory"]
note = "a backup stock"
"""


def with_programme(tmp_path: Path, extra: str = "", programme: str = PROGRAMME) -> Path:
    """minimal.toml with a domestic programme (and ``extra`` appended)."""
    text = MINIMAL.read_text().replace("[reserve]", programme + "\n[reserve]", 1)
    text = text.replace("[donor]\n", "[donor]\navailability = 0.9\n", 1)
    path = tmp_path / "programme.toml"
    path.write_text(text + extra)
    return path


def test_a_programme_loads_in_the_single_donor_form_and_writes_back(tmp_path: Path) -> None:
    scenario = load(with_programme(tmp_path))
    supply = scenario.donors[0].supplies[0]
    dom = supply.domestic
    assert dom is not None and supply.availability == 0.9
    assert [u.id for u in dom.uses] == ["hospitals", "schools"]
    hospitals, schools = dom.uses
    assert hospitals.label == "Hospitals" and schools.label == "schools"
    assert hospitals.stock_target[1].per_day == 1e4 and hospitals.stock_target[0].per_day is None
    assert schools.allotments[0].days == 7
    assert dom.ration_supply[1].per_day is None  # the cap lifted
    assert dom.stock_series == ["reserve", "inventory"]
    assert scenario.stock_series("masks") == ["reserve", "inventory"]
    # The resolved scenario (the one form) reads back the same.
    again = tmp_path / "again.toml"
    again.write_text(dump_toml(scenario))
    assert load(again) == scenario


def test_the_new_fields_are_reached_by_the_older_paths(tmp_path: Path) -> None:
    path = with_programme(tmp_path)
    scenario = load(path, ["donor.availability=0.5", "domestic.uses[0].per_day.points[0].value=7",
                           "domestic.uptake_profile.points[1].value=3"])
    dom = scenario.donors[0].supplies[0].domestic
    assert scenario.donors[0].supplies[0].availability == 0.5
    assert dom is not None and dom.uses[0].per_day is not None
    assert dom.uses[0].per_day.points[0].value == 7
    assert dom.uptake_profile is not None and dom.uptake_profile.points[1].value == 3


def test_the_goods_and_donors_form_takes_the_same_fields(tmp_path: Path) -> None:
    data = tomllib.loads(with_programme(tmp_path).read_text())
    donor, domestic = data.pop("donor"), data.pop("domestic")
    data["donors"] = [{"id": "d", "reserve": data.pop("reserve"),
                       "supplies": [{**donor, "good": "masks", "domestic": domestic}]}]
    data["goods"] = [{"id": "masks"}]
    for r in data["regions"]:
        r["needs"] = {"masks": r.pop("need")}
    for p in data["pledges"]:
        p.update(donor="d", good="masks")
    scenario = validate(data)
    assert scenario.donors[0].supplies[0].domestic == load(
        with_programme(tmp_path)).donors[0].supplies[0].domestic


BAD = [
    ('id = "schools"', 'id = "school s"', "domestic.uses[1].id", "letters, digits"),
    ('id = "schools"', 'id = "hospitals"', "domestic.uses[1].id", "duplicate id 'hospitals'"),
    ('counts_in = ["inventory"]', 'counts_in = ["inventory", "inventory"]',
     "domestic.uses[1].counts_in", "named twice"),
    ('counts_in = ["inventory"]', 'counts_in = ["in ventory"]', "domestic.uses[1].counts_in",
     "letters, digits"),
    ("days = 7 }", "days = 0 }", "domestic.uses[1].allotments[0].days", ">= 1"),
    ("amount = 70_000", "amount = -1", "domestic.uses[1].allotments[0].amount", ">= 0"),
    ("{ date = 2020-03-12, days = 5", "{ date = 2020-03-04, days = 5",
     "domestic.uses[0].stock_target", "strictly increasing"),
    ("{ date = 2020-03-05, days = 10 }", "{ date = 2020-03-05, days = -10 }",
     "domestic.uses[0].stock_target[0].days", ">= 0"),
    ("{ date = 2020-03-16 }", "{ date = 2020-03-01 }", "domestic.ration_supply",
     "strictly increasing"),
    ("per_day = 300_000", "per_day = -3", "domestic.ration_supply[0].per_day", ">= 0"),
    ('source = "a release"', 'sauce = "a release"', "domestic.uses[0].sauce", ""),
    ("value = 2.0 }", "value = -2.0 }", "domestic.uptake_profile.points[1].value", ">= 0"),
]


@pytest.mark.parametrize(("old", "new", "field", "message"), BAD)
def test_a_bad_programme_names_its_field(tmp_path: Path, old: str, new: str, field: str,
                                        message: str) -> None:
    assert old in PROGRAMME
    path = with_programme(tmp_path, programme=PROGRAMME.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.field == field and message in err.value.message


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_availability_is_a_share(tmp_path: Path, value: str) -> None:
    with pytest.raises(InputError) as err:
        load(with_programme(tmp_path), [f"donor.availability={value}"])
    assert err.value.field == "donor.availability"


OBSERVATIONS = """
[[observations]]
date = 2020-03-20
from_date = 2020-03-09
series = "domestic.sold_per_day"
value = 500_000
kind = "documented"
source = "a week's sales"

[[observations]]
date = 2020-03-20
series = "donor.stock.inventory"
range = [1e6, 2e6]
kind = "documented"
source = "a statement"
"""


def test_observations_name_a_period_and_a_stock_series(tmp_path: Path) -> None:
    scenario = load(with_programme(tmp_path, OBSERVATIONS))
    week, stock = scenario.observations
    assert week.from_date == dt.date(2020, 3, 9) and stock.from_date is None
    assert stock.path == SeriesPath(Measure.DONOR_STOCK_IN, stock="inventory")
    assert str(stock.path) == "donor.stock.inventory"


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("from_date = 2020-03-09", "from_date = 2020-03-21", "observations[0]",
     "after date 2020-03-20"),
    ("from_date = 2020-03-09", "from_date = 2020-03-01", "observations[0].from_date",
     "before the horizon"),
    ('"donor.stock.inventory"', '"donor.stock.war_chest"', "observations[1].series",
     "unknown stock series 'war_chest' of 'masks'; the uses count in: reserve, inventory"),
])
def test_a_bad_period_or_stock_series_names_its_field(tmp_path: Path, old: str, new: str,
                                                      field: str, message: str) -> None:
    path = with_programme(tmp_path, OBSERVATIONS.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.field.startswith(field) and message in err.value.message


def test_a_stock_series_needs_a_use_that_counts_in_it() -> None:
    data: dict[str, Any] = tomllib.loads(MINIMAL.read_text() + OBSERVATIONS)
    data["observations"] = data["observations"][1:]  # donor.stock.inventory; minimal has no uses
    with pytest.raises(InputError, match="the uses count in: none") as err:
        validate(data)
    assert err.value.field == "observations[0].series"


def test_sales_need_a_ration_programme() -> None:
    data: dict[str, Any] = tomllib.loads(MINIMAL.read_text())
    data["observations"] = [{"date": "2020-03-20", "series": "domestic.sold_per_day",
                             "value": 1.0, "kind": "documented", "source": "s"}]
    validate(data)  # minimal has ration groups
    data["donors"] = [{"id": "d", "supplies": [{**data.pop("donor"), "domestic_need": {
        "kind": "constant", "per_day": 5.0}}]}]
    del data["domestic"], data["reserve"]
    with pytest.raises(InputError, match="needs a supply of 'masks' with a ration programme"):
        validate(data)


def test_stock_series_paths_parse() -> None:
    assert parse_series("donor.stock.war_reserve") == SeriesPath(Measure.DONOR_STOCK_IN,
                                                                 stock="war_reserve")
    assert parse_series("donor.stock") == SeriesPath(Measure.DONOR_STOCK)
    assert parse_series("domestic.sold.cumulative") == SeriesPath(
        Measure.DOMESTIC_SOLD_CUMULATIVE)
    with pytest.raises(ValueError, match="donor.stock.<stock id>"):
        parse_series("donor.stock.")


def test_an_observations_csv_takes_from_date(tmp_path: Path) -> None:
    path = tmp_path / "obs.csv"
    path.write_text("date,from_date,series,value,source,kind\n"
                    "2020-03-20,2020-03-09,domestic.sold_per_day,5,a,documented\n")
    ((_, row),) = read_observations_csv(path)
    assert row["from_date"] == dt.date(2020, 3, 9)
    path.write_text("date,from_date,series,value,source,kind\n"
                    "2020-03-20,9 Mar,domestic.sold_per_day,5,a,documented\n")
    with pytest.raises(InputError, match="column from_date"):
        read_observations_csv(path)
