"""The batch engine equals the SimPy engine, scenario by scenario, whatever it is batched with."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import RULES, scenario_dicts

from sim.engine.batch import simulate_batch
from sim.engine.des import simulate
from sim.engine.draws import draw
from sim.engine.plan import build_plan, stack_plans
from sim.engine.state import DONOR_SERIES, REGION_SERIES
from sim.results.batch import run_scenarios
from sim.scenario.enums import Backend
from sim.scenario.loading import load, validate
from sim.scenario.overrides import with_overrides

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _same(a: np.ndarray, b: np.ndarray) -> None:
    # Both engines run the same arithmetic in the same order: equal to the bit, not 1e-9.
    np.testing.assert_array_equal(a, b)


@SETTINGS
@given(st.sampled_from(RULES).flatmap(lambda rule: scenario_dicts(rule=rule)))
def test_batch_engine_equals_simpy_engine(data: dict[str, Any]) -> None:
    scenario = validate(data)
    plan = build_plan(scenario)
    draws = draw(plan, [scenario.seed])
    des = simulate(plan, draws, Backend.VECTOR)
    batch = simulate_batch(plan, draws, Backend.VECTOR, keep_series=True)
    assert des.series is not None and batch.series is not None
    for name in DONOR_SERIES:
        _same(des.series.donor[name], batch.series.donor[name])
    for name in REGION_SERIES:
        _same(des.series.region[name], batch.series.region[name])
    assert np.array_equal(des.totals.first_delivery_day, batch.totals.first_delivery_day)
    _same(des.totals.pledge_on_time_units, batch.totals.pledge_on_time_units)
    _same(des.totals.pledge_late_units, batch.totals.pledge_late_units)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts(), st.lists(st.tuples(st.floats(0, 30), st.floats(0, 0.5),
                                            st.integers(0, 2**31)), min_size=2, max_size=6))
def test_a_batch_row_equals_the_scenario_run_alone(
    data: dict[str, Any], variants: list[tuple[float, float, int]]
) -> None:
    """Scenarios differing in numeric inputs and seed, stepped together, give each row what
    the scenario gives alone."""
    base = validate(data)
    capacity = data["donor"]["capacity"]["points"][0]["value"]
    # Capacity differs too, so the large per-day arrays are stacked, not shared.
    scenarios = with_overrides(base, [
        {"reserve.days": days, "donor.outages.daily_probability": p, "seed": seed,
         "donor.capacity.points[0].value": capacity * (1 + i % 2)}
        for i, (days, p, seed) in enumerate(variants)
    ])
    plans = [build_plan(s) for s in scenarios]
    stacked = stack_plans(plans)
    if capacity > 0:
        assert stacked.capacity_units.shape[0] == len(scenarios)
    together = simulate_batch(stacked, draw(stacked, [s.seed for s in scenarios]),
                              Backend.VECTOR, keep_series=True)
    for b, scenario in enumerate(scenarios):
        alone = simulate(plans[b], draw(plans[b], [scenario.seed]), Backend.VECTOR)
        assert alone.series is not None and together.series is not None
        for name in DONOR_SERIES:
            _same(alone.series.donor[name][0], together.series.donor[name][b])
        for name in REGION_SERIES:
            _same(alone.series.region[name][0], together.series.region[name][b])


def test_run_scenarios_is_independent_of_chunking(repo: Any) -> None:
    base = load(repo / "scenarios" / "taiwan_2020.toml")
    rows = [{"reserve.days": float(d), "budget.kind": kind, "allocation.rule": rule,
             "seed": 7}
            for d in (0, 7, 30) for kind in ("all_surplus", "pledges_only")
            for rule in RULES]
    scenarios = with_overrides(base, rows)
    whole = run_scenarios(scenarios)
    pieces = run_scenarios(scenarios, chunk_size=5)
    for name, values in whole.metrics.items():
        assert np.array_equal(values, pieces.metrics[name]), name
    assert len(whole.metrics["donated_total"]) == len(rows)
    # A longer reserve never donates more, other things equal.
    frame = whole.to_pandas()
    frame["reserve"] = [r["reserve.days"] for r in rows]
    frame["key"] = [(r["budget.kind"], r["allocation.rule"]) for r in rows]
    for _, group in frame.groupby("key"):
        donated = group.sort_values("reserve")["donated_total"].to_numpy()
        assert (np.diff(donated) <= 1e-6 * donated.max()).all()


def test_run_overrides_returns_parameters_and_metrics(repo: Any) -> None:
    from sim.results.batch import run_overrides

    base = load(repo / "scenarios" / "minimal.toml")
    rows = [{"reserve.days": d, "allocation.rule": r} for d in (0.0, 14.0) for r in RULES]
    out = run_overrides(base, rows, seeds=[1, 1, 1, 1, 2, 2, 2, 2], keep_series=True)
    frame = out.to_pandas()
    assert list(frame.columns[:3]) == ["reserve.days", "allocation.rule", "seed"]
    assert len(frame) == 8 and out.runs is not None and len(out.runs) == 8
    assert frame["seed"].tolist() == [1] * 4 + [2] * 4
    # Each row's series are that scenario's own: its donated total is its shipped series.
    for row, run_ in zip(frame.itertuples(), out.runs, strict=True):
        assert run_.series is not None
        assert run_.series.donor["shipped"].sum() == pytest.approx(row.donated_total)


def test_scenarios_with_pledges_from_different_sources_run_together(repo: Any) -> None:
    """Same pledge regions and due days, different pledges: separate batches, no crash."""
    base = load(repo / "scenarios" / "minimal.toml")
    two_fixed = with_overrides(base, [{"pledges": [
        {"kind": "fixed", "region": "north", "amount": 1e5, "date": "2020-03-11"},
        {"kind": "fixed", "region": "north", "amount": 1e5, "date": "2020-03-18"}]}])
    standing = with_overrides(base, [{"pledges": [
        {"kind": "standing", "region": "north", "amount_per_week": 1e5,
         "start": "2020-03-11", "end": "2020-03-18"}]}])
    together = run_scenarios(two_fixed + standing)
    alone = [run_scenarios(s) for s in (two_fixed, standing)]
    for name, values in together.metrics.items():
        assert values.tolist() == [a.metrics[name][0] for a in alone], name
