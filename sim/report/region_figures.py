"""Figures of what reached the regions: the donations figure (what was delivered, against
what was pledged and shipped) and the sufficiency figure (how much of each region's need was
met, week by week, and what went unmet).

Both scale to many regions and goods: a run of one good draws a panel per region (the
largest recipients, the rest pooled in one panel), a run of several goods a row per good
(deliveries by donor, and the largest recipients with the rest summed in one bar); need met
is a heat map of regions by weeks (the least served regions, the rest pooled in one row).
Every axis is in its good's own unit; colours are donors (Okabe-Ito) and the heat map's
shade is the share of need met.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.figure import FigureBase, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.report import series
from sim.report.marks import draw_record, record_handles
from sim.report.needs import needed, needy_goods
from sim.report.style import (
    BLACK,
    FIGSIZE,
    GREY,
    Array,
    FigureResult,
    canvas,
    date_axis,
    donor_style,
    fit,
    mm,
    num,
    panel_title,
    provenance,
    scale,
    ylabel,
)
from sim.results.reader import RunData

PANELS = 12  # region panels of a one-good donations figure: the largest, then the rest
BARS = 12  # bars of a by-region panel: the largest, then one bar for the rest
ROW_PT = 9.0  # height of a heat-map row (points): room for its label


def figsize(run: RunData, goods: Sequence[str]) -> tuple[float, float]:
    """Taller with each good, so that a row of panels stays readable."""
    return FIGSIZE[0], max(FIGSIZE[1] + 0.8, 1.6 + 2.6 * len(goods))


def _colour(run: RunData, good: str) -> str:
    """A good's delivered line: its donor's colour, or black for several donors."""
    chans = run.channels_of(good)
    return donor_style(run, chans[0][0]).color if len(chans) == 1 else BLACK


def _donor_legend(run: RunData, donors: Sequence[str]) -> list[tuple[Artist, str]]:
    return [(Patch(facecolor=donor_style(run, d).color, hatch=donor_style(run, d).hatch,
                   edgecolor="white"), run.donor_name(d)) for d in donors]


def given_goods(run: RunData) -> list[str]:
    """The goods some donor shipped (the others have nothing to show here)."""
    return [g for g in run.goods if any(run.daily_of(*c)["shipped"].any()
                                        for c in run.channels_of(g))]


def donations(run: RunData, fig: FigureBase | None = None,
              goods: Sequence[str] | None = None) -> FigureResult:
    """What was delivered to date against what was pledged and shipped: a panel per region
    for a run of one good, else a row per good some donor shipped (by donor, and by
    region)."""
    goods = list(given_goods(run) if goods is None else goods)
    if len(run.goods) == 1:
        return _one_good(run, fig, goods[0])
    return _by_good(run, fig, goods)


def _panels(run: RunData, good: str) -> list[tuple[str, list[int]]]:
    """The regions of a one-good figure's panels: all, or the largest (by what was shipped
    and pledged) and the rest pooled."""
    weight = run.regions_of(good)["shipped"].sum(axis=0) + series.pledges_due(run, good).sum(
        axis=0)
    keep, rest = series.top(weight, PANELS)
    panels = [(run.region_name(run.region_ids[i]), [i]) for i in sorted(keep)]
    return panels + ([(f"{len(rest)} other regions", rest)] if rest else [])


def _grid(body: FigureBase, n: int) -> tuple[list[Axes], list[list[Axes]]]:
    """Small multiples sharing both axes, spare cells switched off."""
    ncols = 3 if n > 4 else 2 if n > 1 else 1
    grid = body.subplots(math.ceil(n / ncols), ncols, sharex=True, sharey=True, squeeze=False)
    rows = [list(row) for row in grid]
    axes = [ax for row in rows for ax in row]
    for ax in axes[n:]:
        ax.set_axis_off()
    return axes[:n], rows


def _one_good(run: RunData, fig: FigureBase | None, good: str) -> FigureResult:
    unit = run.unit(good)
    fig, body = canvas(fig, "Donations: delivered to each region against pledges",
                       provenance(run.summary), figsize(run, [good]))
    panels = _panels(run, good)
    axes, grid = _grid(body, len(panels))
    r = run.regions_of(good)
    due = np.cumsum(series.pledges_due(run, good), axis=0)
    arrived, shipped = np.cumsum(r["arrived"], axis=0), np.cumsum(r["shipped"], axis=0)
    div, word = scale(max(float(due.max(initial=0)), float(shipped.sum(axis=1).max(initial=0))
                          if len(panels) < len(run.region_ids) else float(
                              shipped.max(initial=0))))
    colour = _colour(run, good)
    kinds: dict[str, Artist] = {}  # legend entries of the record drawn
    obs = run.summary.get("observations") or []
    ncols = len(grid[0])
    for ax, (label, cols) in zip(axes, panels, strict=True):
        if len(cols) == 1:  # a pooled panel draws no one region's record
            rid = run.region_ids[cols[0]]
            kinds.update((text, h) for h, text in draw_record(ax, [
                o for o in obs if o.get("good", good) == good], {
                f"regions.{rid}.delivered.cumulative": colour,
                f"regions.{rid}.shipped.cumulative": GREY}, div))
        ax.plot(run.dates, due[:, cols].sum(axis=1) / div, color=BLACK, linestyle="--",
                lw=1.1)
        ax.plot(run.dates, shipped[:, cols].sum(axis=1) / div, color=GREY, linestyle=":",
                lw=1.1)
        total = arrived[:, cols].sum(axis=1)
        ax.plot(run.dates, total / div, color=colour, lw=2.0)
        panel_title(ax, f"{label}: {mm(float(total[-1]))} delivered", 0.85 / ncols - 0.04)
        ax.set_ylim(bottom=0)
        date_axis(ax, run.dates, pad_days=2)
    for row in grid:
        ylabel(row[0], f"To date ({word}{unit})", 0.75 / len(grid))
    handles: list[Artist] = [Line2D([], [], color=BLACK, linestyle="--", lw=1.1),
                             Line2D([], [], color=GREY, linestyle=":", lw=1.1),
                             Line2D([], [], color=colour, lw=2.0)]
    labels = ["pledged, due to ship", "shipped", "delivered"]
    order = [t for _, t in record_handles(k.removeprefix("record, ") for k in kinds)]
    body.legend([*handles, *(kinds[t] for t in order)], [*labels, *order],
                loc="outside upper center", ncols=min(3 + len(order), 5))
    return fig, axes


def _by_good(run: RunData, fig: FigureBase | None, goods: Sequence[str]) -> FigureResult:
    fig, body = canvas(fig, "Donations: what each donor delivered, and to which regions",
                       provenance(run.summary), figsize(run, goods))
    grid = body.subplots(len(goods), 2, squeeze=False, width_ratios=[1.15, 1])
    names = [run.region_name(r) for r in run.region_ids]
    axes: list[Axes] = []
    donors_seen: list[str] = []
    for (left, right), good in zip(grid, goods, strict=True):
        unit = run.unit(good)
        donors = [d for d, _ in run.channels_of(good) if run.daily_of(d, good)["shipped"].any()]
        donors_seen += [d for d in donors if d not in donors_seen]
        came = {d: np.cumsum(series.delivered_by_day(run, d, good)) for d in donors}
        sent = {d: np.cumsum(run.daily_of(d, good)["shipped"]) for d in donors}
        due = np.cumsum(series.pledges_due(run, good).sum(axis=1))
        div, word = scale(max([float(due[-1]), *(float(v[-1]) for v in sent.values())]))
        if due[-1] > 0:
            left.plot(run.dates, due / div, color=BLACK, linestyle="--", lw=1.1)
        for d in donors:
            st = donor_style(run, d)
            left.plot(run.dates, sent[d] / div, color=st.color, linestyle=":", lw=1.1)
            left.plot(run.dates, came[d] / div, color=st.color, lw=2.0)
        ylabel(left, f"To date ({word}{unit})", 0.7 / len(goods))
        left.set_ylim(bottom=0)
        date_axis(left, run.dates, pad_days=2)
        total = sum((float(v[-1]) for v in came.values()), 0.0)
        panel_title(left, f"{run.good_name(good)}: {mm(total)} {unit} delivered", 0.4)
        by_region = {d: series.donated_by_region(run, d, good) for d in donors}
        summed = sum(by_region.values(), np.zeros(len(names)))
        keep, rest = series.top(summed, BARS)
        bars = [[i] for i in keep] + ([rest] if rest else [])
        # The rest as one bar of their average: a sum of 44 regions would dwarf the others.
        labels = [names[i] for i in keep] + ([f"{len(rest)} other regions, each on average"]
                                             if rest else [])
        y = np.arange(len(bars))[::-1]
        div, word = scale(float(max((summed[b].mean() for b in bars), default=0.0)))
        base = np.zeros(len(bars))
        for d in donors:
            st = donor_style(run, d)
            values = np.array([by_region[d][b].mean() for b in bars])
            right.barh(y, values / div, left=base / div, color=st.color, hatch=st.hatch,
                       edgecolor="white", lw=0.3)
            base += values
        right.set_yticks(y, labels, fontsize=7 if len(bars) > 8 else 8)
        right.set_xlabel(fit(right, f"Donated over the horizon ({word}{unit})", 0.28))
        right.grid(axis="y", visible=False)
        panel_title(right, f"{run.good_name(good)}: by region", 0.28)
        axes += [left, right]
    styles = [(Line2D([], [], color=GREY, lw=2.0), "delivered to date"),
              (Line2D([], [], color=GREY, linestyle=":", lw=1.1), "shipped to date"),
              (Line2D([], [], color=BLACK, linestyle="--", lw=1.1), "pledged, due to ship")]
    entries = [*_donor_legend(run, donors_seen), *styles]
    body.legend([h for h, _ in entries], [t for _, t in entries], loc="outside upper center",
                ncols=min(len(entries), 4))
    return fig, axes


def sufficiency(run: RunData, fig: FigureBase | None = None,
                goods: Sequence[str] | None = None) -> FigureResult:
    """Per good some region needed: each region's need met week by week (a heat map, the
    least served regions first), and the need left unmet by region. Regions that stated no
    need for a good are left out of its panels."""
    goods = list(needy_goods(run) if goods is None else goods)
    fig, body = canvas(fig, "Sufficiency: how much of each region's need was met, week by week",
                       provenance(run.summary), figsize(run, goods))
    grid = body.subplots(len(goods), 2, squeeze=False, width_ratios=[1.5, 1])
    height = body.get_figure(root=True).get_size_inches()[1] * _share(body)
    rows_fit = max(int((height - 1.6) / max(len(goods), 1) * 72 / ROW_PT) - 3, 4)
    axes: list[Axes] = []
    mesh: QuadMesh | None = None
    for (left, right), good in zip(grid, goods, strict=True):
        mesh = _heat(left, run, good, rows_fit)
        _unmet(right, run, good, min(rows_fit, BARS))
        axes += [left, right]
    if mesh is not None:
        body.colorbar(mesh, ax=axes, location="bottom", shrink=0.5, aspect=40, pad=0.02,
                      label="Share of the week's need met (%); white: no need that week")
    return fig, axes


def _share(body: FigureBase) -> float:
    """The part of the page's height a subfigure has (1 for a figure of its own)."""
    root = body.get_figure(root=True)
    if isinstance(body, SubFigure) and root is not None:
        return float(body.bbox.height / root.bbox.height)
    return 1.0


def _order(run: RunData, good: str) -> tuple[list[int], Array]:
    """The regions that needed the good, least served by the end first, and every region's
    need met to date at the end (%)."""
    r, want = run.regions_of(good), needed(run, good)
    need, got = r["need"].sum(axis=0), r["consumed"].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(need > 0, 100 * got / need, np.nan)
    idx = np.flatnonzero(want)
    return [int(i) for i in idx[np.argsort(rate[idx], kind="stable")]], rate


def _heat(ax: Axes, run: RunData, good: str, limit: int) -> QuadMesh:
    r = run.regions_of(good)
    order, _ = _order(run, good)
    if len(order) > limit:
        rows = [[i] for i in order[:limit - 1]] + [order[limit - 1:]]
    else:
        rows = [[i] for i in order]
    labels = [run.region_name(run.region_ids[b[0]]) if len(b) == 1 else
              f"{len(b)} other regions" for b in rows]
    starts, spans = series.weeks(run)
    need = series.weekly(r["need"], spans)
    got = series.weekly(r["consumed"], spans)
    cells = np.full((len(rows), len(spans)), np.nan)
    for k, b in enumerate(rows):
        n, g = need[:, b].sum(axis=1), got[:, b].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            cells[k] = np.where(n > 0, 100 * g / n, np.nan)
    edges = num(np.concatenate([starts, [run.dates[-1] + np.timedelta64(1, "D")]]))
    mesh = ax.pcolormesh(edges, np.arange(len(rows) + 1), cells[::-1], cmap="cividis",
                         vmin=0, vmax=100, shading="flat")
    ax.set_yticks(np.arange(len(rows)) + 0.5, labels[::-1],
                  fontsize=6.5 if len(rows) > 12 else 7.5)
    date_axis(ax, run.dates, after_days=1)
    ax.grid(False)
    pooled = " (the rest pooled)" if len(order) > limit else ""
    panel_title(ax, f"{run.good_name(good)}: need met each week, least served first{pooled}",
                0.38)
    return mesh


def _unmet(ax: Axes, run: RunData, good: str, limit: int) -> None:
    r, unit = run.regions_of(good), run.unit(good)
    order, _ = _order(run, good)
    unmet = r["unmet"].sum(axis=0)
    need, got = r["need"].sum(axis=0), r["consumed"].sum(axis=0)
    by_unmet = sorted(order, key=lambda i: -unmet[i])
    if len(by_unmet) > limit:
        bars = [[i] for i in by_unmet[:limit - 1]] + [by_unmet[limit - 1:]]
    else:
        bars = [[i] for i in by_unmet]
    labels = [run.region_name(run.region_ids[b[0]]) if len(b) == 1 else
              f"{len(b)} other regions" for b in bars]
    amount = np.array([unmet[b].sum() for b in bars])
    div, word = scale(float(amount.max(initial=0.0)))
    y = np.arange(len(bars))[::-1]
    ax.barh(y, amount / div, color=GREY, edgecolor="white", lw=0.3)
    for k, b in enumerate(bars):
        wanted = need[b].sum()
        if wanted > 0:
            ax.annotate(f" {100 * got[b].sum() / wanted:.0f} % met", (amount[k] / div, y[k]),
                        va="center", fontsize=6.5)
    ax.set_yticks(y, labels, fontsize=6.5 if len(bars) > 8 else 7.5)
    ax.set_xlim(0, max(float(amount.max(initial=0.0)) / div, 1e-9) * 1.45)
    ax.set_xlabel(fit(ax, f"Unmet need over the horizon ({word}{unit})", 0.24))
    ax.grid(axis="y", visible=False)
    panel_title(ax, f"{mm(float(unmet.sum()))} {unit} of need unmet", 0.24)
