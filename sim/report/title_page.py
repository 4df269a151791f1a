"""Page 1 of the brief: the scenario's title, what went wrong (the findings, ranked), what
happened (a few sentences written from the run), the key numbers and the contents.

Every number is read from the run (summary.json, the series, the routes); nothing is summed
across goods (a mask and a suit do not add up).
"""

from __future__ import annotations

from typing import Any

from sim.report import needs, paging
from sim.report.findings import Finding, findings
from sim.report.routes import Route, not_arrived, rounds, routes
from sim.report.sections import MANY_GOODS, good_sentence, goods_table
from sim.report.words import (
    count,
    date_words,
    day_month,
    index,
    listed,
    lower_first,
    mm,
    pct,
    words,
)
from sim.results.reader import RunData

COORDINATION = {
    "independent": "each donor allocated its own gifts, as if the others did not exist",
    "pooled": "the donors of a good pooled their gifts and allocated them together",
}
PAGE1_FINDINGS = 6  # findings on page 1; the rest open the text pages


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def coordination(run: RunData) -> str:
    return str(run.summary.get("coordination") or run.scenario.get("coordination")
               or "independent")


def _hub_names(run: RunData) -> list[str]:
    return [run.hub_name(h) for h in run.hubs]


def opening(run: RunData) -> str:
    """Who gave what to whom, when and by which route."""
    s = run.summary
    reached = {r for g in run.goods for r, v in (run.good_summary(g).get(
        "delivered_by_region") or {}).items() if _n(v) > 0}
    what = (f"{words(_n(run.good_summary(run.goods[0]).get('donated_total')))} "
            f"{run.unit(run.goods[0])}" if len(run.goods) == 1 else count(len(run.goods),
                                                                            "good"))
    via = (f", through {listed(_hub_names(run))}" if run.hubs else "")
    who = run.donor[:1].upper() + run.donor[1:]
    n = len(run.region_ids)
    whom = (f"{len(reached)} of the {count(n, 'recipient region')} received something"
            if n > 1 else
            f"the one recipient region received {'something' if reached else 'nothing'}")
    out = (f"{who} gave {what} between {day_month(s['horizon']['start'])} and "
           f"{date_words(s['horizon']['end'])}{via}; {whom} in that time.")
    if len(run.donors) > 1:
        out += f" Coordination: {coordination(run)} ({COORDINATION[coordination(run)]})."
    return out


def donor_sentence(run: RunData, donor: str) -> str:
    """What one donor made or bought, served at home and kept (its goods in their units)."""
    e = run.donor_summary(donor)
    name = run.donor_name(donor)
    parts = []
    goods = e.get("goods") or {}
    for good, g in goods.items():
        unit = run.unit(good)
        made, got = _n(g.get("produced")), _n(g.get("received"))
        src = ([f"made {words(made)} {unit}"] if made > 0 else []) + (
            [f"bought or received {words(got)} {unit}"] if got > 0 else [])
        demand, short = _n(g.get("domestic_demand")), _n(g.get("domestic_shortfall"))
        if demand > 0:
            days = int((run.daily_of(donor, good)["domestic_shortfall"] > 0).sum())
            src.append("met its domestic demand every day" if short < 0.5 else
                       f"fell short of its domestic demand on {days} days "
                       f"({words(short)} {unit})")
        stock = _n(g.get("final_stock"))
        if stock > 0.5:
            d = run.daily_of(donor, good)["domestic_demand"]
            held = (f", {stock / d[-1]:.0f} days of domestic demand" if d[-1] > 0 else "")
            src.append(f"held {words(stock)} {unit} at the end{held}")
        if src:
            label = "" if len(goods) == 1 else f"{lower_first(run.good_name(good))}: "
            parts.append(label + ", ".join(src))
    if len(parts) > 3:
        return ""  # too many goods to say in a sentence: the key numbers give each
    name = name[:1].upper() + name[1:]  # it starts the sentence
    return f"{name} " + "; ".join(parts) + "." if parts else f"{name} had nothing to give."


def hub_story(run: RunData, all_routes: list[Route]) -> list[str]:
    """Each hub's rounds in a sentence: what landed, how long the queue took to clear it,
    how many regions had their first goods within five days (who was reached last is the
    hub's finding, ``sim.report.findings``)."""
    out = []
    found = rounds(run, all_routes)
    for hub in run.hubs:
        mine = [r for r in found if r.hub == hub]
        if not mine:
            continue
        big = max(mine, key=lambda r: len(r.legs))
        cleared = (f"took {big.days(big.cleared)} days to clear"
                   if big.cleared is not None else "was not cleared by the end")
        reached = (f"; {big.reached_within(5)} of its {len(big.legs)} regions had their "
                   f"first goods within 5 days of the landing" if len(big.legs) > 1 else "")
        out.append(f"At {run.hub_name(hub)}, {count(len(mine), 'consignment day')}: the "
                   f"largest, landed {day_month(str(big.landed))}, {cleared}{reached}.")
    return out


def key_sentences(run: RunData, all_routes: list[Route] | None = None) -> list[str]:
    """The run in a few plain sentences after the opening one, for page 1: the hubs'
    queues, each donor's supply, each good (for a few goods; for many, those a region
    needed)."""
    all_routes = routes(run) if all_routes is None else all_routes
    out = [*hub_story(run, all_routes),
           *(t for d in run.donors if (t := donor_sentence(run, d)))]
    needy = needs.needy_goods(run)
    if len(run.goods) <= MANY_GOODS:
        out += [good_sentence(run, g) for g in run.goods]
    else:
        out.append(f"Of the {count(len(run.goods), 'good')}, " + (
            f"only {listed([lower_first(run.good_name(g)) for g in needy])} had a need stated by "
            "some region; " if needy else "none had a need stated by any region; ")
            + "the key numbers give each, the section on the goods more.")
    if not needy:
        out.append("No region stated a need for any of the goods, so no share of need met "
                   "is reported.")
    return out


def what_went_wrong(found: list[Finding]) -> list[str]:
    if not found:
        return ["Nothing the run measures went wrong: no donor fell short at home, every "
                "pledge due shipped on time, nothing was stuck at a hub, and every good "
                "given reached the regions that needed it."]
    return [f"{k}. {f.sentence}" for k, f in enumerate(found, start=1)]


KEY_ROWS: tuple[tuple[str, str], ...] = (
    ("Made", "produced"), ("Bought or received by exchange", "received"),
    ("Released to the market (not requisitioned)", "released"),
    ("Domestic demand", "domestic_demand"), ("Domestic shortfall", "domestic_shortfall"),
    ("Donated (shipped)", "donated_total"), ("Delivered in the horizon", "delivered_total"),
    ("Unmet need of the regions", "unmet_need"), ("Donors' stock at the end", "final_stock"),
)


def _need_cells(run: RunData, good: str) -> tuple[str, str]:
    """(mean / lowest need met, Gini) among the regions that stated a need."""
    f = needs.fill(run, good)
    if f is None:
        return needs.NO_NEED, needs.NO_NEED
    return (f"{pct(f.mean)} / {pct(f.lowest[1] if f.lowest else None)}", index(f.gini, 3))


def _pledges(run: RunData, good: str) -> str:
    p = run.good_summary(good).get("pledges") or {}
    if _n(p.get("pledged")) <= 0:
        return "none"
    return (f"{mm(_n(p.get('pledged')))}: {mm(_n(p.get('on_time')))} / "
            f"{mm(_n(p.get('late')))} / {mm(_n(p.get('unmet')))}")


def _missing(run: RunData, good: str, all_routes: list[Route]) -> str:
    hub, way = not_arrived(run, good, all_routes)
    if hub < 0.5 and way < 0.5:
        return "0"
    return mm(way) + (f" / {mm(hub)}" if run.hubs else "")


def key_table(run: RunData, all_routes: list[Route]) -> paging.Table:
    """The key numbers: outcomes by good (a column per good for a few goods, a row per good
    for many), each in its good's unit; rows that are zero for every good left out."""
    goods = run.goods
    missing = ("Not arrived by the end: on the way / at or after a hub" if run.hubs
               else "Not arrived by the end (in transit)")
    if len(goods) <= MANY_GOODS:
        header = ["Outcome", *(run.good_name(g) for g in goods)]
        rows: list[list[str]] = [["Unit", *(run.unit(g) for g in goods)]] if len(
            goods) > 1 else []
        for label, key in KEY_ROWS:
            values = [_n(run.good_summary(g).get(key)) for g in goods]
            if key in ("donated_total", "delivered_total") or any(abs(v) >= 0.5 for v in values):
                unit = "" if len(goods) > 1 else f" ({run.unit(goods[0])})"
                rows.append([label + unit, *(mm(v) for v in values)])
        rows.append([missing, *(_missing(run, g, all_routes) for g in goods)])
        rows.append(["Pledged: on time / late / never", *(_pledges(run, g) for g in goods)])
        cells = [_need_cells(run, g) for g in goods]
        rows.append(["Regions' need met: mean / lowest", *(c[0] for c in cells)])
        rows.append(["Gini of fill rates (0 = equal)", *(c[1] for c in cells)])
        first = 0.36 if len(goods) > 1 else 0.5
        rest = (0.96 - first) / len(goods) if len(goods) > 1 else 0.3
        return paging.Table(header, rows, (first, *(rest,) * len(goods)), fontsize=7.5,
                            keep=True)
    return goods_table(run)


def blocks(run: RunData, all_routes: list[Route]) -> tuple[list[paging.Block],
                                                            list[paging.Block]]:
    """Page 1's blocks, and those that open the text pages instead (findings beyond the
    first few)."""
    s = run.summary
    found = findings(run)
    shown, rest = found[:PAGE1_FINDINGS], found[PAGE1_FINDINGS:]
    lede = (f"Policy brief. {count(len(run.donors), 'donor')}, "
            f"{count(len(run.goods), 'good')}, {count(len(run.region_ids), 'recipient region')}"
            + (f", {count(len(run.hubs), 'hub')}" if run.hubs else "")
            + f"; simulated {date_words(s['horizon']['start'])} to "
            f"{date_words(s['horizon']['end'])} ({len(run.dates)} days). Scenario "
            f"{run.name}.")
    page: list[paging.Block] = [
        paging.Text(opening(run), width=84, fontsize=11),
        paging.Text(lede, width=95, fontsize=9, style={"color": "#333333"}),
        paging.heading("What went wrong", 12),
        *(paging.Text(t, width=92, fontsize=10) for t in what_went_wrong(shown))]
    if rest:
        page.append(paging.Text(f"... and {count(len(rest), 'more finding')}, listed after "
                                "the figures.", width=92, fontsize=9, style={"color": "#333333"}))
    page += [paging.heading("Key numbers", 12), key_table(run, all_routes),
             paging.heading("More on what happened", 12),
             *(paging.Text(t, width=92, fontsize=10) for t in key_sentences(run, all_routes))]
    after: list[paging.Block] = []
    if rest:
        after = [paging.Section("What went wrong: the other findings"),
                 *(paging.Text(f"{k}. {f.sentence}", width=95, fontsize=9.5)
                   for k, f in enumerate(rest, start=len(shown) + 1))]
    return page, after
