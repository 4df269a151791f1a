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

from matplotlib.figure import Figure

from sim.report import figures, goods_figures, needs, paging, pledge_pages
from sim.report.hub_brief import hubs_page
from sim.report.pages import (
    blank,
    date_words,
    figure_page,
    index,
    lead_words,
    need_words,
    pct,
    table,
    text,
    words,
)
from sim.report.record_pages import record_pages
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
    """One good in plain words: who gave it, what arrived, how much need was met (among the
    regions that stated a need for it)."""
    s, unit = run.good_summary(good), run.unit(good)
    givers = [run.donor_name(d) for d, _ in run.channels_of(good)
              if _n(run.donor_summary(d).get("goods", {}).get(good, {}).get("donated_total"))
              > 0]
    by = (f"given by {', '.join(givers)}" if givers else "given by no donor")
    reached = sum(1 for v in (s.get("delivered_by_region") or {}).values() if v and v > 0)
    text = (f"{run.good_name(good)}: {words(_n(s.get('donated_total')))} {unit} {by}; "
            f"{words(_n(s.get('delivered_total')))} arrived in {reached} of "
            f"{_count(len(run.region_ids), 'region')} by the end")
    f = needs.fill(run, good)
    if f is None:
        return text + "; no region stated a need for it, so no share of need is reported."
    among = ("" if f.regions == len(run.region_ids) else
             f" of the {_count(f.regions, 'region')} that stated a need")
    unmet = f"{words(_n(s.get('unmet_need')))} {unit}"
    if f.mean is None or f.lowest is None or f.highest is None:
        return text + (f"; none arrived{among}, so fairness is undefined, and {unmet} of "
                       "need went unmet.")
    (lo, lo_rate), (hi, hi_rate) = f.lowest, f.highest
    return text + (f". On average {pct(f.mean)} of the need{among} was met, from "
                   f"{pct(lo_rate)} ({run.region_name(lo)}) to {pct(hi_rate)} "
                   f"({run.region_name(hi)}); {unmet} went unmet (Gini {index(f.gini)}).")


def key_sentences(run: RunData) -> list[str]:
    s = run.summary
    head = (f"{_count(len(run.donors), 'donor')} gave {_count(len(run.goods), 'good')} to "
            f"{_count(len(run.region_ids), 'region')} between {date_words(s['horizon']['start'])} "
            f"and {date_words(s['horizon']['end'])}; {COORDINATION.get(coordination(run), '')} "
            f"(coordination: {coordination(run)}).")
    if not needs.needy_goods(run):
        head += (" No region stated a need for any of the goods, so no share of need met is "
                 "reported.")
    return [head, *(good_sentence(run, g) for g in run.goods)]


KEY_ROWS: tuple[tuple[str, str], ...] = (
    ("Made", "produced"), ("Bought or received by exchange", "received"),
    ("Domestic demand", "domestic_demand"), ("Domestic shortfall", "domestic_shortfall"),
    ("Donated (shipped)", "donated_total"), ("Delivered in the horizon", "delivered_total"),
    ("Still in transit", "in_transit_end"), ("Unmet need", "unmet_need"),
    ("Donors' stock at the end", "final_stock"),
)
KEY_GOODS = 4  # goods (columns) in one key-numbers table; more goods, more tables


def _need_cells(run: RunData, good: str) -> tuple[str, str]:
    """(mean / lowest need met, Gini) among the regions that stated a need."""
    f = needs.fill(run, good)
    if f is None:
        return needs.NO_NEED, needs.NO_NEED
    return (f"{pct(f.mean)} / {pct(f.lowest[1] if f.lowest else None)}",
            index(f.gini, 3))


def key_table(run: RunData, goods: list[str] | None = None
              ) -> tuple[list[str], list[list[str]]]:
    """Key numbers, one column per good, each in its unit."""
    goods = run.goods if goods is None else goods
    header = ["Outcome", *(run.good_name(g) for g in goods)]
    rows = [["Unit", *(run.unit(g) for g in goods)]]
    rows += [[label, *(mm(_n(run.good_summary(g).get(key))) for g in goods)]
             for label, key in KEY_ROWS]
    rows.append(["Pledged: on time / late / never", *(
        "{} / {} / {}".format(*(mm(_n(run.good_summary(g).get("pledges", {}).get(k)))
                                for k in ("on_time", "late", "unmet"))) for g in goods)])
    cells = [_need_cells(run, g) for g in goods]
    rows.append(["Need met: mean / lowest region",
                 *(c[0] for c in cells)])
    rows.append(["Gini of fill rates (0 = equal)", *(c[1] for c in cells)])
    return header, rows


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def title_pages(run: RunData, contents: str) -> list[Callable[[], Figure]]:
    """The title page: the run in brief, a sentence per good, and the key numbers; as many
    pages as the goods take (one key-numbers table per four goods)."""
    s = run.summary
    blocks: list[paging.Block] = [
        paging.Text(f"Policy brief. Donors: {run.donor}. Simulated {s['horizon']['start']} "
                    f"to {s['horizon']['end']} ({len(run.dates)} days), "
                    f"{_count(len(run.region_ids), 'recipient region')}.", width=90,
                    fontsize=10.5, style={"color": "#333333"}),
        paging.Text(contents, width=110, fontsize=8.5, style={"color": "#333333"}),
        paging.heading("In brief", 12),
        *(paging.Text(x, width=84, fontsize=10.5) for x in key_sentences(run)),
        paging.heading("Key numbers, by good", 12)]
    for goods in _chunks(run.goods, KEY_GOODS):
        header, rows = key_table(run, goods)
        blocks.append(paging.Table(header, rows, (0.32, *(0.62 / KEY_GOODS,) * len(goods)),
                                   fontsize=7.5, keep=True))

    def footer(ax: Any) -> None:
        text(ax, 0.02, figures.provenance(s), width=120, fontsize=7, color="#555555")

    return paging.flow(f"{_count(len(run.goods), 'good')} from "
                       f"{_count(len(run.donors), 'donor')}: {run.name}", blocks, footer,
                       footer_top=0.05)


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


REGION_ROWS = 14  # rows of a good's region table: a long list goes to summary.json


def good_page(run: RunData, good: str) -> Figure:
    """A good on a page: what it did, region by region and donor by donor."""
    s, unit = run.good_summary(good), run.unit(good)
    fig, ax = blank(f"{run.good_name(good)} (in {unit})")
    y = text(ax, 1.0, good_sentence(run, good), width=96, fontsize=9.5)
    want = needs.needs_of(run, good)

    def region(key: str, rid: str) -> Any:
        return (s.get(key) or {}).get(rid)

    order = list(run.region_ids)
    heading = "By recipient region"
    if len(order) > REGION_ROWS:  # the regions a reader looks for first
        if want:
            order.sort(key=lambda r: (r not in want, _n(region("fill_rate_by_region", r))))
            heading += ": the least served first"
        else:
            order.sort(key=lambda r: -_n(region("donated_by_region", r)))
            heading += ": the largest gifts first"
    y = text(ax, y, heading, fontsize=11, fontweight="bold")
    rows = [(run.region_name(r), mm(_n(region("donated_by_region", r))),
             mm(_n(region("delivered_by_region", r))),
             date_words(region("first_delivery_day_by_region", r))
             if region("first_delivery_day_by_region", r) else "none",
             pct(region("fill_rate_by_region", r)) if r in want else needs.NO_NEED,
             mm(_n(region("unmet_need_by_region", r))) if r in want else "-")
            for r in order]
    if len(rows) > REGION_ROWS:
        rows = [*rows[:REGION_ROWS - 1],
                (f"... and {len(rows) - REGION_ROWS + 1} more regions: every region is in "
                 f"summary.json, goods.{good}", "", "", "", "", "")]
    y = table(ax, y, ("Region", "Donated", "Delivered", "First arrival", "Need met",
                       f"Unmet, {unit}"), rows, (0.3, 0.12, 0.12, 0.16, 0.12, 0.18))
    y = text(ax, y, "By donor", fontsize=11, fontweight="bold")
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
    table(ax, y, ("Donor", "Made", "Bought or received", "Domestic demand", "Donated",
                   "Delivered", "Pledged: on time / late / never", "Stock at end"),
           donors or [("none",) + ("",) * 7], (0.17, 0.09, 0.1, 0.1, 0.1, 0.1, 0.24, 0.1),
           fontsize=7)
    return fig


def donors_pages(run: RunData) -> list[Callable[[], Figure]]:
    """A table per donor: each good it supplied, what it gave, and its exchanges."""
    blocks: list[paging.Block] = [paging.Text(
        "Amounts in each good's own unit. Made: produced; bought or received: procured, or "
        "received in an exchange; donated: shipped to the regions (an exchange's send "
        "counts as donated).", width=100, fontsize=9, style={"color": "#222222"})]
    for d in run.donors:
        e = run.donor_summary(d)
        blocks.append(paging.heading(run.donor_name(d)))
        rows = []
        for good, g in e.get("goods", {}).items():
            p, unit = g.get("pledges", {}), run.unit(good)
            rows.append((f"{run.good_name(good)} ({unit})", mm(_n(g.get("produced"))),
                         mm(_n(g.get("received"))), mm(_n(g.get("domestic_shortfall"))),
                         mm(_n(g.get("donated_total"))), mm(_n(g.get("delivered_total"))),
                         f"{mm(_n(p.get('pledged')))}: {mm(_n(p.get('on_time')))} / "
                         f"{mm(_n(p.get('late')))} / {mm(_n(p.get('unmet')))}",
                         mm(_n(g.get("final_stock")))))
        blocks.append(paging.Table(
            ("Good", "Made", "Bought or received", "Domestic shortfall", "Donated",
             "Delivered", "Pledged: on time / late / never", "Stock at end"),
            rows or [("none",) + ("",) * 7], (0.17, 0.09, 0.1, 0.1, 0.1, 0.1, 0.24, 0.1),
            fontsize=7))
        swaps = [(run.region_name(str(x.get("partner"))),
                  _amount(x.get("sent"), run.unit(str(x.get("sent_good")))),
                  _amount(x.get("received"), run.unit(str(x.get("received_good")))))
                 for x in e.get("exchanges", [])]
        if swaps:
            blocks.append(paging.Table(("Exchange with", "Gave", "Received in return"), swaps,
                                       (0.3, 0.3, 0.3), fontsize=7))
    return paging.flow("Donors: what each supplied, gave and exchanged", blocks)


def assumptions_pages(run: RunData) -> list[Callable[[], Figure]]:
    sc = run.scenario
    goods = [(f"{g.get('name') or g['id']}", str(g.get("unit", "")),
              f"{g['mass_kg']:g} kg" if g.get("mass_kg") else "-",
              f"{g['shelf_life_days']} d" if g.get("shelf_life_days") else "none")
             for g in sc.get("goods", [])]
    blocks: list[paging.Block] = [
        paging.Table(("Good", "Unit", "Mass", "Shelf life"), goods or [("masks",) * 4],
                     (0.4, 0.2, 0.2, 0.2)),
        paging.Text(f"Coordination: {coordination(run)} "
                    f"({COORDINATION.get(coordination(run), '')}).", width=100, fontsize=9)]
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
    al = sc.get("allocation", {})
    regions = []
    for r in sc.get("regions", []):
        # A region may need nothing (no need given): Africa CDC, which passes gifts on.
        need = r.get("needs", {})
        regions.append((r.get("name") or r["id"], mm(r.get("population", 0)),
                        "; ".join(f"{run.unit(g)} {need_words(n)}" for g, n in need.items())
                        or needs.NO_NEED, lead_words(r.get("lead_time", {}))))
    blocks += [
        paging.heading("Donors"),
        paging.Table(("Donor", "Budget", "Shipments", "Supplies"), donors,
                     (0.16, 0.2, 0.24, 0.4), fontsize=7),
        paging.Text(f"Allocation: {al.get('rule', '?')}, shares by {al.get('shares', '?')}; "
                    f"{_count(len(sc.get('pledges', [])), 'pledge')}, "
                    f"{_count(len(sc.get('exchanges', [])), 'exchange')}.", width=100,
                    fontsize=9),
        paging.heading("Recipient regions"),
        paging.Table(("Region", "Population", "Need, by good", "Lead time"), regions,
                     (0.22, 0.12, 0.46, 0.2), fontsize=7)]
    return paging.flow("Main assumptions (from scenario.toml)", blocks)


def _figure_pages(run: RunData) -> list[tuple[str, Callable[[], Figure]]]:
    """(name, page) of each figure page: at most four goods a page, and only the goods some
    region needed in the figures of need met."""
    out: list[tuple[str, Callable[[], Figure]]] = []
    for name, draw in figures.run_figures(run).items():
        if name == "hubs":
            continue  # the hubs page draws it
        if name in goods_figures.NEED_FIGURES:  # no region needed anything: no such page
            groups = [g for g in _chunks(needs.needy_goods(run), FIGURE_GOODS) if g]
        else:
            groups = _chunks(run.goods, FIGURE_GOODS) if name != "shipments" else [[]]
        for k, goods in enumerate(groups):
            more = f" ({k + 1} of {len(groups)})" if len(groups) > 1 else ""
            maker = (partial(goods_figures.GOODS_FIGURES[name], goods=goods) if goods
                     else draw)
            out.append((name, partial(figure_page, run, name, CAPTIONS[name] + more
                                      + _left_out(run, name), maker)))
    return out


FIGURE_GOODS = 4  # goods (rows of panels) in one figure page


def _left_out(run: RunData, name: str) -> str:
    if name not in goods_figures.NEED_FIGURES:
        return ""
    gone = [run.good_name(g) for g in run.goods if g not in needs.needy_goods(run)]
    return (f" Not shown: {', '.join(gone)} (no region stated a need)." if gone else "")


def pages(run: RunData) -> list[Callable[[], Figure]]:
    """The brief's pages in order, each drawn when called (one page in memory at a time)."""
    sections: list[tuple[str, list[Callable[[], Figure]]]] = []
    for name, page in _figure_pages(run):
        if sections and sections[-1][0] == name:
            sections[-1][1].append(page)
        else:
            sections.append((name, [page]))
    if run.hubs:
        sections.append(("hubs", [lambda: hubs_page(run)]))
    sections += [(run.good_name(g), [partial(good_page, run, g)]) for g in run.goods]
    sections += [("donors", donors_pages(run)), ("assumptions", assumptions_pages(run)),
                 ("pledges and provenance", pledge_pages.pages(run))]
    sections += [("model vs record", [partial(lambda f: f, f) for f in record_pages(run)])]
    sections = [(n, p) for n, p in sections if p]
    first = 1
    for _ in range(3):  # the contents' length decides how many title pages there are
        titles = title_pages(run, _contents(sections, first + 1))
        if len(titles) == first:
            break
        first = len(titles)
    return [*titles, *(p for _, ps in sections for p in ps)]


def _contents(sections: list[tuple[str, list[Callable[[], Figure]]]], start: int) -> str:
    parts = []
    for name, ps in sections:
        end = start + len(ps) - 1
        parts.append(f"{start}{f'-{end}' if end > start else ''} {name}")
        start = end + 1
    return "Contents: " + ", ".join(parts) + "."
