"""The resolved scenario written back as TOML."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

from sim.scenario.models import Scenario


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
