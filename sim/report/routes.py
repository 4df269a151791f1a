"""Each consignment's whole route, read back from a run's tables: the leg to the region (or
to a hub), the wait in the hub's queue, the onward leg; and what the routes say about the
hubs' rounds and the regions that waited longest.

shipments.csv gives a routed shipment's landing at the hub, and regions.parquet what each
region received of each good, day by day. A hub handles what lands first come, first served
and each consignment arrives ``handling_days`` plus the hub's onward days after it leaves
(sim.engine.hubs), so for one good and region the arrivals through a hub, taken in order,
belong to its consignments in the order they landed (then in channel order, as the queue
has them): a consignment handled over several days arrives over several days. Where a good
reaches a region through several hubs the consignments are matched in the order of their
earliest possible arrival, which may mix up consignments of different hubs on the same day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.results.reader import RunData

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Route:
    """One shipment from ship date to arrival. Days are dates (datetime64[D]); ``landed``,
    ``left_first`` and ``left_last`` are None for a direct shipment (and the latter two
    while nothing of it has left the hub); ``arrived_first``/``arrived_last`` are None while
    nothing has arrived in the horizon."""

    donor: str
    good: str
    region: str
    via: str  # hub id, "" when direct
    amount: float
    pledged: bool  # mostly for a pledge (or an exchange)
    shipped: np.datetime64
    landed: np.datetime64 | None
    left_first: np.datetime64 | None
    left_last: np.datetime64 | None
    arrived_first: np.datetime64 | None
    arrived_last: np.datetime64 | None
    arrived: float  # what of it arrived in the horizon

    @property
    def wait_days(self) -> tuple[int, int] | None:
        """(first, last) days between landing at the hub and leaving it (None: direct, or
        nothing left yet)."""
        if self.landed is None or self.left_first is None or self.left_last is None:
            return None
        return (int((self.left_first - self.landed) / DAY),
                int((self.left_last - self.landed) / DAY))


def hub_entry(run: RunData, hub: str) -> dict[str, Any]:
    return next((dict(h) for h in run.scenario.get("hubs", []) if h.get("id") == hub), {})


def onward_days(run: RunData, hub: str, region: str) -> int:
    """Days from leaving the hub to arriving: its handling days and its onward leg."""
    h = hub_entry(run, hub)
    return int(h.get("handling_days", 0)) + int((h.get("lead_times") or {}).get(region, 0))


def vias(run: RunData) -> list[str]:
    """The hub each shipment went through ("" when direct; a run without hubs has no such
    column)."""
    sh = run.shipments
    return ([str(v) for v in sh["via"].tolist()] if "via" in sh
            else [""] * len(sh["amount"]))


def routes(run: RunData) -> list[Route]:
    """Every shipment's route, in shipments.csv's order."""
    sh = run.shipments
    n = len(sh["amount"])
    t0 = run.dates[0]
    via = vias(run)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    direct: dict[tuple[str, str], np.ndarray] = {}
    for j in range(n):
        key = (str(sh["good"][j]), str(sh["region"][j]))
        if via[j]:
            groups[key].append(j)
        elif bool(sh["arrived_in_horizon"][j]):
            t = int((sh["arrival_date"][j] - t0) / DAY)
            arr = direct.setdefault(key, np.zeros(len(run.dates)))
            arr[t] += float(sh["amount"][j])
    matched: dict[int, tuple[list[int], list[float]]] = {}
    index = {r: i for i, r in enumerate(run.region_ids)}
    for (good, region), members in groups.items():
        if good not in run.by_good or region not in index:
            continue
        got = run.regions_of(good)["arrived"][:, index[region]].copy()
        got -= direct.get((good, region), 0.0)
        matched.update(_match(run, members, got, via, region))
    out = []
    for j in range(n):
        amount = float(sh["amount"][j])
        pledged = bool(sh["pledged"][j] >= 0.5 * amount)
        common = dict(donor=str(sh["donor"][j]), good=str(sh["good"][j]),
                      region=str(sh["region"][j]), via=via[j], amount=amount, pledged=pledged,
                      shipped=sh["ship_date"][j])
        if not via[j]:
            arrived = bool(sh["arrived_in_horizon"][j])
            when = sh["arrival_date"][j]
            out.append(Route(**common, landed=None, left_first=None, left_last=None,
                             arrived_first=when, arrived_last=when,
                             arrived=amount if arrived else 0.0))
            continue
        days, amounts = matched.get(j, ([], []))
        back = onward_days(run, via[j], str(sh["region"][j]))
        first = t0 + days[0] if days else None
        last = t0 + days[-1] if days else None
        out.append(Route(**common, landed=sh["arrival_date"][j],
                         left_first=None if first is None else first - back,
                         left_last=None if last is None else last - back,
                         arrived_first=first, arrived_last=last, arrived=float(sum(amounts))))
    return out


def _match(run: RunData, members: list[int], got: np.ndarray, via: list[str], region: str
           ) -> dict[int, tuple[list[int], list[float]]]:
    """The arrival days (and amounts) of each routed shipment of one good to one region:
    arrivals taken in order by the shipments in queue order (module docstring)."""
    sh, t0 = run.shipments, run.dates[0]
    order = {c: k for k, c in enumerate(run.channels)}

    def earliest(j: int) -> int:
        return int((sh["arrival_date"][j] - t0) / DAY) + onward_days(run, via[j], region)

    queue = sorted(members, key=lambda j: (earliest(j), order.get(
        (str(sh["donor"][j]), str(sh["good"][j])), 0)))
    left = {j: float(sh["amount"][j]) for j in queue}
    out: dict[int, tuple[list[int], list[float]]] = {j: ([], []) for j in queue}
    k = 0
    for t in np.flatnonzero(got > 0).tolist():
        amount = float(got[t])
        while amount > 0 and k < len(queue):
            j = queue[k]
            if earliest(j) > t:
                break
            take = min(amount, left[j])
            out[j][0].append(t)
            out[j][1].append(take)
            left[j] -= take
            amount -= take
            if left[j] <= 1e-3 + 1e-9 * float(sh["amount"][j]):  # as written, 3 decimals
                k += 1
    return out


@dataclass(frozen=True)
class Leg:
    """One region's part of a round: the days (after the landing) the first and the last of
    it left the hub and arrived (None: not in the horizon)."""

    left_first: int
    left_last: int
    arrived_first: int | None
    arrived_last: int | None
    complete: bool  # all of it arrived in the horizon


@dataclass(frozen=True)
class Round:
    """What landed at a hub on one day (a round of the story), and how the queue sent it
    on, region by region."""

    hub: str
    landed: np.datetime64
    amounts: dict[str, float]  # good -> units landed
    legs: dict[str, Leg]  # region -> its part, for the regions any of it left for
    cleared: np.datetime64 | None  # the day the last of it left (None: not by the end)

    def days(self, when: np.datetime64) -> int:
        """Days from the landing to ``when``."""
        return int((when - self.landed) / DAY)

    def reached_within(self, days: int) -> int:
        """Regions whose first goods of the round arrived within ``days`` of the landing."""
        return sum(1 for v in self.legs.values()
                   if v.arrived_first is not None and v.arrived_first <= days)

    def last_reached(self) -> tuple[list[str], int | None]:
        """The regions reached last from this round, and how many days after the landing."""
        days = [v.arrived_first for v in self.legs.values() if v.arrived_first is not None]
        if not days:
            return [], None
        return sorted(r for r, v in self.legs.items() if v.arrived_first == max(days)), max(days)


def rounds(run: RunData, all_routes: list[Route] | None = None) -> list[Round]:
    """The rounds at each hub: one per landing day in the horizon, in hub and date order."""
    found: dict[tuple[str, np.datetime64], list[Route]] = defaultdict(list)
    for r in all_routes if all_routes is not None else routes(run):
        if r.via and r.landed is not None and r.landed <= run.dates[-1]:
            found[(r.via, r.landed)].append(r)
    out = []
    for (hub, landed), members in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        amounts: dict[str, float] = {}
        by_region: dict[str, list[Route]] = defaultdict(list)
        for r in members:
            amounts[r.good] = amounts.get(r.good, 0.0) + r.amount
            by_region[r.region].append(r)
        legs = {}
        for region, mine in by_region.items():
            lefts = [(r.left_first, r.left_last) for r in mine if r.left_first is not None
                     and r.left_last is not None]
            if not lefts:
                continue
            arrived = [(r.arrived_first, r.arrived_last) for r in mine
                       if r.arrived_first is not None and r.arrived_last is not None]

            def days(d: np.datetime64, landed: np.datetime64 = landed) -> int:
                return int((d - landed) / DAY)

            legs[region] = Leg(days(min(a for a, _ in lefts)), days(max(b for _, b in lefts)),
                               days(min(a for a, _ in arrived)) if arrived else None,
                               days(max(b for _, b in arrived)) if arrived else None,
                               all(_complete(r) for r in mine))
        complete = all(_complete(r) for r in members)
        cleared = (landed + DAY * max(v.left_last for v in legs.values())
                   if legs and complete else None)
        out.append(Round(hub, landed, amounts, legs, cleared))
    return out


def _complete(r: Route) -> bool:
    return r.arrived >= r.amount - 1e-3 - 1e-9 * r.amount  # amounts as written: 3 decimals


@dataclass(frozen=True)
class RegionWait:
    """A region's slowest round at a hub: the landing, and the days after it until its
    first goods left the hub and arrived, and until the last of them arrived."""

    region: str
    hub: str
    landed: np.datetime64
    left_first: int
    arrived_first: int | None
    arrived_last: int | None


def waits(run: RunData, all_rounds: list[Round] | None = None) -> list[RegionWait]:
    """Regions reached through a hub, those that waited longest to be reached first."""
    best: dict[str, RegionWait] = {}
    for rnd in all_rounds if all_rounds is not None else rounds(run):
        for region, leg in rnd.legs.items():
            w = RegionWait(region, rnd.hub, rnd.landed, leg.left_first, leg.arrived_first,
                           leg.arrived_last)
            old = best.get(region)
            if old is None or _slowness(w) > _slowness(old):
                best[region] = w
    return sorted(best.values(), key=lambda x: (tuple(-v for v in _slowness(x)), x.region))


def _slowness(w: RegionWait) -> tuple[int, int]:
    far = 10 ** 6  # not arrived in the horizon: slower than any day count
    return (far if w.arrived_first is None else w.arrived_first,
            far if w.arrived_last is None else w.arrived_last)


def not_arrived(run: RunData, good: str, all_routes: list[Route] | None = None
                ) -> tuple[float, float]:
    """What of a good had not arrived by the end: (at a hub or on the leg after it, still on
    the leg to a hub or region)."""
    hub = way = 0.0
    end = run.dates[-1]
    for r in all_routes if all_routes is not None else routes(run):
        if r.good != good:
            continue
        missing = max(r.amount - r.arrived, 0.0)
        if r.via and r.landed is not None and r.landed <= end:
            hub += missing
        else:
            way += missing
    return hub, way
