"""The shipments figure: every consignment's whole route, a row per region.

A direct shipment is a line from its ship date (a dot) to its arrival (a tick). A shipment
through a hub is the leg to the hub (a line), the wait in the hub's queue (a thick grey bar,
from landing to the day the last of it left) and the onward leg (dashed) to the day the last
of it arrived. Colour is the donor. A run of one good sizes the dots by amount; with several
goods, the shipments of a donor to a region on one day are one route (all its goods
together) and the dots are all one size. Filled dots served a pledge or an exchange.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.report import routes as routes_
from sim.report.style import (
    BLACK,
    FIGSIZE,
    GREY,
    FigureResult,
    canvas,
    date_axis,
    donor_style,
    mm,
    num,
    provenance,
)
from sim.results.reader import RunData

DAY = np.timedelta64(1, "D")
MANY = 15  # more regions than this: one lane a region, sorted by first arrival, no labels


@dataclass
class Trip:
    """The shipments of one donor to one region on one day through one route."""

    donor: str
    region: str
    shipped: np.datetime64
    via: str
    amount: float  # summed over goods: only drawn (as a dot's size) for a run of one good
    pledged: bool
    landed: np.datetime64 | None
    left_last: np.datetime64 | None
    arrived_first: np.datetime64 | None
    arrived_last: np.datetime64 | None
    complete: bool


def trips(run: RunData, goods: Sequence[str] | None = None) -> list[Trip]:
    """The routes of ``goods`` (default: all), a donor's goods for a region on a ship day
    taken together."""
    keep = set(run.goods if goods is None else goods)
    found: dict[tuple[str, str, np.datetime64, str], list[routes_.Route]] = defaultdict(list)
    for r in routes_.routes(run):
        if r.good in keep:
            found[(r.donor, r.region, r.shipped, r.via)].append(r)
    out = []
    for (donor, region, shipped, via), rs in found.items():
        lefts = [r.left_last for r in rs if r.left_last is not None]
        firsts = [r.arrived_first for r in rs if r.arrived_first is not None]
        lasts = [r.arrived_last for r in rs if r.arrived_last is not None]
        out.append(Trip(donor, region, shipped, via, sum(r.amount for r in rs),
                        any(r.pledged for r in rs), rs[0].landed,
                        max(lefts) if lefts else None, min(firsts) if firsts else None,
                        max(lasts) if lasts else None,
                        all(r.arrived >= r.amount - 1e-3 - 1e-9 * r.amount for r in rs)))
    return out


def figsize(run: RunData) -> tuple[float, float]:
    return FIGSIZE[0], max(FIGSIZE[1] + 0.8, 1.6 + 0.16 * len(run.region_ids))


def _order(run: RunData, found: list[Trip]) -> list[str]:
    """The regions top to bottom: as the scenario lists them, or by first arrival when
    there are many (those never reached last)."""
    if len(run.region_ids) <= MANY:
        return list(run.region_ids)
    far = run.dates[-1] + 10_000 * DAY
    first: dict[str, np.datetime64] = {}
    for t in found:
        when = t.arrived_first if t.arrived_first is not None else far - DAY
        first[t.region] = min(first.get(t.region, when), when)
    return sorted(run.region_ids, key=lambda r: (first.get(r, far), run.region_ids.index(r)))


def shipments(run: RunData, fig: FigureBase | None = None,
              goods: Sequence[str] | None = None) -> FigureResult:
    """Every consignment's route from ship date to arrival (module docstring)."""
    fig, body = canvas(fig, "Shipments: every route from ship date to arrival",
                       provenance(run.summary), figsize(run))
    ax = body.subplots()
    found = trips(run, goods)
    order = _order(run, found)
    many = len(order) > MANY
    one_good = len(run.goods) == 1
    row = {rid: len(order) - 1 - i for i, rid in enumerate(order)}
    biggest = max((t.amount for t in found), default=1.0) or 1.0
    donors = [d for d in run.donors if any(t.donor == d for t in found)]
    lanes = len(donors)
    seen: dict[tuple[str, str], int] = {}
    legs: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
    onward: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
    late: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
    waits: list[list[tuple[float, float]]] = []
    ticks: list[tuple[float, float]] = []
    dots: dict[str, list[tuple[float, float, float, bool]]] = defaultdict(list)
    end = float(num(run.dates[-1]))
    for t in sorted(found, key=lambda t: (t.region, t.donor, t.shipped)):
        k = seen[(t.region, t.donor)] = seen.get((t.region, t.donor), -1) + 1
        lane = donors.index(t.donor)
        height = 0.8 / lanes
        y = row[t.region] + 0.4 - height * (lane + 0.5)
        if not many:  # overlapping trips of one donor alternate within its lane
            y += (height * 0.22) * (1 if k % 2 else -1)
        ship = float(num(t.shipped))
        size = 10.0 + (300.0 if not many else 60.0) * t.amount / biggest if one_good else 18.0
        dots[t.donor].append((ship, y, size, t.pledged))
        if not t.via:
            arrive = float(num(t.arrived_last)) if t.arrived_last is not None else ship
            (legs if arrive <= end else late)[t.donor].append([(ship, y), (arrive, y)])
            ticks.append((arrive, y))
        else:
            assert t.landed is not None
            land = float(num(t.landed))
            legs[t.donor].append([(ship, y), (land, y)])
            if t.left_last is not None:
                left = float(num(t.left_last))
                waits.append([(land, y), (left + 1.0 if left == land else left, y)])
                if t.arrived_last is not None:
                    arrive = float(num(t.arrived_last))
                    onward[t.donor].append([(left, y), (arrive, y)])
                    ticks.append((arrive, y))
            if not t.complete:  # part of it still in the queue or on the way at the end
                late[t.donor].append([(land, y), (end + 14.0, y)])
        if one_good and not many and t.amount >= 0.08 * biggest:
            ax.annotate(mm(t.amount), (ship, y), xytext=(0, 2 + math.sqrt(size) / 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=6)
    ax.add_collection(LineCollection(waits, colors=GREY, linewidths=4.5 if not many else 3.0,
                                     alpha=0.55, capstyle="butt"))
    for d in donors:
        colour = donor_style(run, d).color
        ax.add_collection(LineCollection(legs[d], colors=colour, linewidths=1.0))
        ax.add_collection(LineCollection(onward[d], colors=colour, linewidths=1.0,
                                         linestyles="--"))
        ax.add_collection(LineCollection(late[d], colors=colour, linewidths=0.8,
                                         linestyles=":"))
        xs, ys, ss, filled = (np.array(v) for v in zip(*dots[d], strict=True))
        face = np.where(filled.astype(bool)[:, None], np.array([_rgba(colour)]),
                        np.array([[1.0, 1.0, 1.0, 1.0]]))
        ax.scatter(xs, ys, s=ss, facecolors=face, edgecolors=colour, linewidths=0.8, zorder=3)
    if ticks:
        tx, ty = zip(*ticks, strict=True)
        ax.plot(tx, ty, linestyle="", marker="|", color=BLACK, markersize=4 if many else 6,
                zorder=3)
    for rid in order:
        if not any(t.region == rid for t in found):
            ax.annotate("no shipments", (float(num(run.dates[0])) + 3, row[rid]),
                        fontsize=6.5, color=GREY, va="center")
    ax.axvline(run.dates[-1], color=GREY, linestyle="--", lw=0.8)
    ax.set_yticks(list(row.values()), [run.region_name(r) for r in row],
                  fontsize=6 if len(order) > 30 else 7.5)
    ax.set_ylim(-0.6, len(order) - 0.4)
    date_axis(ax, run.dates, pad_days=1, after_days=13)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Date (ship date → arrival; dashed line: the end of the horizon)")
    handles: list[Artist] = [Patch(color=donor_style(run, d).color) for d in donors]
    labels = [run.donor_name(d) for d in donors]
    if any(t.via for t in found):
        handles += [Line2D([], [], color=GREY, lw=4.5, alpha=0.55),
                    Line2D([], [], color=GREY, lw=1.0, linestyle="--")]
        labels += ["waiting at the hub", "onward leg"]
    handles += [Line2D([], [], color=BLACK, marker="|", linestyle=""),
                Line2D([], [], color=GREY, marker="o", markerfacecolor="white", linestyle="")]
    labels += ["arrival", "hollow: by the rule; filled: for a pledge"]
    if one_good:
        handles.append(Line2D([], [], color=GREY, marker="o", linestyle="", markersize=8))
        labels.append(f"area by amount (largest {mm(biggest)} {run.unit(run.goods[0])})")
    body.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4))
    return fig, [ax]


def _rgba(colour: str) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(colour)
