"""Scenario files in: TOML parsing, the observations file, overrides, validation.

This is the edge of the program: everything here may read files; everything past it trusts
the frozen :class:`~sim.scenario.scenario.Scenario` it is given.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from sim.scenario.errors import InputError
from sim.scenario.normalise import normalise
from sim.scenario.overrides import apply_overrides
from sim.scenario.scenario import Scenario
from sim.scenario.tables import read_observations_csv
from sim.scenario.validation import validate

OBSERVATIONS_FILE = "observations_file"
# Scenario and sweep files nest a few tables deep; far deeper is a broken or hostile file,
# and would exhaust the stack of the parser, pydantic or a deep copy.
MAX_DEPTH = 32
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


# Keys only a sweep file has, and keys only a scenario file has (in either form).
SWEEP_ONLY = ("design", "parameters", "base")
SCENARIO_ONLY = ("horizon", "regions", "donors", "donor", "domestic", "pledges", "hubs")


def expect_kind(path: str | Path, data: dict[str, Any], kind: Literal["scenario", "sweep"]
                ) -> None:
    """InputError when a file given as one kind (a scenario, a sweep) is plainly the other,
    saying which it is and the command that takes it."""
    sweep = [k for k in SWEEP_ONLY if k in data]
    scenario = [k for k in SCENARIO_ONLY if k in data]
    if kind == "scenario" and len(sweep) >= 2 and not scenario:
        shown = {"design": "[design]", "parameters": "[[parameters]]", "base": "base"}
        raise InputError(path, "", f"this is a sweep file (it has "
                         f"{' and '.join(shown[k] for k in sweep)}), not a scenario: run it "
                         f"with masksim sweep {path}")
    if kind == "sweep" and scenario and not sweep:
        raise InputError(path, "", f"this is a scenario file (it has {' and '.join(scenario[:2])}"
                         f"), not a sweep: run it with masksim run {path}, or name it as base "
                         "in a sweep file")


def _add_observations_file(data: dict[str, Any], scenario_path: Path
                           ) -> tuple[Path, int, list[int]] | None:
    """Pop ``observations_file`` and append its rows to the inline observations (the model
    never sees the file). Returns the CSV, the index of its first row and each row's line,
    to name a row the scenario then finds wrong."""
    if OBSERVATIONS_FILE not in data:
        return None
    name = data.pop(OBSERVATIONS_FILE)
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


def _raw_needs(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every need table of a scenario's dict in the one form (regions' needs by good, donor
    supplies' domestic needs), before validation: whatever is not a table is skipped."""
    def tables(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    for region in tables(data.get("regions")):
        needs = region.get("needs") if isinstance(region, dict) else None
        if isinstance(needs, dict):
            yield from (n for n in needs.values() if isinstance(n, dict))
    for donor in tables(data.get("donors")):
        for supply in tables(donor.get("supplies")) if isinstance(donor, dict) else []:
            need = supply.get("domestic_need") if isinstance(supply, dict) else None
            if isinstance(need, dict):
                yield need


def load(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (``key.path=value``) and validate a scenario file, with the rows of
    its ``observations_file`` (a CSV named relative to it) after its inline observations.

    >>> scenario = load("scenarios/taiwan_2020.toml", ["reserve.days=14"])
    >>> scenario.name, scenario.donors[0].reserve.days
    ('taiwan_2020', 14.0)
    """
    overrides = list(overrides)
    # The observations file is the file's, not the scenario's: an override may name another.
    files = [o for o in overrides if o.partition("=")[0].strip() == OBSERVATIONS_FILE]
    data = read_toml(path)
    expect_kind(path, data, "scenario")
    data = apply_overrides(data, files, path)
    # Read here, at the edge: the scenario holds plain observations (and its resolved TOML
    # lists them inline), so a sweep or a re-run never reads the CSV again.
    csv_rows = _add_observations_file(data, Path(path))
    data, form = normalise(data, str(path))
    data = apply_overrides(data, [o for o in overrides if o not in files], path)
    base_dir = Path(path).resolve().parent
    # Cases tables are named relative to the scenario file; make that explicit, so the
    # resolved scenario (results, overrides, sweeps) still finds them from anywhere.
    for need in _raw_needs(data):
        if isinstance(need.get("table"), str):
            need["table"] = str(base_dir / need["table"])
    try:
        return validate(data, path, base_dir, form)
    except InputError as exc:
        raise _in_csv(exc, csv_rows) from None
