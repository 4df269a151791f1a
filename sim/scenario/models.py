"""The parts of a scenario: frozen pydantic models, validated once at the edge.

Quantities are in units of their good (masks, kits, suits...); rates are units a day unless
a name says otherwise. The scenario itself, its donors and goods build on these
(``sim.scenario.scenario``, ``sim.scenario.donors``); loading, the older single-donor form
and overrides live in ``sim.scenario.loading``, ``.normalise`` and ``.overrides``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    field_validator,
    model_validator,
)

from sim.scenario.enums import (
    Backend,
    BudgetKind,
    Interpolation,
    PledgeDispatch,
    Rule,
    ShareBasis,
    Weekday,
)

# Bounds that keep every sum and product of a run finite (float64 ends near 1e308):
# 1e15 units is ten thousand times 2020's world output of masks; 1e10 people is more than
# are alive.
MAX_AMOUNT = 1e15
MAX_POPULATION = 1e10
MAX_LEAD_DAYS = 3650  # ten years: beyond any horizon, and far inside the int32 draws
# A run keeps about ten day x region series (measured: ~80 bytes per day-region in all), so
# 4 million day-regions is ~320 MB: ten years of 1,000 regions, or a century of 100.
MAX_DAY_REGIONS = 4_000_000
# Populations (shares) and pallet sizes are divisors in the allocator: one of 5e-324
# overflowed the quotient. Below a millionth of a person or a unit is rounding noise.
MIN_AMOUNT = 1e-6


def zero_or_not_tiny(x: float) -> float:
    if 0 < x < MIN_AMOUNT:
        raise ValueError(f"must be 0 or at least {MIN_AMOUNT:g}")
    return x


def plus_zero(x: float) -> float:
    """-0.0 as 0.0 (other values as they are): ``ge=0`` lets -0.0 through, and numpy's and
    numba's minimum of 0.0 and -0.0 need not agree, so the engines would differ in a sign."""
    return x + 0.0


NonNeg = Annotated[float, Field(ge=0, le=MAX_AMOUNT), AfterValidator(plus_zero)]
Fraction = Annotated[float, Field(ge=0, le=1), AfterValidator(plus_zero)]
Positive = Annotated[float, Field(gt=0, le=MAX_AMOUNT), AfterValidator(zero_or_not_tiny)]
People = Annotated[float, Field(ge=0, le=MAX_POPULATION), AfterValidator(zero_or_not_tiny),
                   AfterValidator(plus_zero)]
LeadDays = Annotated[float, Field(ge=0, le=MAX_LEAD_DAYS), AfterValidator(plus_zero)]

# Calendar arithmetic runs up to ten years (lead times, planning) past a scenario's dates and
# a year of case history before them; these bounds keep it far inside 0001-9999 (where
# Python's dates end) and cover every record and plausible plan.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


def _in_calendar(day: dt.date) -> dt.date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return day


def _not_a_number(value: object) -> object:
    """pydantic reads a number as seconds since 1970; in a scenario it is a slip."""
    if isinstance(value, int | float):
        raise ValueError(f"expected a date as YYYY-MM-DD, unquoted (2020-03-01), not the "
                         f"number {value}")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number), AfterValidator(_in_calendar)]


def units(name: str) -> dict[str, JsonValue]:
    """A field's unit for the reference and the JSON Schema: ``json_schema_extra=units(..)``."""
    return {"unit": name}


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def check_increasing(entries: Sequence[Any], field: str) -> None:
    """Dated entries (each with a ``date``) must come in strictly increasing order."""
    dates = [e.date for e in entries]
    if any(b <= a for a, b in zip(dates, dates[1:], strict=False)):
        raise ValueError(f"{field}: dates must be strictly increasing")


class Point(Model):
    date: Date = Field(description="The day the value starts to hold.",
                       examples=[dt.date(2020, 3, 1)])
    value: NonNeg = Field(description="The value from that day on (for a capacity or a need: "
                          "units of the good a day).", examples=[1_000_000])


class Schedule(Model):
    """A value by date; ``step`` holds each value until the next point."""

    interpolation: Interpolation = Field(
        Interpolation.STEP, description="Between points: hold each value until the next "
        "(step) or ramp from one to the next (linear).", examples=["linear"])
    points: Annotated[list[Point], Field(
        min_length=1, description="Dated values in increasing date order; before the first "
        "date the first value holds.")]

    @model_validator(mode="after")
    def _increasing(self) -> Schedule:
        check_increasing(self.points, "points")
        return self


class Horizon(Model):
    start: Date = Field(description="The first day simulated.", examples=[dt.date(2020, 3, 1)])
    end: Date = Field(description="The last day simulated (included).",
                      examples=[dt.date(2020, 6, 30)])

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise ValueError("end: must not be before start")
        return self

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1


class Outages(Model):
    """Random production outages: each day one starts with ``daily_probability``; it cuts
    ``severity`` of capacity for a geometric number of days with mean ``mean_duration_days``."""

    daily_probability: Fraction = Field(0.0, description="Chance that an outage starts on a "
                                        "given day.", examples=[0.02],
                                        json_schema_extra=units("share (0-1)"))
    severity: Fraction = Field(0.5, description="Share of capacity an outage cuts.",
                               examples=[0.5], json_schema_extra=units("share (0-1)"))
    mean_duration_days: Annotated[float, Field(
        ge=1, le=MAX_LEAD_DAYS, description="Mean length of an outage (geometric).",
        examples=[3], json_schema_extra=units("days"))] = 1.0


class Requisition(Model):
    """From ``date`` on, the government takes ``share`` of each day's output or at most
    ``amount`` masks a day (give one); the rest of the output leaves the donor's stock for
    the market or exports (reported as ``released``). Before the first entry, and without
    any, it takes everything."""

    date: Date = Field(description="The day this requisition starts.",
                       examples=[dt.date(2020, 2, 6)])
    share: Fraction | None = Field(None, description="Share of each day's output the "
                                   "government takes (give share or amount).", examples=[1.0],
                                   json_schema_extra=units("share (0-1)"))
    amount: NonNeg | None = Field(None, description="At most this much of each day's output is "
                                  "taken (give share or amount).", examples=[6_000_000],
                                  json_schema_extra=units("units of the good a day"))

    @model_validator(mode="after")
    def _one_of(self) -> Requisition:
        if (self.share is None) == (self.amount is None):
            raise ValueError("share: give exactly one of share and amount")
        return self


class Ration(Model):
    """From ``date`` on, each person may buy ``amount`` units every ``per_days`` days."""

    date: Date = Field(description="The day this ration starts.",
                       examples=[dt.date(2020, 3, 5)])
    amount: Annotated[NonNeg, Field(validation_alias=AliasChoices("amount", "masks"),
                                    description="Units a person may buy every per_days days "
                                    "(older name: masks).", examples=[3],
                                    json_schema_extra=units("units per person"))]
    per_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS, description="The ration period.",
                                   examples=[7], json_schema_extra=units("days"))] = 7


class Group(Model):
    """People who buy a ration; ``uptake`` (share of the ration actually bought) overrides
    the domestic default."""

    name: str = Field(description="What the group is called.", examples=["adults"])
    population: People = Field(description="People in the group.", examples=[23_600_000],
                               json_schema_extra=units("people"))
    rations: Annotated[list[Ration], Field(
        min_length=1, description="The ration over time, in increasing date order.")]
    uptake: Fraction | None = Field(None, description="Share of the ration actually bought "
                                    "(default: the domestic uptake).", examples=[0.8],
                                    json_schema_extra=units("share (0-1)"))

    @model_validator(mode="after")
    def _increasing(self) -> Group:
        check_increasing(self.rations, "rations")
        return self

    def schedule(self) -> Schedule:
        """Units per person per day, as a step schedule."""
        # Built from checked fields, not validated again (a derived value needs no check).
        return Schedule.model_construct(points=[
            Point.model_construct(date=r.date, value=r.amount / r.per_days) for r in self.rations
        ])


class Reserve(Model):
    """The stock kept back before anything is given: days of domestic demand."""

    days: LeadDays = Field(0.0, description="Days of domestic demand kept back before "
                           "anything is offered.", examples=[14], json_schema_extra=units("days"))


class Budget(Model):
    """What is offered on a shipment day, out of the surplus above the reserve."""

    kind: BudgetKind = Field(BudgetKind.ALL_SURPLUS, description="all_surplus: everything "
                             "above the reserve; share_of_surplus: a share of it; fixed_per_week:"
                             " an amount a week; pledges_only: only what is pledged.",
                             examples=["share_of_surplus"])
    share: Fraction | None = Field(None, description="The share of the surplus offered (kind = "
                                   "share_of_surplus).", examples=[0.05],
                                   json_schema_extra=units("share (0-1)"))
    amount_per_week: NonNeg | None = Field(None, description="What is offered a week (kind = "
                                           "fixed_per_week).", examples=[1_000_000],
                                           json_schema_extra=units("units of the good a week"))

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Budget:
        if self.kind is BudgetKind.SHARE_OF_SURPLUS and self.share is None:
            raise ValueError("share: required when kind = 'share_of_surplus'")
        if self.kind is BudgetKind.FIXED_PER_WEEK and self.amount_per_week is None:
            raise ValueError("amount_per_week: required when kind = 'fixed_per_week'")
        return self


class Shipments(Model):
    """When a donor ships: on shipment days, every cadence_days days from the first weekday."""

    weekday: Weekday = Field("wednesday", description="The weekday of the first shipment day "
                             "(the first on or after the start).", examples=["friday"])
    cadence_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS, description="Days between "
                                       "shipment days.", examples=[7],
                                       json_schema_extra=units("days"))] = 7
    cargo_cap: NonNeg | None = Field(None, description="The most one shipment day may carry, "
                                     "all goods together, in the donor's cargo_cap_unit (none: "
                                     "no cap).", examples=[150_000],
                                     json_schema_extra=units("units or kg (cargo_cap_unit)"))


class ConstantNeed(Model):
    """The same need every day."""

    kind: Literal["constant"] = Field("constant", description="A constant need.")
    per_day: Annotated[NonNeg, Field(validation_alias=AliasChoices("per_day", "masks_per_day"),
                                     description="Need every day (older name: masks_per_day).",
                                     examples=[1_000_000],
                                     json_schema_extra=units("units of the good a day"))]


class ScheduleNeed(Model):
    """A need that changes by date."""

    kind: Literal["schedule"] = Field("schedule", description="A need by date.")
    schedule: Schedule = Field(description="Need by date.",
                               json_schema_extra=units("units of the good a day"))


class CasesNeed(Model):
    """Need from an OWID-format cases table: ``per_case`` units a day for every case
    reported in the last ``active_days`` days, plus a floor, summed over ``iso_codes``."""

    kind: Literal["cases"] = Field("cases", description="A need from reported cases.")
    table: Path = Field(description="An OWID-format CSV (iso_code, date, new_cases), relative "
                        "to the scenario file.", examples=["data/africa_2020h1.csv"])
    iso_codes: Annotated[list[str], Field(min_length=1, description="The countries whose cases "
                                          "are summed (ISO 3166 alpha-3).",
                                          examples=[["KEN", "UGA"]])]
    per_case: Annotated[NonNeg, Field(validation_alias=AliasChoices("per_case",
                                                                    "masks_per_case"),
                                      description="Need a day for each active case (older "
                                      "name: masks_per_case).", examples=[50],
                                      json_schema_extra=units("units of the good a day per "
                                                             "case"))]
    # A case counts for at most a year: the table is read that far back before the start.
    active_days: Annotated[int, Field(ge=1, le=366, description="Days a reported case counts "
                                      "as active.", examples=[14],
                                      json_schema_extra=units("days"))] = 14
    floor_per_day: Annotated[NonNeg, Field(validation_alias=AliasChoices(
        "floor_per_day", "floor_masks_per_day"), description="Need a day whatever the cases "
        "(older name: floor_masks_per_day).", examples=[10_000],
        json_schema_extra=units("units of the good a day"))] = 0.0
    # Daily new cases by ordinal date, read by sim.scenario.loading; the core never opens files.
    _new_cases: dict[int, float] = PrivateAttr(default_factory=dict)

    @field_validator("table")
    @classmethod
    def _no_nul(cls, table: Path) -> Path:
        if "\x00" in str(table):  # the OS cannot open such a name
            raise ValueError("must not contain a NUL character")
        return table

    @property
    def cases_attached(self) -> bool:
        """Whether the table's cases have been read in (``sim.scenario.validation``)."""
        return bool(self._new_cases)

    def attach_cases(self, by_day: dict[int, float]) -> None:
        """Daily new cases by ordinal date, summed over ``iso_codes``: read once, at load."""
        self._new_cases.update(by_day)

    @property
    def last_case_day(self) -> int | None:
        """The ordinal date of the table's last day (None: no cases read)."""
        return max(self._new_cases, default=None)

    def new_cases_on(self, start: dt.date, n_days: int) -> np.ndarray:
        first = start.toordinal()
        return np.array([self._new_cases.get(first + i, 0.0) for i in range(n_days)])


Need = Annotated[ConstantNeed | ScheduleNeed | CasesNeed, Field(discriminator="kind")]


class FixedLeadTime(Model):
    """Every shipment takes the same number of days."""

    kind: Literal["fixed"] = Field("fixed", description="A fixed transit.")
    days: Annotated[int, Field(ge=0, le=MAX_LEAD_DAYS, description="Days in transit.",
                               examples=[3], json_schema_extra=units("days"))]

    @property
    def planned_days(self) -> int:
        """The transit a shipment is planned for: its planning window starts on landing."""
        return self.days


class TriangularLeadTime(Model):
    """Each shipment's transit drawn from a triangular distribution (rounded to whole days)."""

    kind: Literal["triangular"] = Field("triangular", description="A random transit.")
    min: NonNeg = Field(description="The shortest transit.", examples=[2],
                        json_schema_extra=units("days"))
    mode: NonNeg = Field(description="The most likely transit.", examples=[4],
                         json_schema_extra=units("days"))
    max: LeadDays = Field(description="The longest transit.", examples=[9],
                          json_schema_extra=units("days"))

    @model_validator(mode="after")
    def _ordered(self) -> TriangularLeadTime:
        if not self.min <= self.mode <= self.max:
            raise ValueError("mode: must satisfy min <= mode <= max")
        return self

    @property
    def planned_days(self) -> int:
        """The mean transit, in whole days (rounded half up, as the draws are)."""
        return math.floor((self.min + self.mode + self.max) / 3 + 0.5)


LeadTime = Annotated[FixedLeadTime | TriangularLeadTime, Field(discriminator="kind")]

_ID = re.compile(r"[A-Za-z0-9_.-]+")


class Region(Model):
    """A recipient: what it needs of each good (``needs``, by good id; a good it does not
    need is left out) and how much of it one shipment may bring (``absorption_caps``).
    A file may give ``need`` and ``absorption_cap`` for the first good (``normalise``)."""

    id: str = Field(description="A short id (letters, digits, _ - .), used by pledges, hubs "
                    "and results.", examples=["vnm"])
    name: str = Field("", description="What a reader calls it (default: the id).",
                      examples=["Viet Nam"])
    population: People = Field(0.0, description="People in the region (shares by population).",
                               examples=[97_300_000], json_schema_extra=units("people"))
    needs: dict[str, Need] = Field({}, description="Need by good id; a good it does not need is "
                                   "left out.", examples=[
                                       {"masks": {"kind": "constant", "per_day": 1_000_000}}])
    weight: NonNeg = Field(1.0, description="Weight for the weighted rule or shares = "
                           "'weights' (2 gets twice what 1 gets; 0 nothing).", examples=[2])
    tier: Annotated[int, Field(ge=1, le=1000, description="Priority tier for the priority rule "
                               "(1 is served first).", examples=[1])] = 1
    lead_time: LeadTime = Field(FixedLeadTime(days=0), description="Transit from a donor that "
                                "ships directly (a donor's lead_times or a hub's route "
                                "overrides it).", examples=[{"kind": "fixed", "days": 3}])
    absorption_caps: dict[str, NonNeg] = Field({}, description="By good id: the most one "
                                               "shipment may bring (none: no cap).",
                                               examples=[{"masks": 2_000_000}],
                                               json_schema_extra=units("units of the good"))

    @model_validator(mode="after")
    def _id_ok(self) -> Region:
        if not _ID.fullmatch(self.id):  # match() would let "south\n" through ($)
            raise ValueError("id: use letters, digits, '_', '-' or '.'")
        return self


class FixedPledge(Model):
    """An amount promised to a region for a date."""

    kind: Literal["fixed"] = Field("fixed", description="A dated amount.")
    region: str = Field(description="The region's id.", examples=["vnm"])
    amount: NonNeg = Field(description="What is promised.", examples=[1_000_000],
                           json_schema_extra=units("units of the good"))
    date: Date = Field(description="When it is due (and, with dispatch = on_date, leaves).",
                       examples=[dt.date(2020, 4, 9)])
    dispatch: PledgeDispatch = Field(PledgeDispatch.ON_DATE, description="Leave on the date "
                                     "itself (on_date) or with the next shipment day "
                                     "(next_shipment_day).", examples=["next_shipment_day"])
    # a file may leave donor and good out: the first donor and good (``normalise``)
    donor: str = Field(description="The donor's id (a file may leave it out: the first "
                       "donor).", examples=["japan"])
    good: str = Field(description="The good's id (a file may leave it out: the first good).",
                      examples=["masks"])
    note: str = Field("", description="Where the figure comes from.",
                      examples=["[A6] round 1"])


class StandingPledge(Model):
    """An amount promised to a region every week between two dates."""

    kind: Literal["standing"] = Field("standing", description="An amount a week.")
    region: str = Field(description="The region's id.", examples=["usa"])
    amount_per_week: NonNeg = Field(description="What is promised each week.",
                                    examples=[100_000],
                                    json_schema_extra=units("units of the good a week"))
    start: Date = Field(description="The first week starts here.",
                        examples=[dt.date(2020, 3, 18)])
    end: Date = Field(description="The last day of the promise.",
                      examples=[dt.date(2020, 6, 30)])
    # a file may leave donor and good out: the first donor and good (``normalise``)
    donor: str = Field(description="The donor's id (a file may leave it out: the first "
                       "donor).", examples=["taiwan"])
    good: str = Field(description="The good's id (a file may leave it out: the first good).",
                      examples=["masks"])
    note: str = Field("", description="Where the figure comes from.",
                      examples=["[A7] 100,000 a week"])

    @model_validator(mode="after")
    def _ordered(self) -> StandingPledge:
        if self.end < self.start:
            raise ValueError("end: must not be before start")
        return self


Pledge = Annotated[FixedPledge | StandingPledge, Field(discriminator="kind")]


class Allocation(Model):
    rule: Rule = Field(Rule.PROPORTIONAL, description="How what is left after pledges is "
                       "spread: proportional, maxmin (worst-covered first), priority (by tier) "
                       "or weighted.", examples=["maxmin"])
    shares: ShareBasis = Field(ShareBasis.POPULATION, description="A region's share in a "
                               "proportional split: population, cases, need or weights.",
                               examples=["need"])
    backend: Backend = Field(Backend.VECTOR, description="The allocator: vector, compiled, or "
                             "lp (needed for min_shipment and pallet_size).", examples=["lp"])
    # Need is evaluated this far past the horizon: like lead times, at most ten years.
    planning_horizon_days: Annotated[int, Field(
        ge=1, le=MAX_LEAD_DAYS, description="How far ahead a region's need is counted when "
        "its gap is worked out.", examples=[28], json_schema_extra=units("days"))] = 28
    # LP-only extras (a MIP): each region gets nothing or at least min_shipment,
    # in whole pallets of pallet_size units.
    min_shipment: Positive | None = Field(None, description="Each region gets nothing or at "
                                          "least this (backend = lp).", examples=[50_000],
                                          json_schema_extra=units("units of the good"))
    pallet_size: Positive | None = Field(None, description="Shipments in whole pallets of this "
                                         "many units (backend = lp).", examples=[10_000],
                                         json_schema_extra=units("units of the good"))
    # The MIP's time for one shipment day (per scenario row); stopped there, it ships the
    # best feasible shipments found and warns (sim.allocate.lp.MIPStoppedEarly).
    mip_time_limit_seconds: Annotated[float, Field(
        gt=0, description="Time the MIP may take for one shipment day; then it ships the "
        "best found and warns.", examples=[10], json_schema_extra=units("seconds"))] = 10.0
