"""A run read back for figures, the brief and comparisons: from its result folder, or straight
from a run in memory (the same view, built from the same tables the writer stores).

Reading a folder is strict: a missing file, column or summary key raises InputError naming
it, so a damaged folder fails at once rather than half-way through a figure. Folders of the
first format (``format_version`` 1, before goods and donors were the one form) are read as
well: their scenario is rewritten into the one form and their summary given the goods and
donors sections it lacked.
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
from pydantic import ValidationError

from sim.engine.runner import Result
from sim.results import tables
from sim.results.domestic import channel_stocks
from sim.results.summary import FORMAT_VERSION, summary
from sim.scenario.errors import InputError, first_error
from sim.scenario.normalise import normalise
from sim.scenario.scenario import Scenario
from sim.scenario.writing import plain

Array = NDArray[np.float64]
Dates = NDArray[np.datetime64]
Channel = tuple[str, str]  # (donor id, good id): one donor's supply of one good


@dataclass(frozen=True)
class RunData:
    """A run, read back: the summary and the resolved scenario as plain data, every
    channel's daily series (T,), every good's region series (T, R), the shipments by column
    and every hub's series (T,). ``path`` is the folder (None: a run in memory)."""

    path: Path | None
    summary: dict[str, Any]
    scenario: dict[str, Any]
    dates: Dates
    region_ids: list[str]
    by_channel: dict[Channel, dict[str, Array]]
    by_good: dict[str, dict[str, Array]]
    shipments: dict[str, NDArray[Any]]  # shipments.csv by column, one entry a shipment
    # hub id -> series (arrived, handled, queue, wait_days) in throughput units
    hubs: dict[str, dict[str, Array]] = field(default_factory=dict)
    label: str = ""  # what a comparison calls the run ("": its folder's name)

    @classmethod
    def of(cls, result: Result, summary_: dict[str, Any] | None = None,
           run_tables: tables.RunTables | None = None) -> RunData:
        """The view of a run in memory: what ``load_run`` reads from its folder, without
        writing one (``summary_`` and ``run_tables``: the caller's, when it has them)."""
        t = run_tables or tables.run_tables(result)
        return _assemble(None, summary_ or summary(result), plain(result.scenario.model_dump(
            mode="python", exclude_none=True)), t.daily, t.regions, t.shipments, t.hubs)

    # ---- who and what -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.summary["name"])

    @property
    def title(self) -> str:
        """What a reader calls the scenario (its title, else its name)."""
        return str(self.summary.get("title") or self.scenario.get("title") or self.name)

    @property
    def goods(self) -> list[str]:
        """Good ids in the scenario's order."""
        return [str(g["id"]) for g in self.scenario["goods"]]

    @property
    def donors(self) -> list[str]:
        """Donor ids in the scenario's order."""
        return [str(d["id"]) for d in self.scenario["donors"]]

    @property
    def channels(self) -> list[Channel]:
        """(donor, good) of each channel, in the engine's order (donor-major)."""
        return list(self.by_channel)

    @property
    def several(self) -> bool:
        """More than one good or more than one donor: figures and the brief facet by them."""
        return len(self.goods) > 1 or len(self.donors) > 1

    @property
    def donor(self) -> str:
        """Who gave, for titles and sentences: the donor, or the donors named in turn."""
        names = [self.donor_name(d) for d in self.donors]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def region_name(self, rid: str) -> str:
        for r in self.scenario.get("regions", []):
            if r.get("id") == rid:
                return str(r.get("name") or rid)
        return rid

    def _entry(self, key: str, id_: str) -> dict[str, Any]:
        return next((dict(x) for x in self.scenario.get(key, []) if x.get("id") == id_), {})

    def unit(self, good: str) -> str:
        """The good's unit (masks, kits, suits)."""
        return str(self._entry("goods", good).get("unit") or "units")

    def good_name(self, good: str) -> str:
        return str(self._entry("goods", good).get("name") or good)

    def donor_name(self, donor: str) -> str:
        return str(self._entry("donors", donor).get("name") or donor)

    # ---- series and summaries ------------------------------------------------------------
    @property
    def daily(self) -> dict[str, Array]:
        """The first channel's daily series."""
        return next(iter(self.by_channel.values()))

    @property
    def regions(self) -> dict[str, Array]:
        """The first good's region series."""
        return next(iter(self.by_good.values()))

    def daily_of(self, donor: str, good: str) -> dict[str, Array]:
        """One channel's daily series; KeyError names a channel the run does not have."""
        return self.by_channel[(donor, good)]

    def supply(self, donor: str, good: str) -> dict[str, Any]:
        """The resolved scenario's entry for one channel's supply ({} when it has none)."""
        return dict(next((s for d in self.scenario["donors"] if d["id"] == donor
                          for s in d.get("supplies", []) if s.get("good") == good), {}))

    def stocks_of(self, donor: str, good: str) -> dict[str, Array]:
        """One channel's stock series of the scenario's, by id (T,): its stock plus what
        the domestic uses counting in each hold ({} when none counts in any), worked out
        from the resolved scenario and the daily series as the run's own comparison does."""
        daily = self.daily_of(donor, good)
        supply = self.supply(donor, good)
        if not any(u.get("counts_in") for u in (supply.get("domestic") or {}).get("uses", [])):
            return {}
        return channel_stocks(Scenario.model_validate(self.scenario), donor, good,
                              daily["stock"], daily["domestic_served"], daily["domestic_demand"])

    def channels_of(self, good: str) -> list[Channel]:
        """The channels that supply ``good`` (its donors), in channel order."""
        return [c for c in self.channels if c[1] == good]

    def regions_of(self, good: str) -> dict[str, Array]:
        """One good's region series (T, R), over all its donors."""
        return self.by_good[good]

    def good_summary(self, good: str) -> dict[str, Any]:
        """summary.json's entry for one good."""
        return dict(self.summary["goods"].get(good, {}))

    def donor_summary(self, donor: str) -> dict[str, Any]:
        """summary.json's entry for one donor."""
        return dict(self.summary["donors"].get(donor, {}))

    def hub_summary(self, hub: str) -> dict[str, Any]:
        """summary.json's entry for one hub ({} when it has none)."""
        return dict((self.summary.get("hubs") or {}).get(hub, {}))

    def hub_name(self, hub: str) -> str:
        return str(self.hub_summary(hub).get("name") or hub)

    def hub_unit(self, hub: str) -> str:
        """The hub's throughput unit: units or kg."""
        return str(self.hub_summary(hub).get("throughput_unit") or "units")


RUN_FILES = ("summary.json", "scenario.toml", "daily.parquet", "regions.parquet",
             "shipments.csv")
HUBS_FILE = "hubs.parquet"  # a run with hubs only
# Every summary.json key the figures, the brief and compare read: a folder from another
# version fails here with the key's name, not later with a KeyError.
_SUMMARY_KEYS = ("name", "horizon", "produced", "domestic_demand", "domestic_shortfall",
                 "donated_total", "delivered_total", "in_transit_end", "donated_by_region",
                 "delivered_by_region", "fill_rate_by_region", "unmet_need",
                 "unmet_need_by_region", "gini_fill_rate", "min_fill_rate", "mean_fill_rate",
                 "pledges", "first_delivery_day_by_region", "final_stock", "goods", "donors",
                 "provenance")
_DAILY = ("date", "capacity", "shipment_day", "production", "domestic_demand",
          "domestic_served", "domestic_shortfall", "stock", "reserve", "shipped")
_REGION = ("date", "region", "need", "shipped", "arrived", "consumed", "unmet")
_SHIP = {"ship_date": pa.date32(), "region": pa.string(), "lead_days": pa.int64(),
         "arrival_date": pa.date32(), "arrived_in_horizon": pa.bool_()}
_SHIP_AMOUNTS = {"amount": "masks", "pledged": "pledged_masks", "policy": "policy_masks"}  # 2: 1
# Read when present: donor and good (absent before goods), via (runs with hubs)
_SHIP_LABELS = ("donor", "good", "via")
_HUB = ("date", "hub", "arrived", "handled", "queue", "wait_days")


def _columns(path: Path, names: tuple[str, ...]) -> dict[str, NDArray[Any]]:
    """A Parquet file's columns (``names`` at least) as numpy: dates as datetime64[D], labels
    as str objects."""
    try:
        # One file: ParquetFile reads it without importing pyarrow.dataset (and pandas with
        # it), which `masksim brief` and `plot` would otherwise load for nothing.
        table = pq.ParquetFile(path).read()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(path, "", f"cannot read Parquet: {exc}") from None
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise InputError(path, missing[0], "missing column")
    out: dict[str, NDArray[Any]] = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_date(column.type):
            out[name] = np.asarray(column.to_numpy(), dtype="datetime64[D]")
        elif pa.types.is_dictionary(column.type) or pa.types.is_string(column.type):
            out[name] = np.array([str(x) for x in column.to_pylist()], dtype=object)
        else:
            out[name] = np.asarray(column.to_numpy())
    return out


def _read(path: Path, parse: Callable[[str], Any]) -> Any:
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSON and TOML decode errors are ValueErrors
        raise InputError(path, "", f"cannot read: {exc}") from None


def load_run(folder: str | Path) -> RunData:
    """Read a run's result folder; a missing or damaged part raises InputError.

    >>> import sim, tempfile
    >>> out = sim.write(sim.run(sim.load("scenarios/minimal.toml")), tempfile.mkdtemp())
    >>> sim.load_run(out).goods
    ['masks']
    """
    path = Path(folder)
    if not path.is_dir():
        raise InputError(path, "", "no such folder")
    for name in RUN_FILES:
        if not (path / name).is_file():
            raise InputError(path, name, "missing: not a complete run folder")
    raw = _read(path / "summary.json", json.loads)
    if not isinstance(raw, dict):
        raise InputError(path / "summary.json", "", "not a JSON object")
    scenario = _canonical(_read(path / "scenario.toml", tomllib.loads), path / "scenario.toml")
    summary_ = _upgrade(raw, scenario)
    missing = [k for k in _SUMMARY_KEYS if k not in summary_]
    if missing:
        raise InputError(path / "summary.json", missing[0], "missing")
    daily = _columns(path / "daily.parquet", _DAILY)
    regions = _columns(path / "regions.parquet", _REGION)
    hubs = (_columns(path / HUBS_FILE, _HUB) if (path / HUBS_FILE).is_file() else None)
    shipments = _read_shipments(path / "shipments.csv")
    _fill_labels(scenario, daily, regions, shipments)
    return _assemble(path, summary_, scenario, daily, regions, shipments, hubs)


def _canonical(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """The resolved scenario in the one form, every field under its current name (a folder
    of the first format may hold the single-donor form). Cases tables are not read: the
    run's numbers are in the folder already."""
    try:
        data, form = normalise(raw, str(path))
        scenario = Scenario.model_validate(data)
    except InputError as exc:
        raise InputError(path, exc.field, exc.message) from None
    except ValidationError as exc:
        error = first_error(path, exc)
        raise InputError(path, form.as_written(error.field), error.message) from None
    out: dict[str, Any] = plain(scenario.model_dump(mode="python", exclude_none=True))
    return out


def _assemble(path: Path | None, summary_: dict[str, Any], scenario: dict[str, Any],
              daily: tables.Columns, regions: tables.Columns, shipments: tables.Columns,
              hubs: tables.Columns | None) -> RunData:
    """The view of a run from its tables' columns (``sim.results.tables``)."""
    where = path or Path("<run>")
    region_ids = [str(r["id"]) for r in scenario["regions"]]
    by_channel: dict[Channel, dict[str, Array]] = {}
    first_rows: NDArray[np.intp] | None = None
    for key in dict.fromkeys(zip(daily["donor"].tolist(), daily["good"].tolist(),
                                 strict=True)):
        rows = np.flatnonzero((daily["donor"] == key[0]) & (daily["good"] == key[1]))
        if first_rows is not None and len(rows) != len(first_rows):
            raise InputError(where / "daily.parquet", "donor",
                             "channels have different numbers of days")
        first_rows = rows if first_rows is None else first_rows
        by_channel[key] = {k: np.asarray(v[rows], dtype=np.float64) for k, v in daily.items()
                           if k not in ("date", "donor", "good")}
    if first_rows is None:
        raise InputError(where / "daily.parquet", "", "no rows")
    dates = np.asarray(daily["date"][first_rows], dtype="datetime64[D]")
    by_good = {}
    for good in dict.fromkeys(regions["good"].tolist()):
        rows = np.flatnonzero(regions["good"] == good)
        by_good[str(good)] = _grids(where / "regions.parquet",
                                    {k: v[rows] for k, v in regions.items()}, dates, region_ids)
    hub_series: dict[str, dict[str, Array]] = {}
    for hub in dict.fromkeys((hubs or {}).get("hub", np.zeros(0)).tolist()):
        assert hubs is not None
        rows = np.flatnonzero(hubs["hub"] == hub)
        if not np.array_equal(hubs["date"][rows], dates):
            raise InputError(where / HUBS_FILE, "date",
                             f"hub {hub!r}: the days differ from daily.parquet's")
        hub_series[str(hub)] = {k: np.asarray(v[rows], dtype=np.float64)
                                for k, v in hubs.items() if k not in ("date", "hub")}
    return RunData(path, summary_, scenario, dates, region_ids, by_channel, by_good,
                   shipments, hub_series)


def _grids(path: Path, r: tables.Columns, dates: Dates, region_ids: list[str]
           ) -> dict[str, Array]:
    """One good's region rows as (T, R) grids; exactly one row per day and region, or the
    folder was not written by this version."""
    t = (np.asarray(r["date"], dtype="datetime64[D]") - dates[0]).astype(np.int64)
    index = {rid: i for i, rid in enumerate(region_ids)}
    i = np.array([index.get(str(x), -1) for x in r["region"].tolist()], dtype=np.int64)
    cells = t * len(region_ids) + i
    if (len(cells) != len(dates) * len(region_ids) or (i < 0).any() or (t < 0).any()
            or (t >= len(dates)).any() or len(np.unique(cells)) != len(cells)):
        raise InputError(path, "", "does not match daily.parquet and "
                         "the regions of scenario.toml")
    grids = {}
    for name, values in r.items():
        if name in ("date", "region", "good"):
            continue
        grid = np.zeros((len(dates), len(region_ids)))
        grid[t, i] = np.asarray(values, dtype=np.float64)
        grids[name] = grid
    return grids


def _read_shipments(path: Path) -> tables.Columns:
    """shipments.csv by column, under the names of the current format."""
    header = _read(path, lambda text: [h.strip().strip('"') for h in
                                       text.partition("\n")[0].split(",")])
    amounts = {new: new if new in header else old for new, old in _SHIP_AMOUNTS.items()}
    labels = [k for k in _SHIP_LABELS if k in header]
    types = {**_SHIP, **{col: pa.float64() for col in amounts.values()},
             **{k: pa.string() for k in labels}}
    try:
        table = pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(
            column_types=types, include_columns=list(types)))
    except (pa.ArrowInvalid, KeyError) as exc:  # a missing column or a bad value
        raise InputError(path, "", f"cannot read: {exc}") from None
    out: tables.Columns = {}
    for name in _SHIP:
        values = table.column(name).to_numpy(zero_copy_only=False)
        out[name] = (np.asarray(values, dtype="datetime64[D]") if name.endswith("date")
                     else np.asarray(values))
    for new, col in amounts.items():
        out[new] = np.asarray(table.column(col).to_numpy(), dtype=np.float64)
    for k in labels:
        out[k] = np.array([str(x) for x in table.column(k).to_pylist()], dtype=object)
    return out


def _fill_labels(scenario: dict[str, Any], daily: tables.Columns, regions: tables.Columns,
                 shipments: tables.Columns) -> None:
    """Donor and good labels where a folder of the first format left them out (a run of one
    donor giving masks), and donor names there turned into the donors' ids."""
    donor = scenario["donors"][0]
    good = str(scenario["goods"][0]["id"])
    ids = {str(d.get("name") or d["id"]): str(d["id"]) for d in scenario["donors"]}
    for cols, n in ((daily, len(daily["date"])), (regions, len(regions["date"])),
                    (shipments, len(shipments["ship_date"]))):
        if "good" not in cols:
            cols["good"] = np.full(n, good, dtype=object)
        if cols is not regions:
            if "donor" not in cols:
                cols["donor"] = np.full(n, str(donor["id"]), dtype=object)
            cols["donor"] = np.array([ids.get(x, x) for x in cols["donor"].tolist()],
                                     dtype=object)
    if "via" not in shipments:
        shipments["via"] = np.full(len(shipments["ship_date"]), "", dtype=object)


def _upgrade(raw: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """summary.json in the current format: a first-format summary with unmet need under its
    new name and, for a run of one donor giving masks, the goods and donors sections."""
    if raw.get("format_version", 1) >= FORMAT_VERSION:
        return raw
    s: dict[str, Any] = _renamed(raw)
    if "goods" not in s:
        good, donor = scenario["goods"][0], scenario["donors"][0]
        pledges = {k: v for k, v in s.get("pledges", {}).items() if k != "each"}
        metrics = {k: v for k, v in s.items() if k in _GOOD_KEYS}
        s["goods"] = {good["id"]: {"name": good.get("name", good["id"]),
                                   "unit": good.get("unit", "units"), "received": 0.0,
                                   **metrics, "pledges": pledges}}
        s["donors"] = {donor["id"]: {
            "name": donor.get("name", donor["id"]),
            "goods": {good["id"]: {**{k: s.get(k) for k in _DONOR_KEYS}, "received": 0.0,
                                   "pledges": {k: v for k, v in pledges.items()
                                               if k != "not_due"}}},
            "exchanges": []}}
        s.setdefault("coordination", "independent")
        for p in s.get("pledges", {}).get("each", []):
            p.setdefault("donor", donor["id"])
            p.setdefault("good", good["id"])
    s["format_version"] = FORMAT_VERSION
    return s


_GOOD_KEYS = ("produced", "released", "domestic_demand", "domestic_shortfall", "donated_total",
              "delivered_total", "in_transit_end", "donated_by_region", "delivered_by_region",
              "fill_rate_by_region", "unmet_need", "unmet_need_by_region", "gini_fill_rate",
              "gini_fill_rate_population", "min_fill_rate", "mean_fill_rate",
              "first_delivery_day_by_region", "final_stock")
_DONOR_KEYS = ("produced", "released", "domestic_demand", "domestic_shortfall",
               "donated_total", "delivered_total", "donated_by_region", "final_stock")


def _renamed(data: Any) -> Any:
    """``unmet_need_masks`` (format 1) as ``unmet_need``, however deeply nested."""
    if isinstance(data, dict):
        return {("unmet_need" if k == "unmet_need_masks" else k): _renamed(v)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_renamed(v) for v in data]
    return data
