"""The brief's hub page for a run with hubs: how the queue ran, round by round (what landed,
when the first and the last of it left, how many regions had their first goods within five
days), which regions waited longest, and the hubs figure below. Every number comes from
summary.json's ``hubs``, hubs.parquet and the routes read back from the run
(:mod:`sim.report.routes`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from sim.report import paging
from sim.report.hub_figures import hubs, throughput
from sim.report.pages import blank, table, text
from sim.report.routes import Round, Route, rounds, waits
from sim.report.words import count, date_words, day_month, listed, mm, words
from sim.results.reader import RunData

WAITED = 8  # regions that waited longest, listed


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def hub_sentence(run: RunData, hub: str) -> str:
    """One hub in plain words: what it handled, how long things waited and queued."""
    e, unit = run.hub_summary(hub), run.hub_unit(hub)
    days = len(run.dates)
    name = run.hub_name(hub)
    out = f"{name[:1].upper()}{name[1:]} handled {words(_n(e.get('handled')))} {unit}"
    cap = throughput(run, hub)
    if cap is not None:
        out += f" (at most {words(cap)} a day)"
    if hub in run.hubs:
        out += f" of the {words(float(run.hubs[hub]['arrived'].sum()))} that landed there"
    mean = e.get("mean_wait_days")
    if mean is None:
        return out + "; nothing was handled, so there was no waiting."
    out += f"; what it handled waited {mean:.1f} days on average"
    if hub in run.hubs:
        wait = run.hubs[hub]["wait_days"]
        if np.isfinite(wait).any():
            out += f" ({float(np.nanmax(wait)):.1f} days on the slowest day)"
    queued = int(e.get("days_with_queue") or 0)
    if not queued or e.get("max_queue_date") is None:
        return out + ". It never ended a day with a queue."
    left = float(run.hubs[hub]["queue"][-1]) if hub in run.hubs else 0.0
    tail = (f"; {words(left)} {unit} were still waiting at the end" if left > 0 else "")
    return out + (f". It ended {queued} of {days} days with a queue, the longest "
                  f"{words(_n(e.get('max_queue')))} {unit} on "
                  f"{date_words(str(e['max_queue_date']))}{tail}.")


def _landed(run: RunData, r: Round, limit: int = 4) -> str:
    """What landed, in each good's unit: "5.4 M masks, 1.08 M kits and 2 more goods"."""
    parts = [f"{mm(a)} {run.unit(g)}" for g, a in r.amounts.items()]
    if len(parts) > limit:
        return ", ".join(parts[:limit - 1]) + f" and {len(parts) - limit + 1} more goods"
    return ", ".join(parts)


def round_rows(run: RunData, found: list[Round]) -> list[tuple[str, ...]]:
    """A row per round: when it landed, what, for how many regions, when its first and last
    goods left the hub, how many regions had their first goods within five days, and who
    was reached last."""
    rows: list[tuple[str, ...]] = []
    for r in found:
        last, days = r.last_reached()
        first = min((v.left_first for v in r.legs.values()), default=None)
        rows.append((day_month(str(r.landed)), _landed(run, r), str(len(r.legs)),
                     "-" if first is None else f"{first} d",
                     f"{r.days(r.cleared)} d" if r.cleared is not None else "not by the end",
                     f"{r.reached_within(5)} of {len(r.legs)}",
                     "-" if not last else f"{listed([run.region_name(x) for x in last], 2)} "
                                          f"({days})"))
    return rows


ROUND_HEADER = ("Landed", "What landed", "Regions", "First left after", "Cleared after",
                "Reached in 5 days", "Reached last (days)")
ROUND_WIDTHS = (0.08, 0.29, 0.08, 0.08, 0.09, 0.1, 0.26)


def waited_rows(run: RunData, found: list[Round], limit: int = WAITED
                ) -> list[tuple[str, ...]]:
    """The regions that waited longest to be reached in their slowest round: days after
    the landing until their first goods left the hub, arrived, and all arrived."""
    rows = []
    for w in waits(run, found)[:limit]:
        hub = (run.hub_name(w.hub),) if len(run.hubs) > 1 else ()
        rows.append((run.region_name(w.region), *hub, day_month(str(w.landed)),
                     f"{w.left_first} d",
                     "not in the horizon" if w.arrived_first is None else f"{w.arrived_first} d",
                     "not in the horizon" if w.arrived_last is None else f"{w.arrived_last} d"))
    return rows


WAITED_HEADER = ("Region", "Hub", "Landed", "First goods left the hub after",
                 "First goods arrived after", "All arrived after")
WAITED_WIDTHS = (0.24, 0.22, 0.1, 0.14, 0.14, 0.12)


def _waited_table(run: RunData, rows: list[tuple[str, ...]]) -> paging.Table:
    if len(run.hubs) > 1:
        return paging.Table(WAITED_HEADER, rows, WAITED_WIDTHS, fontsize=7)
    return paging.Table(WAITED_HEADER[:1] + WAITED_HEADER[2:], rows,
                        WAITED_WIDTHS[:1] + WAITED_WIDTHS[2:], fontsize=7)


LIMITS = ((5, 6), (4, 5), (3, 4), (2, 3))  # (rounds a hub, regions) the page tries


def story_blocks(run: RunData, all_routes: list[Route], limits: tuple[int, int] = LIMITS[0]
                 ) -> tuple[list[paging.Block], list[paging.Block]]:
    """The hub page's text blocks (at most ``limits`` rounds a hub and regions that waited
    longest), and the full tables for the text pages when those were cut."""
    found = rounds(run, all_routes)
    n_rounds, n_waited = limits
    page: list[paging.Block] = [paging.Text(
        "A hub handles what lands first come, first served, up to its throughput a day, and "
        "sends it on: a route through a hub is the leg to it, the wait in its queue and the "
        "onward leg. Days count from the landing; amounts are each good's own units (the "
        "figure: days of the hub's work, which counts items of any good alike).", width=100,
        fontsize=9, style={"color": "#222222"})]
    more: list[paging.Block] = []
    for hub in run.hubs:
        mine = [r for r in found if r.hub == hub]
        page.append(paging.Text(hub_sentence(run, hub), width=96, fontsize=9.5))
        rows = round_rows(run, mine)
        if rows and n_rounds:
            page.append(paging.heading(f"{run.hub_name(hub)}, round by round", 10))
            page.append(paging.Table(ROUND_HEADER, rows[:n_rounds], ROUND_WIDTHS, fontsize=7))
        if len(rows) > n_rounds and n_rounds:
            page.append(paging.Text(f"... and {count(len(rows) - n_rounds, 'more round')}, "
                                    "listed with the text pages.", width=96, fontsize=8.5))
            more += [paging.Section(f"{run.hub_name(hub)}: every round"),
                     paging.Table(ROUND_HEADER, rows, ROUND_WIDTHS, fontsize=7)]
    waited = waited_rows(run, found, n_waited)
    if waited:
        page += [paging.heading("Who waited longest to be reached", 10),
                 _waited_table(run, waited)]
    return page, more


def _height(blocks: list[paging.Block]) -> float:
    total = 0.0
    for b in blocks:
        if isinstance(b, paging.Text):
            total += b.height()
        elif isinstance(b, paging.Table):
            head, rows = b.heights()
            total += head + sum(rows) + 0.03
    return total


def fitted(run: RunData, all_routes: list[Route]) -> tuple[list[paging.Block],
                                                           list[paging.Block]]:
    """The hub page's blocks, cut until they leave the figure its share of the page (a row
    of panels per hub); when even the shortest tables do not fit, the page keeps its
    sentences and the tables go to the text pages."""
    share = 0.68 - 0.12 * (len(run.hubs) - 1)
    for limits in LIMITS:
        page, more = story_blocks(run, all_routes, limits)
        if _height(page) <= share:
            return page, more
    page, _ = story_blocks(run, all_routes, (0, 0))
    words_only: list[paging.Block] = [b for b in page if isinstance(b, paging.Text)
                  and b.style.get("fontweight") != "bold" and not b.text.startswith("...")]
    words_only.append(paging.Text("The rounds at each hub and the regions that waited longest "
                                  "are listed with the text pages.", width=96, fontsize=8.5))
    found = rounds(run, all_routes)
    more = []
    for hub in run.hubs:
        rows = round_rows(run, [r for r in found if r.hub == hub])
        if rows:
            more += [paging.Section(f"{run.hub_name(hub)}: every round"),
                     paging.Table(ROUND_HEADER, rows, ROUND_WIDTHS, fontsize=7)]
    waited = waited_rows(run, found, 3 * WAITED)
    if waited:
        more += [paging.Section("Who waited longest to be reached"), _waited_table(run, waited)]
    return words_only, more


def hubs_page(run: RunData, all_routes: list[Route]) -> Figure:
    """The hub page: the story in words and tables, the hubs figure below."""
    blocks, _ = fitted(run, all_routes)
    fig, ax = blank("Hubs: the queue, round by round")
    y = 1.0
    for b in blocks:
        if isinstance(b, paging.Text):
            y = text(ax, y - b.gap, b.text, width=b.width, fontsize=b.fontsize, **b.style)
        elif isinstance(b, paging.Table):
            y = table(ax, y, b.header, b.rows, b.widths, fontsize=b.fontsize)
    # The figure fills the page below the text (the text axes sit at 0.05..0.93 of it): a
    # subfigure of that height, so that its labels are fitted to it.
    below = min(max(0.05 + 0.88 * y - 0.03, 0.3), 0.97)
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0.03, 0.03, 0.94, 0.97)))
    parts = fig.subfigures(2, 1, squeeze=False, height_ratios=[1.0 - below, below])
    hubs(run, parts[1, 0])
    return fig
