"""Dated observations from the record, set beside the model's series in every run.

An observation names a model series by a path (``donor.stock``,
``regions.<id>.delivered.cumulative``...), a date, and what the record says on that date: a
``value`` or a ``range = [lo, hi]`` (a lower or upper bound is a range with a chosen far end).
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
    """What a series path names; ``{id}`` stands for a region id. Per-day series are the
    day's flow; ``cumulative`` ones are summed from the start of the horizon through the
    day; ``donor.stock`` is the donor's stock at the end of the day."""

    DONOR_STOCK = "donor.stock"
    DONOR_PRODUCTION = "donor.production"
    DONOR_RELEASED = "donor.released"  # output not requisitioned: market or exports
    DOMESTIC_SERVED = "domestic.served_per_day"
    DOMESTIC_DEMAND = "domestic.demand_per_day"
    DONATED = "donated.cumulative"
    DELIVERED = "delivered.cumulative"
    REGION_DELIVERED = "regions.{id}.delivered.cumulative"
    REGION_SHIPPED = "regions.{id}.shipped.cumulative"


_REGION_PREFIX = "regions."


@dataclass(frozen=True)
class SeriesPath:
    measure: Measure
    region: str | None = None

    def __str__(self) -> str:
        return self.measure.value.replace("{id}", self.region or "")


@functools.lru_cache(maxsize=4096)  # a sweep validates the same few paths thousands of times
def parse_series(text: str) -> SeriesPath:
    """The series a path names, or ValueError listing the paths there are."""
    for m in Measure:
        if "{id}" not in m.value and text == m.value:
            return SeriesPath(m)
        head, _, tail = m.value.partition("{id}")
        # Region ids may hold dots, so the id is what lies between the fixed ends.
        if tail and text.startswith(head) and text.endswith(tail) and len(text) > len(
                head) + len(tail):
            return SeriesPath(m, text[len(head):-len(tail)])
    raise ValueError(f"unknown series {text!r}; use one of "
                     + ", ".join(m.value.replace("{id}", "<region id>") for m in Measure))


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
        return self

    @property
    def path(self) -> SeriesPath:
        return parse_series(self.series)
