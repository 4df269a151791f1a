"""The command line: results on disk, one-line errors with exit code 2, identical reruns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.cli.main import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MINIMAL = SCENARIOS / "minimal.toml"
FILES = ("scenario.toml", "daily.parquet", "regions.parquet", "shipments.csv", "summary.json")


def test_run_writes_every_output_and_prints_the_path_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["run", str(MINIMAL), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == str(out)
    assert any("pledges" in line for line in printed)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary left behind
    summary = json.loads((out / "summary.json").read_text())
    for key in ("produced", "domestic_demand", "domestic_shortfall", "donated_total",
                "donated_by_region", "fill_rate_by_region", "unmet_need_masks",
                "gini_fill_rate", "min_fill_rate", "pledges", "first_delivery_day_by_region",
                "final_stock", "provenance"):
        assert key in summary
    assert set(summary["pledges"]) >= {"on_time", "late", "unmet"}
    assert set(summary["provenance"]) >= {"version", "seed", "scenario_sha256", "engine",
                                          "backend"}
    daily = pq.read_table(out / "daily.parquet")
    assert daily.num_rows == 56 and "production" in daily.column_names
    regions = pq.read_table(out / "regions.parquet")
    assert regions.num_rows == 56 * 2
    shipped = sum(summary["donated_by_region"].values())
    assert shipped == pytest.approx(summary["donated_total"])


def test_same_scenario_and_seed_give_identical_files(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    base = ["run", str(MINIMAL), "-q", "--set", "donor.outages.daily_probability=0.2"]
    assert main([*base, "--out", str(a)]) == 0
    assert main([*base, "--out", str(b)]) == 0
    assert main([*base, "--out", str(c), "--seed", "99"]) == 0
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "daily.parquet").read_bytes() != (c / "daily.parquet").read_bytes()


@pytest.mark.parametrize("scenario", [
    MINIMAL, SCENARIOS / "taiwan_2020.toml",
    Path(__file__).resolve().parents[1] / "fixtures" / "engines_tie.toml",
], ids=lambda p: p.stem)
def test_batch_engine_writes_the_same_results(tmp_path: Path, scenario: Path) -> None:
    a, b = tmp_path / "des", tmp_path / "batch"
    base = ["run", str(scenario), "-q", "--set", "donor.outages.daily_probability=0.2"]
    assert main([*base, "--out", str(a)]) == 0
    assert main([*base, "--out", str(b), "--engine", "batch"]) == 0
    for name in ("daily.parquet", "regions.parquet", "shipments.csv", "scenario.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rerun_replaces_the_folder_whole(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", str(MINIMAL), "-q", "--out", str(out)]) == 0
    (out / "stale.txt").write_text("old")
    assert main(["run", str(MINIMAL), "-q", "--out", str(out)]) == 0
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_default_folder_is_name_and_hash(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(MINIMAL), "-q", "--results-dir", str(tmp_path)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == tmp_path and path.name.startswith("minimal-")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.read_text().replace("min = 2, mode", "min = -2, mode"))
    proc = _cli("run", str(bad), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{bad}: regions[1].lead_time.min: must be >= 0"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_bad_override_and_missing_file_exit_2(tmp_path: Path) -> None:
    proc = _cli("run", str(MINIMAL), "--set", "reserve.days=-1")
    assert proc.returncode == 2 and "reserve.days: must be >= 0" in proc.stderr
    proc = _cli("run", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_validate_checks_many_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n")
    proc = _cli("validate", str(MINIMAL), str(SCENARIOS / "taiwan_2020.toml"), str(bad))
    assert proc.returncode == 2
    assert proc.stdout.count(": ok") == 2
    assert proc.stderr.strip().startswith(f"{bad}: ")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_internal_error_exits_1(tmp_path: Path) -> None:
    # A result folder whose parent is a file cannot be written: not the user's input.
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = _cli("run", str(MINIMAL), "--out", str(blocker / "sub"))
    assert proc.returncode == 1
    assert "internal error" in proc.stderr and "Traceback" not in proc.stderr
