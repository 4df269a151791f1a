"""Values of scalar paths (``sim.scenario.scalars``) checked in bulk, and scenarios set from
checked values without validating each again.

A column of values is checked at once against the bounds its field declares (read from the
model: ``sim.scenario.scalars.field_rule``) and the checks across fields that scalar values
take part in. A row that fails, or holds a value of a type pydantic would convert (a bool, a
string of digits, a None), is not on the fast path: its scenario is built and validated as
before, so it meets the one-line error it always met, or runs as pydantic takes it. The bulk
checks may be stricter than validation, never looser (tests/scenario/test_scalars.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from sim.scenario.enums import BudgetKind, Rule, ShareBasis
from sim.scenario.models import MAX_DAY_REGIONS, MIN_AMOUNT, Reserve, TriangularLeadTime
from sim.scenario.paths import Step, Steps
from sim.scenario.scalars import FieldRule, Scalar, ScalarPath
from sim.scenario.scenario import Scenario

Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class Checked:
    """Columns of scalar values checked against one scenario: each path's values (n,), as
    the model would hold them (float64 with NaN for a None, int64, or the enum members), the
    rows left unset taking the scenario's own; and the rows whose every value passed."""

    values: dict[ScalarPath, NDArray[Any]]
    ok: Mask


def current(scenario: Scenario, path: ScalarPath) -> Any:
    """The scenario's value at a scalar path (None where it has none)."""
    node: Any = scenario
    for step in path.steps:
        if node is None:
            return None
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int):
            node = node[step]
        else:
            node = getattr(node, str(step))
    return node


def _typed(values: NDArray[Any], rule: FieldRule) -> tuple[NDArray[Any], Mask]:
    """The values as the rule's type, and which rows had a value of that type as it is (an
    int or a float for a float, an int for an int, a member's name for an enum): any other
    (a bool, a string of digits, a None) pydantic would convert or refuse, so it is left to
    pydantic."""
    n = len(values)
    kind = values.dtype.kind
    if rule.kind is float:
        if kind in "fiu":
            return values.astype(np.float64), np.ones(n, dtype=bool)
        typed = np.array([_number(x) and _finite_float(x) for x in values]
                         if kind == "O" else [False] * n, dtype=bool).reshape(n)
        return np.array([float(x) if t else np.nan for x, t in zip(values, typed,
                                                                   strict=True)]), typed
    if rule.kind is int:
        if kind == "i":
            return values.astype(np.int64), np.ones(n, dtype=bool)
        typed = np.array([_number(x) and not isinstance(x, float | np.floating)
                          and -2**62 < x < 2**62 for x in values]
                         if kind in "Ou" else [False] * n, dtype=bool).reshape(n)
        return np.array([int(x) if t else 0 for x, t in zip(values, typed, strict=True)],
                        dtype=np.int64), typed
    members = {m.value: m for m in rule.kind}  # type: ignore[attr-defined]
    typed = np.array([isinstance(x, str) and x in members for x in values] if kind in "OU"
                     else [False] * n, dtype=bool).reshape(n)
    out = np.empty(n, dtype=object)
    out[:] = [members[str(x)] if t else None for x, t in zip(values, typed, strict=True)]
    return out, typed


def _finite_float(x: Any) -> bool:
    """Whether x becomes a finite float (an int past float's range does not: pydantic's)."""
    try:
        return abs(float(x)) < 1e308
    except OverflowError:
        return False


def _number(x: Any) -> bool:
    """An int or a float (numpy's too) as it is: not a bool, which pydantic converts."""
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(
        x, bool | np.bool_)


def as_column(values: list[Any]) -> NDArray[Any]:
    """A column of override values as an array: float64 or int64 when every value is a
    plain float or int (numbers as they are), else the objects themselves."""
    if values and all(type(x) is float for x in values):
        return np.array(values, dtype=np.float64)
    if values and all(type(x) is int and -2**62 < x < 2**62 for x in values):
        return np.array(values, dtype=np.int64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _within(values: NDArray[Any], rule: FieldRule) -> tuple[NDArray[Any], Mask]:
    """The bounds of the rule (finite, as every model's floats must be), and the values as
    its validators leave them."""
    if not (rule.kind is float or rule.kind is int):
        return values, np.ones(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        ok = ((values >= rule.ge) & (values > rule.gt) & (values <= rule.le)
              & (values < rule.lt))
        if rule.kind is float:
            ok &= np.isfinite(values)
            if rule.not_tiny:
                ok &= ~((values > 0) & (values < MIN_AMOUNT))
            if rule.plus_zero:
                values = values + 0.0
    return values, ok


def _column(scenario: Scenario, path: ScalarPath, n: int) -> NDArray[Any]:
    """The scenario's own value at a path, for every row."""
    value = current(scenario, path)
    if path.rule.kind is float:
        return np.full(n, np.nan if value is None else float(value))
    if path.rule.kind is int:
        return np.full(n, int(value), dtype=np.int64)
    out = np.empty(n, dtype=object)
    out[:] = [value] * n
    return out


def check(scenario: Scenario, n: int, columns: Mapping[ScalarPath, NDArray[Any]],
          given: Mapping[ScalarPath, Mask] | None = None) -> Checked:
    """Check n rows of raw values at scalar paths of ``scenario`` (a column (n,) each);
    ``given`` says which rows of a column set a value (default: every row); the others keep
    the scenario's."""
    ok = np.ones(n, dtype=bool)
    values: dict[ScalarPath, NDArray[Any]] = {}
    for path, raw in columns.items():
        typed, is_typed = _typed(np.asarray(raw), path.rule)
        typed, within = _within(typed, path.rule)
        mask = (given or {}).get(path)
        own = _column(scenario, path, n)
        if mask is None:
            ok &= is_typed & within
            values[path] = typed
        else:
            ok &= ~mask | (is_typed & within)
            values[path] = np.where(mask, typed, own)
    ok &= _across(scenario, values, n)
    return Checked(values, ok)


def _across(scenario: Scenario, values: Mapping[ScalarPath, NDArray[Any]], n: int) -> Mask:
    """The checks across fields that scalar values take part in (``KNOWN_VALIDATORS``)."""
    ok = np.ones(n, dtype=bool)

    def of(kind: Scalar, **where: int) -> NDArray[Any] | None:
        return next((v for p, v in values.items() if p.kind is kind and all(
            getattr(p, k) == w for k, w in where.items())), None)

    def value(kind: Scalar, fallback: Any, **where: int) -> NDArray[Any]:
        column = of(kind, **where)
        if column is not None:
            return column
        return np.full(n, np.nan if fallback is None else fallback,
                       dtype=object if isinstance(fallback, StrEnum) else np.float64)

    for d, donor in enumerate(scenario.donors):  # Budget: a kind's own field is required
        b = donor.budget
        kind = value(Scalar.BUDGET_KIND, b.kind, donor=d)
        share = value(Scalar.BUDGET_SHARE, b.share, donor=d)
        amount = value(Scalar.BUDGET_AMOUNT, b.amount_per_week, donor=d)
        ok &= ~((kind == BudgetKind.SHARE_OF_SURPLUS) & np.isnan(share.astype(float)))
        ok &= ~((kind == BudgetKind.FIXED_PER_WEEK) & np.isnan(amount.astype(float)))
    leads = [np.full(n, float(r.lead_time.planned_days)) for r in scenario.regions]
    for r, region in enumerate(scenario.regions):  # a triangular lead time is ordered
        lt = region.lead_time
        if isinstance(lt, TriangularLeadTime):
            low = value(Scalar.LEAD_MIN, lt.min, region=r)
            mode = value(Scalar.LEAD_MODE, lt.mode, region=r)
            high = value(Scalar.LEAD_MAX, lt.max, region=r)
            ok &= (low <= mode) & (mode <= high)
            leads[r] = np.floor((low + mode + high) / 3 + 0.5)
        elif of(Scalar.LEAD_DAYS, region=r) is not None:
            leads[r] = value(Scalar.LEAD_DAYS, lt.days, region=r).astype(float)
    a = scenario.allocation
    if a.shares is ShareBasis.WEIGHTS:  # the weighted rule already applies the weights
        for path, column in values.items():
            if path.kind in (Scalar.RULE, Scalar.DONOR_RULE):
                ok &= column != Rule.WEIGHTED
    if any(p.kind in _LEADS for p in values):  # the horizon's day-regions, planned ahead
        h = scenario.horizon
        donors = max((lt.planned_days for d in scenario.donors for lt in d.lead_times.values()),
                      default=0)
        onward = max((hub.handling_days + max(hub.lead_times.values(), default=0)
                      for hub in scenario.hubs), default=0)
        most = np.maximum(np.max(np.stack(leads), axis=0), donors)
        days = h.n_days + a.planning_horizon_days + most + onward
        ok &= days * len(scenario.regions) * len(scenario.goods) <= MAX_DAY_REGIONS
    return ok


_LEADS = (Scalar.LEAD_MIN, Scalar.LEAD_MODE, Scalar.LEAD_MAX, Scalar.LEAD_DAYS)


# --- scenarios set from checked values -------------------------------------------------------

def construct(node: Any, changes: list[tuple[Steps, Any]]) -> Any:
    """A copy of ``node`` with each (steps, value) set, checked already: the models on the
    paths are made with ``model_construct`` (their other fields as they are, every field
    counted as set, as validating their fields would leave them); nothing else is copied."""
    if not changes:
        return node
    by_step: dict[Step, list[tuple[Steps, Any]]] = {}
    for steps, value in changes:
        by_step.setdefault(steps[0], []).append((steps[1:], value))
    if node is None:  # an optional table left out: a supply's reserve
        return Reserve.model_construct(**{str(k): _leaf(v) for k, v in by_step.items()})
    data: dict[Any, Any] = (dict(node.__dict__) if isinstance(node, BaseModel)
            else dict(node) if isinstance(node, dict) else dict(enumerate(node)))
    for step, subs in by_step.items():
        data[step] = _leaf(subs) if subs[0][0] == () else construct(data.get(step), subs)
    if isinstance(node, BaseModel):
        return type(node).model_construct(_fields_set=set(data), **data)
    return data if isinstance(node, dict) else [data[i] for i in range(len(node))]


def _leaf(subs: list[tuple[Steps, Any]]) -> Any:
    return subs[-1][1]  # the last one set wins, as setting them in turn would leave it


def plain(value: Any) -> Any:
    """A checked value as a model holds it (a Python float or int, or the enum member)."""
    return value.item() if isinstance(value, np.generic) else value


def column_of(scenario: Scenario, path: ScalarPath, values: list[Any], unset: Any
              ) -> NDArray[Any]:
    """Values a validated model holds at a path (``unset``: the scenario's own) as a column
    ``check`` would give: float64 with NaN for a None, int64, or the enum members."""
    own = current(scenario, path)
    cells = [own if v is unset else v for v in values]
    if path.rule.kind is float:
        return np.array([np.nan if v is None else v for v in cells], dtype=np.float64)
    if path.rule.kind is int:
        return np.array(cells, dtype=np.int64)
    out = np.empty(len(cells), dtype=object)
    out[:] = cells
    return out
