"""Scenario files in: every kind of bad input is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.enums import Rule
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.overrides import parse_value, set_dotted

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.toml"
    path.write_text(text)
    return path


def minimal_with(tmp_path: Path, old: str, new: str) -> Path:
    text = MINIMAL.read_text()
    assert old in text
    return write(tmp_path, text.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ('id = "south"', 'id = "south"\ncolour = "red"', "regions[1].colour", "unknown key"),
    ("days = 7            #", 'days = "a week" #', "reserve.days", "number"),
    ("days = 7            #", "days = -1            #", "reserve.days", "must be >= 0"),
    ("days = 7            #", "days = nan #", "reserve.days", "finite"),
    ("min = 2, mode = 4", "min = -2, mode = 4", "regions[1].lead_time.min", "must be >= 0"),
    ("min = 2, mode = 4", "min = 5, mode = 4", "regions[1].lead_time.mode", "min <= mode"),
    ("end = 2020-04-26", "end = 2020-02-01", "horizon.end", "before start"),
    ('region = "north"', 'region = "atlantis"', "pledges[0].region", "unknown region"),
    ('rule = "maxmin"', 'rule = "lottery"', "allocation.rule", "proportional"),
    ("uptake = 0.8", "uptake = 1.8", "domestic.uptake", "must be <= 1"),
    ('[allocation]', '[allocation]\nmin_shipment = 1000', "allocation.backend", "lp"),
])
def test_bad_field_is_named(tmp_path: Path, old: str, new: str, field: str,
                            message: str) -> None:
    path = minimal_with(tmp_path, old, new)
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.field == field
    assert message in err.value.message
    line = str(err.value)
    assert line.startswith(f"{path}: {field}: ") and "\n" not in line


@pytest.mark.parametrize(("override", "field", "message"), [
    ("regions[0].need={kind='schedule', schedule={points=[{date=2020-03-02, value=-1}]}}",
     "regions[0].need.schedule.points[0].value", "must be >= 0"),
    ("regions[0].tier=1001", "regions[0].tier", "must be <= 1000"),
    ("regions[0].lead_time.days=4000", "regions[0].lead_time.days", "must be <= 3650"),
    ("pledges[0]={kind='standing', region='north', amount_per_week=1, start=2020-05-01, "
     "end=2020-06-01}", "pledges[0].start", "outside the horizon"),
])
def test_bad_override_names_the_field(override: str, field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        load(MINIMAL, [override])
    assert (err.value.field, message in err.value.message) == (field, True)


def test_a_note_that_looks_like_a_date_stays_a_string() -> None:
    import tomllib

    from sim.scenario.loading import validate
    from sim.scenario.writing import dump_toml

    scenario = load(MINIMAL, ['pledges[0].note="2020-04-01"'])
    assert validate(tomllib.loads(dump_toml(scenario))) == scenario


def test_no_regions(tmp_path: Path) -> None:
    text = MINIMAL.read_text()
    head = text[: text.index("[[regions]]")]
    with pytest.raises(InputError) as err:
        load(write(tmp_path, head + '[allocation]\nrule = "maxmin"\n'))
    assert err.value.field == "regions"


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="TOML syntax"):
        load(write(tmp_path, "name = \n"))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load(tmp_path / "missing.toml")


def test_overrides_revalidate() -> None:
    s = load(MINIMAL, ["reserve.days=14", "allocation.rule=proportional",
                       "regions[1].weight=2.5"])
    assert s.donors[0].reserve.days == 14 and s.allocation.rule is Rule.PROPORTIONAL
    assert s.regions[1].weight == 2.5
    with pytest.raises(InputError) as err:
        load(MINIMAL, ["reserve.days=-3"])
    assert err.value.field == "reserve.days"
    with pytest.raises(InputError, match="no such field"):
        load(MINIMAL, ["regions[9].weight=1"])
    with pytest.raises(InputError, match="KEY=VALUE"):
        load(MINIMAL, ["reserve.days"])


def test_parse_value_and_set_dotted() -> None:
    assert parse_value("14") == 14 and parse_value("maxmin") == "maxmin"
    assert parse_value("[1, 2]") == [1, 2]
    data = {"a": [{"b": 1}]}
    assert set_dotted(data, "a[0].b", 2) == {"a": [{"b": 2}]}
    assert data == {"a": [{"b": 1}]}  # the original is untouched


def test_scenario_is_frozen() -> None:
    s = load(MINIMAL)
    with pytest.raises(Exception, match="frozen"):
        s.donors[0].reserve.days = 3  # type: ignore[misc]


def test_cases_need_from_owid_table(tmp_path: Path, owid_table: Path) -> None:
    from sim.engine.plan import build_plan

    text = MINIMAL.read_text().replace(
        'need = { kind = "constant", masks_per_day = 300_000 }',
        f'need = {{ kind = "cases", table = "{owid_table}", iso_codes = ["ITA", "ESP"], '
        'masks_per_case = 10, active_days = 14 }', 1)
    plan = build_plan(load(write(tmp_path, text)))
    need = plan.need_units[0, :, 0]
    assert (need > 0).all()
    # Italy and Spain had tens of thousands of recent cases in March 2020.
    assert 10 * 20_000 < need.max() < 10 * 200_000
    bad = text.replace('"ESP"', '"XXX"')
    with pytest.raises(InputError) as err:
        load(write(tmp_path, bad))
    assert err.value.field == "regions[0].need.iso_codes[1]"


def test_cases_table_resolved_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text(
        "iso_code,date,new_cases\nAAA,3/1/2020,5\nAAA,3/2/2020,7\nAAA,3/3/2020,-2\n")
    text = MINIMAL.read_text().replace(
        'need = { kind = "constant", masks_per_day = 300_000 }',
        'need = { kind = "cases", table = "data/t.csv", iso_codes = ["AAA"], '
        'masks_per_case = 2, active_days = 2 }', 1)
    from sim.engine.plan import build_plan

    plan = build_plan(load(write(tmp_path, text)))
    # 2 Mar: 5 + 7 cases in two days; 3 Mar: 7 + 0 (a negative correction counts as 0);
    # after the table ends (3 Mar) the last value is held.
    assert plan.need_units[0, :5, 0].tolist() == [24.0, 14.0, 14.0, 14.0, 14.0]
    # A table that ends before the horizon starts holds its last value too, not zero.
    later = (text.replace("2020-03-02", "2020-03-20").replace("2020-04-26", "2020-05-10")
             .replace("date = 2020-03-11", "date = 2020-03-25"))
    plan = build_plan(load(write(tmp_path, later)))
    assert (plan.need_units[0, :, 0] == 14.0).all()


def test_overrides_share_the_cases_read_at_load(tmp_path: Path) -> None:
    # A sweep's rows share the base's cases need; re-validating a row must not read the
    # table again (an edit mid-sweep would change the need under the plan cache).
    from sim.engine.plan import build_plan
    from sim.scenario.overrides import with_overrides

    (tmp_path / "data").mkdir()
    table = tmp_path / "data" / "t.csv"
    table.write_text("iso_code,date,new_cases\nAAA,3/1/2020,5\nAAA,3/2/2020,7\n")
    text = MINIMAL.read_text().replace(
        'need = { kind = "constant", masks_per_day = 300_000 }',
        'need = { kind = "cases", table = "data/t.csv", iso_codes = ["AAA"], '
        'masks_per_case = 2, active_days = 2 }', 1)
    base = load(write(tmp_path, text))
    table.write_text("iso_code,date,new_cases\nAAA,3/1/2020,500\nAAA,3/2/2020,700\n")
    (row,) = with_overrides(base, [{"reserve.days": 3}])
    # 2 Mar: (5 + 7) cases x 2 masks, held after the table ends; not (500 + 700) x 2.
    assert build_plan(row).need_units[0, :3, 0].tolist() == [24.0, 24.0, 24.0]


def test_resolved_scenario_reads_back_as_the_same_scenario() -> None:
    import tomllib

    from sim.scenario.loading import validate
    from sim.scenario.writing import dump_toml

    for path in sorted(MINIMAL.parent.glob("*.toml")):
        scenario = load(path, ['pledges[0].note="two\\nlines, a \\" and a \\\\"'])
        again = validate(tomllib.loads(dump_toml(scenario)))
        assert again == scenario, path.name


def test_weighted_rule_with_shares_from_the_weights_is_refused() -> None:
    # It would give in proportion to weight squared.
    with pytest.raises(InputError, match=r"allocation\.shares: the weighted rule"):
        load(MINIMAL, ["allocation.rule=weighted", "allocation.shares=weights"])
    assert load(MINIMAL, ["allocation.rule=proportional", "allocation.shares=weights"])
