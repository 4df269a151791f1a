"""A scenario validated into its one frozen form: the dict a file gives (either form, see
``normalise``) in, a :class:`Scenario` out, or one :class:`InputError` naming the field as the
file wrote it. The cases tables its needs name are read here, once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import InputError, first_error
from sim.scenario.models import CasesNeed
from sim.scenario.normalise import FILE_KEYS, Form, normalise
from sim.scenario.scenario import Scenario
from sim.scenario.tables import read_cases_table


def validate(data: Mapping[str, Any], source: str | Path = "<scenario>",
             base_dir: Path | None = None, form: Form | None = None) -> Scenario:
    """A frozen Scenario from a plain dict in either form, or an InputError naming the
    field as the file wrote it (``form``: what ``normalise`` made of the file, when the
    caller normalised it before setting overrides)."""
    data, again = normalise(data, str(source))
    form = again if form is None else form.merged(again)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        error = first_error(source, exc, Scenario, FILE_KEYS)
        raise InputError(error.source, form.as_written(error.field), error.message) from None
    _attach_cases(scenario, base_dir or Path.cwd(), source, form)
    return scenario


def _cases_needs(scenario: Scenario) -> Iterator[tuple[str, CasesNeed]]:
    """Every need read from a cases table, with its field path: regions' needs of every good
    and donors' domestic needs."""
    for i, region in enumerate(scenario.regions):
        for good, need in region.needs.items():
            if isinstance(need, CasesNeed):
                yield f"regions[{i}].needs.{good}", need
    for i, donor in enumerate(scenario.donors):
        for j, supply in enumerate(donor.supplies):
            if isinstance(supply.domestic_need, CasesNeed):
                yield f"donors[{i}].supplies[{j}].domestic_need", supply.domestic_need


def _attach_cases(scenario: Scenario, base_dir: Path, source: str | Path, form: Form) -> None:
    for path, need in _cases_needs(scenario):
        field = form.as_written(path)
        if need.cases_attached:
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
        need.attach_cases(merged)
