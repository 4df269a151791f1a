"""What a field of an input file expects, read from the pydantic models: the type at a path,
the keys a table may hold, the values a choice allows, and an example written as TOML.

The one source for errors that teach (``sim.scenario.errors``), the generated reference and
the JSON Schema: examples come from the fields' ``examples``, and a table's example is made
of its tag (``kind``), its required fields and, when it has none, its first field with an
example (``{ days = 14 }``).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

Loc = Sequence[str | int]


def strip(tp: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    while True:
        if get_origin(tp) is typing.Annotated:
            tp = get_args(tp)[0]
            continue
        members = union_members(tp)
        if members is not None and len(members) == 1:
            tp = members[0]
            continue
        return tp


def union_members(tp: Any) -> list[Any] | None:
    """The members of a union other than None (None: not a union)."""
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if a is not type(None)]
    return None


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def tagged(tp: Any) -> dict[str, type[BaseModel]] | None:
    """A union of models told apart by ``kind``: tag -> model (None: not such a union)."""
    members = union_members(strip(tp))  # Need | None too
    if not members or not all(is_model(m) for m in members):
        return None
    tags: dict[str, type[BaseModel]] = {}
    for m in members:
        kind = m.model_fields.get("kind")
        args = get_args(kind.annotation) if kind is not None else ()
        if kind is None or get_origin(kind.annotation) is not Literal or len(args) != 1:
            return None
        tags[str(args[0])] = m
    return tags


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a model's table may hold: field names, then older names (aliases)."""
    names = list(model.model_fields)
    for info in model.model_fields.values():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names += [str(c) for c in alias.choices if c not in names]
    return names


def model_field(model: type[BaseModel], key: str) -> tuple[str, FieldInfo] | None:
    """The field a key names (its own name or an older name), or None."""
    if key in model.model_fields:
        return key, model.model_fields[key]
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices) and key in alias.choices:
            return name, info
    return None


def step(tp: Any, part: str | int) -> tuple[Any, FieldInfo | None, bool] | None:
    """One step of pydantic's ``loc`` into a type: (the type there, its field or None,
    whether the file names this step). A tagged union's tag and pydantic's names of union
    members are steps of ``loc`` but not of the file."""
    tags = tagged(tp)
    if tags is not None:
        if isinstance(part, str) and part in tags:
            return tags[part], None, False
        return None
    tp = strip(tp)
    members = union_members(tp)
    if members is not None:  # e.g. str | dict[str, str]: pydantic names the member tried
        for m in members:
            if isinstance(part, str) and part.split("[")[0] == getattr(
                    get_origin(m) or m, "__name__", ""):
                return m, None, False
        return None
    origin = get_origin(tp)
    if is_model(tp) and isinstance(part, str):
        found = model_field(tp, part)
        return (found[1].annotation, found[1], True) if found else None
    if origin is list and isinstance(part, int):
        return get_args(tp)[0], None, True
    if origin is dict and isinstance(part, str):
        return get_args(tp)[1], None, True
    if origin is tuple and isinstance(part, int):
        args = get_args(tp)
        return (args[min(part, len(args) - 1)], None, True) if args else None
    return None


def at(model: type[BaseModel], loc: Iterable[str | int]) -> tuple[Any, FieldInfo | None] | None:
    """The type (and field, when the last step names one) at a path of pydantic's ``loc``,
    or None when the path leaves the models."""
    tp: Any = model
    info: FieldInfo | None = None
    for part in loc:
        found = step(tp, part)
        if found is None:
            return None
        tp, info, _ = found
    return tp, info


def keys_at(model: type[BaseModel], loc: Iterable[str | int]) -> list[str] | None:
    """The keys the table at ``loc`` may hold (None: not a table of known keys)."""
    found = at(model, loc)
    if found is None:
        return None
    tp = strip(found[0])
    return field_names(tp) if is_model(tp) else None


def choices(tp: Any) -> list[str] | None:
    """The values an enum or a Literal allows (None: not a choice)."""
    tp = strip(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return [str(m.value) for m in tp]
    if get_origin(tp) is Literal:
        return [str(a) for a in get_args(tp)]
    return None


def example(tp: Any, info: FieldInfo | None = None) -> Any:
    """An example value of a field or type, as plain data (None: none known)."""
    if info is not None and info.examples:
        return info.examples[0]
    tags = tagged(tp)
    if tags is not None:
        return table_example(next(iter(tags.values())))
    tp = strip(tp)
    if is_model(tp):
        return table_example(tp)
    origin = get_origin(tp)
    if origin is list:
        item = example(get_args(tp)[0])
        return None if item is None else [item]
    if origin is dict:
        value = example(get_args(tp)[1])
        return None if value is None else {"<id>": value}
    if tp is dt.date:
        return dt.date(2020, 3, 1)
    options = choices(tp)
    if options:
        return options[0]
    return {str: "text", int: 1, float: 1.0, bool: True, Path: "file.csv"}.get(tp)


def table_example(model: type[BaseModel]) -> dict[str, Any]:
    """A model's table: its tag, its required fields, and when it has none, its first field
    with an example."""
    out: dict[str, Any] = {}
    kind = model.model_fields.get("kind")
    if kind is not None and get_origin(kind.annotation) is Literal and kind.default:
        out["kind"] = kind.default
    for name, info in model.model_fields.items():
        if info.is_required():
            out[name] = example(info.annotation, info)
    if len(out) <= ("kind" in out):
        for name, info in model.model_fields.items():
            if name != "kind" and info.examples:
                out[name] = info.examples[0]
                break
    return out


def toml_value(value: Any) -> str:
    """A value written as inline TOML: ``{ kind = "constant", per_day = 1_000_000 }``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return toml_value(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | Path):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def toml_key(key: Any) -> str:
    text = str(key)
    return text if text.replace("_", "a").replace("-", "a").isalnum() else toml_value(text)


def one_of(values: Sequence[str], quote: bool = True) -> str:
    """``"a", "b" or "c"``."""
    shown = [f'"{v}"' if quote else v for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
