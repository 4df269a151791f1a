"""Calibration: parameters recovered from observations the model itself made, held-out and
input-tagged observations kept out of the fit, bad requests named."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from sim.engine.runner import Engine, run
from sim.results.observations import compare_run
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.overrides import with_overrides
from sim.scenario.scenario import Scenario
from sim.sweep.calibrate import Role, calibrate, calibrated_toml

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"
TRUE_UPTAKE, TRUE_STOCK = 0.6, 2_500_000.0
# (date, series, tags): stock moves with both parameters, served only with the uptake.
POINTS = [
    (dt.date(2020, 3, 9), "donor.stock", ["stock"]),
    (dt.date(2020, 3, 20), "donor.stock", ["stock"]),
    (dt.date(2020, 4, 3), "donor.stock", ["stock"]),
    (dt.date(2020, 3, 5), "domestic.served_per_day", ["domestic"]),
    (dt.date(2020, 4, 10), "domestic.served_per_day", ["domestic"]),
    (dt.date(2020, 4, 20), "donor.stock", ["late"]),
    (dt.date(2020, 4, 24), "domestic.served_per_day", ["late"]),
]


def _observation(date: dt.date, series: str, value: float, tags: list[str]) -> dict[str, Any]:
    return {"date": date, "series": series, "value": value, "kind": "documented",
            "source": "the model itself", "tags": tags}


def truth_scenario(extra: list[dict[str, Any]] | None = None, **start: float) -> Scenario:
    """Minimal, giving only its pledge (so the stock is not drained by donations), with
    observations read from its own run at uptake 0.6 and initial stock 2.5 M; then set to
    start from ``start`` (dotted paths with ``__`` for ``.``)."""
    base = load(MINIMAL, ["budget.kind=\"pledges_only\"", f"domestic.uptake={TRUE_UPTAKE}",
                          f"donor.initial_stock={TRUE_STOCK}",
                          "donor.outages.daily_probability=0.1"])
    rows = {r["date"] + r["series"]: r["model"] for r in compare_run(run(
        with_overrides(base, [{"observations": [
            _observation(d, s, 1.0, t) for d, s, t in POINTS]}])[0], engine=Engine.BATCH))}
    observations = [_observation(d, s, rows[d.isoformat() + s], t) for d, s, t in POINTS]
    overrides: dict[str, Any] = {"observations": observations + (extra or [])}
    overrides.update({k.replace("__", "."): v for k, v in start.items()})
    return with_overrides(base, [overrides])[0]


def test_recovers_uptake_and_initial_stock_from_the_models_own_observations() -> None:
    scenario = truth_scenario(domestic__uptake=0.3, donor__initial_stock=800_000.0)
    result = calibrate(scenario, ["domestic.uptake", "donor.initial_stock"],
                       bounds={"donor.initial_stock": (0.0, 1e8)})
    uptake, stock = result.values
    assert uptake == pytest.approx(TRUE_UPTAKE, rel=1e-3)
    assert stock == pytest.approx(TRUE_STOCK, rel=1e-3)
    assert result.converged and result.rms_residual < 1e-4
    supply = result.scenario.donors[0].supplies[0]
    assert supply.domestic is not None and supply.domestic.uptake == uptake
    assert supply.initial_stock == stock
    # Each optimiser point ran with its difference neighbours: 1 + 2 scenarios a batch.
    assert result.scenarios_run == 3 * (result.batches - 1) + 1
    assert all(math.isfinite(se) for se in result.std_errors)


def test_held_out_observations_are_not_fitted_but_reported_with_their_errors() -> None:
    # A held-out figure 20 % above the truth: a fit that saw it would move off the truth.
    wrong = _observation(dt.date(2020, 4, 1), "donor.stock", 1.0, ["late"])
    probe = calibrate(truth_scenario([wrong]), ["domestic.uptake"], hold_out=["late"])
    truth = next(o.model for o in probe.by_role(Role.HELD_OUT)
                 if o.observation.date == dt.date(2020, 4, 1))
    assert truth is not None
    wrong["value"] = 1.2 * truth
    result = calibrate(truth_scenario([wrong], domestic__uptake=0.9), ["domestic.uptake"],
                       hold_out=["late"])
    assert result.values[0] == pytest.approx(TRUE_UPTAKE, rel=1e-3)
    held = result.by_role(Role.HELD_OUT)
    assert {o.observation.date for o in held} == {dt.date(2020, 4, 1), dt.date(2020, 4, 20),
                                                  dt.date(2020, 4, 24)}
    off = next(o for o in held if o.observation.date == dt.date(2020, 4, 1))
    assert off.relative_error == pytest.approx(1 / 1.2 - 1, rel=1e-3)
    assert all(abs(o.relative_error or 0) < 1e-6 for o in held if o is not off)
    assert len(result.by_role(Role.USED)) == 5
    # Not held out, the wrong figure pulls the fit away from the truth.
    pulled = calibrate(truth_scenario([wrong], domestic__uptake=0.9), ["domestic.uptake"])
    assert abs(pulled.values[0] - TRUE_UPTAKE) > 1e-3


def test_input_tagged_observations_are_left_out_unless_asked() -> None:
    wrong = _observation(dt.date(2020, 3, 30), "domestic.served_per_day", 1_000_000.0,
                         ["input"])
    scenario = truth_scenario([wrong], domestic__uptake=0.3)
    result = calibrate(scenario, ["domestic.uptake"])
    assert result.values[0] == pytest.approx(TRUE_UPTAKE, rel=1e-3)
    assert [o.observation.date for o in result.by_role(Role.INPUT)] == [dt.date(2020, 3, 30)]
    included = calibrate(scenario, ["domestic.uptake"], include_input=True)
    assert included.by_role(Role.INPUT) == []
    assert included.values[0] > TRUE_UPTAKE + 1e-2


def test_same_seed_same_fit_and_text() -> None:
    scenario = truth_scenario(domestic__uptake=0.3)
    a = calibrated_toml(calibrate(scenario, ["domestic.uptake"], seed=7), "x.toml")
    b = calibrated_toml(calibrate(scenario, ["domestic.uptake"], seed=7), "x.toml")
    assert a == b
    assert "seed = 7" in a and "domestic.uptake = " in a


def test_bounds_from_the_scenarios_calibration_table_bind_the_fit() -> None:
    scenario = with_overrides(truth_scenario(domestic__uptake=0.3),
                              [{"calibration": {"bounds": {"domestic.uptake": [0.1, 0.5]}}}])[0]
    result = calibrate(scenario, ["domestic.uptake"])
    assert result.values[0] == pytest.approx(0.5)
    assert result.at_bound == (True,)
    # The command line's bounds come first.
    freed = calibrate(scenario, ["domestic.uptake"], bounds={"domestic.uptake": (0.2, 0.9)})
    assert freed.values[0] == pytest.approx(TRUE_UPTAKE, rel=1e-3)


@pytest.mark.parametrize(("paths", "kwargs", "field"), [
    (["domestic.nope"], {}, "domestic.nope"),
    (["regions[5].weight"], {}, "regions[5].weight"),
    (["donor.name"], {}, "donor.name"),
    (["shipments.cadence_days"], {}, "shipments.cadence_days"),
    (["domestic.groups[0].uptake"], {}, "domestic.groups[0].uptake"),
    (["domestic.uptake"], {"bounds": {"domestic.uptake": (0.5, 0.5)}},
     "--bounds domestic.uptake"),
    (["domestic.uptake"], {"bounds": {"donor.initial_stock": (0.0, 1.0)}},
     "--bounds donor.initial_stock"),
    (["domestic.uptake"], {"hold_out": ["stock", "domestic", "late"]}, "observations"),
    ([], {}, "--fit"),
])
def test_bad_requests_name_the_field(paths: list[str], kwargs: dict[str, Any],
                                     field: str) -> None:
    with pytest.raises(InputError) as info:
        calibrate(truth_scenario(), paths, source="s.toml", **kwargs)
    assert info.value.field == field
