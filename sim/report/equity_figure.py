"""The equity figure: how evenly each good reached the regions that needed it.

Left (top on a portrait page): the Gini coefficient of the regions' fill rates to date, a
line per good. Right (below): each region's need met by the end, a bar per region and good
for a few regions, a dot per region on its good's row (the median marked) for many. Colours
are goods (Tol's muted palette); regions that stated no need for a good are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import FigureBase

from sim.report import series
from sim.report.needs import NO_NEED, needed, needy_goods
from sim.report.style import (
    BLACK,
    GREY,
    FigureResult,
    canvas,
    date_axis,
    good_style,
    panel_title,
    provenance,
)
from sim.results import metrics
from sim.results.reader import RunData

FEW_REGIONS = 12  # more regions than this: a dot per region instead of a bar


def fair_goods(run: RunData) -> list[str]:
    """The goods some region needed and something of which reached them: the goods whose
    fairness is defined."""
    return [g for g in needy_goods(run) if np.isfinite(series.gini_to_date(run, g)).any()]


def equity(run: RunData, fig: FigureBase | None = None,
           goods: Sequence[str] | None = None) -> FigureResult:
    """The Gini of fill rates over time, and each region's need met by the end, per good
    some region needed."""
    goods = list(fair_goods(run) if goods is None else goods)
    fig, body = canvas(fig, "Equity: how evenly each good reached the regions that needed it",
                       provenance(run.summary))
    w, h = body.get_figure(root=True).get_size_inches()
    tall = h > w
    names = [run.region_name(r) for r in run.region_ids]
    few = len(names) <= FEW_REGIONS
    ratios = {"height_ratios": [1, 1.3 if few else 1]} if tall else {"width_ratios": [1, 1.2]}
    ax0, ax1 = body.subplots(2 if tall else 1, 1 if tall else 2, squeeze=False,
                             **ratios).flat
    n = len(goods)
    undefined = []
    for k, good in enumerate(goods):
        st = good_style(run, good)
        gini = series.gini_to_date(run, good)
        if np.isfinite(gini).any():
            ax0.plot(run.dates, gini, color=st.color, linestyle=st.linestyle, marker=st.marker,
                     markevery=14, label=run.good_name(good))
        else:
            undefined.append(run.good_name(good))
        r, want = run.regions_of(good), needed(run, good)
        rate = 100 * metrics.fill_rate(r["consumed"].sum(axis=0), r["need"].sum(axis=0))
        if not few:  # a dot per region on the good's row, the median marked
            row = n - 1 - k
            y = row + np.linspace(-0.25, 0.25, int(want.sum()))
            ax1.scatter(rate[want], y, s=12, color=st.color, marker=st.marker, alpha=0.7,
                        label=run.good_name(good))
            ax1.plot([np.median(rate[want])] * 2, [row - 0.35, row + 0.35], color=BLACK,
                     lw=1.6)
            continue
        lanes = np.arange(len(names))[::-1] + 0.4 - 0.8 / n * (k + 0.5)
        ax1.barh(lanes[want], rate[want], height=0.8 / n, color=st.color, hatch=st.hatch,
                 edgecolor="white", lw=0.3, label=run.good_name(good))
        for i in np.flatnonzero(~want):
            ax1.annotate(NO_NEED, (1, lanes[i]), va="center", fontsize=6, color=GREY)
    ax0.set_ylim(0, 1)
    date_axis(ax0, run.dates)
    ax0.set_ylabel("Gini of fill rates to date (0 = equal)")
    ax0.set_xlabel("Date")
    blank = f"; nothing arrived of {', '.join(undefined)}" if undefined else ""
    panel_title(ax0, f"Gini over time (blank while no region received any{blank})",
                0.85 if tall else 0.36)
    if few:
        ax1.set_yticks(np.arange(len(names))[::-1], names, fontsize=7.5)
        panel_title(ax1, "Each region's need met by the end", 0.85 if tall else 0.36)
    else:
        ax1.set_yticks(np.arange(n)[::-1], [run.good_name(g) for g in goods], fontsize=7.5)
        panel_title(ax1, "Need met by the end: a dot per region that needed the good, the "
                    "bar the median region", 0.85 if tall else 0.36)
    ax1.set_xlim(0, 105)
    ax1.set_xlabel("Need met by the end (%)")
    ax1.grid(axis="y", visible=False)
    handles, labels = ax1.get_legend_handles_labels()
    body.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4))
    return fig, [ax0, ax1]
