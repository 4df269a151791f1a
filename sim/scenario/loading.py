"""Scenario files in: TOML parsing, overrides, OWID cases tables, validation.

This is the edge of the program: everything here may read files; everything past it trusts
the frozen :class:`~sim.scenario.models.Scenario` it is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import tomllib
from collections.abc import Iterable, Mapping
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
            for line, row in enumerate(reader, start=2):
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


def _attach_cases(scenario: Scenario, base_dir: Path, source: str | Path) -> None:
    for i, region in enumerate(scenario.regions):
        need = region.need
        if not isinstance(need, CasesNeed):
            continue
        if need._new_cases:
            # Attached when the base was loaded: overrides and sweeps share this need object
            # (and the plan cache keys its series on it), so it is read once, never merged again.
            continue
        table_path = need.table if need.table.is_absolute() else base_dir / need.table
        try:
            table = read_cases_table(table_path.resolve())
        except OSError as exc:
            raise InputError(
                source, f"regions[{i}].need.table", f"cannot read {table_path}: {exc.strerror}"
            ) from None
        merged: dict[int, float] = {}
        for j, code in enumerate(need.iso_codes):
            if code not in table:
                raise InputError(
                    source, f"regions[{i}].need.iso_codes[{j}]", f"{code!r} not in {table_path}"
                )
            for day, cases in table[code].items():
                merged[day] = merged.get(day, 0.0) + cases
        need._new_cases.update(merged)


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


def load(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (``key.path=value``) and validate a scenario file."""
    data = apply_overrides(read_toml(path), overrides, path)
    base_dir = Path(path).resolve().parent
    # Cases tables are named relative to the scenario file; make that explicit, so the
    # resolved scenario (results, overrides, sweeps) still finds them from anywhere.
    for region in data.get("regions", []) if isinstance(data.get("regions"), list) else []:
        need = region.get("need") if isinstance(region, dict) else None
        if isinstance(need, dict) and isinstance(need.get("table"), str):
            need["table"] = str(base_dir / need["table"])
    return validate(data, path, base_dir)
