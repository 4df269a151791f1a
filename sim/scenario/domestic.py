"""A supply's domestic programme: rationed groups and the other uses it serves first.

What a donor's supply of a good is asked for at home, day by day, before anything is given:

* the **ration groups** buy ``population x ration x uptake`` a day, where the uptake may follow
  a profile by date (a new quota's rush, then a settling) and what is sold may be capped by
  what the ration outlets are supplied with (``ration_supply``);
* a **set-aside**, units a day for frontline services (the older, unnamed form of a use);
* named **uses** (medical institutions, agencies, schools, the military...): each with a rate
  it consumes a day, one-off allotments into its own stock (a backup stock), and a stock target
  of so many days of cover, topped up on the date it was ordered and as the rate rises.

Everything here is known before the run (``sim.engine.channels.programme`` turns it into daily
series): what a use holds is what it was issued less what it used. Uses name the stock series
that count what they hold beside the donor's own stock (``counts_in``): a record that counts
"the stock at medical institutions and at the centre" is the donor's stock plus the stock of
the uses that count in it (observations ``donor.stock.<id>``, ``sim.results.observations``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.models import (
    MAX_LEAD_DAYS,
    Date,
    Fraction,
    Group,
    Model,
    NonNeg,
    Schedule,
    check_increasing,
    units,
)

_ID = re.compile(r"[A-Za-z0-9_.-]+")
_ID_RULE = "letters, digits, '_', '-' or '.'"


_UNITS_A_DAY = units("units of the good a day")


class RationSupply(Model):
    """From ``date`` on, the ration outlets are supplied ``per_day`` units a day: the most
    the ration groups can buy that day. Without ``per_day`` the cap is lifted."""

    date: Date = Field(description="The first day this supply holds.",
                       examples=[dt.date(2020, 2, 20)])
    per_day: NonNeg | None = Field(None, description="Units a day the ration outlets get, the "
                                   "most the groups can buy that day (none: no cap from this "
                                   "date).", examples=[3_960_000], json_schema_extra=_UNITS_A_DAY)


class Allotment(Model):
    """A one-off issue into a use's own stock: ``amount`` units, in equal parts over ``days``
    days from ``date`` (a backup stock delivered over a week, a first allocation)."""

    date: Date = Field(description="The first day of the issue.",
                       examples=[dt.date(2020, 2, 17)])
    amount: NonNeg = Field(description="Units issued in all.", examples=[6_450_000],
                           json_schema_extra=units("units of the good"))
    days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] = Field(
        1, description="Days the issue is spread over, in equal parts.", examples=[9],
        json_schema_extra=units("days"))


class StockTarget(Model):
    """From ``date`` on, the use keeps ``days`` days of a rate in its own stock: of
    ``per_day`` when given (a stock kept for a rate served as another use, say hospitals'
    safety stock of what the medical institutions use), else of the use's own rate that day
    (the stock then follows the rate). The top-up is issued on the day it is needed."""

    date: Date = Field(description="The day the target is set (the top-up is issued then).",
                       examples=[dt.date(2020, 3, 3)])
    days: Annotated[float, Field(ge=0, le=MAX_LEAD_DAYS)] = Field(
        description="Days of cover to hold.", examples=[30], json_schema_extra=units("days"))
    per_day: NonNeg | None = Field(None, description="The rate the days are of (none: the use's "
                                   "own per_day that day).", examples=[116_000],
                                   json_schema_extra=_UNITS_A_DAY)


class Use(Model):
    """A named use of the supply at home besides the ration groups. Each day it is issued
    what it uses (``per_day``), its allotments, and the top-up its stock target needs; it
    draws its daily use from what it holds above the target before asking for more. What it
    holds (issued, not yet used) counts in the stock series named in ``counts_in``."""

    id: str = Field(description=f"A short id ({_ID_RULE}) the stock series and the results "
                    "name.", examples=["medical"])
    name: str = Field("", description="What a reader calls it (default: the id).",
                      examples=["Medical institutions"])
    per_day: Schedule | None = Field(
        None, description="Units it uses a day, by date. Like every schedule it holds its "
        "first value before its first date: begin with a 0 to start later.",
        examples=[{"interpolation": "step", "points": [
            {"date": dt.date(2020, 2, 11), "value": 1_700_000}]}],
        json_schema_extra=_UNITS_A_DAY)
    allotments: list[Allotment] = Field([], description="One-off issues into its own stock, "
                                        "in increasing date order.", examples=[
                                            [{"date": dt.date(2020, 2, 17),
                                              "amount": 6_450_000, "days": 9}]])
    stock_target: list[StockTarget] = Field([], description="Days of cover it keeps from each "
                                            "date, in increasing date order.", examples=[
                                                [{"date": dt.date(2020, 3, 3), "days": 30}]])
    counts_in: list[str] = Field([], description="Ids of the stock series that count what it "
                                 "holds beside the donor's own stock (observations name them "
                                 "donor.stock.<id>).", examples=[["war_reserve", "inventory"]])
    source: str = Field("", description="Where its figures come from.",
                        examples=["Taipei Times, 11 Feb 2020"])
    note: str = Field("", description="Anything a reader should know (assumptions).",
                      examples=["ASSUMPTION: the rate continues after March"])

    @model_validator(mode="after")
    def _checks(self) -> Use:
        for value, field in ((self.id, "id"), *((c, "counts_in") for c in self.counts_in)):
            if not _ID.fullmatch(value):
                raise ValueError(f"{field}: use {_ID_RULE} (got {value!r})")
        if len(set(self.counts_in)) != len(self.counts_in):
            raise ValueError("counts_in: a stock series is named twice")
        check_increasing(self.allotments, "allotments")
        check_increasing(self.stock_target, "stock_target")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id


class Domestic(Model):
    """Domestic demand a day = what the ration groups buy (population x ration x uptake,
    times the uptake profile, at most the ration outlets' supply) + the set-aside + what each
    use is issued (its daily use, allotments and stock top-ups)."""

    groups: Annotated[list[Group], Field(min_length=1, description="The people served, each "
                                         "group with its ration.")]
    uptake: Fraction = Field(1.0, description="Share of the ration people actually buy.",
                             examples=[0.8], json_schema_extra=units("share (0-1)"))
    uptake_profile: Schedule | None = Field(
        None, description="The uptake by date as a multiple of uptake (and of a group's own): "
        "1 is the uptake itself. Buying that is not constant: a new quota's first weeks, "
        "then a settling. May exceed 1/uptake for a spell (a quota's purchases front-loaded).",
        examples=[{"interpolation": "linear", "points": [
            {"date": dt.date(2020, 4, 9), "value": 2.0},
            {"date": dt.date(2020, 5, 9), "value": 1.0}]}],
        json_schema_extra=units("multiple of uptake"))
    ration_supply: list[RationSupply] = Field(
        [], description="What the ration outlets are supplied a day from each date: the most "
        "the groups can buy that day (before the first date, and without entries: no cap).",
        examples=[[{"date": dt.date(2020, 2, 20), "per_day": 3_960_000},
                   {"date": dt.date(2020, 4, 9)}]])
    set_aside: Schedule | None = Field(None, description="Units a day kept for hospitals and "
                                       "frontline services, on top of the rations (an unnamed "
                                       "use; uses say more).",
                                       json_schema_extra=_UNITS_A_DAY)
    uses: list[Use] = Field([], description="Named uses besides the rations: rates, one-off "
                            "allotments and stock targets, each dated.", examples=[[
                                {"id": "schools", "allotments": [
                                    {"date": dt.date(2020, 2, 17), "amount": 6_450_000}]}]])

    @model_validator(mode="after")
    def _checks(self) -> Domestic:
        check_increasing(self.ration_supply, "ration_supply")
        ids = [u.id for u in self.uses]
        for i, uid in enumerate(ids):
            if uid in ids[:i]:
                raise ValueError(f"uses[{i}].id: duplicate id {uid!r}")
        return self

    @property
    def stock_series(self) -> list[str]:
        """The stock series its uses count in, in the order first named."""
        return list(dict.fromkeys(s for u in self.uses for s in u.counts_in))
