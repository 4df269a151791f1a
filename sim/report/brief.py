"""A policy brief of one run as a multi-page A4 PDF: the key numbers in plain words, the five
run figures with a reading, the main assumptions, the outcomes and the provenance.

The same result folder gives a byte-identical file: no creation or modification date in
the metadata (whatever ``SOURCE_DATE_EPOCH`` says), fonts embedded by the house style,
nothing taken from the clock or from absolute paths.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

import sim
from sim.report import figures, goods_brief
from sim.report.hub_brief import hubs_page
from sim.report.pages import (
    blank,
    cap,
    date_words,
    figure_page,
    index,
    lead_words,
    need_words,
    pct,
    schedule_words,
    table,
    text,
    words,
)
from sim.report.record_pages import record_contents, record_pages
from sim.report.style import mm
from sim.results.files import atomic_path
from sim.results.reader import RunData

PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": f"masksim {sim.__version__}",
                "Producer": "masksim brief (matplotlib)"}


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
           f"{date_words(s['horizon']['start'])} and {date_words(s['horizon']['end'])}, "
           f"{home}, and "
           f"donated {words(s['donated_total'])} masks to {given} of {n} regions; {pledges}."]
    firsts = {k: v for k, v in s["first_delivery_day_by_region"].items() if v}
    if firsts:
        rid = min(firsts, key=lambda k: firsts[k])
        transit = (f", and {words(s['in_transit_end'])} were still on their way"
                   if s["in_transit_end"] > 0 else "")
        out.append(f"{words(s['delivered_total'])} masks had arrived by the end{transit}; "
                   f"the first reached {run.region_name(rid)} on {date_words(firsts[rid])}.")
    fills = {k: v for k, v in s["fill_rate_by_region"].items() if v is not None}
    if s["mean_fill_rate"] is None and s["gini_fill_rate"] is None:
        # Null equity metrics: regions needed masks and none arrived (sim.results.metrics).
        out.append(f"Nothing was delivered, so fairness is undefined; "
                   f"{words(s['unmet_need'])} masks of need went unmet.")
    elif fills:
        lo, hi = min(fills, key=lambda k: fills[k]), max(fills, key=lambda k: fills[k])
        out.append(f"On average {pct(s['mean_fill_rate'])} of the recipients' need was met, "
                   f"from {pct(fills[lo])} ({run.region_name(lo)}) to {pct(fills[hi])} "
                   f"({run.region_name(hi)}); {words(s['unmet_need'])} masks "
                   f"of need went unmet (Gini of fill rates {index(s['gini_fill_rate'])}).")
    demand = float(run.daily["domestic_demand"][-1])
    days = f", {s['final_stock'] / demand:.0f} days of domestic demand" if demand > 0 else ""
    out.append(f"At the end, {donor} held {words(s['final_stock'])} masks in stock{days}.")
    return out


def _captions(run: RunData) -> dict[str, str]:
    s, d = run.summary, run.daily
    sh = run.shipments
    lead = f"{np.median(sh['lead_days']):.0f}" if len(sh["lead_days"]) else "-"
    big = int(np.argmax(sh["amount"])) if len(sh["amount"]) else -1
    largest = (f" The largest, {mm(float(sh['amount'][big]))} masks to "
               f"{run.region_name(str(sh['region'][big]))}, left on "
               f"{date_words(str(sh['ship_date'][big]))}." if big >= 0 else "")
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
                      f"Gini at the end {index(s['gini_fill_rate'])}; lowest fill rate "
                      f"{pct(s['min_fill_rate'])}."),
        "shipments": f"{len(sh['amount'])} shipments, median lead time {lead} days. Each line "
                     "runs from ship date (dot, area by masks; filled when it served a "
                     f"pledge) to arrival (tick).{largest}",
    }


def _page(pdf: PdfPages, fig: Figure, number: int, total: int, name: str) -> None:
    fig.text(0.5, 0.012, f"masksim brief: {name}, page {number} of {total}", ha="center",
             fontsize=7, color="#666666")
    pdf.savefig(fig)  # type: ignore[no-untyped-call]


def title_page(run: RunData) -> Figure:
    s = run.summary
    fig, ax = blank(f"{run.donor}: mask donations, {run.name}")
    y = text(ax, 1.0, f"Policy brief. Simulated {s['horizon']['start']} to "
              f"{s['horizon']['end']} ({len(run.dates)} days), {len(run.region_ids)} "
              f"recipient regions, {len(run.scenario.get('pledges', []))} pledges.",
              fontsize=10.5, color="#333333")
    y = text(ax, y - 0.01, "In brief", fontsize=12, fontweight="bold")
    for sentence in key_sentences(run):
        y = text(ax, y, sentence, width=80, fontsize=11)
    rows = [(k, v) for k, v in _key_numbers(s)]
    y = text(ax, y - 0.01, "Key numbers", fontsize=12, fontweight="bold")
    y = table(ax, y, ("Outcome", "Value"), rows, (0.55, 0.3), fontsize=8.5)
    hub = 1 if run.hubs else 0  # a run with hubs has their page after the figures
    text(ax, 0.06, "Contents: 2 supply, 3 donations, 4 sufficiency, 5 equity, 6 shipments, "
          + ("7 hubs, " if hub else "") + f"{7 + hub} assumptions, {8 + hub} outcomes by "
          "region and pledge, provenance"
          + record_contents(len(s.get("observations") or []), 9 + hub), fontsize=8.5,
          color="#333333")
    text(ax, 0.02, figures.provenance(s), width=120, fontsize=7, color="#555555")
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
         f"{pct(s['mean_fill_rate'])} / {pct(s['min_fill_rate'])}"),
        ("Unmet need (masks)", mm(s["unmet_need"])),
        ("Gini of fill rates (0 = equal)", index(s["gini_fill_rate"], 3)),
        ("Donor stock at the end", mm(s["final_stock"])),
    ]


def assumptions_page(run: RunData) -> Figure:
    sc = run.scenario
    fig, ax = blank("Main assumptions (from scenario.toml)")
    entry = sc["donors"][0]
    donor = {"name": entry.get("name") or entry["id"], **entry["supplies"][0]}
    dom = donor.get("domestic") or {}
    out, b, shp, al = (donor.get("outages", {}), entry.get("budget", {}),
                       entry.get("shipments", {}), sc.get("allocation", {}))
    groups = dom.get("groups", [])
    rations = "; ".join(
        f"{g['name']} ({mm(g['population'])}): " + ", ".join(
            f"{r['amount']:g}/{r['per_days']} d from {r['date']}" for r in g["rations"])
        for g in groups)
    budget = str(b.get("kind", "all_surplus")).replace("_", " ")
    budget += (f", share {b['share']:g}" if "share" in b else "") + (
        f", {mm(b['amount_per_week'])} a week" if "amount_per_week" in b else "")
    rows = [
        ("Horizon", f"{sc['horizon']['start']} to {sc['horizon']['end']} "
                    f"({len(run.dates)} days)"),
        ("Donor", f"{donor.get('name', '?')}, initial stock {mm(donor.get('initial_stock', 0))}"),
        ("Capacity", schedule_words(donor.get("capacity", {}).get("points", []), "a day")
         + f", {donor.get('capacity', {}).get('interpolation', 'step')}"),
        ("Outages", f"{100 * out.get('daily_probability', 0):g} % a day, cutting "
                    f"{100 * out.get('severity', 0):g} % for {out.get('mean_duration_days', 1):g}"
                    " days on average"),
        ("Domestic rations", rations + f"; uptake {100 * dom.get('uptake', 1):g} %"),
        ("Set-aside", schedule_words((dom.get("set_aside") or {}).get("points", []), "a day")),
        ("Reserve", f"{entry.get('reserve', {}).get('days', 0):g} days of domestic demand"),
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
    y = table(ax, 1.0, ("Assumption", "Value"), rows, (0.2, 0.8))
    regions = [(r.get("name") or r["id"], mm(r.get("population", 0)),
                need_words(r["needs"][run.goods[0]]) if run.goods[0] in r.get("needs", {})
                else "none",
                lead_words(r.get("lead_time", {})), f"{r.get('weight', 1):g} / {r.get('tier', 1)}")
               for r in sc.get("regions", [])]
    y = text(ax, y, "Recipient regions", fontsize=11, fontweight="bold")
    table(ax, y, ("Region", "Population", "Need", "Lead time", "Weight / tier"),
           cap(regions, 30, "regions"),
           (0.28, 0.12, 0.27, 0.18, 0.15))
    return fig


def outcomes_page(run: RunData) -> Figure:
    s = run.summary
    fig, ax = blank("Outcomes by region and pledge; provenance")
    rows = [(run.region_name(r), mm(s["donated_by_region"][r] or 0),
             mm(s["delivered_by_region"][r] or 0),
             s["first_delivery_day_by_region"][r] or "none",
             pct(s["fill_rate_by_region"][r]), mm(s["unmet_need_by_region"][r] or 0))
            for r in run.region_ids]
    y = table(ax, 1.0, ("Region", "Donated", "Delivered", "First arrival", "Need met",
                         "Unmet, masks"), cap(rows, 14, "regions"),
               (0.3, 0.12, 0.12, 0.15, 0.12, 0.19))
    pledges = [(p["when"].replace("..", " to "), run.region_name(p["region"]),
                mm(p["amount"] or 0), mm(p["on_time"] or 0), mm(p["late"] or 0),
                mm(p["unmet"] or 0), p["note"]) for p in s["pledges"]["each"]]
    y = table(ax, y, ("Due", "Region", "Amount", "On time", "Late", "Unmet", "Note"),
               cap(pledges, 24, "pledges") or [("none",) + ("",) * 6],
               (0.13, 0.17, 0.08, 0.08, 0.07, 0.07, 0.40), fontsize=7)
    prov = s["provenance"]
    lines = [("masksim version", str(prov.get("version"))), ("Seed", str(prov.get("seed"))),
             ("Scenario sha256", str(prov.get("scenario_sha256"))),
             ("Engine / backend", f"{prov.get('engine')} / {prov.get('backend')}"),
             ("numpy / matplotlib", f"{prov.get('numpy')} / {matplotlib.__version__}"),
             ("Sources", figures.provenance(s).partition("\n")[2].removeprefix("Inputs: ")
              or "see the scenario file")]
    table(ax, y, ("Provenance", ""), lines, (0.25, 0.75))
    return fig


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
    return [lambda: hubs_page(run)]


def _several_pages(run: RunData) -> list[Callable[[], Figure]]:
    return goods_brief.pages(run)
