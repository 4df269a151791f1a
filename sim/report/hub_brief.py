"""The brief's page "Hubs" for a run with hubs: each hub in plain words (what it handled,
how long things waited, how long the queue was), a table, and the hubs figure below.
:func:`sim.report.brief.write_brief` adds it after the figures. Every number comes from
summary.json's ``hubs`` and hubs.parquet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from sim.report.hub_figures import hubs, throughput
from sim.report.pages import blank, cap, date_words, table, text, words
from sim.report.style import mm
from sim.results.reader import RunData


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def hub_sentence(run: RunData, hub: str) -> str:
    """One hub in plain words: what it handled, how long things waited and queued."""
    e, unit = run.hub_summary(hub), run.hub_unit(hub)
    days = len(run.dates)
    name = run.hub_name(hub)
    text = f"{name[:1].upper()}{name[1:]} handled {words(_n(e.get('handled')))} {unit}"
    landed = float(run.hubs[hub]["arrived"].sum()) if hub in run.hubs else None
    if landed is not None:
        text += f" of the {words(landed)} that landed there"
    mean = e.get("mean_wait_days")
    if mean is None:
        return text + "; nothing was handled, so there was no waiting."
    text += f"; what it handled waited {mean:.1f} days on average"
    if hub in run.hubs:
        wait = run.hubs[hub]["wait_days"]
        if np.isfinite(wait).any():
            text += f" ({float(np.nanmax(wait)):.1f} days on the slowest day)"
    queued = int(e.get("days_with_queue") or 0)
    if not queued or e.get("max_queue_date") is None:
        return text + ". It never ended a day with a queue."
    left = float(run.hubs[hub]["queue"][-1]) if hub in run.hubs else 0.0
    tail = (f"; {words(left)} {unit} were still waiting at the end" if left > 0 else "")
    return text + (f". It ended {queued} of {days} days with a queue, the longest "
                   f"{words(_n(e.get('max_queue')))} {unit} on "
                   f"{date_words(str(e['max_queue_date']))}{tail}.")


def hub_rows(run: RunData) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for hub in run.hubs:
        e, unit = run.hub_summary(hub), run.hub_unit(hub)
        cap = throughput(run, hub)
        mean = e.get("mean_wait_days")
        rows.append((run.hub_name(hub), unit, "-" if cap is None else mm(cap),
                     mm(_n(e.get("handled"))), "-" if mean is None else f"{mean:.1f}",
                     mm(_n(e.get("max_queue"))), str(e.get("max_queue_date") or "-"),
                     f"{int(e.get('days_with_queue') or 0)} of {len(run.dates)}"))
    return rows


def hubs_page(run: RunData) -> Figure:
    """The brief's page "Hubs": each hub in words, a table, and the hubs figure."""
    fig, ax = blank("Hubs")
    y = text(ax, 1.0, "A hub handles what lands there first come, first served, up to its "
              "throughput a day, and sends it on; amounts are in the hub's own unit (units "
              "of any good, or kg). Shipments through a hub show their landing at the hub "
              "in the shipments figure; what each region received, and when, is in the "
              "other figures.", width=100, fontsize=9, color="#222222")
    for hub in run.hubs:
        y = text(ax, y, hub_sentence(run, hub), width=96, fontsize=9.5)
    y = table(ax, y, ("Hub", "Unit", "Throughput a day", "Handled", "Mean wait, days",
                       "Longest queue", "On", "Days with a queue"),
               cap(hub_rows(run), 6, "hubs"),
               (0.22, 0.07, 0.12, 0.1, 0.11, 0.12, 0.12, 0.14), fontsize=7.5)
    # The figure fills the page below the text (the text axes sit at 0.05..0.93 of it).
    bottom_of_text = 0.05 + 0.88 * y
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0.03, 0.03, 0.94,
                                                        max(bottom_of_text - 0.04, 0.3))))
    hubs(run, fig.subfigures(1, 1, squeeze=False)[0, 0])
    return fig
