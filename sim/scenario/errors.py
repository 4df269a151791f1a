"""Bad input as one line naming the file and the field (exit code 2)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario import shapes
from sim.scenario.paths import join_path

_TAGS = {"constant", "schedule", "cases", "fixed", "triangular", "standing"}
_HEAD = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.S)
# Keys and values come from the file: a newline in one must not split the one-line report.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with control characters and line breaks escaped (``\\n``, ``\\x00``)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class InputError(Exception):
    """Bad input: reported as one line naming the file and the field (exit code 2)."""

    def __init__(self, source: str | Path, field: str, message: str) -> None:
        self.source, self.field, self.message = str(source), field, message
        where = f"{self.source}: {field}: " if field else f"{self.source}: "
        super().__init__(one_line(where + message))


# Where pydantic names the member of a tagged union after the field (the user never wrote
# it): after these fields, after an item of these lists, after an entry of these tables.
_UNION_FIELDS = {"need", "domestic_need", "lead_time"}
_UNION_LISTS = {"pledges"}
_UNION_TABLES = {"needs", "lead_times"}


def _join(loc: Iterable[str | int]) -> str:
    out: list[str | int] = []
    dropped = False  # a tag was just dropped: what follows is a field of the member
    for part in loc:
        prev = out[-1] if out else None
        before = out[-2] if len(out) > 1 else None
        tag_here = not dropped and (
            prev in _UNION_FIELDS
            or (isinstance(prev, int) and before in _UNION_LISTS)
            or (isinstance(prev, str) and before in _UNION_TABLES))
        dropped = isinstance(part, str) and part in _TAGS and tag_here
        if not dropped:
            out.append(part)
    return join_path(out)


def _path(loc: Sequence[str | int], model: type[BaseModel] | None) -> str:
    """The field as the file names it: without the tags and member names pydantic puts in
    ``loc`` (``needs.masks.constant.per_day`` -> ``needs.masks.per_day``)."""
    if model is None:
        return _join(loc)
    tp: Any = model
    out: list[str | int] = []
    for part in loc:
        found = shapes.step(tp, part)
        if found is None:
            return _join(loc)
        tp, _, named = found
        if named:
            out.append(part)
    return join_path(out)


def _shown(value: Any) -> str:
    text = shapes.toml_value(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown_key(key: str, keys: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean `{close[0]}`?"
    return f"unknown key; the keys here are {', '.join(keys)}"


def _expected_table(tp: Any, info: FieldInfo | None, name: str) -> str | None:
    """``expected a table such as { days = 14 }`` for a table (or list of tables) field."""
    eg = shapes.example(tp, info)
    if isinstance(eg, dict):
        return f"expected a table such as {shapes.toml_value(eg)}"
    if isinstance(eg, list) and eg and isinstance(eg[0], dict):
        return (f"expected a list of tables (each written [[{name}]] or in [ ]), such as "
                f"{shapes.toml_value(eg[:1])}")
    if isinstance(eg, list):
        return f"expected a list such as {shapes.toml_value(eg)}"
    return None


def _kinds(tags: Mapping[str, type[BaseModel]]) -> str:
    parts = []
    for tag, member in tags.items():
        about = member.model_fields["kind"].description
        parts.append(f'kind = "{tag}"' + (f" ({about.rstrip('.').lower()})" if about else ""))
    return shapes.one_of(parts, quote=False)


_DATE_ERRORS = {"date_parsing", "date_from_datetime_parsing", "date_type",
                "date_from_datetime_inexact", "datetime_parsing", "datetime_type"}
_TABLE_ERRORS = {"model_type", "model_attributes_type", "dict_type", "list_type",
                 "tuple_type", "dataclass_type"}


def _taught(err: Mapping[str, Any], model: type[BaseModel],
            file_keys: Mapping[type[BaseModel], Sequence[str]]) -> tuple[str, str] | None:
    """(extra path, message) that says what the field expects, or None: the plain message."""
    kind, loc, given = err["type"], tuple(err["loc"]), err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden" and loc:
        parent = shapes.at(model, loc[:-1])
        keys = shapes.keys_at(model, loc[:-1])
        if parent is None or keys is None:
            return None
        keys += file_keys.get(shapes.strip(parent[0]), ())
        return "", _unknown_key(str(loc[-1]), keys)
    found = shapes.at(model, loc)
    if found is None:
        return None
    tp, info = found
    tags = shapes.tagged(tp)
    if kind == "union_tag_not_found" and tags:
        return ".kind", f"required: {_kinds(tags)}"
    if kind == "union_tag_invalid" and tags:
        tag = str(ctx.get("tag", given))
        close = difflib.get_close_matches(tag, list(tags), n=1, cutoff=0.6)
        hint = f"did you mean \"{close[0]}\"? " if close else ""
        return ".kind", f"unknown kind \"{tag}\"; {hint}give {_kinds(tags)}"
    if kind in _DATE_ERRORS:
        name = str(loc[-1]) if loc and isinstance(loc[-1], str) else "date"
        if kind == "date_from_datetime_inexact":
            return "", f"expected a date without a time, as YYYY-MM-DD ({name} = 2020-03-01)"
        return "", (f"expected a date as YYYY-MM-DD, unquoted ({name} = 2020-03-01), not "
                    f"{_shown(given)}")
    if kind in ("enum", "literal_error"):
        options = shapes.choices(tp) or []
        close = difflib.get_close_matches(str(given), options, n=1, cutoff=0.6)
        hint = f"; did you mean \"{close[0]}\"?" if close else ""
        return "", f"must be one of {shapes.one_of(options)}, not {_shown(given)}{hint}"
    if kind == "missing":
        eg = shapes.example(tp, info)
        name = str(loc[-1]) if loc else ""
        if eg is None or not name:
            return None
        return "", f"required, such as {shapes.toml_key(name)} = {shapes.toml_value(eg)}"
    if kind in _TABLE_ERRORS or (kind == "model_attributes_type" and tags):
        name = str(next((p for p in reversed(loc) if isinstance(p, str)), ""))
        text = _expected_table(tp, info, name)
        if text is None:
            return None
        others = f" (other kinds: {shapes.one_of(list(tags)[1:])})" if tags else ""
        return "", f"{text}, not {_shown(given)}{others}"
    if kind in ("int_parsing", "float_parsing", "int_type", "float_type"):
        return "", f"expected a number, not {_shown(given)}"
    if kind == "int_from_float":
        return "", f"expected a whole number, not {_shown(given)}"
    if kind in ("string_type",):
        eg = shapes.example(tp, info)
        return "", f"expected text in quotes, such as {shapes.toml_value(eg or 'text')}"
    if kind in ("bool_type", "bool_parsing"):
        return "", f"expected true or false, not {_shown(given)}"
    return None


def _message(err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    simple = {
        "greater_than_equal": "must be >= {ge}",
        "greater_than": "must be > {gt}",
        "less_than_equal": "must be <= {le}",
        "less_than": "must be < {lt}",
        "missing": "required",
        "extra_forbidden": "unknown key",
        "finite_number": "must be a finite number",
        "too_short": "must have at least {min_length} item(s)",
    }
    if kind in simple:
        # 0.0 reads as 0 to someone who wrote "days = -1"
        shown = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
        return simple[kind].format(**shown)
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def first_error(source: str | Path, exc: ValidationError,
                model: type[BaseModel] | None = None,
                file_keys: Mapping[type[BaseModel], Sequence[str]] | None = None) -> InputError:
    """The first of pydantic's errors as one line naming the file and the field. Given the
    ``model`` validated, the message says what the field expects: the closest valid key,
    the shape of a table with an example, the kinds or values allowed, a date's format.
    ``file_keys``: keys a file may give beside the model's own (shorthands), by model."""
    errors = exc.errors()
    err = errors[0]
    if err["type"] == "missing":  # a misspelt key explains a missing one: name it instead
        err = next((e for e in errors if e["type"] == "extra_forbidden"
                    and tuple(e["loc"][:-1]) == tuple(err["loc"][:-1])), err)
    field, msg = _join(err["loc"]), _message(err)
    if model is not None:
        taught = _taught(err, model, file_keys or {})
        field = _path(err["loc"], model)
        if taught is not None:
            return InputError(source, field + taught[0], taught[1])
    head = _HEAD.match(msg)
    if head:  # a model-level check names its own field: "end: must not be before start"
        sub, msg = head.groups()
        field = f"{field}.{sub}" if field and not sub.startswith("[") else field + sub
    return InputError(source, field, msg)
