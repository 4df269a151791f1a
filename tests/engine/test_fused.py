"""The compiled day loop gives the SimPy engine's numbers to the bit (compiled backend), for
any batch, chunking or thread count; it runs what it supports and leaves the rest to the
numpy loop; its pieces (numpy's row sum, the lead-time shaping) equal numpy's."""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import multi_scenario_dicts, scenario_dicts

from sim.allocate import allocator
from sim.engine import draws as draws_module
from sim.engine import fused, shaping
from sim.engine.batch import simulate_batch
from sim.engine.des import simulate
from sim.engine.draws import draw
from sim.engine.plan import build_plan, stack_plans
from sim.engine.state import Run
from sim.results.batch import run_scenarios
from sim.scenario.enums import Backend
from sim.scenario.loading import load, validate
from sim.scenario.overrides import with_overrides
from sim.scenario.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
COMPILED = allocator(Backend.COMPILED)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def assert_same_bits(a: Run, b: Run) -> None:
    for f in fields(a.totals):
        x, y = getattr(a.totals, f.name), getattr(b.totals, f.name)
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), f.name


def des_and_fused(scenario: Scenario) -> tuple[Run, Run]:
    plan = build_plan(scenario)
    drawn = draw(plan, [scenario.seed])
    return simulate(plan, drawn, COMPILED), fused.simulate_fused(plan, drawn)


# ---- the same bits as SimPy ------------------------------------------------------------
@SETTINGS
@given(scenario_dicts())
def test_generated_scenarios_give_simpys_bits(data: dict[str, Any]) -> None:
    scenario = validate(data)
    assume(fused.supports(build_plan(scenario)))
    assert_same_bits(*des_and_fused(scenario))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(multi_scenario_dicts())
def test_generated_goods_and_donors_it_supports_give_simpys_bits(data: dict[str, Any]) -> None:
    scenario = validate(data)
    plan = build_plan(scenario)
    drawn = draw(plan, [scenario.seed])
    reference = simulate(plan, drawn, COMPILED)
    # Through simulate_batch: the compiled loop where it applies, else the numpy loop.
    assert_same_bits(reference, simulate_batch(plan, drawn, COMPILED))


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_shipped_scenario_gives_simpys_bits(path: Path) -> None:
    """Through the compiled loop where it runs the scenario, else through the numpy loop that
    simulate_batch falls back to."""
    scenario = load(path)
    plan = build_plan(scenario)
    drawn = draw(plan, [scenario.seed])
    batch = (fused.simulate_fused(plan, drawn) if fused.supports(plan)
             else simulate_batch(plan, drawn, COMPILED))
    assert_same_bits(simulate(plan, drawn, COMPILED), batch)


@pytest.mark.parametrize("rule", ["proportional", "priority", "weighted", "maxmin"])
def test_many_regions_and_weekly_pledges_give_simpys_bits(rule: str) -> None:
    """40 regions (numpy sums a row of 40 pairwise, eight ways: so must the loop) and a
    standing pledge (a group of instances each week, most long paid)."""
    start = "2020-01-01"
    regions = [{"id": f"r{i}", "population": 1e6 * (1 + i % 7), "weight": 1.0 + i % 3,
                "tier": 1 + i % 3,
                "need": {"kind": "constant", "masks_per_day": 2e4 * (1 + i % 5)},
                "lead_time": {"kind": "triangular", "min": 1, "mode": 3 + i % 4, "max": 12},
                **({"absorption_cap": 2e6} if i % 3 == 0 else {})} for i in range(40)]
    scenario = validate({
        "name": "forty", "seed": 7, "horizon": {"start": start, "end": "2020-04-29"},
        "donor": {"initial_stock": 2e7,
                  "capacity": {"points": [{"date": start, "value": 4e6}]},
                  "outages": {"daily_probability": 0.05, "severity": 0.3,
                              "mean_duration_days": 3}},
        "domestic": {"uptake": 0.8, "groups": [{"name": "all", "population": 1e6, "rations": [
            {"date": start, "masks": 3, "per_days": 7}]}]},
        "reserve": {"days": 7}, "regions": regions, "allocation": {"rule": rule},
        "pledges": [{"kind": "standing", "region": "r3", "amount_per_week": 1e5,
                     "start": start, "end": "2020-04-01"}]})
    assert fused.supports(build_plan(scenario))
    assert_same_bits(*des_and_fused(scenario))


def test_the_shipped_single_donor_scenarios_are_supported() -> None:
    for name in ("minimal", "taiwan_2020", "korea_test_kits_2020"):
        assert fused.supports(build_plan(load(ROOT / "scenarios" / f"{name}.toml"))), name


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts(), st.lists(st.tuples(st.floats(0, 20), st.integers(0, 2**31)),
                                  min_size=17, max_size=40))
def test_a_batch_gives_each_scenario_its_own_bits_on_any_thread_count(
        data: dict[str, Any], variants: list[tuple[float, int]]) -> None:
    """More rows than a chunk (16), distinct reserves and seeds: each row equals its
    scenario run alone, with one thread or all."""
    base = validate(data)
    assume(fused.supports(build_plan(base)))
    scenarios = with_overrides(base, [{"reserve.days": d, "seed": s} for d, s in variants])
    stacked = stack_plans([build_plan(s) for s in scenarios])
    drawn = draw(stacked, [s.seed for s in scenarios])
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = fused.simulate_fused(stacked, drawn)
    finally:
        numba.set_num_threads(threads)
    every = fused.simulate_fused(stacked, drawn)
    assert_same_bits(one, every)
    for j in (0, 16, len(scenarios) - 1):
        alone = des_and_fused(scenarios[j])[1].totals
        for f in fields(alone):
            together = getattr(every.totals, f.name)
            rows = len(together) // len(scenarios)
            assert together[j * rows:(j + 1) * rows].tobytes() == getattr(
                alone, f.name).tobytes(), f.name


def test_run_scenarios_gives_the_same_metrics_with_or_without_the_compiled_loop() -> None:
    scenario = load(ROOT / "scenarios" / "taiwan_2020.toml")
    scenarios = with_overrides(scenario, [{"reserve.days": d} for d in (0.0, 7.0, 30.0)])
    compiled = run_scenarios(scenarios, backend=Backend.COMPILED).metrics
    for j, s in enumerate(scenarios):
        plan = build_plan(s)
        drawn = draw(plan, [s.seed])
        numpy_loop = simulate_batch(plan, drawn, COMPILED, compiled_loop=False)
        assert compiled["donated_total"][j] == numpy_loop.totals.shipped_units.sum()


def test_negative_zeros_are_read_as_zeros_and_change_no_bit() -> None:
    """-0.0 passes ``>= 0``; numpy's and numba's minimum of 0.0 and -0.0 differ, so the
    compiled loop once ended this run with a final stock of -0.0 where SimPy had 0.0."""
    scenario = load(ROOT / "scenarios" / "minimal.toml", [
        "donor.initial_stock=-0.0", "donor.capacity.points[0].value=-0.0",
        "domestic.uptake=-0.0", "reserve.days=-0.0", "regions[0].lead_time.days=0"])
    supply = scenario.donors[0].supplies[0]
    assert supply.domestic is not None and supply.capacity is not None
    for value in (supply.initial_stock, supply.domestic.uptake,
                  scenario.donors[0].reserve.days, supply.capacity.points[0].value):
        assert math.copysign(1.0, value) == 1.0
    assert_same_bits(*des_and_fused(scenario))


# ---- what it leaves to the numpy loop ----------------------------------------------------
@pytest.mark.parametrize("change", [
    {"coordination": "pooled"},
    {"goods": [{"id": "masks", "shelf_life_days": 30}]},
])
def test_pooled_giving_and_shelf_lives_stay_with_the_numpy_loop(change: dict[str, Any]) -> None:
    data = {"name": "x", "horizon": {"start": "2020-01-01", "end": "2020-01-20"},
            "goods": [{"id": "masks"}],
            "donors": [{"id": "d", "supplies": [{"good": "masks", "initial_stock": 100.0}],
                        "shipments": {"weekday": "monday"}}],
            "regions": [{"id": "r", "population": 1.0,
                         "need": {"kind": "constant", "masks_per_day": 5.0}}]}
    assert fused.supports(build_plan(validate(data)))
    assert not fused.supports(build_plan(validate({**data, **change})))


def test_a_scenario_it_does_not_support_still_runs_through_simulate_batch() -> None:
    scenario = load(ROOT / "scenarios" / "jack_ma_africa_2020.toml")  # a hub
    plan = build_plan(scenario)
    assert not fused.supports(plan)
    drawn = draw(plan, [scenario.seed])
    assert_same_bits(simulate(plan, drawn, COMPILED), simulate_batch(plan, drawn, COMPILED))


# ---- its pieces --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [*range(0, 300), 511, 1000, 1023, 1024, 1025, 4099])
def test_numpy_sum_is_numpys_row_sum_to_the_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-9, 9, n)
    values[rng.random(n) < 0.2] = -0.0
    rows = np.tile(values, (3, 1))
    assert np.float64(fused.numpy_sum(values)).tobytes() == rows.sum(axis=1)[1].tobytes()


@settings(deadline=None)  # the first example may compile a kernel
@given(hnp.arrays(np.float64, st.integers(0, 400),
                  elements=st.floats(-1e12, 1e12, allow_subnormal=False)))
def test_numpy_sum_is_numpys_sum_on_any_values(values: np.ndarray) -> None:
    assert np.float64(fused.numpy_sum(values)).tobytes() == np.float64(values.sum()).tobytes()


@settings(deadline=None)  # the first example may compile a kernel
@given(st.integers(0, 2**32), st.integers(1, 9), st.integers(0, 6), st.integers(1, 5),
       st.booleans())
def test_compiled_lead_times_are_numpys(seed: int, n: int, k: int, r: int, shared: bool) -> None:
    rng = np.random.default_rng(seed)
    u = rng.random((n, k, r))
    u[rng.random(u.shape) < 0.1] = 0.0
    m = 1 if shared else n
    low = rng.uniform(0, 5, (m, r)) * (rng.random((m, r)) < 0.7)
    mode = low + rng.uniform(0, 5, (m, r)) * (rng.random((m, r)) < 0.7)
    high = mode + rng.uniform(0, 6, (m, r)) * (rng.random((m, r)) < 0.7)
    assert (shaping.lead_days(u, low, mode, high).tobytes()
            == draws_module.lead_days(u, low, mode, high).tobytes())


def test_compiled_draws_are_the_same_draws() -> None:
    scenario = load(ROOT / "scenarios" / "taiwan_2020.toml")
    plan = stack_plans([build_plan(scenario)] * 5)
    a, b = draw(plan, range(5)), draw(plan, range(5), compiled=True)
    assert a.lead_days.tobytes() == b.lead_days.tobytes()
    assert a.outage_loss.tobytes() == b.outage_loss.tobytes()


@settings(deadline=None)  # the first example may compile a kernel
@given(st.integers(0, 2**32), st.integers(1, 6), st.integers(1, 60))
def test_outages_are_drawn_as_before(seed: int, n: int, n_days: int) -> None:
    """Outage lengths are now worked out only where one starts: the same numbers as the
    whole-array formula they replace (kept here as the reference)."""
    rng = np.random.default_rng(seed)
    u_start, u_length = rng.random((n, n_days)), rng.random((n, n_days))
    probability = rng.uniform(0, 0.6, n)
    severity, mean_days = rng.uniform(0, 1, n), rng.uniform(1, 8, n)
    mean_days[0] = 1.0
    assert (draws_module.outage_loss(u_start, u_length, probability, severity, mean_days)
            .tobytes() == _dense_outage_loss(u_start, u_length, probability, severity,
                                             mean_days).tobytes())


def _dense_outage_loss(u_start: np.ndarray, u_length: np.ndarray, probability: np.ndarray,
                       severity: np.ndarray, mean_days: np.ndarray) -> np.ndarray:
    n_rows, n_days = u_start.shape
    starts = u_start < probability[:, None]
    p_end = 1.0 / mean_days[:, None]
    with np.errstate(divide="ignore"):
        extra = np.floor(np.log1p(-u_length) / np.log1p(-p_end))
    length = 1 + np.where(p_end < 1.0, np.nan_to_num(extra, posinf=n_days), 0.0)
    length = np.minimum(length, n_days).astype(np.int64)
    rows, days = np.nonzero(starts)
    edges = np.zeros((n_rows, n_days + 1), dtype=np.int64)
    np.add.at(edges, (rows, days), 1)
    np.add.at(edges, (rows, np.minimum(days + length[rows, days], n_days)), -1)
    running = np.cumsum(edges[:, :n_days], axis=1) > 0
    return np.where(running, severity[:, None], 0.0)
