"""The record beside the model: each observation's series read on its date, and the error.

Pure: works on a run's day-by-day series (the engine's ``Series`` of one scenario, or a result
folder's columns, which carry the same names), reads no files and draws nothing.

A run with several goods or donors keeps its series per channel (a donor's supply of a good)
and per good: an observation's ``good`` and ``donor`` choose the rows read (``select``). A
donor's series (stock, production, domestic, donated and delivered in all) is that donor's
channel of the good, or the sum over the good's donors when ``donor`` is not given. A region's
series is the good's: what every donor of it delivered, or, for what was shipped and
delivered when ``donor`` is given, what that donor's channel sent.

A figure about a period (``from_date`` to ``date``) is compared with the model's average of a
per-day series over those days, or with a cumulative series' change over them. Series the
engine does not keep (what was sold, what the uses hold, the stock series a record counts, the
capacity as given) are derived from the plan and the run (``sim.results.domestic``).

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

from sim.engine.plan import Plan
from sim.engine.runner import Result
from sim.engine.state import GOOD_REGION_SERIES, Run
from sim.results.domestic import derived_series
from sim.scenario.observations import Measure, Observation, SeriesPath
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]

# Measure -> (donor or region series, whether summed through the day): the names are those
# of sim.engine.state.DONOR_SERIES / REGION_SERIES and of daily.parquet / regions.parquet, or
# of sim.results.domestic's derived series.
_SOURCE: dict[Measure, tuple[str, bool]] = {
    Measure.DONOR_STOCK: ("stock", False),
    Measure.DONOR_STOCK_IN: ("stock_in", False),
    Measure.DONOR_CAPACITY: ("capacity_nominal", False),
    Measure.DONOR_PRODUCTION: ("production", False),
    Measure.DONOR_PRODUCTION_CUMULATIVE: ("production", True),
    Measure.DOMESTIC_SOLD: ("sold", False),
    Measure.DOMESTIC_SOLD_CUMULATIVE: ("sold", True),
    Measure.DOMESTIC_HELD: ("held", False),
    Measure.DONOR_RELEASED: ("released", False),
    Measure.DOMESTIC_SERVED: ("domestic_served", False),
    Measure.DOMESTIC_DEMAND: ("domestic_demand", False),
    Measure.DONATED: ("shipped", True),
    Measure.DELIVERED: ("arrived", True),
    Measure.REGION_DELIVERED: ("arrived", True),
    Measure.REGION_SHIPPED: ("shipped", True),
}


def source(path: SeriesPath) -> tuple[str, bool]:
    """(the series a path reads, whether it is summed through the day)."""
    name, cumulative = _SOURCE[path.measure]
    return (f"{name}:{path.stock}" if path.stock is not None else name), cumulative


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
        return cls.of_plan(result.scenario, result.run.plan)

    @classmethod
    def of_plan(cls, scenario: Scenario, plan: Plan) -> SeriesRows:
        return cls(plan.good_ids, plan.donor_ids, [d.label for d in scenario.donors],
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
    name, _ = source(path)
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
    name, cumulative = source(path)
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
        first = None if o.from_date is None else (o.from_date - start).days
        model = _read(values, (o.date - start).days, first, source(o.path)[1])
        diff, rel = error(model, o)
        out.append({
            "date": o.date.isoformat(), "series": o.series, "good": o.good, "donor": o.donor,
            "kind": o.kind.value, "value": o.value,
            "range": list(o.range) if o.range is not None else None,
            "source": o.source, "tags": list(o.tags), "note": o.note,
            "from_date": o.from_date.isoformat() if o.from_date is not None else None,
            "model": model, "error": diff, "relative_error": rel,
        })
    return out


def _read(values: Array, t: int, t0: int | None, cumulative: bool) -> float | None:
    """The model's value on day ``t``, or over days ``t0..t``: a cumulative series' change
    over them, another's average (None: outside the run, or not finite)."""
    if not 0 <= t < len(values) or (t0 is not None and not 0 <= t0 <= t):
        return None
    if t0 is None:
        model = float(values[t])
    elif cumulative:
        model = float(values[t]) - (float(values[t0 - 1]) if t0 > 0 else 0.0)
    else:
        model = float(np.mean(values[t0:t + 1]))
    return model if np.isfinite(model) else None


def compare_run(result: Result) -> list[dict[str, Any]]:
    """``compare`` on a single run's series (B = 1), each observation on its good's and
    donor's rows; model values are null when the run kept no series."""
    return compare_scenario_run(result.scenario, result.run)


def compare_scenario_run(scenario: Scenario, run: Run) -> list[dict[str, Any]]:
    """``compare_run`` for a scenario and its run (B = 1), as calibration has them."""
    plan, series = run.plan, run.series
    if series is None:
        names = {source(o.path)[0] for o in scenario.observations}
        rows = max(plan.n_channels, plan.n_goods)
        donor = {k: np.full((rows, plan.n_days), np.nan) for k in names}
        region = {k: np.full((rows, plan.n_days, len(plan.region_ids)), np.nan)
                  for k in names}
    else:
        donor = {**series.donor, **derived_series(scenario, plan, series.donor)}
        region = series.region
    return compare(scenario.observations, scenario.horizon.start, donor, region,
                   plan.region_ids, SeriesRows.of_plan(scenario, plan))
