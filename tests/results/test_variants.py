"""Variants of a scenario run as per-row values on one plan give the bytes of each variant
built, validated and planned on its own (sim.results.variants)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.results.batch import run_batches, run_overrides, run_scenarios
from sim.results.variants import RowError, override_blocks
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.overrides import with_overrides
from sim.scenario.scenario import Scenario
from sim.sweep.spec import run_chunk
from sim.sweep.store import load_sweep

ROOT = Path(__file__).resolve().parents[2]
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))


def _equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        assert x.dtype == y.dtype, key
        assert x.tobytes() == y.tobytes(), key


def _metrics(base: Scenario, columns: dict[str, np.ndarray], n: int, *, per_row: bool,
             given: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    blocks = override_blocks(base, columns, n, given=given, per_row=per_row, chunk_size=64)
    return run_batches((b.rows, b.plan, b.seeds, b.backend) for b in blocks).metrics


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_shipped_sweeps_give_the_bytes_of_each_experiment_built(path: Path) -> None:
    """A sample of every shipped sweep (the first and the last experiments): per-row values
    on one plan against a scenario built per experiment, as every sweep ran before."""
    resolved = load_sweep(path)
    for chunk in sorted({0, resolved.n_chunks - 1}):
        task = resolved.task(chunk)
        stop = min(task.start + 48, task.stop)
        task = dataclasses.replace(task, stop=stop, columns={
            k: v[:stop - task.start] for k, v in task.columns.items()})
        fast, built = run_chunk(task), run_chunk(dataclasses.replace(task, per_row=False))
        _equal(fast.columns, built.columns)
        assert (fast.series or {}).keys() == (built.series or {}).keys()
        for key in fast.series or {}:
            assert np.array_equal(fast.series[key], built.series[key]), key


def test_the_policy_sweep_sets_every_parameter_per_row() -> None:
    per_row, built = load_sweep(ROOT / "scenarios/sweeps/taiwan_2020_policy.toml").per_row()
    assert built == [] and len(per_row) == 8


MINIMAL = ROOT / "scenarios" / "minimal.toml"
# Scalar paths of the minimal scenario and values inside their bounds; BAD: values outside.
GOOD: dict[str, list[Any]] = {
    "reserve.days": [0, 3.5, 7, 30],
    "domestic.uptake": [0.0, 0.4, 0.8, 1.0],
    "budget.kind": ["all_surplus", "share_of_surplus", "fixed_per_week", "pledges_only"],
    "budget.share": [0.1, 0.5, 1.0],
    "budget.amount_per_week": [1e5, 3e6],
    "allocation.rule": ["proportional", "maxmin", "priority"],
    "regions[0].lead_time.days": [0, 2, 5],
    "regions[1].lead_time.max": [9, 12],
    "pledges[0].amount": [0, 500_000, 2_000_000],
    "donor.initial_stock": [0, 1e6, 5e6],
    "horizon.end": ["2020-04-26", "2020-04-12"],  # a change of structure
}
BAD: dict[str, list[Any]] = {
    "reserve.days": [-1], "domestic.uptake": [1.5], "budget.kind": ["everything"],
    "budget.share": [2.0], "budget.amount_per_week": [-5.0], "allocation.rule": ["fair"],
    "regions[1].lead_time.max": [3],  # below its mode
}


def _rows(values: dict[str, list[Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    optional = {k: st.sampled_from(v) for k, v in values.items()}
    optional["seed"] = st.integers(0, 2**32 - 1)
    return st.lists(st.fixed_dictionaries({}, optional=optional), min_size=1, max_size=12)


def _alone(base: Scenario, row: dict[str, Any]) -> Scenario | InputError:
    try:
        return with_overrides(base, [row])[0]
    except InputError as exc:
        return exc


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows(GOOD))
def test_a_table_of_overrides_runs_as_each_row_built_alone(rows: list[dict[str, Any]]) -> None:
    """Each row of run_overrides, and of run_scenarios over with_overrides, is the bytes of
    its scenario run alone (or the error it meets alone: the first bad row's)."""
    base = load(MINIMAL)
    alone = [_alone(base, row) for row in rows]
    if any(isinstance(s, InputError) for s in alone):  # a budget kind without its field
        _first_error_is_the_tables(base, rows, alone)
        return
    scenarios = [s for s in alone if isinstance(s, Scenario)]
    one_by_one = [run_scenarios([s]).metrics for s in scenarios]
    each = {k: np.concatenate([m[k] for m in one_by_one]) for k in one_by_one[0]}
    fast = run_overrides(base, rows).metrics
    for key in each:
        assert fast[key].tobytes() == each[key].tobytes(), key
    _equal(run_scenarios(scenarios).metrics, each)


def _first_error_is_the_tables(base: Scenario, rows: list[dict[str, Any]],
                               alone: list[Scenario | InputError]) -> None:
    first = next(s for s in alone if isinstance(s, InputError))
    with pytest.raises(InputError) as caught:
        run_overrides(base, rows)
    assert (caught.value.field, caught.value.message) == (first.field, first.message)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows({k: GOOD[k] + BAD.get(k, []) for k in GOOD}))
def test_the_bulk_checks_refuse_what_validation_refuses(rows: list[dict[str, Any]]) -> None:
    """Bad values checked a column at a time meet the one-line error of their row built
    alone, named for the first row that has one; a table of good rows runs."""
    base = load(MINIMAL)
    alone = [_alone(base, row) for row in rows]
    if any(isinstance(s, InputError) for s in alone):
        _first_error_is_the_tables(base, rows, alone)
    else:
        assert len(run_overrides(base, rows).metrics["seed"]) == len(rows)


def test_a_bad_value_names_its_row_and_field() -> None:
    base = load(MINIMAL)
    column = np.array([7.0, 14.0, -3.0, 21.0])
    with pytest.raises(RowError) as caught:
        list(override_blocks(base, {"reserve.days": column}, 4))
    assert caught.value.row == 2
    expected = _alone(base, {"reserve.days": -3.0})
    assert isinstance(expected, InputError)
    assert caught.value.error.field == expected.field
    assert caught.value.error.message == expected.message


def test_rows_that_leave_a_path_unset_keep_the_scenarios_value() -> None:
    base = load(MINIMAL)
    columns = {"reserve.days": np.array([0.0, 99.0, 30.0]),
               "domestic.uptake": np.array([0.5, 0.9, 0.0])}
    given_rows = {"reserve.days": np.array([True, False, True]),
                  "domestic.uptake": np.array([False, True, True])}
    fast = _metrics(base, columns, 3, per_row=True, given=given_rows)
    built = _metrics(base, columns, 3, per_row=False, given=given_rows)
    _equal(fast, built)


def test_one_path_named_twice_is_set_in_order() -> None:
    """Two keys for one field (an alias and its name) leave the fast path: their order
    decides the value, as it does when a scenario is built."""
    base = load(MINIMAL)
    columns = {"reserve.days": np.array([1.0, 2.0]),
               "donors[0].reserve.days": np.array([40.0, 50.0])}
    _equal(_metrics(base, columns, 2, per_row=True), _metrics(base, columns, 2, per_row=False))
    s = with_overrides(base, [{"reserve.days": 1.0, "donors[0].reserve.days": 40.0}])[0]
    assert s.donors[0].reserve.days == 40.0


def test_a_key_that_names_no_field_is_refused_before_any_row_runs() -> None:
    base = load(MINIMAL)
    with pytest.raises(InputError) as caught:
        run_overrides(base, [{"reserve.days": -1}, {"regions.south.lead_time.max": 9}])
    assert caught.value.field == "regions.south.lead_time.max"
    assert "no such field" in caught.value.message


THREE_DONORS = {  # donor-, supply- and region-level scalars of a story with three donors
    "donors[0].budget.share": [0.05, 0.5, 1.0, 0.2],
    "donors[2].budget.kind": ["share_of_surplus", "all_surplus", "pledges_only",
                              "share_of_surplus"],
    "donors[1].shipments.cargo_cap": [150_000, 20_000, 1e9, 60_000],
    "donors[0].supplies[0].reserve.days": [0, 14, 30, 7],
    "donors[1].supplies[2].outages.daily_probability": [0.0, 0.05, 0.2, 0.01],
    "regions[3].absorption_caps.kits": [400_000, 10_000, 1e7, 0],
    "regions[0].weight": [1.0, 3.0, 0.5, 2.0],
    "allocation.rule": ["maxmin", "proportional", "priority", "maxmin"],
}


def test_a_story_with_three_donors_runs_its_scalars_per_row() -> None:
    base = load(ROOT / "scenarios" / "three_donors.toml")
    columns = {k: np.array(v) for k, v in THREE_DONORS.items()}
    blocks = list(override_blocks(base, columns, 4))
    assert [list(b.rows) for b in blocks] == [[0, 1, 2, 3]]  # one plan, four rows
    _equal(_metrics(base, columns, 4, per_row=True), _metrics(base, columns, 4, per_row=False))


def test_scenarios_that_differ_only_in_a_table_read_at_load_are_not_merged(
        tmp_path: Path) -> None:
    """A cases need reads its CSV at load (a private attribute): two loads of one file with
    different tables are two structures, each run with its own cases."""
    text = MINIMAL.read_text().replace(
        'need = { kind = "constant", masks_per_day = 500_000 }',
        'need = { kind = "cases", table = "cases.csv", iso_codes = ["EGY"], per_case = 50 }')
    (tmp_path / "c.toml").write_text(text)
    days = [f"3/{d}/2020" for d in range(2, 32)] + [f"4/{d}/2020" for d in range(1, 27)]

    def loaded(scale: int) -> Scenario:
        rows = "".join(f"EGY,Egypt,{day},{scale * (20 + 5 * i)},102334403\n"
                       for i, day in enumerate(days))
        (tmp_path / "cases.csv").write_text(
            "iso_code,location,date,new_cases,population\n" + rows)
        return load(tmp_path / "c.toml")

    a, b = loaded(1), loaded(10)
    _equal(run_scenarios([a, b]).metrics,
           {k: np.concatenate([run_scenarios([s]).metrics[k] for s in (a, b)])
            for k in run_scenarios([a]).metrics})


def test_the_compiled_pass_runs_on_the_callers_numba_thread_count(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass runs on a thread of its own: with the caller's limit (a Dask worker's one
    thread a chunk), not numba's default."""
    import numba

    import sim.results.batch as batch

    seen: list[int] = []
    simulate = batch.simulate_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(numba.get_num_threads())
        return simulate(*args, **kwargs)

    monkeypatch.setattr(batch, "simulate_batch", spy)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        run_scenarios([load(MINIMAL)] * 2, backend="compiled")
    finally:
        numba.set_num_threads(before)
    assert seen == [1]
