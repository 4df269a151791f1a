"""The page of a sweep folder: the trade-off and each lever against an outcome, filtered by
the inputs, and a list of experiments each of which opens as a run (``/run?experiment=i``,
the scenario page with that experiment's scenario as its baseline).

An experiment is rebuilt as the sweep built it: the folder's base scenario with the
experiment's parameter values set by the sweep's own setters (``sim.sweep.spec``) and its
seed spawned from the sweep's root seed by its index, so the page's run is the sweep's row.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, NumeralTickFormatter
from bokeh.palettes import Category10_10
from bokeh.plotting import figure
from numpy.typing import NDArray

from sim.explore import levers as lv
from sim.explore.page import ScenarioApp, request_query
from sim.explore.view import RunCache
from sim.report.sweep_data import SweepData, load_sweep, outcome_label, param_label
from sim.scenario.errors import InputError
from sim.scenario.overrides import Overrides
from sim.scenario.paths import join_path
from sim.scenario.scenario import Scenario
from sim.sweep.spec import ResolvedSweep, experiment_seeds
from sim.sweep.store import SCENARIO_COPY
from sim.sweep.store import load_sweep as load_sweep_file

MAX_LISTED = 50  # experiments listed under the figures (the best by the chosen outcome)
MAX_CACHED_EXPERIMENTS = 16


class SweepApp:
    """What every session of one sweep folder shares: its table, its resolved sweep, and the
    experiments opened so far (each an app of its own, built once)."""

    def __init__(self, folder: Path, out: Path) -> None:
        self.folder, self.out = folder, out
        self.data = load_sweep(folder)
        self.resolved: ResolvedSweep = load_sweep_file(folder / "sweep.toml")
        self.cache = RunCache()
        self._apps: dict[int, ScenarioApp] = {}
        self._lock = threading.Lock()
        self.numeric = [p for p in self.data.params
                        if self.data.columns[p].dtype == np.float64]

    # ---- an experiment as a run ------------------------------------------------------------
    def experiment(self, i: int) -> tuple[Scenario, tuple[str, ...]]:
        """Experiment ``i``'s scenario and the ``--set`` items that make it from the folder's
        scenario.toml (InputError: no such experiment)."""
        cols = self.data.columns
        rows = np.flatnonzero(cols["experiment"] == i)
        if not len(rows):
            raise InputError(self.folder, "experiment", f"no experiment {i} in this sweep")
        row, s = int(rows[0]), self.resolved.sweep
        seed = int(experiment_seeds(s.seed, s.seeding, i, i + 1, s.replications)[0])
        changes: list[tuple[Any, Any]] = []
        for setter in self.resolved.setters:
            value = cols[setter.label][row]
            value = value.item() if isinstance(value, np.generic) else value
            changes += setter.changes(value)
        changes.append((("seed",), seed))
        source = str(self.folder / SCENARIO_COPY)
        scenario = Overrides(self.resolved.base, source).apply(changes)
        sets = [f"{join_path(steps)}={lv.toml_value(v)}" for steps, v in changes]
        if s.backend is not None:
            sets.insert(0, f"allocation.backend={s.backend.value}")
        return scenario, tuple(sets)

    def app(self, i: int) -> ScenarioApp:
        with self._lock:
            found = self._apps.get(i)
        if found is not None:
            return found
        scenario, sets = self.experiment(i)
        made = ScenarioApp(scenario, lv.Source(self.folder / SCENARIO_COPY, sets), self.out,
                           title=f"{self.data.provenance.get('sweep', self.folder.name)}, "
                                 f"experiment {i}", cache=self.cache, fixed_query=f"experiment={i}")
        with self._lock:
            if len(self._apps) >= MAX_CACHED_EXPERIMENTS:
                self._apps.pop(next(iter(self._apps)))
            self._apps[i] = made
        return made

    def run_session(self) -> pn.viewable.Viewable:
        query = request_query()
        try:
            i = int((query.pop("experiment", None) or ["0"])[-1])
            app = self.app(i)
        except (ValueError, InputError) as exc:
            return pn.pane.HTML(f"<p class='status-error'>{html.escape(str(exc))}</p>"
                                "<p><a href='./'>Back to the sweep</a></p>")
        return app.page(query)

    def session(self) -> pn.viewable.Viewable:
        return SweepPage(self).layout


def _values(data: SweepData, name: str) -> NDArray[Any]:
    return data.columns[name]


class SweepPage:
    """One session of the sweep page: its filters and figures."""

    def __init__(self, app: SweepApp) -> None:
        self.app = app
        data = app.data
        self.filters: dict[str, Any] = {}
        for p in data.params:
            values = _values(data, p)
            if p in app.numeric:
                lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
                widget: Any = pn.widgets.RangeSlider(
                    label=param_label(p), start=lo, end=hi if hi > lo else lo + 1,
                    value=(lo, hi if hi > lo else lo + 1), step=(hi - lo) / 100 or 1,
                    css_classes=["filter"], width=300)
            else:
                options = sorted({str(v) for v in values})
                widget = pn.widgets.MultiChoice(label=p, options=options, value=options,
                                                css_classes=["filter"], width=300)
            widget.param.watch(lambda _: self.update(), "value")
            self.filters[p] = widget
        outcomes = data.outcomes
        self.y = pn.widgets.Select(label="Outcome on the lever figures", options=outcomes,
                                   value="unmet_need" if "unmet_need" in outcomes
                                   else outcomes[0], width=300)
        self.x = pn.widgets.Select(label="Trade-off: across", options=outcomes,
                                   value="gini_fill_rate" if "gini_fill_rate" in outcomes
                                   else outcomes[-1], width=300)
        self.up = pn.widgets.Select(label="Trade-off: up", options=outcomes,
                                    value="donated_total" if "donated_total" in outcomes
                                    else outcomes[0], width=300)
        for w in (self.y, self.x, self.up):
            w.param.watch(lambda _: self.update(), "value")
        self.source = ColumnDataSource()
        self.tradeoff = figure(title="Trade-off (each experiment; the filters keep some)",
                               height=380, sizing_mode="stretch_width",
                               tools="pan,wheel_zoom,box_zoom,reset,save,tap")
        dots = self.tradeoff.scatter("x", "up", source=self.source, size=6, alpha=0.7,
                                     color="colour")
        self.tradeoff.add_tools(HoverTool(renderers=[dots], tooltips=[
            ("experiment", "@experiment"), ("across", "@x{0,0.[000]}"),
            ("up", "@up{0,0.[000]}")]))
        self.lever_figs: list[Any] = []
        for p in data.params:
            numeric = p in app.numeric
            fig = (figure(title=param_label(p), height=220, width=300, tools="save,reset")
                   if numeric else
                   figure(title=param_label(p), height=220, width=300, tools="save,reset",
                          x_range=FactorRange(factors=sorted({str(v) for v in _values(data, p)}))))
            fig.scatter(f"p_{len(self.lever_figs)}", "y", source=self.source, size=4,
                        alpha=0.5, color="colour")
            fig.yaxis.formatter = NumeralTickFormatter(format="0.[00]")
            self.lever_figs.append(fig)
        self.count = pn.pane.HTML()
        self.table = pn.pane.HTML(sizing_mode="stretch_width")
        title = data.provenance.get("sweep", app.folder.name)
        head = pn.pane.HTML(
            f"<h2 style='margin:4px 0'>Sweep {html.escape(str(title))}</h2><div>{data.n_rows}"
            " experiments. Narrow the inputs on the left; open any experiment as a run.</div>",
            sizing_mode="stretch_width")
        side = pn.Column(pn.pane.HTML("<h3>Inputs</h3>"), *self.filters.values(),
                         pn.pane.HTML("<h3>Figures</h3>"), self.up, self.x, self.y, width=330)
        grid = pn.GridBox(*[pn.pane.Bokeh(f) for f in self.lever_figs], ncols=3)
        main = pn.Column(head, self.count, pn.pane.Bokeh(self.tradeoff,
                                                         sizing_mode="stretch_width"),
                         pn.pane.HTML("<h3>Each lever against the outcome</h3>"), grid,
                         self.table, sizing_mode="stretch_width")
        self.layout = pn.Row(side, main, sizing_mode="stretch_width")
        self.update()

    def selected(self) -> NDArray[np.bool_]:
        data, keep = self.app.data, np.ones(self.app.data.n_rows, dtype=bool)
        for p, w in self.filters.items():
            values = _values(data, p)
            if p in self.app.numeric:
                lo, hi = w.value
                keep &= (values >= lo - 1e-12) & (values <= hi + 1e-12)
            else:
                keep &= np.isin(values.astype(str), list(w.value))
        return keep

    def update(self) -> None:
        data, keep = self.app.data, self.selected()
        cols = data.columns
        first = data.params[0] if data.params else None
        colour = _colours(cols[first][keep] if first else np.zeros(int(keep.sum())),
                          first in self.app.numeric)
        def scaled(name: str) -> NDArray[np.float64]:
            return np.asarray(cols[name][keep] * outcome_label(name)[1], dtype=np.float64)

        src: dict[str, Any] = {
            "x": scaled(self.x.value), "up": scaled(self.up.value), "y": scaled(self.y.value),
            "colour": colour, "experiment": cols["experiment"][keep]}
        for k, p in enumerate(data.params):
            values = cols[p][keep]
            src[f"p_{k}"] = values if p in self.app.numeric else values.astype(str)
        self.source.data = src
        self.tradeoff.xaxis.axis_label = outcome_label(self.x.value)[0]
        self.tradeoff.yaxis.axis_label = outcome_label(self.up.value)[0]
        for fig in self.lever_figs:
            fig.yaxis.axis_label = outcome_label(self.y.value)[0]
        n = int(keep.sum())
        self.count.object = (f"<div class='sweep-count' data-count='{n}'>{n} of {data.n_rows}"
                             f" experiments kept; colour: {html.escape(first or '')}</div>")
        self.table.object = _table(data, keep, self.y.value)


def _colours(values: NDArray[Any], numeric: bool) -> list[str]:
    """A colour per point: the first input in ten bins, or its category."""
    if not len(values):
        return []
    if numeric:
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        bins = np.clip(((values - lo) / ((hi - lo) or 1) * 9.999).astype(int), 0, 9)
        return [Category10_10[b] for b in bins.tolist()]
    keys = sorted({str(v) for v in values})
    return [Category10_10[keys.index(str(v)) % 10] for v in values]


def _table(data: SweepData, keep: NDArray[np.bool_], outcome: str) -> str:
    """The kept experiments with the lowest ``outcome`` first, each a link to its run."""
    cols = data.columns
    idx = np.flatnonzero(keep)
    order = idx[np.argsort(cols[outcome][idx], kind="stable")][:MAX_LISTED]
    head = "".join(f"<th>{html.escape(p)}</th>" for p in [*data.params, outcome])
    rows = []
    for i in order.tolist():
        exp = int(cols["experiment"][i])
        cells = "".join(f"<td>{html.escape(_show(cols[p][i]))}</td>"
                        for p in [*data.params, outcome])
        rows.append(f"<tr><td><a class='open-run' href='run?experiment={exp}' "
                    f"target='_blank'>#{exp}</a></td>{cells}</tr>")
    return (f"<h3>Experiments, lowest {html.escape(outcome)} first (at most {MAX_LISTED})</h3>"
            f"<table class='numbers'><tr><th>open as a run</th>{head}</tr>{''.join(rows)}"
            "</table>")


def _show(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)
