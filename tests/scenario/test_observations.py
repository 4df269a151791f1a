"""Observations from the record in a scenario file: the path grammar, and every kind of bad
observation is one line naming the field (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.main import main
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.observations import Measure, SeriesPath, parse_series
from sim.scenario.writing import dump_toml

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"
TAIWAN = MINIMAL.parent / "taiwan_2020.toml"

GOOD = """
[[observations]]
date = 2020-03-20
series = "donor.stock"
value = 1_000_000
kind = "documented"
source = "a statement"

[[observations]]
date = 2020-04-01
series = "regions.south.delivered.cumulative"
range = [100_000, 200_000]
kind = "estimate"
source = "a paper"
tags = ["holdout"]
note = "a lower bound"
good = "masks"
"""


def with_observations(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.toml"
    path.write_text(MINIMAL.read_text() + text)
    return path


def test_paths_parse_and_region_ids_may_hold_dots() -> None:
    assert parse_series("donor.stock") == SeriesPath(Measure.DONOR_STOCK)
    assert parse_series("regions.a.b.shipped.cumulative") == SeriesPath(
        Measure.REGION_SHIPPED, "a.b")
    assert str(parse_series("regions.x-1.delivered.cumulative")) == (
        "regions.x-1.delivered.cumulative")
    for bad in ("donor.stocks", "regions..delivered.cumulative", "regions.delivered.cumulative",
                "delivered", ""):
        with pytest.raises(ValueError, match="unknown series"):
            parse_series(bad)


def test_good_observations_load_and_write_back(tmp_path: Path) -> None:
    scenario = load(with_observations(tmp_path, GOOD))
    first, second = scenario.observations
    assert first.value == 1e6 and first.range is None and first.kind == "documented"
    assert second.range == (1e5, 2e5) and second.tags == ["holdout"]
    assert second.path == SeriesPath(Measure.REGION_DELIVERED, "south")
    # The resolved scenario (each run's scenario.toml) keeps them, and reads back the same.
    again = tmp_path / "again.toml"
    again.write_text(dump_toml(scenario))
    assert load(again) == scenario


def test_taiwan_carries_the_record() -> None:
    scenario = load(TAIWAN)
    kinds = {o.kind.value for o in scenario.observations}
    assert kinds == {"documented", "estimate", "pledged"}
    assert all(o.source for o in scenario.observations)
    end = [o for o in scenario.observations
           if o.series == "donated.cumulative" and str(o.date) == "2020-06-30"]
    assert end and end[0].range is not None and end[0].range[0] == 51e6


BAD = [
    ('series = "donor.stock"', 'series = "donor.stok"', "observations[0].series",
     "unknown series"),
    ('series = "regions.south.delivered.cumulative"',
     'series = "regions.atlantis.delivered.cumulative"', "observations[1].series",
     "unknown region 'atlantis'"),
    ("date = 2020-03-20", "date = 2020-05-20", "observations[0].date", "outside the horizon"),
    ("date = 2020-03-20", "date = 2020-03-01", "observations[0].date", "outside the horizon"),
    ("value = 1_000_000", "value = 1_000_000\nrange = [1, 2]", "observations[0].value",
     "exactly one"),
    ("value = 1_000_000", "", "observations[0].value", "exactly one"),
    ("range = [100_000, 200_000]", "range = [300_000, 200_000]", "observations[1].range",
     "above the high end"),
    ("range = [100_000, 200_000]", "range = [100_000]", "observations[1].range[1]",
     "required"),
    ("value = 1_000_000", "value = -1", "observations[0].value", "must be >= 0"),
    ('kind = "estimate"', 'kind = "rumour"', "observations[1].kind", "documented"),
    ('source = "a statement"', "", "observations[0].source", "required"),
    ('source = "a statement"', 'source = ""', "observations[0].source", "at least 1"),
    ('good = "masks"', 'good = "gloves"', "observations[1].good", "unknown good"),
    ('good = "masks"', 'donor = "Japan"', "observations[1].donor", "unknown donor"),
    ('note = "a lower bound"', 'colour = "red"', "observations[1].colour", "unknown key"),
]


@pytest.mark.parametrize(("old", "new", "field", "message"), BAD)
def test_bad_observation_is_named(tmp_path: Path, old: str, new: str, field: str,
                                  message: str) -> None:
    assert old in GOOD
    path = with_observations(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.field == field
    assert message in err.value.message
    assert str(err.value).startswith(f"{path}: {field}: ") and "\n" not in str(err.value)


def test_bad_observation_exits_2_with_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = with_observations(tmp_path, GOOD.replace('"donor.stock"', '"donor.stok"'))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: observations[0].series: unknown series 'donor.stok'")
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()
