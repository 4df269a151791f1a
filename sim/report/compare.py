"""Runs side by side: a table of metrics against the first run, and overlaid figures."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import FigureBase

from sim.report.style import FIGSIZE, FigureResult, M, canvas, mm, scale, style
from sim.results.reader import RunData

# (key in summary.json, unit) of the metrics compared; "pledges.x" reads summary["pledges"].
METRICS: tuple[tuple[str, str], ...] = (
    ("produced", "masks"), ("released", "masks"), ("domestic_shortfall", "masks"),
    ("donated_total", "masks"), ("delivered_total", "masks"), ("in_transit_end", "masks"),
    ("pledges.on_time", "masks"),
    ("pledges.late", "masks"), ("pledges.unmet", "masks"), ("mean_fill_rate", "share"),
    ("min_fill_rate", "share"), ("gini_fill_rate", "index"),
    ("gini_fill_rate_population", "index"), ("unmet_need", "masks"),
    ("final_stock", "masks"),
)
# A metric that is null in summary.json (e.g. equity when nothing was delivered, or a key an
# older run lacks) shows as "n/a", and so does any difference from it.


# What coordination changes, per good (summary.json "goods"): compared for every good of
# runs that have several goods or donors, in the good's unit where it has one.
GOOD_METRICS: tuple[tuple[str, str], ...] = (
    ("delivered_total", "units"), ("unmet_need", "units"),
    ("min_fill_rate", "share"), ("gini_fill_rate", "index"),
)
# The table and the printout also say what each good cost at home and what became of its
# pledges: the question is what was given "without short-changing our own people".
GOOD_TABLE_METRICS: tuple[tuple[str, str], ...] = (
    ("domestic_shortfall", "units"), ("donated_total", "units"), *GOOD_METRICS,
    ("pledges.late", "units"), ("pledges.unmet", "units"),
)
GOOD_LABELS = {"delivered_total": "Delivered", "unmet_need": "Unmet need",
               "min_fill_rate": "Lowest region's need met", "gini_fill_rate": "Gini of fill rates",
               "domestic_shortfall": "Domestic shortfall", "donated_total": "Donated",
               "pledges.late": "Pledged, shipped late", "pledges.unmet": "Pledged, never shipped"}


def _metric(run: RunData, key: str) -> float | None:
    """A summary.json value by dotted path ("pledges.on_time", "goods.kits.delivered_total");
    None when it is null or the run lacks it. A legacy run's goods are its masks."""
    head, _, rest = key.partition(".")
    if head == "goods":
        good, _, rest = rest.partition(".")
        value: Any = run.good_summary(good)
    else:
        value, rest = run.summary, key
    for part in rest.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value is None else float(value)


def _goods(runs: list[RunData]) -> list[str]:
    return list(dict.fromkeys(g for run in runs for g in run.goods))


def metrics_of(runs: list[RunData]) -> list[tuple[str, str]]:
    """(key, unit) of each metric compared: the legacy ones, and for runs with several goods
    or donors the per-good ones, leaving out totals that are null in every run (quantities
    of goods in different units are not summed)."""
    if not any(run.several for run in runs):  # one good: its unit, which may not be masks
        unit = runs[0].unit(runs[0].goods[0])
        return [(k, unit if u == "masks" else u) for k, u in METRICS]
    keys = [(k, u) for k, u in METRICS if any(_metric(run, k) is not None for run in runs)]
    return keys + [(f"goods.{g}.{k}", _unit(runs, g) if u == "units" else u)
                   for g in _goods(runs) for k, u in GOOD_TABLE_METRICS]


def _unit(runs: list[RunData], good: str) -> str:
    return next((run.unit(good) for run in runs if good in run.goods), "units")


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {k: v for key, val in data.items()
                for k, v in _flat(val, f"{prefix}.{key}" if prefix else key).items()}
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        return {k: v for i, val in enumerate(data) for k, v in _flat(val, f"{prefix}[{i}]").items()}
    return {prefix: data}


def changes(base: RunData, run: RunData, limit: int = 4) -> str:
    """What differs in the resolved scenario: ``reserve.days 3 -> 30``."""
    a, b = _flat(base.scenario), _flat(run.scenario)
    diff = [f"{k} {a.get(k, '-')} -> {b.get(k, '-')}" for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)]
    if (seeds := (base.summary["provenance"].get("seed"), run.summary["provenance"].get("seed"))
            )[0] != seeds[1]:
        diff.append(f"seed {seeds[0]} -> {seeds[1]}")
    more = f" and {len(diff) - limit} more" if len(diff) > limit else ""
    return "; ".join(diff[:limit]) + more if diff else "same scenario"


def labels(runs: list[RunData]) -> list[str]:
    """The runs' names in legends and tables: each run's label (``masksim compare --label``),
    else its folder's name (a run in memory: its scenario's name), made unique."""
    out: list[str] = []
    for run in runs:
        name = run.label or (run.path.resolve().name if run.path is not None else run.name)
        out.append(name if name not in out else f"{name} ({len(out) + 1})")
    return out


def compare_table(runs: list[RunData]) -> list[dict[str, Any]]:
    """One row per metric and run: value, the first run's value, difference, relative."""
    names, rows = labels(runs), []
    for key, unit in metrics_of(runs):
        base = _metric(runs[0], key)
        for name, run in zip(names, runs, strict=True):
            v = _metric(run, key)
            diff = None if v is None or base is None else v - base
            rel = diff / base if diff is not None and base else None
            rows.append({"metric": key, "unit": unit, "run": name, "value": v,
                         "baseline": base, "difference": diff, "relative_difference": rel})
    return rows


def _show(value: float | None, unit: str, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    sign = "+" if signed and value > 0 else ""
    if unit == "share":
        return f"{sign}{100 * value:.1f} %" if not signed else f"{sign}{100 * value:.1f} pp"
    if unit == "index":
        return f"{sign}{value:.3f}"
    return sign + mm(value)


def format_table(runs: list[RunData], rows: list[dict[str, Any]]) -> str:
    names = labels(runs)
    table = [["metric", *names]]
    for key, unit in metrics_of(runs):
        mine = [r for r in rows if r["metric"] == key]
        table.append([key, _show(mine[0]["value"], unit)] + [
            f"{_show(r['value'], unit)} ({_show(r['difference'], unit, True)})"
            for r in mine[1:]])
    widths = [max(len(row[i]) for row in table) + 2 for i in range(len(table[0]))]
    lines = ["".join(c.ljust(w) if i == 0 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths, strict=True)))
             for row in table]
    lines += [f"  {n}: {changes(runs[0], r)}" for n, r in zip(names[1:], runs[1:], strict=True)]
    return "\n".join(lines)


def _footnote(runs: list[RunData]) -> str:
    parts = [f"{n} (sha256 {r.summary['provenance'].get('scenario_sha256', '?')[:10]}, seed "
             f"{r.summary['provenance'].get('seed')})" for n, r in zip(labels(runs), runs,
                                                                       strict=True)]
    text = (f"Source: masksim {runs[0].summary['provenance'].get('version', '?')}; runs: "
            + ", ".join(parts) + ".")
    return "\n".join(textwrap.wrap(text, 140))


def _region_bars(ax: Any, runs: list[RunData], values: Callable[[RunData, str], float],
                 ids: list[str], scale: float) -> None:
    height = 0.8 / len(runs)
    y = np.arange(len(ids))[::-1]
    for k, (name, run) in enumerate(zip(labels(runs), runs, strict=True)):
        st = style(k)
        ax.barh(y + 0.4 - height * (k + 0.5), [values(run, r) * scale for r in ids],
                height=height, color=st.color, hatch=st.hatch, edgecolor="white", lw=0.3,
                label=name)
    ax.set_yticks(y, [runs[0].region_name(r) for r in ids])
    ax.grid(axis="y", visible=False)


def _region_ids(runs: list[RunData]) -> list[str]:
    return list(dict.fromkeys(r for run in runs for r in run.region_ids))


def compare_donations(runs: list[RunData], fig: FigureBase | None = None) -> FigureResult:
    fig, body = canvas(fig, "Compared: donations delivered", _footnote(runs))
    ax0, ax1 = body.subplots(1, 2, width_ratios=[1.3, 1])
    for k, (name, run) in enumerate(zip(labels(runs), runs, strict=True)):
        st = style(k)
        ax0.plot(run.dates, np.cumsum(run.regions["arrived"].sum(axis=1)) / M, color=st.color,
                 linestyle=st.linestyle, label=name)
    ax0.set_ylabel("Delivered to date (million masks)")
    ax0.set_xlabel("Date")
    ax0.legend(loc="upper left")
    _region_bars(ax1, runs, lambda run, r: float(run.summary["donated_by_region"].get(r) or 0),
                 _region_ids(runs), 1 / M)
    ax1.set_xlabel("Donated by region (million masks)")
    return fig, [ax0, ax1]


def compare_sufficiency(runs: list[RunData], fig: FigureBase | None = None) -> FigureResult:
    fig, body = canvas(fig, "Compared: recipients' need met", _footnote(runs))
    ax0, ax1 = body.subplots(1, 2, width_ratios=[1.3, 1])
    for k, (name, run) in enumerate(zip(labels(runs), runs, strict=True)):
        st = style(k)
        need = np.cumsum(run.regions["need"].sum(axis=1))
        got = np.cumsum(run.regions["consumed"].sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            ax0.plot(run.dates, np.where(need > 0, 100 * got / need, np.nan), color=st.color,
                     linestyle=st.linestyle, label=name)
    ax0.set_ylabel("All regions' need met to date (%)")
    ax0.set_xlabel("Date")
    ax0.legend(loc="upper left")
    _region_bars(ax1, runs,
                 lambda run, r: float(run.summary["fill_rate_by_region"].get(r) or 0),
                 _region_ids(runs), 100)
    ax1.set_xlabel("Need met by the end, by region (%)")
    return fig, [ax0, ax1]


def compare_supply(runs: list[RunData], fig: FigureBase | None = None) -> FigureResult:
    fig, body = canvas(fig, "Compared: donor stock, reserve and domestic shortfall",
                       _footnote(runs))
    axes = list(body.subplots(3, 1, sharex=True, height_ratios=[1.4, 1, 1]))
    for k, (name, run) in enumerate(zip(labels(runs), runs, strict=True)):
        st = style(k)
        for ax, series in zip(axes, (run.daily["stock"], run.daily["reserve"],
                                     np.cumsum(run.daily["domestic_shortfall"])), strict=True):
            ax.plot(run.dates, series / M, color=st.color, linestyle=st.linestyle, label=name)
    for ax, label in zip(axes, ("Stock", "Reserve", "Domestic shortfall,\nto date"),
                         strict=True):
        ax.set_ylabel(f"{label}\n(million masks)")
        ax.set_ylim(bottom=0)
    if not any(r.summary["domestic_shortfall"] for r in runs):
        # All zero: keep a scale and say it, rather than leave an empty-looking panel.
        axes[-1].set_ylim(top=1.0)
        axes[-1].text(0.5, 0.5, "no domestic shortfall in any run", ha="center",
                      transform=axes[-1].transAxes, color="#444444")
    body.align_ylabels(axes)
    axes[-1].set_xlabel("Date")
    axes[0].legend(loc="upper left")
    return fig, axes


def compare_goods(runs: list[RunData], fig: FigureBase | None = None) -> FigureResult:
    """One row per good, one column per metric (delivered, unmet need, lowest fill, Gini):
    a bar per run, the difference from the first written beside it."""
    goods, names = _goods(runs), labels(runs)
    fig, body = canvas(fig, "Compared: what each good's outcomes change with the run",
                       _footnote(runs), (FIGSIZE[0], max(FIGSIZE[1], 1.2 + 1.5 * len(goods))))
    grid = body.subplots(len(goods), len(GOOD_METRICS), squeeze=False)
    y = np.arange(len(runs))[::-1]
    for row, good in zip(grid, goods, strict=True):
        for ax, (key, unit) in zip(row, GOOD_METRICS, strict=True):
            values = [_metric(run, f"goods.{good}.{key}") for run in runs]
            shown = [np.nan if v is None else v for v in values]
            if unit == "units":
                div, word = scale(max((abs(v) for v in shown if v == v), default=0.0))
                ax.set_xlabel(f"{word}{_unit(runs, good)}")
            else:
                div = 0.01 if unit == "share" else 1.0
                ax.set_xlabel("%" if unit == "share" else "index (0 = equal)")
            for k, v in enumerate(shown):
                st = style(k)
                ax.barh(y[k], v / div, color=st.color, hatch=st.hatch, edgecolor="white",
                        lw=0.3)
                base, value = values[0], values[k]
                if k and value is not None and base is not None:
                    ax.annotate(f" {_show(value - base, unit, True)}", (v / div, y[k]),
                                va="center", fontsize=6.5)
            ax.set_xlim(0, max((v / div for v in shown if v == v), default=1.0) * 1.45 or 1.0)
            ax.set_yticks(y, names if ax is row[0] else [""] * len(runs))
            ax.grid(axis="y", visible=False)
            ax.set_title(textwrap.fill(GOOD_LABELS[key], 20), loc="left", fontsize=8)
        name = runs[0].good_name(good) if good in runs[0].goods else good
        row[0].set_ylabel(textwrap.fill(name.split(" (")[0], 16), fontweight="bold")
    return fig, [ax for row in grid for ax in row]


COMPARE_FIGURES = {"compare-donations": compare_donations,
                   "compare-sufficiency": compare_sufficiency, "compare-supply": compare_supply}


def compare_figures(runs: list[RunData]
                    ) -> dict[str, Callable[[list[RunData], FigureBase | None], FigureResult]]:
    """The figures these runs call for: by good when any has several goods or donors (the
    single-donor figures would show only its first good), else the single-donor ones."""
    if any(run.several for run in runs):
        return {"compare-goods": compare_goods}
    return dict(COMPARE_FIGURES)
