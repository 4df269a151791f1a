"""Bad bytes, deep nesting, broken tables and absurd sizes: one line naming the file, exit 2.

Each of these once crashed (exit 1) or printed warnings; the fuzzer (tests/fuzzing.py) found
the rest of their kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.scenario.errors import InputError
from sim.scenario.loading import load

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"
SWEEP = REPO / "scenarios" / "sweeps" / "taiwan_2020_policy.toml"
NORTH_NEED = 'need = { kind = "constant", masks_per_day = 300_000 }'
TABLE = "iso_code,date,new_cases\nTWN,2020-03-01,5\nTWN,3/2/2020,7\n"


def minimal_with(tmp_path: Path, old: str, new: str) -> Path:
    text = MINIMAL.read_text()
    assert old in text
    path = tmp_path / "x.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def with_table(tmp_path: Path, table: bytes, name: str = "cases.csv") -> Path:
    (tmp_path / "cases.csv").write_bytes(table)
    need = ('need = { kind = "cases", table = "' + name + '", iso_codes = ["TWN"], '
            "masks_per_case = 10 }")
    return minimal_with(tmp_path, NORTH_NEED, need)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], file: Path) -> str:
    """Run the CLI; assert exit 2 and a single stderr line naming ``file``; return it."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"{file}: "), err
    return err.strip()


NOT_UTF8 = {
    "latin-1": "name = \"Côte d'Ivoire\"\n".encode("latin-1"),
    "utf-16": MINIMAL.read_text().encode("utf-16"),
    "random": bytes(range(128, 256)) * 3,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
}


@pytest.mark.parametrize("content", NOT_UTF8.values(), ids=NOT_UTF8.keys())
def test_scenario_file_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                content: bytes) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(content)
    assert "not UTF-8" in one_line_error(capsys, ["validate", str(path)], path)


@pytest.mark.parametrize("content", NOT_UTF8.values(), ids=NOT_UTF8.keys())
def test_sweep_file_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             content: bytes) -> None:
    path = tmp_path / "sweep.toml"
    path.write_bytes(content)
    argv = ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "0", "-q"]
    assert "not UTF-8" in one_line_error(capsys, argv, path)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", NOT_UTF8.values(), ids=NOT_UTF8.keys())
def test_cases_table_not_utf8(tmp_path: Path, content: bytes) -> None:
    path = with_table(tmp_path, content)
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.source == str(tmp_path / "cases.csv")
    assert "not UTF-8" in err.value.message or "missing column" in err.value.message


def test_cases_table_with_byte_order_mark_reads(tmp_path: Path) -> None:
    scenario = load(with_table(tmp_path, TABLE.encode("utf-8-sig")))
    assert scenario.regions[0].needs["masks"].cases_attached  # type: ignore[union-attr]


@pytest.mark.parametrize("depth", [40, 500, 5000])
def test_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int) -> None:
    path = tmp_path / "x.toml"
    path.write_text(f"deep = {'[' * depth}{']' * depth}\n" + MINIMAL.read_text())
    assert "nested" in one_line_error(capsys, ["validate", str(path)], path)


@pytest.mark.parametrize(("tail", "line"), [
    ("TWN,2020-03-04\n", 4),  # a short row
    ('TWN,2020-03-05,"12\n', 4),  # an unterminated quote at the end
    ('TWN,"2020-03-05,12\n', 4),
    ("TWN,2020-03-05,nan\n", 4),
    ("TWN,2020-03-05,1e308\n", 4),
    ("TWN,9999-12-31,3\n", 4),
    ("TWN,2020-03-05,\x003\n", 4),
    ("\nTWN,2020-03-04\n", 5),  # after a blank line (DictReader skips it)
])
def test_broken_cases_table_names_the_line(tmp_path: Path, tail: str, line: int) -> None:
    with pytest.raises(InputError) as err:
        load(with_table(tmp_path, (TABLE + tail).encode()))
    assert err.value.source == str(tmp_path / "cases.csv")
    assert err.value.field == f"line {line}"


def test_edited_cases_table_is_read_again(tmp_path: Path) -> None:
    path = with_table(tmp_path, TABLE.encode())
    load(path)
    table = tmp_path / "cases.csv"
    table.write_bytes((TABLE + "TWN,2020-03-04\n").encode())
    os.utime(table, ns=(1, 1))  # a new version even where mtime is coarse
    with pytest.raises(InputError):
        load(path)


def test_nul_in_table_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = with_table(tmp_path, TABLE.encode(), name="cases\\u0000.csv")
    err = one_line_error(capsys, ["run", str(path), "--out", str(tmp_path / "o"), "-q"], path)
    assert "regions[0].need.table: must not contain a NUL" in err


@pytest.mark.parametrize(("old", "new", "field"), [
    ("end = 2020-04-26", "end = 9999-12-31", "horizon.end"),
    ("start = 2020-03-02, end", "start = 1899-12-31, end", "horizon.start"),
    ("date = 2020-03-11", "date = 9999-12-31", "pledges[0].date"),
    ("{ date = 2020-03-02, value = 1_000_000 }", "{ date = 0001-01-01, value = 1_000_000 }",
     "donor.capacity.points[0].date"),
])
def test_dates_far_from_now(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str,
                            new: str, field: str) -> None:
    path = minimal_with(tmp_path, old, new)
    err = one_line_error(capsys, ["run", str(path), "--out", str(tmp_path / "o"), "-q"], path)
    assert f"{field}: must be between 1900-01-01 and 2200-12-31" in err


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ('rule = "maxmin"', 'rule = "maxmin"\nplanning_horizon_days = 1_000_000_000_000',
     "allocation.planning_horizon_days", "must be <= 3650"),
    # 180 years of days for 102 regions: validated, then ran out of memory
    ("end = 2020-04-26", "end = 2200-04-26", "horizon", "day-regions"),
])
def test_sizes_that_cannot_fit(tmp_path: Path, old: str, new: str, field: str,
                               message: str) -> None:
    text = MINIMAL.read_text().replace(old, new, 1)
    regions = text[text.index("[[regions]]"):text.index("[[pledges]]")]
    extra = "".join(regions.replace('"north"', f'"n{i}"').replace('"south"', f'"s{i}"')
                    for i in range(50))
    path = tmp_path / "x.toml"
    path.write_text(text.replace("[[pledges]]", extra + "[[pledges]]", 1))
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.field == field
    assert message in err.value.message


@pytest.mark.parametrize(("old", "new", "field"), [
    ('id = "south"', 'id = "south\\n"', "regions[1].id"),
    ('name = "minimal"', 'name = "minimal\\n"', "name"),
])
def test_names_with_trailing_newline(tmp_path: Path, old: str, new: str, field: str) -> None:
    with pytest.raises(InputError) as err:
        load(minimal_with(tmp_path, old, new))
    assert err.value.field == field


@pytest.mark.parametrize(("old", "new", "field", "bound"), [
    ("masks_per_day = 300_000", "masks_per_day = 1e308", "regions[0].need.masks_per_day",
     "1e+15"),
    ("population = 5_000_000", "population = 1e308", "regions[0].population", "1e+10"),
    ("initial_stock = 2_000_000", "initial_stock = 1e16", "donor.initial_stock", "1e+15"),
    ("masks = 3", "masks = 1e308", "domestic.groups[0].rations[0].masks", "1e+15"),
    ("[reserve]", "[donor.outages]\nmean_duration_days = 1e308\n[reserve]",
     "donor.outages.mean_duration_days", "3650"),
])
def test_huge_quantities(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str,
                         new: str, field: str, bound: str) -> None:
    path = minimal_with(tmp_path, old, new)
    err = one_line_error(capsys, ["run", str(path), "--out", str(tmp_path / "o"), "-q"], path)
    assert f"{field}: must be <= {bound}" in err  # and no RuntimeWarning on stderr


@pytest.mark.parametrize("key", ['"colour\\nred"', '"x\\u2028y"', '"\\u0000"'])
def test_control_characters_stay_on_one_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             key: str) -> None:
    path = minimal_with(tmp_path, '[reserve]', f"[reserve]\n{key} = 1")
    assert "unknown key" in one_line_error(capsys, ["validate", str(path)], path)


def test_nul_in_scenario_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "x\x00.toml"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_sweep_base_with_bad_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.toml"
    base.write_bytes(NOT_UTF8["latin-1"])
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(SWEEP.read_text().replace('"../taiwan_2020.toml"', '"base.toml"'))
    argv = ["sweep", str(sweep), "--out", str(tmp_path / "out"), "--workers", "0", "-q"]
    assert "not UTF-8" in one_line_error(capsys, argv, base)


@pytest.mark.parametrize(("old", "new", "field"), [
    ("population = 5_000_000", "population = 5e-324", "regions[0].population"),
    ('[allocation]', '[allocation]\nbackend = "lp"\npallet_size = 1e-310',
     "allocation.pallet_size"),
])
def test_tiny_quantities(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str,
                         new: str, field: str) -> None:
    # Found by the fuzzer: share = 5e-324 overflowed upper / share in the allocator.
    path = minimal_with(tmp_path, old, new)
    err = one_line_error(capsys, ["run", str(path), "--out", str(tmp_path / "o"), "-q"], path)
    assert f"{field}: must be 0 or at least 1e-06" in err


@pytest.mark.parametrize("kind", ["[1, 2]", "{ a = 1 }"])
def test_sweep_design_kind_of_wrong_type(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         kind: str) -> None:
    # Found by the fuzzer: the default seeding looked the kind up in a set (TypeError).
    sweep = tmp_path / "sweep.toml"
    text = SWEEP.read_text().replace('"../taiwan_2020.toml"', f'"{SWEEP.parent.parent}/'
                                     'taiwan_2020.toml"').replace('kind = "sobol"',
                                                                  f"kind = {kind}")
    sweep.write_text(text)
    argv = ["sweep", str(sweep), "--out", str(tmp_path / "out"), "--workers", "0", "-q"]
    assert "design.kind" in one_line_error(capsys, argv, sweep)


@pytest.mark.parametrize(("ration", "code"), [
    ("masks = 0.001, per_days = 3650", 0),
    ("masks = 3, per_days = 1_000_000_000_000_000_000_000_000_000_000", 2),
])
def test_ration_over_a_long_period(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   ration: str, code: int) -> None:
    # Found by the fuzzer: the ration's derived daily schedule was validated again in the
    # middle of the run (exit 1); a huge period is now bounded (ten years) up front.
    path = minimal_with(tmp_path, "masks = 3, per_days = 7", ration)
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "-q"]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == (code != 0), err
