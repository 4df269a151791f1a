"""A run as the page shows it: its key numbers beside the baseline's, page 1's sentences and
findings, and the series its charts draw. Built from ``RunData.of(result)`` (the run in
memory, the view the figures and the brief read), never from files.

Runs are kept in a small process-wide cache keyed by the scenario's TOML: a result depends on
nothing else (scenario + seed), it is never changed after it is built, and so two sessions
that ask for the same settings share it without sharing anything of their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.runner import run
from sim.report import title_page
from sim.report.compare import GOOD_LABELS, compare_table
from sim.report.findings import Finding, findings
from sim.report.needs import needed
from sim.report.series import gini_to_date
from sim.report.style import mm
from sim.results.reader import RunData
from sim.results.summary import summary
from sim.scenario.scenario import Scenario
from sim.scenario.writing import dump_toml

Array = NDArray[np.float64]

# What the key numbers are called on the page (summary.json keys, as `masksim compare`
# compares them); per-good rows are named "<good>: <GOOD_LABELS>".
LABELS = {
    "produced": "Produced", "released": "Released, not requisitioned",
    "domestic_shortfall": "Domestic shortfall", "donated_total": "Donated (shipped)",
    "delivered_total": "Delivered in the horizon", "in_transit_end": "In transit at the end",
    "pledges.on_time": "Pledged, shipped on time", "pledges.late": "Pledged, shipped late",
    "pledges.unmet": "Pledged, never shipped", "mean_fill_rate": "Need met, mean of regions",
    "min_fill_rate": "Need met, lowest region", "gini_fill_rate": "Gini of fill rates",
    "gini_fill_rate_population": "Gini, population-weighted", "unmet_need": "Unmet need",
    "final_stock": "Donor stock at the end",
}


@dataclass(frozen=True)
class RunView:
    """One run, ready for the page."""

    scenario: Scenario
    data: RunData
    sentences: tuple[str, ...]
    findings: tuple[Finding, ...]
    seconds: float  # the engine's time for this run

    @property
    def sha(self) -> str:
        """The resolved scenario's sha256, as the run's provenance has it."""
        return str(self.data.summary["provenance"]["scenario_sha256"])

    @property
    def toml(self) -> str:
        """The scenario as ``masksim run`` writes it (made when asked: a download)."""
        return dump_toml(self.scenario)


def build(scenario: Scenario) -> RunView:
    """Run ``scenario`` (SimPy engine, as ``masksim run`` does) and read it as the page does."""
    started = time.perf_counter()
    result = run(scenario)
    seconds = time.perf_counter() - started
    data = RunData.of(result, summary(result))
    # What page 1 of the brief says happened (the same sentences, one form for every run).
    sentences = [title_page.opening(data), *title_page.key_sentences(data)]
    return RunView(scenario, data, tuple(sentences), tuple(findings(data)), seconds)


@dataclass
class RunCache:
    """The last ``size`` runs by key (a base scenario and the settings made of it), shared
    by every session (thread-safe)."""

    size: int = 32
    _runs: OrderedDict[str, RunView] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str, scenario: Callable[[], Scenario],
            make: Callable[[Scenario], RunView] = build) -> RunView:
        """The run cached under ``key``, else ``make(scenario())`` cached there."""
        with self._lock:
            hit = self._runs.get(key)
            if hit is not None:
                self._runs.move_to_end(key)
                return hit
        view = make(scenario())
        with self._lock:
            self._runs[key] = view
            while len(self._runs) > self.size:
                self._runs.popitem(last=False)
        return view


# ---- key numbers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    key: str  # summary.json's key ("goods.kits.unmet_need" for a good's)
    label: str
    unit: str  # a good's unit, "share" or "index"
    baseline: float | None
    value: float | None

    def show(self, which: float | None) -> str:
        if which is None:
            return "n/a"
        if self.unit == "share":
            return f"{100 * which:.1f} %"
        if self.unit == "index":
            return f"{which:.3f}"
        return f"{mm(which)} {self.unit}"

    @property
    def change(self) -> str:
        if self.value is None or self.baseline is None:
            return ""
        d = self.value - self.baseline
        if abs(d) <= 1e-12 * max(1.0, abs(self.baseline)):
            return "same"
        sign = "+" if d > 0 else "-"
        if self.unit == "share":
            return f"{sign}{100 * abs(d):.1f} pp"
        if self.unit == "index":
            return f"{sign}{abs(d):.3f}"
        return f"{sign}{mm(abs(d))}"


def numbers(baseline: RunView, current: RunView) -> list[Number]:
    """The key numbers of the current run beside the baseline's, as ``masksim compare``
    tabulates them."""
    rows = compare_table([baseline.data, current.data])
    out = []
    for first, second in zip(rows[::2], rows[1::2], strict=True):
        key, unit = first["metric"], first["unit"]
        if key.startswith("goods."):
            good, _, metric = key.removeprefix("goods.").partition(".")
            label = f"{current.data.good_name(good)}: {GOOD_LABELS.get(metric, metric)}"
        else:
            label = LABELS.get(key, key)
        out.append(Number(key, label, unit, first["value"], second["value"]))
    return out


# ---- what the charts draw --------------------------------------------------------------------

SUPPLY = ("production", "domestic_served", "domestic_demand", "shipped", "stock", "reserve")
# Observation series -> the chart line the record is set against.
RECORD = {"donor.production": "production", "domestic.served_per_day": "domestic_served",
          "domestic.demand_per_day": "domestic_demand", "donor.stock": "stock",
          "donated.cumulative": "donated", "delivered.cumulative": "delivered"}


def supply(run: RunData, good: str) -> dict[str, Array]:
    """The good's daily series summed over its donors, and donated to date."""
    out = {k: np.zeros(len(run.dates)) for k in SUPPLY}
    for donor, g in run.channels_of(good):
        series = run.daily_of(donor, g)
        for k in SUPPLY:
            out[k] = out[k] + series.get(k, 0.0)
    out["donated"] = np.cumsum(out["shipped"])
    out["delivered"] = np.cumsum(run.regions_of(good)["arrived"].sum(axis=1))
    return out


def regions(run: RunData, good: str) -> dict[str, Array]:
    """Per region (R,): delivered in the horizon, and the share of need met (NaN where the
    region stated no need of the good)."""
    r = run.regions_of(good)
    need, got = r["need"].sum(axis=0), r["consumed"].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        met = np.where(needed(run, good), got / need, np.nan)
    return {"delivered": r["arrived"].sum(axis=0), "need_met": met}


def gini(run: RunData, good: str) -> Array:
    """Gini of the fill rates to date (NaN while none of the needy regions got any)."""
    if not needed(run, good).any():
        return np.full(len(run.dates), np.nan)
    return gini_to_date(run, good)


def record(run: RunData, good: str) -> list[dict[str, Any]]:
    """The run's observations of ``good`` that a chart draws: the line they belong to (a
    region's delivered to date goes beside its bar), date, value (a range's middle), low
    and high ends, kind and source."""
    out = []
    for o in run.summary.get("observations") or []:
        if o.get("good") != good:
            continue
        series = str(o["series"])
        line = RECORD.get(series)
        region = None
        if line is None and series.startswith("regions.") and series.endswith(
                ".delivered.cumulative"):
            region, line = series.split(".")[1], "region_delivered"
        if line is None:
            continue
        lo, hi = o["range"] if o.get("range") is not None else (o["value"], o["value"])
        value = o["value"] if o.get("value") is not None else (lo + hi) / 2
        out.append({"line": line, "region": region, "date": np.datetime64(o["date"], "D"),
                    "value": float(value), "low": float(lo), "high": float(hi),
                    "kind": str(o.get("kind", "")), "source": str(o.get("source", ""))})
    return out
