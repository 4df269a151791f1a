"""The resolved scenario (and any plain data) written back as TOML, with tomli-w."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from pathlib import PurePath
from typing import Any

import tomli_w

from sim.scenario.models import Scenario


def dump_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML (what ran, defaults included); ``None`` fields dropped.

    Read back with ``tomllib`` and validated, it gives the same scenario."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    # Fields added with goods and donors are left out while empty, so a scenario written
    # without them resolves to the same text (and the same run folder) as before they came.
    for key in ("goods", "donors", "exchanges", "hubs"):
        if not data.get(key):
            data.pop(key, None)
    if not scenario.donors and scenario.coordination == "independent":
        data.pop("coordination", None)
    for region in data.get("regions", []):
        for key in ("needs", "absorption_caps"):
            if not region.get(key):
                region.pop(key, None)
    return to_toml(data)


def to_toml(data: Mapping[str, Any]) -> str:
    """Plain data as TOML: enums as their values, paths as text, dates as TOML dates (by
    type, so a note that reads like a date stays a string), floats exactly."""
    plain = _plain(data)
    assert isinstance(plain, dict)
    return tomli_w.dumps(plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | str | dt.date):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
