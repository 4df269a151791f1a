"""The page's figures, in Bokeh: supply and stock with the record's observations, deliveries
by region, need met and equity, hub queues. The current run is drawn solid, the baseline
dashed and paler beside it, in the house colours (Okabe-Ito) of the PDF figures.

The figures are built once per session; a new run only replaces the data of their sources,
so the browser redraws without rebuilding the page (the few kilobytes of a run's series
travel, not a new document).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    DataRange1d,
    FactorRange,
    HoverTool,
    LayoutDOM,
    NumeralTickFormatter,
)
from bokeh.models.annotations import Title, Whisker
from bokeh.plotting import figure
from bokeh.transform import dodge

from sim.explore.view import RunView, gini, record, regions, supply
from sim.report.style import BLACK, BLUE, GREEN, GREY, ORANGE, PURPLE, SKY, VERMILLION

COLOURS = {"production": BLUE, "domestic_served": ORANGE, "domestic_demand": BLACK,
           "shipped": GREEN, "stock": BLUE, "reserve": VERMILLION, "donated": GREEN,
           "delivered": PURPLE, "region_delivered": BLACK}
LABELS = {"production": "production", "domestic_served": "domestic demand served",
          "domestic_demand": "domestic demand", "shipped": "donations shipped",
          "stock": "donor stock", "reserve": "reserve kept back", "donated": "donated to date",
          "delivered": "delivered to date"}
HUB_COLOURS = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY)
TOOLS = "pan,xwheel_zoom,box_zoom,reset,save"
AMOUNT = NumeralTickFormatter(format="0.[0]a")


def _time_figure(title: str, unit: str, height: int = 250) -> Any:
    fig = figure(title=title, x_axis_type="datetime", height=height, tools=TOOLS,
                 sizing_mode="stretch_width", y_axis_label=unit, y_range=DataRange1d(start=0))
    fig.yaxis.formatter = AMOUNT
    return fig


def _lines(fig: Any, source: ColumnDataSource, names: tuple[str, ...]) -> None:
    """Each series of the current run (solid) and of the baseline (dashed, paler)."""
    for name in names:
        colour = COLOURS[name]
        fig.line("date", f"base_{name}", source=source, color=colour, line_width=1.6,
                 line_dash="dashed", alpha=0.55, legend_label=f"{LABELS[name]}, baseline")
        fig.line("date", f"cur_{name}", source=source, color=colour, line_width=2.4,
                 legend_label=LABELS[name])
    _outside(fig)


def _outside(fig: Any) -> None:
    """The legend right of the plot, compact, a click hides a line."""
    legend = fig.legend[0]
    legend.click_policy = "hide"
    legend.label_text_font_size = "8pt"
    legend.spacing = 0
    legend.padding = 4
    legend.glyph_width = 18
    legend.label_height = 12
    fig.add_layout(legend, "right")


def _record(fig: Any, source: ColumnDataSource, x: str = "date", y: str = "value") -> Any:
    """The record's observations: a marker at the value, whiskers over a range. Returns the
    markers' renderer (hidden, with its legend entry, when the record has none here)."""
    fig.add_layout(Whisker(source=source, base=x, lower="low", upper="high", line_color="colour",
                           dimension="height" if x == "date" else "width"))
    dots = fig.scatter(x, y, source=source, size=8, marker="diamond", fill_color="white",
                       line_color="colour", line_width=2, legend_label="the record (2020)")
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[
        ("record", "@value{0,0}"), ("kind", "@kind"), ("source", "@source")]))
    return dots


class Charts:
    """One session's figures; :meth:`update` draws a run against the baseline."""

    def __init__(self, baseline: RunView) -> None:
        data = baseline.data
        self.region_names = [data.region_name(r) for r in data.region_ids]
        self.hub_ids = list(data.hubs)
        self.days = ColumnDataSource()
        self.regions = ColumnDataSource()
        self.hubs = ColumnDataSource()
        self.records = {k: ColumnDataSource(_empty_record(k == "region_delivered"))
                        for k in ("flows", "stock", "delivered", "region_delivered")}
        self.good = ""
        names = ("production", "domestic_served", "domestic_demand", "shipped")
        self.flows = _time_figure("Supply: daily flows", "units a day")
        self.stock = _time_figure("Stock at the end of each day", "units")
        self.flows.x_range = self.stock.x_range
        self.delivered = _time_figure("Delivered to date, all regions", "units")
        self.gini = _time_figure("Gini of fill rates to date (0 = even)", "index")
        self.gini.y_range = DataRange1d(start=0, end=1)
        self.gini.yaxis.formatter = NumeralTickFormatter(format="0.00")
        height = max(220, 16 * len(self.region_names) + 70)
        factors = self.region_names[::-1]
        self.by_region = figure(title="Delivered by region", y_range=FactorRange(
            factors=factors), height=height, tools="save,reset", sizing_mode="stretch_width",
            x_axis_label="units", x_range=DataRange1d(start=0))
        self.by_region.xaxis.formatter = AMOUNT
        self.need_met = figure(title="Need met by region (%)", y_range=FactorRange(
            factors=factors), height=height, tools="save,reset", sizing_mode="stretch_width",
            x_axis_label="% of the need over the horizon", x_range=DataRange1d(start=0))
        self.update(baseline, baseline, data.goods[0])
        _lines(self.flows, self.days, names)
        _lines(self.stock, self.days, ("stock", "reserve", "donated"))
        _lines(self.delivered, self.days, ("delivered",))
        self.record_dots = {key: _record(fig, self.records[key]) for fig, key in (
            (self.flows, "flows"), (self.stock, "stock"), (self.delivered, "delivered"))}
        self.gini.line("date", "base_gini", source=self.days, color=BLUE, line_dash="dashed",
                       alpha=0.55, line_width=1.6, legend_label="baseline")
        self.gini.line("date", "cur_gini", source=self.days, color=BLUE, line_width=2.4,
                       legend_label="this run")
        self.gini.legend.location = "top_right"
        for fig, what in ((self.by_region, "delivered"), (self.need_met, "met")):
            fig.hbar(y=dodge("region", 0.2, range=fig.y_range), right=f"base_{what}",
                     height=0.38, source=self.regions, color=GREY, alpha=0.6,
                     legend_label="baseline")
            fig.hbar(y=dodge("region", -0.2, range=fig.y_range), right=f"cur_{what}",
                     height=0.38, source=self.regions, color=BLUE, legend_label="this run")
            fig.legend.location = "bottom_right"
            fig.ygrid.grid_line_color = None
        self.record_dots["region_delivered"] = _record(
            self.by_region, self.records["region_delivered"], x="region", y="value")
        self._record_shown()
        self.queues = None
        if self.hub_ids:
            self.queues = _time_figure("Hub queues at the end of each day", "units waiting")
            for k, hub in enumerate(self.hub_ids):
                colour = HUB_COLOURS[k % len(HUB_COLOURS)]
                name = data.hub_name(hub)
                self.queues.line("date", f"base_{k}", source=self.hubs, color=colour,
                                 line_dash="dashed", alpha=0.55, line_width=1.6,
                                 legend_label=f"{name}, baseline")
                self.queues.line("date", f"cur_{k}", source=self.hubs, color=colour,
                                 line_width=2.4, legend_label=name)
            self.queues.legend.location = "top_right"

    def panels(self) -> list[tuple[str, LayoutDOM]]:
        """(title, layout) of each figure group, in the page's order."""
        out: list[tuple[str, LayoutDOM]] = [
            ("Supply and stock", column(self.flows, self.stock, sizing_mode="stretch_width")),
            ("Deliveries by region", row(self.delivered, self.by_region,
                                         sizing_mode="stretch_width")),
            ("Need met and equity", row(self.need_met, self.gini,
                                        sizing_mode="stretch_width")),
        ]
        if self.queues is not None:
            out.append(("Hub queues", self.queues))
        return out

    def update(self, baseline: RunView, current: RunView, good: str) -> None:
        """Draw ``current`` against ``baseline``, for ``good``."""
        b, c = baseline.data, current.data
        days: dict[str, Any] = {"date": c.dates}
        for prefix, run in (("base_", b), ("cur_", c)):
            days.update({prefix + k: v for k, v in supply(run, good).items()})
            days[prefix + "gini"] = gini(run, good)
        self.days.data = days
        rb, rc = regions(b, good), regions(c, good)
        self.regions.data = {
            "region": self.region_names, "base_delivered": rb["delivered"],
            "cur_delivered": rc["delivered"], "base_met": 100 * rb["need_met"],
            "cur_met": 100 * rc["need_met"]}
        if self.hub_ids:
            hubs: dict[str, Any] = {"date": c.dates}
            for k, hub in enumerate(self.hub_ids):
                hubs[f"base_{k}"] = b.hubs[hub]["queue"]
                hubs[f"cur_{k}"] = c.hubs[hub]["queue"]
            self.hubs.data = hubs
        if good != self.good:  # the record is the scenario's: the same in every run
            self._record(c, good)
            unit = c.unit(good)
            for fig in (self.flows, self.stock, self.delivered, self.by_region):
                (fig.xaxis if fig is self.by_region else fig.yaxis).axis_label = (
                    f"{unit} a day" if fig is self.flows else unit)
            suffix = f" ({c.good_name(good)})" if len(c.goods) > 1 else ""
            for fig, title in ((self.flows, "Supply: daily flows"),
                               (self.stock, "Stock at the end of each day"),
                               (self.delivered, "Delivered to date, all regions"),
                               (self.by_region, "Delivered by region"),
                               (self.need_met, "Need met by region (%)")):
                fig.title = Title(text=title + suffix)
            self.good = good

    def _record_shown(self) -> None:
        for key, dots in getattr(self, "record_dots", {}).items():
            dots.visible = bool(len(self.records[key].data["value"]))

    def _record(self, run: Any, good: str) -> None:
        obs = record(run, good)
        groups = {"flows": ("production", "domestic_served", "domestic_demand"),
                  "stock": ("stock", "donated"), "delivered": ("delivered",)}
        for key, lines in groups.items():
            mine = [o for o in obs if o["line"] in lines]
            self.records[key].data = {
                "date": np.array([o["date"] for o in mine], dtype="datetime64[D]"),
                **_columns(mine)}
        names = dict(zip(run.region_ids, self.region_names, strict=True))
        mine = [o for o in obs if o["line"] == "region_delivered" and o["region"] in names]
        self.records["region_delivered"].data = {
            "region": [names[o["region"]] for o in mine], **_columns(mine)}
        self._record_shown()


def _columns(obs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"value": [o["value"] for o in obs], "low": [o["low"] for o in obs],
            "high": [o["high"] for o in obs], "kind": [o["kind"] for o in obs],
            "source": [o["source"] for o in obs],
            "colour": [COLOURS.get(o["line"], BLACK) for o in obs]}


def _empty_record(by_region: bool) -> dict[str, Any]:
    return {"region" if by_region else "date": [], "value": [], "low": [], "high": [],
            "kind": [], "source": [], "colour": []}
