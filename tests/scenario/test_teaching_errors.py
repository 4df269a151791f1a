"""Errors that teach (issue 21): each mistake of the issue's table, made in the file the issue
describes (a donor giving masks and kits to five countries through a hub, with a dated
pledge), gives one line naming the file and the field and saying what is expected; exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.main import main

REPO = Path(__file__).resolve().parents[2]
JAPAN = REPO / "tests" / "fixtures" / "japan_asia.toml"
MINIMAL = REPO / "scenarios" / "minimal.toml"
SWEEP = REPO / "scenarios" / "sweeps" / "taiwan_2020_policy.toml"
VNM_NEEDS = ('needs = { masks = { kind = "constant", per_day = 500_000 }, kits = { kind = '
             '"constant", per_day = 2_000 } }')


def _written(tmp_path: Path, old: str, new: str, base: Path = JAPAN) -> Path:
    text = base.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / base.name
    path.write_text(text.replace(old, new))
    return path


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err.strip()


# (what the file says instead, what it said, the one line expected after "FILE: ")
ROWS = [
    pytest.param(VNM_NEEDS, "need = 1_000_000",
                 'regions[0].need: expected a table such as { kind = "constant", per_day = '
                 '1_000_000 }, not 1_000_000 (other kinds: "schedule" or "cases")', id="need"),
    pytest.param('[[pledges]]\nkind = "fixed"\n', "[[pledges]]\n",
                 'pledges[0].kind: required: kind = "fixed" (a dated amount) or kind = '
                 '"standing" (an amount a week)', id="pledge-without-kind"),
    pytest.param('[[donors.supplies]]\ngood = "masks"', 'reserve = 14\n\n[[donors.supplies]]\n'
                 'good = "masks"', "donors[0].reserve: expected a table such as { days = 14 }, "
                 "not 14", id="reserve-14"),
    pytest.param("cadence_days = 7 }", "cadence = 7 }",
                 "donors[0].shipments.cadence: unknown key; did you mean `cadence_days`?",
                 id="cadence"),
    pytest.param("reserve = { days = 7 }", "reserve = { dayz = 3 }",
                 "donors[0].supplies[0].reserve.dayz: unknown key; did you mean `days`?",
                 id="dayz"),
    pytest.param("start = 2020-03-02", 'start = "06/02/2020"',
                 'horizon.start: expected a date as YYYY-MM-DD, unquoted (start = 2020-03-01), '
                 'not "06/02/2020"', id="date"),
    pytest.param("start = 2020-03-02", "start = 20200302",
                 "horizon.start: expected a date as YYYY-MM-DD, unquoted (2020-03-01), not the "
                 "number 20200302", id="date-as-number"),
    pytest.param("share = 0.5 }", "share = 30 }",
                 "donors[0].budget.share: must be <= 1 (a share: 0.3 for 30 %)",
                 id="share-as-percent"),
    pytest.param("tha = 1, mys = 1 }", "tha = 1 }",
                 "hubs[0].lead_times.mys: required: donor 'japan' routes region 'mys' through "
                 "hub 'sg'; give the onward days (0 for a region at the hub)", id="hub-onward"),
]


@pytest.mark.parametrize(("old", "new", "expected"), ROWS)
def test_each_mistake_of_the_table_says_what_is_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    path = _written(tmp_path, old, new)
    assert _error(capsys, "validate", str(path)) == f"{path}: {expected}"


def test_a_date_toml_cannot_read_says_how_dates_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _written(tmp_path, "date = 2020-04-09", "date = 2020-4-9")
    err = _error(capsys, "validate", str(path))
    assert err.startswith(f"{path}: TOML syntax: ")
    assert err.endswith("; a date is YYYY-MM-DD with two-digit months and days (2020-04-09, "
                        "not 2020-4-9)")


def test_a_region_sent_direct_in_0_days_beside_a_hub_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _written(tmp_path, 'via = "sg" ', 'via = { phl = "sg", idn = "sg" }')
    assert main(["validate", str(path)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "regions[" in line]
    assert warned[0] == (f"masksim: warning: {path}: regions[0].lead_time: donor 'japan' ships "
                         "to 'vnm' directly, in 0 days (donors[0].via names no hub for it, and "
                         "its lead time is 0 days)")
    assert len(warned) == 3  # vnm, tha, mys


def test_the_file_as_written_is_valid_and_runs(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(JAPAN), "-q", "--out", str(tmp_path / "run")]) == 0


def test_a_sweep_file_given_to_run_or_validate_says_it_is_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("run", "validate"):
        assert _error(capsys, command, str(SWEEP)) == (
            f"{SWEEP}: this is a sweep file (it has [design] and [[parameters]] and base), not "
            f"a scenario: run it with masksim sweep {SWEEP}")


def test_a_scenario_given_to_sweep_says_it_is_a_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _error(capsys, "sweep", str(JAPAN), "--out", str(tmp_path / "s")) == (
        f"{JAPAN}: this is a scenario file (it has horizon and regions), not a sweep: run it "
        f"with masksim run {JAPAN}, or name it as base in a sweep file")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("old", "new", "expected"), [
    pytest.param('rule = "maxmin"', 'rule = "max-min"',
                 'allocation.rule: must be one of "proportional", "maxmin", "priority" or '
                 '"weighted", not "max-min"; did you mean "maxmin"?', id="choice"),
    pytest.param('kind = "fixed"\ndonor', 'kind = "fixd"\ndonor',
                 'pledges[0].kind: unknown kind "fixd"; did you mean "fixed"? give kind = '
                 '"fixed" (a dated amount) or kind = "standing" (an amount a week)',
                 id="wrong-kind"),
    pytest.param("throughput_per_day = 2_000_000\n", "",
                 "hubs[0].throughput_per_day: required, such as throughput_per_day = 1_000_000",
                 id="missing-with-example"),
    pytest.param('[[regions]]\nid = "vnm"', '[regions]\nid = "vnm"',
                 "TOML syntax", id="toml-syntax"),
    pytest.param("seed = 1", "seed = 1\ncolour = 'red'",
                 "colour: unknown key; the keys here are name, title, seed, horizon",
                 id="no-close-key"),
    pytest.param("lead_times = { sg = { kind = \"fixed\", days = 2 } }",
                 "lead_times = { sg = 2 }",
                 'donors[0].lead_times.sg: expected a table such as { kind = "fixed", days = '
                 '3 }, not 2 (other kinds: "triangular")', id="bare-lead-time"),
    pytest.param('region = "phl"', 'region = "plh"',
                 "pledges[0].region: unknown region 'plh'; did you mean 'phl'?", id="region-id"),
    pytest.param('via = "sg"', 'via = "singapore"',
                 "donors[0].via: unknown hub 'singapore'; the ids are sg", id="hub-id"),
    pytest.param("end = 2020-05-31", "end = 2020-05-31T12:00:00",
                 "horizon.end: expected a date without a time, as YYYY-MM-DD", id="datetime"),
])
def test_more_mistakes_a_newcomer_makes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        old: str, new: str, expected: str) -> None:
    path = _written(tmp_path, old, new)
    assert _error(capsys, "validate", str(path)).startswith(f"{path}: ")
    assert expected in _error(capsys, "validate", str(path))


def test_the_single_donor_form_is_named_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _written(tmp_path, "[reserve]\ndays = 7", "[shipments]\ncadence = 7\n\n[reserve]\n"
                    "days = 7", MINIMAL)
    assert _error(capsys, "validate", str(path)) == (
        f"{path}: shipments.cadence: unknown key; did you mean `cadence_days`?")
    path = _written(tmp_path, "[reserve]\ndays = 7", "[reserve]\ndayz = 7", MINIMAL)
    assert _error(capsys, "validate", str(path)) == (
        f"{path}: reserve.dayz: unknown key; did you mean `days`?")
    path = _written(tmp_path, 'need = { kind = "constant", masks_per_day = 300_000 }',
                    'need = { kind = "constant", masks_per_dy = 300_000 }', MINIMAL)
    assert _error(capsys, "validate", str(path)) == (
        f"{path}: regions[0].need.masks_per_dy: unknown key; did you mean `masks_per_day`?")


def test_an_unknown_key_in_a_sweep_file_gets_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(f'name = "s"\nbase = "{MINIMAL}"\n[design]\nkind = "sobol"\nsamples = 4\n'
                    '[[parameters]]\npath = "reserve.days"\nuniforn = [0, 10]\n')
    assert _error(capsys, "sweep", str(path), "--out", str(tmp_path / "s")) == (
        f"{path}: parameters[0].uniforn: unknown key; did you mean `uniform`?")


def test_from_the_shell_exit_2_one_line_no_traceback(tmp_path: Path) -> None:
    path = _written(tmp_path, "cadence_days = 7 }", "cadence = 7 }")
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"{path}: donors[0].shipments.cadence: unknown key; did "
                                   "you mean `cadence_days`?")
    assert not (tmp_path / "out").exists()


def test_a_misspelt_path_in_a_sweep_or_an_override_gets_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(f'name = "s"\nbase = "{MINIMAL}"\n[design]\nkind = "sobol"\nsamples = 4\n'
                    '[[parameters]]\npath = "reserve.dayz"\nuniform = [0, 10]\n')
    assert _error(capsys, "sweep", str(path), "--out", str(tmp_path / "s")) == (
        f"{path}: parameters[0].path: no field 'reserve.dayz' in the base scenario (no such "
        "field to set; did you mean `days`?)")
    assert _error(capsys, "validate", str(MINIMAL), "--set", "allocation.rul=maxmin") == (
        f"{MINIMAL}: allocation.rul: unknown key; did you mean `rule`?")
