"""The brief's text sections on outcomes: the goods, the regions (with each one's route) and
the donors, as blocks that flow over the pages (:mod:`sim.report.paging`). Quantities are in
each good's own unit; nothing is summed across goods."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sim.report import needs, paging
from sim.report.routes import Route, onward_days, rounds
from sim.report.words import count, day_month, index, listed, lower_first, mm, pct, words
from sim.results.reader import RunData

FEW_GOODS = 3  # up to this many goods: a column per good in the regions' table
MANY_GOODS = 4  # more goods than this: page 1's key numbers are the goods' table


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def lead_words(lead: dict[str, Any]) -> str:
    """A lead time as the scenario gives it: "3 d", "3-10 d (mode 5)"."""
    if lead.get("kind") == "triangular":
        return f"{lead['min']:g}-{lead['max']:g} d (mode {lead['mode']:g})"
    return f"{lead.get('days', 0)} d"


def need_words(need: dict[str, Any]) -> str:
    kind = need.get("kind")
    if kind == "constant":
        return f"{mm(need['per_day'])} a day"
    if kind == "schedule":
        points = need["schedule"]["points"]
        return (f"{mm(points[0]['value'])} to {mm(points[-1]['value'])} a day "
                f"({len(points)} dates)")
    return (f"{need.get('per_case', '?')} a day per active case "
            f"({', '.join(need.get('iso_codes', []))})")


def _hub_legs(run: RunData, region: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(donor name, hub id or None, the donor's lead to the hub or the region) per donor."""
    r: dict[str, Any] = next((x for x in run.scenario["regions"] if x["id"] == region), {})
    out = []
    for d in run.scenario["donors"]:
        via = d.get("via") or {}
        hub = via if isinstance(via, str) else via.get(region)
        leads = d.get("lead_times") or {}
        lead = (leads.get(hub, {"kind": "fixed", "days": 0}) if hub else
                leads.get(region, r.get("lead_time", {})))
        out.append((str(d.get("name") or d["id"]), hub or None, lead))
    return out


def common_leg(run: RunData) -> tuple[str, dict[str, Any]] | None:
    """The hub every donor reaches every region through, with the same leg to it: the
    regions' table then gives only the wait and the onward leg."""
    legs = {(hub, repr(lead)) for r in run.region_ids for _, hub, lead in _hub_legs(run, r)}
    if len(legs) != 1:
        return None
    hub, _ = next(iter(legs))
    if hub is None:
        return None
    return hub, _hub_legs(run, run.region_ids[0])[0][2]


def queue_days(run: RunData, all_routes: list[Route]) -> dict[tuple[str, str], list[int]]:
    """(hub, region) -> the days each round's first goods for the region waited in the
    hub's queue."""
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in rounds(run, all_routes):
        for region, leg in r.legs.items():
            out[(r.hub, region)].append(leg.left_first)
    return out


def route_words(run: RunData, region: str, waited: dict[tuple[str, str], list[int]],
                short: bool = False) -> str:
    """A region's lead time as its route: direct, or the leg to a hub, the wait in its queue
    (the days its first goods of each round waited in this run) and the onward leg; each
    donor's when they differ. ``short``: only the wait and the onward leg (every route
    shares the leg to one hub)."""
    each = donor_routes(run, region, waited, short)
    if len({t for _, t in each}) == 1:
        return each[0][1]
    return "; ".join(f"{name}: {t}" for name, t in each)


def donor_routes(run: RunData, region: str, waited: dict[tuple[str, str], list[int]],
                 short: bool = False) -> list[tuple[str, str]]:
    """(donor name, its route to ``region`` in words) for each donor (``route_words``)."""
    names = {str(h["id"]): str(h.get("name") or h["id"]) for h in run.scenario.get("hubs", [])}
    each: list[tuple[str, str]] = []
    for donor, hub, lead in _hub_legs(run, region):
        if hub:
            seen = waited.get((hub, region), [])
            wait = (f"{min(seen)}-{max(seen)} d" if seen and min(seen) != max(seen) else
                    f"{seen[0]} d" if seen else "no wait seen")
            onward = f"{onward_days(run, hub, region)} d onward"
            text = (f"{wait} + {onward_days(run, hub, region)} d" if short else
                    f"{lead_words(lead)} to {names.get(hub, hub)} + {wait} in its queue + "
                    f"{onward}")
        else:
            text = lead_words(lead)
        each.append((donor, text))
    return each


def good_sentence(run: RunData, good: str) -> str:
    """One good in plain words: what arrived where, how much need was met (among the
    regions that stated a need for it)."""
    s, unit = run.good_summary(good), run.unit(good)
    reached = sum(1 for v in (s.get("delivered_by_region") or {}).values() if _n(v) > 0)
    out = (f"{run.good_name(good)}: {words(_n(s.get('donated_total')))} {unit} donated, "
           f"{words(_n(s.get('delivered_total')))} arrived in {reached} of "
           f"{count(len(run.region_ids), 'region')}")
    f = needs.fill(run, good)
    if f is None:
        return out + "; no region stated a need for it, so no share of need is reported."
    among = ("" if f.regions == len(run.region_ids) else
             f" of the {count(f.regions, 'region')} that stated a need")
    unmet = f"{words(_n(s.get('unmet_need')))} {unit}"
    if f.mean is None or f.lowest is None or f.highest is None:
        return out + (f"; none arrived{among}, so fairness is undefined, and {unmet} of "
                      "need went unmet.")
    (lo, lo_rate), (hi, hi_rate) = f.lowest, f.highest
    return out + (f". On average {pct(f.mean)} of the need{among} was met, from "
                  f"{pct(lo_rate)} ({run.region_name(lo)}) to {pct(hi_rate)} "
                  f"({run.region_name(hi)}); {unmet} went unmet (Gini {index(f.gini)}).")


def good_label(run: RunData, good: str) -> str:
    """A good's name with its unit, unless the name says it: "Face shields", "Gloves
    (pairs)"."""
    name, unit = run.good_name(good), run.unit(good)
    return name if unit.lower().rstrip("s") in name.lower() else f"{name} ({unit})"


def goods_table(run: RunData) -> paging.Table:
    """What each good did: a row per good, in its unit."""
    rows = []
    for g in run.goods:
        s = run.good_summary(g)
        f = needs.fill(run, g)
        p = s.get("pledges") or {}
        reached = sum(1 for v in (s.get("delivered_by_region") or {}).values() if _n(v) > 0)
        got = _n(s.get("produced")) + _n(s.get("received"))
        rows.append((good_label(run, g), mm(got),
                     mm(_n(s.get("donated_total"))), mm(_n(s.get("delivered_total"))),
                     f"{reached} of {len(run.region_ids)}",
                     "none" if _n(p.get("pledged")) <= 0 else
                     f"{mm(_n(p.get('on_time')))} / {mm(_n(p.get('late')))} / "
                     f"{mm(_n(p.get('unmet')))}",
                     needs.NO_NEED if f is None else
                     f"{pct(f.mean)} / {pct(f.lowest[1] if f.lowest else None)}",
                     "-" if f is None else mm(_n(s.get("unmet_need"))),
                     mm(_n(s.get("final_stock")))))
    return paging.Table(
        ("Good (unit)", "Made or bought", "Donated", "Delivered", "Regions reached",
         "Pledged: on time / late / never", "Need met: mean / lowest", "Unmet need",
         "Stock at the end"), rows, (0.2, 0.08, 0.08, 0.09, 0.09, 0.12, 0.14, 0.07, 0.08),
        fontsize=7, keep=True)


def goods_blocks(run: RunData) -> list[paging.Block]:
    """What each good did: the table (unless page 1 gave it: many goods), and the sentences
    page 1 had no room for."""
    if len(run.goods) <= MANY_GOODS:
        return [paging.Section("The goods"), goods_table(run)]
    needy = needs.needy_goods(run)
    out: list[paging.Block] = [paging.Section("The goods")]
    out += [paging.Text(good_sentence(run, g), width=100, fontsize=9) for g in needy]
    rest = [lower_first(run.good_name(g)) for g in run.goods if g not in needy]
    if rest:
        out.append(paging.Text(f"No region stated a need for {listed(rest, 8)}: no share of "
                               "need is reported for them. The key numbers give each good.",
                               width=100, fontsize=9))
    return out if len(out) > 1 else []


def regions_blocks(run: RunData, all_routes: list[Route]) -> list[paging.Block]:
    """A row per region: its route, what arrived when, and how much of its need was met
    (by good, for the goods it needed)."""
    common = common_leg(run)
    waited = queue_days(run, all_routes)
    order = list(run.region_ids)
    if len(order) > 14:  # many regions: by name, so that a reader finds one
        order.sort(key=run.region_name)
    firsts = {r: min((str(d) for g in run.goods if (d := (run.good_summary(g).get(
        "first_delivery_day_by_region") or {}).get(r))), default="")
        for r in run.region_ids}
    goods = run.goods
    one = len(goods) == 1
    if one:
        g = goods[0]
        s, want = run.good_summary(g), needs.needs_of(run, g)
        header: tuple[str, ...] = ("Region", "Population", "Need", "Route (lead time)",
                                   "Donated", "Delivered", "First arrival", "Need met",
                                   f"Unmet, {run.unit(g)}")
        widths: tuple[float, ...] = (0.15, 0.09, 0.13, 0.2, 0.08, 0.08, 0.1, 0.08, 0.09)
        rows: list[tuple[str, ...]] = []
        for r in order:
            entry = next(x for x in run.scenario["regions"] if x["id"] == r)
            need = (entry.get("needs") or {}).get(g)
            rows.append((run.region_name(r), mm(_n(entry.get("population"))),
                         need_words(need) if need else needs.NO_NEED,
                         route_words(run, r, waited, common is not None),
                         mm(_n((s.get("donated_by_region") or {}).get(r))),
                         mm(_n((s.get("delivered_by_region") or {}).get(r))),
                         day_month(firsts[r]) if firsts[r] else "none",
                         pct((s.get("fill_rate_by_region") or {}).get(r)) if r in want
                         else "-",
                         mm(_n((s.get("unmet_need_by_region") or {}).get(r))) if r in want
                         else "-"))
    elif len(goods) <= FEW_GOODS:
        header = ("Region", "Route (lead time)", "First arrival",
                  *(f"{run.good_name(g)}: delivered ({run.unit(g)}); need met" for g in goods))
        rest = 0.6 / len(goods)
        widths = (0.16, 0.14, 0.1, *(rest,) * len(goods))
        rows = [(run.region_name(r), route_words(run, r, waited, common is not None),
                 day_month(firsts[r]) if firsts[r] else "none",
                 *(_cell(run, g, r) for g in goods)) for r in order]
    else:
        needy = needs.needy_goods(run)
        header = ("Region", "Route: days in the queue + onward" if common else
                  "Route (lead time)",
                  "First arrival", "Goods", "Need met, by good",
                  "Unmet need, by good")
        widths = ((0.19, 0.14, 0.08, 0.07, 0.22, 0.26) if common else
                  (0.16, 0.3, 0.08, 0.07, 0.17, 0.18))
        rows = []
        for r in order:
            got = sum(1 for g in goods if _n((run.good_summary(g).get("delivered_by_region")
                                              or {}).get(r)) > 0)
            wanted = [g for g in needy if r in needs.needs_of(run, g)]
            rows.append((run.region_name(r), route_words(run, r, waited, common is not None),
                         day_month(firsts[r]) if firsts[r] else "none",
                         f"{got} of {len(goods)}",
                         "; ".join(f"{run.unit(g)} {_whole(_rate(run, g, r))}" for g in wanted)
                         or needs.NO_NEED,
                         "; ".join(f"{mm(_n((run.good_summary(g).get('unmet_need_by_region') or {}).get(r)))} {run.unit(g)}"  # noqa: E501
                                   for g in wanted) or "-"))
    if common is not None:
        hub, lead = common
        intro = (f"Every route runs through {_hub_name(run, hub)}: {lead_words(lead)} to it, "
                 "then its queue (the days each region's first goods of a round waited there) and "
                 "the onward leg, the route column's two figures. ")
    else:
        intro = ("A region's route is its lead time: direct, or the leg to a hub, the wait "
                 "in the hub's queue (as long as it was in this run) and the onward leg. ")
    intro += "Need met is over the horizon, for the goods the region stated a need for."
    out: list[paging.Block] = [paging.Section("The regions"),
                               paging.Text(intro, width=100, fontsize=9)]
    by_donor = {r: donor_routes(run, r, waited) for r in order}
    if any(len({t for _, t in v}) > 1 for v in by_donor.values()) and len(run.donors) <= 4:
        # The donors' routes differ: a table of them, and none in the outcomes' table.
        k = list(header).index("Route (lead time)")
        spare = widths[k]
        widths = tuple(w + (spare if i == 0 else 0.0) for i, w in enumerate(widths) if i != k)
        header = tuple(h for i, h in enumerate(header) if i != k)
        rows = [tuple(c for i, c in enumerate(row) if i != k) for row in rows]
        share = 0.78 / len(run.donors)
        out += [paging.heading("Routes (lead times), by donor", 10),
                paging.Table(("Region", *(run.donor_name(d) for d in run.donors)),
                             [(run.region_name(r), *(t for _, t in by_donor[r]))
                              for r in order], (0.18, *(share,) * len(run.donors)),
                             fontsize=6.5),
                paging.heading("What arrived, and the need met", 10)]
    return [*out, paging.Table(header, rows, widths, fontsize=6.5)]


def _hub_name(run: RunData, hub: str) -> str:
    return next((str(h.get("name") or h["id"]) for h in run.scenario.get("hubs", [])
                 if h["id"] == hub), hub)


def _whole(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


def _rate(run: RunData, good: str, region: str) -> float | None:
    v = (run.good_summary(good).get("fill_rate_by_region") or {}).get(region)
    return None if v is None else float(v)


def _cell(run: RunData, good: str, region: str) -> str:
    s = run.good_summary(good)
    got = mm(_n((s.get("delivered_by_region") or {}).get(region)))
    if region not in needs.needs_of(run, good):
        return f"{got}; no need stated"
    return f"{got}; {pct(_rate(run, good, region))}"


def donors_blocks(run: RunData) -> list[paging.Block]:
    """A table per donor: each good it supplied, what it gave, and its exchanges (nothing
    for a run of one donor without exchanges: the goods' table says it all)."""
    if len(run.donors) == 1 and not run.scenario.get("exchanges"):
        return []
    out: list[paging.Block] = [
        paging.Section("The donors"),
        paging.Text("Amounts in each good's own unit. Made: produced; bought or received: "
                    "procured, or received in an exchange; donated: shipped to the regions "
                    "(an exchange's send counts as donated).", width=100, fontsize=9,
                    style={"color": "#222222"})]
    for d in run.donors:
        e = run.donor_summary(d)
        rows = []
        for good, g in (e.get("goods") or {}).items():
            p = g.get("pledges") or {}
            rows.append((f"{run.good_name(good)} ({run.unit(good)})", mm(_n(g.get("produced"))),
                         mm(_n(g.get("received"))), mm(_n(g.get("domestic_shortfall"))),
                         mm(_n(g.get("donated_total"))), mm(_n(g.get("delivered_total"))),
                         f"{mm(_n(p.get('pledged')))}: {mm(_n(p.get('on_time')))} / "
                         f"{mm(_n(p.get('late')))} / {mm(_n(p.get('unmet')))}",
                         mm(_n(g.get("final_stock")))))
        out += [paging.heading(run.donor_name(d), 10), paging.Table(
            ("Good", "Made", "Bought or received", "Domestic shortfall", "Donated",
             "Delivered", "Pledged: on time / late / never", "Stock at end"),
            rows or [("none",) + ("",) * 7], (0.22, 0.09, 0.1, 0.1, 0.1, 0.1, 0.19, 0.1),
            fontsize=7)]
        swaps = [(run.region_name(str(x.get("partner"))),
                  f"{mm(_n(x.get('sent')))} {run.unit(str(x.get('sent_good')))}",
                  f"{mm(_n(x.get('received')))} {run.unit(str(x.get('received_good')))}")
                 for x in e.get("exchanges", [])]
        if swaps:
            out.append(paging.Table(("Exchange with", "Gave", "Received in return"), swaps,
                                    (0.3, 0.3, 0.3), fontsize=7))
    if len(run.donors) > 1:
        out.insert(2, paging.Text(f"{count(len(run.donors), 'donor')}; coordination: "
                                  f"{run.summary.get('coordination', 'independent')}.",
                                  width=100, fontsize=9))
    return out
