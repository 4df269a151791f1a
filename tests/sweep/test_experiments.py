"""The public batch API (run_scenarios, run_overrides) streams its plans: rows do not depend
on chunking, plans are built as scenarios come up and dropped after their chunk, and plans
built from shared sub-models equal plans built afresh."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.engine import plan as plan_module
from sim.engine.memo import PlanCache
from sim.engine.plan import Plan, build_plan
from sim.results import batch as experiments
from sim.results.batch import run_overrides, run_scenarios
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.overrides import with_overrides
from sim.scenario.scenario import Scenario


def _mixed(repo: Path) -> list[Scenario]:
    """Two structures (Taiwan, minimal) interleaved, with several rules and reserves."""
    taiwan = with_overrides(load(repo / "scenarios" / "taiwan_2020.toml"), [
        {"reserve.days": float(d), "allocation.rule": rule, "seed": 3 + d}
        for d in (0, 14) for rule in ("proportional", "maxmin", "priority")])
    minimal = with_overrides(load(repo / "scenarios" / "minimal.toml"), [
        {"reserve.days": float(d), "seed": d} for d in range(6)])
    return [s for pair in zip(taiwan, minimal, strict=True) for s in pair] * 2


def _same_plans(a: Plan, b: Plan) -> None:
    for f in fields(Plan):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert x.tobytes() == y.tobytes(), f.name
        else:
            assert x == y, f.name


def test_rows_are_the_same_bytes_whatever_the_chunk_size(repo: Path) -> None:
    scenarios = _mixed(repo)
    outs = {size: run_scenarios(scenarios, chunk_size=size, keep_series=True)
            for size in (1, 7, 1024)}
    whole = outs[1024]
    assert len(whole.metrics["donated_total"]) == len(scenarios)
    for size, out in outs.items():
        assert out.metrics.keys() == whole.metrics.keys()
        for name, values in whole.metrics.items():
            assert values.tobytes() == out.metrics[name].tobytes(), (size, name)
        assert out.runs is not None and whole.runs is not None
        for mine, theirs, scenario in zip(out.runs, whole.runs, scenarios, strict=True):
            assert mine.plan.region_ids == tuple(scenario.region_ids)  # rows stay in order
            assert mine.series is not None and theirs.series is not None
            for name, series in theirs.series.donor.items():
                np.testing.assert_array_equal(mine.series.donor[name], series)


def test_plans_stream_chunk_by_chunk(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first chunk runs before the rest of the scenarios are even made, and no more
    than two chunks of plans ever wait, however the structures interleave."""
    scenarios = _mixed(repo)
    pulled = 0
    seen_at_run: list[tuple[int, int]] = []  # (scenarios pulled so far, rows in the batch)
    real = experiments.simulate_batch

    def spy(plan: Plan, *args: Any, **kwargs: Any) -> Any:
        seen_at_run.append((pulled, plan.n_scenarios))
        return real(plan, *args, **kwargs)

    def lazily() -> Iterator[Scenario]:
        nonlocal pulled
        for s in scenarios:
            pulled += 1
            yield s

    monkeypatch.setattr(experiments, "simulate_batch", spy)
    out = run_scenarios(lazily(), chunk_size=2)
    # Taiwan's rows differ only in reserve, rule and seed (per-row values on one plan):
    # its first two rows (the 1st and 3rd scenarios) run as soon as the third is made.
    assert seen_at_run[0] == (3, 2)
    assert all(rows <= 2 for _, rows in seen_at_run)
    assert sum(rows for _, rows in seen_at_run) == len(scenarios)
    assert all(pulled_then - sum(r for _, r in seen_at_run[:i + 1]) <= 2 * 2
               for i, (pulled_then, _) in enumerate(seen_at_run))
    assert len(out.metrics["donated_total"]) == len(scenarios)


def test_one_scenario_many_times_is_planned_once(repo: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load(repo / "scenarios" / "minimal.toml")
    calls = 0
    real = plan_module._build_plan

    def counting(s: Scenario, cache: PlanCache) -> Plan:
        nonlocal calls
        calls += 1
        return real(s, cache)

    monkeypatch.setattr(plan_module, "_build_plan", counting)
    out = run_scenarios([scenario] * 50, chunk_size=16)
    assert calls == 1
    donated = out.metrics["donated_total"]
    assert (donated == donated[0]).all()  # same scenario, same seed, same row


@pytest.mark.parametrize(("name", "rows"), [
    ("taiwan_2020", [
        {"reserve.days": 21.0}, {"regions[1].weight": 2.5, "allocation.shares": "need"},
        {"horizon.end": "2020-07-31"}, {"domestic.uptake": 0.5},
        {"shipments.weekday": "friday"}, {"shipments.cadence_days": 14},
        {"regions[2].lead_time.max": 30.0}, {"pledges[0].amount_per_week": 1.0},
        {"pledges[1].dispatch": "next_shipment_day"},
        {"budget.kind": "pledges_only"}, {"regions[0].absorption_cap": 1e5}]),
    ("donors_2020", [  # goods, donors, a hub, an exchange
        {"donors[0].reserve.days": 3.0}, {"donors[1].shipments.weekday": "monday"},
        {"hubs[0].handling_days": 2}, {"hubs[0].lead_times.africa": 6},
        {"exchanges[0].send.amount_per_week": 5e4}, {"donors[2].rule": "proportional"},
        {"goods[0].mass_kg": 0.5}, {"coordination": "pooled"}]),
    ("jack_ma_africa_2020", [  # needs from cases (not flat): a planned lead that moves shows
        {"hubs[0].handling_days": 3}, {"hubs[0].lead_times.zaf": 9},
        {"donors[0].lead_times.addis.days": 4}, {"hubs[0].throughput_per_day": 5e5}]),
])
def test_plans_from_shared_sub_models_equal_fresh_plans(
        repo: Path, name: str, rows: list[dict[str, object]]) -> None:
    """A plan pieced together from cached parts (untouched regions, demand, capacity,
    dispatch days, hubs) is the plan a freshly loaded scenario gives, to the byte, whatever
    was changed; and its arrays are read-only, so no caller can change what plans share."""
    path = repo / "scenarios" / f"{name}.toml"
    base = load(path)
    cache = PlanCache()
    build_plan(base, cache)
    cached = [build_plan(s, cache) for s in with_overrides(base, rows)]
    fresh = [build_plan(load(path, [f"{k}={v}" for k, v in row.items()])) for row in rows]
    for a, b in zip(cached, fresh, strict=True):
        _same_plans(a, b)
    with pytest.raises(ValueError, match="read-only"):
        cached[0].need_units[0, 0, 0] = 1.0


def test_overrides_keep_untouched_sub_models_and_name_unknown_fields(repo: Path) -> None:
    base = load(repo / "scenarios" / "taiwan_2020.toml")
    changed = with_overrides(base, [{"reserve.days": 3.0}])[0]
    assert changed.donors[0].reserve.days == 3.0
    assert changed.regions[0] is base.regions[0]
    assert changed.donors[0].supplies[0] is base.donors[0].supplies[0]
    with pytest.raises(InputError, match="no such field"):
        with_overrides(base, [{"reserve.dayz": 3.0}])
    with pytest.raises(InputError, match="reserve.days"):
        with_overrides(base, [{"reserve.days": -1.0}])


def test_run_overrides_streams_and_labels_rows(repo: Path) -> None:
    base = load(repo / "scenarios" / "minimal.toml")
    rows = [{"reserve.days": float(d), "seed": 10 + d} for d in range(5)]
    out = run_overrides(base, rows, chunk_size=2)
    assert out.metrics["seed"].tolist() == [10, 11, 12, 13, 14]
    for i, row in enumerate(rows):  # each row as if it had been run alone
        alone = run_scenarios(with_overrides(base, [row]))
        for name, values in alone.metrics.items():
            np.testing.assert_array_equal(values, out.metrics[name][i : i + 1], err_msg=name)


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_batches_run_on_one_blas_thread_and_give_the_callers_back(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from threadpoolctl import threadpool_limits

    scenario = load(repo / "scenarios" / "minimal.toml")
    during: list[list[int]] = []
    real = experiments.simulate_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        during.append(_blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(experiments, "simulate_batch", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        run_scenarios([scenario] * 3, chunk_size=2)
        assert _blas_threads() == before
    assert during and all(threads and set(threads) == {1} for threads in during)


def test_sweep_workers_compute_on_one_thread() -> None:
    """What a local sweep worker runs first: afterwards BLAS (loaded already, and loaded
    later, as scipy's own) and numba each use one thread."""
    code = (
        "import os, sys\n"
        "from sim.sweep.executors import init_worker\n"
        "init_worker(os.getppid())\n"
        "import scipy.linalg, numba\n"
        "from threadpoolctl import threadpool_info\n"
        "blas = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
        "assert blas and set(blas) == {1}, blas\n"
        "assert numba.get_num_threads() == 1, numba.get_num_threads()\n"
    )
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_NUM_THREADS")}  # as a user's shell would have it
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr



def test_run_experiments_gives_a_goods_outcome(repo: Path) -> None:
    from sim.sweep.experiments import run_experiments

    base = load(repo / "scenarios" / "donors_2020.toml")
    table = {"donors[0].reserve.days": [0.0, 14.0]}
    got = run_experiments(base, table, outcomes=["min_fill_rate[test_kits]"])
    rows = [{"donors[0].reserve.days": d} for d in (0.0, 14.0)]
    expected = run_overrides(base, rows, goods=["test_kits"]).metrics
    assert got["min_fill_rate[test_kits]"].tolist() == (
        expected["min_fill_rate[test_kits]"].tolist())
    with pytest.raises(InputError, match="unknown good 'gloves'"):
        run_experiments(base, table, outcomes=["min_fill_rate[gloves]"])
