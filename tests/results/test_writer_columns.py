"""The writer's Parquet columns, built from buffers so that `masksim run` needs no pandas,
are the arrays ``pa.array`` builds: same types, values and Parquet bytes, so result
folders written before and after read back the same."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.engine.runner import run
from sim.engine.state import DONOR_SERIES, REGION_SERIES
from sim.results import tables, writer
from sim.results.reader import load_run
from sim.scenario.loading import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _same(built: pa.Array, reference: pa.Array) -> None:
    """Same type, no nulls, and the same Parquet bytes (Arrow's equals says NaN != NaN)."""
    built.validate(full=True)
    assert built.type == reference.type
    assert built.null_count == 0
    assert _parquet(pa.table({"c": built})) == _parquet(pa.table({"c": reference}))


def _native(values: Any) -> Any:
    """pa.array refuses byte-swapped arrays: the reference is the same numbers, native."""
    return values.astype(values.dtype.newbyteorder("="))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(st.sampled_from([np.bool_, np.int32, np.int64, np.float64, ">f8"]),
                  st.integers(0, 40)),
       st.integers(1, 3))
def test_a_numeric_column_is_what_pa_array_builds(values: Any, step: int) -> None:
    strided = values[::step]  # a non-contiguous slice, as a (B, T) series' row can be
    built = writer._column(strided)
    _same(built, pa.array(_native(strided)))
    np.testing.assert_array_equal(built.to_numpy(zero_copy_only=False), strided)
    if values.dtype.kind == "f" and len(values):  # NaN stays a value, as in pa.array
        values[0] = np.nan
        _same(writer._column(values), pa.array(_native(values)))
        assert writer._column(values).is_nan().to_pylist()[0]


def test_a_column_must_be_one_dimensional_numbers() -> None:
    with pytest.raises(TypeError):
        writer._column(np.zeros((2, 3)))
    with pytest.raises(TypeError):
        writer._column(np.array(["a", "b"]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)), max_size=20))
def test_dates_are_date32_days_since_1970(dates: list[dt.date]) -> None:
    built = writer._date32(np.array(dates, dtype="datetime64[D]"))
    _same(built, pa.array(dates, type=pa.date32()))
    assert built.to_pylist() == dates


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=6), min_size=1, max_size=6), st.integers(0, 3),
       st.integers(0, 4))
def test_labels_are_dictionary_encoded_as_pa_array_does(labels: list[str], repeat: int,
                                                        times: int) -> None:
    # duplicate, empty and non-ASCII labels included: first seen order, int32 indices; each
    # label `repeat` times in a row (donor, good of a channel's days), all `times` times
    values = [x for x in labels for _ in range(repeat)] * times
    reference = pa.array(values, type=pa.string()).dictionary_encode()
    built = writer._labels(np.array(values, dtype=object))
    _same(built, reference)
    assert built.equals(reference)


def _reference_tables(result: Any) -> tuple[pa.Table, pa.Table]:
    """The tables as the writer built them with pa.array until it avoided pandas, with the
    columns goods and donors added (donor and good of each daily row, good of each region
    row: the legacy run's one donor, by its name, and masks)."""
    plan, series = result.run.plan, result.run.series
    is_ship = np.zeros(plan.n_days, dtype=bool)
    is_ship[plan.ship_days] = True
    donor = result.scenario.donors[0].id
    daily = {"date": pa.array(plan.dates, type=pa.date32()),
             "donor": pa.array([donor] * plan.n_days).dictionary_encode(),
             "good": pa.array(["masks"] * plan.n_days).dictionary_encode(),
             "capacity": plan.capacity_units[0],
             "outage_loss": result.run.draws.outage_loss[0], "shipment_day": is_ship}
    daily.update({name: series.donor[name][0] for name in DONOR_SERIES})
    ids = plan.region_ids
    regions = {"date": pa.array([d for d in plan.dates for _ in ids], type=pa.date32()),
               "region": pa.array(ids * plan.n_days).dictionary_encode(),
               "good": pa.array(["masks"] * len(ids) * plan.n_days).dictionary_encode()}
    regions.update({name: series.region[name][0].reshape(-1) for name in REGION_SERIES})
    return pa.table(daily), pa.table(regions)


@pytest.mark.parametrize("name", ["minimal", "taiwan_2020"])
def test_shipped_scenarios_write_the_same_parquet_bytes(name: str, tmp_path: Path) -> None:
    result = run(load(SCENARIOS / f"{name}.toml"))
    daily = writer._arrow(tables.daily(result))
    regions = writer._arrow(tables.regions(result))
    ref_daily, ref_regions = _reference_tables(result)
    assert daily.equals(ref_daily) and regions.equals(ref_regions)
    assert _parquet(daily) == _parquet(ref_daily)
    assert _parquet(regions) == _parquet(ref_regions)
    folder = writer.write(result, tmp_path / "out")
    assert pq.read_table(folder / "daily.parquet").equals(ref_daily)
    assert pq.read_table(folder / "regions.parquet").equals(ref_regions)
    back = load_run(folder)  # the figures' and the brief's reader takes them as before
    assert back.dates.tolist() == result.run.plan.dates
    np.testing.assert_array_equal(back.regions["need"], result.run.series.region["need"][0])
