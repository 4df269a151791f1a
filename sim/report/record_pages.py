"""The brief's section "The record beside the model": the record's dated figures grouped by
the series they speak of, under human names, each beside the model's value on its date; in
words, how close the model comes, which statements the record itself flags as conflicting
(the scenario's observation notes), and what the model would need to meet the stock
statements (sim.report.outflow), stated as an assumption."""

from __future__ import annotations

from typing import Any

from sim.report import paging
from sim.report.outflow import Outflow, outflows
from sim.report.sources import cited
from sim.report.words import day_month, listed, mm, pct, signed_pct, words
from sim.results.reader import RunData

CLOSE = 0.1  # within 10 % of the record (or inside its range) counts as close

NAMES = {
    "donor.capacity": "Capacity as scheduled ({unit} a day)",
    "donor.production": "Production ({unit} a day)",
    "donor.production.cumulative": "Produced to date ({unit})",
    "domestic.sold_per_day": "Ration sales ({unit} a day)",
    "domestic.sold.cumulative": "Ration sales to date ({unit})",
    "domestic.held": "Held by domestic uses at the end of the day ({unit})",
    "donor.released": "Released to the market, not requisitioned ({unit} a day)",
    "domestic.served_per_day": "Domestic use served ({unit} a day)",
    "domestic.demand_per_day": "Domestic demand ({unit} a day)",
    "donor.stock": "Stock at the end of the day ({unit})",
    "donated.cumulative": "Donated to date, all regions ({unit})",
    "delivered.cumulative": "Delivered to date, all regions ({unit})",
}


def series_name(run: RunData, o: dict[str, Any]) -> str:
    """What a reader calls an observation's series, with its good and donor when the run
    has several."""
    good = str(o.get("good") or run.goods[0])
    unit = run.unit(good)
    series = str(o["series"])
    if series in NAMES:
        name = NAMES[series].format(unit=unit)
    elif series.startswith("donor.stock."):  # a stock series the scenario defines
        name = (f"Stock counted as {series.removeprefix('donor.stock.').replace('_', ' ')}: "
                f"the donor's and what domestic uses counted in it hold ({unit})")
    else:  # regions.<id>.delivered.cumulative / regions.<id>.shipped.cumulative
        head = series.removeprefix("regions.").removesuffix(".cumulative")
        region, _, what = head.rpartition(".")
        name = f"{what.capitalize()} to {run.region_name(region)} to date ({unit})"
    who = [run.good_name(good)] if len(run.goods) > 1 else []
    if o.get("donor"):
        who.append(run.donor_name(str(o["donor"])))
    return name + (f": {', '.join(who)}" if who else "")


def _when(o: dict[str, Any]) -> str:
    """The day a figure is for, or its period ("9 March to 15 March": an average or the
    change over it)."""
    if o.get("from_date"):
        return f"{day_month(str(o['from_date']))} to {day_month(str(o['date']))}"
    return day_month(str(o["date"]))


def _record(o: dict[str, Any]) -> str:
    if o.get("range") is not None:
        return f"{mm(o['range'][0])} to {mm(o['range'][1])}"
    return mm(o["value"])


def _error(o: dict[str, Any]) -> str:
    if o["error"] is None:
        return "n/a"
    if o["error"] == 0:
        return "inside" if o.get("range") is not None else "0"
    r = o["relative_error"]
    rel = "" if r is None else f" ({signed_pct(r)})"
    return f"{'+' if o['error'] > 0 else '-'}{mm(abs(o['error']))}{rel}"


def _close(o: dict[str, Any]) -> bool:
    r = o.get("relative_error")
    return o.get("error") == 0 or (r is not None and abs(r) <= CLOSE)


def _summary(group: list[dict[str, Any]]) -> str:
    """How close the model comes to one series' statements, in a sentence."""
    close = sum(1 for o in group if _close(o))
    above = [o for o in group if (o.get("error") or 0) > 0 and not _close(o)]
    below = [o for o in group if (o.get("error") or 0) < 0 and not _close(o)]
    out = f"{close} of {len(group)} inside the record's range or within 10 % of its value"
    for side, items in (("above", above), ("below", below)):
        rel = [abs(o["relative_error"]) for o in items if o.get("relative_error") is not None]
        if items:
            out += (f"; {len(items)} {side} it" + (f" (by up to {100 * max(rel):.0f} %)"
                                                   if rel else ""))
    return out + "."


def _conflicts(group: list[dict[str, Any]]) -> list[str]:
    """The statements the scenario's notes flag as conflicting in the record."""
    return [f"{day_month(o['date'])} ({_record(o)}): {o['note']}" for o in group
            if "conflict" in str(o.get("note") or "").lower()]


def _away() -> str:
    return f"more than {100 * CLOSE:.0f} % outside the record's range"


def outflow_text(run: RunData, f: Outflow) -> str:
    """What the model would need to meet the stock statements, in words."""
    unit = run.unit(f.good)
    missed = [s for s in f.statements if not s.close(CLOSE)]
    who = (f"{run.donor_name(f.donor)}'s " if f.donor else "the ") + (
        f"stock of {unit}" if f.series == "donor.stock" else
        f"stock of {unit} counted as {f.series.removeprefix('donor.stock.').replace('_', ' ')}")
    if not missed:  # nothing to explain
        return ""
    if f.gives_surplus:
        return (f"The model is {_away()} in {len(missed)} of "
                f"{len(f.statements)} statements of {who}; the donor gives all it holds above "
                "its reserve, so its stock is its reserve and no outflow would move it (it "
                "would cut the gifts instead).")
    held = ", ".join(f"{mm(s.model)} on {day_month(s.date)}" for s in missed[:4])
    out = (f"The model is {_away()} in {len(missed)} of "
           f"{len(f.statements)} statements of {who} (it holds {held}"
           f"{' ...' if len(missed) > 4 else ''}). ")
    if not f.met or f.rate == 0:
        return out + ("No steady outflow from the stock that the model's stock could cover "
                      "brings more of them inside.")
    start = str(run.dates[f.start])
    rest = [s for s in f.statements if s not in f.met]
    share = ("" if f.share_of_production is None else
             f", {pct(f.share_of_production)} of what the model produced a day over that time")
    flow = (f"{words(f.rate)} {unit} a day more had left the stock" if f.rate > 0 else
            f"{words(-f.rate)} {unit} a day more had come into the stock")
    out += (f"ASSUMPTION, not in the scenario: if {flow} from {day_month(start)}, for uses "
            f"{'or sources ' if f.rate < 0 else ''}the scenario does not model, and nothing "
            f"else had changed, {len(f.met)} of the {len(f.statements)} statements would hold "
            f"({listed([day_month(s.date) for s in f.met])}){share}.")
    if rest:
        out += (f" It would still miss {listed([day_month(s.date) for s in rest])}, so no "
                "steady outflow fits every statement.")
    return out + (" The fit uses the stock statements only; the other series' statements "
                  "(production, domestic use and sales, donations) are held out, and the "
                  "outflow leaves them as the tables show: judge it against them.")


def blocks(run: RunData) -> list[paging.Block]:
    """The section, or nothing when the scenario gives no observations."""
    obs = list(run.summary.get("observations") or [])
    if not obs:
        return []
    close = sum(1 for o in obs if _close(o))
    out: list[paging.Block] = [
        paging.Section("The record beside the model"),
        paging.Text(f"Each dated figure of the record the scenario cites, beside the model's "
                    f"value on that day, grouped by the series it speaks of. {close} of "
                    f"{len(obs)} are inside the record's range or within 10 % of its value. "
                    "Error = model - record: for a range, 0 (inside) when the model is in it, "
                    "else the distance to the nearest end; in brackets, relative to the "
                    "record. Kind: documented (on record), estimate (a forecast, target or "
                    "capacity claim), pledged (announced, delivery not confirmed). Stock is "
                    "at the end of the day; 'to date' counts from the start of the horizon. "
                    "A figure about a period is the model's average over it (or, for a 'to date' "
                    "series, its change over it)." + _refs(obs), width=100,
                    fontsize=9, style={"color": "#222222"})]
    groups: dict[str, list[dict[str, Any]]] = {}
    for o in obs:
        groups.setdefault(series_name(run, o), []).append(o)
    stocks = {(f.series, f.good, f.donor): f for f in outflows(run)}
    for name, group in groups.items():
        rows = [(_when(o), _record(o), o["kind"],
                 "n/a" if o["model"] is None else mm(o["model"]), _error(o),
                 o["source"] + (f" Note: {o['note']}." if o.get("note") else ""))
                for o in group]
        out += [paging.heading(name, 10),
                paging.Text(_summary(group), width=100, fontsize=9),
                paging.Table(("Date", "Record", "Kind", "Model", "Error", "Source"), rows,
                             (0.1, 0.13, 0.1, 0.08, 0.14, 0.45), fontsize=6.5)]
        flagged = _conflicts(group)
        if flagged:
            out.append(paging.Text("The record disagrees with itself here (the scenario's "
                                   "notes): " + "; ".join(flagged) + ".", width=100,
                                   fontsize=9))
        if str(group[0]["series"]).startswith("donor.stock"):
            donor = group[0].get("donor")
            key = (str(group[0]["series"]), str(group[0].get("good") or run.goods[0]),
                   None if donor is None else _donor_id(run, str(donor)))
            said = outflow_text(run, stocks[key]) if key in stocks else ""
            if said:
                out.append(paging.Text(said, width=100, fontsize=9))
    return out


def _refs(obs: list[dict[str, Any]]) -> str:
    """Where the sources' references are explained, with one this section cites."""
    refs = cited([f"{o.get('source', '')} {o.get('note') or ''}" for o in obs])
    return (f" The record's references ([{refs[0]}] ...) are listed under Sources at the end."
            if refs else "")


def _donor_id(run: RunData, donor: str) -> str:
    return next((d for d in run.donors if donor in (d, run.donor_name(d))), donor)

