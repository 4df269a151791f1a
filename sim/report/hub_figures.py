"""The hubs figure: what landed at each hub and what it handled, the queue at the end of
each day and how long what it handled had waited, a row of panels per hub. Amounts are in
days of the hub's throughput: a hub counts units of any good (or kg) as one, and in days of
its work its backlog reads without an axis of masks and ventilators added together.

Drawn only for a run with hubs (``hubs.parquet``): :func:`sim.report.figures.run_figures`
adds it to a run's figures; the brief draws it on its page "Hubs" (sim.report.hub_brief).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.report.style import (
    BLACK,
    BLUE,
    FIGSIZE,
    GREEN,
    GREY,
    ORANGE,
    VERMILLION,
    FigureResult,
    canvas,
    date_axis,
    mm,
    panel_title,
    provenance,
    ylabel,
)
from sim.results.reader import RunData

TITLE = "Hubs: the backlog in days of work, what landed and was handled, and the wait"


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def throughput(run: RunData, hub: str) -> float | None:
    """The hub's throughput a day, from the scenario (None if it does not say)."""
    for h in run.scenario.get("hubs", []):
        if h.get("id") == hub and "throughput_per_day" in h:
            return float(h["throughput_per_day"])
    return None


def figsize(run: RunData) -> tuple[float, float]:
    """Taller with each hub, so that its row of panels stays readable."""
    return FIGSIZE[0], max(FIGSIZE[1], 1.4 + 2.3 * len(run.hubs))


def hubs(run: RunData, fig: FigureBase | None = None) -> FigureResult:
    """Per hub: its backlog and what landed and was handled each day, in days of its
    throughput; and the mean days what it handled had waited."""
    fig, body = canvas(fig, TITLE, provenance(run.summary), figsize(run))
    grid = body.subplots(max(len(run.hubs), 1), 2, squeeze=False, width_ratios=[1.6, 1])
    axes = []
    x = run.dates
    for (left, right), (hub, s) in zip(grid, run.hubs.items(), strict=False):
        unit, cap = run.hub_unit(hub), throughput(run, hub)
        # A hub counts units of any good (or kg): in days of its own throughput, the queue
        # and the landings read without adding masks to ventilators on one axis.
        per_day = cap or max(float(np.nanmax(s["handled"], initial=0.0)), 1.0)
        left.bar(x, s["handled"] / per_day, width=1.0, color=GREEN, alpha=0.7, lw=0,
                 label="handled that day")
        left.plot(x, s["queue"] / per_day, color=BLUE, lw=1.6,
                  label="queue at the end of the day")
        left.axhline(1.0, color=BLACK, linestyle="--", lw=0.9, label="throughput a day")
        landed = s["arrived"] > 0
        left.plot(x[landed], s["arrived"][landed] / per_day, linestyle="",
                  marker="v", color=ORANGE, markersize=4.5, label="landed that day")
        ylabel(left, f"Days of the hub's work ({mm(per_day)} {unit} a day)",
               0.7 / len(grid))
        left.set_ylim(bottom=0)
        e = run.hub_summary(hub)
        panel_title(left, f"{run.hub_name(hub)}: {mm(_n(e.get('handled')))} {unit} handled",
                    0.5)
        wait = s["wait_days"]
        right.plot(x, wait, color=VERMILLION, marker="o", markersize=2.5, lw=1.2,
                   label="mean wait of what was handled that day")
        mean = e.get("mean_wait_days")
        if mean is not None:
            right.axhline(mean, color=GREY, linestyle=":", lw=1.0,
                          label="mean over the horizon")
        right.set_ylim(bottom=0, top=max(float(np.nanmax(wait, initial=0.0)) * 1.15, 1.0))
        right.set_ylabel("Days waited")
        panel_title(right, "Waiting time" + (f": {mean:.1f} days on average" if mean is not None
                                             else ": nothing handled"), 0.3)
        for ax in (left, right):  # a day's room for the first and last day's bar
            date_axis(ax, x, pad_days=1)
        axes += [left, right]
    if not run.hubs:  # a run without hubs draws none (run_figures leaves it out)
        grid[0, 0].text(0.5, 0.5, "no hubs", ha="center", transform=grid[0, 0].transAxes)
    handles = [Patch(color=GREEN, alpha=0.7), Line2D([], [], color=BLUE, lw=1.6),
               Line2D([], [], color=BLACK, linestyle="--", lw=0.9),
               Line2D([], [], color=ORANGE, marker="v", linestyle=""),
               Line2D([], [], color=VERMILLION, marker="o", markersize=2.5, lw=1.2),
               Line2D([], [], color=GREY, linestyle=":")]
    labels = ["handled that day", "queue at the end of the day", "throughput a day (1 day)",
              "landed that day", "days what was handled had waited", "mean wait"]
    body.legend(handles, labels, loc="outside upper center", ncols=3)
    return fig, axes
