"""``masksim optimize``: a folder with the chosen policy as a scenario ``masksim run`` takes,
the front as a table, a figure and a page; flags over the file; one-line errors, exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.scenario.loading import load

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"

SPEC = f"""
name = "small"
base = "{MINIMAL}"
seed = 4
futures = 30
check_futures = 90
objectives = ["maximize mean(donated_total)"]
constraints = ["P(domestic_shortfall > 0) <= 0.1"]

[set]
"donor.outages.severity" = 1.0
"donor.outages.mean_duration_days" = 4

[[levers]]
path = "reserve.days"
uniform = [0, 20]

[[levers]]
path = "allocation.rule"
values = ["proportional", "maxmin"]

[[uncertainties]]
path = "donor.outages.daily_probability"
uniform = [0.0, 0.08]

[search]
population = 8
generations = 2
"""


def spec_file(tmp: Path, old: str = "", new: str = "") -> Path:
    path = tmp / "small.toml"
    path.write_text(SPEC.replace(old, new, 1) if old else SPEC)
    return path


def test_the_chosen_policy_runs_as_written_and_the_front_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "opt"
    assert main(["optimize", str(spec_file(tmp_path)), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == str(out)
    assert any("in-sample" in line and "fresh futures" in line for line in printed)
    for name in ("optimize.toml", "scenario.toml", "policy.toml", "candidates.csv",
                 "front.csv", "result.json", "front.png", "optimize.pdf"):
        assert (out / name).is_file(), name
    result = json.loads((out / "result.json").read_text())
    assert result["feasible"] is True
    checks = {c["measure"]: c for c in result["checks"]}
    chance = checks["P(domestic_shortfall > 0)"]
    assert chance["in_sample"] <= 0.1
    assert chance["ci95_low"] <= chance["out_of_sample"] <= chance["ci95_high"]
    levers = result["chosen"]["levers"]
    policy = load(out / "policy.toml")
    assert policy.donors[0].reserve.days == levers["reserve.days"]
    assert str(policy.allocation.rule) == levers["allocation.rule"]
    assert policy.donors[0].supplies[0].outages.severity == 1.0  # [set] kept
    run = tmp_path / "run"
    assert main(["run", str(out / "policy.toml"), "--out", str(run), "-q"]) == 0
    with open(out / "candidates.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == result["policies_tried"]
    with open(out / "front.csv", newline="") as fh:
        front = list(csv.DictReader(fh))
    assert front and all(r["on_front"] == "True" for r in front)
    assert str(result["chosen"]["policy"]) in {r["policy"] for r in front}
    # The same run again: nothing to do; another one into the folder: refused.
    capsys.readouterr()
    assert main(["optimize", str(spec_file(tmp_path)), "--out", str(out)]) == 0
    assert "already done" in capsys.readouterr().out
    assert main(["optimize", str(spec_file(tmp_path)), "--out", str(out), "--seed", "5",
                 "-q"]) == 2
    assert "another optimize run" in capsys.readouterr().err


def test_flags_override_the_file_and_no_feasible_policy_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "none"
    assert main(["optimize", str(spec_file(tmp_path)), "--out", str(out), "--futures", "20",
                 "--constraint", "mean(domestic_shortfall) <= -1", "--set",
                 "reserve.days=3", "--generations", "1"]) == 0
    printed = capsys.readouterr().out
    assert "No policy tried meets mean(domestic_shortfall) <= -1" in printed
    result = json.loads((out / "result.json").read_text())
    assert result["feasible"] is False and result["futures"] == 20
    assert result["constraints"] == ["mean(domestic_shortfall) <= -1"]
    assert "least risky" in result["status"]


BAD = {
    "lever path": ('path = "reserve.days"', 'path = "reserve.dayz"', "levers[0].path"),
    "outside the field": ("uniform = [0.0, 0.08]", "uniform = [0.0, 1.5]",
                          "uncertainties[0].uniform"),
    "outcome": ("mean(donated_total)", "mean(donated)", "objectives[0]"),
    "constraint": ("<= 0.1", "< 0.1", "constraints[0]"),
    "set": ('"donor.outages.severity" = 1.0', '"donor.outages.severty" = 1.0',
            "set.donor.outages.severty"),
    "base": (str(MINIMAL), "missing.toml", "base"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_exit_2_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      case: str) -> None:
    old, new, field = BAD[case]
    f = spec_file(tmp_path, old, new)
    assert main(["optimize", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{f}: {field}: "), err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", sorted((REPO / "scenarios" / "optimize").glob("*.toml")),
                         ids=lambda p: p.name)
def test_shipped_optimize_files_resolve(path: Path) -> None:
    import argparse

    from sim.cli.optimize import load_problem

    flags = argparse.Namespace(futures=2, check_futures=2, seed=None, objective=None,
                               constraint=None, population=None, generations=None, set=[])
    problem = load_problem(str(path), flags)
    assert problem.spec.constraints and problem.futures.n == 2
