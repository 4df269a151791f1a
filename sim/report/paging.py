"""Text pages that run on: sections of text and tables laid out down a page and continued on
the next when the page is full, a table's header repeated on each page it spans.

The brief's text sections flow one after the other (a section starts where the last one
ends, not on a fresh page), so that no page but the last is left mostly empty. A section
that starts at the top of a page takes the page's title; one that starts lower down gets a
heading there, and a page it continues onto is titled "<section> (continued)". Heights are
those :mod:`sim.report.pages` draws with, so the number of pages is known before any is
drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from sim.report.pages import AX_W, blank, table, table_cells, text, text_height, title_drop


@dataclass(frozen=True)
class Text:
    text: str
    width: int = 100
    fontsize: float = 9.5
    style: dict[str, Any] = field(default_factory=dict)  # fontweight, color
    gap: float = 0.0  # space above, axes fraction

    def height(self) -> float:
        return self.gap + text_height(self.text, self.width, self.fontsize)


def heading(body: str, fontsize: float = 11.0) -> Text:
    """A bold heading, wrapped to the page's width (bold DejaVu: about 0.66 em a
    character)."""
    return Text(body, width=int(AX_W * 72 / (fontsize * 0.66)), fontsize=fontsize,
                style={"fontweight": "bold"}, gap=0.008)


@dataclass(frozen=True)
class Section:
    """The start of a section: the page's title at the top of a page, else a heading."""

    title: str

    def height(self, at_top: bool) -> float:
        return 0.0 if at_top else 0.015 + text_height(self.title, 70, 13)


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


Block = Text | Table | Section
BOTTOM = 0.02  # lowest y a block may reach (the page number sits below the axes)
HALF = 0.5  # a page left behind keeps at least this share of its height filled


@dataclass
class Page:
    title: str
    blocks: list[Block]
    title_size: float = 15.0


def split(blocks: Sequence[Block], first_bottom: float = BOTTOM,
          first_title: str = "", first_size: float = 15.0) -> list[Page]:
    """The blocks of each page: a text goes whole onto the page it fits (with the heading
    before it), a table is cut between rows, a section heading is never left at the foot
    of a page."""
    pages: list[Page] = [Page(first_title, [], first_size)]
    y, bottom = 1.0 - title_drop(first_title, first_size), first_bottom
    section = first_title
    tops: list[float] = []  # where each block of the page being filled starts

    def new_page(then: float = 0.0) -> None:
        nonlocal y, bottom
        # Headings (and a section's start) go with what they head; before a table (``then``:
        # the height that must follow), a section's opening text goes with it too, when the
        # page it leaves stays half full and the opening and ``then`` fit on the next.
        keep: list[Block] = []
        start = _intro(pages[-1].blocks) if then > 0 else None
        if start is not None and 1.0 - tops[start] >= HALF and \
                tops[start] - y + then <= 1.0 - BOTTOM:
            keep = pages[-1].blocks[start:]
            del pages[-1].blocks[start:]
        while pages[-1].blocks and _is_heading(pages[-1].blocks[-1]):
            keep.insert(0, pages[-1].blocks.pop())
        tops.clear()
        starts = bool(keep) and isinstance(keep[0], Section)
        pages.append(Page(keep[0].title if starts and isinstance(keep[0], Section)
                          else f"{section} (continued)", []))
        y, bottom = 1.0 - title_drop(pages[-1].title, pages[-1].title_size), BOTTOM
        for k in keep:
            place(k)

    def place(block: Block) -> None:
        nonlocal y, section
        top = y
        if isinstance(block, Section):
            at_top = not pages[-1].blocks and (not pages[-1].title or pages[-1].title ==
                                               f"{section} (continued)")
            section = block.title
            if at_top:
                y += title_drop(pages[-1].title, pages[-1].title_size)
                pages[-1].title = block.title
                y -= title_drop(block.title, pages[-1].title_size)
            y -= block.height(at_top)
        else:
            y -= block.height()  # type: ignore[union-attr]
        pages[-1].blocks.append(block)
        tops.append(top)

    for block in blocks:
        if isinstance(block, (Text, Section)):
            need = block.height(False) if isinstance(block, Section) else block.height()
            if y - need < bottom and _content(pages[-1]):
                new_page()
            place(block)
            continue
        head, heights = block.heights()
        rows = list(block.rows)
        whole = head + sum(heights) + 0.03
        if block.keep and _content(pages[-1]) and y - whole < bottom and \
                whole <= 1.0 - BOTTOM:
            new_page(then=whole)
        i = 0
        while i < len(rows):
            room, n = y - bottom - head - 0.03, 0
            while i + n < len(rows) and room - heights[i + n] >= 0:
                room -= heights[i + n]
                n += 1
            if n == 0:
                if _content(pages[-1]):
                    new_page(then=head + heights[0] + 0.03 if i == 0 else 0.0)
                    continue
                n = 1  # a row taller than a page: drawn anyway
            part = Table(block.header, rows[i:i + n], block.widths, block.fontsize, block.keep)
            pages[-1].blocks.append(part)
            tops.append(y)
            y -= head + sum(heights[i:i + n]) + 0.03
            i += n
    return [p for p in pages if p.blocks or p is pages[0]]


def _intro(blocks: list[Block]) -> int | None:
    """Where the last section's opening starts, when nothing but text follows it on the
    page (no table yet): its heading and the text that introduces what comes next."""
    for k in range(len(blocks) - 1, -1, -1):
        if isinstance(blocks[k], Table):
            return None
        if isinstance(blocks[k], Section):
            return k if k > 0 else None
    return None


def _is_heading(block: Block) -> bool:
    return isinstance(block, Section) or (isinstance(block, Text)
                                          and block.style.get("fontweight") == "bold")


def _content(page: Page) -> bool:
    """Whether the page holds anything but headings (a heading alone is moved on)."""
    return any(not _is_heading(b) for b in page.blocks)


def draw(page: Page) -> Figure:
    fig, ax = blank(page.title, page.title_size)
    y = 1.0 - title_drop(page.title, page.title_size)
    for k, b in enumerate(page.blocks):
        if isinstance(b, Section):
            if k == 0 and page.title == b.title:
                continue
            y = text(ax, y - 0.015, b.title, width=70, fontsize=13, fontweight="bold")
        elif isinstance(b, Text):
            y = text(ax, y - b.gap, b.text, width=b.width, fontsize=b.fontsize, **b.style)
        else:
            y = table(ax, y, b.header, b.rows, b.widths, fontsize=b.fontsize)
    return fig
