"""Dated observations from the record, set beside the model's series in every run.

An observation names a model series by a path (``donor.stock``,
``regions.<id>.delivered.cumulative``...), a date, and what the record says on that date: a
``value`` or a ``range = [lo, hi]`` (a lower or upper bound is a range with a chosen far end).
A figure about a period (a week's average, a month's sales) gives ``from_date`` too: a per-day
series is then averaged over the days from ``from_date`` to ``date``, a cumulative one read as
the change over them.
``kind`` says how firm the record is; ``source`` where it comes from. ``good`` and ``donor``
qualify the series; the scenario checks them against its goods and donors.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Kept apart from sim.scenario.models (which imports this module) to avoid a cycle; the same
# bounds as models.NonNeg: masks, never negative, far inside float64.
MAX_AMOUNT = 1e15
Masks = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]


class ObservationKind(StrEnum):
    """How firm a figure is, as record-2020.md labels it: on record, a plan or promise, or a
    source's own estimate, target or capacity claim."""

    DOCUMENTED = "documented"
    ESTIMATE = "estimate"
    PLEDGED = "pledged"


class Measure(StrEnum):
    """What a series path names; ``{id}`` stands for a region id (a stock series' id in
    ``donor.stock.{id}``). Per-day series are the day's flow; ``cumulative`` ones are summed
    from the start of the horizon through the day; stocks are at the end of the day:
    ``donor.stock`` the donor's own, ``donor.stock.{id}`` that plus what the domestic uses
    counting in stock series ``id`` hold, ``domestic.held`` what all the uses hold.
    ``donor.capacity`` is the capacity schedule as given (before availability and outages);
    ``domestic.sold_per_day`` what the ration groups bought."""

    DONOR_STOCK = "donor.stock"
    DONOR_STOCK_IN = "donor.stock.{id}"
    DONOR_CAPACITY = "donor.capacity"
    DONOR_PRODUCTION = "donor.production"
    DONOR_PRODUCTION_CUMULATIVE = "donor.production.cumulative"
    DONOR_RELEASED = "donor.released"  # output not requisitioned: market or exports
    DOMESTIC_SERVED = "domestic.served_per_day"
    DOMESTIC_DEMAND = "domestic.demand_per_day"
    DOMESTIC_SOLD = "domestic.sold_per_day"
    DOMESTIC_SOLD_CUMULATIVE = "domestic.sold.cumulative"
    DOMESTIC_HELD = "domestic.held"
    DONATED = "donated.cumulative"
    DELIVERED = "delivered.cumulative"
    REGION_DELIVERED = "regions.{id}.delivered.cumulative"
    REGION_SHIPPED = "regions.{id}.shipped.cumulative"


_REGION_PREFIX = "regions."
# Paths whose {id} is a stock series' id, not a region's.
STOCK_SERIES_MEASURES = (Measure.DONOR_STOCK_IN,)


@dataclass(frozen=True)
class SeriesPath:
    measure: Measure
    region: str | None = None
    stock: str | None = None  # the stock series of donor.stock.{id}

    def __str__(self) -> str:
        return self.measure.value.replace("{id}", self.region or self.stock or "")


@functools.lru_cache(maxsize=4096)  # a sweep validates the same few paths thousands of times
def parse_series(text: str) -> SeriesPath:
    """The series a path names, or ValueError listing the paths there are."""
    for m in Measure:
        if "{id}" not in m.value and text == m.value:
            return SeriesPath(m)
        head, _, tail = m.value.partition("{id}")
        # Region ids may hold dots, so the id is what lies between the fixed ends.
        if "{id}" in m.value and text.startswith(head) and text.endswith(tail) and len(
                text) > len(head) + len(tail):
            key = text[len(head):len(text) - len(tail)]
            if m in STOCK_SERIES_MEASURES:
                return SeriesPath(m, stock=key)
            return SeriesPath(m, key)
    raise ValueError(f"unknown series {text!r}; use one of " + ", ".join(
        m.value.replace("{id}", "<stock id>" if m in STOCK_SERIES_MEASURES else "<region id>")
        for m in Measure))


class Observation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    """A dated figure of the record beside a model series."""

    # checked against the horizon by the scenario
    date: dt.date = Field(description="The day the figure is for (inside the horizon).",
                          examples=[dt.date(2020, 4, 30)])
    series: str = Field(description="The model series it is compared with: "
                        + ", ".join(m.value.replace("{id}", "<region id>") for m in Measure)
                        + ".", examples=["donated.cumulative"])
    value: Masks | None = Field(None, description="What the record says (give value or "
                                "range).", examples=[10_000_000],
                                json_schema_extra={"unit": "units of the good"})
    range: tuple[Masks, Masks] | None = Field(None, description="[low, high] where the record "
                                              "gives a range or a bound.",
                                              examples=[[200_000_000, 300_000_000]],
                                              json_schema_extra={"unit": "units of the good"})
    source: Annotated[str, Field(min_length=1, description="Where the figure comes from.",
                                 examples=["[A6] MOFA press release, 1 Apr"])]
    kind: ObservationKind = Field(description="How firm it is: documented, estimate or "
                                  "pledged.", examples=["documented"])
    good: str = Field("masks", description="The good the series counts.", examples=["kits"])
    # the scenario's donor when given; None: the only donor
    donor: str | None = Field(None, description="The donor whose series it is (none: the only "
                              "donor).", examples=["taiwan"])
    # e.g. "calibration" / "holdout": which figures a fit may use
    tags: list[str] = Field([], description="Labels, e.g. calibration or holdout: which figures "
                            "a fit may use.", examples=[["calibration"]])
    note: str = Field("", description="Anything a reader should know about the figure.",
                      examples=["conflicts with [A9]"])
    from_date: dt.date | None = Field(
        None, description="The first day of the period the figure covers (none: the day "
        "itself): a per-day series is averaged over from_date..date, a cumulative one is "
        "read as its change over those days.", examples=[dt.date(2020, 5, 7)])

    @field_validator("series")
    @classmethod
    def _known_path(cls, text: str) -> str:
        parse_series(text)
        return text

    @model_validator(mode="after")
    def _value_or_range(self) -> Observation:
        if (self.value is None) == (self.range is None):
            raise ValueError("value: give exactly one of value and range = [lo, hi]")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range: low end {self.range[0]:g} is above the high end "
                             f"{self.range[1]:g}")
        if self.from_date is not None and self.from_date > self.date:
            raise ValueError(f"from_date: {self.from_date} is after date {self.date}")
        return self

    @property
    def path(self) -> SeriesPath:
        return parse_series(self.series)
