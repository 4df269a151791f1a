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
    ConfigDict,
    Field,
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


def _zero_or_not_tiny(x: float) -> float:
    if 0 < x < MIN_AMOUNT:
        raise ValueError(f"must be 0 or at least {MIN_AMOUNT:g}")
    return x


def plus_zero(x: float) -> float:
    """-0.0 as 0.0 (other values as they are): ``ge=0`` lets -0.0 through, and numpy's and
    numba's minimum of 0.0 and -0.0 need not agree, so the engines would differ in a sign."""
    return x + 0.0


NonNeg = Annotated[float, Field(ge=0, le=MAX_AMOUNT), AfterValidator(plus_zero)]
Fraction = Annotated[float, Field(ge=0, le=1), AfterValidator(plus_zero)]
Positive = Annotated[float, Field(gt=0, le=MAX_AMOUNT), AfterValidator(_zero_or_not_tiny)]
People = Annotated[float, Field(ge=0, le=MAX_POPULATION), AfterValidator(_zero_or_not_tiny),
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


Date = Annotated[dt.date, AfterValidator(_in_calendar)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def check_increasing(entries: Sequence[Any], field: str) -> None:
    """Dated entries (each with a ``date``) must come in strictly increasing order."""
    dates = [e.date for e in entries]
    if any(b <= a for a, b in zip(dates, dates[1:], strict=False)):
        raise ValueError(f"{field}: dates must be strictly increasing")


class Point(Model):
    date: Date
    value: NonNeg


class Schedule(Model):
    """A value by date; ``step`` holds each value until the next point."""

    interpolation: Interpolation = Interpolation.STEP
    points: Annotated[list[Point], Field(min_length=1)]

    @model_validator(mode="after")
    def _increasing(self) -> Schedule:
        check_increasing(self.points, "points")
        return self


class Horizon(Model):
    start: Date
    end: Date

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

    daily_probability: Fraction = 0.0
    severity: Fraction = 0.5
    mean_duration_days: Annotated[float, Field(ge=1, le=MAX_LEAD_DAYS)] = 1.0


class Requisition(Model):
    """From ``date`` on, the government takes ``share`` of each day's output or at most
    ``amount`` masks a day (give one); the rest of the output leaves the donor's stock for
    the market or exports (reported as ``released``). Before the first entry, and without
    any, it takes everything."""

    date: Date
    share: Fraction | None = None
    amount: NonNeg | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Requisition:
        if (self.share is None) == (self.amount is None):
            raise ValueError("share: give exactly one of share and amount")
        return self


class Ration(Model):
    """From ``date`` on, each person may buy ``amount`` units every ``per_days`` days."""

    date: Date
    amount: Annotated[NonNeg, Field(validation_alias=AliasChoices("amount", "masks"))]
    per_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] = 7


class Group(Model):
    """People who buy a ration; ``uptake`` (share of the ration actually bought) overrides
    the domestic default."""

    name: str
    population: People
    rations: Annotated[list[Ration], Field(min_length=1)]
    uptake: Fraction | None = None

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
    days: LeadDays = 0.0


class Budget(Model):
    """What is offered on a shipment day, out of the surplus above the reserve."""

    kind: BudgetKind = BudgetKind.ALL_SURPLUS
    share: Fraction | None = None
    amount_per_week: NonNeg | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Budget:
        if self.kind is BudgetKind.SHARE_OF_SURPLUS and self.share is None:
            raise ValueError("share: required when kind = 'share_of_surplus'")
        if self.kind is BudgetKind.FIXED_PER_WEEK and self.amount_per_week is None:
            raise ValueError("amount_per_week: required when kind = 'fixed_per_week'")
        return self


class Shipments(Model):
    weekday: Weekday = "wednesday"
    cadence_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] = 7
    cargo_cap: NonNeg | None = None


class ConstantNeed(Model):
    kind: Literal["constant"] = "constant"
    per_day: Annotated[NonNeg, Field(validation_alias=AliasChoices("per_day", "masks_per_day"))]


class ScheduleNeed(Model):
    kind: Literal["schedule"] = "schedule"
    schedule: Schedule


class CasesNeed(Model):
    """Need from an OWID-format cases table: ``per_case`` units a day for every case
    reported in the last ``active_days`` days, plus a floor, summed over ``iso_codes``."""

    kind: Literal["cases"] = "cases"
    table: Path
    iso_codes: Annotated[list[str], Field(min_length=1)]
    per_case: Annotated[NonNeg, Field(validation_alias=AliasChoices("per_case",
                                                                    "masks_per_case"))]
    # A case counts for at most a year: the table is read that far back before the start.
    active_days: Annotated[int, Field(ge=1, le=366)] = 14
    floor_per_day: Annotated[NonNeg, Field(validation_alias=AliasChoices(
        "floor_per_day", "floor_masks_per_day"))] = 0.0
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
    kind: Literal["fixed"] = "fixed"
    days: Annotated[int, Field(ge=0, le=MAX_LEAD_DAYS)]

    @property
    def planned_days(self) -> int:
        """The transit a shipment is planned for: its planning window starts on landing."""
        return self.days


class TriangularLeadTime(Model):
    kind: Literal["triangular"] = "triangular"
    min: NonNeg
    mode: NonNeg
    max: LeadDays

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

    id: str
    name: str = ""
    population: People = 0.0
    needs: dict[str, Need] = {}
    weight: NonNeg = 1.0
    tier: Annotated[int, Field(ge=1, le=1000)] = 1
    lead_time: LeadTime = FixedLeadTime(days=0)
    absorption_caps: dict[str, NonNeg] = {}

    @model_validator(mode="after")
    def _id_ok(self) -> Region:
        if not _ID.fullmatch(self.id):  # match() would let "south\n" through ($)
            raise ValueError("id: use letters, digits, '_', '-' or '.'")
        return self


class FixedPledge(Model):
    kind: Literal["fixed"] = "fixed"
    region: str
    amount: NonNeg
    date: Date
    dispatch: PledgeDispatch = PledgeDispatch.ON_DATE
    donor: str  # a file may leave it out: the first donor (``normalise``)
    good: str  # a file may leave it out: the first good
    note: str = ""


class StandingPledge(Model):
    kind: Literal["standing"] = "standing"
    region: str
    amount_per_week: NonNeg
    start: Date
    end: Date
    donor: str  # a file may leave it out: the first donor (``normalise``)
    good: str  # a file may leave it out: the first good
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> StandingPledge:
        if self.end < self.start:
            raise ValueError("end: must not be before start")
        return self


Pledge = Annotated[FixedPledge | StandingPledge, Field(discriminator="kind")]


class Allocation(Model):
    rule: Rule = Rule.PROPORTIONAL
    shares: ShareBasis = ShareBasis.POPULATION
    backend: Backend = Backend.VECTOR
    # Need is evaluated this far past the horizon: like lead times, at most ten years.
    planning_horizon_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] = 28
    # LP-only extras (a MIP): each region gets nothing or at least min_shipment,
    # in whole pallets of pallet_size units.
    min_shipment: Positive | None = None
    pallet_size: Positive | None = None
    # The MIP's time for one shipment day (per scenario row); stopped there, it ships the
    # best feasible shipments found and warns (sim.allocate.lp.MIPStoppedEarly).
    mip_time_limit_seconds: Annotated[float, Field(gt=0)] = 10.0
