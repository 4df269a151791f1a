"""Tables a scenario names, read at the edge: OWID-format cases tables (a region's need from
its cases) and observation CSVs (the record beside the model). Each bad cell is one line
naming the file, the line and the column."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import Any

from sim.scenario.errors import InputError
from sim.scenario.models import FIRST_DATE, LAST_DATE

# OWID's worst day (mid 2020) was under 1e6 new cases; more than people alive is a typo.
MAX_CASES_A_DAY = 1e10
CASES_COLUMNS = ("iso_code", "date", "new_cases")
# An ``observations_file``: one observation a row, the fields of an [[observations]] entry
# with a range split into low and high (a spreadsheet has no lists); tags joined by ";".
OBSERVATION_COLUMNS = ("date", "series", "value", "low", "high", "source", "kind", "good",
                       "donor", "tags", "note", "from_date")
_NEEDED_COLUMNS = ("date", "series", "source", "kind")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_cases_table(path: Path) -> dict[str, dict[int, float]]:
    """New cases by ISO code and ordinal date from an OWID-format CSV (dates M/D/YYYY or ISO)."""
    stat = path.stat()  # the cache is keyed on the file's version, so an edit is seen
    return _read_cases_table(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_cases_table(path: Path, mtime_ns: int, size: int) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    line = 1
    # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        try:
            reader = csv.DictReader(fh, strict=True)  # a stray quote is an error
            missing = set(CASES_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise InputError(path, "", f"missing column(s): {', '.join(sorted(missing))}")
            for row in reader:
                # The line the row ends on: DictReader skips blank lines, so a count of rows
                # would name the wrong line after one.
                line = reader.line_num
                _add_row(out, row, path, line)
        except UnicodeDecodeError as exc:
            raise InputError(path, "", f"not UTF-8 text (byte {exc.start}): save the table "
                                       "as UTF-8") from None
        except csv.Error as exc:  # a NUL byte, an unterminated quote, a huge field
            raise InputError(path, f"line {line + 1}", f"CSV: {exc}") from None
    return out


def _add_row(out: dict[str, dict[int, float]], row: dict[Any, Any], path: Path,
             line: int) -> None:
    values = [row.get(name) for name in CASES_COLUMNS]
    if any(v is None for v in values):  # DictReader pads a short row with None
        raise InputError(path, f"line {line}", "short row: a value of "
                         f"{', '.join(CASES_COLUMNS)} is missing")
    code, text, cases_text = (str(v) for v in values)
    try:
        if "/" in text:
            m, d, y = (int(x) for x in text.split("/"))
            day = dt.date(y, m, d)
        else:
            day = dt.date.fromisoformat(text)
        cases = float(cases_text or 0.0)
    except ValueError:
        raise InputError(path, f"line {line}", "bad date or new_cases") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(path, f"line {line}", f"date {day} outside {FIRST_DATE} to "
                         f"{LAST_DATE}")
    if not math.isfinite(cases) or abs(cases) > MAX_CASES_A_DAY:
        raise InputError(path, f"line {line}", f"new_cases must be a finite number of "
                         f"at most {MAX_CASES_A_DAY:g}")
    # OWID reports corrections as negative new cases; need never goes below zero.
    series = out.setdefault(code, {})
    series[day.toordinal()] = series.get(day.toordinal(), 0.0) + max(cases, 0.0)


def read_observations_csv(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an observations CSV as [[observations]] entries (dicts the scenario
    validates), each with the line it starts on. InputError names the file, line and column
    of anything the Observation model cannot be given."""
    rows: list[tuple[int, dict[str, Any]]] = []
    header: list[str] | None = None
    line = 0  # the last line read: a record starts on the next (a quoted note may span lines)
    # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        try:
            reader = csv.reader(fh, strict=True)  # a stray quote is an error
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not any(c.strip() for c in cells):  # a blank line, or a row of commas
                    continue
                if header is None:
                    header = _observation_header(cells, path, start)
                else:
                    rows.append((start, _observation_row(header, cells, path, start)))
        except UnicodeDecodeError as exc:
            raise InputError(path, "", f"not UTF-8 text (byte {exc.start}): save the table "
                                       "as UTF-8") from None
        except csv.Error as exc:  # a NUL byte, an unterminated quote, a huge field
            raise InputError(path, f"line {line + 1}", f"CSV: {exc}") from None
    if header is None:
        raise InputError(path, "", "empty: the first line names the columns ("
                         f"{', '.join(OBSERVATION_COLUMNS)})")
    return rows


def _observation_header(cells: list[str], path: Path, line: int) -> list[str]:
    names = [c.strip() for c in cells]
    unknown = [n for n in names if n not in OBSERVATION_COLUMNS]
    if unknown:
        raise InputError(path, f"line {line}", f"unknown column(s) {', '.join(map(repr, unknown))}"
                         f"; the columns are {', '.join(OBSERVATION_COLUMNS)} (the first line "
                         "must name them)")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(path, f"line {line}", f"column(s) {', '.join(twice)} named twice")
    missing = [n for n in _NEEDED_COLUMNS if n not in names]
    if "value" not in names and not {"low", "high"} <= set(names):
        missing.append("value (or low and high)")
    if missing:
        raise InputError(path, f"line {line}", f"missing column(s): {', '.join(missing)}")
    return names


def _iso_date(text: str) -> dt.date | None:
    """YYYY-MM-DD as a date, else None (not the other forms fromisoformat takes)."""
    try:
        return dt.date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:  # 2020-02-30
        return None


def _observation_row(header: list[str], cells: list[str], path: Path,
                     line: int) -> dict[str, Any]:
    if len(cells) != len(header):
        raise InputError(path, f"line {line}", f"{len(cells)} cells; the header names "
                         f"{len(header)} columns")
    # An empty cell is an absent field: the model's default, or its "required".
    given = {n: c.strip() for n, c in zip(header, cells, strict=True) if c.strip()}

    def bad(column: str, message: str) -> InputError:
        return InputError(path, f"line {line}, column {column}", message)

    out: dict[str, Any] = {}
    for name, text in given.items():
        if name in ("date", "from_date"):
            out[name] = _iso_date(text)
            if out[name] is None:
                raise bad(name, f"not a date: {text!r} (write YYYY-MM-DD)")
        elif name in ("value", "low", "high"):
            try:
                out[name] = float(text)
            except ValueError:
                raise bad(name, f"not a number: {text!r}") from None
        elif name == "tags":
            out[name] = [t.strip() for t in text.split(";") if t.strip()]
        else:
            out[name] = text
    low, high = out.pop("low", None), out.pop("high", None)
    if "value" in out and (low is not None or high is not None):
        raise bad("value", "give value, or low and high (a range), not both")
    if (low is None) != (high is None):
        raise bad("high" if high is None else "low", "a range needs both low and high")
    if low is not None:
        out["range"] = [low, high]
    elif "value" not in out:
        raise bad("value", "empty: give value, or low and high (a range)")
    return out


