"""docs/scenario-reference.md is generated from the models (tools/make_reference.py): it is
fresh, and every field of every model it documents has a description and an example."""

from __future__ import annotations

from pathlib import Path

from sim.report.reference import PAGE, reference
from sim.scenario.schema import Schema, scenario_schema
from sim.sweep.schema import sweep_schema

REPO = Path(__file__).resolve().parents[2]


def test_the_reference_page_is_fresh() -> None:
    page = REPO / PAGE
    assert page.read_text(encoding="utf-8") == reference(), (
        f"{PAGE} is stale: run python tools/make_reference.py")


def _properties(schema: Schema) -> list[tuple[str, str, Schema]]:
    nodes = [("", schema), *schema["definitions"].items()]
    return [(model, key, prop) for model, node in nodes
            for key, prop in node.get("properties", {}).items()]


def test_every_field_says_what_it_means() -> None:
    for schema in (scenario_schema(), sweep_schema()):
        missing = [f"{m}.{k}" for m, k, p in _properties(schema) if not p.get("description")]
        assert missing == []


def test_every_section_and_field_is_in_the_reference() -> None:
    text = reference()
    for schema in (scenario_schema(), sweep_schema()):
        for model, key, _ in _properties(schema):
            assert f"| `{key}` |" in text, (model, key)
        for name, node in schema["definitions"].items():
            if "enum" not in node:
                assert f"\n### {name}\n" in text, name
    assert "`need = { kind = \"constant\", per_day = 1_000_000 }`" in text
