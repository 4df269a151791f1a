"""The brief of a run with several goods or donors: what each good did (a page each), what
each donor gave and received (a table each), the figures by good, the assumptions and the
pledges. :func:`sim.report.brief.write_brief` writes these pages for such a run.

Quantities are in each good's own unit; nothing is summed across goods (a mask and a suit
do not add up). Every number comes from summary.json, the scenario and the series.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from sim.report import figures
from sim.report.brief import (
    _blank,
    _cap,
    _date,
    _index,
    _lead,
    _need,
    _pct,
    _table,
    _text,
    figure_page,
    words,
)
from sim.report.hub_brief import hubs_page
from sim.report.style import mm
from sim.results.reader import RunData

COORDINATION = {
    "independent": "each donor allocated its own gifts, as if the others did not exist",
    "pooled": "the donors of a good pooled their gifts and allocated them together",
}


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def _amount(x: Any, unit: str) -> str:
    return f"{mm(_n(x))} {unit}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def coordination(run: RunData) -> str:
    return str(run.summary.get("coordination") or run.scenario.get("coordination")
               or "independent")


def good_sentence(run: RunData, good: str) -> str:
    """One good in plain words: who gave it, what arrived, how much need was met."""
    s, unit = run.good_summary(good), run.unit(good)
    givers = [run.donor_name(d) for d, _ in run.channels_of(good)
              if _n(run.donor_summary(d).get("goods", {}).get(good, {}).get("donated_total"))
              > 0]
    by = (f"given by {', '.join(givers)}" if givers else "given by no donor")
    reached = sum(1 for v in (s.get("delivered_by_region") or {}).values() if v and v > 0)
    text = (f"{run.good_name(good)}: {words(_n(s.get('donated_total')))} {unit} {by}; "
            f"{words(_n(s.get('delivered_total')))} arrived in {reached} of "
            f"{len(run.region_ids)} regions by the end")
    fills = {k: v for k, v in (s.get("fill_rate_by_region") or {}).items() if v is not None}
    if s.get("mean_fill_rate") is None:
        return text + (f"; none arrived, so fairness is undefined, and "
                       f"{words(_n(s.get('unmet_need_masks')))} {unit} of need went unmet.")
    lo, hi = min(fills, key=lambda k: fills[k]), max(fills, key=lambda k: fills[k])
    return text + (f". On average {_pct(s['mean_fill_rate'])} of the need was met, from "
                   f"{_pct(fills[lo])} ({run.region_name(lo)}) to {_pct(fills[hi])} "
                   f"({run.region_name(hi)}); {words(_n(s.get('unmet_need_masks')))} {unit} "
                   f"went unmet (Gini {_index(s.get('gini_fill_rate'))}).")


def key_sentences(run: RunData) -> list[str]:
    s = run.summary
    head = (f"{len(run.donors)} donors gave {len(run.goods)} goods to "
            f"{len(run.region_ids)} regions between {_date(s['horizon']['start'])} and "
            f"{_date(s['horizon']['end'])}; {COORDINATION.get(coordination(run), '')} "
            f"(coordination: {coordination(run)}).")
    return [head, *(good_sentence(run, g) for g in run.goods)]


KEY_ROWS: tuple[tuple[str, str], ...] = (
    ("Made", "produced"), ("Bought or received by exchange", "received"),
    ("Domestic demand", "domestic_demand"), ("Domestic shortfall", "domestic_shortfall"),
    ("Donated (shipped)", "donated_total"), ("Delivered in the horizon", "delivered_total"),
    ("Still in transit", "in_transit_end"), ("Unmet need", "unmet_need_masks"),
    ("Donors' stock at the end", "final_stock"),
)


def key_table(run: RunData) -> tuple[list[str], list[list[str]]]:
    """Key numbers, one column per good, each in its unit."""
    header = ["Outcome", *(run.good_name(g) for g in run.goods)]
    rows = [["Unit", *(run.unit(g) for g in run.goods)]]
    rows += [[label, *(mm(_n(run.good_summary(g).get(key))) for g in run.goods)]
            for label, key in KEY_ROWS]
    rows.append(["Pledged: on time / late / never", *(
        "{} / {} / {}".format(*(mm(_n(run.good_summary(g).get("pledges", {}).get(k)))
                                for k in ("on_time", "late", "unmet"))) for g in run.goods)])
    rows.append(["Need met: mean / lowest region", *(
        f"{_pct(run.good_summary(g).get('mean_fill_rate'))} / "
        f"{_pct(run.good_summary(g).get('min_fill_rate'))}" for g in run.goods)])
    rows.append(["Gini of fill rates (0 = equal)",
                 *(_index(run.good_summary(g).get("gini_fill_rate"), 3) for g in run.goods)])
    return header, rows


def title_page(run: RunData, contents: str) -> Figure:
    s = run.summary
    fig, ax = _blank(f"{len(run.goods)} goods from {len(run.donors)} donors: {run.name}")
    y = _text(ax, 1.0, f"Policy brief. Donors: {run.donor}. Simulated "
              f"{s['horizon']['start']} to {s['horizon']['end']} ({len(run.dates)} days), "
              f"{len(run.region_ids)} recipient regions.", fontsize=10.5, color="#333333")
    y = _text(ax, y - 0.01, "In brief", fontsize=12, fontweight="bold")
    for sentence in key_sentences(run):
        y = _text(ax, y, sentence, width=84, fontsize=10.5)
    y = _text(ax, y - 0.01, "Key numbers, by good", fontsize=12, fontweight="bold")
    header, rows = key_table(run)
    width = 0.62 / len(run.goods)
    _table(ax, y, header, rows, (0.32, *(width,) * len(run.goods)), fontsize=8)
    _text(ax, 0.1, contents, width=100, fontsize=8.5, color="#333333")
    _text(ax, 0.02, figures.provenance(s), width=120, fontsize=7, color="#555555")
    return fig


CAPTIONS = {
    "supply": "One row per good. Left: each donor's stock at the end of each day (solid) "
              "against the reserve it keeps back (dotted). Right: what each donor donated "
              "to date (solid) and what it received by purchase or exchange (dash-dot). "
              "Colours are donors, the same in every figure; each axis is in its good's "
              "own unit.",
    "donations": "One row per good. Left: what each donor's shipments delivered to date "
                 "(solid) against what it shipped (dotted); the gap is shipping time. "
                 "Right: what each donor shipped to each region over the horizon, stacked.",
    "sufficiency": "One row per good. Left: share of each region's need met to date "
                   "(colours are regions here). Right: need left unmet over the horizon, in "
                   "the good's unit. Need is the scenario's stand-in, not a measured figure: "
                   "read levels with care, differences between runs with more confidence.",
    "equity": "Left: Gini coefficient of the regions' fill rates to date, one line per "
              "good (0: every region got the same share of its need). Right: share of each "
              "region's need met by the end, by good.",
    "shipments": "Each line runs from ship date to arrival; colour is the donor, the marker "
                 "the good, the area the amount relative to the largest shipment of that "
                 "good; filled markers served a pledge or an exchange.",
}


def good_page(run: RunData, good: str) -> Figure:
    """A good on a page: what it did, region by region and donor by donor."""
    s, unit = run.good_summary(good), run.unit(good)
    fig, ax = _blank(f"{run.good_name(good)} (in {unit})")
    y = _text(ax, 1.0, good_sentence(run, good), width=96, fontsize=9.5)
    y = _text(ax, y, "By recipient region", fontsize=11, fontweight="bold")

    def region(key: str, rid: str) -> Any:
        return (s.get(key) or {}).get(rid)

    rows = [(run.region_name(r), mm(_n(region("donated_by_region", r))),
             mm(_n(region("delivered_by_region", r))),
             _date(region("first_delivery_day_by_region", r))
             if region("first_delivery_day_by_region", r) else "none",
             _pct(region("fill_rate_by_region", r)),
             mm(_n(region("unmet_need_by_region", r)))) for r in run.region_ids]
    y = _table(ax, y, ("Region", "Donated", "Delivered", "First arrival", "Need met",
                       f"Unmet, {unit}"), _cap(rows, 14, "regions"),
               (0.3, 0.12, 0.12, 0.16, 0.12, 0.18))
    y = _text(ax, y, "By donor", fontsize=11, fontweight="bold")
    donors = []
    for d, _ in run.channels_of(good):
        e = run.donor_summary(d).get("goods", {}).get(good, {})
        p = e.get("pledges", {})
        donors.append((run.donor_name(d), mm(_n(e.get("produced"))), mm(_n(e.get("received"))),
                       mm(_n(e.get("domestic_demand"))), mm(_n(e.get("donated_total"))),
                       mm(_n(e.get("delivered_total"))),
                       f"{mm(_n(p.get('pledged')))}: {mm(_n(p.get('on_time')))} / "
                       f"{mm(_n(p.get('late')))} / {mm(_n(p.get('unmet')))}",
                       mm(_n(e.get("final_stock")))))
    _table(ax, y, ("Donor", "Made", "Bought or received", "Domestic demand", "Donated",
                   "Delivered", "Pledged: on time / late / never", "Stock at end"),
           donors or [("none",) + ("",) * 7], (0.17, 0.09, 0.1, 0.1, 0.1, 0.1, 0.24, 0.1),
           fontsize=7)
    return fig


def donors_page(run: RunData) -> Figure:
    """A table per donor: each good it supplied, what it gave, and its exchanges."""
    fig, ax = _blank("Donors: what each supplied, gave and exchanged")
    y = _text(ax, 1.0, "Amounts in each good's own unit. Made: produced; bought or received: "
              "procured, or received in an exchange; donated: shipped to the regions "
              "(an exchange's send counts as donated).", width=100, fontsize=9,
              color="#222222")
    for d in run.donors:
        e = run.donor_summary(d)
        y = _text(ax, y, run.donor_name(d), fontsize=11, fontweight="bold")
        rows = []
        for good, g in e.get("goods", {}).items():
            p, unit = g.get("pledges", {}), run.unit(good)
            rows.append((f"{run.good_name(good)} ({unit})", mm(_n(g.get("produced"))),
                         mm(_n(g.get("received"))), mm(_n(g.get("domestic_shortfall"))),
                         mm(_n(g.get("donated_total"))), mm(_n(g.get("delivered_total"))),
                         f"{mm(_n(p.get('pledged')))}: {mm(_n(p.get('on_time')))} / "
                         f"{mm(_n(p.get('late')))} / {mm(_n(p.get('unmet')))}",
                         mm(_n(g.get("final_stock")))))
        y = _table(ax, y, ("Good", "Made", "Bought or received", "Domestic shortfall",
                           "Donated", "Delivered", "Pledged: on time / late / never",
                           "Stock at end"), rows or [("none",) + ("",) * 7],
                   (0.17, 0.09, 0.1, 0.1, 0.1, 0.1, 0.24, 0.1), fontsize=7)
        swaps = [(run.region_name(str(x.get("partner"))),
                  _amount(x.get("sent"), run.unit(str(x.get("sent_good")))),
                  _amount(x.get("received"), run.unit(str(x.get("received_good")))))
                 for x in e.get("exchanges", [])]
        if swaps:
            y = _table(ax, y + 0.015, ("Exchange with", "Gave", "Received in return"), swaps,
                       (0.3, 0.3, 0.3), fontsize=7)
    return fig


def assumptions_page(run: RunData) -> Figure:
    sc = run.scenario
    fig, ax = _blank("Main assumptions (from scenario.toml)")
    goods = [(f"{g.get('name') or g['id']}", str(g.get("unit", "")),
              f"{g['mass_kg']:g} kg" if g.get("mass_kg") else "-",
              f"{g['shelf_life_days']} d" if g.get("shelf_life_days") else "none")
             for g in sc.get("goods", [])]
    y = _table(ax, 1.0, ("Good", "Unit", "Mass", "Shelf life"), goods or [("masks",) * 4],
               (0.4, 0.2, 0.2, 0.2))
    y = _text(ax, y, f"Coordination: {coordination(run)} "
              f"({COORDINATION.get(coordination(run), '')}).", width=100, fontsize=9)
    donors = []
    for d in sc.get("donors", []):
        b, shp = d.get("budget", {}), d.get("shipments", {})
        budget = str(b.get("kind", "all_surplus")).replace("_", " ") + (
            f", share {b['share']:g}" if "share" in b else "")
        supplies = "; ".join(
            f"{run.good_name(str(s.get('good')))}: stock {mm(_n(s.get('initial_stock')))}"
            + (f", bought {mm(sum(_n(p.get('amount')) for p in s['procurement']))}"
               if s.get("procurement") else "")
            + (", makes" if s.get("capacity") else "")
            for s in d.get("supplies", []))
        cap = (f", cap {mm(shp['cargo_cap'])} {d.get('cargo_cap_unit', 'units')}"
               if "cargo_cap" in shp else "")
        donors.append((d.get("name") or d.get("id"), budget,
                       f"every {shp.get('cadence_days', 7)} d from the first "
                       f"{shp.get('weekday', '?')}{cap}", supplies))
    y = _text(ax, y, "Donors", fontsize=11, fontweight="bold")
    y = _table(ax, y, ("Donor", "Budget", "Shipments", "Supplies"), donors,
               (0.16, 0.2, 0.24, 0.4), fontsize=7)
    al = sc.get("allocation", {})
    y = _text(ax, y, f"Allocation: {al.get('rule', '?')}, shares by {al.get('shares', '?')}; "
              f"{_count(len(sc.get('pledges', [])), 'pledge')}, "
              f"{_count(len(sc.get('exchanges', [])), 'exchange')}.", width=100, fontsize=9)
    regions = []
    for r in sc.get("regions", []):
        # A region may need nothing (no need given): Africa CDC, which passes gifts on.
        needs = {**({run.goods[0]: r["need"]} if "need" in r else {}), **r.get("needs", {})}
        regions.append((r.get("name") or r["id"], mm(r.get("population", 0)),
                        "; ".join(f"{run.unit(g)} {_need(n)}" for g, n in needs.items())
                        or "none",
                        _lead(r.get("lead_time", {}))))
    y = _text(ax, y, "Recipient regions", fontsize=11, fontweight="bold")
    _table(ax, y, ("Region", "Population", "Need, by good", "Lead time"),
           _cap(regions, 24, "regions"), (0.22, 0.12, 0.46, 0.2), fontsize=7)
    return fig


def pledges_page(run: RunData) -> Figure:
    s = run.summary
    fig, ax = _blank("Pledges; provenance")
    each = (s.get("pledges") or {}).get("each") or []
    rows = [(str(p.get("when", "")).replace("..", " to "),
             run.donor_name(str(p.get("donor", ""))) if p.get("donor") else "-",
             run.good_name(str(p["good"])) if p.get("good") else "-",
             run.region_name(str(p.get("region", ""))), mm(_n(p.get("amount"))),
             mm(_n(p.get("on_time"))), mm(_n(p.get("late"))), mm(_n(p.get("unmet"))),
             str(p.get("note", ""))) for p in each]
    if not each:  # a summary without the outcome of each pledge: list what was pledged
        rows = [(str(p.get("date") or f"{p.get('start')} to {p.get('end')}"),
                 run.donor_name(str(p.get("donor", ""))), run.good_name(str(p.get("good", ""))),
                 run.region_name(str(p.get("region", ""))),
                 mm(_n(p.get("amount") or p.get("amount_per_week"))), "n/a", "n/a", "n/a",
                 str(p.get("note", ""))) for p in run.scenario.get("pledges", [])]
    y = _table(ax, 1.0, ("Due", "Donor", "Good", "Region", "Amount", "On time", "Late",
                         "Unmet", "Note"), _cap(rows, 24, "pledges") or [("none",) + ("",) * 8],
               (0.1, 0.1, 0.1, 0.12, 0.07, 0.07, 0.06, 0.06, 0.32), fontsize=6.5)
    prov = s["provenance"]
    lines = [("masksim version", str(prov.get("version"))), ("Seed", str(prov.get("seed"))),
             ("Scenario sha256", str(prov.get("scenario_sha256"))),
             ("Engine / backend", f"{prov.get('engine')} / {prov.get('backend')}"),
             ("numpy / matplotlib", f"{prov.get('numpy')} / {matplotlib.__version__}"),
             ("Sources", "the comments of the scenario file")]
    _table(ax, y, ("Provenance", ""), lines, (0.25, 0.75))
    return fig


def pages(run: RunData) -> list[Callable[[], Figure]]:
    """The brief's pages in order, each drawn when called (one page in memory at a time)."""
    names = list(figures.run_figures(run))  # a run with hubs: their page after the figures
    first_good = 2 + len(names)
    donors_at = first_good + len(run.goods)
    contents = ("Contents: " + ", ".join(f"{i} {n}" for i, n in enumerate(names, start=2))
                + ", " + ", ".join(f"{first_good + k} {run.good_name(g)}"
                                   for k, g in enumerate(run.goods))
                + f", {donors_at} donors, {donors_at + 1} assumptions, "
                  f"{donors_at + 2} pledges and provenance.")
    out: list[Callable[[], Figure]] = [lambda: title_page(run, contents)]
    out += [partial(figure_page, run, n, CAPTIONS[n]) for n in figures.RUN_FIGURES]
    if run.hubs:
        out.append(lambda: hubs_page(run))
    out += [partial(good_page, run, g) for g in run.goods]
    out += [lambda: donors_page(run), lambda: assumptions_page(run), lambda: pledges_page(run)]
    return out
