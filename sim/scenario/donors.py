"""Goods, donors, hubs and exchanges: who gives what, from which supply, by which route.

A scenario names its goods (``[[goods]]``) and its donors (``[[donors]]``), each donor with a
supply of one or more goods. The older single-donor form of a file (``[donor]``,
``[domestic]``, ``[reserve]``, ``[budget]``, ``[shipments]``) is rewritten into one donor of
masks when it is loaded (``sim.scenario.normalise``). Quantities are in units of their good.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.domestic import Domestic
from sim.scenario.enums import CargoUnit, Rule, ThroughputUnit
from sim.scenario.models import (
    MAX_LEAD_DAYS,
    Budget,
    Date,
    Fraction,
    LeadTime,
    Model,
    Need,
    NonNeg,
    Outages,
    Positive,
    Requisition,
    Reserve,
    Schedule,
    Shipments,
    check_increasing,
)

_ID = re.compile(r"[A-Za-z0-9_.-]+")
DEFAULT_GOOD = "masks"


def _check_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError("id: use letters, digits, '_', '-' or '.'")
    return value


class Good(Model):
    """A good and its unit (``masks``, ``kits``, ``tests``, ``suits``...): a kit is not a
    test, so they are two goods. ``mass_kg`` per unit lets a cargo cap be given in kg;
    ``shelf_life_days``: a donor's stock older than that is written off."""

    id: str
    name: str = ""
    unit: str = "units"
    mass_kg: Positive | None = None
    shelf_life_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] | None = None

    @model_validator(mode="after")
    def _id_ok(self) -> Good:
        _check_id(self.id)
        return self


# The good of a scenario that names none (as a file's table: the loader adds it).
MASKS = {"id": DEFAULT_GOOD, "name": "Masks", "unit": "masks"}


class Delivery(Model):
    """Procurement: ``amount`` units delivered into the donor's stock on ``date``."""

    date: Date
    amount: NonNeg


class Supply(Model):
    """A donor's supply of one good: production (capacity x availability less outages, of
    which the government may requisition only part), dated deliveries, initial stock, the
    domestic programme it serves first (ration groups and uses, or a need), and the reserve it
    keeps."""

    good: str = DEFAULT_GOOD
    initial_stock: NonNeg = 0.0
    capacity: Schedule | None = None  # None: nothing produced (a foundation buys)
    availability: Fraction = Field(1.0, description="Share of the capacity schedule made on "
                                   "an average day (stoppages, changeovers, weekends, "
                                   "holidays): where the capacity figures were capacity or "
                                   "weekday figures, capacity x availability = output.",
                                   examples=[0.92], json_schema_extra={"unit": "share (0-1)"})
    procurement: list[Delivery] = []
    outages: Outages = Outages()
    requisition: list[Requisition] = []
    domestic: Domestic | None = None  # ration groups, a set-aside and uses
    domestic_need: Need | None = None  # or a need: constant, schedule or from cases
    reserve: Reserve | None = None  # None: the donor's reserve

    @model_validator(mode="after")
    def _checks(self) -> Supply:
        if self.domestic is not None and self.domestic_need is not None:
            raise ValueError("domestic_need: give domestic (ration groups) or domestic_need, "
                             "not both")
        for name in ("requisition", "procurement"):
            check_increasing(getattr(self, name), name)
        return self


class Donor(Model):
    """A donor: its supplies, the reserve it keeps (days of domestic demand; a supply may set
    its own), what it offers (budget), when it ships and how much fits in a shipment
    (``cargo_cap`` across goods, in ``cargo_cap_unit``), and lead times to regions that differ
    from the regions' own (``lead_times``, by region id)."""

    id: str
    name: str = ""
    supplies: Annotated[list[Supply], Field(min_length=1)]
    reserve: Reserve = Reserve()  # days of each good's domestic demand kept back
    budget: Budget = Budget()
    shipments: Shipments = Shipments()
    cargo_cap_unit: CargoUnit = CargoUnit.UNITS
    lead_times: dict[str, LeadTime] = {}
    # The rule this donor spreads its own offer by when giving independently (None: the
    # scenario's allocation.rule; pooled giving spreads by the scenario's rule).
    rule: Rule | None = None
    # Regions reached through a hub: {region id: hub id}, or one hub id for every region.
    # The transit to the hub is lead_times[hub id] (default: none).
    via: str | dict[str, str] = {}

    @model_validator(mode="after")
    def _checks(self) -> Donor:
        _check_id(self.id)
        goods = [s.good for s in self.supplies]
        for i, g in enumerate(goods):
            if g in goods[:i]:
                raise ValueError(f"supplies[{i}].good: {g!r} is supplied twice")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id

    def hub_for(self, region: str) -> str | None:
        """The hub this donor reaches a region through (None: directly)."""
        return self.via if isinstance(self.via, str) else self.via.get(region)


class Hub(Model):
    """A hub consignments pass through on their way to the regions it serves (Addis Ababa in
    2020): a first-come, first-served queue that handles at most ``throughput_per_day`` a day
    (in ``throughput_unit``), then ``handling_days`` later sends each part on, taking the
    hub's fixed ``lead_times`` (days, by region id) to arrive."""

    id: str
    name: str = ""
    throughput_per_day: Annotated[float, Field(gt=0, le=1e15)]
    throughput_unit: ThroughputUnit = ThroughputUnit.UNITS
    handling_days: Annotated[int, Field(ge=0, le=MAX_LEAD_DAYS)] = 0
    lead_times: dict[str, Annotated[int, Field(ge=0, le=MAX_LEAD_DAYS)]] = {}

    @model_validator(mode="after")
    def _id_ok(self) -> Hub:
        _check_id(self.id)
        return self


class ExchangeSend(Model):
    """What the donor sends to the partner region: ``amount`` on ``date`` (fixed) or
    ``amount_per_week`` from ``start`` to ``end`` (standing), on the donor's shipment days;
    shipped like a pledge (first out of what the donor offers)."""

    good: str = DEFAULT_GOOD
    kind: Literal["fixed", "standing"] = "standing"
    amount: NonNeg | None = None
    date: Date | None = None
    amount_per_week: NonNeg | None = None
    start: Date | None = None
    end: Date | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> ExchangeSend:
        need = (("amount", "date") if self.kind == "fixed"
                else ("amount_per_week", "start", "end"))
        for name in need:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: required when kind = {self.kind!r}")
        if self.kind == "standing" and self.end < self.start:  # type: ignore[operator]
            raise ValueError("end: must not be before start")
        return self


class ExchangeReceive(Model):
    """What comes back into the donor's stock: ``ratio`` units of ``good`` per unit sent, or
    an ``amount`` in all (spread over the sends in proportion), ``lead_time_days`` after each
    send leaves (at least a day: it joins the stock with a day's output)."""

    good: str
    ratio: NonNeg | None = None
    amount: NonNeg | None = None
    lead_time_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] = 1

    @model_validator(mode="after")
    def _one_of(self) -> ExchangeReceive:
        if (self.ratio is None) == (self.amount is None):
            raise ValueError("ratio: give exactly one of ratio and amount")
        return self


class Exchange(Model):
    """Goods for goods: ``donor`` sends to the ``partner`` region and receives back."""

    donor: str
    partner: str  # a region id
    send: ExchangeSend
    receive: ExchangeReceive
    note: str = ""
