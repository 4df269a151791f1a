"""Figures of a sweep: which levers matter, how an outcome moves with one lever, two levers
at once, and the trade-off between domestic safety, giving and equity.

A sweep folder holds ``experiments/part-*.parquet`` (one row per experiment and
replication: the swept parameters by dotted path, then the outcomes of
``sim.results.metrics.SCALARS``) and, after ``masksim sensitivity``, ``sensitivity.csv``. Figures
use the house style of :mod:`sim.report.figures` and return ``(fig, axes)`` like the run figures.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.ticker import FuncFormatter, MaxNLocator
from numpy.typing import NDArray

from sim.report.replay import load_replay, replay
from sim.report.style import BLACK, FIGSIZE, FigureResult, canvas, fit, style, ylabel
from sim.report.sweep_data import (
    KEY_OUTCOMES,
    OUTCOMES,
    RULE,
    SweepData,
    design_points,
    footnote,
    outcome_label,
    param_label,
)
from sim.report.words import mm
from sim.scenario.errors import InputError


def _num(sweep: SweepData, name: str) -> NDArray[np.float64]:
    col = sweep.columns[name]
    if col.dtype != np.float64:
        raise InputError(sweep.path, name, "not a numeric column")
    scale = outcome_label(name)[1]
    out: NDArray[np.float64] = col * scale
    return out


def _defined(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The finite values: equity outcomes are NaN in runs where nothing was delivered
    (sim.results.metrics), and those runs have no fairness to summarise."""
    out: NDArray[np.float64] = values[np.isfinite(values)]
    return out


ROW_IN = 0.15  # inches a tornado bar's label needs (7 pt text and a gap)
UNDEFINED_NOTE = "Runs where nothing was delivered have no equity value and are left out."


def levels(values: NDArray[Any], max_levels: int = 12) -> tuple[list[Any], NDArray[np.intp]]:
    """Group a lever's values: categories, the distinct values of a grid, or (for a random
    design with a value per run) equal-count bins, each labelled by its median."""
    if values.dtype == object or len(np.unique(values)) <= max_levels:
        keys, index = np.unique(values, return_inverse=True)
        return list(keys), index.astype(np.intp)
    edges = np.quantile(values, np.linspace(0, 1, 9))
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, 7).astype(np.intp)
    keep = np.unique(index)
    remap = {int(k): j for j, k in enumerate(keep)}
    index = np.array([remap[int(k)] for k in index], dtype=np.intp)
    return [float(np.median(values[index == j])) for j in range(len(keep))], index


def _split(sweep: SweepData, lever: str, x_index: NDArray[np.intp] | None = None,
           min_runs: int = 20) -> tuple[str | None, list[Any], NDArray[np.intp]]:
    """The categorical lever to draw one line per value of (the rule first), if any, and
    if each line still has ``min_runs`` runs at each value of ``x_index``: a Sobol design
    with a few hundred runs split four ways gives medians of noise, so pool them then."""
    cats = [p for p in sweep.params if p != lever and sweep.columns[p].dtype == object]
    by = RULE if RULE in cats else (cats[0] if cats else None)
    pooled: tuple[str | None, list[Any], NDArray[np.intp]] = (
        None, ["all runs"], np.zeros(sweep.n_rows, dtype=np.intp))
    if by is None:
        return pooled
    keys, index = levels(sweep.columns[by])
    if x_index is not None:
        counts = np.bincount(x_index * len(keys) + index,
                             minlength=(int(x_index.max()) + 1) * len(keys))
        if counts.min() < min_runs:
            return pooled
    return by, keys, index
def _grid(body: FigureBase, n: int) -> list[Axes]:
    ncols = 2 if n > 1 else 1
    grid = body.subplots(math.ceil(n / ncols), ncols, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.set_axis_off()
    return axes[:n]


def lever(sweep: SweepData, name: str, outcomes: tuple[str, ...] = KEY_OUTCOMES,
          fig: FigureBase | None = None) -> FigureResult:
    """Outcomes against one lever: median and 5-95 % band, a line per rule."""
    outs = [o for o in outcomes if o in sweep.outcomes][:4] or sweep.outcomes[:1]
    undefined = any(np.isnan(sweep.columns[o]).any() for o in outs)
    fig, body = canvas(fig, f"Outcomes against {name}", footnote(
        sweep, "Lines: medians; bands: 5-95 % of the runs at each value, over replications "
        "and the other levers." + (f"\n{UNDEFINED_NOTE}" if undefined else "")))
    axes = _grid(body, len(outs))
    x_keys, x_index = levels(sweep.columns[name])
    # A grid is built to be split; a random design only if each line keeps enough runs.
    binned = len(x_keys) < len(np.unique(sweep.columns[name]))
    by, s_keys, s_index = _split(sweep, name, x_index if binned else None)
    categorical = sweep.columns[name].dtype == object
    for ax, out in zip(axes, outs, strict=True):
        y = _num(sweep, out)
        for k, key in enumerate(s_keys):
            st = style(k)
            stats = np.full((len(x_keys), 3), np.nan)
            for j in range(len(x_keys)):
                sel = _defined(y[(x_index == j) & (s_index == k)])
                if len(sel):
                    stats[j] = np.percentile(sel, [5, 50, 95])
            xs = np.arange(len(x_keys)) + (0.1 * (k - (len(s_keys) - 1) / 2)) if categorical \
                else np.array(x_keys, dtype=float)
            label = f"{by} = {key}" if by else str(key)
            if categorical:
                ax.errorbar(xs, stats[:, 1], yerr=[stats[:, 1] - stats[:, 0],
                            stats[:, 2] - stats[:, 1]], color=st.color, marker=st.marker,
                            linestyle="none", capsize=3, label=label)
            else:
                ax.plot(xs, stats[:, 1], color=st.color, linestyle=st.linestyle,
                        marker=st.marker, label=label)
                ax.fill_between(xs, stats[:, 0], stats[:, 2], color=st.color, alpha=0.15,
                                hatch=st.hatch, edgecolor=st.color, lw=0)
        if categorical:
            ax.set_xticks(np.arange(len(x_keys)), tick_labels([str(k) for k in x_keys], 0.42,
                                                              ax))
            ax.set_xlim(-0.5, len(x_keys) - 0.5)
        else:  # "250 k", "1 M" under each tick, not an offset ("1e6") over the label
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.xaxis.set_major_formatter(FuncFormatter(
                lambda v, _: mm(v) if abs(v) >= 1000 else f"{v:g}"))
        ax.set_xlabel(fit(ax, param_label(name), 0.42))
        ylabel(ax, outcome_label(out)[0], 0.3 if len(outs) > 2 else 0.6)
    if by is not None:  # one legend above the panels, never on the data
        handles, labels = axes[0].get_legend_handles_labels()
        body.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 3))
    return fig, axes


def tick_labels(keys: list[str], share: float, ax: Axes, fontsize: float = 8.0) -> list[str]:
    """Category names as tick labels that do not run into each other: each wrapped to the
    width its tick has (``share`` of the figure's width over the ticks)."""
    width_pt = ax.get_figure(root=True).get_size_inches()[0] * share * 72  # type: ignore[union-attr]
    chars = max(int(width_pt / max(len(keys), 1) / (fontsize * 0.6)) - 1, 4)
    return [textwrap.fill(k.replace("_", " "), chars, break_long_words=True) for k in keys]


def heatmap(sweep: SweepData, x: str, y: str, outcome: str = "donated_total",
            fig: FigureBase | None = None) -> FigureResult:
    """The median of one outcome over two levers."""
    outcome = outcome if outcome in sweep.outcomes else sweep.outcomes[0]
    fig, body = canvas(fig, f"{outcome_label(outcome)[0].split(' (')[0]} over {x} and {y}",
                       footnote(sweep, "Cells: medians over the runs in each cell."))
    ax = body.subplots()
    xk, xi = levels(sweep.columns[x])
    yk, yi = levels(sweep.columns[y])
    v = _num(sweep, outcome)
    cells = np.full((len(yk), len(xk)), np.nan)
    for a in range(len(yk)):
        for b in range(len(xk)):
            sel = _defined(v[(yi == a) & (xi == b)])
            if len(sel):
                cells[a, b] = np.median(sel)
    mesh = ax.pcolormesh(np.arange(len(xk) + 1) - 0.5, np.arange(len(yk) + 1) - 0.5, cells,
                         cmap="cividis", shading="flat")
    lo, hi = (np.nanmin(cells), np.nanmax(cells)) if np.isfinite(cells).any() else (0, 0)
    for a in range(len(yk)):
        for b in range(len(xk)):
            if np.isfinite(cells[a, b]):
                # cividis runs dark to light: white text on the darker half.
                light = hi > lo and (cells[a, b] - lo) / (hi - lo) > 0.55
                ax.text(b, a, f"{cells[a, b]:.3g}", ha="center", va="center", fontsize=7,
                        color=BLACK if light else "white")
    ax.set_xticks(np.arange(len(xk)), tick_labels([_tick(k) for k in xk], 0.75, ax))
    ax.set_yticks(np.arange(len(yk)), [_tick(k) for k in yk])
    ax.set_xlabel(fit(ax, param_label(x), 0.75))
    ylabel(ax, param_label(y), 0.7)
    ax.grid(False)
    body.colorbar(mesh, ax=ax, label=f"median {outcome_label(outcome)[0]}")
    return fig, [ax]


def _tick(key: Any) -> str:
    return key if isinstance(key, str) else f"{key:.3g}"


def tradeoff(sweep: SweepData, fig: FigureBase | None = None) -> FigureResult:
    """Each design point's median: what it gave against domestic safety and against equity."""
    fig, body = canvas(fig, "Trade-off: domestic safety, amount donated and equity",
                       footnote(sweep, "Points: each design point's median over replications."))
    ax0, ax1 = body.subplots(1, 2, sharey=True)
    cols = sweep.columns
    exp, index = np.unique(design_points(cols), return_inverse=True)
    by, keys, s_index = _split(sweep, "")

    def median(name: str, scale: float = 1.0) -> NDArray[np.float64]:
        out = np.full(len(exp), np.nan)
        if name in cols:
            for j in range(len(exp)):
                sel = _defined(cols[name][index == j])
                out[j] = np.median(sel) * scale if len(sel) else np.nan
        return out

    if "domestic_demand" in cols:
        with np.errstate(divide="ignore", invalid="ignore"):
            short = 100 * median("domestic_shortfall") / median("domestic_demand")
        short_label = "Domestic shortfall (% of domestic demand)"
    else:  # a sweep that did not keep the demand: masks, not a share
        short, short_label = median("domestic_shortfall", 1e-6), OUTCOMES[
            "domestic_shortfall"][0]
    donated, gini = median("donated_total", 1e-6), median("gini_fill_rate")
    group = np.array([s_index[index == j][0] for j in range(len(exp))])
    for k, key in enumerate(keys):
        st, sel = style(k), group == k
        label = f"{by} = {key}" if by else str(key)
        for ax, xs in ((ax0, short), (ax1, gini)):
            ax.scatter(xs[sel], donated[sel], color=st.color, marker=st.marker, s=22,
                       alpha=0.8, label=label, edgecolors="white", linewidths=0.4)
    ax0.set_xlabel(fit(ax0, short_label, 0.42))
    ax0.set_ylabel("Donated (million masks)")
    ax0.set_title("Giving against domestic safety", loc="left")
    ax1.set_xlabel("Gini of fill rates (0 = equal)")
    ax1.set_title("Giving against equity", loc="left")
    for ax, names in ((ax0, ("domestic_shortfall", "donated_total")),
                      (ax1, ("gini_fill_rate", "donated_total"))):
        missing = [n for n in names if n not in cols]
        if missing:  # say why the panel is empty
            ax.text(0.5, 0.5, fit(ax, "not kept by this sweep: add "
                                  + " and ".join(missing) + " to its outcomes", 0.4),
                    transform=ax.transAxes, ha="center", va="center", color="0.35",
                    fontsize=8)
    handles, labels = ax0.get_legend_handles_labels()
    body.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 3))
    return fig, [ax0, ax1]


def tornado(sweep: SweepData, fig: FigureBase | None = None) -> FigureResult:
    """Sensitivity of each outcome to each lever (Sobol indices, else regression SRRC)."""
    rows = sweep.sensitivity
    if not rows:
        raise InputError(sweep.path, "sensitivity.csv", "missing: run masksim sensitivity")
    present = list(dict.fromkeys(r["outcome"] for r in rows))
    outs = ([o for o in KEY_OUTCOMES if o in present]
            + [o for o in present if o not in KEY_OUTCOMES])[:4]

    def value(r: dict[str, str], key: str) -> float:
        text = (r.get(key) or "").strip()
        return float(text) if text else math.nan

    def shown(out: str) -> list[dict[str, str]]:
        """The outcome's rows: Sobol indices when it has them, else the SRRC of each
        lever (a categorical lever has one per level, none for itself), smallest first."""
        mine = [r for r in rows if r["outcome"] == out]
        sobol = [r for r in mine if math.isfinite(value(r, "total"))]
        if sobol:
            return sorted(sobol, key=lambda r: value(r, "total"))
        return sorted((r for r in mine if math.isfinite(value(r, "srrc"))),
                      key=lambda r: abs(value(r, "srrc")))

    bars = {o: shown(o) for o in outs}
    # Each lever's name on its own line: a taller figure for many levers (or levels).
    panel_rows = math.ceil(len(outs) / 2)
    tall = 1.0 + panel_rows * (1.0 + ROW_IN * max(len(b) for b in bars.values()))
    fig, body = canvas(fig, "Sensitivity: which levers move each outcome", footnote(sweep),
                       (FIGSIZE[0], max(FIGSIZE[1], tall)))
    axes = _grid(body, len(outs))
    seen: dict[str, Any] = {}  # one legend above the panels, not on the bars

    for ax, out in zip(axes, outs, strict=True):
        mine = bars[out]
        y = np.arange(len(mine))
        if mine and math.isfinite(value(mine[0], "total")):
            ax.barh(y, [value(r, "total") for r in mine], color=style(5).color,
                    hatch="////", edgecolor="white", lw=0.3, label="total effect")
            ax.barh(y, [value(r, "first") for r in mine], height=0.4,
                    color=style(0).color, label="first order")
            ax.set_xlabel(fit(ax, "Sobol index (share of variance)", 0.3))
        else:  # not the colours of the Sobol bars, which may share the legend
            vals = np.array([value(r, "srrc") for r in mine])
            for sign, st, label in ((1, style(2), "raises it"), (-1, style(1), "lowers it")):
                sel = np.sign(vals) == sign
                ax.barh(y[sel], vals[sel], color=st.color, hatch=st.hatch, edgecolor="white",
                        lw=0.3, label=label)
            ax.axvline(0, color=BLACK, lw=0.8)
            ax.set_xlim(-1.05, 1.05)
            ax.set_xlabel(fit(ax, "SRRC (standardised rank regression, -1 to 1)", 0.3))
        ax.set_yticks(y, [r["parameter"] for r in mine], fontsize=7)
        ax.set_title(outcome_label(out)[0].split(" (")[0], loc="left")
        ax.grid(axis="y", visible=False)
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, h)
    body.legend(list(seen.values()), list(seen), loc="outside upper center", ncols=len(seen))
    return fig, axes


def sweep_figures(sweep: SweepData) -> dict[str, Callable[[], FigureResult]]:
    """The figures a sweep supports, by file stem."""
    out: dict[str, Callable[[], FigureResult]] = {}
    if sweep.sensitivity:
        out["tornado"] = partial(tornado, sweep)
    for p in sweep.params:
        out[f"lever-{p.replace('.', '_')}"] = partial(lever, sweep, p)
    varied = [p for p in sweep.params if len(np.unique(sweep.columns[p])) > 1]
    if len(varied) >= 2:
        out["heatmap"] = partial(heatmap, sweep, varied[0], varied[1])
    out["tradeoff"] = partial(tradeoff, sweep)
    data = load_replay(sweep.path)  # only with observations of series the sweep kept
    if data is not None:
        out["replay"] = partial(replay, sweep, data)
    return out
