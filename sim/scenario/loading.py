"""Scenario files in: TOML parsing, dotted overrides, OWID cases tables, one-line errors.

This is the edge of the program: everything here may read files; everything past it trusts
the frozen :class:`~sim.scenario.models.Scenario` it is given.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.models import CasesNeed, Scenario

_TAGS = {"constant", "schedule", "cases", "fixed", "triangular", "standing"}
_HEAD = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.S)


class InputError(Exception):
    """Bad input: reported as one line naming the file and the field (exit code 2)."""

    def __init__(self, source: str | Path, field: str, message: str) -> None:
        self.source, self.field, self.message = str(source), field, message
        where = f"{self.source}: {field}: " if field else f"{self.source}: "
        super().__init__(where + message)


_UNIONS = {"need", "lead_time", "pledges"}  # fields whose value is a tagged union


def _join(loc: Iterable[str | int]) -> str:
    out = ""
    previous: str | int = ""
    before: str | int = ""
    for part in loc:
        # pydantic names the union member after a union field; the user never wrote it
        # (but "schedule" is also a field of a schedule need, and that one stays).
        tag_here = previous in _UNIONS or (isinstance(previous, int) and before in _UNIONS)
        before, previous = previous, part
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS and tag_here:
            continue
        else:
            out += ("." if out else "") + part
    return out


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


def first_error(source: str | Path, exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    field, msg = _join(err["loc"]), _message(err)
    head = _HEAD.match(msg)
    if head:  # a model-level check names its own field: "end: must not be before start"
        sub, msg = head.groups()
        field = f"{field}.{sub}" if field and not sub.startswith("[") else field + sub
    return InputError(source, field, msg)


def parse_value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, dates, lists); a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def set_dotted(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` (``reserve.days``, ``regions[2].weight``) set."""
    out = copy.deepcopy(data)
    steps: list[str | int] = [
        int(i) if i else k for k, i in _STEP.findall(path)
    ]
    if not steps:
        raise KeyError(path)
    node: Any = out
    for step, nxt in zip(steps, steps[1:], strict=False):
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                raise KeyError(path)
            node = node[step]
        else:
            if not isinstance(node, dict):
                raise KeyError(path)
            node = node.setdefault(step, [] if isinstance(nxt, int) else {})
    last = steps[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise KeyError(path)
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise KeyError(path)
    return out


def read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "", f"TOML syntax: {exc}") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read: {exc.strerror or exc}") from None


@functools.lru_cache(maxsize=16)
def read_cases_table(path: Path) -> dict[str, dict[int, float]]:
    """New cases by ISO code and ordinal date from an OWID-format CSV (dates M/D/YYYY or ISO)."""
    out: dict[str, dict[int, float]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"iso_code", "date", "new_cases"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(path, "", f"missing column(s): {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            text = row["date"]
            try:
                if "/" in text:
                    m, d, y = (int(x) for x in text.split("/"))
                    day = dt.date(y, m, d)
                else:
                    day = dt.date.fromisoformat(text)
                cases = float(row["new_cases"] or 0.0)
            except ValueError:
                raise InputError(path, f"line {line}", "bad date or new_cases") from None
            # OWID reports corrections as negative new cases; need never goes below zero.
            series = out.setdefault(row["iso_code"], {})
            series[day.toordinal()] = series.get(day.toordinal(), 0.0) + max(cases, 0.0)
    return out


def _attach_cases(scenario: Scenario, base_dir: Path, source: str | Path) -> None:
    for i, region in enumerate(scenario.regions):
        need = region.need
        if not isinstance(need, CasesNeed):
            continue
        table_path = need.table if need.table.is_absolute() else base_dir / need.table
        try:
            table = read_cases_table(table_path.resolve())
        except OSError as exc:
            raise InputError(
                source, f"regions[{i}].need.table", f"cannot read {table_path}: {exc.strerror}"
            ) from None
        merged: dict[int, float] = {}
        for j, code in enumerate(need.iso_codes):
            if code not in table:
                raise InputError(
                    source, f"regions[{i}].need.iso_codes[{j}]", f"{code!r} not in {table_path}"
                )
            for day, cases in table[code].items():
                merged[day] = merged.get(day, 0.0) + cases
        need._new_cases.update(merged)


def validate(
    data: Mapping[str, Any], source: str | Path = "<scenario>", base_dir: Path | None = None
) -> Scenario:
    """A frozen Scenario from a plain dict, or an InputError naming the field."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise first_error(source, exc) from None
    _attach_cases(scenario, base_dir or Path.cwd(), source)
    return scenario


def load(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (``key.path=value``) and validate a scenario file."""
    data = apply_overrides(read_toml(path), overrides, path)
    base_dir = Path(path).resolve().parent
    # Cases tables are named relative to the scenario file; make that explicit, so the
    # resolved scenario (results, overrides, sweeps) still finds them from anywhere.
    for region in data.get("regions", []) if isinstance(data.get("regions"), list) else []:
        need = region.get("need") if isinstance(region, dict) else None
        if isinstance(need, dict) and isinstance(need.get("table"), str):
            need["table"] = str(base_dir / need["table"])
    return validate(data, path, base_dir)


def apply_overrides(
    data: dict[str, Any], overrides: Iterable[str], source: str | Path
) -> dict[str, Any]:
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(source, "--set", f"expected KEY=VALUE, got {item!r}")
        try:
            data = set_dotted(data, key.strip(), parse_value(text.strip()))
        except KeyError:
            raise InputError(source, key.strip(), "no such field to set") from None
    return data


def dump_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML (what ran, defaults included)."""
    return _toml_table(scenario.model_dump(mode="python", exclude_none=True), ())


def _toml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):  # by type: a note that reads like a date stays a string
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, Enum):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_scalar(v)}" for k, v in value.items()) + " }"
    text = value.value if isinstance(value, Enum) else str(value)
    return json.dumps(text)  # a JSON string is a valid TOML basic string, escapes and all


def _toml_table(data: Mapping[str, Any], prefix: tuple[str, ...]) -> str:
    lines: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            tables.append(f"\n[{'.'.join(path)}]\n" + _toml_table(value, path))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                tables.append(f"\n[[{'.'.join(path)}]]\n" + _toml_table(item, path))
        else:
            lines.append(f"{key} = {_toml_scalar(value)}")
    return "\n".join(lines) + ("\n" if lines else "") + "".join(tables)
