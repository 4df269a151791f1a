"""Sweeps without the command line: sweep files, designs, seeds, overrides, chunks, indices."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.engine.plan import build_plan
from sim.engine.runner import Engine, run
from sim.results import metrics
from sim.scenario.enums import Backend
from sim.scenario.errors import InputError
from sim.scenario.loading import load, validate
from sim.scenario.overrides import Overrides, set_path
from sim.sweep.design import Design, DesignKind, Parameter, points, saltelli
from sim.sweep.sensitivity import SobolEstimate, analyze, saltelli_indices, srrc
from sim.sweep.spec import Seeding, experiment_seeds, run_chunk
from sim.sweep.store import load_sweep

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"
POLICY = REPO / "scenarios" / "sweeps" / "taiwan_2020_policy.toml"

PARAMS = """
[[parameters]]
path = "reserve.days"
uniform = [0, 14]

[[parameters]]
path = "allocation.rule"
values = ["proportional", "maxmin", "priority", "weighted"]

[[parameters]]
path = "donor.outages.daily_probability"
log_uniform = [0.001, 0.2]

[[parameters]]
path = "shipments.cadence_days"
integer = [5, 9]

[[parameters]]
name = "lead_scale"
paths = ["regions[1].lead_time.max"]
op = "scale"
uniform = [1.0, 2.0]
"""


OUTCOMES = '["domestic_shortfall", "min_fill_rate", "donated_total"]'


def write_sweep(tmp: Path, design: str, params: str = PARAMS, head: str = "",
                outcomes: str = OUTCOMES, name: str = "sweep.toml") -> Path:
    path = tmp / name
    path.write_text(f'name = "t"\nbase = "{MINIMAL}"\nseed = 7\n{head}\n'
                    f"outcomes = {outcomes}\n\n[design]\n{design}\n{params}")
    return path


def test_full_factorial_is_every_combination_with_ends(tmp_path: Path) -> None:
    r = load_sweep(write_sweep(tmp_path, 'kind = "full_factorial"\nlevels = 3'))
    pts = r.points
    assert r.n_points == 3 * 4 * 3 * 3 * 3  # integer [5, 9] at 3 levels: 5, 7, 9
    assert set(pts["reserve.days"]) == {0.0, 7.0, 14.0}
    assert set(pts["shipments.cadence_days"]) == {5, 7, 9}
    assert np.allclose(sorted(set(pts["donor.outages.daily_probability"])),
                       [0.001, math.sqrt(0.001 * 0.2), 0.2])
    combos = set(zip(*(pts[k].tolist() for k in pts), strict=True))
    assert len(combos) == r.n_points


@pytest.mark.parametrize("kind", ["latin_hypercube", "monte_carlo", "sobol"])
def test_sampling_designs_cover_their_ranges_and_reproduce(tmp_path: Path, kind: str) -> None:
    design = f'kind = "{kind}"\nsamples = 64'
    a = load_sweep(write_sweep(tmp_path, design)).points
    b = load_sweep(write_sweep(tmp_path, design, name="again.toml")).points
    common = load_sweep(write_sweep(tmp_path, design, head='seeding = "common"')).points
    for key in a:
        assert np.array_equal(a[key], b[key]), key
        assert np.array_equal(a[key], common[key]), key  # seeding changes runs, not points
    reserve = a["reserve.days"]
    assert 0 <= reserve.min() < 1.5 and 12.5 < reserve.max() < 14
    prob = a["donor.outages.daily_probability"]
    assert 0.001 <= prob.min() < 0.002 and 0.1 < prob.max() <= 0.2
    assert set(a["shipments.cadence_days"].tolist()) == {5, 6, 7, 8, 9}
    assert set(a["allocation.rule"].tolist()) == {"proportional", "maxmin", "priority",
                                                  "weighted"}
    reseeded = write_sweep(tmp_path, design, name="reseeded.toml")
    reseeded.write_text(reseeded.read_text().replace("seed = 7", "seed = 8"))
    assert not np.array_equal(load_sweep(reseeded).points["reserve.days"], reserve)
    if kind == "latin_hypercube":  # one point in each of the 64 strata of every range
        strata = np.floor(reserve / 14 * 64).astype(int)
        assert sorted(strata.tolist()) == list(range(64))


def test_sobol_design_has_the_saltelli_structure(tmp_path: Path) -> None:
    r = load_sweep(write_sweep(tmp_path, 'kind = "sobol"\nsamples = 32'))
    k = 5
    assert r.n_points == 32 * (k + 2)
    reserve = r.points["reserve.days"].reshape(32, k + 2)
    prob = r.points["donor.outages.daily_probability"].reshape(32, k + 2)
    # Column 0 (reserve) comes from B only in AB_1 (row 1) and B (row k + 1).
    assert np.array_equal(reserve[:, 1], reserve[:, k + 1])
    for row in (2, 3, 4, 5):
        assert np.array_equal(reserve[:, row], reserve[:, 0])
    assert np.array_equal(prob[:, 3], prob[:, k + 1])
    assert np.array_equal(prob[:, 1], prob[:, 0])
    unit = np.arange(12.0).reshape(2, 6) / 12
    rows = saltelli(unit, 3).reshape(2, 5, 3)
    assert np.array_equal(rows[:, 2], np.column_stack([unit[:, 0], unit[:, 4], unit[:, 2]]))


def test_experiment_seeds_come_from_the_root_by_index() -> None:
    seeds = experiment_seeds(11, Seeding.PER_EXPERIMENT, 3, 6, 2)
    want = [np.random.SeedSequence(11, spawn_key=(i,)).generate_state(1, np.uint64)[0]
            for i in (3, 4, 5)]
    assert seeds.tolist() == [int(w) for w in want]
    common = experiment_seeds(11, Seeding.COMMON, 0, 6, 2)
    assert common[0] == common[2] == common[4] != common[1] == common[3]


def test_rows_do_not_depend_on_chunking(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, 'kind = "latin_hypercube"\nsamples = 30',
                       head="replications = 2\nchunk_size = 60")
    whole = run_chunk(load_sweep(path).task(0))
    path.write_text(path.read_text().replace("chunk_size = 60", "chunk_size = 7"))
    small = load_sweep(path)
    parts = [run_chunk(small.task(c)) for c in range(small.n_chunks)]
    for name, column in whole.columns.items():
        joined = np.concatenate([p.columns[name] for p in parts])
        assert np.array_equal(joined, column), name
    assert np.array_equal(whole.columns["replication"], np.arange(60) % 2)
    assert len(set(whole.columns["seed"].tolist())) == 60


def test_override_equals_set_dotted_and_full_validation() -> None:
    base = load(MINIMAL)
    data = base.model_dump(mode="json", exclude_none=True)
    changes = {"reserve.days": 3.5, "allocation.rule": "priority",
               "regions[1].lead_time.max": 12.0, "budget.kind": "share_of_surplus",
               "budget.share": 0.4, "shipments.cargo_cap": 5e5}
    over = Overrides(base, "x")
    fast = over.apply(changes.items())
    for key, value in changes.items():
        data = set_path(data, over.steps(key), value)
    assert fast == validate(data)
    assert fast.regions[0] is base.regions[0]  # untouched models are reused, not rebuilt
    with pytest.raises(InputError) as err:
        over.apply([("regions[1].lead_time.max", 1.0)])
    assert err.value.field == "regions[1].lead_time.mode"


def test_a_row_is_the_run_of_its_scenario_and_seed(tmp_path: Path) -> None:
    r = load_sweep(write_sweep(tmp_path, 'kind = "monte_carlo"\nsamples = 12'))
    result = run_chunk(r.task(0))
    for i in (0, 5, 11):
        changes = [c for s in r.setters for c in s.changes(r.points[s.label].tolist()[i])]
        scenario = Overrides(r.base, "x").apply(changes)
        seed = int(result.columns["seed"][i])
        for engine in Engine:
            one = run(scenario, seed=seed, engine=engine)
            got = metrics.scalars(one.run.totals, build_plan(scenario).pledge_units)
            for name in ("domestic_shortfall", "min_fill_rate", "donated_total"):
                assert got[name][0] == pytest.approx(result.columns[name][i], rel=1e-9), name


def test_a_sweeps_backend_is_every_experiments_and_gives_their_single_runs(
        tmp_path: Path) -> None:
    """``backend = "compiled"``: the base (and so each experiment) allocates with it, and a
    row is, to the bit, the single run of its scenario with that backend (through SimPy)."""
    r = load_sweep(write_sweep(tmp_path, 'kind = "monte_carlo"\nsamples = 6',
                               head='backend = "compiled"'))
    assert r.base.allocation.backend is Backend.COMPILED
    assert load_sweep(write_sweep(tmp_path, 'kind = "monte_carlo"\nsamples = 6',
                                  name="own.toml")).base.allocation.backend is Backend.VECTOR
    result = run_chunk(r.task(0))
    for i in range(6):
        changes = [c for s in r.setters for c in s.changes(r.points[s.label].tolist()[i])]
        scenario = Overrides(r.base, "x").apply(changes)
        one = run(scenario, seed=int(result.columns["seed"][i]), engine=Engine.DES)
        assert one.backend is Backend.COMPILED
        got = metrics.scalars(one.run.totals, build_plan(scenario).pledge_units)
        for name in ("domestic_shortfall", "min_fill_rate", "donated_total"):
            assert got[name][0] == result.columns[name][i], name


def test_distributions_by_name(tmp_path: Path) -> None:
    params = """
[[parameters]]
path = "domestic.uptake"
distribution = "beta"
args = { a = 2.0, b = 5.0 }

[[parameters]]
path = "shipments.cadence_days"
distribution = "randint"
args = { low = 5, high = 10 }
"""
    r = load_sweep(write_sweep(tmp_path, 'kind = "latin_hypercube"\nsamples = 50',
                               params=params))
    uptake = r.points["domestic.uptake"]
    assert uptake.dtype == np.float64 and uptake.min() > 0 and uptake.max() < 1
    assert abs(np.median(uptake) - 0.2644) < 0.03  # beta(2, 5) median
    cadence = r.points["shipments.cadence_days"]
    assert cadence.dtype == np.int64 and set(cadence.tolist()) == {5, 6, 7, 8, 9}


BAD = {  # case: (parameters, extra top-level line, outcomes, field named in the error)
    "unknown path": (PARAMS.replace("reserve.days", "reserve.dayz"), "", OUTCOMES,
                     "parameters[0].path"),
    "lo > hi": (PARAMS.replace("[0, 14]", "[14, 0]"), "", OUTCOMES, "parameters[0].uniform"),
    "invalid value": (PARAMS.replace("[0, 14]", "[-5, 14]"), "", OUTCOMES,
                      "parameters[0].uniform"),
    "unknown outcome": (PARAMS, "", '["happiness"]', "outcomes[0]"),
    "an outcome and a newline": (PARAMS, "", '["min_fill_rate[masks]\\n"]', "outcomes[0]"),
    "a good the scenario lacks": (PARAMS, "", '["min_fill_rate[kits]"]', "outcomes[0]"),
    "a number too large": (PARAMS.replace("uniform = [0, 14]", "values = [1" + "0" * 400
                                          + "]"), "", OUTCOMES, "parameters[0].values"),
    "unknown series": (PARAMS, 'series = ["mood"]', OUTCOMES, "series[0]"),
    "unknown design": (PARAMS, "", OUTCOMES, "design.kind"),
    "unknown backend": (PARAMS, 'backend = "gpu"', OUTCOMES, "backend"),
    "two kinds": (PARAMS.replace("uniform = [0, 14]", "uniform = [0, 14]\ninteger = [0, 1]"),
                  "", OUTCOMES, "parameters[0]"),
    "bad distribution": (PARAMS.replace("uniform = [0, 14]", 'distribution = "nope"'), "",
                         OUTCOMES, "parameters[0].distribution"),
    "scale a word": (PARAMS + '\n[[parameters]]\npath = "allocation.shares"\nop = "scale"\n'
                     "uniform = [1, 2]\n", "", OUTCOMES, "parameters[5].op"),
    # lead time max scaled below its mode: only wrong together with the base scenario
    "together invalid": (PARAMS.replace("uniform = [1.0, 2.0]", "uniform = [0.1, 2.0]"), "",
                         OUTCOMES, "parameters[4].uniform"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sweep_files_name_the_file_and_field(tmp_path: Path, case: str) -> None:
    params, head, outcomes, field = BAD[case]
    design = 'kind = "grid"' if case == "unknown design" else 'kind = "monte_carlo"\nsamples = 4'
    path = write_sweep(tmp_path, design, params=params, head=head, outcomes=outcomes,
                       name="bad.toml")
    with pytest.raises(InputError) as err:
        load_sweep(path)
    assert err.value.source == str(path)
    assert err.value.field == field, str(err.value)


def test_missing_base_scenario_names_the_field(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, 'kind = "monte_carlo"\nsamples = 4')
    path.write_text(path.read_text().replace(str(MINIMAL), "nowhere.toml"))
    with pytest.raises(InputError) as err:
        load_sweep(path)
    assert (err.value.source, err.value.field) == (str(path), "base")
    assert "nowhere.toml" in err.value.message


def test_sobol_samples_must_be_a_power_of_two(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_sweep(write_sweep(tmp_path, 'kind = "sobol"\nsamples = 100'))
    assert err.value.field == "design.samples"


def test_policy_sweep_is_large_and_valid() -> None:
    r = load_sweep(POLICY)
    assert r.n_experiments >= 10_000
    assert r.sweep.design.kind is DesignKind.SOBOL
    labels = {p.label for p in r.sweep.parameters}
    assert {"reserve.days", "allocation.rule", "budget.kind",
            "donor.outages.daily_probability"} <= labels
    assert set(r.points["allocation.rule"].tolist()) == {"proportional", "maxmin", "priority",
                                                         "weighted"}
    assert r.points["reserve.days"].min() < 1 and r.points["reserve.days"].max() > 59


def _through_design(fn: Callable[[np.ndarray], np.ndarray], bounds: list[tuple[float, float]],
                    n: int) -> np.ndarray:
    """Outputs of ``fn`` at our Sobol' design's points, in the design's order."""
    params = [Parameter(path=f"x{i}", uniform=b) for i, b in enumerate(bounds)]
    pts = points(Design(kind=DesignKind.SOBOL, samples=n), params, np.random.default_rng(3))
    return fn(np.column_stack([pts[p.label] for p in params]))


def _within(est: SobolEstimate, first: list[float], total: list[float]) -> None:
    assert np.all(est.first_low <= first) and np.all(first <= est.first_high), est
    assert np.all(est.total_low <= total) and np.all(total <= est.total_high), est
    assert np.all(est.first_high - est.first_low < 0.2), est  # informative intervals


def test_sobol_indices_of_a_linear_model_are_in_their_intervals() -> None:
    # y = sum a_i x_i, x_i ~ U(0, 1): S_i = ST_i = a_i^2 / sum a^2 (a_4 = 0: no effect at all).
    a = np.array([1.0, 2.0, 0.5, 0.0])
    y = _through_design(lambda x: x @ a, [(0.0, 1.0)] * 4, 512)
    est = saltelli_indices(y, 4)
    share = (a**2 / (a**2).sum()).tolist()
    _within(est, share, share)
    assert est.total[3] == est.total_low[3] == est.total_high[3] == 0.0


def test_sobol_indices_of_the_ishigami_function_are_in_their_intervals() -> None:
    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.asarray(np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2
                          + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]))

    y = _through_design(ishigami, [(-math.pi, math.pi)] * 3, 4096)
    est = saltelli_indices(y, 3)
    # Analytic indices for a = 7, b = 0.1 (Ishigami and Homma 1990).
    _within(est, [0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437])


def test_sobol_intervals_are_reproducible_and_leave_global_state_alone() -> None:
    y = _through_design(lambda x: x[:, 0] + x[:, 1] ** 2, [(0.0, 1.0)] * 2, 128)
    np.random.seed(5)  # noqa: NPY002 (the legacy global state the bootstrap borrows)
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002
    a, b = saltelli_indices(y, 2), saltelli_indices(y, 2)
    assert np.random.random() == expected  # noqa: NPY002
    for field in ("first_low", "first_high", "total_low", "total_high"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    flat = saltelli_indices(np.ones(4 * 8), 2)
    assert np.isnan(flat.first).all() and np.isnan(flat.total_high).all()


def test_srrc_ranks_inputs_and_reports_fit() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((400, 3))
    y = np.exp(3 * x[:, 0]) - 8 * x[:, 1] + 0.01 * rng.random(400)  # monotone, not linear
    ranks = np.argsort(np.argsort(x, axis=0), axis=0).astype(float)
    coef, r2 = srrc(ranks, y)
    assert coef[0] > 0.7 and -0.6 < coef[1] < -0.25 and abs(coef[2]) < 0.1
    assert r2 > 0.9


def test_analyze_sobol_sweep_outputs(tmp_path: Path) -> None:
    params = PARAMS.split("[[parameters]]\npath = \"donor")[0]  # reserve and rule
    r = load_sweep(write_sweep(tmp_path, 'kind = "sobol"\nsamples = 16', params=params))
    res = run_chunk(r.task(0))
    import pandas as pd

    frame = pd.DataFrame({k: v for k, v in res.columns.items()
                          if k not in r.sweep.outcomes})
    outcomes = {k: res.columns[k] for k in r.sweep.outcomes}
    report = analyze(frame, outcomes, r.sweep)
    sobol_rows = [row for row in report.rows if row.method == "sobol"]
    assert {row.parameter for row in sobol_rows} == {"reserve.days", "allocation.rule"}
    dummies = {row.parameter for row in report.rows if row.method == "srrc"}
    assert dummies == {"allocation.rule=maxmin", "allocation.rule=priority",
                       "allocation.rule=weighted"}
    assert set(report.r2) == set(r.sweep.outcomes)


@pytest.mark.parametrize(("design", "seeding"), [
    ('kind = "sobol"\nsamples = 8', Seeding.COMMON),
    ('kind = "full_factorial"\nlevels = 2', Seeding.COMMON),
    ('kind = "latin_hypercube"\nsamples = 8', Seeding.PER_EXPERIMENT),
    ('kind = "monte_carlo"\nsamples = 8', Seeding.PER_EXPERIMENT),
])
def test_seeding_defaults_to_common_random_numbers_where_rows_are_compared(
    tmp_path: Path, design: str, seeding: Seeding
) -> None:
    r = load_sweep(write_sweep(tmp_path, design, head="replications = 2"))
    assert r.sweep.seeding is seeding
    seeds = run_chunk(r.task(0)).columns["seed"]
    if seeding is Seeding.COMMON:  # replication r of every point: one seed
        assert len(set(seeds[0::2].tolist())) == len(set(seeds[1::2].tolist())) == 1
    else:
        assert len(set(seeds.tolist())) == len(seeds)
    opted_out = load_sweep(write_sweep(tmp_path, design, head='seeding = "per_experiment"',
                                       name="own.toml"))
    assert opted_out.sweep.seeding is Seeding.PER_EXPERIMENT


@pytest.mark.parametrize(("design", "head", "field", "count"), [
    ('kind = "full_factorial"\nlevels = 1_000_000_000_000', "", "design.levels",
     "about 10^48"),
    ('kind = "full_factorial"\nlevels = 4_611_686_018_427_387_904', "", "design.levels",
     "about 10^"),
    ('kind = "sobol"\nsamples = 4_611_686_018_427_387_904', "", "design.samples",
     "about 10^19"),
    ('kind = "monte_carlo"\nsamples = 1000', "replications = 1_000_000", "replications",
     "1,000,000,000"),
])
def test_designs_too_big_to_hold_are_refused_at_validation(
    tmp_path: Path, design: str, head: str, field: str, count: str
) -> None:
    # 10^12 levels of five parameters used to end in a MemoryError (exit 1) drawing grids.
    params = PARAMS.replace('values = ["proportional", "maxmin", "priority", "weighted"]',
                            'uniform = [0.0, 1.0]').replace("allocation.rule",
                                                            "domestic.uptake")
    path = write_sweep(tmp_path, design, params=params, head=head)
    with pytest.raises(InputError) as err:
        load_sweep(path)
    assert err.value.field == field, str(err.value)
    assert f"the design has {count}" in err.value.message
    assert "at most 100,000,000 are supported" in err.value.message


def test_srrc_leaves_out_undefined_runs() -> None:
    # An outcome undefined in some runs (NaN fairness when nothing was delivered) must not
    # turn the regression into "constant outcome" (NaN): the defined runs still rank the
    # input almost perfectly (x holds ranks over all runs, so two gaps bend it slightly).
    x = np.arange(10, dtype=float)[:, None]
    y = 2.0 * x[:, 0]
    y[[1, 4]] = np.nan
    coef, r2 = srrc(x, y)
    assert coef[0] > 0.99 and r2 > 0.98
