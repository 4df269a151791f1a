"""A policy brief of one run as a multi-page A4 PDF, built from sections.

Page 1 says what happened and what went wrong (sim.report.title_page). The figures follow,
each on its own pages with a caption that describes the layout it was drawn in: supply, the
hubs (for a run with hubs: the queue round by round, who waited longest), every route,
donations, need met and equity. Then the text sections flow one after another (no page but
the last is left mostly empty): the findings page 1 had no room for, the goods, the regions
with their routes, the donors, the pledges, the main assumptions, the record beside the
model, the sources cited and the provenance. A run of one good is the same brief with one
panel, one row, one column.

The same result folder gives a byte-identical file: no creation or modification date in
the metadata (whatever ``SOURCE_DATE_EPOCH`` says), fonts embedded by the house style,
nothing taken from the clock or from absolute paths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, FigureBase

import sim
from sim.report import assumptions, paging, pledge_pages, record_pages, sections, title_page
from sim.report.equity_figure import FEW_REGIONS, equity, fair_goods
from sim.report.hub_brief import fitted, hubs_page
from sim.report.needs import needy_goods
from sim.report.pages import figure_page, footer, text
from sim.report.region_figures import PANELS, donations, given_goods, sufficiency
from sim.report.routes import Route, routes
from sim.report.shipments_figure import MANY, shipments
from sim.report.sources import BY_REF, cited, outlet
from sim.report.style import house_style, provenance
from sim.report.supply_figure import domestic_parts, rich, supply
from sim.report.words import listed, mm, words
from sim.results.files import atomic_path
from sim.results.reader import Channel, RunData

PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": f"masksim {sim.__version__}",
                "Producer": "masksim brief (matplotlib)"}
DONATION_GOODS = 4  # goods (rows) on one donations page
SUPPLY_ROWS = 4.0  # rows of panels on one supply page (a passing supply: half a row)

Maker = Callable[[], Figure]


@dataclass
class Part:
    """A part of the brief: its name in the contents and its pages (drawn when called)."""

    name: str
    pages: list[Maker]


# ---- the figures' pages and captions -----------------------------------------------------
def supply_groups(run: RunData) -> list[list[Channel]]:
    """The channels of each supply page: up to SUPPLY_ROWS rows, a passing channel half a
    row."""
    out: list[list[Channel]] = [[]]
    used = 0.0
    for c in run.channels:
        cost = 1.0 if rich(run, c) else 0.5
        if used + cost > SUPPLY_ROWS and out[-1]:
            out.append([])
            used = 0.0
        out[-1].append(c)
        used += cost
    return out


def supply_caption(run: RunData, channels: list[Channel]) -> str:
    full = [c for c in channels if rich(run, c)]
    if len(channels) == 1 and full:
        d, unit = run.daily_of(*full[0]), run.unit(full[0][1])
        released = float(d.get("released", np.zeros(1)).sum())
        release = (f" What was not requisitioned (dash-dot, {words(released)} {unit} in all) "
                   "left the stock for the market or exports." if released > 0 else "")
        counted = list(run.stocks_of(*full[0]))
        also = (" and the stock as the record's " + " and ".join(
            c.replace("_", " ") for c in counted) + " count it (with what the domestic uses "
            "counted in each hold)" if counted else "")
        return (f"Top: daily flows. Production went from {mm(float(d['production'][0]))} to "
                f"{mm(float(d['production'][-1]))} {unit} a day; domestic demand "
                f"({domestic_parts(run, full)}: dashed) is served first (thick line), "
                "donations (hatched bars) leave on shipment days."
                f"{release} Bottom: the stock at the end of each day against the reserve "
                f"kept back, what was donated to date{also}. Marks are the record's figures "
                "(its section, after the text pages, gives each).")
    out = []
    if full:
        out.append("A row for each supply that is made or serves a domestic programme: left, "
                   "its daily flows (production, domestic demand and what of it was served, "
                   "donations on shipment days); right, its stock against the reserve kept "
                   "back and what was donated to date.")
    if len(full) < len(channels):
        out.append("Two to a row, the supplies only bought or received and passed on: "
                   "received and donated to date (the lines overlap where everything bought "
                   "left the day it came).")
    return " ".join(out) + (" Each axis is in its good's own unit; colours are kinds of flow, "
                            "the same in every panel; marks are the record's figures.")


def donations_caption(run: RunData, goods: list[str]) -> str:
    if len(run.goods) == 1:
        pooled = (f" (the {PANELS - 1} largest recipients; the other "
                  f"{len(run.region_ids) - PANELS + 1} pooled in the last panel)"
                  if len(run.region_ids) > PANELS else "")
        total = float(run.regions_of(goods[0])["arrived"].sum())
        return (f"A panel per region{pooled}: delivered to date (solid) against the pledges "
                "due to ship by each date (dashed) and what was shipped (dotted). The gap "
                "between dashed and solid is shipping time, or a pledge not yet met. "
                f"{words(total)} {run.unit(goods[0])} delivered in all.")
    kept = [run.good_name(g) for g in run.goods if g not in given_goods(run)]
    left_out = (f" Not shown: {', '.join(kept)} (no donor shipped any)." if kept else "")
    return ("A row per good. Left: what each donor delivered to date (solid, in the donor's "
            "colour) against what it shipped (dotted) and the pledges due to ship by each "
            "date (dashed, all donors). Right: what each donor shipped to each region over "
            "the horizon, stacked" + (": the largest recipients, and in the last bar what "
                                      "each of the others received on average."
                                      if len(run.region_ids) > 12 else ".") + left_out)


def sufficiency_caption(run: RunData, goods: list[str]) -> str:
    gone = [run.good_name(g) for g in run.goods if g not in needy_goods(run)]
    left_out = (f" Not shown: {', '.join(gone)} (no region stated a need)." if gone else "")
    return ("A row per good some region needed. Left: the share of each region's need met, "
            "week by week (darker: less; white: no need that week), the least served by the "
            "end at the top; where the rows would not fit, the rest are pooled in the last "
            "one. Right: the need left unmet over the horizon, by region, with the share met. "
            "Need is the scenario's stand-in, not a measured figure: read levels with care, "
            f"differences between runs with more confidence.{left_out}")


def equity_caption(run: RunData) -> str:
    unfair = [run.good_name(g) for g in needy_goods(run) if g not in fair_goods(run)]
    left_out = (f" Not shown: {', '.join(unfair)} (none reached a region that needed it, so "
                "fairness is undefined)." if unfair else "")
    strip = ("a bar per region and good" if len(run.region_ids) <= FEW_REGIONS else
             "a dot per region on its good's row, the black bar the median region")
    return ("Top: the Gini coefficient of the regions' fill rates to date, a line per good "
            "(0: every region got the same share of its need; blank until something "
            f"arrived). Bottom: each region's need met by the end, {strip}. Colours are goods."
            + left_out)


def shipments_caption(run: RunData, all_routes: list[Route]) -> str:
    order = (" ordered by first arrival" if len(run.region_ids) > MANY else "")
    hub = (" Through a hub: the leg to it (solid), the wait in its queue (grey bar, from the "
           "landing until the last of it left) and the onward leg (dashed) to the last "
           "arrival." if run.hubs else "")
    size = (" Dot area is the amount." if len(run.goods) == 1 else
            " A donor's goods for a region on one day are one route.")
    leads = [int((r.arrived_last - r.shipped) / np.timedelta64(1, "D")) for r in all_routes
             if r.arrived_last is not None]
    median = (f" {len(all_routes)} shipments; half of them arrived within "
              f"{int(np.median(leads))} days of leaving." if leads else "")
    return (f"Every route, a row per region{order}: from the ship date (dot; filled when it "
            f"served a pledge) to the arrival (tick); colour is the donor.{hub}{size}{median}")


def _page(caption: str, draw: Callable[[FigureBase], object]) -> Figure:
    return figure_page(caption, draw)


def figure_parts(run: RunData, all_routes: list[Route]) -> list[Part]:
    parts = [Part("supply", [partial(_page, supply_caption(run, group),
                                     partial(_draw, supply, run, channels=group))
                             for group in supply_groups(run)])]
    if run.hubs:
        parts.append(Part("hubs", [partial(hubs_page, run, all_routes)]))
    given = given_goods(run)
    if given:
        parts.append(Part("shipments", [partial(_page, shipments_caption(run, all_routes),
                                                partial(_draw, shipments, run))]))
        groups = [given[i:i + DONATION_GOODS] for i in range(0, len(given), DONATION_GOODS)]
        parts.append(Part("donations", [partial(_page, donations_caption(run, g),
                                                partial(_draw, donations, run, goods=g))
                                        for g in groups]))
    needy = needy_goods(run)
    if needy:
        per = 2 if len(run.region_ids) > 20 else 3
        parts.append(Part("need met", [
            partial(_page, sufficiency_caption(run, needy[i:i + per]),
                    partial(_draw, sufficiency, run, goods=needy[i:i + per]))
            for i in range(0, len(needy), per)]))
    if fair_goods(run):
        parts.append(Part("equity", [partial(_page, equity_caption(run),
                                             partial(_draw, equity, run))]))
    return parts


def _draw(maker: Callable[..., object], run: RunData, fig: FigureBase, **kw: object) -> None:
    maker(run, fig, **kw)


# ---- the text sections ---------------------------------------------------------------------
def sources_blocks(run: RunData, texts: list[str]) -> list[paging.Block]:
    """The record's sections this brief cites, with their sources' addresses."""
    refs = cited(texts)
    if not refs:
        return [paging.Section("Sources"), paging.Text(
            "This brief quotes no section of the record; docs/sources.md lists every "
            "section of it with its sources, which scenario files cite by section ([A6] ...).",
            width=100, fontsize=9)]
    rows = []
    for ref in refs:
        s = BY_REF.get(ref)
        if s is None:
            rows.append((f"[{ref}]", "not a section of the record", ""))
            continue
        outlets = list(dict.fromkeys(outlet(u) for u in s.urls))
        rows.append((f"[{ref}]", s.title, listed(outlets, 6) + f" ({len(s.urls)} pages)"
                     if outlets else "its sections' sources"))
    return [paging.Section("Sources"),
            paging.Text("The sections of the record this brief cites, and where their "
                        "figures come from; docs/sources.md gives every page's address.",
                        width=100, fontsize=9),
            paging.Table(("Ref", "Covers", "Sources"), rows, (0.07, 0.38, 0.55), fontsize=7,
                         keep=True)]


def quoted(run: RunData) -> list[str]:
    """What the brief quotes from the scenario: observations' sources and notes, pledges'
    and exchanges' notes."""
    out = [f"{o.get('source', '')} {o.get('note', '')}"
           for o in run.summary.get("observations") or []]
    out += [str(p.get("note", "")) for p in (run.summary.get("pledges") or {}).get("each") or []]
    out += [str(x.get("note", "")) for x in run.scenario.get("exchanges", [])]
    return out


def text_blocks(run: RunData, first: list[paging.Block], all_routes: list[Route]
                ) -> list[paging.Block]:
    _, more_rounds = fitted(run, all_routes) if run.hubs else ([], [])
    return [*first, *sections.goods_blocks(run), *sections.regions_blocks(run, all_routes),
            *more_rounds, *sections.donors_blocks(run), *pledge_pages.blocks(run),
            *assumptions.blocks(run), *record_pages.blocks(run),
            *sources_blocks(run, quoted(run)), *pledge_pages.provenance_blocks(run)]


# ---- assembly --------------------------------------------------------------------------
def _contents(parts: list[Part], text_pages: list[paging.Page], start: int) -> str:
    items = []
    for part in parts:
        end = start + len(part.pages) - 1
        items.append(f"{start}{f'-{end}' if end > start else ''} {part.name}")
        start = end + 1
    for k, page in enumerate(text_pages):
        names = [b.title for b in page.blocks if isinstance(b, paging.Section)]
        items += [f"{start + k} {n.lower()}" for n in names]
    return "Contents: " + ", ".join(items) + "."


def pages(run: RunData) -> list[Maker]:
    """The brief's pages in order, each drawn when called (one page in memory at a time)."""
    all_routes = routes(run)
    first, overflow = title_page.blocks(run, all_routes)
    figures_ = figure_parts(run, all_routes)
    flow = paging.split(text_blocks(run, overflow, all_routes))
    contents = _contents(figures_, flow, 2)
    first.insert(2, paging.Text(contents, width=110, fontsize=8.5, style={"color": "#333333"}))
    page1, spill = _fit(first, run.title)
    for size in (7.0, 6.5):  # a key table that does not fit: a smaller font first
        if not any(isinstance(b, paging.Table) for b in spill):
            break
        first = [replace(b, fontsize=size) if isinstance(b, paging.Table) else b
                 for b in first]
        page1, spill = _fit(first, run.title)
    # Page 1's sentences that do not fit are said again later (the goods, the hubs); a
    # table that does not fit opens the text pages.
    tables = [b for b in spill if isinstance(b, paging.Table)]
    if tables:
        flow = paging.split(text_blocks(run, [paging.Section("Key numbers"), *tables,
                                              *overflow], all_routes))
    foot = provenance(run.summary)

    def title() -> Figure:
        fig = paging.draw(page1)
        text(fig.axes[0], 0.03, foot, width=125, fontsize=7, color="#555555")
        return fig

    return [title, *(p for part in figures_ for p in part.pages),
            *(partial(paging.draw, p) for p in flow)]


def _fit(blocks: list[paging.Block], title: str) -> tuple[paging.Page,
                                                         list[paging.Block]]:
    """Page 1 (the run's title over its blocks, a band at the foot kept for the
    provenance), and the blocks that did not fit."""
    split = paging.split(blocks, first_bottom=0.07, first_title=title, first_size=16)
    page = split[0]
    return page, [b for p in split[1:] for b in p.blocks]


def write_brief(run: RunData, out: str | Path) -> Path:
    """Write the brief atomically (temporary name, then rename); returns its path."""
    out = Path(out)
    # Type 3 fonts (matplotlib's own subsets, embedded and searchable) write a quarter
    # faster than TrueType subsets: a brief is mostly text (benchmarks/bench_brief.py).
    with atomic_path(out) as tmp, house_style(), mpl.rc_context({"pdf.fonttype": 3}):
        makers = pages(run)
        with PdfPages(tmp, metadata=PDF_METADATA) as pdf:
            for i, make in enumerate(makers, start=1):
                fig = make()
                footer(fig, f"masksim brief: {run.title}, page {i} of {len(makers)}")
                pdf.savefig(fig)
    return out
