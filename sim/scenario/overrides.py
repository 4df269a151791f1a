"""Dotted-path overrides (``--set reserve.days=14``, sweep parameters) on a scenario's dict."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.scenario.errors import InputError


def parse_value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, dates, lists); a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


Step = str | int
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> tuple[Step, ...]:
    """``regions[2].weight`` as its steps ``("regions", 2, "weight")``: parse once, set often."""
    return tuple(int(i) if i else k for k, i in _STEP.findall(path))


def set_path(node: Any, steps: tuple[Step, ...], value: Any) -> Any:
    """A copy of ``node`` with ``steps`` set, copying only what lies on the path (the rest is
    shared, not copied: the sweep sets paths thousands of times). Models on the path become
    dicts of their fields; an optional table missing on the path starts empty.
    KeyError: no such field."""
    if not steps:
        raise KeyError("")
    step, rest = steps[0], steps[1:]
    out: Any
    if isinstance(node, BaseModel):
        if not isinstance(step, str) or step not in type(node).model_fields:
            raise KeyError(step)
        out = dict(node.__dict__)  # pydantic keeps exactly the field values there
    elif isinstance(node, dict) and isinstance(step, str):
        out = dict(node)
    elif isinstance(node, list) and isinstance(step, int) and step < len(node):
        out = list(node)
    else:
        raise KeyError(step)
    if not rest:
        out[step] = value
        return out
    child = out.get(step) if isinstance(out, dict) else out[step]
    if child is None:
        child = [] if isinstance(rest[0], int) else {}
    out[step] = set_path(child, rest, value)
    return out


def set_dotted(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` (``reserve.days``, ``regions[2].weight``) set; the
    input is left as it was. KeyError: no such field."""
    out: dict[str, Any] = set_path(data, parse_path(path), value)
    return out


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
