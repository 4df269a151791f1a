"""The one form of a scenario, made at the edge (as scipy's ``_clean_inputs`` does).

A file may be written in the single-donor form (``[donor]``, ``[domestic]``, ``[reserve]``,
``[budget]``, ``[shipments]``: one donor giving masks) and may use shorthands (a region's
``need`` and ``absorption_cap`` for the first good; a pledge without ``donor`` or ``good``:
the first of each). :func:`normalise` rewrites such a dict into goods and donors before it is
validated, so that everything past the loader sees one shape. Paths follow: an override or a
sweep may name a field as the older form did (``reserve.days``), and :func:`translate`
finds it in the one form (``donors[0].reserve.days``); an error found in the one form is
named as the file wrote it (:class:`Form`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.donors import DEFAULT_GOOD, MASKS
from sim.scenario.errors import InputError
from sim.scenario.models import Budget, Region, Reserve, Shipments
from sim.scenario.paths import Steps, join_path, parse_path
from sim.scenario.scenario import Scenario

SINGLE_DONOR_KEYS = ("donor", "domestic", "reserve", "budget", "shipments")
# Where each part of the single-donor form lives in the one form (longest prefix first).
_MOVES: tuple[tuple[Steps, Steps], ...] = (
    (("donor", "name"), ("donors", 0, "name")),
    (("domestic",), ("donors", 0, "supplies", 0, "domestic")),
    (("donor",), ("donors", 0, "supplies", 0)),
    (("reserve",), ("donors", 0, "reserve")),
    (("budget",), ("donors", 0, "budget")),
    (("shipments",), ("donors", 0, "shipments")),
)
# A region's shorthand for the first good -> its table by good.
_REGION_SHORT = {"need": "needs", "absorption_cap": "absorption_caps"}
# Keys a file may write beside the one form's, by model (for "did you mean" hints).
FILE_KEYS: dict[type[BaseModel], tuple[str, ...]] = {
    Scenario: (*SINGLE_DONOR_KEYS, "observations_file"), Region: tuple(_REGION_SHORT)}
# Defaults a resolved scenario of an older version wrote beside [[donors]] (then harmless).
_DEFAULTS: dict[str, type[BaseModel]] = {"reserve": Reserve, "budget": Budget,
                                          "shipments": Shipments}
_ID = re.compile(r"[A-Za-z0-9_.-]+")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def donor_id(name: str) -> str:
    """An id for a donor known by a name: the name itself when it is a valid id, else its
    letters and digits joined by ``_`` (``Taiwan (ROC)`` -> ``Taiwan_ROC``)."""
    if _ID.fullmatch(name):
        return name
    return _NOT_ID.sub("_", name).strip("_") or "donor"


@dataclass
class Form:
    """What :func:`normalise` rewrote, to name an error where the file wrote it."""

    single_donor: bool = False
    first_good: str = DEFAULT_GOOD
    # regions[i] whose need (or cap) the file gave as the shorthand, by shorthand key
    shorthand: set[tuple[int, str]] = field(default_factory=set)

    def merged(self, other: Form) -> Form:
        """What two rewrites of the same scenario did (a file's, then its overrides')."""
        return Form(self.single_donor or other.single_donor, self.first_good,
                    self.shorthand | other.shorthand)

    def as_written(self, path: str) -> str:
        """A path of the one form as the file wrote it (``donors[0].reserve.days`` ->
        ``reserve.days`` for a single-donor file)."""
        steps = parse_path(path)
        if self.single_donor:
            for old, new in _MOVES:
                if steps[:len(new)] == new:
                    return join_path(old + steps[len(new):])
        if len(steps) >= 4 and steps[0] == "regions" and isinstance(steps[1], int):
            for short, table in _REGION_SHORT.items():
                if steps[2] == table and steps[3] == self.first_good \
                        and (steps[1], short) in self.shorthand:
                    return join_path((*steps[:2], short, *steps[4:]))
        return path


def normalise(data: Mapping[str, Any], source: str = "<scenario>"
              ) -> tuple[dict[str, Any], Form]:
    """``data`` (a scenario as a file gives it, plain values or models) in the one form, and
    what was rewritten. InputError for a file that mixes the two forms."""
    out = dict(data)
    form = Form()
    given = [k for k in SINGLE_DONOR_KEYS if k in out]
    if "donors" in out:
        for key in given:
            if not _is_default(key, out[key]):
                where = {"donor": "donors[i] and their supplies",
                         "domestic": "donors[i].supplies[j].domestic"}.get(key,
                                                                          f"donors[i].{key}")
                raise InputError(source, key, f"with [[donors]], give it as {where}")
            del out[key]
    else:
        for key in ("donor", "domestic"):
            if key not in out:
                raise InputError(source, key, "required (or give [[donors]] and their "
                                              "supplies)")
        if "goods" in out:
            raise InputError(source, "goods", "name goods with [[donors]] and their supplies "
                                              "(the single [donor] gives masks)")
        out = _single_donor(out)
        form.single_donor = True
    goods = out.setdefault("goods", [dict(MASKS)])
    if isinstance(goods, list) and goods and isinstance(goods[0], Mapping):
        form.first_good = str(goods[0].get("id", DEFAULT_GOOD))
    elif goods and hasattr(goods[0], "id"):  # already a Good
        form.first_good = goods[0].id
    if "regions" in out:
        out["regions"] = _regions(out["regions"], form, source)
    if "pledges" in out:
        out["pledges"] = _pledges(out["pledges"], out.get("donors"), form.first_good)
    return out, form


def _is_default(key: str, value: Any) -> bool:
    model = _DEFAULTS.get(key)
    if model is None:
        return False
    try:
        return bool(model.model_validate(value) == model())
    except ValidationError:
        return False


def _single_donor(data: dict[str, Any]) -> dict[str, Any]:
    """The single-donor form as one donor with one supply of masks."""
    donor = data.pop("donor")
    supply: Any
    name = "donor"
    if isinstance(donor, Mapping):
        supply = {"good": DEFAULT_GOOD, **{k: v for k, v in donor.items() if k != "name"}}
        name = str(donor.get("name", name))
    else:
        supply = donor  # not a table: validation says so, at "donor"
    if isinstance(supply, dict):
        supply["domestic"] = data.pop("domestic")
    else:
        data.pop("domestic")
    entry: dict[str, Any] = {"id": donor_id(name), "name": name, "supplies": [supply]}
    for key in ("reserve", "budget", "shipments"):
        if key in data:
            entry[key] = data.pop(key)
    data["donors"] = [entry]
    return data


def _regions(regions: Any, form: Form, source: str) -> Any:
    if not isinstance(regions, list):
        return regions
    out = []
    for i, region in enumerate(regions):
        if isinstance(region, Mapping) and any(k in region for k in _REGION_SHORT):
            region = dict(region)
            for short, table in _REGION_SHORT.items():
                if short not in region:
                    continue
                value = region.pop(short)
                tables = region.get(table, {})
                if not isinstance(tables, Mapping):
                    region[short] = value  # validation names what is wrong
                    continue
                # The table wins where it names the first good too (as it always has).
                region[table] = {form.first_good: value, **tables}
                if form.first_good not in tables:
                    form.shorthand.add((i, short))
        out.append(region)
    return out


def _pledges(pledges: Any, donors: Any, first_good: str) -> Any:
    """Each pledge names its donor and good (a file may leave them to the first)."""
    if not isinstance(pledges, list) or not isinstance(donors, list) or not donors:
        return pledges
    first = donors[0]
    first_donor = first.get("id") if isinstance(first, Mapping) else getattr(first, "id",
                                                                                None)
    out = []
    for p in pledges:
        if isinstance(p, Mapping) and ("donor" not in p or "good" not in p):
            p = dict(p)
            if "donor" not in p and isinstance(first_donor, str):
                p["donor"] = first_donor
            p.setdefault("good", first_good)
        out.append(p)
    return out


def translate(path: str, *, single_supply: bool, first_good: str) -> str:
    """A path as the older form or a shorthand names it, in the one form: ``reserve.days``
    -> ``donors[0].reserve.days`` (for a scenario of one donor with one supply: else it is
    left as it is, and no such field exists), ``regions[2].need`` ->
    ``regions[2].needs.<first good>``. Other paths come back unchanged."""
    steps = parse_path(path)
    if not steps:
        return path
    if single_supply:
        for old, new in _MOVES:
            if steps[:len(old)] == old:
                return join_path(new + steps[len(old):])
    if len(steps) >= 3 and steps[0] == "regions" and isinstance(steps[1], int) \
            and isinstance(steps[2], str) and steps[2] in _REGION_SHORT:
        return join_path((*steps[:2], _REGION_SHORT[steps[2]], first_good, *steps[3:]))
    return path
