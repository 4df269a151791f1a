"""The supply figure: where each donor's goods came from, what its own people used, what it
kept back and what it gave, one channel (a donor's supply of a good) at a time.

A channel that makes the good or serves a domestic programme gets a row of two panels: the
daily flows (capacity, production, the domestic demand and what of it was served, what was
released to the market, bought or received, and the donations on shipment days), and the
stocks at the end of each day (stock against the reserve, donated to date). A channel that
only passes on what it bought or received gets one smaller panel: received and donated to
date, and its stock when it held any. The record is drawn on the series it speaks of. Every
axis is in its good's own unit, scaled on its own; colours are kinds of flow, the same in
every row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.report.marks import draw_record, observations_of
from sim.report.style import (
    BLACK,
    BLUE,
    FIGSIZE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    FigureResult,
    canvas,
    date_axis,
    mm,
    panel_title,
    provenance,
    scale,
    ylabel,
)
from sim.report.words import lower_first
from sim.results.reader import Channel, RunData

# (label, artist) of every kind of line the figure may draw, for the one legend.
KINDS: dict[str, Artist] = {
    "capacity": Line2D([], [], color=GREY, linestyle=":"),
    "production": Line2D([], [], color=BLUE),
    "domestic demand served": Line2D([], [], color=ORANGE, lw=2.8),
    "domestic demand": Line2D([], [], color=BLACK, linestyle="--", lw=1.0),
    "domestic shortfall": Patch(facecolor=VERMILLION, alpha=0.5, hatch="xxxx"),
    "released: not requisitioned (market, exports)": Line2D([], [], color=PURPLE,
                                                            linestyle="-."),
    "bought or received that day": Patch(facecolor=SKY, hatch="...."),
    "donations shipped that day": Patch(facecolor=GREEN, hatch="////", edgecolor="white"),
    "written off (past shelf life)": Line2D([], [], color=GREY, linestyle="-.", lw=1.0),
    "stock at the end of the day": Line2D([], [], color=BLUE),
    "reserve kept back": Line2D([], [], color=VERMILLION, linestyle="--"),
    "donated to date": Line2D([], [], color=GREEN, linestyle="-."),
    "bought or received to date": Line2D([], [], color=SKY, lw=3.0, alpha=0.8),
}


# The scenario's stock series that add what domestic uses hold: a colour and dash each.
COUNTED = ((PURPLE, (0, (1, 1))), (ORANGE, (0, (5, 1, 1, 1, 1, 1))), (BLACK, (0, (1, 2))))


def rich(run: RunData, channel: Channel) -> bool:
    """A channel that makes its good or serves a domestic programme (two panels)."""
    d = run.daily_of(*channel)
    return bool(d["capacity"].any() or d["production"].any() or d["domestic_demand"].any())


def domestic_parts(run: RunData, channels: Sequence[Channel]) -> str:
    """What the channels' domestic demand is made of, in words: the ration groups' sales, a
    set-aside, the uses (named when there are one or two), a need stated as such."""
    sales = aside = need = False
    uses: list[str] = []
    for channel in channels:
        supply = run.supply(*channel)
        dom = supply.get("domestic") or {}
        sales |= bool(dom.get("groups"))
        aside |= bool(dom.get("set_aside"))
        need |= bool(supply.get("domestic_need"))
        uses += [lower_first(str(u.get("name") or u["id"]).split(" (")[0])
                 for u in dom.get("uses", [])]
    other = "other " if sales or aside else ""
    parts = (["ration sales"] if sales else []) + (["a set-aside"] if aside else []) + (
        [" and ".join(uses)] if 0 < len(uses) <= 2 else
        [f"{len(uses)} {other}uses"] if uses else []) + (["a stated need"] if need else [])
    return " + ".join(parts) or "none"


def figsize(run: RunData, channels: Sequence[Channel]) -> tuple[float, float]:
    """Taller with each row, so that a row of panels stays readable."""
    full = sum(1 for c in channels if rich(run, c))
    rows = full + math.ceil((len(channels) - full) / 2)
    if len(channels) == 1 and full:
        return FIGSIZE[0], 6.4
    return FIGSIZE[0], max(FIGSIZE[1], 1.5 + 2.3 * rows)


def _record_donors(run: RunData, channel: Channel) -> list[str | None]:
    """Who an observation of this channel may name: its donor (id or name), or no one when
    the good has this one donor."""
    donor, good = channel
    out: list[str | None] = [donor, run.donor_name(donor)]
    return out + ([None] if len(run.channels_of(good)) == 1 else [])


def _flows(ax: Axes, run: RunData, channel: Channel, used: dict[str, Artist],
           share: float) -> None:
    d, x = run.daily_of(*channel), run.dates
    unit = run.unit(channel[1])
    received = d.get("received", np.zeros(len(x)))
    released = d.get("released", np.zeros(len(x)))
    written = d.get("written_off", np.zeros(len(x)))
    ship = d["shipment_day"] > 0
    peak = max(float(np.max(v, initial=0.0)) for v in (
        d["capacity"], d["production"], d["domestic_demand"], d["shipped"], received, released))
    div, word = scale(peak)
    if d["capacity"].any():
        ax.plot(x, d["capacity"] / div, color=GREY, linestyle=":")
        used["capacity"] = KINDS["capacity"]
    if d["production"].any() or d["capacity"].any():
        ax.plot(x, d["production"] / div, color=BLUE)
        used["production"] = KINDS["production"]
    if d["domestic_demand"].any():
        ax.plot(x, d["domestic_served"] / div, color=ORANGE, lw=2.8)
        ax.plot(x, d["domestic_demand"] / div, color=BLACK, linestyle="--", lw=1.0)
        used["domestic demand served"] = KINDS["domestic demand served"]
        used[f"domestic demand ({domestic_parts(run, [channel])})"] = KINDS["domestic demand"]
    short = d["domestic_shortfall"] > 0
    if short.any():
        ax.fill_between(x, d["domestic_served"] / div, d["domestic_demand"] / div, where=short,
                        color=VERMILLION, alpha=0.5, hatch="xxxx", lw=0)
        used["domestic shortfall"] = KINDS["domestic shortfall"]
    if released.any():
        ax.plot(x, released / div, color=PURPLE, linestyle="-.")
        key = "released: not requisitioned (market, exports)"
        used[key] = KINDS[key]
    if written.any():
        ax.plot(x, written / div, color=GREY, linestyle="-.", lw=1.0)
        used["written off (past shelf life)"] = KINDS["written off (past shelf life)"]
    got = received > 0
    if got.any():
        ax.bar(x[got], received[got] / div, width=2.0, color=SKY, hatch="....",
               edgecolor="white", linewidth=0.3)
        used["bought or received that day"] = KINDS["bought or received that day"]
    if (d["shipped"][ship] > 0).any():
        ax.bar(x[ship], d["shipped"][ship] / div, width=2.0, color=GREEN, hatch="////",
               edgecolor="white", linewidth=0.3)
        used["donations shipped that day"] = KINDS["donations shipped that day"]
    obs = observations_of(run.summary, channel[1], _record_donors(run, channel))
    # Ration sales are part of what is served: the record's sales sit below that line.
    for h, label in draw_record(ax, obs, {"donor.capacity": GREY, "donor.production": BLUE,
                                         "domestic.served_per_day": ORANGE,
                                         "domestic.sold_per_day": ORANGE,
                                         "domestic.demand_per_day": BLACK,
                                         "donor.released": PURPLE}, div):
        used[label] = h
    ylabel(ax, f"Flow ({word}{unit} a day)", share)
    ax.set_ylim(bottom=0)
    date_axis(ax, x, pad_days=2)


def _stocks(ax: Axes, run: RunData, channel: Channel, used: dict[str, Artist],
            ends: bool, share: float) -> str:
    """Stock against the reserve, donated (and bought or received) to date; returns what
    the panel's title adds (end values, or that it held no stock)."""
    d, x = run.daily_of(*channel), run.dates
    unit = run.unit(channel[1])
    donated = np.cumsum(d["shipped"])
    received = np.cumsum(d.get("received", np.zeros(len(x))))
    obs = observations_of(run.summary, channel[1], _record_donors(run, channel))
    # The scenario's stock series (donor.stock.<id>: the donor's stock and what some domestic
    # uses hold), each a line of its own beside the record's statements of it.
    counted = run.stocks_of(*channel)
    ids = list(dict.fromkeys([*counted, *(str(o["series"]).removeprefix("donor.stock.")
                                          for o in obs
                                          if str(o["series"]).startswith("donor.stock."))]))
    div, word = scale(max(float(d["stock"].max(initial=0.0)), float(d["reserve"].max(
        initial=0.0)), float(donated[-1]), float(received[-1]),
        *(float(v.max(initial=0.0)) for v in counted.values())))
    held = bool(d["stock"].any())
    if received[-1] > 0:
        ax.plot(x, received / div, color=SKY, lw=3.0, alpha=0.8)
        used["bought or received to date"] = KINDS["bought or received to date"]
    if held:
        ax.plot(x, d["stock"] / div, color=BLUE)
        used["stock at the end of the day"] = KINDS["stock at the end of the day"]
    if d["reserve"].any():
        ax.plot(x, d["reserve"] / div, color=VERMILLION, linestyle="--")
        used["reserve kept back"] = KINDS["reserve kept back"]
    ax.plot(x, donated / div, color=GREEN, linestyle="-.")
    used["donated to date"] = KINDS["donated to date"]
    colours = {}
    for k, sid in enumerate(ids):
        colour, dash = COUNTED[k % len(COUNTED)]
        colours[f"donor.stock.{sid}"] = colour
        if sid in counted:
            line = Line2D([], [], color=colour, linestyle=dash, lw=1.4)
            ax.plot(x, counted[sid] / div, color=colour, linestyle=dash, lw=1.4)
            used[f"stock counted as {sid.replace('_', ' ')} (with what domestic uses "
                 "hold)"] = line
    for h, label in draw_record(ax, obs, {"donor.stock": BLUE, "donated.cumulative": GREEN,
                                         **colours}, div):
        used[label] = h
    ylabel(ax, f"{'Stock and to date' if held else 'To date'} ({word}{unit})", share)
    ax.set_ylim(bottom=0)
    date_axis(ax, x, pad_days=2)
    if not held:
        return "held no stock at the end of any day"
    if not ends:
        return ""
    return (f"stock {mm(float(d['stock'][-1]))} at the end, reserve "
            f"{mm(float(d['reserve'][-1]))}, donated {mm(float(donated[-1]))}")


def _name(run: RunData, channel: Channel) -> str:
    donor, good = channel
    one_donor, one_good = len(run.donors) == 1, len(run.goods) == 1
    if one_donor and one_good:
        return ""
    if one_donor:
        return f"{run.good_name(good)}: "
    if one_good:
        return f"{run.donor_name(donor)}: "
    return f"{run.donor_name(donor)}, {lower_first(run.good_name(good))}: "


def supply(run: RunData, fig: FigureBase | None = None,
           channels: Sequence[Channel] | None = None) -> FigureResult:
    """Each channel's flows, and its stock against the reserve (module docstring)."""
    channels = list(run.channels if channels is None else channels)
    who = run.donor_name(run.donors[0]) if len(run.donors) == 1 else "each donor"
    fig, body = canvas(fig, f"Supply: what {who} made or bought, used at home, kept and gave",
                       provenance(run.summary), figsize(run, channels))
    full = [c for c in channels if rich(run, c)]
    passing = [c for c in channels if c not in full]
    used: dict[str, Artist] = {}
    axes: list[Axes] = []
    if len(channels) == 1 and full:  # one channel: the flows above the stocks, full width
        top, bottom = body.subplots(2, 1, sharex=True, height_ratios=[1.25, 1])
        _flows(top, run, full[0], used, 0.4)
        top.set_title(f"{_name(run, full[0])}daily flows", loc="left")
        extra = _stocks(bottom, run, full[0], used, ends=True, share=0.35)
        panel_title(bottom, f"Stocks at the end of each day: {extra}", fontsize=9.5)
        bottom.set_xlabel("Date")
        axes = [top, bottom]
    else:
        rows = len(full) + math.ceil(len(passing) / 2)
        grid = body.subplots(rows, 2, squeeze=False)
        share = 0.62 / rows
        for k, channel in enumerate(full):
            left, right = grid[k]
            _flows(left, run, channel, used, share)
            panel_title(left, f"{_name(run, channel)}daily flows", 0.4)
            extra = _stocks(right, run, channel, used, ends=False, share=share)
            panel_title(right, f"{_name(run, channel)}stock and gifts"
                        + (f" ({extra})" if extra else ""), 0.4)
            axes += [left, right]
        cells = [ax for row in grid[len(full):] for ax in row]
        for ax, channel in zip(cells, passing, strict=False):
            extra = _stocks(ax, run, channel, used, ends=False, share=share)
            panel_title(ax, f"{_name(run, channel)}{extra or 'to date'}", 0.4)
            axes.append(ax)
        for ax in cells[len(passing):]:
            ax.set_axis_off()
    wide = max((len(k) for k in used), default=0) > 40  # long labels: two columns fit
    body.legend(list(used.values()), list(used), loc="outside upper center",
                ncols=min(len(used), 2 if wide else 3))
    return fig, axes

