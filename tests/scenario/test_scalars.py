"""Which override paths are scalars on the plan (sim.scenario.scalars), and the models'
validators the bulk checks (sim.scenario.scalar_checks) account for."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.loading import load
from sim.scenario.overrides import Overrides
from sim.scenario.paths import parse_path
from sim.scenario.scalars import KNOWN_VALIDATORS, Scalar, scalar_path, split_paths

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("model", list(KNOWN_VALIDATORS), ids=lambda m: m.__name__)
def test_the_bulk_checks_know_every_validator_of_the_models_they_pass(model: type) -> None:
    """A validator added to a model on a scalar path must be repeated by the bulk checks
    (or its path leaves the fast path): this list is reviewed with the models."""
    decorators = model.__pydantic_decorators__  # type: ignore[attr-defined]
    assert not decorators.field_validators, model.__name__
    assert set(decorators.model_validators) == KNOWN_VALIDATORS[model], model.__name__


@pytest.mark.parametrize(("path", "kind"), [
    ("reserve.days", Scalar.RESERVE),
    ("budget.share", Scalar.BUDGET_SHARE),
    ("allocation.rule", Scalar.RULE),
    ("domestic.uptake", Scalar.UPTAKE),
    ("domestic.groups[0].uptake", Scalar.GROUP_UPTAKE),
    ("regions[1].lead_time.max", Scalar.LEAD_MAX),
    ("regions[0].lead_time.days", Scalar.LEAD_DAYS),
    ("pledges[0].amount", Scalar.PLEDGE_AMOUNT),
    ("seed", Scalar.SEED),
])
def test_scalars_of_the_minimal_scenario(path: str, kind: Scalar) -> None:
    base = load(ROOT / "scenarios" / "minimal.toml")
    found = scalar_path(base, Overrides(base).steps(path))
    assert found is not None and found.kind is kind


@pytest.mark.parametrize("path", [
    "horizon.end",  # the days of the plan
    "regions[0].lead_time.max",  # a fixed lead time has no max
    "regions[1].lead_time.days",  # a triangular one has no days
    "regions[0].population",  # a scalar, but not one the plan holds per row
    "domestic.groups[0].rations[0].per_days",
])
def test_changes_of_structure_are_not_scalars(path: str) -> None:
    base = load(ROOT / "scenarios" / "minimal.toml")
    assert scalar_path(base, parse_path(path)) is None


def test_keys_that_overlap_are_set_in_order_not_per_row() -> None:
    base = load(ROOT / "scenarios" / "minimal.toml")
    over = Overrides(base)
    keys = ["reserve.days", "donors[0].reserve.days", "domestic.uptake", "reserve"]
    fast, rest = split_paths(base, {k: over.steps(k) for k in keys})
    assert list(fast) == ["domestic.uptake"]
    assert rest == ["reserve.days", "donors[0].reserve.days", "reserve"]
