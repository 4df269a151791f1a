"""The replay of a sweep against the record: each observed donor series as the runs' median
and 5-95 % band over time, with the base scenario's observations on top.

A sweep over uncertain inputs (typically ``monte_carlo`` over a scenario's ASSUMPTION values)
that keeps daily donor series (``series = [...]`` in the sweep file) shows how far those
inputs spread the model, and whether the spread covers what the record says. Only donor
series are kept by sweeps, so observations of single regions (``regions.<id>....``) and of
deliveries are not drawn here; they are in each run's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from sim.report.figures import draw_record
from sim.report.style import BLUE, GREEN, ORANGE, PURPLE, VERMILLION, FigureResult, M, canvas
from sim.report.sweep_data import SweepData, footnote
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.observations import Measure
from sim.sweep.store import SCENARIO_COPY, read_series

Array = NDArray[np.float64]

# The band's percentiles: the middle 90 % of runs.
LOW, HIGH = 5.0, 95.0


@dataclass(frozen=True)
class Panel:
    """How a measure the record speaks of is read from the kept donor series and drawn."""

    series: str  # the donor series (sim.engine.state.DONOR_SERIES)
    cumulative: bool  # summed from the start of the horizon through the day
    title: str
    ylabel: str
    colour: str


# The measures a sweep can replay, in drawing order; the same readings as
# sim.results.observations (donated.cumulative is the running sum of daily shipments).
PANELS: dict[Measure, Panel] = {
    Measure.DONOR_PRODUCTION: Panel("production", False, "Production",
                                    "Flow (million masks per day)", BLUE),
    Measure.DOMESTIC_SERVED: Panel("domestic_served", False, "Domestic demand served",
                                   "Flow (million masks per day)", ORANGE),
    Measure.DOMESTIC_DEMAND: Panel("domestic_demand", False, "Domestic demand (every domestic use)",
                                   "Flow (million masks per day)", PURPLE),
    Measure.DONOR_STOCK: Panel("stock", False, "Donor stock at the end of the day",
                               "Stock (million masks)", VERMILLION),
    Measure.DONATED: Panel("shipped", True, "Donated to date (shipped)",
                           "Cumulative (million masks)", GREEN),
}


@dataclass(frozen=True)
class Replay:
    """The runs' values of each replayed measure, and the observations of it."""

    dates: NDArray[np.datetime64]  # (T,)
    values: dict[Measure, Array]  # (runs, T) per measure, in PANELS order
    observations: list[dict[str, Any]]  # as summary.json has them, replayed measures only

    @property
    def n_runs(self) -> int:
        return len(next(iter(self.values.values())))


def bands(values: Array) -> tuple[Array, Array, Array]:
    """(5th percentile, median, 95th percentile) over runs (axis 0), one value a day."""
    lo, mid, hi = np.percentile(values, [LOW, 50.0, HIGH], axis=0)
    return lo, mid, hi


def load_replay(folder: str | Path) -> Replay | None:
    """The replay of a sweep folder, or None when the base scenario has no observations of a
    series the sweep kept (or the sweep kept none)."""
    path = Path(folder)
    if not (path / "series").is_dir() or not (path / SCENARIO_COPY).is_file():
        return None
    scenario = load(path / SCENARIO_COPY)
    frame = read_series(path)
    kept = [m for m, p in PANELS.items() if p.series in frame.columns]
    observed = [m for m in kept if any(o.path.measure is m for o in scenario.observations)]
    if not observed:
        return None
    values: dict[Measure, Array] = {}
    dates: NDArray[np.datetime64] | None = None
    for m in observed:
        panel = PANELS[m]
        table = frame.pivot(index="experiment", columns="date", values=panel.series)
        if table.isna().to_numpy().any():
            raise InputError(path, "series", "runs of unequal length; not one sweep")
        a = table.to_numpy(dtype=np.float64)
        values[m] = np.cumsum(a, axis=1) if panel.cumulative else a
        dates = np.array([np.datetime64(d, "D") for d in table.columns])
    assert dates is not None
    if dates[0] != np.datetime64(scenario.horizon.start, "D"):
        raise InputError(path, "series", f"starts {dates[0]}, the scenario on "
                         f"{scenario.horizon.start}")
    obs = [o.model_dump(mode="json") for o in scenario.observations if o.path.measure in values]
    return Replay(dates, values, obs)


def replay(sweep: SweepData, data: Replay, fig: FigureBase | None = None) -> FigureResult:
    """Each observed series: the runs' median and 5-95 % band, and the record on top."""
    n = len(data.values)
    fig, body = canvas(fig, "Replay: the model's spread over its assumptions against the "
                       "record", footnote(sweep, f"Lines: median of {data.n_runs} runs; "
                                          f"bands: {LOW:g}-{HIGH:g} % of runs, day by day."),
                       figsize=(7.5, 2.0 + 1.75 * n))
    axes: list[Axes] = list(np.atleast_1d(body.subplots(n, 1, sharex=True)).ravel())
    kinds: dict[str, Artist] = {}
    for ax, (measure, values) in zip(axes, data.values.items(), strict=True):
        panel = PANELS[measure]
        lo, mid, hi = bands(values)
        ax.fill_between(data.dates, lo / M, hi / M, color=panel.colour, alpha=0.25,
                        linewidth=0)
        ax.plot(data.dates, mid / M, color=panel.colour, linestyle="-", lw=1.6)
        obs = [o for o in data.observations if o["series"] == measure.value]
        kinds.update((text, h) for h, text in draw_record(ax, obs, {measure.value:
                                                                      panel.colour}))
        ax.set_title(f"{panel.title} ({measure.value})", loc="left")
        ax.set_ylabel(panel.ylabel, fontsize=7.5)
        # Take in observations outside the band too: the record must stay in view.
        top = max([float(hi.max()) / M, *(max(o["range"] or [o["value"]]) / M for o in obs)])
        ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        # A few days' margin: observations on the first or last day must not be cut in half.
        pad = np.timedelta64(3, "D")
        ax.set_xlim(data.dates[0] - pad, data.dates[-1] + pad)
    axes[-1].set_xlabel("Date")
    handles: list[Artist] = [Line2D([], [], color="#444444", lw=1.6),
                             Patch(facecolor="#444444", alpha=0.25)]
    labels = ["model, median of runs", f"model, {LOW:g}-{HIGH:g} % of runs"]
    body.legend([*handles, *kinds.values()], [*labels, *kinds], loc="outside upper center",
                ncols=3)
    return fig, axes
