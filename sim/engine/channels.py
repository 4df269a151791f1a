"""What a scenario says, day by day, for each channel: a donor's supply of one good.

Pure functions from the validated scenario to arrays (``sim.engine.plan`` assembles and caches
them): dispatch days, pledge instances, the domestic programme (sales, uses and what the uses
hold), requisition, needs and planning windows. Channels are the donors' supplies in order:
donor by donor, each donor's supplies as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.scenario import schedule
from sim.scenario.domestic import Domestic, RationSupply, Use
from sim.scenario.donors import Donor, Exchange, Supply
from sim.scenario.enums import WEEKDAYS, BudgetKind, PledgeDispatch
from sim.scenario.models import (
    CasesNeed,
    ConstantNeed,
    FixedLeadTime,
    FixedPledge,
    Group,
    LeadTime,
    Need,
    Requisition,
    Schedule,
    StandingPledge,
)
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]
Index = NDArray[np.intp]


@dataclass(frozen=True)
class Channel:
    donor: Donor
    supply: Supply
    donor_index: int
    good_index: int


def channels(scenario: Scenario) -> list[Channel]:
    """Each donor's supplies in order."""
    goods = scenario.good_ids
    return [Channel(d, s, i, goods.index(s.good)) for i, d in enumerate(scenario.donors)
            for s in d.supplies]


# ---- schedules ------------------------------------------------------------------------
def evaluate(s: Schedule, start: dt.date, n_days: int) -> Array:
    return schedule.evaluate(
        [p.date for p in s.points], [p.value for p in s.points], s.interpolation, start, n_days
    )


def active_cases(need: CasesNeed, start: dt.date, n_days: int) -> Array:
    """Cases reported in the last ``active_days`` days; held flat after the table ends,
    even when it ends before ``start`` (the last known value, not a decay to zero)."""
    last = (need.last_case_day or start.toordinal()) - start.toordinal()
    offset = min(0, last)  # evaluate from the table's last day when it ends early
    span = n_days - offset
    lead_in = need.active_days - 1
    new = need.new_cases_on(start + dt.timedelta(days=offset - lead_in), span + lead_in)
    cum = np.concatenate([[0.0], np.cumsum(new)])
    active = cum[need.active_days :] - cum[: -need.active_days]
    hold_from = last - offset
    if hold_from < span - 1:
        active[hold_from + 1 :] = active[hold_from]
    result: Array = active[-offset:] if offset else active
    return result


def need_series(need: Need | None, start: dt.date, n_days: int) -> Array:
    """Units a day needed, on each of ``n_days`` days from ``start`` (none: zeros)."""
    if need is None:
        return np.zeros(n_days)
    if isinstance(need, ConstantNeed):
        return np.full(n_days, need.per_day)
    if isinstance(need, CasesNeed):
        active = active_cases(need, start, n_days)
        return need.floor_per_day + need.per_case * active
    return evaluate(need.schedule, start, n_days)


def requisition(entries: Sequence[Requisition], start: dt.date, n_days: int
                ) -> tuple[Array, Array]:
    """(share, cap) a day: all of the output, uncapped, until the first entry; then each
    entry's share (uncapped) or amount (the whole output up to it) until the next."""
    share, cap = np.ones(n_days), np.full(n_days, np.inf)
    for e in entries:
        first = max((e.date - start).days, 0)
        share[first:] = 1.0 if e.share is None else e.share
        cap[first:] = np.inf if e.amount is None else e.amount
    return share, cap


def procurement(supply: Supply, start: dt.date, n_days: int) -> Array:
    """Units delivered into stock each day (deliveries outside the horizon never arrive)."""
    out = np.zeros(n_days)
    for d in supply.procurement:
        day = (d.date - start).days
        if 0 <= day < n_days:
            out[day] += d.amount
    return out


def ration_per_person(g: Group, start: dt.date, n_days: int) -> Array:
    return evaluate(g.schedule(), start, n_days)


def capacity(supply: Supply, start: dt.date, n_days: int) -> Array:
    """What the lines make a day when nothing stops them: the capacity figures x the
    availability (the capacity figures alone: ``nominal_capacity``)."""
    nominal = nominal_capacity(supply, start, n_days)
    return nominal if supply.availability == 1.0 else nominal * supply.availability


def nominal_capacity(supply: Supply, start: dt.date, n_days: int) -> Array:
    """The capacity schedule as the record gives it (none: zeros)."""
    return evaluate(supply.capacity, start, n_days) if supply.capacity is not None \
        else np.zeros(n_days)


# ---- the domestic programme -----------------------------------------------------------
@dataclass(frozen=True)
class UseSeries:
    """One use's day (T,): what it is issued, what it uses, what it holds at the end."""

    issued: Array
    used: Array
    held: Array


@dataclass(frozen=True)
class Programme:
    """A domestic programme day by day (T,): what the ration groups would buy, what they
    buy (at most the outlets' supply), the set-aside, and each use (in the order given)."""

    ration_demand: Array
    sold: Array
    set_aside: Array | None
    uses: tuple[UseSeries, ...]

    @property
    def total(self) -> Array:
        """What the supply is asked for a day: sales + set-aside + the uses' issues."""
        if self.set_aside is None and not self.uses:
            return self.sold
        out = self.sold.copy()
        if self.set_aside is not None:
            out += self.set_aside
        for u in self.uses:
            out += u.issued
        return out


def ration_cap(entries: Sequence[RationSupply], start: dt.date, n_days: int) -> Array:
    """The ration outlets' supply a day (inf: no cap), each entry from its date on."""
    cap = np.full(n_days, np.inf)
    for e in entries:
        first = max((e.date - start).days, 0)
        cap[first:] = np.inf if e.per_day is None else e.per_day
    return cap


def hold(issued: Array, rate: Array) -> tuple[Array, Array]:
    """(used, held) a day of a use issued ``issued``: it uses its rate out of what it holds
    and is issued, as far as that goes, and holds the rest."""
    used, held = np.empty_like(issued), np.empty_like(issued)
    h = 0.0
    for t in range(len(issued)):
        have = h + float(issued[t])
        u = min(float(rate[t]), have)
        h = have - u
        used[t], held[t] = u, h
    return used, held


def use_series(use: Use, start: dt.date, n_days: int) -> UseSeries:
    """A use's day: each day it is issued its allotments and what its rate and its stock
    target need beyond what it holds; allotments and targets before the horizon count from
    its first day (allotment days before it are never issued)."""
    rate = evaluate(use.per_day, start, n_days) if use.per_day is not None \
        else np.zeros(n_days)
    allot = np.zeros(n_days)
    for a in use.allotments:
        days = (a.date - start).days + np.arange(a.days)
        days = days[(days >= 0) & (days < n_days)]
        np.add.at(allot, days, a.amount / a.days)
    target = np.zeros(n_days)
    for k, s in enumerate(use.stock_target):
        first = max((s.date - start).days, 0)
        last = n_days if k + 1 == len(use.stock_target) else max(
            (use.stock_target[k + 1].date - start).days, 0)
        basis = rate[first:last] if s.per_day is None else s.per_day
        target[first:last] = s.days * basis
    issued = np.empty(n_days)
    h = 0.0
    for t in range(n_days):
        have = h + float(allot[t])
        top_up = max(0.0, float(rate[t]) + float(target[t]) - have)
        issued[t] = float(allot[t]) + top_up
        h = have + top_up - float(rate[t])
    used, held = hold(issued, rate)
    return UseSeries(issued, used, held)


def programme(dom: Domestic, start: dt.date, n_days: int,
              ration: Callable[[Group], Array] | None = None,
              use: Callable[[Use], UseSeries] | None = None) -> Programme:
    """The programme's series (``ration`` and ``use``: where the plan's cache gives a
    group's ration per person and a use's series)."""
    demand = np.zeros(n_days)
    for g in dom.groups:
        uptake = dom.uptake if g.uptake is None else g.uptake
        per_person = ration(g) if ration is not None else ration_per_person(g, start, n_days)
        demand += uptake * g.population * per_person
    if dom.uptake_profile is not None:
        demand = demand * evaluate(dom.uptake_profile, start, n_days)
    sold = demand if not dom.ration_supply else np.minimum(
        demand, ration_cap(dom.ration_supply, start, n_days))
    set_aside = None if dom.set_aside is None else evaluate(dom.set_aside, start, n_days)
    uses = tuple(use(u) if use is not None else use_series(u, start, n_days) for u in dom.uses)
    return Programme(demand, sold, set_aside, uses)


def budget(donor: Donor) -> tuple[float, float, bool]:
    """(share of the surplus, amount per shipment, whether the rule spreads anything)."""
    b, per_shipment_weeks = donor.budget, donor.shipments.cadence_days / 7
    if b.kind is BudgetKind.SHARE_OF_SURPLUS:
        return float(b.share or 0.0), np.inf, True
    if b.kind is BudgetKind.FIXED_PER_WEEK:
        return 1.0, float(b.amount_per_week or 0.0) * per_shipment_weeks, True
    return 1.0, np.inf, b.kind is not BudgetKind.PLEDGES_ONLY


def lead_time(scenario: Scenario, donor: Donor, region_index: int) -> LeadTime:
    """The drawn transit of a shipment: to the region, or to the hub it is routed through
    (the donor's lead time to that hub; none given: no time)."""
    region = scenario.regions[region_index]
    hub = donor.hub_for(region.id)
    if hub is not None:
        return donor.lead_times.get(hub, FixedLeadTime(days=0))
    return donor.lead_times.get(region.id, region.lead_time)


def planned_lead_days(scenario: Scenario, donor: Donor, region_index: int) -> int:
    """The transit a shipment is planned for: through a hub, the legs and the handling
    (not the queue, which nobody knows ahead)."""
    days = lead_time(scenario, donor, region_index).planned_days
    region = scenario.regions[region_index]
    hub_id = donor.hub_for(region.id)
    if hub_id is not None:
        hub = next(h for h in scenario.hubs if h.id == hub_id)
        days += hub.handling_days + hub.lead_times.get(region.id, 0)
    return days


# ---- when things leave -----------------------------------------------------------------
def shipment_days(scenario: Scenario, donor: Donor) -> Index:
    """A donor's regular shipment days (its weekday, every cadence_days), as day indices."""
    start, n_days = scenario.horizon.start, scenario.horizon.n_days
    first = (WEEKDAYS.index(donor.shipments.weekday) - start.weekday()) % 7
    return np.arange(first, n_days, donor.shipments.cadence_days, dtype=np.intp)


def _dated(scenario: Scenario, chans: Sequence[Channel]) -> list[set[int]]:
    """Per channel, the days of its fixed pledges and exchanges that leave on their date."""
    start = scenario.horizon.start
    index = {(c.donor.id, c.supply.good): i for i, c in enumerate(chans)}
    out: list[set[int]] = [set() for _ in chans]
    for p in scenario.pledges:
        if isinstance(p, FixedPledge) and p.dispatch is PledgeDispatch.ON_DATE:
            c = index[(p.donor, p.good)]
            out[c].add((p.date - start).days)
    for x in scenario.exchanges:
        if x.send.kind == "fixed":
            assert x.send.date is not None
            out[index[(x.donor, x.send.good)]].add((x.send.date - start).days)
    return out


def dispatch_days(scenario: Scenario, chans: Sequence[Channel]
                  ) -> tuple[Index, NDArray[np.bool_], NDArray[np.bool_]]:
    """Every day something may leave (K,), and per channel (C, K) whether it may dispatch
    that day (its donor's shipment days and its own dated pledges) and whether the rule
    runs (its donor's shipment days only)."""
    regular = [shipment_days(scenario, c.donor) for c in chans]
    dated = _dated(scenario, chans)
    days = np.union1d(np.concatenate(regular) if regular else np.zeros(0, np.intp),
                      np.array(sorted(set().union(*dated)), dtype=np.intp)).astype(np.intp)
    policy = np.array([np.isin(days, r) for r in regular], dtype=bool).reshape(len(chans), -1)
    dispatch = policy | np.array([np.isin(days, sorted(d)) for d in dated],
                                 dtype=bool).reshape(len(chans), -1)
    return days, dispatch, policy


@dataclass(frozen=True)
class Instances:
    """Pledge instances (P,), oldest first: each falls due at one dispatch, from one
    channel to one region; those of an exchange also bring goods back to the donor."""

    channel: list[int]
    region: list[int]
    due: list[int]
    source: list[int]  # index into scenario.pledges; -1: an exchange's send
    exchange: list[int]  # index into scenario.exchanges; -1: a pledge
    amount: list[float]
    receive_channel: list[int]  # -1: nothing comes back
    receive_ratio: list[float]
    receive_lead_days: list[int]


def _schedule_of(p: FixedPledge | StandingPledge, dispatch: PledgeDispatch, cadence: int,
                 dates: list[dt.date], regular: list[int]) -> list[tuple[int, float]]:
    """(dispatch index, amount) of each instance of a pledge-like promise."""
    if isinstance(p, FixedPledge):
        if dispatch is PledgeDispatch.ON_DATE:
            return [(dates.index(p.date), p.amount)]
        # The first regular shipment day on or after its date; after the last one it
        # cannot fall due in this horizon, and results report it as not due.
        k = next((k for k in regular if dates[k] >= p.date), None)
        return [] if k is None else [(k, p.amount)]
    # Standing: each shipment day in [start, end] carries the weeks since the last one.
    return [(k, p.amount_per_week * cadence / 7) for k in regular
            if p.start <= dates[k] <= p.end]


def _exchange_as_pledge(x: Exchange) -> FixedPledge | StandingPledge:
    """An exchange's send as the pledge it ships like (its fields checked by ExchangeSend)."""
    s = x.send
    if s.kind == "fixed":
        assert s.amount is not None and s.date is not None
        return FixedPledge.model_construct(region=x.partner, amount=s.amount, date=s.date,
                                           donor=x.donor, good=s.good)
    assert s.amount_per_week is not None and s.start is not None and s.end is not None
    return StandingPledge.model_construct(region=x.partner, amount_per_week=s.amount_per_week,
                                          start=s.start, end=s.end, donor=x.donor, good=s.good)


def pledge_instances(scenario: Scenario, chans: Sequence[Channel], days: Index,
                     policy: NDArray[np.bool_]) -> Instances:
    start = scenario.horizon.start
    dates = [start + dt.timedelta(days=int(d)) for d in days]
    regions = scenario.region_ids
    index = {(c.donor.id, c.supply.good): i for i, c in enumerate(chans)}
    rows: list[tuple[int, int, int, int, int, int, float, int, float, int]] = []
    for i, p in enumerate(scenario.pledges):
        c = index[(p.donor, p.good)]
        regular = np.flatnonzero(policy[c]).tolist()
        dispatch = p.dispatch if isinstance(p, FixedPledge) else PledgeDispatch.ON_DATE
        for k, amount in _schedule_of(p, dispatch, chans[c].donor.shipments.cadence_days,
                                      dates, regular):
            rows.append((k, 0, i, c, regions.index(p.region), i, amount, -1, 0.0, 0))
    for j, x in enumerate(scenario.exchanges):
        c = index[(x.donor, x.send.good)]
        back = index[(x.donor, x.receive.good)]
        regular = np.flatnonzero(policy[c]).tolist()
        sends = _schedule_of(_exchange_as_pledge(x), PledgeDispatch.ON_DATE,
                             chans[c].donor.shipments.cadence_days, dates, regular)
        total = sum(a for _, a in sends)
        r = x.receive
        ratio = (r.ratio if r.ratio is not None
                 else (float(r.amount or 0.0) / total if total > 0 else 0.0))
        for k, amount in sends:
            rows.append((k, 1, j, c, regions.index(x.partner), -1, amount, back, ratio,
                         r.lead_time_days))
    rows.sort(key=lambda x: (x[0], x[1], x[2]))
    return Instances(
        channel=[x[3] for x in rows], region=[x[4] for x in rows], due=[x[0] for x in rows],
        source=[x[5] for x in rows], exchange=[x[2] if x[1] else -1 for x in rows],
        amount=[x[6] for x in rows], receive_channel=[x[7] for x in rows],
        receive_ratio=[x[8] for x in rows], receive_lead_days=[x[9] for x in rows])
