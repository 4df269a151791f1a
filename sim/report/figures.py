"""Figures of one run: where the masks came from, where they went and when, who was left short.

Every figure function takes a :class:`RunData` (a result folder read back by
:func:`load_run`) and returns ``(fig, axes)``. Figures are plain
:class:`matplotlib.figure.Figure` objects, never pyplot's global ones, so no backend is
chosen and nothing is styled on import: call them inside ``with house_style():``, and save
inside it too (some settings, such as fonts in PDF and the SVG hash salt, are read when the
file is written). Pass ``fig=`` (a Figure or SubFigure) to draw into a page of the brief.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D

from sim.report import goods_figures, hub_figures
from sim.report.style import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    VERMILLION,
    Array,
    M,
    canvas,
    mm,
    shipment_lanes,
    style,
)
from sim.report.style import FigureResult as FigureResult
from sim.report.style import house_style as house_style
from sim.report.style import provenance as provenance
from sim.report.style import rolling_sum as rolling_sum
from sim.results import metrics
from sim.results.reader import RUN_FILES as RUN_FILES
from sim.results.reader import RunData as RunData
from sim.results.reader import load_run as load_run
from sim.scenario.enums import WEEKDAYS, PledgeDispatch


def pledges_due(run: RunData) -> Array:
    """Masks falling due per day and region (T, R), as the model schedules them
    (sim.engine.plan): a fixed pledge on its own date, or on the first regular shipment day
    on or after it when it waits for one; a standing one on every regular shipment day of
    its span (weeks since the last shipment)."""
    due = np.zeros((len(run.dates), len(run.region_ids)))
    t0 = run.dates[0]
    shipments = run.scenario["donors"][0].get("shipments", {})
    cadence = int(shipments.get("cadence_days", 7))
    weekday = WEEKDAYS.index(shipments.get("weekday", "wednesday"))
    first = (weekday - t0.astype(object).weekday()) % 7
    ships = run.dates[first::cadence]

    def day(d: np.datetime64) -> int:
        return int((d - t0).astype(np.int64))

    for p in run.scenario.get("pledges", []):
        if p.get("region") not in run.region_ids:
            continue
        i = run.region_ids.index(p["region"])
        if p.get("kind") == "standing":
            lo, hi = np.datetime64(p["start"], "D"), np.datetime64(p["end"], "D")
            for s in ships[(ships >= lo) & (ships <= hi)]:
                due[day(s), i] += p["amount_per_week"] * cadence / 7
        elif p.get("dispatch", PledgeDispatch.ON_DATE) == PledgeDispatch.ON_DATE:
            due[day(np.datetime64(p["date"], "D")), i] += p["amount"]
        else:
            later = ships[ships >= np.datetime64(p["date"], "D")]
            if len(later):
                due[day(later[0]), i] += p["amount"]
    return due


# The record beside the model (summary.json "observations"): marker, fill and dash by kind,
# so that kinds stay apart in grey print; colour follows the model line the record is set
# against. A value is a marker; a range a capped bar from its low to its high end.
RECORD_STYLE: dict[str, tuple[str, bool, Any]] = {
    "documented": ("o", True, "-"), "estimate": ("D", False, "--"), "pledged": ("s", False, ":"),
}


def record(ax: Axes, run: RunData, colours: dict[str, str]) -> list[tuple[Artist, str]]:
    """Draw on ``ax`` (in millions) the run's observations whose series path is a key of
    ``colours``; returns a legend entry for each kind drawn."""
    return draw_record(ax, run.summary.get("observations", []), colours)


def draw_record(ax: Axes, observations: Iterable[Mapping[str, Any]],
                colours: dict[str, str]) -> list[tuple[Artist, str]]:
    """``record`` for any observations as summary.json has them (date, series, kind, and
    value or range), so that sweep figures draw the record the same way."""
    kinds = set()
    for o in observations:
        colour = colours.get(o["series"])
        if colour is None:
            continue
        marker, filled, dash = RECORD_STYLE.get(o["kind"], RECORD_STYLE["documented"])
        x = np.datetime64(o["date"], "D")
        if o.get("range") is not None:
            lo, hi = (v / M for v in o["range"])
            bar = ax.errorbar([x], [(lo + hi) / 2], yerr=[[(hi - lo) / 2], [(hi - lo) / 2]],
                              fmt="none", ecolor=colour, elinewidth=1.8, capsize=4,
                              capthick=1.8, zorder=4)
            bar[2][0].set_linestyle(dash)
        else:
            ax.plot([x], [o["value"] / M], linestyle="", marker=marker, markersize=6.5,
                    color=colour, markerfacecolor=colour if filled else "white",
                    markeredgewidth=1.4, zorder=4)
        kinds.add(o["kind"])
    return [(Line2D([], [], color=BLACK, marker=m, linestyle=dash, lw=1.4,
                    markerfacecolor=BLACK if filled else "white"), f"record, {kind}")
            for kind, (m, filled, dash) in RECORD_STYLE.items() if kind in kinds]


def _legend(ax: Axes, extra: list[tuple[Artist, str]], **kw: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    ax.legend([*handles, *(h for h, _ in extra)], [*labels, *(t for _, t in extra)], **kw)


def supply(run: RunData, fig: FigureBase | None = None) -> FigureResult:
    """Production, the domestic ration served, donations; stock against the reserve."""
    fig, body = canvas(fig, f"Supply: what {run.donor} made, used at home, kept and gave",
                       provenance(run.summary))
    ax0, ax1 = body.subplots(2, 1, sharex=True, height_ratios=[1.25, 1])
    d, x = run.daily, run.dates
    ax0.plot(x, d["capacity"] / M, color=GREY, linestyle=":", label="capacity")
    ax0.plot(x, d["production"] / M, color=BLUE, linestyle="-", label="production")
    ax0.plot(x, d["domestic_served"] / M, color=ORANGE, linestyle="-", lw=2.8,
             label="domestic ration served")
    ax0.plot(x, d["domestic_demand"] / M, color=BLACK, linestyle="--", lw=1.0,
             label="domestic ration demanded")
    short = d["domestic_shortfall"] > 0
    if short.any():
        ax0.fill_between(x, d["domestic_served"] / M, d["domestic_demand"] / M, where=short,
                         color=VERMILLION, alpha=0.5, hatch="xxxx", label="domestic shortfall")
    released = d.get("released")
    if released is not None and (released > 0).any():
        ax0.plot(x, released / M, color=PURPLE, linestyle="-.",
                 label="released: not requisitioned (market, exports)")
    ship = d["shipment_day"] > 0
    ax0.bar(x[ship], d["shipped"][ship] / M, width=2.0, color=GREEN, hatch="////",
            edgecolor="white", linewidth=0.3, label="donations shipped that day")
    ax0.set_ylabel("Flow (million masks per day)")
    ax0.set_title("Daily flows", loc="left")
    _legend(ax0, record(ax0, run, {"donor.production": BLUE, "domestic.served_per_day": ORANGE,
                                   "domestic.demand_per_day": BLACK}),
            loc="upper left", ncols=2)
    ax0.set_ylim(bottom=0)

    # Stock can dwarf the reserve and the donations; end values in the legend say what
    # flat lines near zero cannot (labels at the line ends would collide).
    donated = np.cumsum(d["shipped"])
    ax1.plot(x, d["stock"] / M, color=BLUE, linestyle="-",
             label=f"donor stock ({mm(float(d['stock'][-1]))} at the end)")
    ax1.plot(x, d["reserve"] / M, color=VERMILLION, linestyle="--",
             label=f"reserve kept back ({mm(float(d['reserve'][-1]))})")
    ax1.plot(x, donated / M, color=GREEN, linestyle="-.",
             label=f"donated to date ({mm(float(donated[-1]))})")
    ax1.set_ylabel("Stock (million masks)")
    ax1.set_title("Stocks at the end of each day", loc="left")
    _legend(ax1, record(ax1, run, {"donor.stock": BLUE, "donated.cumulative": GREEN}),
            loc="upper left")
    ax1.set_ylim(bottom=0)
    ax1.set_xlabel("Date")
    return fig, [ax0, ax1]


def _panels(run: RunData, limit: int = 12) -> list[tuple[str, list[int]]]:
    """Regions to draw one panel each: all of them, or the largest recipients and the rest
    pooled, so that a campaign to 54 countries still fits on a page."""
    weight = run.regions["shipped"].sum(axis=0) + pledges_due(run).sum(axis=0)
    order = list(range(len(run.region_ids)))
    if len(order) <= limit:
        return [(run.region_name(run.region_ids[i]), [i]) for i in order]
    top = sorted(order, key=lambda i: -weight[i])[: limit - 1]
    rest = [i for i in order if i not in top]
    return ([(run.region_name(run.region_ids[i]), [i]) for i in sorted(top)]
            + [(f"{len(rest)} other regions", rest)])


def donations(run: RunData, fig: FigureBase | None = None) -> FigureResult:
    """Cumulative deliveries by region against what was pledged to ship by each date."""
    fig, body = canvas(fig, "Donations: delivered to each region against pledges",
                       provenance(run.summary))
    panels = _panels(run)
    axes, grid = _grid(body, len(panels))
    due = np.cumsum(pledges_due(run), axis=0)
    arrived = np.cumsum(run.regions["arrived"], axis=0)
    shipped = np.cumsum(run.regions["shipped"], axis=0)
    kinds: dict[str, Artist] = {}
    for k, (ax, (label, cols)) in enumerate(zip(axes, panels, strict=False)):
        s = style(k)
        if len(cols) == 1:  # a pooled panel draws no one region's record
            rid = run.region_ids[cols[0]]
            kinds.update((text, h) for h, text in record(ax, run, {
                f"regions.{rid}.delivered.cumulative": s.color,
                f"regions.{rid}.shipped.cumulative": GREY}))
        ax.plot(run.dates, due[:, cols].sum(axis=1) / M, color=BLACK, linestyle="--",
                lw=1.1, label="pledged, due to ship")
        ax.plot(run.dates, shipped[:, cols].sum(axis=1) / M, color=GREY, linestyle=":",
                lw=1.1, label="shipped")
        total = arrived[:, cols].sum(axis=1)
        ax.plot(run.dates, total / M, color=s.color, linestyle="-", lw=2.0,
                label="delivered")
        ax.set_title(label, loc="left", fontsize=8.5)
        ax.annotate(mm(total[-1]), (1.0, 0.02), xycoords="axes fraction", ha="right",
                    va="bottom", fontsize=7.5)
    for row in grid:
        row[0].set_ylabel("To date (million masks)")
    handles = [Line2D([], [], color=BLACK, linestyle="--", lw=1.1),
               Line2D([], [], color=GREY, linestyle=":", lw=1.1),
               Line2D([], [], color=GREY, linestyle="-", lw=2.0)]
    labels = ["pledged, due to ship", "shipped", "delivered (colour by region)"]
    order = [f"record, {kind}" for kind in RECORD_STYLE if f"record, {kind}" in kinds]
    body.legend([*handles, *(kinds[t] for t in order)], [*labels, *order],
                loc="outside upper center", ncols=3 + len(order))
    return fig, axes


def _grid(body: FigureBase, n: int) -> tuple[list[Axes], list[list[Axes]]]:
    """Small multiples, one panel per region group, sharing both axes so that panels
    compare at a glance; spare cells are switched off."""
    ncols = 3 if n > 4 else 2 if n > 1 else 1
    grid = body.subplots(math.ceil(n / ncols), ncols, sharex=True, sharey=True, squeeze=False)
    rows = [list(row) for row in grid]
    axes = [ax for row in rows for ax in row]
    for ax in axes[n:]:
        ax.set_axis_off()
    return axes[:n], rows


def sufficiency(run: RunData, fig: FigureBase | None = None) -> FigureResult:
    """Share of each region's need met (7-day rolling and to date), and the need unmet."""
    fig, body = canvas(fig, "Sufficiency: how much of each region's need was met",
                       provenance(run.summary))
    parts = body.subfigures(2, 1, squeeze=False, height_ratios=[1.55, 1])
    top, bottom = parts[0, 0], parts[1, 0]
    panels = _panels(run)
    axes, rows = _grid(top, len(panels))
    r = run.regions
    for k, (ax, (label, cols)) in enumerate(zip(axes, panels, strict=True)):
        need7 = rolling_sum(r["need"][:, cols].sum(axis=1), 7)
        got7 = rolling_sum(r["consumed"][:, cols].sum(axis=1), 7)
        need, got = np.cumsum(r["need"][:, cols].sum(axis=1)), np.cumsum(
            r["consumed"][:, cols].sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            ax.plot(run.dates, np.where(need7 > 0, 100 * got7 / need7, np.nan),
                    color=style(k).color, linestyle="-", lw=1.4)
            ax.plot(run.dates, np.where(need > 0, 100 * got / need, np.nan), color=BLACK,
                    linestyle="--", lw=1.1)
        ax.set_title(label, loc="left", fontsize=8.5)
        ax.set_ylim(-3, 105)
    for row in rows:
        row[0].set_ylabel("Need met (%)")
    handles = [Line2D([], [], color=GREY, linestyle="-", lw=1.4),
               Line2D([], [], color=BLACK, linestyle="--", lw=1.1)]
    top.legend(handles, ["past 7 days (colour by region)", "to date"],
               loc="outside upper center", ncols=2)

    ax1 = bottom.subplots()
    unmet = np.array([r["unmet"][:, cols].sum() for _, cols in panels]) / M
    need_all = np.array([r["need"][:, cols].sum() for _, cols in panels])
    got_all = np.array([r["consumed"][:, cols].sum() for _, cols in panels])
    y = np.arange(len(panels))[::-1]
    for k in range(len(panels)):
        s = style(k)
        ax1.barh(y[k], unmet[k], color=s.color, hatch=s.hatch, edgecolor="white", lw=0.3)
        met = f" {100 * got_all[k] / need_all[k]:.1f} % met" if need_all[k] > 0 else " no need"
        ax1.annotate(met, (unmet[k], y[k]), va="center", fontsize=7.5)
    ax1.set_yticks(y, [label for label, _ in panels])
    ax1.set_xlabel("Unmet need over the horizon (million masks)")
    ax1.set_xlim(0, max(float(unmet.max()), 1e-9) * 1.25)
    ax1.grid(axis="y", visible=False)
    ax1.set_title(f"Unmet need: {mm(float(r['unmet'].sum()))} masks in all", loc="left")
    return fig, [*axes, ax1]


def gini_over_time(run: RunData) -> tuple[Array, Array]:
    """Gini of fill rates to date and over the past 7 days; NaN while nobody got anything
    (equal at zero is not equity)."""
    need, got = run.regions["need"], run.regions["consumed"]
    out = []
    for n, g in ((np.cumsum(need, axis=0), np.cumsum(got, axis=0)),
                 (rolling_sum(need, 7), rolling_sum(got, 7))):
        out.append(np.where(g.sum(axis=1) > 0, metrics.gini(metrics.fill_rate(g, n)), np.nan))
    return out[0], out[1]


def equity(run: RunData, fig: FigureBase | None = None) -> FigureResult:
    """Lorenz curve of the regions' fill rates at the end, and their Gini over time."""
    fig, body = canvas(fig, "Equity: how evenly the need was met across regions",
                       provenance(run.summary))
    # Side by side on a landscape figure, stacked on a portrait page of the brief.
    w, h = body.get_figure(root=True).get_size_inches()
    tall = h > w
    ax0, ax1 = body.subplots(2 if tall else 1, 1 if tall else 2,
                             **({"height_ratios": [1, 1]} if tall else {"width_ratios": [1, 1.5]}))
    rates = sorted((v if v is not None else 0.0, k)
                   for k, v in run.summary["fill_rate_by_region"].items())
    values = np.array([v for v, _ in rates])
    n = len(values)
    xs = np.linspace(0, 1, n + 1)
    total = values.sum()
    ys = np.concatenate([[0.0], np.cumsum(values) / total]) if total > 0 else np.zeros(n + 1)
    ax0.plot([0, 1], [0, 1], color=GREY, linestyle="--", lw=1.0, label="equal fill rates")
    ax0.plot(xs, ys, color=BLUE, marker="o", label="Lorenz curve")
    ax0.fill_between(xs, ys, xs, color=BLUE, alpha=0.12)
    ax0.set_aspect("equal")
    ax0.set_xlim(0, 1)
    ax0.set_ylim(0, 1)
    ax0.set_xlabel("Share of regions, lowest fill first (fraction)")
    ax0.set_ylabel("Share of summed fill rates (fraction)")
    g = run.summary["gini_fill_rate"]
    ax0.set_title(f"At the end: Gini {g:.2f}" if g is not None else
                  "At the end: nothing was delivered, so fairness is undefined", loc="left")
    ax0.legend(loc="upper left")

    to_date, week = gini_over_time(run)
    ax1.plot(run.dates, to_date, color=BLUE, linestyle="-", label="fill rates to date")
    ax1.plot(run.dates, week, color=VERMILLION, linestyle="--", lw=1.1,
             label="fill rates over the past 7 days")
    ax1.set_ylim(0, 1)
    ax1.set_xlim(run.dates[0], run.dates[-1])
    # Clipped to the horizon, five months hold only four month starts, and the default
    # (at least five ticks) falls back to half-months with an odd "2020-Jun" offset.
    ax1.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3))  # type: ignore[no-untyped-call]
    ax1.set_ylabel("Gini coefficient (0 = equal, 1 = one region has all)")
    ax1.set_xlabel("Date")
    ax1.legend(loc="lower left")
    ax1.set_title("Gini over time (blank while no region received any)", loc="left")
    return fig, [ax0, ax1]


def shipments(run: RunData, fig: FigureBase | None = None) -> FigureResult:
    """What left, to whom, how much and when it arrived."""
    fig, body = canvas(fig, "Shipments: what left, for whom, how much, and when it arrived",
                       provenance(run.summary))
    ax = body.subplots()
    rows = {rid: len(run.region_ids) - 1 - i for i, rid in enumerate(run.region_ids)}
    sh = run.shipments
    biggest = float(sh["amount"].max(initial=1.0))

    def size(masks: float) -> float:  # marker area in pt^2, proportional to masks
        return 8.0 + 400.0 * masks / biggest

    seen: dict[str, int] = {}
    for j, rid in enumerate(sh["region"].tolist()):
        st = style(run.region_ids.index(rid) if rid in run.region_ids else 0)
        k = seen[rid] = seen.get(rid, -1) + 1
        masks, ship, arrive = float(sh["amount"][j]), sh["ship_date"][j], sh["arrival_date"][j]
        # Lead times can exceed the cadence; alternate lanes keep overlapping trips apart.
        up = k % 2 == 1
        y = rows.get(rid, 0) + (0.14 if up else -0.14)
        ax.plot([ship, arrive], [y, y], color=st.color, lw=1.2,
                linestyle="-" if sh["arrived_in_horizon"][j] else ":")
        pledged = sh["pledged"][j] >= 0.5 * masks
        ax.scatter([ship], [y], s=size(masks), marker="o", zorder=3,
                   facecolors=st.color if pledged else "white", edgecolors=st.color, lw=1.0)
        ax.plot([arrive], [y], marker="|", color=BLACK, markersize=6, zorder=3)
        if masks >= 0.08 * biggest:
            # Labels point away from the other lane of the same region.
            off = (2 + math.sqrt(size(masks)) / 2) * (1 if up else -1)
            ax.annotate(mm(masks), (ship, y), xytext=(0, off), textcoords="offset points",
                        ha="center", va="bottom" if up else "top", fontsize=6.5)
    shipment_lanes(ax, run, rows, seen, margin=0.3)
    ref = [v for v in (0.1 * M, 1 * M, 5 * M) if v <= biggest] or [biggest]
    handles: list[Artist] = [ax.scatter([], [], s=size(v), color=GREY) for v in ref]
    labels = [f"{mm(v)} masks, pledged" for v in ref]
    handles += [Line2D([], [], marker="o", color=GREY, markerfacecolor="white",
                       linestyle="", label="x"),
                Line2D([], [], marker="|", color=BLACK, linestyle="", markersize=6)]
    labels += ["hollow: mostly by the rule", "arrival"]
    body.legend(handles, labels, loc="outside upper center", ncols=len(labels),
                columnspacing=1.2, borderpad=0.6)
    return fig, [ax]


FigureMaker = Callable[[RunData, FigureBase | None], FigureResult]


def _faceted(single: FigureMaker, several: FigureMaker) -> FigureMaker:
    """A figure as a run needs it: by good and donor when it has several, else as ever."""
    def draw(run: RunData, fig: FigureBase | None = None) -> FigureResult:
        return (several if run.several else single)(run, fig)
    draw.__doc__ = single.__doc__
    return draw


RUN_FIGURES: dict[str, FigureMaker] = {
    name: _faceted(single, goods_figures.GOODS_FIGURES[name]) for name, single in {
        "supply": supply, "donations": donations, "sufficiency": sufficiency,
        "equity": equity, "shipments": shipments}.items()
}


def run_figures(run: RunData) -> dict[str, FigureMaker]:
    """The figures a run draws: the five of every run, and ``hubs`` for a run with hubs."""
    return {**RUN_FIGURES, **({"hubs": hub_figures.hubs} if run.hubs else {})}
