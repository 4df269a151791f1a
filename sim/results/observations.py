"""The record beside the model: each observation's series read on its date, and the error.

Pure: works on a run's day-by-day series (the engine's ``Series`` of one scenario, or a result
folder's columns, which carry the same names), reads no files and draws nothing.

A run with several goods or donors keeps its series per channel (a donor's supply of a good)
and per good: an observation's ``good`` and ``donor`` choose the rows read (``select``). A
donor's series (stock, production, domestic, donated and delivered in all) is that donor's
channel of the good, or the sum over the good's donors when ``donor`` is not given. A region's
series is the good's: what every donor of it delivered, or, for what was shipped and
delivered when ``donor`` is given, what that donor's channel sent.

The error is model - record, in masks: positive when the model is above the record. For a
range it is 0 inside the range, else the distance to the nearest end (signed the same way).
The relative error divides by the record value (for a range, the end nearest the model);
it is null where that is 0 or where the model has no value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.runner import Result
from sim.engine.state import GOOD_REGION_SERIES
from sim.scenario.observations import Measure, Observation, SeriesPath
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]

# Measure -> (donor or region series, whether summed through the day): the names are those
# of sim.engine.state.DONOR_SERIES / REGION_SERIES and of daily.parquet / regions.parquet.
_SOURCE: dict[Measure, tuple[str, bool]] = {
    Measure.DONOR_STOCK: ("stock", False),
    Measure.DONOR_PRODUCTION: ("production", False),
    Measure.DONOR_RELEASED: ("released", False),
    Measure.DOMESTIC_SERVED: ("domestic_served", False),
    Measure.DOMESTIC_DEMAND: ("domestic_demand", False),
    Measure.DONATED: ("shipped", True),
    Measure.DELIVERED: ("arrived", True),
    Measure.REGION_DELIVERED: ("arrived", True),
    Measure.REGION_SHIPPED: ("shipped", True),
}


@dataclass(frozen=True)
class SeriesRows:
    """Which rows of a run's series belong to which good and donor (one scenario)."""

    good_ids: Sequence[str]
    donor_ids: Sequence[str]
    donor_names: Sequence[str]  # an observation may name a donor by id or by name
    channel_good: Sequence[int]  # (C,) index into good_ids
    channel_donor: Sequence[int]  # (C,) index into donor_ids

    @classmethod
    def of(cls, result: Result) -> SeriesRows:
        plan = result.run.plan
        return cls(plan.good_ids, plan.donor_ids,
                   [d.label for d in result.scenario.donors],
                   [int(g) for g in plan.channel_good], [int(d) for d in plan.channel_donor])

    def channels(self, observation: Observation, by_donor: bool = True) -> list[int]:
        """The channel rows of the observation's good: its donor's, when it names one and
        ``by_donor``, else all of them (in channel order)."""
        g = list(self.good_ids).index(observation.good)
        donor = observation.donor if by_donor else None
        d = None
        if donor is not None:
            d = (list(self.donor_ids).index(donor) if donor in self.donor_ids
                 else list(self.donor_names).index(donor))
        return [c for c, (cg, cd) in enumerate(zip(self.channel_good, self.channel_donor,
                                                     strict=True))
                if cg == g and (d is None or cd == d)]


def _rows_sum(values: Array, rows: Sequence[int]) -> Array:
    """The given rows of ``values`` summed, in order (one row: itself; none: zeros)."""
    if len(rows) == 1:
        one: Array = np.asarray(values[rows[0]], dtype=np.float64)
        return one
    out = np.zeros(values.shape[1:])
    for r in rows:
        out += values[r]
    return out


def select(observation: Observation, donor: Mapping[str, Array], region: Mapping[str, Array],
           rows: SeriesRows) -> tuple[dict[str, Array], dict[str, Array]]:
    """The series one observation reads, as the (T,) and (T, R) arrays ``series_values``
    takes, from a run's series per channel row (C, T), (C, T, R) or good row (G, T, R)."""
    path = observation.path
    name, _ = _SOURCE[path.measure]
    chans = rows.channels(observation)
    if path.measure not in (Measure.DONATED, Measure.DELIVERED) and path.region is None:
        return {name: _rows_sum(np.asarray(donor[name]), chans)}, {}
    if name in GOOD_REGION_SERIES:  # what the regions need, use and hold: the good's row
        good = list(rows.good_ids).index(observation.good)
        return {}, {name: np.asarray(region[name][good], dtype=np.float64)}
    return {}, {name: _rows_sum(np.asarray(region[name]), chans)}


def series_values(path: SeriesPath, donor: Mapping[str, Array], region: Mapping[str, Array],
                  region_ids: Sequence[str]) -> Array:
    """The series a path names, one value a day (T,). ``donor`` holds (T,) arrays and
    ``region`` (T, R) ones, regions in ``region_ids`` order."""
    name, cumulative = _SOURCE[path.measure]
    if path.measure in (Measure.DONATED, Measure.DELIVERED):
        daily = np.asarray(region[name], dtype=np.float64).sum(axis=1)
    elif path.region is not None:
        daily = np.asarray(region[name], dtype=np.float64)[:, list(region_ids).index(path.region)]
    else:
        daily = np.asarray(donor[name], dtype=np.float64)
    out: Array = np.cumsum(daily) if cumulative else daily
    return out


def error(model: float | None, observation: Observation) -> tuple[float | None, float | None]:
    """(model - record, that over the record value) for one observation; None where undefined."""
    if model is None:
        return None, None
    if observation.range is not None:
        lo, hi = observation.range
        ref = lo if model < lo else hi if model > hi else model
        diff = 0.0 if lo <= model <= hi else model - ref
    else:
        assert observation.value is not None  # one of the two, by validation
        ref = observation.value
        diff = model - ref
    return diff, (diff / ref if ref != 0 else (0.0 if diff == 0 else None))


def compare(observations: Sequence[Observation], start: dt.date, donor: Mapping[str, Array],
            region: Mapping[str, Array], region_ids: Sequence[str],
            rows: SeriesRows | None = None) -> list[dict[str, Any]]:
    """Each observation as plain JSON values, with the model's value and the error. Without
    ``rows``, ``donor`` and ``region`` are one donor's (T,) and (T, R) series; with them,
    a run's series by row, from which each observation ``select``s its own."""
    out = []
    for o in observations:
        if rows is None:
            values = series_values(o.path, donor, region, region_ids)
        else:
            values = series_values(o.path, *select(o, donor, region, rows), region_ids)
        t = (o.date - start).days
        model = float(values[t]) if 0 <= t < len(values) else None
        model = model if model is not None and np.isfinite(model) else None
        diff, rel = error(model, o)
        out.append({
            "date": o.date.isoformat(), "series": o.series, "good": o.good, "donor": o.donor,
            "kind": o.kind.value, "value": o.value,
            "range": list(o.range) if o.range is not None else None,
            "source": o.source, "tags": list(o.tags), "note": o.note,
            "model": model, "error": diff, "relative_error": rel,
        })
    return out


def compare_run(result: Result) -> list[dict[str, Any]]:
    """``compare`` on a single run's series (B = 1), each observation on its good's and
    donor's rows; model values are null when the run kept no series."""
    scenario: Scenario = result.scenario
    plan, series = result.run.plan, result.run.series
    if series is None:
        names = {name for name, _ in _SOURCE.values()}
        rows = max(plan.n_channels, plan.n_goods)
        donor = {k: np.full((rows, plan.n_days), np.nan) for k in names}
        region = {k: np.full((rows, plan.n_days, len(plan.region_ids)), np.nan)
                  for k in names}
    else:
        donor, region = series.donor, series.region
    return compare(scenario.observations, scenario.horizon.start, donor, region,
                   plan.region_ids, SeriesRows.of(result))
