"""Dotted-path overrides (``--set reserve.days=14``, sweep parameters) on a scenario's dict."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.scenario.errors import InputError


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
