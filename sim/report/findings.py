"""What a minister must not miss in a run, each as one sentence, ranked: page 1 of the brief
and the key facts of ``masksim explore`` are written from these.

Ranked from the gravest: a domestic shortfall (the donor's own people short), pledges never
shipped, pledges shipped late, goods still queued at a hub at the end (and the longest wait),
goods donated that reached no region, regions that needed a good and got none of it. Every
number is read from the run's summary; nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from sim.report.needs import needs_of
from sim.report.routes import rounds, routes
from sim.report.words import amount_of, day_month, listed, lower_first, words
from sim.results.reader import RunData


class Kind(IntEnum):
    """What a finding is about; the order is the ranking (lower: graver)."""

    DOMESTIC_SHORTFALL = 0
    PLEDGES_UNMET = 1
    PLEDGES_LATE = 2
    HUB_BACKLOG = 3
    GOOD_REACHED_NO_ONE = 4
    REGION_UNSERVED = 5


@dataclass(frozen=True)
class Finding:
    kind: Kind
    sentence: str
    good: str | None = None  # the good it counts, in that good's unit
    amount: float | None = None


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


# Less than half a unit is rounding left by the sums, not a finding (it would read "0 kits").
SOME = 0.5


def _amount(run: RunData, x: float, good: str) -> str:
    return amount_of(x, run.unit(good), run.good_name(good))


def _last(run: RunData, mine: list[Any]) -> str:
    """Who the largest round reached last, and after how long."""
    if not mine:
        return ""
    big = max(mine, key=lambda r: len(r.legs))
    last, days = big.last_reached()
    if not last or days is None or len(big.legs) < 2:
        return ""
    return (f"; from the largest round ({day_month(str(big.landed))}), "
            f"{listed([run.region_name(r) for r in last], 3)} got their first goods last, "
            f"{days} days after the landing")


def findings(run: RunData) -> list[Finding]:
    """The run's findings, gravest first (within a kind, the largest first)."""
    out: list[Finding] = []
    for good in run.goods:
        g = run.good_summary(good)
        short = _n(g.get("domestic_shortfall"))
        if short >= SOME:
            givers = [run.donor_name(d) for d, _ in run.channels_of(good)
                      if _n(run.donor_summary(d)["goods"].get(good, {})
                            .get("domestic_shortfall")) >= SOME]
            out.append(Finding(Kind.DOMESTIC_SHORTFALL, (
                f"{' and '.join(givers) or 'A donor'} fell short at home by "
                f"{_amount(run, short, good)}: its own people's demand was not met in "
                "full."), good, short))
        p: Mapping[str, Any] = g.get("pledges") or {}
        unmet, late = _n(p.get("unmet")), _n(p.get("late"))
        if unmet >= SOME:
            out.append(Finding(Kind.PLEDGES_UNMET, (
                f"{_amount(run, unmet, good)} pledged were never shipped (of "
                f"{words(_n(p.get('pledged')))} {run.unit(good)} pledged)."),
                good, unmet))
        if late >= SOME:
            out.append(Finding(Kind.PLEDGES_LATE, (
                f"{_amount(run, late, good)} pledged shipped late."), good, late))
        donated = _n(g.get("donated_total"))
        delivered = _n(g.get("delivered_total"))
        if donated >= SOME and delivered < SOME:
            out.append(Finding(Kind.GOOD_REACHED_NO_ONE, (
                f"{_amount(run, donated, good)} were donated but none reached a region "
                "within the horizon."), good, donated))
        want = needs_of(run, good)
        zero = [r for r, v in (g.get("delivered_by_region") or {}).items()
                if r in want and _n(v) < SOME]
        if zero and delivered >= SOME:
            names = ", ".join(run.region_name(r) for r in zero[:5])
            more = f" and {len(zero) - 5} more" if len(zero) > 5 else ""
            out.append(Finding(Kind.REGION_UNSERVED, (
                f"{len(zero)} region{'s' if len(zero) > 1 else ''} that needed "
                f"{lower_first(run.good_name(good))} got none: {names}{more}."), good,
                float(len(zero))))
    found = rounds(run, routes(run)) if run.hubs else []
    for hub in run.hubs:
        h = run.hub_summary(hub)
        queue = run.hubs[hub]["queue"]
        left = float(queue[-1]) if len(queue) else 0.0
        if left > 0 or h.get("max_queue_date"):
            wait = h.get("mean_wait_days")
            wait_text = f"; goods waited {wait:.1f} days there on average" if wait else ""
            end = (f", and {words(left)} {run.hub_unit(hub)} were still queued at the end"
                   if left > 0 else "")
            out.append(Finding(Kind.HUB_BACKLOG, (
                f"The queue at {run.hub_name(hub)} peaked at {words(_n(h.get('max_queue')))} "
                f"{run.hub_unit(hub)} on {day_month(str(h.get('max_queue_date')))}{end}"
                f"{wait_text}{_last(run, [r for r in found if r.hub == hub])}."), None, left))
    return sorted(out, key=lambda f: (f.kind, -_n(f.amount)))
