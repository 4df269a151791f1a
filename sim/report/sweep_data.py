"""A sweep folder read back for its figures: ``experiments/part-*.parquet`` (one row per
experiment and replication: the swept parameters by label, then the outcomes of
``sim.results.metrics.SCALARS``), ``sensitivity.csv`` after ``masksim sensitivity``, and
``provenance.json``; with the labels and units the figures put on them."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from numpy.typing import NDArray

from sim.results.metrics import SCALARS, split_outcome
from sim.scenario.errors import InputError

KEYS = ("experiment", "replication", "seed")
# Label with unit, and the factor from stored units (masks, fractions) to plotted ones.
OUTCOMES: dict[str, tuple[str, float]] = {
    "produced": ("Produced (million masks)", 1e-6),
    "released": ("Released, not requisitioned (million masks)", 1e-6),
    "domestic_demand": ("Domestic demand (million masks)", 1e-6),
    "domestic_shortfall": ("Domestic shortfall (million masks)", 1e-6),
    "donated_total": ("Donated (million masks)", 1e-6),
    "delivered_total": ("Delivered (million masks)", 1e-6),
    "in_transit_end": ("In transit at the end (million masks)", 1e-6),
    "unmet_need": ("Unmet need (million masks)", 1e-6),
    "gini_fill_rate": ("Gini of fill rates (0 = equal)", 1.0),
    "min_fill_rate": ("Lowest region's fill rate (%)", 100.0),
    "mean_fill_rate": ("Mean fill rate (%)", 100.0),
    "pledged_total": ("Pledged (million masks)", 1e-6),
    "pledges_on_time": ("Pledges shipped on time (million masks)", 1e-6),
    "pledges_late": ("Pledges shipped late (million masks)", 1e-6),
    "pledges_unmet": ("Pledges never shipped (million masks)", 1e-6),
    "final_stock": ("Donor stock at the end (million masks)", 1e-6),
}
KEY_OUTCOMES = ("donated_total", "domestic_shortfall", "mean_fill_rate", "gini_fill_rate")
# Units of levers whose name does not say them.
PARAM_UNITS = {"reserve.days": "days", "donor.outages.daily_probability": "per day",
               "donor.outages.severity": "share of capacity", "budget.share": "share of surplus",
               "budget.amount_per_week": "masks a week", "shipments.cadence_days": "days",
               "allocation.planning_horizon_days": "days", "domestic.uptake": "share"}
RULE = "allocation.rule"


@dataclass(frozen=True)
class SweepData:
    path: Path
    columns: dict[str, NDArray[Any]]  # numeric columns as float64, others as str objects
    params: list[str]
    outcomes: list[str]
    sensitivity: list[dict[str, str]]  # rows of sensitivity.csv; empty if not computed
    provenance: dict[str, Any]

    @property
    def n_rows(self) -> int:
        return len(self.columns[self.outcomes[0]])


def outcome_label(name: str) -> tuple[str, float]:
    """An outcome's axis label with its unit, and the factor to that unit; a good's outcome
    (``delivered_total[kits]``) names the good and counts its units, not masks."""
    metric, good = split_outcome(name)
    label, factor = OUTCOMES.get(metric, (metric, 1.0))
    if good is None:
        return label, factor
    label = label.replace("million masks", "million units")
    head, paren, unit = label.partition(" (")
    return f"{head}, {good}{paren}{unit}", factor


def param_label(name: str) -> str:
    unit = PARAM_UNITS.get(name)
    return f"{name} ({unit})" if unit else name


def load_sweep(folder: str | Path) -> SweepData:
    """Read a sweep folder; anything missing or damaged raises InputError."""
    path = Path(folder)
    parts = path / "experiments"
    if not path.is_dir():
        raise InputError(path, "", "no such folder")
    if not parts.is_dir() or not any(parts.glob("*.parquet")):
        raise InputError(path, "experiments", "missing: not a sweep folder (no Parquet parts)")
    try:
        table = pq.read_table(parts)
    except Exception as exc:  # pyarrow raises several types for a damaged dataset
        raise InputError(parts, "", f"cannot read Parquet: {exc}") from None
    names = list(table.column_names)
    outcomes = [n for n in SCALARS if n in names] + [
        n for n in names if split_outcome(n)[1] is not None and split_outcome(n)[0] in SCALARS]
    if "experiment" not in names or not outcomes or table.num_rows == 0:
        raise InputError(parts, "experiment" if "experiment" not in names else "",
                         "not a sweep table (needs experiment and outcome columns, and rows)")
    columns: dict[str, NDArray[Any]] = {}
    for n in names:
        col = table.column(n)
        kind = str(col.type)
        if kind.startswith(("int", "uint", "float", "double", "bool")):
            columns[n] = np.asarray(col.to_numpy(), dtype=np.float64)
        else:  # strings, dictionary-encoded strings
            columns[n] = np.array([str(v) for v in col.to_pylist()], dtype=object)
    params = [n for n in names if n not in KEYS and n not in outcomes]
    sens: list[dict[str, str]] = []
    if (path / "sensitivity.csv").is_file():
        with open(path / "sensitivity.csv", newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            need = {"outcome", "parameter", "method"}
            if not need <= set(reader.fieldnames or ()):
                raise InputError(path / "sensitivity.csv", "", "needs columns "
                                 "outcome, parameter, method, first, total, srrc")
            sens = list(reader)
    prov: dict[str, Any] = {}
    if (path / "provenance.json").is_file():
        try:
            prov = json.loads((path / "provenance.json").read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(path / "provenance.json", "", f"cannot read: {exc}") from None
    return SweepData(path, columns, params, outcomes, sens, prov if isinstance(prov, dict)
                     else {})


def design_points(columns: dict[str, NDArray[Any]]) -> NDArray[np.int64]:
    """The design point of each run: experiment i is point i // replications (sim.sweep.spec),
    so the replications of a point share its number."""
    experiment = np.asarray(columns["experiment"], dtype=np.int64)
    if "replication" not in columns or not len(experiment):
        return experiment
    replications = int(np.max(columns["replication"])) + 1
    return experiment // replications


def footnote(sweep: SweepData, extra: str = "") -> str:
    p = sweep.provenance
    n_points = len(np.unique(design_points(sweep.columns)))
    name = p.get("sweep") or p.get("name") or sweep.path.name
    seed = p.get("seed", p.get("root_seed", "?"))
    return (f"Source: masksim {p.get('version', '?')}, sweep {name}, {sweep.n_rows} runs "
            f"({n_points} design points), root seed {seed}." + (f"\n{extra}" if extra else ""))


