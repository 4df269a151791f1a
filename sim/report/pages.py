"""The pieces of the brief's pages: an A4 page with a title, wrapped text, tables that wrap
their cells, and a figure above its caption. ``sim.report.paging`` flows text and tables over
as many pages as they take; heights here are what it plans with, so the number of pages is
known before any page is drawn (page 1 lists the contents).

Tables are drawn as plain text and rules, not ``Axes.table``: a cell is one text artist
placed at its row's top, which keeps a page of 400 cells quick to draw and to write.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure, FigureBase
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Rectangle

A4 = (8.27, 11.69)  # inches, portrait
AX_W, AX_H = 0.84 * A4[0], 0.88 * A4[1]  # a text page's axes, inches
LINE = 1.45  # a text line's height, in font sizes (what the planner counts)
CELL_LINE = 1.5  # a table line's height, in font sizes
FOOTER_GID = "page-footer"  # the page number, drawn below every page's content
CHAR_EM = 0.6  # DejaVu Sans averages under 0.6 em a character: wrap widths from it


def text(ax: Axes, y: float, body: str, width: int = 88, **kw: Any) -> float:
    """Wrapped text from the top (axes fraction y); returns the y below it."""
    lines = textwrap.wrap(body, width) or [""]
    size = float(kw.pop("fontsize", 10))
    ax.text(0.0, y, "\n".join(lines), va="top", ha="left", fontsize=size, linespacing=LINE,
            transform=ax.transAxes, **kw)
    return y - text_height(body, width, size)


def text_height(body: str, width: int, fontsize: float) -> float:
    """The height ``text`` takes, in axes fraction (with the gap below it)."""
    lines = len(textwrap.wrap(body, width) or [""])
    return lines * fontsize * LINE / 72 / AX_H + 0.02


def chars(width: float, fontsize: float) -> int:
    """How many characters fit a column ``width`` (axes fraction) wide."""
    return max(int(width * AX_W * 72 / (fontsize * CHAR_EM)) - 2, 4)


def table_cells(header: Sequence[str], rows: Sequence[Sequence[str]],
                widths: Sequence[float], fontsize: float
                ) -> tuple[list[list[str]], list[float], list[str], float]:
    """Cells wrapped to their columns, each row's height, the header's labels and height
    (axes fractions): what ``table`` draws, so that a page can be planned before."""
    line = fontsize * CELL_LINE / 72 / AX_H
    n = [chars(w, fontsize) for w in widths]
    wrapped = [[textwrap.fill(str(c), k, break_long_words=True) for c, k in
                zip(r, n, strict=True)] for r in rows]
    heights = [line * (0.6 + max(c.count("\n") + 1 for c in r)) for r in wrapped]
    # Headers are bold and wrap at word breaks, each line measured in the font: a word is
    # cut only when it is wider than its column.
    labels = [_wrap_bold(str(h), w * AX_W * 72 - 4.5, fontsize) for h, w in
              zip(header, widths, strict=True)]
    head = line * (0.6 + max(h.count("\n") + 1 for h in labels))
    return wrapped, heights, labels, head


@functools.lru_cache(maxsize=4)
def _font(bold: bool) -> FT2Font:
    """A font object of our own: matplotlib's cached ones carry the state of whatever drew
    last, and measuring with them could change what it draws next."""
    prop = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    return FT2Font(findfont(prop))


@functools.lru_cache(maxsize=4096)
def text_width_pt(text: str, fontsize: float, bold: bool = False) -> float:
    """The width of one line of text in points, as the house font draws it."""
    font = _font(bold)
    font.set_size(fontsize, 72)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    return float(font.get_width_height()[0] / 64)


def _wrap_bold(text: str, width_pt: float, fontsize: float) -> str:
    lines: list[str] = []
    # Break after a hyphen too ("Specimen-/collection").
    for word in (w for part in text.split() for w in re.split(r"(?<=-)(?=\w)", part)):
        joint = "" if lines and lines[-1].endswith("-") else " "
        line = f"{lines[-1]}{joint}{word}" if lines else word
        if lines and text_width_pt(line, fontsize, True) <= width_pt:
            lines[-1] = line
        else:
            lines.append(word)
    out: list[str] = []
    for line in lines:  # a word wider than the column: cut as a last resort
        while text_width_pt(line, fontsize, True) > width_pt and len(line) > 3:
            k = len(line) - 1
            while k > 1 and text_width_pt(line[:k], fontsize, True) > width_pt:
                k -= 1
            out.append(line[:k])
            line = line[k:]
        out.append(line)
    return "\n".join(out) or ""


def table(ax: Axes, top: float, header: Sequence[str], rows: Sequence[Sequence[str]],
          widths: Sequence[float], fontsize: float = 7.5) -> float:
    """A table from axes fraction ``top`` down: a shaded header, a rule under each row, each
    cell wrapped to its column; returns the y below it."""
    wrapped, heights, labels, head = table_cells(header, rows, widths, fontsize)
    total = sum(widths)
    pad_x = 0.05 / AX_W  # 0.05 in
    pad_y = fontsize * 0.3 / 72 / AX_H
    spacing = CELL_LINE  # matplotlib's line pitch is linespacing x font size
    ax.add_patch(Rectangle((0.0, top - head), total, head, transform=ax.transAxes,
                           facecolor="#E8E8E8", edgecolor="none"))
    x = 0.0
    lefts = []
    for w in widths:
        lefts.append(x)
        x += w
    for label, left in zip(labels, lefts, strict=True):
        ax.text(left + pad_x, top - pad_y, label, va="top", ha="left", fontsize=fontsize,
                fontweight="bold", linespacing=spacing, transform=ax.transAxes)
    y = top - head
    rules = [[(0.0, top), (total, top)], [(0.0, y), (total, y)]]
    for cells, h in zip(wrapped, heights, strict=True):
        for cell, left in zip(cells, lefts, strict=True):
            if cell:
                ax.text(left + pad_x, y - pad_y, cell, va="top", ha="left", fontsize=fontsize,
                        linespacing=spacing, transform=ax.transAxes)
        y -= h
        rules.append([(0.0, y), (total, y)])
    rules += [[(left, top), (left, y)] for left in [*lefts[1:]]]
    ax.add_collection(LineCollection(rules, colors="#BBBBBB", linewidths=0.4,
                                     transform=ax.transAxes))
    return y - 0.03


TITLE_LINE = 1.2  # a title line's height, in font sizes


def title_lines(title: str, size: float) -> list[str]:
    """A page title wrapped to the page's width (bold DejaVu: about 0.66 em a character)."""
    return textwrap.wrap(title, int(AX_W * 72 / (size * 0.66))) or [""]


def title_drop(title: str, size: float) -> float:
    """How far below the usual top a page's content starts: a title of several lines runs
    down into the page (axes fraction)."""
    return (len(title_lines(title, size)) - 1) * size * TITLE_LINE / 72 / AX_H


def cap(rows: Sequence[Sequence[str]], limit: int, what: str) -> list[Sequence[str]]:
    """At most ``limit`` rows, the last saying how many more there are (a table drawn on a
    page of fixed layout; the brief's own tables run on over pages instead)."""
    if len(rows) <= limit:
        return list(rows)
    more = f"... and {len(rows) - limit + 1} more {what} (see the result folder)"
    return [*rows[: limit - 1], (more,) + ("",) * (len(rows[0]) - 1)]


def blank(title: str, size: float = 15) -> tuple[Figure, Axes]:
    """An A4 page with its title; returns the page and the axes to write on (content
    starts at 1 - ``title_drop``)."""
    fig = Figure(figsize=A4)
    ax = fig.add_axes((0.08, 0.05, 0.84, 0.88))
    ax.set_axis_off()
    top = 1.025 + size * TITLE_LINE / 72 / AX_H
    ax.text(0.0, top, "\n".join(title_lines(title, size)), transform=ax.transAxes,
            fontsize=size, fontweight="bold", va="top", linespacing=TITLE_LINE)
    return fig, ax


def footer(fig: Figure, line: str) -> None:
    """The page's footer (brief name and page number): not content (layout tests)."""
    fig.text(0.5, 0.012, line, ha="center", fontsize=7, color="#666666", gid=FOOTER_GID)


def figure_page(caption: str, draw: Callable[[FigureBase], object]) -> Figure:
    """A figure (``draw`` into the given subfigure) above its caption."""
    page = Figure(figsize=A4, layout=ConstrainedLayoutEngine(rect=(0.03, 0.03, 0.94, 0.95)))
    lines = len(textwrap.wrap(caption, 100))
    cap_in = 0.25 + lines * 9.5 * LINE / 72
    chart_in = A4[1] * 0.95 - cap_in
    parts = page.subfigures(2, 1, squeeze=False, height_ratios=[chart_in, cap_in])
    draw(parts[0, 0])
    ax = parts[1, 0].add_axes((0.02, 0.0, 0.96, 1.0))
    ax.set_axis_off()
    ax.text(0.0, 1.0, "\n".join(textwrap.wrap(caption, 100)), va="top", ha="left",
            fontsize=9.5, linespacing=LINE, color="#222222", transform=ax.transAxes)
    return page
