"""The levers of a scenario as the page shows them, and a page's settings of them.

A lever is named by the path ``masksim run --set`` takes (``reserve.days``,
``donors[1].budget.kind``, ``pledges[3].amount``), so the page's settings are a list of
``--set`` items, its URL carries them under the same names, and a value the model refuses is
refused with the line the command line prints. One lever has no field of its own:
``lead_time_scale`` multiplies every transit time (regions', donors' and hubs'), as a sweep's
``op = "scale"`` does; it sets each scaled field, so the scenario that runs says what ran.

Settings hold only what differs from the base scenario: an empty setting is the baseline.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from sim.scenario.enums import BudgetKind, Coordination, Rule
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.models import FixedLeadTime, FixedPledge, TriangularLeadTime
from sim.scenario.overrides import Overrides, get_path, parse_value, resolve_path
from sim.scenario.scenario import Scenario
from sim.scenario.writing import to_toml

Kind = Literal["number", "integer", "choice", "date"]
Settings = dict[str, Any]
SCALE = "lead_time_scale"
# How far the page lets the transit scale go: beyond ten times 2020's transits the scenario
# means something else (a horizon of its own), and a scale below 0 is no transit time.
SCALE_RANGE = (0.0, 10.0)
_PLEDGE = re.compile(r"^pledges\[(\d+)\]\.(amount|amount_per_week|date|start)$")
# Defaults when a budget kind is chosen that the base scenario gave no value for.
DEFAULT_SHARE = 0.5
DEFAULT_AMOUNT_PER_WEEK = 1_000_000.0


@dataclass(frozen=True)
class Lever:
    """One control: ``key`` is its ``--set`` path (and URL key), ``base`` its value in the
    base scenario (None: unset there), ``shown_when`` = (key, value) of the lever that must
    have that value for this one to mean anything (a budget's share)."""

    key: str
    label: str
    kind: Kind
    base: Any
    group: str
    choices: tuple[str, ...] = ()
    unit: str = ""
    step: float | None = None
    shown_when: tuple[str, str] | None = None
    help: str = field(default="", compare=False)


def _value(scenario: Scenario, path: str) -> Any:
    try:
        value = get_path(scenario, resolve_path(scenario, path))
    except (KeyError, IndexError, AttributeError):
        return None
    return value.value if isinstance(value, Enum) else value


def _single(scenario: Scenario) -> bool:
    """One donor with one supply: the short paths of the older form name its fields."""
    return len(scenario.donors) == 1 and len(scenario.donors[0].supplies) == 1


def levers(scenario: Scenario) -> list[Lever]:
    """The scenario's levers, grouped: each donor's, then the allocation's, then the run's.
    Pledges have levers of their own (:func:`pledge_levers`), one pledge at a time."""
    out: list[Lever] = []
    single = _single(scenario)
    for d, donor in enumerate(scenario.donors):
        at = "" if single else f"donors[{d}]."
        group = donor.label
        out.append(Lever(f"{at}reserve.days", "Reserve (days of domestic demand)", "number",
                         _value(scenario, f"{at}reserve.days"), group, unit="days", step=1))
        kind_key = f"{at}budget.kind"
        out.append(Lever(kind_key, "Donation budget", "choice", _value(scenario, kind_key),
                         group, choices=tuple(k.value for k in BudgetKind)))
        out.append(Lever(f"{at}budget.share", "Share of the surplus offered", "number",
                         _value(scenario, f"{at}budget.share"), group, unit="0-1", step=0.05,
                         shown_when=(kind_key, BudgetKind.SHARE_OF_SURPLUS.value)))
        out.append(Lever(f"{at}budget.amount_per_week", "Amount offered a week", "number",
                         _value(scenario, f"{at}budget.amount_per_week"), group, unit="units",
                         step=100_000,
                         shown_when=(kind_key, BudgetKind.FIXED_PER_WEEK.value)))
        for s, supply in enumerate(donor.supplies):
            sup = "" if single else f"{at}supplies[{s}]."
            good = "" if len(donor.supplies) == 1 else f" ({supply.good})"
            if supply.domestic is not None:
                key = "domestic.uptake" if single else f"{sup}domestic.uptake"
                out.append(Lever(key, f"Uptake of the ration{good}", "number",
                                 supply.domestic.uptake, group, unit="0-1", step=0.05))
            if supply.capacity is not None:
                key = ("donor.outages.daily_probability" if single
                       else f"{sup}outages.daily_probability")
                out.append(Lever(key, f"Outage probability a day{good}", "number",
                                 supply.outages.daily_probability, group, unit="0-1",
                                 step=0.01))
    out.append(Lever("allocation.rule", "Allocation rule", "choice",
                     scenario.allocation.rule.value, "Allocation",
                     choices=tuple(r.value for r in Rule)))
    if len(scenario.donors) > 1:
        out.append(Lever("coordination", "Coordination of donors", "choice",
                         scenario.coordination.value, "Allocation",
                         choices=tuple(c.value for c in Coordination)))
    out.append(Lever(SCALE, "Lead-time scale (x every transit)", "number", 1.0, "Allocation",
                     unit="x", step=0.1))
    out.append(Lever("seed", "Seed (outages, transit times)", "integer", scenario.seed, "Run",
                     step=1))
    return out


def pledge_label(scenario: Scenario, i: int) -> str:
    p = scenario.pledges[i]
    region = next((r.name or r.id for r in scenario.regions if r.id == p.region), p.region)
    when = (p.date.isoformat() if isinstance(p, FixedPledge)
            else f"{p.start.isoformat()} to {p.end.isoformat()}, weekly")
    size = p.amount if isinstance(p, FixedPledge) else p.amount_per_week
    donor = f"{p.donor}, " if len(scenario.donors) > 1 else ""
    return f"#{i} {when}: {donor}{size:,.0f} {p.good} to {region}"


def pledge_levers(scenario: Scenario, i: int) -> tuple[Lever, Lever]:
    """The size and date of pledge ``i`` (a standing pledge's weekly amount and start)."""
    p = scenario.pledges[i]
    group = "Pledge"
    if isinstance(p, FixedPledge):
        return (Lever(f"pledges[{i}].amount", "Pledge size", "number", p.amount, group,
                      unit=p.good, step=100_000),
                Lever(f"pledges[{i}].date", "Pledge date", "date", p.date, group))
    return (Lever(f"pledges[{i}].amount_per_week", "Pledge size a week", "number",
                  p.amount_per_week, group, unit=p.good, step=10_000),
            Lever(f"pledges[{i}].start", "Pledge start", "date", p.start, group))


def find(scenario: Scenario, key: str) -> Lever | None:
    """The lever ``key`` names in this scenario (None: none)."""
    match = _PLEDGE.match(key)
    if match:
        i = int(match[1])
        if i >= len(scenario.pledges):
            return None
        return next((lv for lv in pledge_levers(scenario, i) if lv.key == key), None)
    return next((lv for lv in levers(scenario) if lv.key == key), None)


def coerce(lever: Lever, value: Any) -> Any:
    """A value for the lever from a widget or from text (a URL's, read as ``--set`` reads
    it); ValueError when it is not even of the lever's kind (a word for a number)."""
    if isinstance(value, str):
        value = parse_value(value.strip())
    if lever.kind == "choice":
        if not isinstance(value, str):
            raise ValueError(f"expected one of {', '.join(lever.choices)}")
        return value  # an unknown choice is the model's to refuse, in its words
    if lever.kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            raise ValueError("expected a date (YYYY-MM-DD)")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    if lever.kind == "integer":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("expected a whole number")
        return int(value)
    return float(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def set_value(scenario: Scenario, settings: Mapping[str, Any], key: str, value: Any
              ) -> Settings:
    """``settings`` with ``key`` set: dropped when it is the base value; a budget kind brings
    the share or amount it needs (the base's, else a default) and drops the one it does not
    use, so a setting never carries a field that means nothing."""
    lever = find(scenario, key)
    if lever is None:
        raise KeyError(key)
    out = dict(settings)
    out[key] = value
    if key.endswith("budget.kind"):
        at = key.removesuffix("budget.kind")
        share, amount = f"{at}budget.share", f"{at}budget.amount_per_week"
        for k, kind, default in ((share, BudgetKind.SHARE_OF_SURPLUS, DEFAULT_SHARE),
                                 (amount, BudgetKind.FIXED_PER_WEEK, DEFAULT_AMOUNT_PER_WEEK)):
            base = _value(scenario, k)
            if value == kind.value:
                if base is None and k not in out:
                    out[k] = default
            elif base is None:
                out.pop(k, None)
    for k in list(out):
        lv = lever if k == key else find(scenario, k)
        if lv is not None and lv.base is not None and _same(out[k], lv.base):
            del out[k]
    return out


def _scaled(scenario: Scenario, scale: float) -> list[tuple[str, Any]]:
    """Every transit time of the scenario times ``scale``: fixed days rounded to whole days
    (half up, as the draws round), triangular bounds as they come."""
    out: list[tuple[str, Any]] = []

    def lead(prefix: str, lt: FixedLeadTime | TriangularLeadTime) -> None:
        if isinstance(lt, FixedLeadTime):
            out.append((f"{prefix}.days", math.floor(lt.days * scale + 0.5)))
        else:
            out.extend((f"{prefix}.{b}", getattr(lt, b) * scale) for b in ("min", "mode", "max"))

    for i, r in enumerate(scenario.regions):
        lead(f"regions[{i}].lead_time", r.lead_time)
    for d, donor in enumerate(scenario.donors):
        for rid, lt in donor.lead_times.items():
            lead(f"donors[{d}].lead_times.{rid}", lt)
    for h, hub in enumerate(scenario.hubs):
        out.extend((f"hubs[{h}].lead_times.{rid}", math.floor(days * scale + 0.5))
                   for rid, days in hub.lead_times.items())
    return out


def _check_scale(value: Any, source: str) -> float:
    lo, hi = SCALE_RANGE
    if not isinstance(value, int | float) or not lo <= value <= hi or value != value:
        raise InputError(source, SCALE, f"must be between {lo:g} and {hi:g}")
    return float(value)


def changes(scenario: Scenario, settings: Mapping[str, Any], source: str = "<page>"
            ) -> list[tuple[str, Any]]:
    """The settings as ``(path, value)`` items, the transit scale spelt out field by field
    (InputError: a scale out of its range)."""
    out: list[tuple[str, Any]] = []
    for key, value in settings.items():
        if key == SCALE:
            out += _scaled(scenario, _check_scale(value, source))
        else:
            out.append((key, value))
    return out


def toml_value(value: Any) -> str:
    """A value as ``--set`` reads it back (TOML: numbers exactly, dates, quoted words)."""
    return to_toml({"v": value}).partition("=")[2].strip()


def cli_sets(scenario: Scenario, settings: Mapping[str, Any]) -> list[str]:
    """The settings as ``--set KEY=VALUE`` items of ``masksim run``."""
    return [f"{k}={toml_value(v)}" for k, v in changes(scenario, settings)]


@dataclass(frozen=True)
class Source:
    """Where the base scenario comes from, as the command line would load it: the file and
    the ``--set`` items that made the base (an experiment of a sweep has some)."""

    path: Path
    sets: tuple[str, ...] = ()


def apply(base: Scenario, settings: Mapping[str, Any], source: Source) -> Scenario:
    """The base with the settings, validated. A value the model refuses raises the
    InputError ``masksim run FILE --set ...`` prints for the same settings."""
    over = Overrides(base, str(source.path))
    try:
        return over.apply(changes(base, settings, str(source.path)))
    except InputError as exc:
        if exc.field == SCALE:
            raise
        error = exc
    # Say it as the command line does (the field as the file names it): load it so.
    try:
        load(source.path, [*source.sets, *cli_sets(base, settings)])
    except InputError as exc:
        raise exc from None
    raise error


def encode(settings: Mapping[str, Any]) -> str:
    """The settings as a URL query (``reserve.days=14&allocation.rule=maxmin``)."""
    return urlencode([(k, toml_value(v).strip('"')) for k, v in sorted(settings.items())])


def decode(scenario: Scenario, query: Mapping[str, Iterable[str]]) -> tuple[Settings, list[str]]:
    """Settings from a URL's query (each key's last value); what is not a lever of this
    scenario, or not of a lever's kind, is left out with a line saying so."""
    out: Settings = {}
    notes: list[str] = []
    for key, values in query.items():
        texts = list(values)
        lever = find(scenario, key)
        if lever is None or not texts:
            notes.append(f"{key}: not a lever of this scenario (ignored)")
            continue
        try:
            value = coerce(lever, texts[-1])
        except ValueError as exc:
            notes.append(f"{key}: {exc} (ignored)")
            continue
        out = set_value(scenario, out, key, value)
    return out, notes
