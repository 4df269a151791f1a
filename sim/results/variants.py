"""Variants of a base scenario as batches for the engine: scalars as per-row values on a
plan built once, a scenario built (and validated, and planned) only where the structure
changes.

Two ways in:

* ``override_blocks``: columns of override values on one base (a sweep's chunk,
  ``run_overrides``, ``run_experiments``, ``masksim optimize``). Paths that set a scalar on
  the plan (``sim.scenario.scalars``) are checked a column at a time
  (``sim.scenario.scalar_checks``) and become per-row arrays on the plan of their group
  (``sim.engine.rows``); the other paths ("structure": horizon, shipment days, a domestic
  programme's schedules ...) group the rows by their values, and each group's scenario is
  built and validated once. A row whose group has no other row, or whose values a check
  refuses, is built, validated and planned on its own: so errors are the one-line errors
  of validation, named for the first row that has one.
* ``scenario_blocks``: scenarios already validated (``run_scenarios``). Each is compared
  with the scenarios that began the open blocks, by identity first (``with_overrides``
  shares every untouched sub-model): when all it changes are scalars on the plan, it joins
  that block as a row of values; otherwise it begins a block of its own.

Either way, blocks come out with the rows they hold, and every row is the same bytes as
its scenario built and run alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from sim.engine.memo import PlanCache
from sim.engine.plan import Plan, build_plan
from sim.engine.rows import plan_rows
from sim.scenario.enums import Backend
from sim.scenario.errors import InputError
from sim.scenario.overrides import Overrides
from sim.scenario.paths import Steps
from sim.scenario.scalar_checks import check, column_of
from sim.scenario.scalars import Scalar, ScalarPath, scalar_path, split_paths
from sim.scenario.scenario import Scenario

Seed = int | np.random.SeedSequence
Mask = NDArray[np.bool_]
_UNSET = object()  # a row that does not set a path


class RowError(Exception):
    """Row ``row`` of a table of overrides does not validate: ``error`` says why."""

    def __init__(self, row: int, error: InputError) -> None:
        super().__init__(row, error)
        self.row, self.error = row, error


@dataclass(frozen=True)
class Block:
    """Rows of a table run as one plan: their indices, the plan (one scenario a row), each
    row's own seed (its scenario's), and the backend they run with."""

    rows: Sequence[int]
    plan: Plan
    seeds: list[int]
    backend: Backend


def override_blocks(base: Scenario, columns: Mapping[Any, NDArray[Any]], n: int, *,
                    given: Mapping[Any, Mask] | None = None,
                    source: str | None = None,
                    backend: Backend | None = None, chunk_size: int = 1024,
                    cache: PlanCache | None = None, per_row: bool = True) -> Iterator[Block]:
    """Blocks of rows 0 .. n-1 of ``columns`` (override key, a dotted path or its steps ->
    a value a row; ``given``: the
    rows that set it, default all), in row order. ``per_row=False`` builds every distinct
    row as a scenario (the way every row ran before: for comparison). InputError: a key
    that names no field; RowError: the first row that does not validate."""
    over = Overrides(base, source)
    cache = PlanCache() if cache is None else cache
    steps = {key: over.steps(key) if isinstance(key, str) else key for key in columns}
    fast, slow = split_paths(base, steps) if per_row else ({}, list(columns))
    masks = {k: np.ones(n, dtype=bool) if given is None or k not in given
             else np.asarray(given[k], dtype=bool) for k in columns}
    cells = {k: columns[k].tolist() if isinstance(columns[k], np.ndarray) else list(
        columns[k]) for k in slow}
    keys = [tuple(cells[k][j] if masks[k][j] else _UNSET for k in slow) for j in range(n)]
    groups: dict[Any, Scenario | None] = {}

    def changes(j: int, which: Iterable[Any]) -> list[tuple[Steps, Any]]:
        return [(steps[k], _item(columns[k], j)) for k in which if masks[k][j]]

    def alone(j: int) -> Block:
        try:
            scenario = over.apply(changes(j, columns))
        except InputError as exc:
            raise RowError(j, exc) from None
        return Block([j], build_plan(scenario, cache), [scenario.seed],
                     backend or scenario.allocation.backend)

    j = 0
    while j < n:
        stop = j + 1
        while stop < n and stop - j < chunk_size and _same(keys[stop], keys[j]):
            stop += 1
        if slow and stop - j == 1 and not _cached(groups, keys[j]):  # built once, alone
            yield alone(j)
            j = stop
            continue
        group = _group(over, groups, keys[j], changes(j, slow)) if slow else base
        if group is None:
            yield from (alone(i) for i in range(j, stop))
            j = stop
            continue
        paths = {k: scalar_path(group, steps[k]) for k in fast}
        if any(p != fast[k] for k, p in paths.items()):  # the group's own structure
            yield from (alone(i) for i in range(j, stop))
            j = stop
            continue
        rows = slice(j, stop)
        checked = check(group, stop - j, {fast[k]: _column(columns[k], rows) for k in fast},
                        {fast[k]: masks[k][rows] for k in fast})
        seeds = next((checked.values[p].tolist() for p in checked.values
                      if p.kind is Scalar.SEED), [group.seed] * (stop - j))
        start = j
        for ok, length in _runs(checked.ok):
            if not ok:
                yield from (alone(i) for i in range(start, start + length))
            else:
                part = slice(start - j, start - j + length)
                plan = plan_rows(group, build_plan(group, cache),
                                 {p: v[part] for p, v in checked.values.items()}, length,
                                 cache)
                yield Block(range(start, start + length), plan, seeds[part],
                            backend or group.allocation.backend)
            start += length
        j = stop


def _item(values: Any, j: int) -> Any:
    value = values[j]
    return value.item() if isinstance(value, np.generic) else value


def _column(values: NDArray[Any], rows: slice) -> NDArray[Any]:
    return np.asarray(values)[rows]


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # values that do not compare: rows of their own
        return False


def _cached(groups: dict[Any, Scenario | None], key: tuple[Any, ...]) -> bool:
    """Whether a group's scenario with these structural values is at hand (and valid)."""
    try:
        return groups.get(key) is not None
    except TypeError:  # values that do not hash
        return False


def _group(over: Overrides, groups: dict[Any, Scenario | None], key: tuple[Any, ...],
           changes: list[tuple[Steps, Any]]) -> Scenario | None:
    """The scenario of a group of rows with these values at the structural paths (None: it
    does not validate; its rows are then built one by one and meet their own errors)."""
    try:
        hash(key)
    except TypeError:
        key = None  # type: ignore[assignment]
    if key is not None and key in groups:
        return groups[key]
    try:
        scenario: Scenario | None = over.apply(changes)
    except InputError:
        scenario = None
    if key is not None:
        if len(groups) >= 64:
            groups.pop(next(iter(groups)))
        groups[key] = scenario
    return scenario


def _runs(ok: Mask) -> Iterator[tuple[bool, int]]:
    """(value, length) of each run of equal values."""
    if not len(ok):
        return
    edges = np.flatnonzero(np.diff(ok.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(ok)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        yield bool(ok[a]), b - a


# --- scenarios already validated ---------------------------------------------------------

@dataclass
class _Open:
    """A block being filled: its first scenario and the scalars each row sets on it."""

    base: Scenario
    backend: Backend
    rows: list[int] = field(default_factory=list)
    seeds: list[Seed] = field(default_factory=list)
    values: list[dict[ScalarPath, Any]] = field(default_factory=list)
    paths: dict[Steps, ScalarPath | None] = field(default_factory=dict)

    def join(self, scenario: Scenario) -> dict[ScalarPath, Any] | None:
        """The scalars ``scenario`` sets on this block's first, or None: it changes more."""
        found = scalar_changes(self.base, scenario)
        if found is None:
            return None
        out: dict[ScalarPath, Any] = {}
        for steps, value in found:
            if steps not in self.paths:
                self.paths[steps] = scalar_path(self.base, steps)
            path = self.paths[steps]
            if path is None:
                return None
            out[path] = value
        return out


def scenario_blocks(scenarios: Iterable[Scenario], seeds: Iterable[Seed] | None, *,
                    backend: Backend | None, chunk_size: int, cache: PlanCache,
                    open_blocks: int = 4) -> Iterator[tuple[Block, list[Seed]]]:
    """Blocks of validated scenarios, each with its rows' seeds (``seeds``, else each
    scenario's own). Rows come out in blocks, not in order: each block says its rows."""
    blocks: list[_Open] = []
    given = iter(seeds) if seeds is not None else None

    def emit(b: _Open) -> tuple[Block, list[Seed]]:
        blocks.remove(b)
        paths = list(dict.fromkeys(p for row in b.values for p in row))
        values = {p: column_of(b.base, p, [row.get(p, _UNSET) for row in b.values],
                               _UNSET) for p in paths}
        base_plan = build_plan(b.base, cache)
        plan = (base_plan if not paths and len(b.rows) == 1
                else plan_rows(b.base, base_plan, values, len(b.rows), cache))
        return Block(b.rows, plan, [], b.backend), b.seeds

    for i, scenario in enumerate(scenarios):
        seed: Seed = scenario.seed if given is None else next(given)
        mine = backend or scenario.allocation.backend
        target, row = None, None
        for b in reversed(blocks):
            if b.backend is mine:
                row = b.join(scenario)
                if row is not None:
                    target = b
                    break
        if target is None:
            if len(blocks) >= open_blocks:
                yield emit(blocks[0])
            target, row = _Open(scenario, mine), {}
            blocks.append(target)
        else:  # most recently joined last: the first to look at
            blocks.remove(target)
            blocks.append(target)
        target.rows.append(i)
        target.seeds.append(seed)
        target.values.append(row or {})
        if len(target.rows) >= chunk_size:
            yield emit(target)
    if given is not None and next(given, None) is not None:
        raise ValueError("more seeds than scenarios")
    while blocks:
        yield emit(blocks[0])


def scalar_changes(base: BaseModel, other: BaseModel, limit: int = 400
                   ) -> list[tuple[Steps, Any]] | None:
    """The values ``other`` has where it differs from ``base`` (a list of leaf paths and
    values), or None when it differs in more than values (a list's length, a table's keys,
    a model's kind) or when finding out would look at more than ``limit`` nodes. Nodes that
    are the same object are not looked into: overrides share untouched sub-models."""
    out: list[tuple[Steps, Any]] = []
    seen = 0

    def walk(a: Any, b: Any, steps: Steps) -> bool:
        nonlocal seen
        if a is b:
            return True
        seen += 1
        if seen > limit:
            return False
        if isinstance(a, BaseModel) or isinstance(b, BaseModel):
            # What a model read at load (a cases table) lives in private attributes: the
            # same only when they are the same objects.
            pa = getattr(a, "__pydantic_private__", None) or {}
            pb = getattr(b, "__pydantic_private__", None) or {}
            if pa.keys() != pb.keys() or any(pa[k] is not pb[k] for k in pa):
                return False
            return type(a) is type(b) and all(
                walk(getattr(a, name), getattr(b, name), (*steps, name))
                for name in type(a).model_fields)
        if isinstance(a, list) or isinstance(b, list):
            return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                    and all(walk(x, y, (*steps, k)) for k, (x, y) in enumerate(
                        zip(a, b, strict=True))))
        if isinstance(a, dict) or isinstance(b, dict):
            return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                    and all(walk(a[k], b[k], (*steps, k)) for k in a))
        if type(a) is type(b) and a == b:
            return True
        out.append((steps, b))
        return True

    return out if walk(base, other, ()) else None
