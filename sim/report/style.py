"""The house style of every figure: colours, dashes and markers that survive grey print and
colour-vision deficiencies, the canvas (title, body, provenance footnote), number formats and
per-good scales. Shared by the run, goods, compare and sweep figures."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase, SubFigure
from matplotlib.font_manager import FontProperties
from numpy.typing import NDArray

from sim.report.words import mm as mm

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from sim.results.reader import RunData

Array = NDArray[np.float64]
Dates = NDArray[np.datetime64]
FigureResult = tuple[FigureBase, list[Axes]]

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency. Donors and
# the kinds of flow in the supply figure take these.
BLUE, VERMILLION, GREEN, ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
PURPLE, SKY, BLACK, YELLOW = "#CC79A7", "#56B4E9", "#000000", "#F0E442"
GREY = "#7F7F7F"
# Yellow last: too light for a thin line on white paper.
COLOURS = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY, BLACK, YELLOW)
# Goods take another palette, Tol's "muted" (also safe for colour-vision deficiencies), so
# that a colour never means a donor in one figure and a good in the next.
GOOD_COLOURS = ("#332288", "#CC6677", "#117733", "#882255", "#999933", "#44AA99",
                "#AA4499", "#88CCEE", "#DDCC77")
# Colour alone fails in grey print, so each series also gets its own dash and marker.
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)),
                               (0, (8, 2)), (0, (3, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\", "oo", "----", "++")

FIGSIZE = (7.5, 5.2)  # inches: fits A4 (8.27 in wide) with margins, legible when printed
M = 1e6

RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9, "axes.titlesize": 9.5, "axes.titleweight": "bold",
    "axes.labelsize": 8.5, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 7.5, "figure.titlesize": 11.5, "figure.titleweight": "bold",
    "axes.prop_cycle": cycler(color=COLOURS) + cycler(linestyle=LINESTYLES),
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": "#DDDDDD", "grid.linewidth": 0.5,
    "axes.axisbelow": True, "lines.linewidth": 1.5, "lines.markersize": 4.5,
    "legend.frameon": False, "hatch.linewidth": 0.6, "image.cmap": "cividis",
    "date.converter": "concise",  # "Mar", "Apr", the year once: dates read at a glance
    "figure.dpi": 100, "savefig.dpi": 200,
    # Reproducible files: fixed SVG ids, fonts embedded as TrueType subsets.
    "svg.hashsalt": "masksim", "svg.fonttype": "path", "pdf.fonttype": 42,
}


@contextmanager
def house_style() -> Iterator[None]:
    """The house style, for drawing and for saving."""
    with mpl.rc_context(RC):
        yield


@dataclass(frozen=True)
class Style:
    color: str
    linestyle: Any
    marker: str
    hatch: str


def style(i: int) -> Style:
    """The i-th series style: colour, dash, marker and hatch move together."""
    return Style(COLOURS[i % len(COLOURS)], LINESTYLES[i % len(LINESTYLES)],
                 MARKERS[i % len(MARKERS)], HATCHES[i % len(HATCHES)])


def donor_style(run: RunData, donor: str) -> Style:
    """A donor keeps its style in every figure of a run (Okabe-Ito colours)."""
    return style(run.donors.index(donor) if donor in run.donors else 0)


def good_style(run: RunData, good: str) -> Style:
    """A good keeps its style in every figure of a run (Tol's muted colours, apart from the
    donors'); dashes and markers start elsewhere in their cycles than the donors' do."""
    i = run.goods.index(good) if good in run.goods else 0
    return Style(GOOD_COLOURS[i % len(GOOD_COLOURS)], LINESTYLES[(i + 1) % len(LINESTYLES)],
                 MARKERS[(i + 2) % len(MARKERS)], HATCHES[(i + 3) % len(HATCHES)])


def provenance(summary: dict[str, Any]) -> str:
    """The footnote of every run figure: what drew it, from which scenario and seed."""
    p = summary.get("provenance", {})
    return (f"Source: masksim {p.get('version', '?')}, scenario {summary.get('name', '?')} "
            f"(sha256 {str(p.get('scenario_sha256', '?'))[:10]}), seed {p.get('seed', '?')}; "
            f"engine {p.get('engine', '?')}/backend {p.get('backend', '?')}. Sources of the "
            "record: docs/sources.md.")


def canvas(fig: FigureBase | None, title: str, footnote: str,
           figsize: tuple[float, float] = FIGSIZE) -> tuple[FigureBase, FigureBase]:
    """The figure (new unless given), with its title and a footnote band; returns the body
    to draw axes in. A band of its own keeps the footnote clear of the tick labels."""
    if fig is None:
        fig = Figure(figsize=figsize, layout="constrained")
    # The title's size may be a name ("large") outside the house style.
    size = FontProperties(size=mpl.rcParams["figure.titlesize"]).get_size_in_points()
    fig.suptitle(fit(fig, title, 0.97, size, bold=True), x=0.01, ha="left")
    root = fig.get_figure(root=True)
    frac = fig.bbox.height / root.bbox.height if isinstance(fig, SubFigure) else 1.0
    height = root.get_size_inches()[1] * frac
    foot_in = 0.14 * (1 + footnote.count("\n"))
    parts = fig.subfigures(2, 1, squeeze=False, height_ratios=[height - foot_in, foot_in])
    body, foot = parts[0, 0], parts[1, 0]
    foot.text(0.0, 0.5, footnote, ha="left", va="center", fontsize=6.5, color="#444444")
    return fig, body


def rolling_sum(a: Array, window: int) -> Array:
    """Sum over the last ``window`` days (fewer at the start), along axis 0."""
    c = np.concatenate([np.zeros((1, *a.shape[1:])), np.cumsum(a, axis=0)])
    lo = np.maximum(np.arange(1, len(a) + 1) - window, 0)
    out: Array = c[1:] - c[lo]
    return out


def scale(peak: float) -> tuple[float, str]:
    """A divisor and its word for an axis whose largest value is ``peak``: goods differ by
    orders of magnitude (a billion masks, a few thousand suits), so each axis gets its own."""
    if abs(peak) >= 1e6:
        return 1e6, "million "
    if abs(peak) >= 1e4:
        return 1e3, "thousand "
    return 1.0, ""


def _root(artist: Axes | FigureBase) -> Figure:
    root = artist.get_figure(root=True)
    assert isinstance(root, Figure)
    return root


def _frame(artist: Axes | FigureBase) -> tuple[float, float]:
    """The size (inches) of the (sub)figure an axes is drawn in: a figure's own page, or its
    part of a brief's page."""
    root = _root(artist)
    fig = artist if isinstance(artist, FigureBase) else artist.get_figure(root=False)
    if isinstance(fig, SubFigure):
        return float(fig.bbox.width / root.dpi), float(fig.bbox.height / root.dpi)
    width, height = root.get_size_inches()
    return float(width), float(height)


def fit(ax: Axes | FigureBase, text: str, share: float, fontsize: float = 8.5,
        bold: bool = False) -> str:
    """``text`` wrapped to ``share`` of the figure's width: the layout makes room for a
    title's or an axis label's height but not its width, so one wider than its panel would
    run into the next panel or off the page. DejaVu Sans averages about 0.58 em a
    character, 0.66 in bold."""
    width_in = _frame(ax)[0] * share
    chars = max(int(width_in * 72 / (fontsize * (0.66 if bold else 0.58))), 12)
    return textwrap.fill(text, chars, break_on_hyphens=False)


def ylabel(ax: Axes, text: str, share: float, fontsize: float = 8.5) -> None:
    """A y label wrapped to ``share`` of the figure's height (the layout gives a label its
    width, never its length)."""
    height_in = _frame(ax)[1] * share
    chars = max(int(height_in * 72 / (fontsize * 0.58)), 12)
    ax.set_ylabel(textwrap.fill(text, chars, break_on_hyphens=False))


def panel_title(ax: Axes, text: str, share: float = 0.9, fontsize: float = 8.5) -> None:
    """A panel's title on the left, wrapped to ``share`` of the figure's width."""
    ax.set_title(fit(ax, text, share, fontsize, bold=True), loc="left", fontsize=fontsize)


def num(dates: Any) -> Any:
    """Dates as matplotlib's day numbers (for collections and meshes drawn in numbers)."""
    return mdates.date2num(dates)  # type: ignore[no-untyped-call]


def date_ticks(first: np.datetime64, last: np.datetime64) -> tuple[Dates, list[str]]:
    """Tick dates and labels for the days from ``first`` to ``last``: month starts ("Mar")
    for a long span, month starts and 15ths ("Mar", "15") for a medium one, Mondays
    ("2 Mar") for a short one."""
    span = np.arange(first, last + np.timedelta64(1, "D"))
    day_of_month = (span - span.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    n = len(span)
    if n > 120:
        ticks = span[day_of_month == 0]
    elif n > 45:
        ticks = span[(day_of_month == 0) | (day_of_month == 14)]
    else:
        ticks = span[(span.astype("datetime64[D]").astype(int) + 3) % 7 == 0]  # Mondays
    labels = []
    for k, t in enumerate(ticks):
        d = t.astype(object)
        label = f"{d:%b}" if d.day == 1 else str(d.day) if n > 45 else f"{d.day} {d:%b}"
        labels.append(f"{label} {d:%Y}" if k == 0 and not label[0].isdigit() else label)
    return ticks, labels


def date_axis(ax: Axes, dates: Dates, pad_days: int = 0, after_days: int = 0) -> None:
    """Fixed date ticks over the horizon (``date_ticks``), padded by ``pad_days`` on both
    sides and ``after_days`` more after it. AutoDateLocator and the concise formatter redo
    their work at every layout pass, the slowest part of drawing many panels."""
    first = dates[0] - np.timedelta64(pad_days, "D")
    last = dates[-1] + np.timedelta64(pad_days + after_days, "D")
    ticks, labels = date_ticks(first, last)
    ax.set_xticks(num(ticks), labels)
    ax.set_xlim(num(first), num(last))
