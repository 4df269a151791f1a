"""A policy brief of one run as a multi-page A4 PDF: the key numbers in plain words, the five
run figures with a reading, the main assumptions, the outcomes and the provenance.

The same result folder gives a byte-identical file: no creation or modification date in
the metadata (whatever ``SOURCE_DATE_EPOCH`` says), fonts embedded by the house style,
nothing taken from the clock or from absolute paths.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, FigureBase
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import Bbox

import sim
from sim.report import figures
from sim.report.style import mm
from sim.results.files import atomic_path
from sim.results.reader import RunData

A4 = (8.27, 11.69)  # inches, portrait
AX_W, AX_H = 0.84 * A4[0], 0.88 * A4[1]  # a text page's axes, inches
PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": f"masksim {sim.__version__}",
                "Producer": "masksim brief (matplotlib)"}


def words(x: float) -> str:
    """A number of masks as a reader says it: 2.08 billion, 27.1 million, 100,000."""
    if abs(x) >= 1e9:
        return f"{x / 1e9:.3g} billion"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g} million"
    return f"{x:,.0f}"


def _date(text: str) -> str:
    d = dt.date.fromisoformat(text)
    return f"{d.day} {d:%B %Y}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _index(x: float | None, digits: int = 2) -> str:
    """A Gini; null in summary.json means undefined (nothing delivered)."""
    return "n/a" if x is None else f"{x:.{digits}f}"


def key_sentences(run: RunData) -> list[str]:
    """The run in a few plain sentences, for the title page."""
    s, p = run.summary, run.summary["pledges"]
    donor, n = run.donor, len(run.region_ids)
    given = sum(1 for v in s["donated_by_region"].values() if v and v > 0)
    short_days = int((run.daily["domestic_shortfall"] > 0).sum())
    if s["domestic_shortfall"] <= 0:
        home = "met its domestic ration every day"
    else:
        home = (f"fell short of its domestic ration on {short_days} days "
                f"({words(s['domestic_shortfall'])} masks)")
    if p["pledged"] <= 0:
        pledges = "it made no pledges"
    elif p["on_time"] >= p["pledged"] * (1 - 1e-9):
        pledges = "every pledge shipped on time"
    else:
        pledges = (f"{words(p['on_time'])} of {words(p['pledged'])} pledged masks shipped on "
                   f"time, {words(p['late'])} late and {words(p['unmet'])} not at all")
    out = [f"{donor[:1].upper()}{donor[1:]} produced {words(s['produced'])} masks between "
           f"{_date(s['horizon']['start'])} and {_date(s['horizon']['end'])}, {home}, and "
           f"donated {words(s['donated_total'])} masks to {given} of {n} regions; {pledges}."]
    firsts = {k: v for k, v in s["first_delivery_day_by_region"].items() if v}
    if firsts:
        rid = min(firsts, key=lambda k: firsts[k])
        transit = (f", and {words(s['in_transit_end'])} were still on their way"
                   if s["in_transit_end"] > 0 else "")
        out.append(f"{words(s['delivered_total'])} masks had arrived by the end{transit}; "
                   f"the first reached {run.region_name(rid)} on {_date(firsts[rid])}.")
    fills = {k: v for k, v in s["fill_rate_by_region"].items() if v is not None}
    if s["mean_fill_rate"] is None and s["gini_fill_rate"] is None:
        # Null equity metrics: regions needed masks and none arrived (sim.results.metrics).
        out.append(f"Nothing was delivered, so fairness is undefined; "
                   f"{words(s['unmet_need_masks'])} masks of need went unmet.")
    elif fills:
        lo, hi = min(fills, key=lambda k: fills[k]), max(fills, key=lambda k: fills[k])
        out.append(f"On average {_pct(s['mean_fill_rate'])} of the recipients' need was met, "
                   f"from {_pct(fills[lo])} ({run.region_name(lo)}) to {_pct(fills[hi])} "
                   f"({run.region_name(hi)}); {words(s['unmet_need_masks'])} masks "
                   f"of need went unmet (Gini of fill rates {_index(s['gini_fill_rate'])}).")
    demand = float(run.daily["domestic_demand"][-1])
    days = f", {s['final_stock'] / demand:.0f} days of domestic demand" if demand > 0 else ""
    out.append(f"At the end, {donor} held {words(s['final_stock'])} masks in stock{days}.")
    return out


def _captions(run: RunData) -> dict[str, str]:
    s, d = run.summary, run.daily
    sh = run.shipments
    lead = f"{np.median(sh['lead_days']):.0f}" if len(sh["lead_days"]) else "-"
    big = int(np.argmax(sh["masks"])) if len(sh["masks"]) else -1
    largest = (f" The largest, {mm(float(sh['masks'][big]))} masks to "
               f"{run.region_name(str(sh['region'][big]))}, left on "
               f"{_date(str(sh['ship_date'][big]))}." if big >= 0 else "")
    released = d.get("released")
    release = (f" What the government did not requisition (dash-dot, "
               f"{words(float(released.sum()))} masks in all) left the stock for the market "
               f"or exports." if released is not None and released.sum() > 0 else "")
    return {
        "supply": f"Top: daily flows. Production rose from {mm(float(d['production'][0]))} to "
                  f"{mm(float(d['production'][-1]))} masks a day; the domestic ration "
                  f"(thick line) comes first, donations (hatched bars) leave on shipment "
                  f"days.{release} Bottom: stock at the end of each day against the reserve "
                  f"kept back.",
        "donations": "Each panel is one recipient region: masks delivered to date (solid) "
                     "against pledges due to ship by each date (dashed) and masks shipped "
                     "(dotted). The gap between dashed and solid is shipping time, or a "
                     f"pledge not yet met. {words(s['delivered_total'])} masks delivered.",
        "sufficiency": "Top: share of each region's need met over the past 7 days (solid) "
                       "and to date (dashed). Bottom: need left unmet over the horizon, in "
                       "masks. Need here is the scenario's stand-in, not a measured "
                       "figure: read levels with care, differences with more confidence.",
        "equity": "Top: Lorenz curve of the regions' fill rates at the end; the further "
                  "below the diagonal, the less even. Bottom: Gini coefficient of the fill "
                  "rates to date and over the past week. " + (
                      "Nothing was delivered, so fairness is undefined."
                      if s["gini_fill_rate"] is None and s["min_fill_rate"] is None else
                      f"Gini at the end {_index(s['gini_fill_rate'])}; lowest fill rate "
                      f"{_pct(s['min_fill_rate'])}."),
        "shipments": f"{len(sh['masks'])} shipments, median lead time {lead} days. Each line "
                     "runs from ship date (dot, area by masks; filled when it served a "
                     f"pledge) to arrival (tick).{largest}",
    }


def _page(pdf: PdfPages, fig: Figure, number: int, total: int, name: str) -> None:
    fig.text(0.5, 0.012, f"masksim brief: {name}, page {number} of {total}", ha="center",
             fontsize=7, color="#666666")
    pdf.savefig(fig)  # type: ignore[no-untyped-call]


def _text(ax: Axes, y: float, text: str, width: int = 88, **kw: Any) -> float:
    """Wrapped text from the top (axes fraction y); returns the y below it."""
    lines = textwrap.wrap(text, width) or [""]
    size = float(kw.pop("fontsize", 10))
    ax.text(0.0, y, "\n".join(lines), va="top", ha="left", fontsize=size, linespacing=1.45,
            transform=ax.transAxes, **kw)
    return y - len(lines) * size * 1.45 / 72 / AX_H - 0.02


def _table(ax: Axes, top: float, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float], fontsize: float = 7.5) -> float:
    """A table from axes fraction ``top`` down; returns the y below it. Matplotlib tables
    neither wrap nor size rows, so cells are wrapped to their column's width here and each
    row is as tall as its longest cell."""
    wrapped, heights, labels, head = _table_cells(header, rows, widths, fontsize)
    total = head + sum(heights)
    box = Bbox.from_bounds(0.0, top - total, sum(widths), total)
    table = ax.table(cellText=wrapped, colLabels=labels, colWidths=list(widths),
                     cellLoc="left", colLoc="left", bbox=box)
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    for (r, c), cell in table.get_celld().items():
        cell.set_height(head if r == 0 else heights[r - 1])
        cell.PAD = 0.05 / (widths[c] * AX_W)  # 0.05 in, not the default 10 % of the width
        cell.set_edgecolor("#BBBBBB")
        cell.set_linewidth(0.4)
        if r == 0:
            cell.set_facecolor("#E8E8E8")
            cell.get_text().set_fontweight("bold")
    return top - total - 0.03


def _table_cells(header: Sequence[str], rows: Sequence[Sequence[str]],
                 widths: Sequence[float], fontsize: float
                 ) -> tuple[list[list[str]], list[float], list[str], float]:
    """Cells wrapped to their columns, each row's height, the header's labels and height
    (axes fractions): what :func:`_table` draws, so that a page can be planned before."""
    line = fontsize * 1.5 / 72 / AX_H  # one text line, in axes fraction
    chars = [max(int(w * AX_W * 72 / (fontsize * 0.6)) - 2, 4) for w in widths]
    wrapped = [[textwrap.fill(str(c), n, break_long_words=True) for c, n in
                zip(r, chars, strict=True)] for r in rows]
    heights = [line * (0.6 + max(c.count("\n") + 1 for c in r)) for r in wrapped]
    # Headers wrap too, at word breaks; a header on one line stays as it was.
    labels = [textwrap.fill(str(h), n, break_long_words=False) for h, n in
              zip(header, chars, strict=True)]
    head = line * (0.6 + max(h.count("\n") + 1 for h in labels))
    return wrapped, heights, labels, head


def _cap(rows: Sequence[Sequence[str]], limit: int, what: str) -> list[Sequence[str]]:
    """At most ``limit`` rows, so that a long campaign's table stays on its page."""
    if len(rows) <= limit:
        return list(rows)
    more = f"... and {len(rows) - limit + 1} more {what} (see the result folder)"
    return [*rows[: limit - 1], (more,) + ("",) * (len(rows[0]) - 1)]


def _blank(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=A4)
    ax = fig.add_axes((0.08, 0.05, 0.84, 0.88))
    ax.set_axis_off()
    ax.text(0.0, 1.04, title, transform=ax.transAxes, fontsize=15, fontweight="bold",
            va="bottom")
    return fig, ax


def title_page(run: RunData) -> Figure:
    s = run.summary
    fig, ax = _blank(f"{run.donor}: mask donations, {run.name}")
    y = _text(ax, 1.0, f"Policy brief. Simulated {s['horizon']['start']} to "
              f"{s['horizon']['end']} ({len(run.dates)} days), {len(run.region_ids)} "
              f"recipient regions, {len(run.scenario.get('pledges', []))} pledges.",
              fontsize=10.5, color="#333333")
    y = _text(ax, y - 0.01, "In brief", fontsize=12, fontweight="bold")
    for sentence in key_sentences(run):
        y = _text(ax, y, sentence, width=80, fontsize=11)
    rows = [(k, v) for k, v in _key_numbers(s)]
    y = _text(ax, y - 0.01, "Key numbers", fontsize=12, fontweight="bold")
    y = _table(ax, y, ("Outcome", "Value"), rows, (0.55, 0.3), fontsize=8.5)
    hub = 1 if run.hubs else 0  # a run with hubs has their page after the figures
    _text(ax, 0.06, "Contents: 2 supply, 3 donations, 4 sufficiency, 5 equity, 6 shipments, "
          + ("7 hubs, " if hub else "") + f"{7 + hub} assumptions, {8 + hub} outcomes by "
          "region and pledge, provenance"
          + _record_contents(len(s.get("observations") or []), 9 + hub), fontsize=8.5,
          color="#333333")
    _text(ax, 0.02, figures.provenance(s), width=120, fontsize=7, color="#555555")
    return fig


def _key_numbers(s: dict[str, Any]) -> list[tuple[str, str]]:
    p = s["pledges"]
    return [
        ("Masks produced", mm(s["produced"])),
        ("Released to the market or exports (not requisitioned)", mm(s.get("released", 0.0))),
        ("Domestic demand (ration x uptake + set-aside)", mm(s["domestic_demand"])),
        ("Domestic shortfall", mm(s["domestic_shortfall"])),
        ("Masks donated (shipped)", mm(s["donated_total"])),
        ("Delivered within the horizon / still in transit",
         f"{mm(s['delivered_total'])} / {mm(s['in_transit_end'])}"),
        ("Pledged: on time / late / never shipped",
         f"{mm(p['pledged'])}: {mm(p['on_time'])} / {mm(p['late'])} / {mm(p['unmet'])}"),
        ("Recipients' need met: mean / lowest region",
         f"{_pct(s['mean_fill_rate'])} / {_pct(s['min_fill_rate'])}"),
        ("Unmet need (masks)", mm(s["unmet_need_masks"])),
        ("Gini of fill rates (0 = equal)", _index(s["gini_fill_rate"], 3)),
        ("Donor stock at the end", mm(s["final_stock"])),
    ]


def figure_page(run: RunData, name: str, caption: str,
                draw: Callable[[RunData, FigureBase], object] | None = None) -> Figure:
    """A figure of the run (``draw``, else the run figure ``name``) above its caption."""
    page = Figure(figsize=A4, layout=ConstrainedLayoutEngine(rect=(0.03, 0.03, 0.94, 0.94)))
    parts = page.subfigures(2, 1, squeeze=False, height_ratios=[6.6, 1.6])
    chart: FigureBase = parts[0, 0]
    (draw or figures.RUN_FIGURES[name])(run, chart)
    ax = parts[1, 0].add_axes((0.02, 0.0, 0.96, 1.0))
    ax.set_axis_off()
    _text(ax, 0.92, caption, width=100, fontsize=9.5, color="#222222")
    return page


def _schedule(points: list[dict[str, Any]], unit: str) -> str:
    if not points:
        return "-"
    first, last = points[0], points[-1]
    return (f"{mm(first['value'])} {unit} ({first['date']}) to {mm(last['value'])} {unit} "
            f"({last['date']}), {len(points)} points")


def _need(need: dict[str, Any]) -> str:
    kind = need.get("kind")
    if kind == "constant":
        return f"{mm(need['masks_per_day'])} a day"
    if kind == "schedule":
        return "schedule: " + _schedule(need["schedule"]["points"], "a day")
    return (f"{need.get('masks_per_case', '?')} per active case "
            f"({', '.join(need.get('iso_codes', []))})")


def _lead(lead: dict[str, Any]) -> str:
    if lead.get("kind") == "triangular":
        return f"{lead['min']:g}-{lead['max']:g} d (mode {lead['mode']:g})"
    return f"{lead.get('days', 0)} d"


def assumptions_page(run: RunData) -> Figure:
    sc = run.scenario
    fig, ax = _blank("Main assumptions (from scenario.toml)")
    donor, dom = sc.get("donor", {}), sc.get("domestic", {})
    out, b, shp, al = (donor.get("outages", {}), sc.get("budget", {}), sc.get("shipments", {}),
                       sc.get("allocation", {}))
    groups = dom.get("groups", [])
    rations = "; ".join(
        f"{g['name']} ({mm(g['population'])}): " + ", ".join(
            f"{r['masks']:g}/{r['per_days']} d from {r['date']}" for r in g["rations"])
        for g in groups)
    budget = str(b.get("kind", "all_surplus")).replace("_", " ")
    budget += (f", share {b['share']:g}" if "share" in b else "") + (
        f", {mm(b['amount_per_week'])} a week" if "amount_per_week" in b else "")
    rows = [
        ("Horizon", f"{sc['horizon']['start']} to {sc['horizon']['end']} "
                    f"({len(run.dates)} days)"),
        ("Donor", f"{donor.get('name', '?')}, initial stock {mm(donor.get('initial_stock', 0))}"),
        ("Capacity", _schedule(donor.get("capacity", {}).get("points", []), "a day")
         + f", {donor.get('capacity', {}).get('interpolation', 'step')}"),
        ("Outages", f"{100 * out.get('daily_probability', 0):g} % a day, cutting "
                    f"{100 * out.get('severity', 0):g} % for {out.get('mean_duration_days', 1):g}"
                    " days on average"),
        ("Domestic rations", rations + f"; uptake {100 * dom.get('uptake', 1):g} %"),
        ("Set-aside", _schedule((dom.get("set_aside") or {}).get("points", []), "a day")),
        ("Reserve", f"{sc.get('reserve', {}).get('days', 0):g} days of domestic demand"),
        ("Donation budget", budget),
        ("Shipments", f"every {shp.get('cadence_days', 7)} days from the first "
                      f"{shp.get('weekday', 'wednesday')}"
                      + (f", cargo cap {mm(shp['cargo_cap'])}" if "cargo_cap" in shp else "")),
        ("Allocation rule", f"{al.get('rule', '?')}, shares by {al.get('shares', '?')}, "
                            f"planning {al.get('planning_horizon_days', '?')} days, backend "
                            f"{al.get('backend', '?')}"),
        ("Pledges", f"{len(sc.get('pledges', []))} pledges, "
                    f"{mm(run.summary['pledges']['pledged'])} masks in the horizon"),
    ]
    y = _table(ax, 1.0, ("Assumption", "Value"), rows, (0.2, 0.8))
    regions = [(r.get("name") or r["id"], mm(r.get("population", 0)),
                _need(r["need"]) if "need" in r else "none",
                _lead(r.get("lead_time", {})), f"{r.get('weight', 1):g} / {r.get('tier', 1)}")
               for r in sc.get("regions", [])]
    y = _text(ax, y, "Recipient regions", fontsize=11, fontweight="bold")
    _table(ax, y, ("Region", "Population", "Need", "Lead time", "Weight / tier"),
           _cap(regions, 30, "regions"),
           (0.28, 0.12, 0.27, 0.18, 0.15))
    return fig


def outcomes_page(run: RunData) -> Figure:
    s = run.summary
    fig, ax = _blank("Outcomes by region and pledge; provenance")
    rows = [(run.region_name(r), mm(s["donated_by_region"][r] or 0),
             mm(s["delivered_by_region"][r] or 0),
             s["first_delivery_day_by_region"][r] or "none",
             _pct(s["fill_rate_by_region"][r]), mm(s["unmet_need_by_region"][r] or 0))
            for r in run.region_ids]
    y = _table(ax, 1.0, ("Region", "Donated", "Delivered", "First arrival", "Need met",
                         "Unmet, masks"), _cap(rows, 14, "regions"),
               (0.3, 0.12, 0.12, 0.15, 0.12, 0.19))
    pledges = [(p["when"].replace("..", " to "), run.region_name(p["region"]),
                mm(p["amount"] or 0), mm(p["on_time"] or 0), mm(p["late"] or 0),
                mm(p["unmet"] or 0), p["note"]) for p in s["pledges"]["each"]]
    y = _table(ax, y, ("Due", "Region", "Amount", "On time", "Late", "Unmet", "Note"),
               _cap(pledges, 24, "pledges") or [("none",) + ("",) * 6],
               (0.13, 0.17, 0.08, 0.08, 0.07, 0.07, 0.40), fontsize=7)
    prov = s["provenance"]
    lines = [("masksim version", str(prov.get("version"))), ("Seed", str(prov.get("seed"))),
             ("Scenario sha256", str(prov.get("scenario_sha256"))),
             ("Engine / backend", f"{prov.get('engine')} / {prov.get('backend')}"),
             ("numpy / matplotlib", f"{prov.get('numpy')} / {matplotlib.__version__}"),
             ("Sources", figures.provenance(s).partition("\n")[2].removeprefix("Inputs: ")
              or "see the scenario file")]
    _table(ax, y, ("Provenance", ""), lines, (0.25, 0.75))
    return fig


RECORD_ROWS = 16  # rows of the model-vs-record table a page holds (sources wrap to 3 lines)


def _record_contents(n: int, first: int = 9) -> str:
    pages = -(-n // RECORD_ROWS)
    return "." if not pages else (f", {first}{f'-{first - 1 + pages}' if pages > 1 else ''} "
                                  "model vs record.")


def _record(o: dict[str, Any]) -> str:
    if o.get("range") is not None:
        return f"{mm(o['range'][0])} to {mm(o['range'][1])}"
    return mm(o["value"])


def _error(o: dict[str, Any]) -> str:
    if o["error"] is None:
        return "n/a"
    if o["error"] == 0:
        return "0 (inside)" if o.get("range") is not None else "0"
    r = o["relative_error"]
    rel = "" if r is None else f" ({100 * r:+.{1 if abs(r) < 0.01 else 0}f} %)"
    return f"{'+' if o['error'] > 0 else '-'}{mm(abs(o['error']))}{rel}"


def record_pages(run: RunData) -> list[Figure]:
    """The model beside the record: one table row per observation (none: no pages)."""
    obs = run.summary.get("observations") or []
    rows: list[tuple[str, ...]] = [
        (o["date"], o["series"], _record(o), o["kind"],
         "n/a" if o["model"] is None else mm(o["model"]), _error(o),
         o["source"] + (f" ({o['note']})" if o.get("note") else "")) for o in obs]
    header: tuple[str, ...] = ("Date", "Series", "Record", "Kind", "Model", "Error", "Source")
    widths: tuple[float, ...] = (0.1, 0.17, 0.11, 0.1, 0.07, 0.14, 0.31)
    if run.several:  # which good each figure counts, in that good's unit
        rows = [(r[0], r[1], _good_of(run, o), *r[2:]) for r, o in zip(rows, obs, strict=True)]
        header = (*header[:2], "Good; donor", *header[2:])
        widths = (0.1, 0.2, 0.12, 0.1, 0.11, 0.07, 0.1, 0.2)
    chunks = [rows[i:i + RECORD_ROWS] for i in range(0, len(rows), RECORD_ROWS)]
    close = sum(1 for o in obs if o["relative_error"] is not None
                and abs(o["relative_error"]) <= 0.1)
    pages = []
    for k, chunk in enumerate(chunks):
        more = f" ({k + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        fig, ax = _blank(f"Model vs record{more}")
        y = 1.0
        if k == 0:
            unit = (" Record, model and error are in the unit of the observation's good (see "
                    "the key numbers)." if run.several else "")
            y = _text(ax, y, f"Each dated figure from the record beside the replay's value "
                      f"on that day. Error = model - record: for a range, 0 inside it, else "
                      f"the distance to the nearest end; in brackets, relative to the record. "
                      f"{close} of {len(obs)} are inside their range or within 10 %. Kind: "
                      f"documented (on record), estimate (forecast or target), pledged "
                      f"(announced, delivery not confirmed). Stock is at the end of the day; "
                      f"cumulative series count from the start of the horizon.{unit}",
                      width=100, fontsize=9, color="#222222")
        _table(ax, y, header, chunk, widths, fontsize=6.5)
        pages.append(fig)
    return pages


def _good_of(run: RunData, o: dict[str, Any]) -> str:
    """The good an observation counts (in its unit), and its donor when it names one."""
    good = str(o.get("good") or run.goods[0])  # its id: the good's name can be a sentence
    return good + (f"; {run.donor_name(str(o['donor']))}" if o.get("donor") else "")


def write_brief(run: RunData, out: str | Path) -> Path:
    """Write the brief atomically (temporary name, then rename); returns its path. A run
    with several goods or donors gets their pages (sim.report.goods_brief)."""
    out = Path(out)
    with atomic_path(out) as tmp, figures.house_style():
        makers = _several_pages(run) if run.several else _pages(run)
        with PdfPages(tmp, metadata=PDF_METADATA) as pdf:
            for i, make in enumerate(makers, start=1):
                _page(pdf, make(), i, len(makers), run.name)
    return out


def _pages(run: RunData) -> list[Callable[[], Figure]]:
    """A single donor's brief: title, the figures, assumptions, outcomes, the record."""
    captions = _captions(run)
    out: list[Callable[[], Figure]] = [lambda: title_page(run)]
    out += [partial(figure_page, run, name, captions[name]) for name in figures.RUN_FIGURES]
    out += _hub_pages(run)
    out += [lambda: assumptions_page(run), lambda: outcomes_page(run)]
    out += [partial(lambda f: f, fig) for fig in record_pages(run)]
    return out


def _hub_pages(run: RunData) -> list[Callable[[], Figure]]:
    """The page "Hubs" for a run with hubs (none otherwise)."""
    if not run.hubs:
        return []
    from sim.report.hub_brief import hubs_page  # it builds on this module's helpers

    return [lambda: hubs_page(run)]


def _several_pages(run: RunData) -> list[Callable[[], Figure]]:
    from sim.report.goods_brief import pages  # it builds on this module's helpers

    return pages(run)
