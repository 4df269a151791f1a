"""The record beside the model: each observation's series read on its date, and the error.

Pure: works on a run's day-by-day series (the engine's ``Series`` of one scenario, or a result
folder's columns, which carry the same names), reads no files and draws nothing.

The error is model - record, in masks: positive when the model is above the record. For a
range it is 0 inside the range, else the distance to the nearest end (signed the same way).
The relative error divides by the record value (for a range, the end nearest the model);
it is null where that is 0 or where the model has no value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.runner import Result
from sim.scenario.models import Scenario
from sim.scenario.observations import Measure, Observation, SeriesPath

Array = NDArray[np.float64]

# Measure -> (donor or region series, whether summed through the day): the names are those
# of sim.engine.day.DONOR_SERIES / REGION_SERIES and of daily.parquet / regions.parquet.
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
            region: Mapping[str, Array], region_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Each observation as plain JSON values, with the model's value and the error."""
    out = []
    for o in observations:
        values = series_values(o.path, donor, region, region_ids)
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
    """``compare`` on a single run's series (scenario 0); model values are null when the
    run kept no series."""
    scenario: Scenario = result.scenario
    plan, series = result.run.plan, result.run.series
    if series is None:
        names = {name for name, _ in _SOURCE.values()}
        donor = {k: np.full(plan.n_days, np.nan) for k in names}
        region = {k: np.full((plan.n_days, len(plan.region_ids)), np.nan) for k in names}
    else:
        donor = {k: v[0] for k, v in series.donor.items()}
        region = {k: v[0] for k, v in series.region.items()}
    return compare(scenario.observations, scenario.horizon.start, donor, region,
                   plan.region_ids)
