"""One day of the model, as pure array steps shared by both engines.

The within-day order is fixed (DESIGN.md): produce, release what the government does not
requisition, take in deliveries (procurement, exchanges), serve the domestic programme, stock
the rest; on a dispatch day offer the surplus above the reserve (within the donor's cargo cap
across its goods), serve pledges (oldest first), and on a regular shipment day spread the
rest -- each donor its own offer (``independent``) or the donors of a good jointly
(``pooled``); then deliveries arrive and each region consumes. ``des`` (SimPy) and ``batch``
(numpy over B scenarios) call these same functions, which is what makes their results
identical. Rows: see ``sim.engine.state``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from sim.allocate.problem import (
    Allocation,
    AllocationProblem,
    Allocator,
    PolicyInput,
    serve_pledges,
)
from sim.engine.draws import Draws
from sim.engine.plan import Array, Plan, per_row
from sim.engine.state import (
    DONOR_SERIES as DONOR_SERIES,
)
from sim.engine.state import (
    REGION_SERIES as REGION_SERIES,
)
from sim.engine.state import Layout
from sim.engine.state import Series as Series
from sim.engine.state import State as State
from sim.engine.state import Totals as Totals


@dataclass(frozen=True)
class Supplies:
    """What each channel row makes, what the government takes of it and what the domestic
    programme asks for, every day (N, T): none of it depends on the state, so it is worked
    out for the whole run at once -- elementwise, the same numbers as day by day."""

    taken: Array
    demand: Array


def supplies(plan: Plan, draws: Draws, totals: Totals, series: Series | None) -> Supplies:
    """The run's ``Supplies``, with their totals (summed day by day, in order, as ``+=``
    each day would) and their series."""
    n = draws.outage_loss.shape[0]
    production = per_row(plan.capacity_units, n) * (1.0 - draws.outage_loss)
    taken = np.minimum(production * per_row(plan.requisition_share, n),
                       per_row(plan.requisition_cap_units, n))
    demand = np.broadcast_to(per_row(plan.domestic_demand_units, n), production.shape)
    released = production - taken
    totals.produced_units += _day_by_day(production)
    totals.released_units += _day_by_day(released)
    totals.domestic_demand_units += _day_by_day(demand)
    if series is not None:
        d = series.donor
        d["production"][:] = production
        d["released"][:] = released
        d["domestic_demand"][:] = demand
        d["reserve"][:] = per_row(plan.reserve_days, n)[:, None] * demand
    return Supplies(taken, demand)


def _day_by_day(values: Array) -> Array:
    """Each row's sum over days, added in day order from 0.0 (a running sum: the bits a
    ``total += value`` each day gives; numpy's ``sum`` adds pairwise)."""
    start = np.zeros((values.shape[0], 1))
    return np.cumsum(np.concatenate([start, values], axis=1), axis=1)[:, -1]


def produce_and_serve(plan: Plan, supply: Supplies, state: State, t: int,
                      totals: Totals, series: Series | None) -> None:
    """Steps 1-3: production less what the government does not take (``supplies``), what
    is delivered, the domestic programme (from what came in today, then stock), stock."""
    n = state.layout.n_rows
    if state.cohorts_units is not None:
        _expire(state, t, totals, series)
    taken, demand = supply.taken[:, t], supply.demand[:, t]
    incoming = taken
    received: Array | None = None
    if state.receives:
        received = per_row(plan.procured_units[:, t], n) + (
            state.receipts_units[:, t] if state.receipts_units is not None else 0.0)
        incoming = taken + received
        totals.received_units += received
    served = np.minimum(demand, incoming + state.stock_units)
    state.stock_units = state.stock_units + incoming - served
    if state.cohorts_units is not None:
        state.cohorts_units[:, t % state.cohorts_units.shape[1]] += np.where(
            state.shelf_life_days > 0, incoming, 0.0)
        _take_oldest(state, t, served)
    totals.domestic_served_units += served
    if series is not None:
        d = series.donor
        if received is not None:
            d["received"][:, t] = received
        d["domestic_served"][:, t] = served
        d["stock"][:, t] = state.stock_units


def _expire(state: State, t: int, totals: Totals, series: Series | None) -> None:
    """Stock that has reached its shelf life today is written off (before anything else)."""
    cohorts = state.cohorts_units
    assert cohorts is not None
    life = state.shelf_life_days
    born = t - life
    rows = np.flatnonzero((life > 0) & (born >= 0))
    slot = born[rows] % cohorts.shape[1]
    gone = np.zeros(len(life))
    gone[rows] = np.minimum(cohorts[rows, slot], state.stock_units[rows])
    cohorts[rows, slot] = 0.0
    state.stock_units = state.stock_units - gone
    totals.written_off_units += gone
    if series is not None:
        series.donor["written_off"][:, t] = gone


def _take_oldest(state: State, t: int, amount: Array) -> None:
    """What leaves the stock leaves the oldest first (first in, first out)."""
    cohorts = state.cohorts_units
    assert cohorts is not None
    size = cohorts.shape[1]
    order = (t + 1 + np.arange(size)) % size  # oldest slot first, today's last
    held = np.cumsum(cohorts[:, order], axis=1)
    left = np.maximum(held - amount[:, None], 0.0)
    cohorts[:, order] = np.diff(left, axis=1, prepend=0.0)


def _offer(plan: Plan, state: State, t: int, k: int) -> tuple[Array, Array]:
    """(surplus above the reserve, what is offered) of each channel row on dispatch k."""
    layout, n = state.layout, state.layout.n_rows
    reserve = per_row(plan.reserve_days, n) * per_row(plan.domestic_demand_units[:, t], n)
    surplus = np.maximum(state.stock_units - reserve, 0.0)
    offered = np.minimum(per_row(plan.budget_share, n) * surplus,
                         per_row(plan.budget_per_shipment_units, n))
    if not plan.dispatches[:, k].all():
        offered = np.where(per_row(plan.dispatches[:, k], n), offered, 0.0)
    per_unit = per_row(plan.cargo_per_unit, n)
    if layout.solo_donors:
        return surplus, np.minimum(offered, per_row(plan.cargo_cap, n) / per_unit)
    # A donor's goods share its cargo: scaled down together when they would not fit.
    load = np.zeros(layout.n_donor_keys)
    np.add.at(load, layout.donor_key, offered * per_unit)
    cap = np.zeros(layout.n_donor_keys)
    cap[layout.donor_key] = per_row(plan.cargo_cap, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        fits = np.where(load > cap, cap / load, 1.0)
    return surplus, offered * fits[layout.donor_key]


def dispatch(plan: Plan, state: State, t: int, k: int, lead_days: NDArray[np.int32],
             allocate: Allocator, totals: Totals, series: Series | None) -> Array:
    """Step 4 on dispatch day ``k``: offer, pledges first (oldest first), then on a regular
    shipment day the rule; returns (N, R) shipped."""
    layout, n = state.layout, state.layout.n_rows
    surplus, offered = _offer(plan, state, t, k)
    shape = state.in_transit_units.shape
    falls_due = plan.pledge_due == k
    state.pledge_outstanding_units = state.pledge_outstanding_units + np.where(
        falls_due, per_row(plan.pledge_units, n), 0.0)
    problem = AllocationProblem(
        # Pooled giving spreads by the scenario's rule; independent donors by their own.
        rule=plan.rule if plan.pooled else plan.channel_rule[0],
        budget_units=offered,
        policy_on=per_row(plan.policy_on, n) & per_row(plan.policy_day[:, k], n),
        pledge_due_units=state.pledge_outstanding_units,
        pledge_region=plan.pledge_region,
        pledge_due_index=plan.pledge_due,
        projected_need_units=_full(per_row(plan.projected_need_units[:, k], n), shape),
        have_units=layout.from_goods(state.region_stock_units) + state.in_transit_units,
        cap_units=per_row(plan.cap_units, n),
        share=_full(per_row(plan.share[:, k], n), shape),
        tier=per_row(plan.tier, n),
        weight=per_row(plan.weight, n),
        min_shipment_units=plan.min_shipment_units,
        pallet_units=plan.pallet_units,
        mip_time_limit_seconds=plan.mip_time_limit_seconds,
    )
    if plan.pooled:
        result = _pooled(problem, state, allocate)
    elif len(set(plan.channel_rule)) > 1:
        result = _by_rule(plan, problem, allocate)
    else:
        result = allocate(problem)
    shipped = result.shipped_units
    state.stock_units = state.stock_units - shipped.sum(axis=1)
    if state.cohorts_units is not None:
        _take_oldest(state, t, shipped.sum(axis=1))
    state.in_transit_units = state.in_transit_units + shipped
    state.pledge_outstanding_units = np.maximum(
        state.pledge_outstanding_units - result.pledge_units, 0.0)
    totals.shipped_units += shipped
    totals.pledge_on_time_units += np.where(falls_due, result.pledge_units, 0.0)
    totals.pledge_late_units += np.where(falls_due, 0.0, result.pledge_units)
    if state.receipts_units is not None:
        _exchange_receipts(plan, state, t, result.pledge_units)
    # First delivery, known at dispatch: what lands inside the horizon, earliest first.
    arrival = t + lead_days
    first = totals.first_delivery_day
    lands = (shipped > 0) & (arrival < plan.n_days) & ((first < 0) | (arrival < first))
    if plan.hub_ids:  # what goes through a hub is known to land only once the hub sends it on
        lands &= per_row(plan.route_hub < 0, n)
    totals.first_delivery_day = np.where(lands, arrival, first)
    if series is not None:
        d = series.donor
        d["surplus"][:, t] = surplus
        d["offered"][:, t] = offered
        d["shipped"][:, t] = shipped.sum(axis=1)
        d["shipped_pledges"][:, t] = result.pledge_units.sum(axis=1)
        d["stock"][:, t] = state.stock_units
        series.region["shipped"][:, t] = shipped
        series.region["pledged"][:, t] = shipped - result.policy_units
    return shipped


def _by_rule(plan: Plan, problem: AllocationProblem, allocate: Allocator) -> Allocation:
    """Donors that spread by different rules: one allocation per rule over its rows."""
    n = problem.shape[0]
    rules = np.array([str(r) for r in plan.channel_rule] * (n // plan.n_channels))
    pledge = np.zeros_like(problem.pledge_due_units)
    policy, shipped = np.zeros(problem.shape), np.zeros(problem.shape)
    for rule in dict.fromkeys(plan.channel_rule):
        rows = np.flatnonzero(rules == str(rule))
        part = allocate(replace(problem, rule=rule, **{
            name: getattr(problem, name)[rows] for name in _PER_ROW_PROBLEM}))
        pledge[rows], policy[rows] = part.pledge_units, part.policy_units
        shipped[rows] = part.shipped_units
    return Allocation(pledge, policy, shipped)


_PER_ROW_PROBLEM = ("budget_units", "policy_on", "pledge_due_units", "projected_need_units",
                    "have_units", "cap_units", "share", "tier", "weight")


def _pooled(problem: AllocationProblem, state: State, allocate: Allocator) -> Allocation:
    """Pooled giving: each donor pays its own pledges out of its own offer; what the donors
    of a good have left is spread once, by the rule, over the regions' joint gaps (all their
    stock, everything in transit and pledged today), and each donor ships its pro-rata part
    of the result (its share of what was left)."""
    layout = state.layout
    pledge, given = _pledges_sharing_room(problem, layout)
    left = layout.to_goods(given.budget_units[:, None])[:, 0]
    pledged = layout.to_goods(given.pledged_units)
    first = layout.first_of_group
    joint = AllocationProblem(
        rule=problem.rule,
        budget_units=left,
        policy_on=left > 0,
        pledge_due_units=np.zeros((len(left), 0)),
        pledge_region=np.zeros(0, dtype=np.intp),
        projected_need_units=problem.projected_need_units[first],
        have_units=state.region_stock_units + layout.to_goods(state.in_transit_units) + pledged,
        cap_units=np.maximum(problem.cap_units[first] - pledged, 0.0),
        share=problem.share[first],
        tier=problem.tier[first],
        weight=problem.weight[first],
        min_shipment_units=problem.min_shipment_units,
        pallet_units=problem.pallet_units,
        mip_time_limit_seconds=problem.mip_time_limit_seconds,
    )
    spread = allocate(joint).policy_units
    total = left[layout.group]
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(total > 0, given.budget_units / total, 0.0)
    policy = spread[layout.group] * part[:, None]
    return Allocation(pledge, policy, given.pledged_units + policy)


def _pledges_sharing_room(problem: AllocationProblem, layout: Layout
                          ) -> tuple[Array, PolicyInput]:
    """Each donor's pledges out of its own offer, channel after channel, against what the
    region can still absorb of the good that day: the donors' shipments are one shipment."""
    c = len(layout.channel_good)
    if c == 1:
        return serve_pledges(problem)
    room = problem.cap_units[layout.first_of_group].copy()  # (M, R), per good row
    pledge = np.zeros_like(problem.pledge_due_units)
    pledged, budget, upper = (np.zeros(problem.shape), np.zeros(problem.shape[0]),
                              np.zeros(problem.shape))
    for channel in range(c):
        rows = np.arange(channel, layout.n_rows, c)
        groups = layout.group[rows]
        part, given = serve_pledges(replace(problem, cap_units=room[groups], **{
            name: getattr(problem, name)[rows] for name in _PER_ROW_PROBLEM
            if name != "cap_units"}))
        pledge[rows], pledged[rows] = part, given.pledged_units
        budget[rows], upper[rows] = given.budget_units, given.upper_units
        room[groups] = np.maximum(room[groups] - given.pledged_units, 0.0)
    return pledge, PolicyInput(budget, upper, pledged)


def _exchange_receipts(plan: Plan, state: State, t: int, served: Array) -> None:
    """What each exchange's send brings back, booked for the day it lands."""
    receipts = state.receipts_units
    assert receipts is not None
    c = plan.n_channels
    base = np.arange(plan.n_scenarios) * c
    for p in np.flatnonzero(plan.receive_channel >= 0).tolist():
        day = t + int(plan.receive_lead_days[p])
        if day < plan.n_days:
            sent = served[base + int(plan.pledge_channel[p]), p]
            receipts[base + int(plan.receive_channel[p]), day] += plan.receive_ratio[p] * sent


def _full(values: Array, shape: tuple[int, ...]) -> Array:
    """A shared row seen as N rows (a view); most calls need nothing done."""
    return values if values.shape == shape else np.broadcast_to(values, shape)


def receive(state: State, t: int, arrived: Array, series: Series | None) -> None:
    """Step 5a: what arrives today moves from in transit to the regions' stock (in place:
    a hot path)."""
    state.region_stock_units += state.layout.to_goods(arrived)
    state.in_transit_units -= arrived
    np.maximum(state.in_transit_units, 0.0, out=state.in_transit_units)  # rounding only
    if series is not None:
        series.region["arrived"][:, t] += arrived


def consume(plan: Plan, state: State, t: int, totals: Totals, series: Series | None) -> None:
    """Step 5b: each region uses what it has of each good, up to its need; the rest of the
    need is unmet."""
    need = per_row(plan.need_units[:, t], state.layout.n_goods_rows)
    consumed = np.minimum(state.region_stock_units, need)
    state.region_stock_units -= consumed
    totals.consumed_units += consumed
    if series is not None:
        r = series.region
        r["consumed"][:, t] = consumed
        r["stock"][:, t] = state.region_stock_units
        r["in_transit"][:, t] = state.in_transit_units


def finish(plan: Plan, state: State, totals: Totals, series: Series | None = None) -> None:
    """Totals that follow from the end state; series that follow from others (elementwise,
    the same numbers as day by day)."""
    totals.final_stock_units = state.stock_units.copy()
    totals.delivered_units = totals.shipped_units - state.in_transit_units
    totals.need_units = np.broadcast_to(
        per_row(plan.need_units.sum(axis=1), state.layout.n_goods_rows),
        totals.consumed_units.shape).copy()
    if series is not None:
        d, r = series.donor, series.region
        need = per_row(plan.need_units, state.layout.n_goods_rows)
        d["domestic_shortfall"][:] = d["domestic_demand"] - d["domestic_served"]
        r["need"][:] = need
        r["unmet"][:] = need - r["consumed"]
