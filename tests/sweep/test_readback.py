"""A sweep read back as other tools take it: inputs apart from bookkeeping, scenario and
policy ids, undefined outcomes counted; SALib's Sobol' analysis on a masksim sweep gives
masksim's indices; the run-many entry point gives a sweep's rows back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli.main import main
from sim.scenario.errors import InputError
from sim.sweep.experiments import run_experiments
from sim.sweep.sensitivity import saltelli_indices
from sim.sweep.store import read_bookkeeping, read_sweep

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"

SWEEP = f"""
name = "roles"
base = "{MINIMAL}"
seed = 3
replications = {{replications}}
chunk_size = 50
outcomes = ["domestic_shortfall", "donated_total", "min_fill_rate", "gini_fill_rate"]

[design]
kind = "sobol"
samples = 32

[[parameters]]
path = "reserve.days"
uniform = [0, 14]
role = "lever"

[[parameters]]
path = "allocation.rule"
values = ["proportional", "maxmin"]
role = "lever"

[[parameters]]
path = "domestic.uptake"
uniform = [0.3, 1.0]
role = "uncertainty"
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("readback")
    f = tmp / "roles.toml"
    f.write_text(SWEEP.format(replications=1))
    out = tmp / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 0
    return out


def test_inputs_come_apart_from_bookkeeping(folder: Path) -> None:
    experiments, outcomes = read_sweep(folder)
    n = 32 * 5
    assert list(experiments.columns) == ["reserve.days", "allocation.rule", "domestic.uptake",
                                         "scenario", "policy"]
    assert experiments.index.name == "experiment" and experiments.index.tolist() == list(
        range(n))
    assert experiments["scenario"].tolist() == list(range(n))
    # A policy is a distinct set of lever values: the Saltelli rows that change only the
    # uncertainty (AB_3) keep the policy of their A row.
    a_rows, ab3_rows = experiments.iloc[0::5], experiments.iloc[3::5]
    assert a_rows["policy"].tolist() == ab3_rows["policy"].tolist()
    levers = experiments[["reserve.days", "allocation.rule"]].apply(tuple, axis=1)
    assert experiments.groupby("policy").apply(
        lambda g: levers[g.index].nunique()).eq(1).all()
    assert experiments["allocation.rule"].dtype == object
    book = read_bookkeeping(folder)
    assert list(book.columns) == ["experiment", "replication", "seed"]
    assert experiments.attrs["undefined"] == {
        k: int(np.count_nonzero(np.isnan(v))) for k, v in outcomes.items()}


def test_replications_share_their_scenario(tmp_path: Path) -> None:
    f = tmp_path / "reps.toml"
    f.write_text(SWEEP.format(replications=2).replace("samples = 32", "samples = 2")
                 .replace('role = "lever"\n', "").replace('role = "uncertainty"\n', ""))
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 0
    experiments, _ = read_sweep(out)
    assert "policy" not in experiments  # no levers marked: no policy id
    assert experiments["scenario"].tolist() == [i // 2 for i in range(2 * 5 * 2)]


def test_salib_gives_masksims_sobol_indices(folder: Path) -> None:
    from SALib.analyze import sobol

    experiments, outcomes = read_sweep(folder)
    names = ["reserve.days", "allocation.rule", "domestic.uptake"]
    problem = {"num_vars": 3, "names": names, "bounds": [[0.0, 1.0]] * 3}
    for outcome in ("donated_total", "min_fill_rate"):
        y = outcomes[outcome]
        theirs = sobol.analyze(problem, y, calc_second_order=False, seed=1)
        ours = saltelli_indices(y, 3)
        # The same estimators (Saltelli 2010 first order, Jansen total) on the same layout;
        # SALib centres on the mean of every row, scipy on that of A and B, which moves the
        # first-order estimate a little.
        np.testing.assert_allclose(theirs["ST"], ours.total, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(theirs["S1"], ours.first, atol=2e-3)
        assert np.argmax(theirs["ST"]) == np.argmax(ours.total)


def test_run_experiments_gives_the_sweeps_rows_back(folder: Path) -> None:
    experiments, outcomes = read_sweep(folder)
    table = experiments.assign(seed=read_bookkeeping(folder)["seed"].to_numpy())
    base = sim.load(folder / "scenario.toml")
    again = run_experiments(base, table, outcomes=list(outcomes))
    for name, values in outcomes.items():
        np.testing.assert_array_equal(again[name], values)


def test_run_experiments_maps_columns_and_names_what_is_wrong() -> None:
    base = sim.load(MINIMAL)
    out = run_experiments(base, {"days": [0.0, 30.0], "policy": ["a", "b"]},
                          paths={"days": "reserve.days"}, outcomes=["final_stock"])
    assert out["final_stock"].shape == (2,) and out["final_stock"][1] >= out["final_stock"][0]
    with pytest.raises(InputError, match="no field 'days'"):
        run_experiments(base, {"days": [0.0]})
    with pytest.raises(InputError, match="unknown outcome"):
        run_experiments(base, {"reserve.days": [0.0]}, outcomes=["donated"])
