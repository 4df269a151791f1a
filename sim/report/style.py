"""The house style of every figure: colours, dashes and markers that survive grey print and
colour-vision deficiencies, the canvas (title, body, provenance footnote), number formats and
per-good scales. Shared by the run, goods, compare and sweep figures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase, SubFigure
from numpy.typing import NDArray

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from sim.results.reader import RunData

Array = NDArray[np.float64]
Dates = NDArray[np.datetime64]
FigureResult = tuple[FigureBase, list[Axes]]

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
BLUE, VERMILLION, GREEN, ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
PURPLE, SKY, BLACK, YELLOW = "#CC79A7", "#56B4E9", "#000000", "#F0E442"
GREY = "#7F7F7F"
# Yellow last: too light for a thin line on white paper.
COLOURS = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY, BLACK, YELLOW)
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


# Resolved scenarios lose the comments that cite their sources; say where to find them.
SOURCE_NOTES = {"taiwan": "figures from the public record, see scenarios/taiwan_2020.toml"}


def provenance(summary: dict[str, Any]) -> str:
    p = summary.get("provenance", {})
    text = (f"Source: masksim {p.get('version', '?')}, scenario {summary.get('name', '?')} "
            f"(sha256 {str(p.get('scenario_sha256', '?'))[:10]}), seed {p.get('seed', '?')}; "
            f"engine {p.get('engine', '?')}/backend {p.get('backend', '?')}")
    notes = [v for k, v in SOURCE_NOTES.items() if str(summary.get("name", "")).startswith(k)]
    # Two lines at most, so that the footnote fits the width of an A4 figure.
    return text + "." + "".join(f"\nInputs: {n}." for n in notes)


def canvas(fig: FigureBase | None, title: str, footnote: str,
           figsize: tuple[float, float] = FIGSIZE) -> tuple[FigureBase, FigureBase]:
    """The figure (new unless given), with its title and a footnote band; returns the body
    to draw axes in. A band of its own keeps the footnote clear of the tick labels."""
    if fig is None:
        fig = Figure(figsize=figsize, layout="constrained")
    fig.suptitle(title, x=0.01, ha="left")
    root = fig.get_figure(root=True)
    frac = fig.bbox.height / root.bbox.height if isinstance(fig, SubFigure) else 1.0
    height = root.get_size_inches()[1] * frac
    foot_in = 0.14 * (1 + footnote.count("\n"))
    parts = fig.subfigures(2, 1, squeeze=False, height_ratios=[height - foot_in, foot_in])
    body, foot = parts[0, 0], parts[1, 0]
    foot.text(0.0, 0.5, footnote, ha="left", va="center", fontsize=6.5, color="#444444")
    return fig, body


def mm(x: float) -> str:
    """Masks in short form: 847 M, 27.1 M, 100 k."""
    if abs(x) >= 1e9:
        return f"{x / 1e9:.3g} bn"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g} M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:.3g} k"
    return f"{x:.0f}"


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


def shipment_lanes(ax: Axes, run: RunData, rows: Mapping[str, float], shipped: Iterable[str],
                   margin: float) -> None:
    """The shipments chart's frame: a lane per region (those with none say so), the end of
    the horizon, and two weeks after it for what is still in the air."""
    seen = set(shipped)
    for rid, y in rows.items():
        if rid not in seen:
            ax.annotate("no shipments", (run.dates[0] + np.timedelta64(3, "D"), y),
                        fontsize=7, color=GREY, va="center")
    ax.axvline(run.dates[-1], color=GREY, linestyle="--", lw=0.8)
    ax.set_yticks(list(rows.values()), [run.region_name(r) for r in rows])
    ax.set_ylim(-1 + margin, len(rows) - margin)
    ax.set_xlim(run.dates[0], run.dates[-1] + np.timedelta64(14, "D"))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Date (ship date → arrival)")
    ax.set_ylabel("Recipient region")
