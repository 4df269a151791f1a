"""The pieces of the brief's text pages: an A4 page with a title, wrapped text and tables
that wrap their cells, and how numbers, dates and assumptions are written in words. Every
text page of the brief is made of these (``sim.report.paging`` flows them over pages)."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import Bbox

from sim.report import figures
from sim.report.style import mm
from sim.results.reader import RunData

A4 = (8.27, 11.69)  # inches, portrait
AX_W, AX_H = 0.84 * A4[0], 0.88 * A4[1]  # a text page's axes, inches


def words(x: float) -> str:
    """A number of masks as a reader says it: 2.08 billion, 27.1 million, 100,000."""
    if abs(x) >= 1e9:
        return f"{x / 1e9:.3g} billion"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g} million"
    return f"{x:,.0f}"


def date_words(text: str) -> str:
    d = dt.date.fromisoformat(text)
    return f"{d.day} {d:%B %Y}"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def index(x: float | None, digits: int = 2) -> str:
    """A Gini; null in summary.json means undefined (nothing delivered)."""
    return "n/a" if x is None else f"{x:.{digits}f}"



def text(ax: Axes, y: float, text: str, width: int = 88, **kw: Any) -> float:
    """Wrapped text from the top (axes fraction y); returns the y below it."""
    lines = textwrap.wrap(text, width) or [""]
    size = float(kw.pop("fontsize", 10))
    ax.text(0.0, y, "\n".join(lines), va="top", ha="left", fontsize=size, linespacing=1.45,
            transform=ax.transAxes, **kw)
    return y - len(lines) * size * 1.45 / 72 / AX_H - 0.02


def table(ax: Axes, top: float, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float], fontsize: float = 7.5) -> float:
    """A table from axes fraction ``top`` down; returns the y below it. Matplotlib tables
    neither wrap nor size rows, so cells are wrapped to their column's width here and each
    row is as tall as its longest cell."""
    wrapped, heights, labels, head = table_cells(header, rows, widths, fontsize)
    total = head + sum(heights)
    box = Bbox.from_bounds(0.0, top - total, sum(widths), total)
    table = ax.table(cellText=wrapped, colLabels=labels, colWidths=list(widths),
                     cellLoc="left", colLoc="left", bbox=box)
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    for (r, c), cell in table.get_celld().items():
        cell.set_height(head if r == 0 else heights[r - 1])
        cell.PAD = 0.05 / (widths[c] * AX_W)  # 0.05 in, not the default 10 % of the width
        cell.set_edgecolor("#BBBBBB")
        cell.set_linewidth(0.4)
        if r == 0:
            cell.set_facecolor("#E8E8E8")
            cell.get_text().set_fontweight("bold")
    return top - total - 0.03


def table_cells(header: Sequence[str], rows: Sequence[Sequence[str]],
                 widths: Sequence[float], fontsize: float
                 ) -> tuple[list[list[str]], list[float], list[str], float]:
    """Cells wrapped to their columns, each row's height, the header's labels and height
    (axes fractions): what :func:`_table` draws, so that a page can be planned before."""
    line = fontsize * 1.5 / 72 / AX_H  # one text line, in axes fraction
    chars = [max(int(w * AX_W * 72 / (fontsize * 0.6)) - 2, 4) for w in widths]
    wrapped = [[textwrap.fill(str(c), n, break_long_words=True) for c, n in
                zip(r, chars, strict=True)] for r in rows]
    heights = [line * (0.6 + max(c.count("\n") + 1 for c in r)) for r in wrapped]
    # Headers wrap too, at word breaks; a header on one line stays as it was.
    labels = [textwrap.fill(str(h), n, break_long_words=False) for h, n in
              zip(header, chars, strict=True)]
    head = line * (0.6 + max(h.count("\n") + 1 for h in labels))
    return wrapped, heights, labels, head


def cap(rows: Sequence[Sequence[str]], limit: int, what: str) -> list[Sequence[str]]:
    """At most ``limit`` rows, so that a long campaign's table stays on its page."""
    if len(rows) <= limit:
        return list(rows)
    more = f"... and {len(rows) - limit + 1} more {what} (see the result folder)"
    return [*rows[: limit - 1], (more,) + ("",) * (len(rows[0]) - 1)]


def blank(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=A4)
    ax = fig.add_axes((0.08, 0.05, 0.84, 0.88))
    ax.set_axis_off()
    ax.text(0.0, 1.04, title, transform=ax.transAxes, fontsize=15, fontweight="bold",
            va="bottom")
    return fig, ax


def schedule_words(points: list[dict[str, Any]], unit: str) -> str:
    if not points:
        return "-"
    first, last = points[0], points[-1]
    return (f"{mm(first['value'])} {unit} ({first['date']}) to {mm(last['value'])} {unit} "
            f"({last['date']}), {len(points)} points")


def need_words(need: dict[str, Any]) -> str:
    kind = need.get("kind")
    if kind == "constant":
        return f"{mm(need['per_day'])} a day"
    if kind == "schedule":
        return "schedule: " + schedule_words(need["schedule"]["points"], "a day")
    return (f"{need.get('per_case', '?')} per active case "
            f"({', '.join(need.get('iso_codes', []))})")


def lead_words(lead: dict[str, Any]) -> str:
    if lead.get("kind") == "triangular":
        return f"{lead['min']:g}-{lead['max']:g} d (mode {lead['mode']:g})"
    return f"{lead.get('days', 0)} d"


def figure_page(run: RunData, name: str, caption: str,
                draw: Callable[[RunData, FigureBase], object] | None = None) -> Figure:
    """A figure of the run (``draw``, else the run figure ``name``) above its caption."""
    page = Figure(figsize=A4, layout=ConstrainedLayoutEngine(rect=(0.03, 0.03, 0.94, 0.94)))
    parts = page.subfigures(2, 1, squeeze=False, height_ratios=[6.6, 1.6])
    chart: FigureBase = parts[0, 0]
    (draw or figures.RUN_FIGURES[name])(run, chart)
    ax = parts[1, 0].add_axes((0.02, 0.0, 0.96, 1.0))
    ax.set_axis_off()
    text(ax, 0.92, caption, width=100, fontsize=9.5, color="#222222")
    return page
