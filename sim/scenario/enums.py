"""The scenario's choices as enums: plain ``StrEnum`` values with no pydantic behind them, so
that the allocator and the engine can name a rule without loading the scenario models."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Rule(StrEnum):
    """How the budget left after pledges is spread (``sim.allocate.problem`` has the maths):
    ``proportional`` by share; ``maxmin`` worst-covered first; ``priority`` tier by tier,
    proportional within; ``weighted`` proportional to weight * share (a weight of 2 gets twice
    what a weight of 1 gets; weight 0 gets nothing)."""

    PROPORTIONAL = "proportional"
    MAXMIN = "maxmin"
    PRIORITY = "priority"
    WEIGHTED = "weighted"


class ShareBasis(StrEnum):
    """What a region's share of a proportional split is: its population, its active cases,
    its projected need, or its weight."""

    POPULATION = "population"
    CASES = "cases"
    NEED = "need"
    WEIGHTS = "weights"


class Backend(StrEnum):
    """The allocator: ``vector`` (numpy, the readable reference), ``compiled`` (numba, fast),
    ``lp`` (PuLP + HiGHS, the LP/MIP reference and the home of min_shipment and pallets)."""

    VECTOR = "vector"
    LP = "lp"
    COMPILED = "compiled"


class BudgetKind(StrEnum):
    """What a donor offers on a shipment day, out of its surplus above the reserve."""

    ALL_SURPLUS = "all_surplus"
    SHARE_OF_SURPLUS = "share_of_surplus"
    FIXED_PER_WEEK = "fixed_per_week"
    PLEDGES_ONLY = "pledges_only"


class PledgeDispatch(StrEnum):
    """When a fixed pledge leaves: on its own date (a dated dispatch, as a plane chartered
    for it), or with the next regular shipment on or after that date."""

    ON_DATE = "on_date"
    NEXT_SHIPMENT_DAY = "next_shipment_day"


class Coordination(StrEnum):
    """``independent``: each donor spreads its own offer by the rule and sees only its own
    shipments in flight. ``pooled``: the donors' offers of a good are spread once over the
    regions' joint gaps, and each donor ships its pro-rata part."""

    INDEPENDENT = "independent"
    POOLED = "pooled"


class CargoUnit(StrEnum):
    """What a donor's cargo cap counts: units summed over goods, or kg (each good's mass)."""

    UNITS = "units"
    KG = "kg"


class ThroughputUnit(StrEnum):
    """What a hub's throughput counts: units of any good, or kg (each good's mass)."""

    UNITS = "units"
    KG = "kg"


class Interpolation(StrEnum):
    """Between a schedule's points: hold each value (``step``) or ramp (``linear``)."""

    STEP = "step"
    LINEAR = "linear"


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)
