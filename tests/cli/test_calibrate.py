"""``masksim calibrate``: prints the fit and the held-out errors, writes a new scenario file
(never over the input), same seed same bytes, bad input exit 2 naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep.test_calibrate import TRUE_UPTAKE, truth_scenario

from sim.cli.main import main
from sim.scenario.loading import load
from sim.scenario.writing import dump_toml


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "truth.toml"
    path.write_text(dump_toml(truth_scenario(domestic__uptake=0.3)), encoding="utf-8")
    return path


def test_fits_prints_held_out_errors_and_writes_a_loadable_scenario(
        scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = scenario_file.read_bytes()
    code = main(["calibrate", str(scenario_file), "--fit", "domestic.uptake",
                 "--hold-out", "late", "--results-dir", str(tmp_path / "results")])
    assert code == 0
    printed = capsys.readouterr().out.splitlines()
    out = tmp_path / "results" / "truth.calibrated.toml"
    assert printed[-1] == str(out)
    assert any(line.startswith("  held out (late)") for line in printed)
    assert any("domestic.uptake" in line and "±" in line for line in printed)
    assert scenario_file.read_bytes() == before
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Calibrated from truth.toml")
    fitted = load(out)
    assert fitted.donors[0].supplies[0].domestic.uptake == pytest.approx(  # type: ignore[union-attr]
        TRUE_UPTAKE, rel=1e-3)
    assert fitted.calibration is not None
    assert fitted.calibration.bounds["domestic.uptake"] == (0.0, 1.0)


def test_same_seed_gives_the_same_bytes(scenario_file: Path, tmp_path: Path) -> None:
    outs = [tmp_path / name for name in ("a.toml", "b.toml", "c.toml")]
    for out, seed in zip(outs, ("5", "5", "6"), strict=True):
        assert main(["calibrate", str(scenario_file), "--fit", "domestic.uptake,"
                     "donor.initial_stock", "--bounds", "donor.initial_stock=0:1e8",
                     "--seed", seed, "--out", str(out)]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert outs[0].read_bytes() != outs[2].read_bytes()


def test_never_writes_over_the_input_or_an_existing_file_without_force(
        scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = scenario_file.read_bytes()
    for extra in ([], ["--force"]):
        assert main(["calibrate", str(scenario_file), "--fit", "domestic.uptake",
                     "--out", str(scenario_file), *extra]) == 2
        assert "--out: is the input file" in capsys.readouterr().err
    assert scenario_file.read_bytes() == before
    existing = tmp_path / "taken.toml"
    existing.write_text("keep me", encoding="utf-8")
    assert main(["calibrate", str(scenario_file), "--fit", "domestic.uptake",
                 "--out", str(existing)]) == 2
    assert "exists (use --force" in capsys.readouterr().err
    assert existing.read_text(encoding="utf-8") == "keep me"
    assert main(["calibrate", str(scenario_file), "--fit", "domestic.uptake",
                 "--out", str(existing), "--force"]) == 0
    assert load(existing).donors[0].supplies[0].domestic.uptake == pytest.approx(  # type: ignore[union-attr]
        TRUE_UPTAKE, rel=1e-3)


@pytest.mark.parametrize(("args", "field"), [
    (["--fit", "domestic.nope"], "domestic.nope"),
    (["--fit", "domestic.uptake", "--bounds", "domestic.uptake=0.9:0.1"],
     "--bounds domestic.uptake"),
    (["--fit", "domestic.uptake", "--bounds", "domestic.uptake=low:high"], "--bounds"),
    (["--fit", "donor.name"], "donor.name"),
    (["--fit", "domestic.uptake", "--hold-out", "stock", "domestic", "late"],
     "observations"),
])
def test_bad_input_exits_2_naming_the_field(
        scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], field: str) -> None:
    out = tmp_path / "out.toml"
    assert main(["calibrate", str(scenario_file), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{scenario_file}: {field}: ") and "\n" not in err
    assert not out.exists()
