"""``masksim discover`` as a figure: for each box, PRIM's peeling trajectory (coverage against
density, each point coloured by how many inputs it restricts, the box kept starred) and the
kept box's limits on each restricted input, drawn within that input's whole range."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import FigureBase

import sim
from sim.report.style import canvas, style
from sim.sweep.discover import Discovery


def trajectory_figure(found: Discovery, ranges: dict[str, tuple[float, float]],
                      fig: FigureBase | None = None) -> FigureBase:
    """``ranges``: each numeric input's whole range (low, high), for the limits panel."""
    n = max(1, len(found.boxes))
    foot = (f"Source: masksim {sim.__version__}, PRIM (prim package) on {found.n:,} runs; "
            f"cases: {found.cases:,} where {found.condition}"
            + (f"; {found.undefined:,} runs undefined (never cases)" if found.undefined
               else "") + ".")
    fig, body = canvas(fig, f"Where {found.condition}: PRIM boxes", foot,
                       figsize=(9.0, 1.0 + 3.2 * n))
    axes = body.subplots(n, 2, squeeze=False, width_ratios=[1.0, 1.1])
    if not found.boxes:
        for ax in axes[0]:
            ax.set_axis_off()
        axes[0, 0].text(0.0, 0.6, "No box: " + (
            "no run meets the condition" if found.cases == 0 else
            "every run meets the condition" if found.cases == found.n else
            "no restriction of the inputs concentrates the cases"), fontsize=10)
        return fig
    for row, box in zip(axes, found.boxes, strict=True):
        left, right = row
        cov = np.array([p.coverage for p in box.trajectory])
        den = np.array([p.density for p in box.trajectory])
        res = np.array([p.restricted for p in box.trajectory])
        points = left.scatter(cov, den, c=res, cmap="viridis", s=16, zorder=3,
                              vmin=0, vmax=max(1, int(res.max())))
        left.plot(cov, den, color="#BBBBBB", linewidth=0.8, zorder=2)
        k = box.chosen
        left.scatter([cov[k]], [den[k]], marker="*", s=140, color=style(1).color, zorder=4,
                     label=f"box {box.number}: coverage {cov[k]:.0%}, density {den[k]:.0%}")
        left.axhline(found.cases / found.n, color="#444444", linestyle=":", linewidth=0.8,
                     label="share of cases among all runs")
        left.set_xlabel("coverage (share of all cases in the box)")
        left.set_ylabel("density (share of the box that are cases)")
        left.set_title(f"Box {box.number}: peeling trajectory", fontsize=9, loc="left")
        left.legend(loc="upper right", fontsize=7, frameon=False)
        cbar = left.figure.colorbar(points, ax=left, pad=0.01,
                                    ticks=range(0, max(1, int(res.max())) + 1))
        cbar.set_label("inputs restricted", fontsize=7)
        _limits_panel(right, box, ranges)
    return fig


def _limits_panel(ax: object, box: object, ranges: dict[str, tuple[float, float]]) -> None:
    from matplotlib.axes import Axes

    from sim.sweep.discover import Box

    assert isinstance(ax, Axes) and isinstance(box, Box)
    limits = box.limits
    for j, lim in enumerate(limits):
        y = len(limits) - 1 - j
        ax.barh(y, 1.0, left=0.0, height=0.5, color="#EEEEEE", edgecolor="#CCCCCC")
        if lim.values:
            ax.text(0.02, y, "{" + ", ".join(str(v) for v in lim.values) + "}", va="center",
                    fontsize=7)
            continue
        lo, hi = ranges.get(lim.input, (lim.low, lim.high))
        span = (hi - lo) or 1.0
        a, b = (lim.low - lo) / span, (lim.high - lo) / span
        ax.barh(y, b - a, left=a, height=0.5, color=style(0).color)
        ax.text(min(b + 0.02, 0.98), y, f"{lim.low:.3g} - {lim.high:.3g}", va="center",
                fontsize=7, ha="left" if b < 0.75 else "right",
                color="#222222" if b < 0.75 else "white")
    ax.set_yticks(range(len(limits)),
                  [f"{lim.input}\n(qp {lim.qp:.1g})" for lim in reversed(limits)], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 1], ["low end", "high end"], fontsize=7)
    ax.set_title(f"Box {box.number}: the limits (within each input's range)", fontsize=9,
                 loc="left")
