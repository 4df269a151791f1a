"""Runs side by side: a table of metrics against the first run, and overlaid figures."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import FigureBase

from sim.report.style import FigureResult, M, canvas, mm, style
from sim.results.reader import RunData

# (key in summary.json, unit) of the metrics compared; "pledges.x" reads summary["pledges"].
METRICS: tuple[tuple[str, str], ...] = (
    ("produced", "masks"), ("released", "masks"), ("domestic_shortfall", "masks"),
    ("donated_total", "masks"), ("delivered_total", "masks"), ("in_transit_end", "masks"),
    ("pledges.on_time", "masks"),
    ("pledges.late", "masks"), ("pledges.unmet", "masks"), ("mean_fill_rate", "share"),
    ("min_fill_rate", "share"), ("gini_fill_rate", "index"),
    ("gini_fill_rate_population", "index"), ("unmet_need_masks", "masks"),
    ("final_stock", "masks"),
)
# A metric that is null in summary.json (e.g. equity when nothing was delivered, or a key an
# older run lacks) shows as "n/a", and so does any difference from it.


def _metric(run: RunData, key: str) -> float | None:
    head, _, sub = key.partition(".")
    value = run.summary[head][sub] if sub else run.summary.get(head)
    return None if value is None else float(value)


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
    """Folder names, made unique, as the runs' names in legends and tables."""
    out: list[str] = []
    for run in runs:
        name = run.path.resolve().name
        out.append(name if name not in out else f"{name} ({len(out) + 1})")
    return out


def compare_table(runs: list[RunData]) -> list[dict[str, Any]]:
    """One row per metric and run: value, the first run's value, difference, relative."""
    names, rows = labels(runs), []
    for key, unit in METRICS:
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
    for key, unit in METRICS:
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


COMPARE_FIGURES = {"compare-donations": compare_donations,
                   "compare-sufficiency": compare_sufficiency, "compare-supply": compare_supply}
