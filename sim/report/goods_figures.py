"""Figures of a run with several goods or several donors: one row of panels per good, donors
told apart by colour within a panel, every axis in the good's own unit (masks, kits, suits),
scaled on its own (a billion masks and a few thousand suits share no scale).

The same five figures as :mod:`sim.report.figures` (supply, donations, sufficiency, equity,
shipments), with the same signature; :data:`sim.report.figures.RUN_FIGURES` draws these for
a run whose ``several`` is true and the single-donor ones otherwise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import matplotlib.dates as mdates
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.report import needs
from sim.report.style import (
    BLACK,
    FIGSIZE,
    GREY,
    MARKERS,
    Array,
    FigureResult,
    Style,
    canvas,
    mm,
    provenance,
    scale,
    shipment_lanes,
    style,
)
from sim.results import metrics
from sim.results.reader import RunData


def figsize(run: RunData, goods: Sequence[str] | None = None) -> tuple[float, float]:
    """Taller with each good, so that a row of panels stays readable."""
    return FIGSIZE[0], max(FIGSIZE[1], 1.4 + 2.3 * len(run.goods if goods is None else goods))


TOP_REGIONS = 12  # bars a panel draws by region; more regions: the largest, then the rest


def top_regions(values: Array, names: list[str]) -> tuple[list[str], list[list[int]]]:
    """The labels and region indices of each bar: one a region when there are few, else the
    largest ``TOP_REGIONS - 1`` (by ``values``) and one bar for all the others."""
    if len(names) <= TOP_REGIONS:
        return names, [[i] for i in range(len(names))]
    order = np.argsort(-values, kind="stable").tolist()
    keep, rest = order[:TOP_REGIONS - 1], order[TOP_REGIONS - 1:]
    return ([names[i] for i in keep] + [f"{len(rest)} other regions"],
            [[i] for i in keep] + [rest])


def donor_colour(run: RunData, donor: str) -> str:
    """A donor keeps its colour (and hatch) in every figure of the run."""
    return donor_style(run, donor).color


def donor_style(run: RunData, donor: str) -> Style:
    return style(run.donors.index(donor) if donor in run.donors else 0)


def _rows(goods: Sequence[str], body: FigureBase, ncols: int = 2,
          width_ratios: list[float] | None = None) -> list[list[Axes]]:
    grid = body.subplots(len(goods), ncols, squeeze=False, width_ratios=width_ratios)
    return [list(row) for row in grid]


def _unit_axis(ax: Axes, what: str, peak: float, unit: str, axis: str = "y") -> float:
    """Label ``ax`` with ``what`` in the good's unit, scaled to ``peak``; returns the divisor."""
    div, word = scale(peak)
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(f"{what} ({word}{unit})")
    return div


def _title(ax: Axes, run: RunData, good: str, text: str) -> None:
    ax.set_title(f"{run.good_name(good)}: {text}", loc="left", fontsize=8.5)


def _donor_legend(run: RunData, body: FigureBase, styles: list[tuple[Artist, str]]) -> None:
    """One legend for the figure: a colour per donor, then what each line style means."""
    handles: list[Artist] = [Patch(facecolor=donor_colour(run, d), hatch=donor_style(run, d)
                                   .hatch, edgecolor="white") for d in run.donors]
    labels = [run.donor_name(d) for d in run.donors]
    body.legend([*handles, *(h for h, _ in styles)], [*labels, *(t for _, t in styles)],
                loc="outside upper center", ncols=min(len(labels) + len(styles), 5))


def _peak(*series: Array) -> float:
    return max((float(np.nanmax(s)) for s in series if s.size), default=0.0)


def supply(run: RunData, fig: FigureBase | None = None,
           goods: Sequence[str] | None = None) -> FigureResult:
    """Per good: each donor's stock against its reserve; what it donated and received."""
    goods = list(run.goods if goods is None else goods)
    fig, body = canvas(fig, "Supply: what each donor held, gave and received, by good",
                       provenance(run.summary), figsize(run, goods))
    axes = []
    for row, good in zip(_rows(goods, body), goods, strict=True):
        left, right = row
        unit, chans = run.unit(good), run.channels_of(good)
        daily = {d: run.daily_of(d, good) for d, _ in chans}
        div = _unit_axis(left, "Stock", _peak(*(s["stock"] for s in daily.values())), unit)
        for d, s in daily.items():
            c = donor_colour(run, d)
            left.plot(run.dates, s["stock"] / div, color=c, linestyle="-")
            if (s["reserve"] > 0).any():
                left.plot(run.dates, s["reserve"] / div, color=c, linestyle=":", lw=1.1)
        gave = {d: np.cumsum(s["shipped"]) for d, s in daily.items()}
        got = {d: np.cumsum(s.get("received", np.zeros_like(s["shipped"])))
               for d, s in daily.items()}
        div = _unit_axis(right, "To date", _peak(*gave.values(), *got.values()), unit)
        for d in daily:
            c = donor_colour(run, d)
            right.plot(run.dates, gave[d] / div, color=c, linestyle="-")
            if got[d][-1] > 0:
                right.plot(run.dates, got[d] / div, color=c, linestyle="-.", lw=1.1)
            if gave[d][-1] > 0:
                right.annotate(mm(float(gave[d][-1])), (run.dates[-1], gave[d][-1] / div),
                               fontsize=6.5, color=c, ha="right", va="bottom")
        _title(left, run, good, "stock")
        _title(right, run, good, "donated and received")
        for ax in row:
            ax.set_ylim(bottom=0)
        axes += row
    _donor_legend(run, body, [
        (Line2D([], [], color=GREY, linestyle="-"), "stock; donated"),
        (Line2D([], [], color=GREY, linestyle=":"), "reserve kept back"),
        (Line2D([], [], color=GREY, linestyle="-."), "received: bought, or by exchange")])
    return fig, axes


def delivered_by_day(run: RunData, donor: str, good: str) -> Array:
    """What one donor's shipments of a good brought in, by arrival day (T,). Through a hub,
    shipments.csv's arrival is the landing at the hub, so a good's only donor reads what the
    regions received instead (regions.parquet; with several donors it cannot be split)."""
    sh, out = run.shipments, np.zeros(len(run.dates))
    mine = (sh["donor"] == donor) & (sh["good"] == good)
    if (sh["via"][mine] != "").any() and len(run.channels_of(good)) == 1:
        arrived: Array = run.regions_of(good)["arrived"].sum(axis=1)
        return arrived
    sel = mine & sh["arrived_in_horizon"].astype(bool)
    days = (sh["arrival_date"][sel].astype("datetime64[D]") - run.dates[0]).astype(np.int64)
    ok = (days >= 0) & (days < len(out))
    np.add.at(out, days[ok], sh["amount"][sel][ok].astype(np.float64))
    return out


def donated_by_region(run: RunData, donor: str, good: str) -> Array:
    """What one donor shipped of a good to each region over the horizon (R,)."""
    sh = run.shipments
    sel = (sh["donor"] == donor) & (sh["good"] == good)
    return np.array([float(sh["amount"][sel & (sh["region"] == r)].sum())
                     for r in run.region_ids])


def donations(run: RunData, fig: FigureBase | None = None,
              goods: Sequence[str] | None = None) -> FigureResult:
    """Per good: each donor's deliveries to date, and where its gifts went."""
    goods = list(run.goods if goods is None else goods)
    fig, body = canvas(fig, "Donations: what each donor delivered, and to which region, "
                       "by good", provenance(run.summary), figsize(run, goods))
    axes = []
    names = [run.region_name(r) for r in run.region_ids]
    for row, good in zip(_rows(goods, body, width_ratios=[1.2, 1]), goods, strict=True):
        left, right = row
        # A donor that shipped none of the good (it keeps what it has) draws no line here.
        unit, donors = run.unit(good), [d for d, _ in run.channels_of(good)
                                        if run.daily_of(d, good)["shipped"].any()]
        came = {d: np.cumsum(delivered_by_day(run, d, good)) for d in donors}
        left_ = {d: np.cumsum(run.daily_of(d, good)["shipped"]) for d in donors}
        div = _unit_axis(left, "To date", _peak(*came.values(), *left_.values()), unit)
        for d in donors:
            c = donor_colour(run, d)
            left.plot(run.dates, left_[d] / div, color=c, linestyle=":", lw=1.1)
            left.plot(run.dates, came[d] / div, color=c, linestyle="-", lw=2.0)
        _title(left, run, good, f"delivered {mm(sum(float(v[-1]) for v in came.values()))}")
        by_region = {d: donated_by_region(run, d, good) for d in donors}
        labels, bars = top_regions(sum(by_region.values(), np.zeros(len(names))), names)
        by_bar = {d: np.array([v[i].sum() for i in bars]) for d, v in by_region.items()}
        y = np.arange(len(bars))[::-1]
        div = _unit_axis(right, "Donated", _peak(sum(by_bar.values(), np.zeros(len(y)))),
                         unit, axis="x")
        base = np.zeros(len(y))
        for d in donors:
            right.barh(y, by_bar[d] / div, left=base / div, color=donor_colour(run, d),
                       hatch=donor_style(run, d).hatch, edgecolor="white", lw=0.3)
            base += by_bar[d]
        right.set_yticks(y, labels)
        right.grid(axis="y", visible=False)
        if not base.any():
            right.text(0.5, 0.5, f"no {unit} donated", transform=right.transAxes,
                       ha="center", color="#444444")
        _title(right, run, good, "by region")
        left.set_ylim(bottom=0)
        axes += row
    _donor_legend(run, body, [
        (Line2D([], [], color=GREY, linestyle="-", lw=2.0), "delivered"),
        (Line2D([], [], color=GREY, linestyle=":", lw=1.1), "shipped")])
    return fig, axes


def _no_need(body: FigureBase) -> FigureResult:
    """A figure of need met when no region stated a need for any of its goods."""
    ax = body.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, "No region stated a need for these goods:\nthere is no share of need "
            "to show.", ha="center", va="center", transform=ax.transAxes, color="#444444")
    return body, [ax]


MANY_REGIONS = 10  # more regions than this: need met to date as a band, not a line each


def sufficiency(run: RunData, fig: FigureBase | None = None,
                goods: Sequence[str] | None = None) -> FigureResult:
    """Per good some region needed: each region's need met to date, and the need left
    unmet. Regions that stated no need for a good are left out of its panels."""
    goods = list(needs.needy_goods(run) if goods is None else goods)
    fig, body = canvas(fig, "Sufficiency: how much of each region's need was met, by good",
                       provenance(run.summary), figsize(run, goods))
    if not goods:
        return _no_need(body)
    axes = []
    names = [run.region_name(r) for r in run.region_ids]
    for row, good in zip(_rows(goods, body, width_ratios=[1.2, 1]), goods, strict=True):
        left, right = row
        r, want = run.regions_of(good), needs.needed(run, good)
        need, got = np.cumsum(r["need"], axis=0), np.cumsum(r["consumed"], axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(need > 0, 100 * got / need, np.nan)
        idx = np.flatnonzero(want)
        if len(idx) > MANY_REGIONS:
            _band(left, run, share[:, idx], [names[i] for i in idx])
        else:
            for i in idx:
                st = style(int(i))
                left.plot(run.dates, share[:, i], color=st.color, linestyle=st.linestyle,
                          lw=1.3, label=names[i])
        left.set_ylim(-3, 105)
        left.set_ylabel("Need met to date (%)")
        _title(left, run, good, "need met" + (f", {len(idx)} of {len(names)} regions"
                                              if len(idx) < len(names) else ""))
        unmet = r["unmet"].sum(axis=0)
        # No-need regions sort last and are dropped: they have no bar.
        labels, bars = top_regions(np.where(want, unmet, -1.0), names)
        bars = [[i for i in bar if want[i]] for bar in bars]
        keep = [k for k, bar in enumerate(bars) if bar]
        labels, bars = [labels[k] for k in keep], [bars[k] for k in keep]
        if len(bars) and len(bars[-1]) > 1:
            labels[-1] = f"{len(bars[-1])} other regions"
        y = np.arange(len(bars))[::-1]
        amount = np.array([unmet[bar].sum() for bar in bars])
        div = _unit_axis(right, "Unmet need", _peak(amount), run.unit(good), axis="x")
        for k, bar in enumerate(bars):
            st = style(bar[0] if len(bar) == 1 else len(names))
            right.barh(y[k], amount[k] / div, color=st.color if len(bar) == 1 else GREY,
                       hatch=st.hatch, edgecolor="white", lw=0.3)
            wanted = need[-1, bar].sum()
            met = f" {100 * got[-1, bar].sum() / wanted:.0f} % met" if wanted > 0 else ""
            right.annotate(met, (amount[k] / div, y[k]), va="center", fontsize=7)
        right.set_yticks(y, labels)
        right.set_xlim(0, max(float(amount.max(initial=0.0)) / div, 1e-9) * 1.35)
        right.grid(axis="y", visible=False)
        _title(right, run, good, f"{mm(float(unmet.sum()))} {run.unit(good)} unmet")
        axes += row
    handles, labels_ = axes[0].get_legend_handles_labels()
    body.legend(handles, labels_, loc="outside upper center", ncols=min(len(labels_), 4))
    return fig, axes


def _band(ax: Axes, run: RunData, share: Array, names: list[str]) -> None:
    """Many regions' need met to date: the median region, the middle 80 % of regions, and
    the least served region at the end."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days before any region needed
        lo, mid, hi = np.nanpercentile(share, [10, 50, 90], axis=1)
    ax.fill_between(run.dates, lo, hi, color=style(0).color, alpha=0.25, lw=0,
                    label="middle 80 % of regions")
    ax.plot(run.dates, mid, color=style(0).color, lw=1.6, label="median region")
    end = np.where(np.isnan(share[-1]), np.inf, share[-1])
    worst = int(np.argmin(end))
    ax.plot(run.dates, share[:, worst], color=BLACK, linestyle=":", lw=1.2,
            label="least served at the end")
    ax.annotate(names[worst], (run.dates[-1], share[-1, worst]), fontsize=6.5, ha="right",
                va="bottom")


def gini_to_date(run: RunData, good: str) -> Array:
    """Gini of one good's fill rates to date among the regions that stated a need for it;
    NaN while none of them received any."""
    r, want = run.regions_of(good), needs.needed(run, good)
    need, got = np.cumsum(r["need"], axis=0)[:, want], np.cumsum(r["consumed"], axis=0)[:, want]
    out: Array = np.where(got.sum(axis=1) > 0, metrics.gini(metrics.fill_rate(got, need)),
                          np.nan)
    return out


def equity(run: RunData, fig: FigureBase | None = None,
           goods: Sequence[str] | None = None) -> FigureResult:
    """Per good some region needed: the Gini of the fill rates over time, and each region's
    fill by the end (regions that stated no need for a good left out)."""
    goods = list(needs.needy_goods(run) if goods is None else goods)
    fig, body = canvas(fig, "Equity: how evenly each good reached the regions",
                       provenance(run.summary))
    if not goods:
        return _no_need(body)
    w, h = body.get_figure(root=True).get_size_inches()
    tall = h > w
    ax0, ax1 = body.subplots(2 if tall else 1, 1 if tall else 2, squeeze=False).flat
    n, names = len(goods), [run.region_name(r) for r in run.region_ids]
    many = len(names) > TOP_REGIONS
    for k, good in enumerate(goods):
        st = style(k)
        ax0.plot(run.dates, gini_to_date(run, good), color=st.color, linestyle=st.linestyle,
                 marker=st.marker, markevery=14, label=run.good_name(good))
        r, want = run.regions_of(good), needs.needed(run, good)
        rate = 100 * metrics.fill_rate(r["consumed"].sum(axis=0), r["need"].sum(axis=0))
        if many:  # a dot per region on the good's row, the median marked
            y = n - 1 - k + np.linspace(-0.25, 0.25, int(want.sum()))
            ax1.scatter(rate[want], y, s=12, color=st.color, marker=st.marker, alpha=0.7,
                        label=run.good_name(good))
            ax1.plot([np.median(rate[want])] * 2, [n - 1 - k - 0.35, n - 1 - k + 0.35],
                     color=BLACK, lw=1.6)
            worst = int(np.flatnonzero(want)[np.argmin(rate[want])])
            ax1.annotate(names[worst], (rate[worst], n - 1 - k - 0.3), fontsize=6.5,
                         va="top")
            continue
        lanes = np.arange(len(names))[::-1] + 0.4 - 0.8 / n * (k + 0.5)
        ax1.barh(lanes[want], rate[want], height=0.8 / n, color=st.color, hatch=st.hatch,
                 edgecolor="white", lw=0.3, label=run.good_name(good))
        for i in np.flatnonzero(~want):
            ax1.annotate(needs.NO_NEED, (1, lanes[i]), va="center", fontsize=6, color=GREY)
    ax0.set_ylim(0, 1)
    ax0.set_xlim(run.dates[0], run.dates[-1])
    ax0.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3))  # type: ignore[no-untyped-call]
    ax0.set_ylabel("Gini of fill rates to date (0 = equal, 1 = one region has all)")
    ax0.set_xlabel("Date")
    ax0.set_title("Gini over time (blank while no region received any)", loc="left")
    ax0.legend(loc="upper right")
    if many:
        ax1.set_yticks(np.arange(n)[::-1], [run.good_name(g) for g in goods])
        ax1.set_title("Need met by the end: a dot per region that stated a need, the bar "
                      "the median", loc="left", fontsize=8.5)
    else:
        ax1.set_yticks(np.arange(len(names))[::-1], names)
        ax1.set_title("Each region's need met, by good", loc="left")
        ax1.legend(loc="lower right", fontsize=7)
    ax1.set_xlim(0, 105)
    ax1.set_xlabel("Need met by the end (%)")
    ax1.grid(axis="y", visible=False)
    return fig, [ax0, ax1]


def shipments(run: RunData, fig: FigureBase | None = None,
              goods: Sequence[str] | None = None) -> FigureResult:
    """What left, from whom, of which good, for whom, and when it arrived (every good: one
    lane per good in a region's row; ``goods`` is accepted for a uniform signature)."""
    fig, body = canvas(fig, "Shipments: who sent which good, to whom, and when it arrived",
                       provenance(run.summary))
    ax = body.subplots()
    sh, goods = run.shipments, run.goods
    rows = {rid: len(run.region_ids) - 1 - i for i, rid in enumerate(run.region_ids)}
    lane = 0.8 / len(goods)  # one lane per good within a region's row
    biggest = {g: float(sh["amount"][sh["good"] == g].max(initial=1.0)) for g in goods}

    def size(g: str, amount: float) -> float:  # marker area in pt^2, relative within a good
        return 8.0 + 160.0 * amount / biggest[g]

    for j in range(len(sh["amount"])):
        rid, g, d = str(sh["region"][j]), str(sh["good"][j]), str(sh["donor"][j])
        if rid not in rows or g not in goods:
            continue
        k = goods.index(g)
        y = rows[rid] + 0.4 - lane * (k + 0.5)
        c = donor_colour(run, d)
        ship, arrive = sh["ship_date"][j], sh["arrival_date"][j]
        ax.plot([ship, arrive], [y, y], color=c, lw=0.9,
                linestyle="-" if sh["arrived_in_horizon"][j] else ":")
        pledged = sh["pledged"][j] >= 0.5 * sh["amount"][j]
        ax.scatter([ship], [y], s=size(g, float(sh["amount"][j])), marker=MARKERS[k % len(
            MARKERS)], facecolors=c if pledged else "white", edgecolors=c, lw=0.9, zorder=3)
    shipment_lanes(ax, run, rows, set(sh["region"].tolist()), margin=0.4)
    handles: list[Artist] = [Patch(color=donor_colour(run, d)) for d in run.donors]
    labels = [run.donor_name(d) for d in run.donors]
    handles += [Line2D([], [], marker=MARKERS[k % len(MARKERS)], color=BLACK, linestyle="",
                       markerfacecolor="white") for k in range(len(goods))]
    labels += [f"{run.good_name(g)} (largest {mm(biggest[g])} {run.unit(g)})" for g in goods]
    body.legend(handles, labels, loc="outside upper center",
                ncols=min(len(labels), max(3, math.ceil(len(labels) / 2))), fontsize=7)
    ax.annotate("filled: mostly for a pledge or exchange; hollow: by the rule. Area by "
                "amount, relative to the largest shipment of its good",
                (0.0, -0.11), xycoords="axes fraction", fontsize=6.5, color="#444444",
                va="top")
    return fig, [ax]


NEED_FIGURES = frozenset({"sufficiency", "equity"})  # they draw only goods some region needed

GOODS_FIGURES: dict[str, Callable[..., FigureResult]] = {
    "supply": supply, "donations": donations, "sufficiency": sufficiency,
    "equity": equity, "shipments": shipments,
}
