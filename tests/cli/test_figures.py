"""``masksim plot``, ``compare`` and the errors of bad folders (exit 2, one line)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from runs import make_run, make_sweep

from sim.cli import figures as figures_cli
from sim.cli.main import main
from sim.report import compare, figures


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cli")
    return (make_run(base / "recorded"),
            make_run(base / "reserve30", "reserve.days=30", "budget.kind=all_surplus"))


def _no_leftovers(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_plot_run_folder(runs: tuple[Path, Path], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figs"
    assert main(["plot", str(runs[0]), "--out", str(out), "--format", "svg"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{n}.svg" for n in figures.RUN_FIGURES)
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == names
    svg = (out / "supply.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<dc:date>" not in svg
    _no_leftovers(out)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_saved_figures_are_byte_identical(runs: tuple[Path, Path], tmp_path: Path,
                                          fmt: str) -> None:
    run = figures.load_run(runs[0])
    files = []
    for name in ("a", "b"):
        with figures.house_style():
            fig, _ = figures.equity(run)
        files.append(figures_cli.save(fig, tmp_path / f"{name}.{fmt}", fmt).read_bytes())
    assert files[0] == files[1]


def test_plot_sweep_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_sweep(tmp_path / "sweep", replications=2)
    assert main(["plot", str(folder)]) == 0
    names = {p.name for p in (folder / "figures").iterdir()}
    assert {"tornado.png", "heatmap.png", "tradeoff.png", "lever-reserve_days.png",
            "lever-allocation_rule.png", "lever-donor_outages_daily_probability.png"} == names
    for name in names:
        assert (folder / "figures" / name).read_bytes().startswith(b"\x89PNG")
    capsys.readouterr()


def test_plot_sweep_without_sensitivity_says_so(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_sweep(tmp_path / "sweep", replications=1, sensitivity=False)
    assert main(["plot", str(folder), "--format", "svg", "--out", str(tmp_path / "f")]) == 0
    assert "no sensitivity.csv" in capsys.readouterr().out
    assert not (tmp_path / "f" / "tornado.svg").exists()
    assert (tmp_path / "f" / "tradeoff.svg").read_text().lstrip().startswith("<?xml")


def test_compare_runs(runs: tuple[Path, Path], tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(runs[0]), str(runs[1]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "reserve.days 3.0 -> 30.0" in printed
    assert "budget.kind pledges_only -> all_surplus" in printed
    assert {p.name for p in out.iterdir()} == {
        "compare.csv", *(f"{n}.png" for n in compare.COMPARE_FIGURES)}
    with open(out / "compare.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * len(compare.METRICS)
    first = figures.load_run(runs[0]).summary
    second = figures.load_run(runs[1]).summary
    by = {(r["metric"], r["run"]): r for r in rows}
    base = by[("donated_total", "recorded")]
    assert float(base["value"]) == pytest.approx(first["donated_total"])
    assert float(base["difference"]) == 0
    other = by[("donated_total", "reserve30")]
    assert float(other["difference"]) == pytest.approx(
        second["donated_total"] - first["donated_total"])
    assert float(other["baseline"]) == pytest.approx(first["donated_total"])
    late = by[("pledges.late", "reserve30")]
    assert float(late["value"]) == pytest.approx(second["pledges"]["late"])
    _no_leftovers(out)


def test_compare_figures_overlay_every_run(runs: tuple[Path, Path]) -> None:
    loaded = [figures.load_run(r) for r in runs]
    with figures.house_style():
        fig, axes = compare.compare_donations(loaded)
    labels = [ln.get_label() for ln in axes[0].get_lines()]
    assert labels == ["recorded", "reserve30"]
    styles = {(str(ln.get_linestyle()), ln.get_color()) for ln in axes[0].get_lines()}
    assert len(styles) == 2


def _bad_folders(base: Path, run: Path) -> dict[str, tuple[Path, str]]:
    empty = base / "empty"
    empty.mkdir()
    partial = base / "partial"
    shutil.copytree(run, partial)
    (partial / "regions.parquet").unlink()
    garbled = base / "garbled"
    shutil.copytree(run, garbled)
    (garbled / "summary.json").write_text("{not json")
    no_parts = base / "no_parts"
    (no_parts / "experiments").mkdir(parents=True)
    return {"missing": (base / "absent", "no such folder"),
            "empty": (empty, "not a result folder"),
            "partial": (partial, "regions.parquet: missing"),
            "garbled": (garbled, "summary.json: cannot read"),
            "no_parts": (no_parts, "not a sweep folder")}


@pytest.mark.parametrize("case", ["missing", "empty", "partial", "garbled", "no_parts"])
@pytest.mark.parametrize("command", ["plot", "brief", "compare"])
def test_bad_folders_exit_2_with_one_line(runs: tuple[Path, Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], case: str,
                                          command: str) -> None:
    folder, message = _bad_folders(tmp_path, runs[0])[case]
    if command == "compare":
        if case == "no_parts":  # a sweep folder: compare refuses it before reading it
            message = "compare needs run folders"
        args = ["compare", str(runs[0]), str(folder), "--out", str(tmp_path / "o")]
    elif command == "brief":
        if case == "no_parts":
            message = "a brief needs a run folder"
        args = ["brief", str(folder), "-o", str(tmp_path / "o" / "b.pdf")]
    else:
        args = ["plot", str(folder), "--out", str(tmp_path / "o")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(folder) in err and message in err, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_compare_needs_two_runs(runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                tmp_path: Path) -> None:
    assert main(["compare", str(runs[0]), "--out", str(tmp_path)]) == 2
    assert "two or more" in capsys.readouterr().err


def test_changes_names_scenario_differences(runs: tuple[Path, Path]) -> None:
    a, b = (figures.load_run(r) for r in runs)
    assert compare.changes(a, a) == "same scenario"
    assert compare.changes(a, b) == ("donors[0].budget.kind pledges_only -> all_surplus; "
                                     "donors[0].reserve.days 3.0 -> 30.0")
