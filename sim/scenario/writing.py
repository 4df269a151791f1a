"""The resolved scenario (and any plain data) written back as TOML, with tomli-w."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from pathlib import PurePath
from typing import Any

import tomli_w

from sim.scenario.scenario import Scenario


def dump_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML (what ran, in the one form, defaults included; ``None``
    fields dropped). Read back with ``tomllib`` and validated, it gives the same scenario."""
    return to_toml(scenario.model_dump(mode="python", exclude_none=True))


def to_toml(data: Mapping[str, Any]) -> str:
    """Plain data as TOML: enums as their values, paths as text, dates as TOML dates (by
    type, so a note that reads like a date stays a string), floats exactly."""
    table = plain(data)
    assert isinstance(table, dict)
    return tomli_w.dumps(table)


def plain(value: Any) -> Any:
    """``value`` as plain TOML-able data: enums as their values, paths as text, mappings and
    sequences converted all the way down, ``None`` entries of a mapping dropped."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | int | float | str | dt.date):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
