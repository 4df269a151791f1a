"""The page of one scenario (Panel): its levers on the left; the key numbers beside the
baseline's, page 1's sentences and findings, and the figures on the right.

Each browser session gets its own :class:`Explorer` (Panel calls the page's function once per
session): its settings, its last good run and its widgets live there and nowhere else. What
sessions share is read-only: the base scenario, the baseline run and the cache of runs.
"""

from __future__ import annotations

import html
import io
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import panel as pn

from sim.explore import levers as lv
from sim.explore.charts import Charts
from sim.explore.view import RunCache, RunView, numbers
from sim.report.brief import write_brief
from sim.results.files import safe_name
from sim.scenario.errors import InputError, one_line
from sim.scenario.scenario import Scenario

CSS = """
.numbers td, .numbers th {padding: 2px 8px; text-align: right; font-size: 13px;}
.numbers td:first-child, .numbers th:first-child {text-align: left;}
.numbers tr.changed td {font-weight: 600;}
.lever-error {color: #B22222; font-size: 12px; margin: -6px 10px 4px 10px;}
.findings li {margin-bottom: 4px;}
.status-error {color: #B22222;}
"""


@dataclass
class ScenarioApp:
    """What every session of one scenario shares (read-only once built): the base scenario,
    where it came from, the baseline run, the cache of runs and the output folder."""

    base: Scenario
    source: lv.Source
    out: Path
    title: str = ""
    cache: RunCache = field(default_factory=RunCache)
    fixed_query: str = ""  # kept in the URL before the settings (a sweep's experiment=i)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # its runs' key in the cache

    def __post_init__(self) -> None:
        self.baseline = self.view({})

    def view(self, settings: Mapping[str, Any]) -> RunView:
        """The run of these settings (InputError: the command line's line for them)."""
        # Keyed by this app's base and the settings (encoded in a canonical order).
        return self.cache.get(f"{self.key}?{lv.encode(settings)}",
                              lambda: lv.apply(self.base, settings, self.source))

    def brief(self, view: RunView) -> Path:
        """The run's brief in the output folder (written once per scenario)."""
        path = self.out / f"{safe_name(view.scenario.name)}-{view.sha[:10]}.pdf"
        if not path.is_file():
            self.out.mkdir(parents=True, exist_ok=True)
            write_brief(view.data, path)
        return path

    def session(self) -> pn.viewable.Viewable:
        """A new session's page, its settings from the URL it was opened with."""
        return self.page(request_query())

    def page(self, query: Mapping[str, list[str]]) -> pn.viewable.Viewable:
        return Explorer(self, query).layout


def request_query() -> dict[str, list[str]]:
    """The query of the URL the current session was opened with."""
    args = pn.state.session_args if pn.state.curdoc is not None else {}
    return {k: [v.decode("utf-8", "replace") for v in vs] for k, vs in args.items()}


# Panel waits 50 ms after a change in the browser, to merge the events of a slider's drag;
# a typed value (sent on Enter) or a pick is one event, so the page answers it at once.
class FloatInput(pn.widgets.FloatInput):  # type: ignore[misc]
    _debounce = 0


class TextInput(pn.widgets.TextInput):  # type: ignore[misc]
    _debounce = 0


class Select(pn.widgets.Select):  # type: ignore[misc]
    _debounce = 0


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


class Explorer:
    """One session: its settings, its last good run, its widgets."""

    def __init__(self, app: ScenarioApp, query: Mapping[str, list[str]]) -> None:
        self.app = app
        base = app.base
        self.settings, notes = lv.decode(base, query)
        self.current = app.baseline
        self.error_key: str | None = None
        self.started = 0.0
        self.runs = 0  # runs shown
        self.answers = 0  # changes answered, by a run or a refusal (tests wait on it)
        self.busy = False  # set while widgets are moved by the page, not by the user
        self.widgets: dict[str, Any] = {}
        self.errors: dict[str, pn.pane.HTML] = {}
        self.good = base.goods[0].id
        self.charts = Charts(app.baseline)
        self.numbers = pn.pane.HTML(sizing_mode="stretch_width")
        self.sentences = pn.pane.HTML(sizing_mode="stretch_width")
        self.status = pn.pane.HTML(sizing_mode="stretch_width")
        self.command = pn.pane.HTML(sizing_mode="stretch_width")
        self.notes = pn.pane.HTML(
            "<ul class='notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            + "</ul>" if notes else "")
        controls = self._controls()
        self.toml = pn.widgets.FileDownload(callback=self._toml, label="Scenario (TOML)",
                                            filename="scenario.toml", color="primary",
                                            css_classes=["download-toml"], embed=False)
        self.pdf = pn.widgets.FileDownload(callback=self._pdf, label="Brief (PDF)",
                                           filename="brief.pdf", css_classes=["download-pdf"],
                                           embed=False)
        reset = pn.widgets.Button(label="Back to the baseline", css_classes=["reset"])
        reset.on_click(lambda _: self._reset())
        panels = [pn.pane.Bokeh(fig, sizing_mode="stretch_width")
                  for _, fig in self.charts.panels()]
        tabs = pn.Tabs(*[(t, p) for (t, _), p in zip(self.charts.panels(), panels, strict=True)],
                       dynamic=True, sizing_mode="stretch_width")
        self.goods = None
        if len(base.goods) > 1:
            self.goods = pn.widgets.Select(
                label="Good shown in the figures and the table",
                options={g.name or g.id: g.id for g in base.goods}, value=self.good,
                css_classes=["good-select"], width=320)
            self.goods.param.watch(lambda e: self._show_good(str(e.new)), "value")
        title = app.title or base.title or base.name
        head = pn.pane.HTML(f"<h2 style='margin:4px 0'>{html.escape(title)}</h2>"
                            "<div>Move a lever: the year is run again and drawn against the "
                            "baseline (dashed, grey). The URL keeps the settings.</div>",
                            sizing_mode="stretch_width")
        side = pn.Column(*controls, pn.Row(self.toml, self.pdf), reset, self.notes, width=330)
        main = pn.Column(head, self.status, self.sentences, *([self.goods] if self.goods else []),
                         self.numbers, tabs, self.command, sizing_mode="stretch_width")
        self.layout = pn.Row(side, main, sizing_mode="stretch_width")
        self._show_run()
        if self.settings:
            self._run(None)

    # ---- controls ----------------------------------------------------------------------
    def _widget(self, lever: lv.Lever, value: Any) -> Any:
        css = [f"lever-{_slug(lever.key)}"]
        name = lever.label + (f" [{lever.unit}]" if lever.unit else "")
        if lever.kind == "choice":
            return Select(label=name, options=list(lever.choices), value=value,
                                     css_classes=css, width=300)
        if lever.kind in ("date", "integer"):
            # Text: a browser's numbers are doubles, and a seed may have 20 digits.
            return TextInput(label=name + (" [YYYY-MM-DD]" if lever.kind == "date"
                                                     else ""),
                                        value="" if value is None else str(value),
                                        css_classes=css, width=300)
        return FloatInput(label=name, value=value, step=lever.step or 1,
                                     css_classes=css, width=300)

    def _value(self, lever: lv.Lever) -> Any:
        return self.settings.get(lever.key, lever.base)

    def _controls(self) -> list[Any]:
        base, group = self.app.base, None
        out: list[Any] = []
        for lever in lv.levers(base):
            if lever.group != group:
                group = lever.group
                out.append(pn.pane.HTML(f"<h3 style='margin:8px 0 0 0'>{html.escape(group)}"
                                        "</h3>"))
            out += self._add(lever, self._value(lever))
        if base.pledges:
            out.append(pn.pane.HTML("<h3 style='margin:8px 0 0 0'>A pledge</h3>"))
            options = {lv.pledge_label(base, i): i for i in range(len(base.pledges))}
            self.pledge = pn.widgets.Select(label="Which pledge", options=options, value=0,
                                            css_classes=["pledge-select"], width=300)
            self.pledge.param.watch(lambda e: self._pick_pledge(int(e.new)), "value")
            out.append(self.pledge)
            for slot, lever in zip(("pledge-size", "pledge-date"), lv.pledge_levers(base, 0),
                                   strict=True):
                widgets = self._add(lever, self._value(lever), slot)
                out += widgets
        self._visibility()
        return out

    def _add(self, lever: lv.Lever, value: Any, slot: str | None = None) -> list[Any]:
        widget = self._widget(lever, value)
        if slot is not None:
            widget.css_classes = [slot]
        key = slot or lever.key
        error = pn.pane.HTML("", css_classes=["lever-error", f"error-{_slug(key)}"],
                             sizing_mode="stretch_width")
        self.widgets[key], self.errors[key] = widget, error
        widget.param.watch(lambda e, k=key: self._changed(k, e.new), "value")
        return [widget, error]

    def _lever(self, key: str) -> lv.Lever:
        """The lever a widget stands for (the pledge slots: the chosen pledge's)."""
        if key.startswith("pledge-"):
            size, date = lv.pledge_levers(self.app.base, int(self.pledge.value))
            return size if key == "pledge-size" else date
        found = lv.find(self.app.base, key)
        assert found is not None
        return found

    def _pick_pledge(self, i: int) -> None:
        self.busy = True
        try:
            for slot, lever in zip(("pledge-size", "pledge-date"),
                                   lv.pledge_levers(self.app.base, i), strict=True):
                w = self.widgets[slot]
                w.label = lever.label + (f" [{lever.unit}]" if lever.unit else "") + (
                    " [YYYY-MM-DD]" if lever.kind == "date" else "")
                value = self._value(lever)
                w.value = str(value) if lever.kind == "date" else value
        finally:
            self.busy = False

    def _visibility(self) -> None:
        for lever in lv.levers(self.app.base):
            if lever.shown_when is not None:
                key, wanted = lever.shown_when
                on = self._value(self._lever(key)) == wanted
                self.widgets[lever.key].visible = on
                self.errors[lever.key].visible = on

    def _sync_widgets(self) -> None:
        """Widgets show the settings (a budget kind brought its share with it; a reset)."""
        self.busy = True
        try:
            for key, w in self.widgets.items():
                if key.startswith("pledge-"):
                    continue
                lever = self._lever(key)
                value = self._value(lever)
                value = str(value) if lever.kind in ("date", "integer") else value
                if w.value != value:
                    w.value = value
        finally:
            self.busy = False
        if self.app.base.pledges:
            self._pick_pledge(int(self.pledge.value))
        self._visibility()

    # ---- a change ----------------------------------------------------------------------
    def _changed(self, key: str, value: Any) -> None:
        if self.busy:
            return
        lever = self._lever(key)
        try:
            settings = lv.set_value(self.app.base, self.settings, lever.key,
                                    lv.coerce(lever, value))
        except ValueError as exc:
            self._fail(key, f"{self.app.source.path}: {lever.key}: {exc}")
            return
        self.settings = settings
        self._run(key)
        if key.endswith("budget.kind"):
            self._sync_widgets()

    def _run(self, key: str | None) -> None:
        self.started = started = time.perf_counter()
        try:
            view = self.app.view(self.settings)
        except InputError as exc:
            # Beside the lever changed, else the one the message names (a URL's value).
            where = key or (exc.field if exc.field in self.widgets else self.error_key)
            self._fail(where or "", str(exc))
            return
        self.current = view
        self.error_key = None
        # One message to the browser: the numbers never arrive before their figures.
        with pn.io.hold():
            for pane in self.errors.values():
                pane.object = ""
            self._show_run(time.perf_counter() - started)
            self._set_url()

    def _show_good(self, good: str) -> None:
        self.good = good
        with pn.io.hold():
            self._show_run()

    def _fail(self, key: str, message: str) -> None:
        """Say why beside the control; the last good run stays on screen."""
        self.error_key = key
        for k, pane in self.errors.items():
            pane.object = (f"<span class='msg'>{html.escape(one_line(message))}</span>"
                           if k == key else "")
        self.answers += 1
        self.status.object = (
            f"<div class='status-error' data-state='error' data-run='{self.runs}' "
            f"data-answer='{self.answers}'>Not run: "
            f"{html.escape(one_line(message))}. Still showing the last good run.</div>")

    def _reset(self) -> None:
        self.settings = {}
        self._sync_widgets()
        self._run(None)

    def _set_url(self) -> None:
        if pn.state.curdoc is None or pn.state.location is None:
            return
        query = "&".join(q for q in (self.app.fixed_query, lv.encode(self.settings)) if q)
        pn.state.location.search = f"?{query}" if query else ""

    # ---- what the page shows -------------------------------------------------------------
    def _show_run(self, seconds: float | None = None) -> None:
        self.runs += 1
        self.answers += 1
        view, base = self.current, self.app.baseline
        rows = []
        for n in numbers(base, view):
            if n.key.startswith("goods.") and not n.key.startswith(f"goods.{self.good}."):
                continue
            changed = " class='changed'" if n.change not in ("", "same") else ""
            raw = "" if n.value is None else repr(n.value)
            rows.append(f"<tr{changed}><td>{html.escape(n.label)}</td>"
                        f"<td>{html.escape(n.show(n.baseline))}</td>"
                        f"<td class='num' data-key='{html.escape(n.key)}' data-value='{raw}'>"
                        f"{html.escape(n.show(n.value))}</td>"
                        f"<td>{html.escape(n.change)}</td></tr>")
        self.numbers.object = (
            "<table class='numbers'><tr><th>Key numbers</th><th>baseline</th><th>this run</th>"
            "<th>change</th></tr>" + "".join(rows) + "</table>")
        found = "".join(f"<li>{html.escape(f.sentence)}</li>" for f in view.findings)
        self.sentences.object = (
            "<div class='sentences'>" + "".join(f"<p>{html.escape(s)}</p>"
                                                for s in view.sentences) + "</div>"
            + (f"<b>Findings</b><ul class='findings'>{found}</ul>" if found else
               "<p class='findings'>No findings: domestic needs met, every pledge shipped on "
               "time, nothing stuck at a hub.</p>"))
        what = ", ".join(f"{k} = {lv.toml_value(v)}" for k, v in sorted(self.settings.items()))
        took = f" in {1000 * seconds:.0f} ms" if seconds is not None else ""
        self.charts.update(base, view, self.good)
        server_ms = 1000 * (time.perf_counter() - self.started) if seconds is not None else 0
        self.status.object = (
            f"<div data-state='ok' data-run='{self.runs}' data-answer='{self.answers}' "
            f"data-sha='{view.sha}' data-server-ms='{server_ms:.1f}'>"
            f"{'Baseline' if not self.settings else 'Run with ' + html.escape(what)}"
            f"{took}.</div>")
        sets = " ".join(f"--set '{s}'" for s in lv.cli_sets(self.app.base, self.settings))
        sets = " ".join([*(f"--set '{s}'" for s in self.app.source.sets), sets]).strip()
        self.command.object = (
            "<details style='font-size:12px;color:#444'><summary>The same run from the "
            f"command line</summary><code>masksim run {html.escape(str(self.app.source.path))}"
            f" {html.escape(sets)}</code></details>")
        stem = f"{safe_name(view.scenario.name)}-{view.sha[:10]}"
        if hasattr(self, "toml"):
            self.toml.filename = f"{stem}.toml"
            self.pdf.filename = f"{stem}.pdf"

    def _toml(self) -> io.BytesIO:
        return io.BytesIO(self.current.toml.encode("utf-8"))

    def _pdf(self) -> str:
        return str(self.app.brief(self.current))
