"""Goods, donors, hubs and exchanges: who gives what, from which supply, by which route.

A scenario names its goods (``[[goods]]``) and its donors (``[[donors]]``), each donor with a
supply of one or more goods. The older single-donor form of a file (``[donor]``,
``[domestic]``, ``[reserve]``, ``[budget]``, ``[shipments]``) is rewritten into one donor of
masks when it is loaded (``sim.scenario.normalise``). Quantities are in units of their good.
"""

from __future__ import annotations

import datetime as dt
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
    units,
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

    id: str = Field(description="A short id (letters, digits, _ - .) that supplies, needs and "
                    "pledges name.", examples=["kits"])
    name: str = Field("", description="What a reader calls it (default: the id).",
                      examples=["PCR test kits"])
    unit: str = Field("units", description="What one unit is, for every quantity of this good.",
                      examples=["kits"])
    mass_kg: Positive | None = Field(None, description="Mass of one unit (needed for a cargo cap "
                                     "or hub throughput in kg).", examples=[0.5],
                                     json_schema_extra=units("kg per unit"))
    shelf_life_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] | None = Field(
        None, description="A donor's stock older than this is written off (none: it keeps).",
        examples=[365], json_schema_extra=units("days"))

    @model_validator(mode="after")
    def _id_ok(self) -> Good:
        _check_id(self.id)
        return self


# The good of a scenario that names none (as a file's table: the loader adds it).
MASKS = {"id": DEFAULT_GOOD, "name": "Masks", "unit": "masks"}


class Delivery(Model):
    """Procurement: ``amount`` units delivered into the donor's stock on ``date``."""

    date: Date = Field(description="The day it arrives in the donor's stock.",
                       examples=[dt.date(2020, 3, 21)])
    amount: NonNeg = Field(description="What arrives.", examples=[5_400_000],
                           json_schema_extra=units("units of the good"))


class Supply(Model):
    """A donor's supply of one good: production (capacity x availability less outages, of
    which the government may requisition only part), dated deliveries, initial stock, the
    domestic programme it serves first (ration groups and uses, or a need), and the reserve it
    keeps."""

    good: str = Field(DEFAULT_GOOD, description="The good's id.", examples=["kits"])
    initial_stock: NonNeg = Field(0.0, description="Stock on the first day.",
                                  examples=[2_000_000],
                                  json_schema_extra=units("units of the good"))
    capacity: Schedule | None = Field(None, description="Production a day by date (none: "
                                      "nothing is made; a foundation buys).", examples=[
                                          {"points": [{"date": dt.date(2020, 3, 1),
                                                       "value": 1_000_000}]}],
                                      json_schema_extra=units("units of the good a day"))
    availability: Fraction = Field(1.0, description="Share of the capacity schedule made on "
                                   "an average day (stoppages, changeovers, weekends, "
                                   "holidays): where the capacity figures were capacity or "
                                   "weekday figures, capacity x availability = output.",
                                   examples=[0.92], json_schema_extra=units("share (0-1)"))
    procurement: list[Delivery] = Field([], description="Dated deliveries into stock, in "
                                        "increasing date order.", examples=[
                                            [{"date": dt.date(2020, 3, 21), "amount": 500_000}]])
    outages: Outages = Field(Outages(), description="Random production outages.",
                             examples=[{"daily_probability": 0.02, "severity": 0.5}])
    requisition: list[Requisition] = Field([], description="What the government takes of the "
                                           "output, by date (none: everything).", examples=[
                                               [{"date": dt.date(2020, 2, 6), "share": 1.0}]])
    domestic: Domestic | None = Field(None, description="The domestic programme served first: "
                                      "ration groups, a set-aside and uses.", examples=[
                                          {"uptake": 0.8, "groups": [
                                              {"name": "residents", "population": 1_000_000,
                                               "rations": [{"date": dt.date(2020, 3, 1),
                                                            "amount": 3, "per_days": 7}]}]}])
    domestic_need: Need | None = Field(None, description="Or the domestic need as a need "
                                       "(constant, schedule or from cases).", examples=[
                                           {"kind": "constant", "per_day": 20_000}])
    reserve: Reserve | None = Field(None, description="This good's reserve (none: the donor's).",
                                    examples=[{"days": 14}])

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

    id: str = Field(description="A short id (letters, digits, _ - .) that pledges and "
                    "exchanges name.", examples=["japan"])
    name: str = Field("", description="What a reader calls it (default: the id).",
                      examples=["Japan"])
    supplies: Annotated[list[Supply], Field(
        min_length=1, description="One supply per good the donor gives.",
        examples=[[{"good": "masks", "initial_stock": 2_000_000}]])]
    reserve: Reserve = Field(Reserve(), description="Days of each good's domestic demand kept "
                             "back (a supply may set its own).", examples=[{"days": 14}])
    budget: Budget = Field(Budget(), description="What is offered on a shipment day.",
                           examples=[{"kind": "share_of_surplus", "share": 0.1}])
    shipments: Shipments = Field(Shipments(), description="When the donor ships, and how much "
                                 "fits.", examples=[{"weekday": "friday", "cadence_days": 7}])
    cargo_cap_unit: CargoUnit = Field(CargoUnit.UNITS, description="What shipments.cargo_cap "
                                      "counts: units (all goods summed) or kg.", examples=["kg"])
    lead_times: dict[str, LeadTime] = Field({}, description="Transit by region or hub id, where "
                                            "it differs from the region's own lead_time.",
                                            examples=[{"sg": {"kind": "fixed", "days": 2}}])
    # The rule this donor spreads its own offer by when giving independently (None: the
    # scenario's allocation.rule; pooled giving spreads by the scenario's rule).
    rule: Rule | None = Field(None, description="The rule for this donor's own offer when "
                              "giving independently (none: allocation.rule).",
                              examples=["maxmin"])
    # Regions reached through a hub: {region id: hub id}, or one hub id for every region.
    # The transit to the hub is lead_times[hub id] (default: none).
    via: str | dict[str, str] = Field({}, description="Regions reached through a hub: one hub id "
                                      "for every region, or a table of region id -> hub id. The "
                                      "leg to the hub takes lead_times[hub id] (0 days if not "
                                      "given).", examples=["sg"])

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

    id: str = Field(description="A short id (letters, digits, _ - .) that donors' via names.",
                    examples=["sg"])
    name: str = Field("", description="What a reader calls it (default: the id).",
                      examples=["Singapore (Changi)"])
    throughput_per_day: Annotated[float, Field(
        gt=0, le=1e15, description="The most the hub handles a day, in throughput_unit.",
        examples=[1_000_000], json_schema_extra=units("units or kg a day (throughput_unit)"))]
    throughput_unit: ThroughputUnit = Field(ThroughputUnit.UNITS, description="What the "
                                            "throughput counts: units of any good, or kg.",
                                            examples=["kg"])
    handling_days: Annotated[int, Field(ge=0, le=MAX_LEAD_DAYS, description="Days between "
                                        "being handled and leaving for the region.",
                                        examples=[1], json_schema_extra=units("days"))] = 0
    lead_times: dict[str, Annotated[int, Field(ge=0, le=MAX_LEAD_DAYS)]] = Field(
        {}, description="Onward days from the hub, by region id: required for every region a "
        "donor routes through the hub (0 for a region at the hub).",
        examples=[{"vnm": 2, "phl": 3}], json_schema_extra=units("days"))

    @model_validator(mode="after")
    def _id_ok(self) -> Hub:
        _check_id(self.id)
        return self


class ExchangeSend(Model):
    """What the donor sends to the partner region: ``amount`` on ``date`` (fixed) or
    ``amount_per_week`` from ``start`` to ``end`` (standing), on the donor's shipment days;
    shipped like a pledge (first out of what the donor offers)."""

    good: str = Field(DEFAULT_GOOD, description="The good sent.", examples=["masks"])
    kind: Literal["fixed", "standing"] = Field("standing", description="fixed: an amount on a "
                                               "date; standing: an amount a week.",
                                               examples=["fixed"])
    amount: NonNeg | None = Field(None, description="What is sent (kind = fixed).",
                                  examples=[1_000_000],
                                  json_schema_extra=units("units of the good"))
    date: Date | None = Field(None, description="When it is sent (kind = fixed).",
                              examples=[dt.date(2020, 4, 1)])
    amount_per_week: NonNeg | None = Field(None, description="What is sent a week (kind = "
                                           "standing).", examples=[100_000],
                                           json_schema_extra=units("units of the good a week"))
    start: Date | None = Field(None, description="The first day of sending (kind = standing).",
                               examples=[dt.date(2020, 3, 18)])
    end: Date | None = Field(None, description="The last day of sending (kind = standing).",
                             examples=[dt.date(2020, 6, 30)])

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

    good: str = Field(description="The good received (the donor must have a supply of it).",
                      examples=["suits"])
    ratio: NonNeg | None = Field(None, description="Units received per unit sent (give ratio or "
                                 "amount).", examples=[0.5])
    amount: NonNeg | None = Field(None, description="Units received in all, spread over the "
                                  "sends (give ratio or amount).", examples=[300_000],
                                  json_schema_extra=units("units of the good"))
    lead_time_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS, description="Days from a "
                                         "send leaving to its return arriving.", examples=[14],
                                         json_schema_extra=units("days"))] = 1

    @model_validator(mode="after")
    def _one_of(self) -> ExchangeReceive:
        if (self.ratio is None) == (self.amount is None):
            raise ValueError("ratio: give exactly one of ratio and amount")
        return self


class Exchange(Model):
    """Goods for goods: ``donor`` sends to the ``partner`` region and receives back."""

    donor: str = Field(description="The donor's id.", examples=["taiwan"])
    partner: str = Field(description="The partner's region id.", examples=["usa"])
    send: ExchangeSend = Field(description="What the donor sends.", examples=[
        {"good": "masks", "kind": "standing", "amount_per_week": 100_000,
         "start": dt.date(2020, 3, 18), "end": dt.date(2020, 6, 30)}])
    receive: ExchangeReceive = Field(description="What comes back.", examples=[
        {"good": "suits", "amount": 300_000, "lead_time_days": 14}])
    note: str = Field("", description="Where the figures come from.", examples=["[A7]"])
