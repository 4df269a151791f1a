"""Scenario files in: TOML parsing, overrides, OWID cases tables, observation CSVs,
validation.

This is the edge of the program: everything here may read files; everything past it trusts
the frozen :class:`~sim.scenario.models.Scenario` it is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import InputError, first_error
from sim.scenario.models import FIRST_DATE, LAST_DATE, CasesNeed, Scenario
from sim.scenario.overrides import apply_overrides

# Scenario and sweep files nest a few tables deep; far deeper is a broken or hostile file,
# and would exhaust the stack of the parser, pydantic or a deep copy.
MAX_DEPTH = 32
# OWID's worst day (mid 2020) was under 1e6 new cases; more than people alive is a typo.
MAX_CASES_A_DAY = 1e10
CASES_COLUMNS = ("iso_code", "date", "new_cases")
# An ``observations_file``: one observation a row, the fields of an [[observations]] entry
# with a range split into low and high (a spreadsheet has no lists); tags joined by ";".
OBSERVATION_COLUMNS = ("date", "series", "value", "low", "high", "source", "kind", "good",
                       "donor", "tags", "note")
_NEEDED_COLUMNS = ("date", "series", "source", "kind")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# An error the scenario reports on observations[i] (and which column of a row it is about).
_OBSERVATION_FIELD = re.compile(r"^observations\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?")


def _too_deep(data: Any) -> str | None:
    """The path of the first value nested deeper than MAX_DEPTH, else None (no recursion)."""
    todo: list[tuple[Any, str, int]] = [(data, "", 0)]
    while todo:
        node, path, depth = todo.pop()
        if depth > MAX_DEPTH:
            return path
        if isinstance(node, dict):
            todo += [(v, f"{path}.{k}" if path else k, depth + 1) for k, v in node.items()]
        elif isinstance(node, list):
            todo += [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node)]
    return None


def read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "", f"TOML syntax: {exc}") from None
    except UnicodeDecodeError as exc:  # tomllib reads only UTF-8 (TOML's one encoding)
        raise InputError(path, "", f"not UTF-8 text (byte {exc.start}): save the file "
                                   "as UTF-8") from None
    except RecursionError:
        raise InputError(path, "", f"TOML nested too deeply (at most {MAX_DEPTH} levels)"
                         ) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise InputError(path, "", f"cannot read: {getattr(exc, 'strerror', None) or exc}"
                         ) from None
    deep = _too_deep(data)
    if deep is not None:
        raise InputError(path, deep, f"nested more than {MAX_DEPTH} levels deep")
    return data


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


def _cases_needs(scenario: Scenario) -> Iterator[tuple[str, CasesNeed]]:
    """Every need read from a cases table, with its field path: regions' needs of every good
    and donors' domestic needs."""
    for i, region in enumerate(scenario.regions):
        if isinstance(region.need, CasesNeed):
            yield f"regions[{i}].need", region.need
        for good, need in region.needs.items():
            if isinstance(need, CasesNeed):
                yield f"regions[{i}].needs.{good}", need
    for i, donor in enumerate(scenario.donors):
        for j, supply in enumerate(donor.supplies):
            if isinstance(supply.domestic_need, CasesNeed):
                yield f"donors[{i}].supplies[{j}].domestic_need", supply.domestic_need


def _attach_cases(scenario: Scenario, base_dir: Path, source: str | Path) -> None:
    for field, need in _cases_needs(scenario):
        if need._new_cases:
            # Attached when the base was loaded: overrides and sweeps share this need object
            # (and the plan cache keys its series on it), so it is read once, never merged again.
            continue
        table_path = need.table if need.table.is_absolute() else base_dir / need.table
        try:
            table = read_cases_table(table_path.resolve())
        except OSError as exc:
            raise InputError(
                source, f"{field}.table", f"cannot read {table_path}: {exc.strerror}"
            ) from None
        merged: dict[int, float] = {}
        for j, code in enumerate(need.iso_codes):
            if code not in table:
                raise InputError(
                    source, f"{field}.iso_codes[{j}]", f"{code!r} not in {table_path}"
                )
            for day, cases in table[code].items():
                merged[day] = merged.get(day, 0.0) + cases
        need._new_cases.update(merged)


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
        if name == "date":
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


def _add_observations_file(data: dict[str, Any], scenario_path: Path
                           ) -> tuple[Path, int, list[int]] | None:
    """Pop ``observations_file`` and append its rows to the inline observations (the model
    never sees the file). Returns the CSV, the index of its first row and each row's line,
    to name a row the scenario then finds wrong."""
    if "observations_file" not in data:
        return None
    name = data.pop("observations_file")
    if not isinstance(name, str) or not name.strip():
        raise InputError(scenario_path, "observations_file", "must be the path of a CSV file "
                         "(relative to the scenario's folder)")
    csv_path = scenario_path.parent / name  # an absolute name stays absolute
    try:
        rows = read_observations_csv(csv_path)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise InputError(scenario_path, "observations_file", f"cannot read {csv_path}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    inline = data.setdefault("observations", [])
    if not isinstance(inline, list):
        return None  # the scenario reports [observations] for what it is
    first = len(inline)
    inline += [row for _, row in rows]
    return csv_path, first, [line for line, _ in rows]


def _in_csv(exc: InputError, csv_rows: tuple[Path, int, list[int]] | None) -> InputError:
    """An error the scenario found in ``observations[i]`` named by the CSV line it came from."""
    match = _OBSERVATION_FIELD.match(exc.field)
    if csv_rows is None or match is None:
        return exc
    csv_path, first, lines = csv_rows
    index = int(match[1]) - first
    if not 0 <= index < len(lines):
        return exc
    column, item = match[2], match[3]
    if column == "range":  # the range is the low and high columns
        column = "high" if item == "1" else "low"
    where = f"line {lines[index]}" + (f", column {column}" if column else "")
    return InputError(csv_path, where, exc.message)


def validate(
    data: Mapping[str, Any], source: str | Path = "<scenario>", base_dir: Path | None = None
) -> Scenario:
    """A frozen Scenario from a plain dict, or an InputError naming the field."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise first_error(source, exc) from None
    _attach_cases(scenario, base_dir or Path.cwd(), source)
    return scenario


def _raw_needs(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every need table of the raw TOML (a region's first good's, its other goods', a donor
    supply's domestic need), before validation: whatever is not a table is skipped."""
    def tables(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    for region in tables(data.get("regions")):
        if isinstance(region, dict):
            yield from (n for n in [region.get("need")] if isinstance(n, dict))
            needs = region.get("needs")
            if isinstance(needs, dict):
                yield from (n for n in needs.values() if isinstance(n, dict))
    for donor in tables(data.get("donors")):
        for supply in tables(donor.get("supplies")) if isinstance(donor, dict) else []:
            need = supply.get("domestic_need") if isinstance(supply, dict) else None
            if isinstance(need, dict):
                yield need


def load(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (``key.path=value``) and validate a scenario file, with the rows of
    its ``observations_file`` (a CSV named relative to it) after its inline observations."""
    data = apply_overrides(read_toml(path), overrides, path)
    base_dir = Path(path).resolve().parent
    # Read here, at the edge: the scenario holds plain observations (and its resolved TOML
    # lists them inline), so a sweep or a re-run never reads the CSV again.
    csv_rows = _add_observations_file(data, Path(path))
    # Cases tables are named relative to the scenario file; make that explicit, so the
    # resolved scenario (results, overrides, sweeps) still finds them from anywhere.
    for need in _raw_needs(data):
        if isinstance(need.get("table"), str):
            need["table"] = str(base_dir / need["table"])
    try:
        return validate(data, path, base_dir)
    except InputError as exc:
        raise _in_csv(exc, csv_rows) from None
