"""Override paths that are scalars on the plan: which paths they are, their values checked in
bulk, and scenarios set from checked values without validating each again.

A sweep, ``run_overrides`` or ``with_overrides`` sets the same paths on one base scenario
thousands of times. Where a path sets a number (or a rule, or a budget kind) that the engine
reads as a per-row value of a plan of fixed structure (``sim.engine.rows``), the values of a
whole column are checked at once here, against the very bounds the scenario models declare
(read from their fields: ``ge``, ``le``, the finite check, the validators that keep -0.0 and
rounding noise out), together with the checks across fields that read them (a budget kind
and its share or amount; a lead time's min <= mode <= max; the weighted rule and shares by
weights; the horizon's day-regions). A row that fails any check, or whose value is of a type
pydantic would have to convert, is not on the fast path: its scenario is built and validated
on its own, so its error is validation's one-line error (or, when pydantic takes the value
after all, it runs like any built scenario). So the bulk checks may be stricter than pydantic, never
looser: tests hold them against validation, and ``scalar_path`` declines any path through a
model whose validators it does not know.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import annotated_types as at
import numpy as np
from numpy.typing import NDArray
from pydantic import AfterValidator, AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.domestic import Domestic, Use
from sim.scenario.donors import Donor, Supply
from sim.scenario.models import (
    Allocation,
    Budget,
    FixedLeadTime,
    FixedPledge,
    Group,
    Outages,
    Region,
    Reserve,
    Shipments,
    StandingPledge,
    TriangularLeadTime,
    plus_zero,
    zero_or_not_tiny,
)
from sim.scenario.paths import Step, Steps
from sim.scenario.scenario import Scenario

Mask = NDArray[np.bool_]
K = TypeVar("K")


class Scalar(StrEnum):
    """What a scalar path sets, as the plan reads it."""

    SEED = "seed"  # seed: the run's seed, not the plan
    RULE = "rule"  # allocation.rule
    DONOR_RULE = "donor_rule"  # donors[d].rule
    RESERVE = "reserve"  # donors[d].reserve.days
    SUPPLY_RESERVE = "supply_reserve"  # donors[d].supplies[s].reserve.days
    BUDGET_KIND = "budget_kind"  # donors[d].budget.kind
    BUDGET_SHARE = "budget_share"  # donors[d].budget.share
    BUDGET_AMOUNT = "budget_amount"  # donors[d].budget.amount_per_week
    CARGO_CAP = "cargo_cap"  # donors[d].shipments.cargo_cap
    INITIAL_STOCK = "initial_stock"  # donors[d].supplies[s].initial_stock
    AVAILABILITY = "availability"  # donors[d].supplies[s].availability
    OUTAGE_PROBABILITY = "outage_probability"  # ...supplies[s].outages.daily_probability
    OUTAGE_SEVERITY = "outage_severity"  # ...supplies[s].outages.severity
    OUTAGE_MEAN_DAYS = "outage_mean_days"  # ...supplies[s].outages.mean_duration_days
    UPTAKE = "uptake"  # ...supplies[s].domestic.uptake
    GROUP_UPTAKE = "group_uptake"  # ...supplies[s].domestic.groups[g].uptake
    LEAD_MIN = "lead_min"  # regions[r].lead_time.min (triangular)
    LEAD_MODE = "lead_mode"  # regions[r].lead_time.mode
    LEAD_MAX = "lead_max"  # regions[r].lead_time.max
    LEAD_DAYS = "lead_days"  # regions[r].lead_time.days (fixed)
    WEIGHT = "weight"  # regions[r].weight
    TIER = "tier"  # regions[r].tier
    ABSORPTION_CAP = "absorption_cap"  # regions[r].absorption_caps.<good>
    PLEDGE_AMOUNT = "pledge_amount"  # pledges[p].amount (fixed), .amount_per_week (standing)


_I, _S = int, str  # a list index, a table key (in the patterns below)
_SUPPLY = ("donors", _I, "supplies", _I)
_PATTERNS: tuple[tuple[tuple[Any, ...], Scalar], ...] = (
    (("seed",), Scalar.SEED),
    (("allocation", "rule"), Scalar.RULE),
    (("donors", _I, "rule"), Scalar.DONOR_RULE),
    (("donors", _I, "reserve", "days"), Scalar.RESERVE),
    ((*_SUPPLY, "reserve", "days"), Scalar.SUPPLY_RESERVE),
    (("donors", _I, "budget", "kind"), Scalar.BUDGET_KIND),
    (("donors", _I, "budget", "share"), Scalar.BUDGET_SHARE),
    (("donors", _I, "budget", "amount_per_week"), Scalar.BUDGET_AMOUNT),
    (("donors", _I, "shipments", "cargo_cap"), Scalar.CARGO_CAP),
    ((*_SUPPLY, "initial_stock"), Scalar.INITIAL_STOCK),
    ((*_SUPPLY, "availability"), Scalar.AVAILABILITY),
    ((*_SUPPLY, "outages", "daily_probability"), Scalar.OUTAGE_PROBABILITY),
    ((*_SUPPLY, "outages", "severity"), Scalar.OUTAGE_SEVERITY),
    ((*_SUPPLY, "outages", "mean_duration_days"), Scalar.OUTAGE_MEAN_DAYS),
    ((*_SUPPLY, "domestic", "uptake"), Scalar.UPTAKE),
    ((*_SUPPLY, "domestic", "groups", _I, "uptake"), Scalar.GROUP_UPTAKE),
    (("regions", _I, "lead_time", "min"), Scalar.LEAD_MIN),
    (("regions", _I, "lead_time", "mode"), Scalar.LEAD_MODE),
    (("regions", _I, "lead_time", "max"), Scalar.LEAD_MAX),
    (("regions", _I, "lead_time", "days"), Scalar.LEAD_DAYS),
    (("regions", _I, "weight"), Scalar.WEIGHT),
    (("regions", _I, "tier"), Scalar.TIER),
    (("regions", _I, "absorption_caps", _S), Scalar.ABSORPTION_CAP),
    (("pledges", _I, "amount"), Scalar.PLEDGE_AMOUNT),
    (("pledges", _I, "amount_per_week"), Scalar.PLEDGE_AMOUNT),
)

# The models a scalar path passes through, and the validators of each that the bulk checks
# account for: either they read no scalar field (ids, dates, lists in order), or ``check``
# repeats them (Budget's kind and its fields, a triangular lead time's order, the scenario's
# weighted rule and day-regions). A path through a model with any other validator is not
# on the fast path (tests/scenario/test_scalars.py holds this list to the models).
KNOWN_VALIDATORS: dict[type[BaseModel], frozenset[str]] = {
    Scenario: frozenset({"_cross_checks"}), Allocation: frozenset(),
    Donor: frozenset({"_checks"}), Supply: frozenset({"_checks"}),
    Reserve: frozenset(), Budget: frozenset({"_fields_for_kind"}), Shipments: frozenset(),
    Outages: frozenset(), Domestic: frozenset({"_checks"}), Group: frozenset({"_increasing"}),
    Region: frozenset({"_id_ok"}), FixedLeadTime: frozenset(),
    TriangularLeadTime: frozenset({"_ordered"}), FixedPledge: frozenset(),
    StandingPledge: frozenset({"_ordered"}), Use: frozenset({"_checks"}),
}


@dataclass(frozen=True)
class FieldRule:
    """What a field accepts, read from its model: a float, an int or an enum, with bounds."""

    kind: type  # float, int or a StrEnum
    ge: float = -math.inf
    gt: float = -math.inf
    le: float = math.inf
    lt: float = math.inf
    plus_zero: bool = False  # -0.0 becomes 0.0
    not_tiny: bool = False  # 0 or at least MIN_AMOUNT


def field_rule(info: FieldInfo | None, annotation: Any) -> FieldRule | None:
    """The rule of a field of this annotation and metadata, or None when it holds anything
    else or has a validator the bulk checks do not know."""
    metadata = list(info.metadata) if info is not None else []
    while True:  # Optional[...] and Annotated[...] around the type
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                metadata += item.metadata if isinstance(item, FieldInfo) else [item]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return None
            annotation = args[0]
        else:
            break
    if annotation not in (float, int) and not (isinstance(annotation, type)
                                               and issubclass(annotation, StrEnum)):
        return None
    bounds: dict[str, float] = {}
    flags = {"plus_zero": False, "not_tiny": False}
    for item in metadata:
        if isinstance(item, at.Ge | at.Gt | at.Le | at.Lt):
            name = type(item).__name__.lower()
            bounds[name] = float(getattr(item, name))
        elif isinstance(item, AfterValidator) and item.func is plus_zero:
            flags["plus_zero"] = True
        elif isinstance(item, AfterValidator) and item.func is zero_or_not_tiny:
            flags["not_tiny"] = True
        else:
            return None
    return FieldRule(annotation, ge=bounds.get("ge", -math.inf), gt=bounds.get("gt", -math.inf),
                     le=bounds.get("le", math.inf), lt=bounds.get("lt", math.inf),
                     plus_zero=flags["plus_zero"], not_tiny=flags["not_tiny"])


@dataclass(frozen=True)
class ScalarPath:
    """A path that sets a scalar on the plan: what it sets, where, and the field's rule."""

    kind: Scalar
    steps: Steps  # in the one form, with the models' own field names
    rule: FieldRule
    donor: int = -1
    supply: int = -1
    region: int = -1
    index: int = -1  # the pledge, or the ration group
    good: str = ""  # an absorption cap's good


def field_name(model: BaseModel, step: str) -> str:
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


def _matches(pattern: tuple[Any, ...], steps: Steps) -> bool:
    return len(pattern) == len(steps) and all(
        (p is _I and isinstance(s, int)) or (p is _S and isinstance(s, str))
        or p == s for p, s in zip(pattern, steps, strict=True))


def _known(model: type[BaseModel]) -> bool:
    """Whether the bulk checks account for every validator of the model."""
    decorators = model.__pydantic_decorators__
    return (model in KNOWN_VALIDATORS and not decorators.field_validators
            and set(decorators.model_validators) <= KNOWN_VALIDATORS[model])


def scalar_path(scenario: Scenario, steps: Steps) -> ScalarPath | None:
    """What ``steps`` (a path in the one form) sets, if it is a scalar on the plan of this
    scenario; None otherwise (a change of structure, or a path the fast path does not
    know)."""
    node: Any = scenario
    parent: Any = None
    canonical: list[Step] = []
    for step in steps:  # walk the scenario: each step's node, aliases named as fields
        if node is None:  # an optional table left out: only a supply's reserve, set anew
            if canonical[-1:] != ["reserve"] or step != "days" or not _known(Reserve):
                return None
            parent, node = Reserve(), None
        elif isinstance(node, BaseModel) and isinstance(step, str):
            if not _known(type(node)):
                return None
            try:
                step = field_name(node, step)
            except KeyError:
                return None
            parent, node = node, getattr(node, step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            parent, node = node, node[step]
        elif isinstance(node, dict) and isinstance(step, str):
            parent, node = node, node.get(step)
        else:
            return None
        canonical.append(step)
    kind = next((k for p, k in _PATTERNS if _matches(p, tuple(canonical))), None)
    return None if kind is None else _target(scenario, kind, tuple(canonical), parent)


def _target(scenario: Scenario, kind: Scalar, steps: Steps, parent: Any
            ) -> ScalarPath | None:
    """The ScalarPath of a matched pattern, or None where the scenario has it otherwise
    (a lead time of the other kind, a pledge of the other kind, a good it does not have,
    a supply with no ration programme)."""
    where: dict[str, Any] = {}
    if steps[0] == "donors":
        where["donor"] = steps[1]
        if len(steps) > 3 and steps[2] == "supplies":
            where["supply"] = steps[3]
    if steps[0] == "regions":
        where["region"] = steps[1]
    if steps[0] == "pledges" or kind is Scalar.GROUP_UPTAKE:
        where["index"] = steps[1] if steps[0] == "pledges" else steps[6]
    if kind is Scalar.ABSORPTION_CAP:
        if steps[3] not in scenario.good_ids:
            return None
        where["good"] = steps[3]
        rule = field_rule(None, typing.get_args(Region.model_fields["absorption_caps"]
                                                .annotation)[1])
    else:
        info = type(parent).model_fields[str(steps[-1])]
        rule = field_rule(info, info.annotation)
    if kind in (Scalar.LEAD_MIN, Scalar.LEAD_MODE, Scalar.LEAD_MAX) and not isinstance(
            parent, TriangularLeadTime):
        return None
    if kind is Scalar.LEAD_DAYS and not isinstance(parent, FixedLeadTime):
        return None
    if kind is Scalar.PLEDGE_AMOUNT and not isinstance(parent, FixedPledge | StandingPledge):
        return None
    return None if rule is None else ScalarPath(kind, steps, rule, **where)


def split_paths(scenario: Scenario, steps: Mapping[K, Steps]
                ) -> tuple[dict[K, ScalarPath], list[K]]:
    """Override keys (and their steps) into those that set a scalar on the plan and the
    rest. Keys that name one field twice, or a field inside or around another key's, are
    among the rest: setting them in order is what decides their value."""
    found = {key: scalar_path(scenario, s) for key, s in steps.items()}
    named = {key: path.steps if path is not None else steps[key] for key, path in found.items()}
    fast: dict[K, ScalarPath] = {}
    for key, path in found.items():
        mine = named[key]
        if path is None or any(other != key and (
                theirs[:len(mine)] == mine or mine[:len(theirs)] == theirs)
                for other, theirs in named.items()):
            continue
        fast[key] = path
    return fast, [key for key in steps if key not in fast]
