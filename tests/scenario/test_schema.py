"""``masksim schema``: the JSON Schema of scenario and sweep files as they may be written,
checked with the jsonschema package against every shipped file, both forms and shorthands
included, and against mistakes it must catch."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sim.cli.main import main
from sim.scenario.schema import scenario_schema
from sim.scenario.starter import Sections, starter
from sim.sweep.schema import sweep_schema

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml")) + sorted(
    (REPO / "tests" / "fixtures").glob("*.toml"))
SWEEPS = sorted((REPO / "scenarios" / "sweeps").glob("*.toml"))


def as_json(value: Any) -> Any:
    """A TOML document as an editor's checker sees it: dates as ISO strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value


def _errors(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    checker = jsonschema.Draft7Validator(schema,
                                         format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(as_json(document))]


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    schema = scenario_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates(scenario: dict[str, Any], path: Path) -> None:
    with open(path, "rb") as fh:
        assert _errors(scenario, tomllib.load(fh)) == []


def test_a_goods_outcome_validates_in_a_sweep_file() -> None:
    with open(SWEEPS[0], "rb") as fh:
        data = tomllib.load(fh)
    data["outcomes"] = ["domestic_shortfall", "min_fill_rate[test_kits]"]
    assert _errors(sweep_schema(), data) == []
    data["outcomes"] = ["happiness[test_kits]"]
    assert _errors(sweep_schema(), data) != []


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_every_shipped_sweep_validates(path: Path) -> None:
    schema = sweep_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    with open(path, "rb") as fh:
        assert _errors(schema, tomllib.load(fh)) == []


def test_every_starter_validates(scenario: dict[str, Any]) -> None:
    for goods in (False, True):
        for hub in (False, True):
            text = starter("s", Sections(goods=goods, donors=True, hub=hub))
            assert _errors(scenario, tomllib.loads(text)) == []


@pytest.mark.parametrize(("change", "where"), [
    ({"regions": [{"id": "a", "need": 1_000_000}]}, "['regions', 0, 'need']"),
    ({"donors": [{"id": "d", "supplies": [{}], "reserve": 14}]}, "['donors', 0, 'reserve']"),
    ({"donors": [{"id": "d", "supplies": [{}], "shipments": {"cadence": 7}}]},
     "['donors', 0, 'shipments']"),
    ({"pledges": [{"region": "a", "amount": 1, "date": "2020-03-05"}]}, "['pledges', 0]"),
    ({"horizon": {"start": "06/02/2020", "end": "2020-05-31"}}, "['horizon', 'start']"),
    ({"allocation": {"rule": "max-min"}}, "['allocation', 'rule']"),
])
def test_the_schema_catches_the_mistakes_of_issue_21(
    scenario: dict[str, Any], change: dict[str, Any], where: str
) -> None:
    with open(REPO / "tests" / "fixtures" / "japan_asia.toml", "rb") as fh:
        document = {**tomllib.load(fh), **change}
    errors = _errors(scenario, document)
    assert errors and any(e.startswith(where) for e in errors), errors


def test_masksim_schema_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == "masksim scenario" and "definitions" in printed
    assert main(["schema", "sweep"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "masksim sweep"
