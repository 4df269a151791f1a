"""JSON Schema of input files as they may be written (``masksim schema``), for editors that
check TOML against a JSON Schema (Taplo, and VS Code's Even Better TOML built on it).

Made from the pydantic models, then widened to what the loader accepts: the older names of
fields (``masks_per_day``), the single-donor form (``[donor]``, ``[domestic]``...), a
region's ``need`` and ``absorption_cap`` for the first good, pledges without ``donor`` or
``good``, and ``observations_file``. Written for JSON Schema draft 7 (``definitions``,
array-form ``items`` for pairs), which Taplo's validator reads.
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from sim.scenario import shapes
from sim.scenario.models import Region
from sim.scenario.scenario import Scenario

DRAFT = "http://json-schema.org/draft-07/schema#"
Schema = dict[str, Any]


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object of a schema, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model a model holds, itself first."""
    seen: list[type[BaseModel]] = []
    todo: list[Any] = [root]
    while todo:
        tp = todo.pop()
        if shapes.is_model(tp) and tp not in seen:
            seen.append(tp)
            todo += [f.annotation for f in tp.model_fields.values()]
        else:
            todo += list(typing.get_args(tp))
    return seen


class _InOrder(GenerateJsonSchema):
    """Keys as the models write them (pydantic sorts examples' and defaults' keys): a
    table's ``kind`` first, a horizon's start before its end."""

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value


def _tag_members(tp: Any) -> list[type[BaseModel]]:
    """The members of every tagged union in a type (inside lists and tables too)."""
    tags = shapes.tagged(tp)
    if tags is not None:
        return list(tags.values())
    return [m for arg in typing.get_args(tp) for m in _tag_members(arg)]


def model_schema(root: type[BaseModel], title: str) -> Schema:
    """The model's schema in draft 7, with every older field name allowed (marked
    deprecated) and every tagged union's ``kind`` required, as the loader requires it."""
    schema = root.model_json_schema(ref_template="#/definitions/{model}", mode="validation",
                                    schema_generator=_InOrder)
    defs = schema.pop("$defs", {})
    for node in _nodes([schema, defs]):
        node.pop("discriminator", None)
        if "prefixItems" in node:  # draft 7 writes a pair as an array of item schemas
            node["items"] = node.pop("prefixItems")
    out: Schema = {"$schema": DRAFT, **schema, "title": title, "definitions": defs}
    for model in _models(root):
        node = out if model is root else defs.get(model.__name__)
        if node is None:
            continue
        for name, info in model.model_fields.items():
            alias = info.validation_alias
            if not isinstance(alias, AliasChoices):
                continue
            older = [str(c) for c in alias.choices if c != name]
            for old in older:
                node["properties"][old] = {**node["properties"][name], "deprecated": True,
                                           "description": f"Older name of {name}."}
            if name in node.get("required", []):
                node["required"].remove(name)
                node.setdefault("allOf", []).append(
                    {"anyOf": [{"required": [n]} for n in (name, *older)]})
        for info in model.model_fields.values():
            for member in _tag_members(info.annotation):
                member_node = defs[member.__name__]
                if "kind" not in member_node.setdefault("required", []):
                    member_node["required"].insert(0, "kind")
    for node in _nodes(out):
        if node.get("required") == []:
            del node["required"]
    return out


def scenario_schema() -> Schema:
    """The JSON Schema of a scenario file, shorthands and the single-donor form included."""
    out = model_schema(Scenario, "masksim scenario")
    defs = out["definitions"]
    props = out["properties"]
    out["required"] = [k for k in out["required"] if k not in ("goods", "donors")]
    out["anyOf"] = [{"required": ["donors"]}, {"required": ["donor", "domestic"]}]
    single = copy.deepcopy(defs["Supply"])
    for key in ("good", "domestic", "domestic_need"):
        single["properties"].pop(key)
    single["properties"] = {"name": {"type": "string", "description": "The donor's name."},
                            **single["properties"]}
    single["title"] = "SingleDonor"
    single["description"] = ("The single-donor form: one donor of masks, its supply written "
                             "here, with [domestic], [reserve], [budget] and [shipments] beside "
                             "it (or write [[donors]]).")
    defs["SingleDonor"] = single
    older = "Single-donor form (instead of [[donors]]): "
    props["donor"] = {"$ref": "#/definitions/SingleDonor",
                      "description": older + "the donor and its supply of masks."}
    for key, model in (("domestic", "Domestic"), ("reserve", "Reserve"), ("budget", "Budget"),
                       ("shipments", "Shipments")):
        props[key] = {"$ref": f"#/definitions/{model}",
                      "description": older + f"the donor's {key}."}
    props["observations_file"] = {
        "type": "string", "description": "A CSV of observations (date, series, value or low "
        "and high, source, kind, ...), relative to the scenario file, read after the inline "
        "ones.", "examples": ["data/observations.csv"]}
    region = defs[Region.__name__]["properties"]
    region["need"] = {**copy.deepcopy(region["needs"]["additionalProperties"]),
                      "description": "Shorthand: the need for the first good (needs.<good>).",
                      "examples": [{"kind": "constant", "per_day": 1_000_000}]}
    region["absorption_cap"] = {**copy.deepcopy(region["absorption_caps"]["additionalProperties"]),
                                "description": "Shorthand: the absorption cap of the first "
                                "good (absorption_caps.<good>).", "examples": [2_000_000]}
    for pledge in ("FixedPledge", "StandingPledge"):
        defs[pledge]["required"] = [k for k in defs[pledge]["required"]
                                    if k not in ("donor", "good")]
    return out
