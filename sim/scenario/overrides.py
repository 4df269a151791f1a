"""Overrides: a scenario with some fields set (``--set reserve.days=14``, a sweep's parameters,
a calibration's candidates). The one implementation: paths are parsed once, named as the
one form or as the older single-donor form (``normalise.translate``), set on a dict or on
the frozen models (only what lies on a path is copied), then validated again.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel

from sim.scenario import shapes
from sim.scenario.errors import InputError
from sim.scenario.normalise import SINGLE_DONOR_KEYS, translate
from sim.scenario.paths import Steps, parse_path
from sim.scenario.scenario import Scenario
from sim.scenario.validation import validate


def parse_value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, dates, lists); a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _field(model: BaseModel, step: str) -> str:
    """The field a step names on a model: its own name, or one of its aliases (a ration's
    ``masks`` is its ``amount``). KeyError: no such field."""
    fields = type(model).model_fields
    if step in fields:
        return step
    for name, info in fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices) and step in alias.choices:
            return name
    raise KeyError(step)


def set_path(node: Any, steps: Steps, value: Any) -> Any:
    """A copy of ``node`` with ``steps`` set, copying only what lies on the path (the rest is
    shared, not copied: a sweep sets paths thousands of times). Models on the path become
    dicts of their fields; an optional table missing on the path starts empty.
    KeyError: no such field."""
    if not steps:
        raise KeyError("")
    step, rest = steps[0], steps[1:]
    out: Any
    if isinstance(node, BaseModel):
        if not isinstance(step, str):
            raise KeyError(step)
        step = _field(node, step)
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
    """A copy of ``data`` with ``path`` (``reserve.days``, ``regions[2].weight``) set as
    written (no translation); the input is left as it was. KeyError: no such field."""
    out: dict[str, Any] = set_path(data, parse_path(path), value)
    return out


def get_path(node: Any, steps: Steps) -> Any:
    """The value at ``steps`` (KeyError or IndexError: no such field)."""
    for step in steps:
        if isinstance(node, BaseModel) and isinstance(step, str):
            node = getattr(node, _field(node, step))
        elif isinstance(node, Mapping | list):
            node = node[step]  # type: ignore[index]
        else:
            raise KeyError(step)
    return node


def resolve_path(scenario: Scenario | Mapping[str, Any], path: str) -> Steps:
    """A path's steps in the one form (the older form's names translated for a scenario of
    one donor with one supply)."""
    donors = _items(scenario, "donors")
    single = len(donors) == 1 and len(_items(donors[0], "supplies")) == 1
    goods = _items(scenario, "goods")
    first = goods[0] if goods else None
    first_good = str(first.get("id") if isinstance(first, Mapping) else getattr(first, "id",
                                                                                 "masks"))
    return parse_path(translate(path, single_supply=single, first_good=first_good))


def _items(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, Mapping) else getattr(node, key, None)
    return value if isinstance(value, list) else []


def no_such_field(scenario: Scenario | Mapping[str, Any], path: str) -> str:
    """Why a path names nothing, in a line (with a hint for the older form's names)."""
    head = parse_path(path)[:1]
    if head and head[0] in SINGLE_DONOR_KEYS and len(_items(scenario, "donors")) != 1:
        return (f"no such field: this scenario has {len(_items(scenario, 'donors'))} donors; "
                f"name one, as donors[i]...")
    steps = resolve_path(scenario, path)
    for n, part in enumerate(steps):  # the first step that names nothing, and the closest
        if isinstance(part, str) and shapes.at(Scenario, steps[:n + 1]) is None:
            keys = shapes.keys_at(Scenario, steps[:n]) or []
            close = difflib.get_close_matches(part, keys, n=1, cutoff=0.6)
            if close:
                return f"no such field to set; did you mean `{close[0]}`?"
            break
    return "no such field to set"


def apply_overrides(data: dict[str, Any], overrides: Iterable[str],
                    source: str | Path) -> dict[str, Any]:
    """``KEY=VALUE`` items set on a scenario's dict (in the one form)."""
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(source, "--set", f"expected KEY=VALUE, got {item!r}")
        try:
            data = set_path(data, resolve_path(data, key), parse_value(text.strip()))
        except KeyError:
            raise InputError(source, key, no_such_field(data, key)) from None
    return data


class Overrides:
    """Set the same paths on one base scenario many times (a sweep's rows, a calibration's
    candidates): each path is resolved once; every untouched sub-model stays the instance
    it is in ``base`` (cheap to validate, and the engine reuses what it built from it)."""

    def __init__(self, base: Scenario, source: str | None = None) -> None:
        self.base = base
        self.source = source or f"<{base.name} override>"
        self._steps: dict[str, Steps] = {}

    def steps(self, path: str) -> Steps:
        """The path's steps in the one form; InputError when it names no field."""
        if path not in self._steps:
            steps = resolve_path(self.base, path)
            try:
                set_path(self.base, steps, 0)
            except KeyError:
                raise InputError(self.source, path, no_such_field(self.base, path)) from None
            self._steps[path] = steps
        return self._steps[path]

    def apply(self, changes: Iterable[tuple[str | Steps, Any]]) -> Scenario:
        """The base with each (path, value) set, validated (InputError naming the field)."""
        data: Any = self.base
        for path, value in changes:
            steps = self.steps(path) if isinstance(path, str) else path
            data = set_path(data, steps, value)
        return data if isinstance(data, Scenario) else validate(data, self.source)


def iter_overrides(base: Scenario, rows: Iterable[Mapping[str, Any]]) -> Iterator[Scenario]:
    """One validated scenario per row of ``{dotted.path: value}`` overrides of ``base``."""
    over = Overrides(base)
    for row in rows:
        yield over.apply(row.items())


def with_overrides(base: Scenario, rows: Iterable[Mapping[str, Any]]) -> list[Scenario]:
    """One validated scenario per row of ``{dotted.path: value}`` overrides of ``base``.

    >>> from sim import load
    >>> base = load("scenarios/minimal.toml")
    >>> [s.donors[0].reserve.days for s in with_overrides(base, [{"reserve.days": 7}])]
    [7.0]
    """
    return list(iter_overrides(base, rows))
