"""Observations from a CSV named by the scenario (``observations_file``): the same as written
inline, read once at the edge, and every kind of bad CSV is one line naming the CSV file,
its line and column (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim.scenario.loading as loading
from sim.cli.main import main
from sim.scenario.errors import InputError
from sim.scenario.loading import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CSV = FIXTURES / "observations.csv"
MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"

# The fixture's three rows as [[observations]] tables.
INLINE = """
[[observations]]
date = 2020-03-20
series = "donor.stock"
value = 1_000_000
source = "a statement"
kind = "documented"
tags = ["stock"]

[[observations]]
date = 2020-04-01
series = "regions.south.delivered.cumulative"
range = [100_000, 200_000]
source = "a paper"
kind = "estimate"
good = "masks"
tags = ["holdout", "delivery"]
note = "a lower bound, with a chosen far end"

[[observations]]
date = 2020-04-10
series = "donated.cumulative"
value = 2_500_000
source = "Ministry press release, 10 Apr"
kind = "pledged"
donor = "donor"
"""

# One inline observation ahead of the CSV's rows: a CSV row's index in the scenario is not
# its line in the file.
ONE_INLINE = INLINE.split("\n\n")[0] + "\n"
HEADER = "date,series,value,low,high,source,kind,good,donor,tags,note\n"
ROW = "2020-03-20,donor.stock,1000000,,,a statement,documented,,,,\n"


def scenario(tmp_path: Path, csv_name: str | None, inline: str = "",
             name: str = "x.toml") -> Path:
    """minimal.toml with ``inline`` observations, naming ``csv_name`` (the key goes first:
    after a [table] header it would belong to that table)."""
    head = f'observations_file = "{csv_name}"\n' if csv_name is not None else ""
    path = tmp_path / name
    path.write_text(head + MINIMAL.read_text() + inline, encoding="utf-8")
    return path


def run(path: Path, out: Path, *args: str) -> dict[str, object]:
    assert main(["run", str(path), "--out", str(out), "-q", *args]) == 0
    summary: dict[str, object] = json.loads((out / "summary.json").read_text())
    return summary


def test_csv_gives_what_the_same_observations_inline_give(tmp_path: Path) -> None:
    from_csv = scenario(tmp_path, str(CSV), name="csv.toml")
    inline = scenario(tmp_path, None, INLINE, name="inline.toml")
    assert load(from_csv) == load(inline)
    a, b = run(from_csv, tmp_path / "a"), run(inline, tmp_path / "b")
    assert a["observations"] == b["observations"]
    assert len(a["observations"]) == 3  # type: ignore[arg-type]
    assert (tmp_path / "a" / "summary.json").read_bytes() == (
        tmp_path / "b" / "summary.json").read_bytes()


def test_inline_observations_come_first_then_the_csv_rows_in_file_order(
        tmp_path: Path) -> None:
    s = load(scenario(tmp_path, str(CSV), INLINE.split("\n\n")[2]))
    assert [o.series for o in s.observations] == [
        "donated.cumulative", "donor.stock", "regions.south.delivered.cumulative",
        "donated.cumulative"]
    second = s.observations[2]
    assert second.range == (1e5, 2e5) and second.value is None
    assert second.tags == ["holdout", "delivery"] and second.note.endswith("far end")
    assert s.observations[1].donor is None and s.observations[1].note == ""


def test_csv_path_is_relative_to_the_scenario_and_bom_is_accepted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "obs.csv").write_bytes(b"\xef\xbb\xbf" + CSV.read_bytes())
    path = scenario(tmp_path, "data/obs.csv")
    monkeypatch.chdir(FIXTURES)  # not the scenario's folder
    assert len(load(path).observations) == 3


def test_resolved_scenario_lists_them_inline_and_reruns_to_identical_bytes(
        tmp_path: Path) -> None:
    first = tmp_path / "first"
    run(scenario(tmp_path, str(CSV)), first)
    text = (first / "scenario.toml").read_text()
    assert "observations_file" not in text and text.count("[[observations]]") == 3
    again = tmp_path / "again"
    run(first / "scenario.toml", again)
    for f in sorted(first.iterdir()):
        assert (again / f.name).read_bytes() == f.read_bytes(), f.name


def test_set_overrides_work_and_may_name_another_csv(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text(HEADER + ROW)
    path = scenario(tmp_path, str(CSV))
    assert load(path, ["reserve.days=14"]).donors[0].reserve.days == 14
    assert len(load(path, ["reserve.days=14"]).observations) == 3
    assert len(load(path, ["observations_file=one.csv"]).observations) == 1


def test_a_sweep_reads_the_csv_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real = loading.read_observations_csv

    def counted(path: Path) -> list[tuple[int, dict[str, object]]]:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(loading, "read_observations_csv", counted)
    base = scenario(tmp_path, str(CSV))
    spec = tmp_path / "sweep.toml"
    spec.write_text(f'name = "s"\nbase = "{base.name}"\nreplications = 2\n'
                    '[design]\nkind = "full_factorial"\n[[parameters]]\n'
                    'path = "reserve.days"\nvalues = [0.0, 7.0, 14.0]\n')
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0", "-q"]) == 0
    assert calls == [CSV]
    copy = (out / "scenario.toml").read_text()
    assert "observations_file" not in copy and copy.count("[[observations]]") == 3


def test_calibrate_fits_to_the_csv_observations(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fitted.toml"
    assert main(["calibrate", str(scenario(tmp_path, str(CSV))), "--fit", "domestic.uptake",
                 "--out", str(out)]) == 0
    assert "fitted 1 parameter to 3 observations" in capsys.readouterr().out
    assert out.read_text().count("[[observations]]") == 3


# (the CSV's text, the field named (line, column), a piece of the message)
BAD = [
    (HEADER.replace(",kind", "") + ROW.replace(",documented", ""), "line 1",
     "missing column(s): kind"),
    (HEADER.replace(",value,low,high", "") + "2020-03-20,donor.stock,a,documented,,,,\n",
     "line 1", "missing column(s): value (or low and high)"),
    (HEADER.replace("note", "colour") + ROW, "line 1", "unknown column(s) 'colour'"),
    (HEADER.replace("note", "date") + ROW, "line 1", "date named twice"),
    ("2020-03-20,donor.stock,1000000,\n", "line 1", "unknown column(s) '2020-03-20'"),
    (HEADER + ROW + ROW.replace("2020-03-20", "2020-13-01"), "line 3, column date",
     "not a date: '2020-13-01'"),
    (HEADER + ROW.replace("2020-03-20", "20/3/2020"), "line 2, column date", "YYYY-MM-DD"),
    (HEADER + ROW.replace("1000000", "lots"), "line 2, column value", "not a number: 'lots'"),
    (HEADER + ROW.replace("1000000,,", "1000000,1,2"), "line 2, column value", "not both"),
    (HEADER + ROW.replace("1000000,,", ",1,"), "line 2, column high", "both low and high"),
    (HEADER + ROW.replace("1000000,,", ",1,x"), "line 2, column high", "not a number: 'x'"),
    (HEADER + ROW.replace("1000000,,", ",,"), "line 2, column value", "give value"),
    (HEADER + ROW.replace(",,,,\n", ",,\n"), "line 2", "9 cells; the header names 11"),
    (HEADER + ROW + "\n" + ROW.replace("donor.stock", "donor.stok"), "line 4, column series",
     "unknown series 'donor.stok'"),
    (HEADER + ROW.replace("donor.stock", "regions.atlantis.delivered.cumulative"),
     "line 2, column series", "unknown region 'atlantis'"),
    (HEADER + ROW + ROW.replace("2020-03-20", "2020-05-20"), "line 3, column date",
     "outside the horizon"),
    (HEADER + ROW.replace("1000000,,", ",3,2"), "line 2, column low", "above the high end"),
    (HEADER + ROW.replace("1000000", "-1"), "line 2, column value", "must be >= 0"),
    (HEADER + ROW.replace("1000000", "nan"), "line 2, column value", "finite number"),
    (HEADER + ROW.replace("a statement", ""), "line 2, column source", "required"),
    (HEADER + ROW.replace("documented", "rumour"), "line 2, column kind", "documented"),
    (HEADER + ROW.replace(",,,,\n", ",gloves,,,\n"), "line 2, column good", "unknown good"),
    (HEADER + ROW.replace(",,,,\n", ",,Japan,,\n"), "line 2, column donor", "unknown donor"),
    # A note may span lines: the next row is named by the line it starts on.
    (HEADER + ROW.replace(",\n", ',"two\nlines"\n') + ROW.replace("1000000", "x"),
     "line 4, column value", "not a number"),
    (HEADER + ROW.replace("a statement", '"unterminated'), "line 2", "CSV:"),
]


@pytest.mark.parametrize(("text", "field", "message"), BAD)
def test_bad_csv_exits_2_naming_file_line_and_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str,
        message: str) -> None:
    csv_path = tmp_path / "obs.csv"
    csv_path.write_text(text, encoding="utf-8")
    path = scenario(tmp_path, "obs.csv", ONE_INLINE)
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.source == str(csv_path) and err.value.field == field
    assert message in err.value.message
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith(f"{csv_path}: {field}: ") and stderr.count("\n") == 1
    assert "Traceback" not in stderr and not out.exists()


def test_missing_or_unnamed_csv_is_named_by_the_scenario(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, "nope.csv")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert capsys.readouterr().err == (f"{path}: observations_file: cannot read "
                                       f"{tmp_path / 'nope.csv'}: No such file or directory\n")
    with pytest.raises(InputError, match="observations_file: must be the path"):
        load(scenario(tmp_path, ""))
    with pytest.raises(InputError, match="observations_file: cannot read .*null"):
        load(scenario(tmp_path, "a\\u0000b.csv"))
    with pytest.raises(InputError, match="observations_file: cannot read .*directory"):
        load(scenario(tmp_path, "."))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty: the first line names the columns"),
    (HEADER.encode() + ROW.replace("a statement", "caf\xe9").encode("latin-1"), "not UTF-8"),
])
def test_empty_or_not_utf8(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "obs.csv").write_bytes(data)
    with pytest.raises(InputError) as err:
        load(scenario(tmp_path, "obs.csv"))
    assert err.value.source == str(tmp_path / "obs.csv") and message in err.value.message


def test_an_error_in_an_inline_observation_still_names_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "obs.csv").write_text(HEADER + ROW)
    path = scenario(tmp_path, "obs.csv", ONE_INLINE.replace("donor.stock", "donor.stok"))
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.source == str(path) and err.value.field == "observations[0].series"
