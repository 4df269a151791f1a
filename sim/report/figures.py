"""Figures of one run: where the goods came from, where they went and when, who was left
short, and (with hubs) how the hubs' queues ran. One set for every run: a run of one good is
simply one panel (or one row) of each.

Every figure function takes a :class:`RunData` (a result folder read back by
:func:`load_run`, or a run in memory, ``RunData.of(result)``) and returns ``(fig, axes)``.
Figures are plain :class:`matplotlib.figure.Figure` objects, never pyplot's global ones, so
no backend is chosen and nothing is styled on import: call them inside ``with
house_style():``, and save inside it too (some settings, such as fonts in PDF and the SVG
hash salt, are read when the file is written). Pass ``fig=`` (a Figure or SubFigure) to draw
into a page of the brief.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import FigureBase

from sim.report.equity_figure import equity as equity
from sim.report.equity_figure import fair_goods
from sim.report.hub_figures import hubs as hubs
from sim.report.marks import RECORD_STYLE as RECORD_STYLE
from sim.report.marks import draw_record as draw_record
from sim.report.needs import needy_goods
from sim.report.region_figures import donations as donations
from sim.report.region_figures import given_goods
from sim.report.region_figures import sufficiency as sufficiency
from sim.report.series import gini_to_date as gini_to_date
from sim.report.series import pledges_due as pledges_due
from sim.report.shipments_figure import shipments as shipments
from sim.report.style import FigureResult as FigureResult
from sim.report.style import house_style as house_style
from sim.report.style import provenance as provenance
from sim.report.style import rolling_sum as rolling_sum
from sim.report.supply_figure import supply as supply
from sim.results.reader import RUN_FILES as RUN_FILES
from sim.results.reader import RunData as RunData
from sim.results.reader import load_run as load_run

FigureMaker = Callable[[RunData, FigureBase | None], FigureResult]

# The figures every run can draw, by file stem (``masksim plot`` writes <name>.png).
RUN_FIGURES: dict[str, FigureMaker] = {
    "supply": supply, "donations": donations, "sufficiency": sufficiency, "equity": equity,
    "shipments": shipments,
}
NEED_FIGURES = frozenset({"sufficiency", "equity"})  # only for goods some region needed
GIVING_FIGURES = frozenset({"donations", "shipments"})  # only when something was shipped


def run_figures(run: RunData) -> dict[str, FigureMaker]:
    """The figures a run draws: the five of every run, less those it has nothing to show
    in (need met and equity without a region that stated a need, equity when nothing
    reached those regions, donations and shipments when nothing was shipped), and ``hubs``
    for a run with hubs."""
    needy = bool(needy_goods(run))
    given = bool(given_goods(run))
    fair = bool(fair_goods(run))
    out = {k: f for k, f in RUN_FIGURES.items()
           if (needy or k not in NEED_FIGURES) and (given or k not in GIVING_FIGURES)
           and (fair or k != "equity")}
    return {**out, **({"hubs": hubs} if run.hubs else {})}

