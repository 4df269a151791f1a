"""A run's result folder, read back for figures, the brief and comparisons.

Reading is strict: a missing file, column or summary key raises InputError naming it, so a
folder from another version fails at once rather than half-way through a figure.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from sim.scenario.errors import InputError

Array = NDArray[np.float64]
Dates = NDArray[np.datetime64]


@dataclass(frozen=True)
class RunData:
    """A run's result folder, read back: series keyed by name, region series (T, R)."""

    path: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    dates: Dates
    daily: dict[str, Array]
    region_ids: list[str]
    regions: dict[str, Array]
    shipments: dict[str, NDArray[Any]]  # shipments.csv by column, one entry a shipment

    @property
    def name(self) -> str:
        return str(self.summary["name"])

    @property
    def donor(self) -> str:
        return str(self.scenario.get("donor", {}).get("name", "the donor"))

    def region_name(self, rid: str) -> str:
        for r in self.scenario.get("regions", []):
            if r.get("id") == rid:
                return str(r.get("name") or rid)
        return rid


RUN_FILES = ("summary.json", "scenario.toml", "daily.parquet", "regions.parquet",
             "shipments.csv")
# Every summary.json key the figures, the brief and compare read: a folder from another
# version fails here with the key's name, not later with a KeyError.
_SUMMARY_KEYS = ("name", "horizon", "produced", "domestic_demand", "domestic_shortfall",
                 "donated_total", "delivered_total", "in_transit_end", "donated_by_region",
                 "delivered_by_region", "fill_rate_by_region", "unmet_need_masks",
                 "unmet_need_by_region", "gini_fill_rate", "min_fill_rate", "mean_fill_rate",
                 "pledges", "first_delivery_day_by_region", "final_stock", "provenance")
_DAILY = ("date", "capacity", "shipment_day", "production", "domestic_demand",
          "domestic_served", "domestic_shortfall", "stock", "reserve", "shipped")
_DAILY_OPTIONAL = ("released",)  # read when present: folders of older runs lack them
_REGION = ("date", "region", "need", "shipped", "arrived", "consumed", "unmet")
_SHIP = {"ship_date": pa.date32(), "region": pa.string(), "masks": pa.float64(),
         "pledged_masks": pa.float64(), "lead_days": pa.int64(), "arrival_date": pa.date32(),
         "arrived_in_horizon": pa.bool_()}


def _columns(path: Path, names: tuple[str, ...], optional: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(path, "", f"cannot read Parquet: {exc}") from None
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise InputError(path, missing[0], "missing column")
    return {n: table.column(n) for n in (*names, *optional) if n in table.column_names}


def _read(path: Path, parse: Callable[[str], Any]) -> Any:
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSON and TOML decode errors are ValueErrors
        raise InputError(path, "", f"cannot read: {exc}") from None


def load_run(folder: str | Path) -> RunData:
    """Read a run's result folder; a missing or damaged part raises InputError."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError(path, "", "no such folder")
    for name in RUN_FILES:
        if not (path / name).is_file():
            raise InputError(path, name, "missing: not a complete run folder")
    summary = _read(path / "summary.json", json.loads)
    missing = [k for k in _SUMMARY_KEYS if not isinstance(summary, dict) or k not in summary]
    if missing:
        raise InputError(path / "summary.json", missing[0], "missing")
    scenario = _read(path / "scenario.toml", tomllib.loads)
    region_ids = [str(r["id"]) for r in scenario.get("regions", []) if "id" in r]
    if not region_ids:
        raise InputError(path / "scenario.toml", "regions", "no regions")

    d = _columns(path / "daily.parquet", _DAILY, _DAILY_OPTIONAL)
    dates = np.asarray(d.pop("date").to_numpy(), dtype="datetime64[D]")
    daily = {k: np.asarray(v.to_numpy(), dtype=np.float64) for k, v in d.items()}
    r = _columns(path / "regions.parquet", _REGION)
    t = (np.asarray(r["date"].to_numpy(), dtype="datetime64[D]") - dates[0]).astype(np.int64)
    index = {rid: i for i, rid in enumerate(region_ids)}
    i = np.array([index.get(str(x), -1) for x in r["region"].to_pylist()], dtype=np.int64)
    # Exactly one row per day and region, or the folder was not written by this version.
    cells = t * len(region_ids) + i
    if (len(cells) != len(dates) * len(region_ids) or (i < 0).any() or (t < 0).any()
            or (t >= len(dates)).any() or len(np.unique(cells)) != len(cells)):
        raise InputError(path / "regions.parquet", "", "does not match daily.parquet and "
                         "the regions of scenario.toml")
    regions = {}
    for name in _REGION[2:]:
        grid = np.zeros((len(dates), len(region_ids)))
        grid[t, i] = np.asarray(r[name].to_numpy(), dtype=np.float64)
        regions[name] = grid
    return RunData(path, summary, scenario, dates, daily, region_ids, regions,
                   _read_shipments(path / "shipments.csv"))


def _read_shipments(path: Path) -> dict[str, NDArray[Any]]:
    try:
        table = pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(
            column_types=_SHIP, include_columns=list(_SHIP)))
    except (pa.ArrowInvalid, KeyError) as exc:  # a missing column or a bad value
        raise InputError(path, "", f"cannot read: {exc}") from None
    return {k: table.column(k).to_numpy() for k in _SHIP}
