"""Text pages that run on: blocks of text and tables laid out down a page and continued on
the next when the page is full, a table's header repeated on each page it spans. Heights are
measured the way :func:`sim.report.brief._text` and :func:`sim.report.brief._table` draw, so
the number of pages is known before any is drawn (the brief numbers its pages)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from matplotlib.figure import Figure

from sim.report.pages import AX_H, blank, table, table_cells, text


@dataclass(frozen=True)
class Text:
    text: str
    width: int = 100
    fontsize: float = 9.5
    style: dict[str, Any] = field(default_factory=dict)  # fontweight, color
    gap: float = 0.0  # space above, axes fraction

    def height(self) -> float:
        lines = len(textwrap.wrap(self.text, self.width) or [""])
        return self.gap + lines * self.fontsize * 1.45 / 72 / AX_H + 0.02


def heading(text: str, fontsize: float = 11.0) -> Text:
    return Text(text, fontsize=fontsize, style={"fontweight": "bold"}, gap=0.005)


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]
    fontsize: float = 7.5
    keep: bool = False  # kept whole on one page when it fits on one

    def heights(self) -> tuple[float, list[float]]:
        _, rows, _, head = table_cells(self.header, self.rows, self.widths, self.fontsize)
        return head, rows


Block = Text | Table
BOTTOM = 0.02  # lowest y a block may reach (the page number sits below the axes)


def _split(blocks: Sequence[Block], first_bottom: float) -> list[list[Block]]:
    """The blocks of each page: a text goes whole onto the page it fits (with the heading
    before it), a table is cut between rows."""
    pages: list[list[Block]] = [[]]
    y, bottom = 1.0, first_bottom

    def new_page() -> None:
        nonlocal y, bottom
        # A heading is not left at the foot of a page, apart from what it heads.
        keep = pages[-1].pop() if _is_heading(pages[-1]) else None
        pages.append([])
        y, bottom = 1.0, BOTTOM
        if isinstance(keep, Text):
            pages[-1].append(keep)
            y -= keep.height()

    for block in blocks:
        if isinstance(block, Text):
            if y - block.height() < bottom and pages[-1]:
                new_page()
            pages[-1].append(block)
            y -= block.height()
            continue
        head, heights = block.heights()
        rows = list(block.rows)
        whole = head + sum(heights) + 0.03
        if block.keep and pages[-1] and y - whole < bottom and whole <= 1.0 - BOTTOM:
            new_page()
        i = 0
        while i < len(rows):
            room, n = y - bottom - head - 0.03, 0
            while i + n < len(rows) and room - heights[i + n] >= 0:
                room -= heights[i + n]
                n += 1
            if n == 0:
                if pages[-1] and not (len(pages[-1]) == 1 and _is_heading(pages[-1])):
                    new_page()
                    continue
                n = 1  # a row taller than a page: draw it anyway
            pages[-1].append(Table(block.header, rows[i:i + n], block.widths, block.fontsize,
                                   block.keep))
            y -= head + sum(heights[i:i + n]) + 0.03
            i += n
    return pages


def _is_heading(page: list[Block]) -> bool:
    if not page:
        return False
    last = page[-1]
    return isinstance(last, Text) and last.style.get("fontweight") == "bold"


def _draw(title: str, blocks: list[Block], footer: Callable[[Any], None] | None) -> Figure:
    fig, ax = blank(title)
    y = 1.0
    for b in blocks:
        if isinstance(b, Text):
            y = text(ax, y - b.gap, b.text, width=b.width, fontsize=b.fontsize, **b.style)
        else:
            y = table(ax, y, b.header, b.rows, b.widths, fontsize=b.fontsize)
    if footer is not None:
        footer(ax)
    return fig


def flow(title: str, blocks: Sequence[Block], footer: Callable[[Any], None] | None = None,
         footer_top: float = BOTTOM) -> list[Callable[[], Figure]]:
    """The pages ``blocks`` fill under ``title`` (the next ones "... (continued)"), each
    drawn when called. ``footer`` draws on the first page's axes below ``footer_top``."""
    split = _split(blocks, max(footer_top, BOTTOM))
    return [partial(_draw, title if k == 0 else f"{title} (continued)", page,
                    footer if k == 0 else None) for k, page in enumerate(split)]
