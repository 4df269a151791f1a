"""The run's printout: short, from summary.json. A block per good (the good's name heads it
when there are several), a line per donor when there are several, a line per exchange and
hub, and the record beside the model."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sim.cli.text import quantity


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _index(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _gini(values: list[float]) -> float | None:
    """Gini of a few fill rates (``sim.results.metrics.gini``, without numpy)."""
    total = sum(values)
    if not values or total <= 0:
        return None
    pairs = sum(abs(a - b) for a in values for b in values)
    return pairs / (2 * len(values) * total)


def need_met(g: Mapping[str, Any], want: Collection[str] | None) -> str:
    """A good's need met among the regions that needed it (all of them when not said)."""
    fills = g["fill_rate_by_region"]
    if g["mean_fill_rate"] is None and g["gini_fill_rate"] is None:
        # null equity metrics: regions needed some and none arrived (sim.results.metrics)
        return "nothing was delivered, so fairness is undefined"
    if want is None or set(fills) <= set(want):
        worst = min(fills, key=lambda r: fills[r] if fills[r] is not None else 1.0)
        by_population = g.get("gini_fill_rate_population")
        return (f"mean {_pct(g['mean_fill_rate'])}, lowest {_pct(g['min_fill_rate'])} "
                f"({worst}), Gini {_index(g['gini_fill_rate'])}"
                + (f" (by population {_index(by_population)})" if by_population is not None
                   else ""))
    if not want:
        return "no need stated (no region needed it)"
    rates = {r: v for r, v in fills.items() if r in want and v is not None}
    if not rates:
        return "nothing was delivered, so fairness is undefined"
    worst = min(rates, key=lambda r: rates[r])
    mean = sum(rates.values()) / len(rates)
    return (f"mean {_pct(mean)}, lowest {_pct(rates[worst])} ({worst}), Gini "
            f"{_index(_gini(list(rates.values())))}, over the {len(want)} of {len(fills)} "
            "regions that needed it")


def _good_block(g: Mapping[str, Any], want: Collection[str] | None, indent: str) -> list[str]:
    unit, p = g["unit"], g["pledges"]
    released = (f" ({quantity(g['released'])} released: not requisitioned)"
                if g.get("released") else "")
    received = f"; received {quantity(g['received'])}" if g.get("received") else ""
    lines = [
        f"{indent}produced          {quantity(g['produced'])} {unit}{released}{received}",
        f"{indent}domestic demand   {quantity(g['domestic_demand'])}; shortfall "
        f"{quantity(g['domestic_shortfall'])}",
        f"{indent}donated           {quantity(g['donated_total'])} (delivered "
        f"{quantity(g['delivered_total'])}, in transit {quantity(g['in_transit_end'])})",
        f"{indent}pledges           {quantity(p['pledged'])}: on time "
        f"{quantity(p['on_time'])}, late {quantity(p['late'])}, unmet {quantity(p['unmet'])}",
        f"{indent}need met          {need_met(g, want)}",
        f"{indent}unmet need        {quantity(g['unmet_need'])} {unit}",
        f"{indent}final stock       {quantity(g['final_stock'])} {unit}",
        f"{indent}{'region':<24}{'donated':>12}{'fill rate':>11}  first delivery",
    ]
    fills = g["fill_rate_by_region"]
    for rid, donated in g["donated_by_region"].items():
        first = g["first_delivery_day_by_region"][rid] or "-"
        fill = "no need" if want is not None and rid not in want else _pct(fills[rid])
        lines.append(f"{indent}{rid:<24}{quantity(donated):>12}{fill:>11}  {first}")
    return lines


def format_summary(s: Mapping[str, Any], seconds: float,
                   needed: Mapping[str, Collection[str]] | None = None) -> str:
    """The printout of a run's summary. ``needed`` (good id -> the regions that needed some
    of it) says "no need" where a region needed none of a good, instead of summary.json's
    fill rate 1 (every region needed every good when it is not given)."""
    prov, goods, donors = s["provenance"], s["goods"], s["donors"]
    coordination = f", coordination {s['coordination']}" if len(donors) > 1 else ""
    lines = [f"{s['name']}: {s['horizon']['start']} to {s['horizon']['end']}  (engine "
             f"{prov['engine']}, backend {prov['backend']}, seed {prov['seed']}"
             f"{coordination}, {seconds:.2f} s)"]
    several = len(goods) > 1
    for gid, g in goods.items():
        want = None if needed is None else needed.get(gid)
        if several:
            lines.append(f"  {g['name']} ({g['unit']})")
        lines += _good_block(g, want, "    " if several else "  ")
    units = {gid: g["unit"] for gid, g in goods.items()}
    if len(donors) > 1:
        lines.append("  donors (donated)")
        for d in donors.values():
            gave = ", ".join(f"{quantity(v['donated_total'])} {units[gid]}"
                             for gid, v in d["goods"].items())
            lines.append(f"    {d['name']}: {gave}")
    exchanges = [(d["name"], x) for d in donors.values() for x in d["exchanges"]]
    if exchanges:
        lines.append("  exchanges")
    for name, x in exchanges:
        lines.append(f"    {name} -> {x['partner']}: sent {quantity(x['sent'])} "
                     f"{units[x['sent_good']]}, received {quantity(x['received'])} "
                     f"{units[x['received_good']]}")
    return "\n".join(lines + _hubs(s) + _observations(s))


def _hubs(s: Mapping[str, Any]) -> list[str]:
    """A line per hub: what it handled, the mean wait, the longest queue (in its unit)."""
    hubs = s.get("hubs") or {}
    lines = ["  hubs (handled; mean wait; longest queue)"] if hubs else []
    for hid, h in hubs.items():
        unit = h["throughput_unit"]
        wait = ("nothing handled" if h["mean_wait_days"] is None
                else f"waited {h['mean_wait_days']:.1f} days on average")
        queue = ("never a queue" if not h["max_queue_date"] else
                 f"longest queue {quantity(h['max_queue'])} {unit} on {h['max_queue_date']} "
                 f"({h['days_with_queue']} days with a queue)")
        lines.append(f"    {hid:<22}{quantity(h['handled'])} {unit}; {wait}; {queue}")
    return lines


def _observations(s: Mapping[str, Any]) -> list[str]:
    """The record-vs-model table. With several goods a column says which good each row
    counts (in that good's unit)."""
    obs = s.get("observations") or []
    if not obs:
        return []
    by_good = len(s["goods"]) > 1

    def of(o: Mapping[str, Any]) -> str:  # the good, and the donor when one is named
        return str(o.get("good") or "-") + (f" ({o['donor']})" if o.get("donor") else "")

    wide = max(len(o["series"]) for o in obs) + 2
    good = max(len(of(o)) for o in obs) + 2 if by_good else 0
    record = max(len(_record(o)) for o in obs) + 2
    model = max(len(quantity(o["model"])) for o in obs) + 2
    lines = [f"  record vs model   {len(obs)} observations; error = model - record, "
             "0 inside a range" + ("; in the unit of each good" if by_good else ""),
             f"    {'date':<12}{'series':<{wide}}" + (f"{'good':<{good}}" if by_good else "")
             + f"{'record':>{record}}{'model':>{model}}  error"]
    for o in obs:
        err, rel = o["error"], o["relative_error"]
        err_text = "n/a" if err is None else ("+" if err > 0 else "") + quantity(err) + (
            f" ({100 * rel:+.{1 if abs(rel) < 0.01 else 0}f} %)" if rel is not None and err != 0
            else "")
        lines.append(f"    {o['date']:<12}{o['series']:<{wide}}"
                     + (f"{of(o):<{good}}" if by_good else "")
                     + f"{_record(o):>{record}}{quantity(o['model']):>{model}}  {err_text}, "
                       f"{o['kind']}")
    return lines


def _record(o: Mapping[str, Any]) -> str:
    return (f"{quantity(o['range'][0])}-{quantity(o['range'][1])}" if o.get("range")
            else quantity(o["value"]))
