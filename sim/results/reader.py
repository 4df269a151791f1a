"""A run's result folder, read back for figures, the brief and comparisons.

Reading is strict: a missing file, column or summary key raises InputError naming it, so a
folder from another version fails at once rather than half-way through a figure.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
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


Channel = tuple[str, str]  # (donor id, good id): one donor's supply of one good


@dataclass(frozen=True)
class RunData:
    """A run's result folder, read back: series keyed by name, region series (T, R).

    ``daily`` and ``regions`` are the first channel's and the first good's, so that a figure
    of a single-donor run reads them as before; ``daily_of`` and ``regions_of`` give every
    channel's and every good's (a legacy run has one of each: its donor giving masks)."""

    path: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    dates: Dates
    daily: dict[str, Array]
    region_ids: list[str]
    regions: dict[str, Array]
    shipments: dict[str, NDArray[Any]]  # shipments.csv by column, one entry a shipment
    # Every channel's daily series and every good's region series, in the folder's order.
    by_channel: dict[Channel, dict[str, Array]] = field(default_factory=dict)
    by_good: dict[str, dict[str, Array]] = field(default_factory=dict)
    # hubs.parquet (a run with hubs): hub id -> series (T,) (arrived, handled, queue,
    # wait_days), in throughput units; empty for a run without hubs
    hubs: dict[str, dict[str, Array]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.summary["name"])

    @property
    def donor(self) -> str:
        """Who gave, for titles and sentences: the donor, or the donors named in turn."""
        if "donors" in self.scenario:
            names = [self.donor_name(d) for d in self.donors]
            return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return str(self.scenario.get("donor", {}).get("name", "the donor"))

    def region_name(self, rid: str) -> str:
        for r in self.scenario.get("regions", []):
            if r.get("id") == rid:
                return str(r.get("name") or rid)
        return rid

    @property
    def channels(self) -> list[Channel]:
        """(donor, good) of each channel, in the engine's order (donor-major)."""
        return list(self.by_channel) or [(self.donor, LEGACY_GOOD)]

    @property
    def goods(self) -> list[str]:
        """Good ids in the scenario's order; a legacy run gives masks."""
        listed = [str(g["id"]) for g in self.scenario.get("goods", []) if "id" in g]
        return listed or list(self.by_good) or [LEGACY_GOOD]

    @property
    def donors(self) -> list[str]:
        """Donor ids in the scenario's order; a legacy run's one donor goes by its name."""
        listed = [str(d["id"]) for d in self.scenario.get("donors", []) if "id" in d]
        return listed or list(dict.fromkeys(d for d, _ in self.channels))

    @property
    def several(self) -> bool:
        """More than one good or more than one donor: figures and the brief facet by them."""
        return len(self.goods) > 1 or len(self.donors) > 1

    def _good(self, good: str) -> dict[str, Any]:
        for g in self.scenario.get("goods", []):
            if g.get("id") == good:
                return dict(g)
        return {}

    def unit(self, good: str) -> str:
        """The good's unit (masks, kits, suits), from summary.json or the scenario."""
        return str(self.good_summary(good).get("unit") or self._good(good).get("unit")
                   or ("masks" if good == LEGACY_GOOD else "units"))

    def good_name(self, good: str) -> str:
        return str(self.good_summary(good).get("name") or self._good(good).get("name")
                   or good.replace("_", " ").capitalize())

    def donor_name(self, donor: str) -> str:
        for d in self.scenario.get("donors", []):
            if d.get("id") == donor:
                return str(d.get("name") or donor)
        entry = self.summary.get("donors", {}).get(donor, {})
        return str(entry.get("name") or donor)

    def daily_of(self, donor: str, good: str) -> dict[str, Array]:
        """One channel's daily series; KeyError names a channel the run does not have."""
        if not self.by_channel:
            return self.daily
        return self.by_channel[(donor, good)]

    def channels_of(self, good: str) -> list[Channel]:
        """The channels that supply ``good`` (its donors), in channel order."""
        return [c for c in self.channels if c[1] == good]

    def regions_of(self, good: str) -> dict[str, Array]:
        """One good's region series (T, R), over all its donors."""
        if not self.by_good:
            return self.regions
        return self.by_good[good]

    def good_summary(self, good: str) -> dict[str, Any]:
        """summary.json's entry for one good; a legacy run's whole summary is its masks'."""
        goods = self.summary.get("goods")
        if goods is None:
            return self.summary if good == LEGACY_GOOD else {}
        return dict(goods.get(good, {}))

    def hub_summary(self, hub: str) -> dict[str, Any]:
        """summary.json's entry for one hub ({} when it has none)."""
        return dict((self.summary.get("hubs") or {}).get(hub, {}))

    def hub_name(self, hub: str) -> str:
        return str(self.hub_summary(hub).get("name") or hub)

    def hub_unit(self, hub: str) -> str:
        """The hub's throughput unit: units or kg."""
        return str(self.hub_summary(hub).get("throughput_unit") or "units")

    def donor_summary(self, donor: str) -> dict[str, Any]:
        """summary.json's entry for one donor ({} when the run has no donors section)."""
        return dict(self.summary.get("donors", {}).get(donor, {}))


LEGACY_GOOD = "masks"  # what a scenario without [[goods]] gives

RUN_FILES = ("summary.json", "scenario.toml", "daily.parquet", "regions.parquet",
             "shipments.csv")
HUBS_FILE = "hubs.parquet"  # a run with hubs only
# Every summary.json key the figures, the brief and compare read: a folder from another
# version fails here with the key's name, not later with a KeyError.
_SUMMARY_KEYS = ("name", "horizon", "produced", "domestic_demand", "domestic_shortfall",
                 "donated_total", "delivered_total", "in_transit_end", "donated_by_region",
                 "delivered_by_region", "fill_rate_by_region", "unmet_need_masks",
                 "unmet_need_by_region", "gini_fill_rate", "min_fill_rate", "mean_fill_rate",
                 "pledges", "first_delivery_day_by_region", "final_stock", "provenance")
_DAILY = ("date", "capacity", "shipment_day", "production", "domestic_demand",
          "domestic_served", "domestic_shortfall", "stock", "reserve", "shipped")
_DAILY_OPTIONAL = ("released", "received")  # read when present: older folders lack them
_CHANNEL = ("donor", "good")  # goods-and-donors folders: one block of rows per channel
_REGION = ("date", "region", "need", "shipped", "arrived", "consumed", "unmet")
_SHIP = {"ship_date": pa.date32(), "region": pa.string(), "masks": pa.float64(),
         "pledged_masks": pa.float64(), "lead_days": pa.int64(), "arrival_date": pa.date32(),
         "arrived_in_horizon": pa.bool_()}
# Read when present: donor and good (goods-and-donors folders), via (runs with hubs)
_SHIP_CHANNEL = {"donor": pa.string(), "good": pa.string(), "via": pa.string()}
_HUB = ("date", "hub", "arrived", "handled", "queue", "wait_days")


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

    d = _columns(path / "daily.parquet", _DAILY, (*_DAILY_OPTIONAL, *_CHANNEL))
    by_channel, first_rows = _by_channel(path / "daily.parquet", d)
    dates = np.asarray(d.pop("date").to_numpy(), dtype="datetime64[D]")[first_rows]
    daily = (dict(next(iter(by_channel.values()))) if by_channel else
             {k: np.asarray(v.to_numpy(), dtype=np.float64) for k, v in d.items()})
    r = _columns(path / "regions.parquet", _REGION, ("good",))
    goods = _labels(r.pop("good")) if "good" in r else None
    by_good: dict[str, dict[str, Array]] = {}
    if goods is None:
        regions = _grids(path / "regions.parquet", r, dates, region_ids)
    else:
        for good in dict.fromkeys(goods):
            rows = np.flatnonzero(goods == good)
            by_good[good] = _grids(path / "regions.parquet",
                                   {k: v.take(rows) for k, v in r.items()}, dates, region_ids)
        regions = next(iter(by_good.values()))
    hubs = _read_hubs(path / HUBS_FILE, dates) if (path / HUBS_FILE).is_file() else {}
    return RunData(path, summary, scenario, dates, daily, region_ids, regions,
                   _read_shipments(path / "shipments.csv", _legacy_donor(scenario)), by_channel,
                   by_good, hubs)


def _read_hubs(path: Path, dates: Dates) -> dict[str, dict[str, Array]]:
    """hubs.parquet by hub, in the order first seen: each hub's series, one value a day."""
    h = _columns(path, _HUB)
    ids = _labels(h.pop("hub"))
    days = np.asarray(h.pop("date").to_numpy(), dtype="datetime64[D]")
    out: dict[str, dict[str, Array]] = {}
    for hub in dict.fromkeys(ids.tolist()):
        rows = np.flatnonzero(ids == hub)
        if not np.array_equal(days[rows], dates):
            raise InputError(path, "date", f"hub {hub!r}: the days differ from daily.parquet's")
        out[hub] = {k: np.asarray(v.take(rows).to_numpy(), dtype=np.float64)
                    for k, v in h.items()}
    return out


def _legacy_donor(scenario: dict[str, Any]) -> str:
    return str(scenario.get("donor", {}).get("name", "the donor"))


def _labels(column: Any) -> NDArray[np.str_]:
    """A (dictionary-encoded) string column as a numpy array of str."""
    return np.asarray([str(x) for x in column.to_pylist()], dtype=np.str_)


def _by_channel(path: Path, d: dict[str, Any]
                ) -> tuple[dict[Channel, dict[str, Array]], slice | NDArray[np.intp]]:
    """daily.parquet's rows split by (donor, good), in the order first seen, and the first
    channel's rows (every row, and no channels, for a folder without those columns)."""
    if not all(c in d for c in _CHANNEL):
        return {}, slice(None)
    donors, goods = _labels(d.pop("donor")), _labels(d.pop("good"))
    out: dict[Channel, dict[str, Array]] = {}
    first: NDArray[np.intp] | None = None
    for key in dict.fromkeys(zip(donors.tolist(), goods.tolist(), strict=True)):
        rows = np.flatnonzero((donors == key[0]) & (goods == key[1]))
        if first is not None and len(rows) != len(first):
            raise InputError(path, "donor", "channels have different numbers of days")
        first = rows if first is None else first
        out[key] = {k: np.asarray(v.take(rows).to_numpy(), dtype=np.float64)
                    for k, v in d.items() if k != "date"}
    return out, first if first is not None else slice(None)


def _grids(path: Path, r: dict[str, Any], dates: Dates, region_ids: list[str]
           ) -> dict[str, Array]:
    """One good's region rows as (T, R) grids; exactly one row per day and region, or the
    folder was not written by this version."""
    t = (np.asarray(r["date"].to_numpy(), dtype="datetime64[D]") - dates[0]).astype(np.int64)
    index = {rid: i for i, rid in enumerate(region_ids)}
    i = np.array([index.get(str(x), -1) for x in r["region"].to_pylist()], dtype=np.int64)
    cells = t * len(region_ids) + i
    if (len(cells) != len(dates) * len(region_ids) or (i < 0).any() or (t < 0).any()
            or (t >= len(dates)).any() or len(np.unique(cells)) != len(cells)):
        raise InputError(path, "", "does not match daily.parquet and "
                         "the regions of scenario.toml")
    regions = {}
    for name in _REGION[2:]:
        grid = np.zeros((len(dates), len(region_ids)))
        grid[t, i] = np.asarray(r[name].to_numpy(), dtype=np.float64)
        regions[name] = grid
    return regions


def _read_shipments(path: Path, donor: str) -> dict[str, NDArray[Any]]:
    """shipments.csv by column; a legacy file (no donor, good) is its donor's masks, and
    without ``via`` every shipment went directly (empty)."""
    header = _read(path, lambda text: text.partition("\n")[0].strip().split(","))
    extra = {k: v for k, v in _SHIP_CHANNEL.items() if k in header}
    try:
        table = pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(
            column_types={**_SHIP, **extra}, include_columns=[*_SHIP, *extra]))
    except (pa.ArrowInvalid, KeyError) as exc:  # a missing column or a bad value
        raise InputError(path, "", f"cannot read: {exc}") from None
    out = {k: table.column(k).to_numpy(zero_copy_only=False) for k in (*_SHIP, *extra)}
    for k, legacy in (("donor", donor), ("good", LEGACY_GOOD), ("via", "")):
        if k not in out:
            out[k] = np.full(len(table), legacy, dtype=object)
    return out
