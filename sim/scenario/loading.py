"""Scenario files in: TOML parsing, overrides, OWID cases tables, validation.

This is the edge of the program: everything here may read files; everything past it trusts
the frozen :class:`~sim.scenario.models.Scenario` it is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import InputError, first_error
from sim.scenario.models import CasesNeed, Scenario
from sim.scenario.overrides import apply_overrides


def read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "", f"TOML syntax: {exc}") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read: {exc.strerror or exc}") from None


@functools.lru_cache(maxsize=16)
def read_cases_table(path: Path) -> dict[str, dict[int, float]]:
    """New cases by ISO code and ordinal date from an OWID-format CSV (dates M/D/YYYY or ISO)."""
    out: dict[str, dict[int, float]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"iso_code", "date", "new_cases"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(path, "", f"missing column(s): {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            text = row["date"]
            try:
                if "/" in text:
                    m, d, y = (int(x) for x in text.split("/"))
                    day = dt.date(y, m, d)
                else:
                    day = dt.date.fromisoformat(text)
                cases = float(row["new_cases"] or 0.0)
            except ValueError:
                raise InputError(path, f"line {line}", "bad date or new_cases") from None
            # OWID reports corrections as negative new cases; need never goes below zero.
            series = out.setdefault(row["iso_code"], {})
            series[day.toordinal()] = series.get(day.toordinal(), 0.0) + max(cases, 0.0)
    return out


def _attach_cases(scenario: Scenario, base_dir: Path, source: str | Path) -> None:
    for i, region in enumerate(scenario.regions):
        need = region.need
        if not isinstance(need, CasesNeed):
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
