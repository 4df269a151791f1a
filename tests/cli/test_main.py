"""The command line: results on disk, one-line errors with exit code 2, identical reruns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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
                "donated_by_region", "fill_rate_by_region", "unmet_need",
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


def test_rerun_replaces_only_the_runs_own_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", str(MINIMAL), "-q", "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine")
    (out / "figures").mkdir()
    (out / "figures" / "stock.png").write_bytes(b"png")
    assert main(["run", str(MINIMAL), "-q", "--out", str(out)]) == 0  # the same data
    assert (out / "figures" / "stock.png").read_bytes() == b"png"
    assert main(["run", str(MINIMAL), "-q", "--out", str(out), "--seed", "4"]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "figures").exists()  # made from the old data: gone, and said so
    assert "seed = 4" in (out / "scenario.toml").read_text()
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


# --- one folder per run ---------------------------------------------------------------------

def _folder(capsys: pytest.CaptureFixture[str]) -> Path:
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


def test_seed_and_backend_options_land_in_folders_of_their_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["run", str(MINIMAL), "-q", "--results-dir", str(tmp_path)]
    folders = []
    for extra in (["--seed", "7"], ["--seed", "8"], ["--backend", "lp"]):
        assert main([*base, *extra]) == 0
        folders.append(_folder(capsys))
    assert len(set(folders)) == 3 and sorted(tmp_path.iterdir()) == sorted(folders)
    texts = [(f / "scenario.toml").read_text() for f in folders]
    assert "seed = 7" in texts[0] and "seed = 8" in texts[1] and 'backend = "lp"' in texts[2]
    assert main([*base, "--engine", "batch", "--seed", "7"]) == 0  # the engine counts too
    assert _folder(capsys) not in folders


@pytest.mark.parametrize("engine", ["des", "batch"])
def test_a_run_reproduces_from_its_scenario_toml_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    first = ["run", str(MINIMAL), "-q", "--engine", engine, "--seed", "11", "--backend", "lp",
             "--set", "donor.outages.daily_probability=0.2", "--results-dir", str(tmp_path)]
    assert main(first) == 0
    a = _folder(capsys)
    b = tmp_path / "again"
    assert main(["run", str(a / "scenario.toml"), "-q", "--engine", engine,
                 "--out", str(b)]) == 0
    assert sorted(p.name for p in b.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # and without --out it is the same folder again
    assert main(["run", str(a / "scenario.toml"), "-q", "--engine", engine,
                 "--results-dir", str(tmp_path)]) == 0
    assert _folder(capsys) == a


def test_an_lp_option_with_backend_vector_is_refused_at_load(tmp_path: Path) -> None:
    proc = _cli("run", str(MINIMAL), "--set", "allocation.backend=lp", "--set",
                "allocation.pallet_size=100", "--backend", "vector", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"{MINIMAL}: allocation.backend: min_shipment and "
                                   "pallet_size need backend = 'lp'")
    assert not (tmp_path / "out").exists()


def test_a_name_or_note_with_emoji_gives_a_readable_folder(tmp_path: Path) -> None:
    from sim.results.reader import load_run

    out = tmp_path / "run"
    assert main(["run", str(MINIMAL), "-q", "--out", str(out), "--set",
                 'donor.name="Taiwan 😷"', "--set", 'pledges[0].note="first 🇹🇼 round"']) == 0
    data = load_run(out)
    assert data.donor == "Taiwan 😷"
    assert data.scenario["pledges"][0]["note"] == "first 🇹🇼 round"


def test_a_300_character_name_runs_into_a_short_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(MINIMAL), "-q", "--set", "name=" + "n" * 300,
                 "--results-dir", str(tmp_path)]) == 0
    folder = _folder(capsys)
    assert folder.parent == tmp_path and folder.name.startswith("n" * 64 + "-")
    assert len(folder.name) == 64 + 1 + 10


# --- never lose a user's data ---------------------------------------------------------------

def test_out_into_a_folder_of_other_files_is_refused_and_they_survive(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    proc = _cli("run", str(MINIMAL), "--out", str(mine))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "holds other files" in proc.stderr and "empty or new folder" in proc.stderr
    assert os.listdir(mine) == ["thesis.tex"]
    assert (mine / "thesis.tex").read_text() == "years of work"


def test_out_dot_writes_an_empty_working_folder_and_refuses_a_full_one(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    proc = _cli("run", str(MINIMAL), "-q", "--out", ".", cwd=here)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(here)) == sorted(FILES)
    (tmp_path / "thesis.tex").write_text("mine")  # .. holds here/ and a file of the user's
    proc = _cli("run", str(MINIMAL), "-q", "--out", "..", cwd=here)
    assert proc.returncode == 2 and "holds other files" in proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["here", "thesis.tex"]
    (here / "notes.txt").write_text("mine")
    proc = _cli("run", str(MINIMAL), "-q", "--out", ".", cwd=here)  # a run folder: kept
    assert proc.returncode == 0 and (here / "notes.txt").read_text() == "mine"


def test_out_into_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert main(["run", str(MINIMAL), "-q", "--out", str(out)]) == 0
    assert sorted(os.listdir(out)) == sorted(FILES)
    assert os.listdir(tmp_path) == ["empty"]


# --- warnings ---------------------------------------------------------------------------------

def test_warnings_during_a_command_are_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import warnings

    import numpy as np

    import sim.engine.runner as runner

    real = runner.run

    def noisy(*args: Any, **kwargs: Any) -> Any:
        warnings.warn("MIP stopped early at day 12 (gap 0.5 %)", UserWarning, stacklevel=1)
        np.zeros(1) / np.zeros(1)  # numpy: RuntimeWarning, invalid value
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run", noisy)
    assert main(["run", str(MINIMAL), "-q", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["masksim: warning: MIP stopped early at day 12 (gap 0.5 %)",
                   "masksim: warning: RuntimeWarning: invalid value encountered in divide"]
