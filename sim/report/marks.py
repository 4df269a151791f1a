"""The record drawn beside the model: summary.json's observations as marks on an axes.

A value is a marker; a range a capped bar from its low to its high end. Marker, fill and dash
tell the kinds apart in grey print; the colour follows the model line the record is set
against. Shared by the run figures and the sweep's replay figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.report.style import BLACK

RECORD_STYLE: dict[str, tuple[str, bool, Any]] = {
    "documented": ("o", True, "-"), "estimate": ("D", False, "--"), "pledged": ("s", False, ":"),
}


def draw_record(ax: Axes, observations: Iterable[Mapping[str, Any]],
                colours: Mapping[str, str], div: float = 1e6) -> list[tuple[Artist, str]]:
    """Draw on ``ax`` (values divided by ``div``) the observations whose series is a key of
    ``colours``; returns a legend entry for each kind drawn, in RECORD_STYLE's order. A
    figure about a period (``from_date``) spans it: a line at its value, or a band over its
    range, from the period's first day to its last."""
    kinds = set()
    for o in observations:
        colour = colours.get(o["series"])
        if colour is None:
            continue
        marker, filled, dash = RECORD_STYLE.get(o["kind"], RECORD_STYLE["documented"])
        x = np.datetime64(o["date"], "D")
        if o.get("from_date"):
            first = np.datetime64(o["from_date"], "D")
            lo, hi = ((v / div for v in o["range"]) if o.get("range") is not None
                      else (o["value"] / div, o["value"] / div))
            if hi > lo:
                ax.fill_between([first, x], [lo, lo], [hi, hi], color=colour, alpha=0.3,
                                lw=0, zorder=4)
            else:
                ax.plot([first, x], [lo, hi], color=colour, linestyle=dash, lw=2.2,
                        marker=marker, markevery=[1], markersize=5,
                        markerfacecolor=colour if filled else "white", zorder=4)
        elif o.get("range") is not None:
            lo, hi = (v / div for v in o["range"])
            bar = ax.errorbar([x], [(lo + hi) / 2], yerr=[[(hi - lo) / 2], [(hi - lo) / 2]],
                              fmt="none", ecolor=colour, elinewidth=1.8, capsize=4,
                              capthick=1.8, zorder=4)
            bar[2][0].set_linestyle(dash)
        else:
            ax.plot([x], [o["value"] / div], linestyle="", marker=marker, markersize=6.5,
                    color=colour, markerfacecolor=colour if filled else "white",
                    markeredgewidth=1.4, zorder=4)
        kinds.add(o["kind"])
    return record_handles(kinds)


def record_handles(kinds: Iterable[str]) -> list[tuple[Artist, str]]:
    """Legend entries for the kinds of record drawn, in RECORD_STYLE's order."""
    seen = set(kinds)
    return [(Line2D([], [], color=BLACK, marker=m, linestyle=dash, lw=1.4,
                    markerfacecolor=BLACK if filled else "white"), f"record, {kind}")
            for kind, (m, filled, dash) in RECORD_STYLE.items() if kind in seen]


def observations_of(summary: Mapping[str, Any], good: str,
                    donors: Iterable[str | None]) -> list[dict[str, Any]]:
    """The observations of ``good`` whose donor (id, name, or None for the good as a whole)
    is one of ``donors``."""
    accept = set(donors)
    return [dict(o) for o in summary.get("observations") or []
            if str(o.get("good") or "") == good and o.get("donor") in accept]
