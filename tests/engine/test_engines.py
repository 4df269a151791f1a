"""The engines agree by construction and by test: the SimPy engine and the batch engine drive
the same compiled day (``sim.engine.steps``), so a scenario and seed give the same bytes on
both, with any backend, whatever it is batched with and on any number of threads."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import START, multi_scenario_dicts, scenario_dicts

from sim.engine.batch import simulate_batch
from sim.engine.des import simulate
from sim.engine.draws import draw
from sim.engine.plan import build_plan, stack_plans
from sim.engine.state import Run
from sim.scenario.enums import Backend
from sim.scenario.loading import load, validate
from sim.scenario.overrides import with_overrides
from sim.scenario.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def assert_same_bytes(a: Run, b: Run, *, series: bool = True) -> None:
    """Every total, and every series when both kept them, to the byte."""
    for f in fields(a.totals):
        x, y = getattr(a.totals, f.name), getattr(b.totals, f.name)
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), f.name
    if series and a.series is not None and b.series is not None:
        for kind in ("donor", "region", "hub"):
            got, want = getattr(a.series, kind), getattr(b.series, kind)
            assert got.keys() == want.keys()
            for name in got:
                assert got[name].tobytes() == want[name].tobytes(), f"{kind} {name}"


def both_engines(scenario: Scenario, backend: Backend) -> tuple[Run, Run]:
    plan = build_plan(scenario)
    drawn = draw(plan, [scenario.seed])
    return (simulate(plan, drawn, backend),
            simulate_batch(plan, drawn, backend, keep_series=True))


@st.composite
def every_feature(draw_: st.DrawFn) -> dict[str, Any]:
    """A generated scenario of goods and donors with every feature the day has: a hub with
    donors routed through it (units or kg), a good with a shelf life, an exchange, two donors
    of one good, a shared cargo cap in kg, procurement, either coordination."""
    data = draw_(multi_scenario_dicts())
    goods = data["goods"]
    goods[0]["shelf_life_days"] = draw_(st.integers(1, 20))
    donors = data["donors"]
    first_good = goods[0]["id"]
    if len(donors) == 1:
        donors.append({"id": "d_extra", "supplies": [{"good": first_good,
                                                      "initial_stock": 5e5}],
                       "shipments": {"weekday": "monday"}})
    for d in donors[:2]:
        if all(s["good"] != first_good for s in d["supplies"]):
            d["supplies"].append({"good": first_good, "initial_stock": 2e5,
                                  "procurement": [{"date": START, "amount": 1e5}]})
    donors[0]["shipments"]["cargo_cap"] = draw_(st.floats(1e3, 1e6))
    donors[0]["cargo_cap_unit"] = "kg"
    ids = [r["id"] for r in data["regions"]]
    data["hubs"] = [{"id": "hub", "throughput_per_day": draw_(st.floats(1, 1e6)),
                     "throughput_unit": draw_(st.sampled_from(["units", "kg"])),
                     "handling_days": draw_(st.integers(0, 2)),
                     # every region it serves says its onward days (0: at the hub)
                     "lead_times": {ids[0]: draw_(st.integers(0, 4)),
                                    **{rid: 0 for rid in ids[1:]}}}]
    donors[0]["via"] = "hub"
    donors[1]["via"] = {ids[-1]: "hub"}
    own = [s["good"] for s in donors[0]["supplies"]]
    data["exchanges"] = [{
        "donor": donors[0]["id"], "partner": ids[0],
        "send": {"good": own[0], "kind": "standing", "amount_per_week": 1e4,
                 "start": START, "end": data["horizon"]["end"]},
        "receive": {"good": own[-1], "ratio": 1.5, "lead_time_days": 3}}]
    return data


# ---- the same bytes on both engines --------------------------------------------------------
@pytest.mark.parametrize("backend", [Backend.COMPILED, Backend.VECTOR])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_gives_the_same_bytes_on_both_engines(
        path: Path, backend: Backend) -> None:
    assert_same_bytes(*both_engines(load(path), backend))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(every_feature(), st.sampled_from([Backend.COMPILED, Backend.VECTOR]))
def test_generated_scenarios_with_every_feature_give_the_same_bytes(
        data: dict[str, Any], backend: Backend) -> None:
    scenario = validate(data)
    plan = build_plan(scenario)
    assert plan.hub_ids and plan.shelf_life_days.any() and (plan.receive_channel >= 0).any()
    assert_same_bytes(*both_engines(scenario, backend))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_generated_single_donor_scenarios_give_the_same_bytes(data: dict[str, Any]) -> None:
    assert_same_bytes(*both_engines(validate(data), Backend.COMPILED))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_gives_the_same_numbers_with_the_compiled_and_vector_backends(
        path: Path) -> None:
    """The compiled day allocating inside the pass and the same day stopping for the numpy
    allocator: every total agrees to rounding (the rules' two implementations differ in their
    last bits only), exchanges' returns and shelf lives included."""
    scenario = load(path)
    plan = build_plan(scenario)
    drawn = draw(plan, [scenario.seed])
    compiled = simulate_batch(plan, drawn, Backend.COMPILED)
    vector = simulate_batch(plan, drawn, Backend.VECTOR)
    for f in fields(compiled.totals):
        got, want = getattr(compiled.totals, f.name), getattr(vector.totals, f.name)
        scale = max(float(np.abs(want).max(initial=0.0)), 1.0)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale, err_msg=f.name)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(every_feature())
def test_generated_scenarios_give_the_same_numbers_with_the_compiled_and_vector_backends(
        data: dict[str, Any]) -> None:
    scenario = validate(data)
    plan = build_plan(scenario)
    drawn = draw(plan, [scenario.seed])
    compiled = simulate_batch(plan, drawn, Backend.COMPILED)
    vector = simulate_batch(plan, drawn, Backend.VECTOR)
    for name in ("received_units", "written_off_units", "final_stock_units", "shipped_units",
                 "consumed_units", "pledge_on_time_units", "pledge_late_units", "hub_handled"):
        got, want = getattr(compiled.totals, name), getattr(vector.totals, name)
        scale = max(float(np.abs(want).max(initial=0.0)), 1.0)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * scale, err_msg=name)


# ---- a batch is its rows -------------------------------------------------------------------
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(every_feature(), st.lists(st.tuples(st.floats(0, 20), st.floats(0, 0.3),
                                            st.integers(0, 2**31)), min_size=2, max_size=5),
       st.sampled_from([Backend.COMPILED, Backend.VECTOR]))
def test_a_batch_of_distinct_scenarios_gives_each_its_run_alone(
        data: dict[str, Any], variants: list[tuple[float, float, int]],
        backend: Backend) -> None:
    base = validate(data)
    scenarios = with_overrides(base, [
        {"donors[0].reserve.days": days, "seed": seed,
         "donors[0].supplies[0].initial_stock": 1e5 * (1 + i), "hubs[0].throughput_per_day":
         1e3 * (1 + i)} for i, (days, _, seed) in enumerate(variants)])
    plans = [build_plan(s) for s in scenarios]
    stacked = stack_plans(plans)
    together = simulate_batch(stacked, draw(stacked, [s.seed for s in scenarios]), backend,
                              keep_series=True)
    c, g = stacked.n_channels, stacked.n_goods
    for j, (plan, scenario) in enumerate(zip(plans, scenarios, strict=True)):
        alone = simulate(plan, draw(plan, [scenario.seed]), backend)
        for f in fields(alone.totals):
            rows = {"consumed_units": g, "need_units": g, "hub_handled": 1,
                    "hub_waited": 1}.get(f.name, c)
            got = getattr(together.totals, f.name)[j * rows:(j + 1) * rows]
            assert got.tobytes() == getattr(alone.totals, f.name).tobytes(), f.name


def test_one_thread_and_two_give_the_same_bytes() -> None:
    scenario = load(ROOT / "scenarios" / "donors_2020.toml")
    scenarios = with_overrides(scenario, [{"seed": s} for s in range(40)])
    plan = stack_plans([build_plan(s) for s in scenarios])
    drawn = draw(plan, [s.seed for s in scenarios])
    threads = numba.get_num_threads()
    runs = []
    try:
        for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(n)
            runs.append(simulate_batch(plan, drawn, Backend.COMPILED))
    finally:
        numba.set_num_threads(threads)
    assert_same_bytes(*runs)


# ---- threads of one's own --------------------------------------------------------------------
CONCURRENT = """
import sys, threading
from sim.results.batch import run_scenarios
from sim.scenario.loading import load
scenario = load(sys.argv[1])
errors = []
def work():
    try:
        out = run_scenarios([scenario] * 64, backend="compiled")
        assert len(out.metrics["donated_total"]) == 64
    except Exception as e:
        errors.append(e)
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
import numba
print(numba.threading_layer(), len(errors))
"""


@pytest.mark.parametrize("layer", ["workqueue", "default"])
def test_threads_launching_compiled_runs_at_once_do_not_abort(layer: str) -> None:
    """numba's workqueue layer aborts the process on concurrent launches unless they are
    serialised (``sim.allocate.launch``); omp and tbb take them as they come."""
    env = {**os.environ, "NUMBA_THREADING_LAYER": layer, "NUMBA_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", CONCURRENT,
                          str(ROOT / "scenarios" / "minimal.toml")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    got_layer, errors = out.stdout.split()
    assert errors == "0"
    if layer != "default":
        assert got_layer == layer


def test_a_dask_worker_with_several_threads_runs_compiled_batches() -> None:
    distributed = pytest.importorskip("distributed")
    with (distributed.LocalCluster(host="127.0.0.1", n_workers=1, threads_per_worker=3,
                                   processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR) as cluster,
          distributed.Client(cluster) as client):
        futures = [client.submit(_donated, str(ROOT / "scenarios" / "minimal.toml"), s,
                                 pure=False) for s in range(6)]
        totals = client.gather(futures)
    assert len(set(totals)) > 1 and all(np.isfinite(totals))


def _donated(path: str, seed: int) -> float:
    from sim.results.batch import run_scenarios

    scenario = load(Path(path))
    out = run_scenarios([scenario] * 32, [seed] * 32, backend=Backend.COMPILED)
    return float(out.metrics["donated_total"].sum()) + seed * 0.5


def test_a_named_backend_and_its_allocator_give_the_same_bytes() -> None:
    from sim.allocate import allocator

    scenario = load(ROOT / "scenarios" / "three_donors.toml")
    plan = build_plan(scenario)
    drawn = draw(plan, [3])
    assert_same_bytes(simulate_batch(plan, drawn, "vector"),
                      simulate_batch(plan, drawn, allocator(Backend.VECTOR)))


def test_lp_only_options_refuse_the_compiled_backend() -> None:
    scenario = load(ROOT / "scenarios" / "minimal.toml", ["allocation.pallet_size=1000",
                                                          "allocation.backend=lp"])
    plan = build_plan(scenario)
    with pytest.raises(ValueError, match="lp"):
        simulate(plan, draw(plan, [1]), Backend.COMPILED)


def test_horizon_days_line_up_on_both_engines() -> None:
    """A pledge on the last day and leads longer than the horizon: nothing lands outside."""
    end = START + dt.timedelta(days=9)
    scenario = validate({
        "name": "edge", "horizon": {"start": START, "end": end},
        "goods": [{"id": "masks"}],
        "donors": [{"id": "d", "supplies": [{"good": "masks", "initial_stock": 1e6}],
                    "shipments": {"weekday": "monday"}}],
        "regions": [{"id": "r", "population": 1.0, "need": {"kind": "constant",
                                                           "masks_per_day": 10.0},
                     "lead_time": {"kind": "fixed", "days": 30}}],
        "pledges": [{"kind": "fixed", "region": "r", "amount": 5.0, "date": end}]})
    des, batch = both_engines(scenario, Backend.COMPILED)
    assert_same_bytes(des, batch)
    assert des.totals.delivered_units.sum() == 0 and des.totals.shipped_units.sum() > 0
