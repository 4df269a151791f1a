"""Careless commands end well (issue 21): an output path that is a folder or a file, a run
folder reused for other data or another scenario, compare's folder, labels and units."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sim.cli.main import main

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("careless")
    a, b = base / "a", base / "b"
    assert main(["run", str(MINIMAL), "-q", "--out", str(a)]) == 0
    assert main(["run", str(MINIMAL), "-q", "--out", str(b), "--set", "reserve.days=30"]) == 0
    return a, b


def _copy(run: Path, tmp_path: Path, name: str = "run") -> Path:
    out = tmp_path / name
    shutil.copytree(run, out)
    return out


# --- brief -o ------------------------------------------------------------------------------

def test_brief_into_an_existing_folder_writes_brief_pdf_there(
    two_runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "briefs"
    folder.mkdir()
    assert main(["brief", str(two_runs[0]), "-o", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "brief.pdf")
    assert (folder / "brief.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in folder.iterdir()) == ["brief.pdf"]


def test_brief_output_paths(tmp_path: Path) -> None:
    from sim.cli.figures import brief_path

    run = tmp_path / "run"
    assert brief_path(run, None) == run / "brief.pdf"
    assert brief_path(run, str(tmp_path / "new") + "/") == tmp_path / "new" / "brief.pdf"
    assert brief_path(run, str(tmp_path / "b.pdf")) == tmp_path / "b.pdf"
    assert brief_path(run, str(tmp_path)) == tmp_path / "brief.pdf"


def test_brief_under_a_file_is_refused(two_runs: tuple[Path, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    err = _one_line_error(capsys, ["brief", str(two_runs[0]), "-o", str(blocker / "b.pdf")])
    assert err == f"{blocker}: is a file, not a folder"
    assert blocker.read_text() == "mine"


# --- --out FILE ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "plot", "compare", "sweep"])
def test_out_naming_a_file_says_it_is_a_file(
    two_runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    command: str
) -> None:
    a_file = tmp_path / "results.txt"
    a_file.write_text("mine")
    args = {"run": ["run", str(MINIMAL)], "plot": ["plot", str(two_runs[0])],
            "compare": ["compare", *map(str, two_runs)],
            "sweep": ["sweep", str(REPO / "scenarios" / "sweeps" / "taiwan_2020_policy.toml")],
            }[command]
    err = _one_line_error(capsys, [*args, "--out", str(a_file)])
    assert err.startswith(f"{a_file}: is a file, not a folder")
    assert "the folder holds" not in err
    assert a_file.read_text() == "mine"


# --- a run folder reused -------------------------------------------------------------------

def test_another_scenario_into_a_run_folder_is_refused_unless_forced(
    two_runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _copy(two_runs[0], tmp_path)
    (out / "brief.pdf").write_bytes(b"%PDF of minimal")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    japan = REPO / "tests" / "fixtures" / "japan_asia.toml"
    err = _one_line_error(capsys, ["run", str(japan), "-q", "--out", str(out)])
    assert err == (f"{out}: holds a run of another scenario ('minimal', not 'japan_asia'); "
                   "choose another --out (or leave it out: each run gets its own folder), "
                   "or add --force to replace it")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert main(["run", str(japan), "-q", "--out", str(out), "--force"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == (f"masksim: warning: {out}: removed brief.pdf, made from "
                                    "the earlier run's data (remake them with masksim brief / "
                                    "masksim plot)")
    assert not (out / "brief.pdf").exists()
    assert 'name = "japan_asia"' in (out / "scenario.toml").read_text()


def test_new_data_in_a_run_folder_never_keeps_the_old_brief_or_figures(
    two_runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _copy(two_runs[0], tmp_path)
    assert main(["plot", str(out)]) == 0
    (out / "brief.pdf").write_bytes(b"%PDF")  # as masksim brief names it (tested above)
    figures = sorted(p.name for p in (out / "figures").iterdir())
    capsys.readouterr()
    assert main(["run", str(MINIMAL), "-q", "--out", str(out)]) == 0  # the same data: kept
    assert sorted(p.name for p in (out / "figures").iterdir()) == figures
    assert (out / "brief.pdf").exists() and capsys.readouterr().err == ""
    assert main(["run", str(MINIMAL), "-q", "--out", str(out), "--seed", "9"]) == 0
    assert capsys.readouterr().err.strip() == (
        f"masksim: warning: {out}: removed brief.pdf and figures/ ({len(figures)} images), "
        "made from the earlier run's data (remake them with masksim brief / masksim plot)")
    assert not (out / "brief.pdf").exists() and not (out / "figures").exists()


# --- compare -------------------------------------------------------------------------------

def test_compare_writes_under_results_with_labels(
    two_runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", *map(str, two_runs), "--label", "as recorded",
                 "--label", "30-day reserve"]) == 0
    printed = capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["results"]
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("compare-")
    assert "as recorded" in printed and "30-day reserve" in printed
    with open(folder / "compare.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["run"] for r in rows} == {"as recorded", "30-day reserve"}
    assert {r["unit"] for r in rows} <= {"masks", "share", "index"}
    assert main(["compare", *map(str, two_runs), "--label", "x", "--label", "y"]) == 0
    assert len(list((tmp_path / "results").iterdir())) == 2  # other labels, other folder


def test_compare_labels_must_match_the_runs(two_runs: tuple[Path, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    err = _one_line_error(capsys, ["compare", *map(str, two_runs), "--label", "only one",
                                   "--out", str(tmp_path / "c")])
    assert err == "--label: give one label per run folder: 2 folders, 1 labels"
    assert not (tmp_path / "c").exists()


def test_compare_names_quantities_in_the_units_of_the_good(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kits = ['goods=[{id="kits", unit="kits"}]', "donors[0].supplies[0].good=kits",
            'regions[0].needs={kits={kind="constant", per_day=300_000}}',
            'regions[1].needs={kits={kind="constant", per_day=500_000}}',
            "pledges[0].good=kits"]
    runs = []
    for i, reserve in enumerate((7, 30)):
        runs.append(tmp_path / f"k{i}")
        sets = [a for s in [*kits, f"reserve.days={reserve}"] for a in ("--set", s)]
        assert main(["run", str(MINIMAL), "-q", "--out", str(runs[-1]), *sets]) == 0
    assert main(["compare", *map(str, runs), "--out", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    with open(tmp_path / "c" / "compare.csv", newline="") as fh:
        units = {r["metric"]: r["unit"] for r in csv.DictReader(fh)}
    assert units["unmet_need"] == "kits" and units["delivered_total"] == "kits"
    assert "masks" not in units.values()
