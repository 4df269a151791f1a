"""The brief's section "Main assumptions": what the scenario set, in words (the resolved
scenario.toml). Each donor's supply of each good, its budget, shipments and route; each hub
with its throughput and onward legs; the allocation rule; the pledges and exchanges. The
regions' needs and routes are in the regions' table (sim.report.sections). A field this page
does not know is still listed, as its name and value, so that nothing set goes unsaid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from sim.report import paging
from sim.report.sections import lead_words, need_words
from sim.report.words import count, lower_first, mm
from sim.results.reader import RunData
from sim.scenario.donors import Supply

KNOWN = {"good", "initial_stock", "capacity", "availability", "procurement", "outages",
         "requisition", "domestic", "domestic_need", "reserve"}


def schedule_words(points: list[Mapping[str, Any]], unit: str) -> str:
    if not points:
        return "none"
    first, last = points[0], points[-1]
    if len(points) == 1:
        return f"{mm(first['value'])} {unit} from {first['date']}"
    return (f"{mm(first['value'])} {unit} ({first['date']}) to {mm(last['value'])} {unit} "
            f"({last['date']}), {len(points)} dates")


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value) if value else "none"
    if isinstance(value, float):
        return mm(value) if abs(value) >= 1000 else f"{value:g}"
    return str(value)


def supply_words(run: RunData, supply: Mapping[str, Any], donor: Mapping[str, Any]) -> str:
    """One donor's supply of one good in words."""
    unit = run.unit(str(supply.get("good")))
    stock = float(supply.get("initial_stock", 0))
    parts = [f"initial stock {mm(stock)}"] if stock > 0 else []
    cap = supply.get("capacity")
    if cap:
        parts.append(f"capacity {schedule_words(cap.get('points', []), 'a day')}, "
                     f"{cap.get('interpolation', 'step')}")
        available = float(supply.get("availability", 1.0))
        parts.append(f"availability {100 * available:g} % (made on an average day: capacity "
                     f"x {available:g})" if available < 1 else
                     "availability 100 % (the capacity figures are output)")
        out = supply.get("outages") or {}
        if out.get("daily_probability"):
            parts.append(f"outages {100 * out['daily_probability']:g} % a day, cutting "
                         f"{100 * out.get('severity', 0):g} % for "
                         f"{out.get('mean_duration_days', 1):g} days on average")
    if supply.get("procurement"):
        total = sum(float(p["amount"]) for p in supply["procurement"])
        parts.append(f"bought {mm(total)} {unit} on {count(len(supply['procurement']), 'date')}"
                     f" ({supply['procurement'][0]['date']} to "
                     f"{supply['procurement'][-1]['date']})")
    if supply.get("requisition"):
        parts.append("government takes " + "; ".join(
            f"{mm(float(q['amount']))} a day from {q['date']}" for q in supply["requisition"])
            + " (the rest is released to the market)")
    dom = supply.get("domestic")
    if dom:
        groups = "; ".join(
            f"{g['name']} ({mm(float(g['population']))}): " + ", ".join(
                f"{r['amount']:g} per {r['per_days']} d from {r['date']}" for r in g["rations"])
            for g in dom.get("groups", []))
        parts.append(f"rations: {groups}; uptake {100 * float(dom.get('uptake', 1)):g} %")
        if dom.get("uptake_profile"):
            parts.append("uptake by date, as a multiple of it: " + schedule_words(
                dom["uptake_profile"].get("points", []), "").replace(" M ", " ").replace(
                "  ", " "))
        if dom.get("ration_supply"):
            parts.append("ration outlets supplied " + "; ".join(
                (f"{mm(float(r['per_day']))} a day" if r.get("per_day") is not None
                 else "no cap") + f" from {r['date']}" for r in dom["ration_supply"]))
        if dom.get("set_aside"):
            parts.append("set aside for other domestic use "
                         + schedule_words(dom["set_aside"].get("points", []), "a day"))
        if dom.get("uses"):
            parts.append(f"{count(len(dom['uses']), 'other domestic use')}, each below")
        parts += [f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in dom.items()
                  if k not in ("groups", "uptake", "uptake_profile", "ration_supply",
                               "set_aside", "uses")]
    if supply.get("domestic_need"):
        parts.append(f"domestic need {need_words(supply['domestic_need'])}")
    reserve = supply.get("reserve") or donor.get("reserve") or {}
    if float(reserve.get("days", 0) or 0) > 0:
        parts.append(f"reserve {float(reserve['days']):g} days of domestic demand")
    parts += [f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in supply.items()
              if k not in KNOWN and v not in (None, [], {}) and not default_field(k, v)]
    return "; ".join(parts)


def default_field(key: str, value: Any) -> bool:
    """Whether a supply's field holds the model's default (then it says nothing)."""
    field = Supply.model_fields.get(key)
    if field is None or field.is_required():
        return False
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = default.model_dump(mode="json")
    return bool(default == value)


def use_words(use: Mapping[str, Any]) -> str:
    """One domestic use (medical institutions, schools...): its rate, one-off issues, stock
    target and the stock series that count what it holds."""
    parts = []
    if use.get("per_day"):
        parts.append("uses " + schedule_words(use["per_day"].get("points", []), "a day"))
    if use.get("allotments"):
        total = sum(float(a["amount"]) for a in use["allotments"])
        parts.append(f"issued {mm(total)} in {count(len(use['allotments']), 'allotment')} "
                     f"({use['allotments'][0]['date']} to {use['allotments'][-1]['date']})")
    for t in use.get("stock_target", []):
        of = f" of {mm(float(t['per_day']))} a day" if t.get("per_day") is not None else ""
        parts.append(f"keeps {float(t['days']):g} days{of} in stock from {t['date']}")
    if use.get("counts_in"):
        parts.append("what it holds counts in the stock series "
                     + ", ".join(str(c).replace("_", " ") for c in use["counts_in"]))
    if use.get("note"):
        parts.append(str(use["note"]))
    return "; ".join(parts) or "no rate, issue or stock"


def donor_rows(run: RunData) -> list[tuple[str, str]]:
    rows = []
    hubs = {str(h["id"]): str(h.get("name") or h["id"]) for h in run.scenario.get("hubs", [])}
    for d in run.scenario["donors"]:
        name = str(d.get("name") or d["id"])
        plain = []
        for s in d.get("supplies", []):
            if s.get("capacity") or s.get("domestic") or s.get("domestic_need"):
                good = lower_first(run.good_name(str(s.get("good"))))
                rows.append((f"{name}: {good}", supply_words(run, s, d)))
                rows += [(f"{name}, {good}: {u.get('name') or u['id']}", use_words(u))
                         for u in (s.get("domestic") or {}).get("uses", [])]
            else:  # only held or bought: a clause each, in one row
                plain.append(f"{run.unit(str(s.get('good')))}: {supply_words(run, s, d)}")
        if plain:
            rows.append((f"{name}: goods held or bought", "; ".join(plain)))
        b, shp = d.get("budget", {}), d.get("shipments", {})
        budget = str(b.get("kind", "all_surplus")).replace("_", " ") + (
            f", share {b['share']:g}" if "share" in b else "") + (
            f", {mm(b['amount_per_week'])} a week" if "amount_per_week" in b else "")
        cargo = (f", cargo cap {mm(shp['cargo_cap'])} {d.get('cargo_cap_unit', 'units')} a "
                 "shipment" if shp.get("cargo_cap") is not None else "")
        via = d.get("via") or {}
        route = ("" if not via else f"; every region through {hubs.get(via, via)}"
                 if isinstance(via, str) else
                 f"; {count(len(via), 'region')} through a hub")
        legs = d.get("lead_times") or {}
        leg = ("; " + ", ".join(f"{lead_words(v)} to {hubs.get(k, run.region_name(k))}"
                                for k, v in legs.items()) if legs else "")
        rule = f"; rule {d['rule']}" if d.get("rule") else ""
        rows.append((f"{name}: giving", f"budget {budget}; ships every "
                     f"{shp.get('cadence_days', 7)} days from the first "
                     f"{shp.get('weekday', 'wednesday')}{cargo}{route}{leg}{rule}"))
    return rows


def hub_rows(run: RunData) -> list[tuple[str, str]]:
    rows = []
    for h in run.scenario.get("hubs", []):
        onward = list((h.get("lead_times") or {}).values())
        legs = (f"{min(onward)}-{max(onward)} d onward to {count(len(onward), 'region')}"
                if onward and min(onward) != max(onward) else
                f"{onward[0]} d onward" if onward else "no onward legs given (0 d)")
        rows.append((f"Hub: {h.get('name') or h['id']}",
                     f"handles at most {mm(float(h['throughput_per_day']))} "
                     f"{h.get('throughput_unit', 'units')} a day, first come, first served; "
                     f"{h.get('handling_days', 0)} d handling; {legs}"))
    return rows


def blocks(run: RunData) -> list[paging.Block]:
    sc = run.scenario
    al = sc.get("allocation", {})
    goods = "; ".join(
        f"{g.get('name') or g['id']} ({g.get('unit', 'units')}"
        + (f", {g['mass_kg']:g} kg" if g.get("mass_kg") else "")
        + (f", shelf life {g['shelf_life_days']} d" if g.get("shelf_life_days") else "") + ")"
        for g in sc["goods"])
    pledged = "; ".join(
        f"{mm(float((run.good_summary(g).get('pledges') or {}).get('pledged') or 0))} "
        f"{run.unit(g)}" for g in run.goods
        if float((run.good_summary(g).get("pledges") or {}).get("pledged") or 0) > 0)
    rows = [("Horizon", f"{sc['horizon']['start']} to {sc['horizon']['end']} "
                        f"({len(run.dates)} days); seed {sc.get('seed', 0)}"),
            ("Goods", goods), *donor_rows(run), *hub_rows(run),
            ("Allocation", f"rule {al.get('rule', '?')}, shares by {al.get('shares', '?')}, "
                           f"planning {al.get('planning_horizon_days', '?')} days ahead, "
                           f"backend {al.get('backend', '?')}"
                           + (f"; coordination {sc.get('coordination')}"
                              if len(run.donors) > 1 else "")),
            ("Pledges", f"{count(len(sc.get('pledges', [])), 'pledge')}"
                        + (f", {pledged} due in the horizon" if pledged else "")),
            ("Regions", f"{count(len(run.region_ids), 'region')}: their needs and routes are "
                        "in the regions' table")]
    for x in sc.get("exchanges", []):
        send, back = x.get("send", {}), x.get("receive", {})
        amount = (f"{mm(send['amount_per_week'])} a week from {send.get('start')} to "
                  f"{send.get('end')}" if send.get("kind") == "standing" else
                  f"{mm(float(send.get('amount', 0)))} on {send.get('date')}")
        rows.append((f"Exchange: {run.donor_name(str(x.get('donor')))} and "
                     f"{run.region_name(str(x.get('partner')))}",
                     f"gives {run.unit(str(send.get('good')))} {amount}; receives "
                     f"{mm(float(back.get('amount', 0)))} {run.unit(str(back.get('good')))} "
                     f"after {back.get('lead_time_days', 0)} d"
                     + (f" ({x['note']})" if x.get("note") else "")))
    return [paging.Section("Main assumptions (from the scenario)"),
            paging.Table(("Assumption", "Value"), rows, (0.22, 0.78), fontsize=7.5)]
