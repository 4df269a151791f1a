"""The day, written once: each step of DESIGN.md's daily order as one compiled function.

Every step takes a frame (``sim.engine.frame``), a scenario ``b`` and the day ``t`` (and the
dispatch ``k`` on a dispatch day), and works on that scenario's C channel rows and G good
rows. Within a day the order is fixed:

    produce            expire, produce, requisition, receive procurement and exchanges,
                       serve the domestic programme, stock the rest
    offer              (dispatch days) surplus above the reserve, the budget, the donor's
                       cargo cap across its goods; pledges falling due join the arrears;
                       pooled giving: each donor's pledges, then the joint problem
    allocate_compiled  (dispatch days, compiled backend) the answer, by the row functions of
                       ``sim.allocate.kernels``; another backend fills the same arrays from
                       Python instead (``sim.engine.dispatch``)
    ship               (dispatch days) stock, arrears, exchanges' returns, first deliveries,
                       cargo into the arrival rings (at a region or at a hub)
    hubs_day           each hub takes in what landed and handles it oldest first
                       (``sim.engine.hubs``)
    receive_and_consume  what lands moves into the regions' stock; each region consumes

The SimPy engine calls them one at a time as its processes' events fire; the batch engine
calls them in one compiled pass over its scenarios (``sim.engine.batch``). Sums are running
sums in a fixed order (days, channels, regions, instances), so a scenario's numbers depend on
nothing but its own inputs. No fastmath, for the same reason.
"""

from __future__ import annotations

from typing import Any

import numba

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)
from sim.allocate.kernels import allocate_row, pay_pledges, spread
from sim.engine.state import CHANNEL_REGION_SERIES, DONOR_SERIES, GOOD_REGION_SERIES

D_PRODUCTION, D_RELEASED, D_RECEIVED, D_WRITTEN_OFF = (
    DONOR_SERIES.index(x) for x in ("production", "released", "received", "written_off"))
D_DEMAND, D_SERVED, D_STOCK, D_RESERVE = (
    DONOR_SERIES.index(x) for x in ("domestic_demand", "domestic_served", "stock", "reserve"))
D_SURPLUS, D_OFFERED, D_SHIPPED, D_SHIPPED_PLEDGES = (
    DONOR_SERIES.index(x) for x in ("surplus", "offered", "shipped", "shipped_pledges"))
C_SHIPPED, C_PLEDGED, C_ARRIVED, C_IN_TRANSIT = (
    CHANNEL_REGION_SERIES.index(x) for x in ("shipped", "pledged", "arrived", "in_transit"))
G_CONSUMED, G_STOCK = (GOOD_REGION_SERIES.index(x) for x in ("consumed", "stock"))


@numba.njit(cache=True, inline="always")
def row(i: int, j: int, n_here: int, n_all: int) -> int:
    """The row of a plan array that row i (the j-th of its scenario) reads: the array has 1
    row (shared by all), one a row, or one scenario's rows (shared by every scenario of a
    batch). No division: this is read in every step."""
    return 0 if n_here == 1 else i if n_here == n_all else j


@numba.njit(cache=True)
def produce(d: Any, b: int, t: int) -> None:
    """Steps 1-3 for each channel row of scenario b: what expires today is written off, then
    production less what the government takes, what is delivered (procurement, exchanges),
    the domestic programme (from what came in today, then stock), stock."""
    c_n = d.n_channels
    n = d.n_scenarios * c_n
    keep = d.keep
    for c in range(c_n):
        i = b * c_n + c
        if d.cohort_days > 0:
            _expire(d, i, c, t)
        production = d.capacity[row(i, c, d.capacity.shape[0], n), t] * (1.0 - d.loss[i, t])
        taken = min(production * d.req_share[row(i, c, d.req_share.shape[0], n), t],
                    d.req_cap[row(i, c, d.req_cap.shape[0], n), t])
        demand = d.demand[row(i, c, d.demand.shape[0], n), t]
        released = production - taken
        d.produced[i] += production
        d.released[i] += released
        d.domestic_demand[i] += demand
        incoming = taken
        if d.receives:
            received = d.procured[row(i, c, d.procured.shape[0], n), t]
            if d.has_receipts:
                received = received + d.receipts[i, t]
            incoming = taken + received
            d.received[i] += received
            if keep:
                d.s_donor[D_RECEIVED, i, t] = received
        # At least 0: a shipment day's allocations may sum to the stock plus a rounding,
        # leaving -1e-11 in stock, and nothing can be served from that.
        served = min(demand, max(incoming + d.stock[i], 0.0))
        d.stock[i] = d.stock[i] + incoming - served
        if d.cohort_days > 0 and d.shelf_life[row(i, c, d.shelf_life.shape[0], n)] > 0:
            d.cohorts[i, t % d.cohort_days] += incoming
            _take_oldest(d.cohorts[i], t, served)
        d.domestic_served[i] += served
        if keep:
            s = d.s_donor
            s[D_PRODUCTION, i, t] = production
            s[D_RELEASED, i, t] = released
            s[D_DEMAND, i, t] = demand
            s[D_RESERVE, i, t] = d.reserve_days[row(i, c, d.reserve_days.shape[0], n)] * demand
            s[D_SERVED, i, t] = served
            s[D_STOCK, i, t] = d.stock[i]


@numba.njit(cache=True)
def _expire(d: Any, i: int, c: int, t: int) -> None:
    """Stock that reaches its shelf life today is written off (before anything else)."""
    life = d.shelf_life[row(i, c, d.shelf_life.shape[0], d.n_scenarios * d.n_channels)]
    born = t - life
    if life > 0 and born >= 0:
        slot = born % d.cohort_days
        gone = min(d.cohorts[i, slot], d.stock[i])
        d.cohorts[i, slot] = 0.0
        d.stock[i] = d.stock[i] - gone
        d.written_off[i] += gone
        if d.keep:
            d.s_donor[D_WRITTEN_OFF, i, t] = gone


@numba.njit(cache=True)
def _take_oldest(cohorts: Any, t: int, amount: float) -> None:
    """What leaves the stock leaves the oldest first (first in, first out): each cohort
    keeps what is left of the running total above ``amount``."""
    size = cohorts.shape[0]
    held = 0.0
    before = 0.0
    for j in range(size):
        slot = (t + 1 + j) % size  # oldest slot first, today's last
        held = cohorts[slot] if j == 0 else held + cohorts[slot]
        left = max(held - amount, 0.0)
        cohorts[slot] = left - before
        before = left


@numba.njit(cache=True)
def offer(d: Any, b: int, t: int, k: int) -> None:
    """Step 4a on dispatch k: each channel row's offer (the surplus above its reserve, within
    its budget and its donor's cargo cap), its pledges falling due, and what the regions hold
    of its good; with pooled giving, each donor's pledges and the joint problem too."""
    c_n = d.n_channels
    n = d.n_scenarios * c_n
    for c in range(c_n):
        i = b * c_n + c
        reserve = (d.reserve_days[row(i, c, d.reserve_days.shape[0], n)]
                   * d.demand[row(i, c, d.demand.shape[0], n), t])
        surplus = max(d.stock[i] - reserve, 0.0)
        offered = min(d.budget_share[row(i, c, d.budget_share.shape[0], n)] * surplus,
                      d.budget_cap[row(i, c, d.budget_cap.shape[0], n)])
        if not d.dispatches[c, k]:
            offered = 0.0
        if d.solo_donors:
            offered = min(offered, d.cargo_cap[row(i, c, d.cargo_cap.shape[0], n)]
                          / d.cargo_per_unit[row(i, c, d.cargo_per_unit.shape[0], n)])
        d.p_budget[i] = offered
        if d.keep:
            d.s_donor[D_SURPLUS, i, t] = surplus
        d.p_on[i] = (d.policy_on[row(i, c, d.policy_on.shape[0], n)] and d.policy_day[c, k])
        held = d.region_stock[b * d.n_goods + d.channel_good[c]]
        air, have = d.in_transit[i], d.p_have[i]
        for r in range(d.n_regions):
            have[r] = held[r] + air[r]
        pledges = d.pledge_units[row(i, c, d.pledge_units.shape[0], n)]
        for q in range(d.own_live[i], d.own_end[c, k]):
            p = d.own[q]
            if d.pledge_due[p] == k:
                d.outstanding[i, p] = d.outstanding[i, p] + pledges[p]
    if not d.solo_donors:
        _share_cargo(d, b)
    if d.keep:
        for c in range(c_n):
            d.s_donor[D_OFFERED, b * c_n + c, t] = d.p_budget[b * c_n + c]
    if d.pooled:
        _pooled_pledges(d, b, k)


@numba.njit(cache=True)
def _share_cargo(d: Any, b: int) -> None:
    """A donor's goods share its cargo: scaled down together when they would not fit."""
    c_n = d.n_channels
    n = d.n_scenarios * c_n
    fits = d.w_channels[b]
    for c in range(c_n):
        donor = d.channel_donor[c]
        load = 0.0
        cap = 0.0
        for e in range(c_n):  # the donor's channels in row order
            if d.channel_donor[e] == donor:
                j = b * c_n + e
                load += (d.p_budget[j]
                         * d.cargo_per_unit[row(j, e, d.cargo_per_unit.shape[0], n)])
                cap = d.cargo_cap[row(j, e, d.cargo_cap.shape[0], n)]
        fits[c] = cap / load if load > cap else 1.0
    for c in range(c_n):
        d.p_budget[b * c_n + c] = d.p_budget[b * c_n + c] * fits[c]


@numba.njit(cache=True)
def _pooled_pledges(d: Any, b: int, k: int) -> None:
    """Pooled giving: each donor pays its own pledges out of its own offer, channel after
    channel, against what the region can still absorb of the good that day (the donors'
    shipments are one shipment); what the donors of a good have left is one joint budget,
    spread over the regions' joint gaps (all their stock, everything in transit and pledged
    today)."""
    c_n, g_n, r_n = d.n_channels, d.n_goods, d.n_regions
    n = d.n_scenarios * c_n
    room = d.w_goods[b]
    for g in range(g_n):
        first = d.first_of_good[g]
        if first >= 0:
            j = b * c_n + first
            for r in range(r_n):
                room[g, r] = d.cap[row(j, first, d.cap.shape[0], n), r]
    mine, want, taken = d.w_rows[b, 0], d.w_rows[b, 1], d.w_rows[b, 2]
    for c in range(c_n):
        i = b * c_n + c
        g = d.channel_good[c]
        for r in range(r_n):
            mine[r] = room[g, r]
            d.p_pledged[i, r] = 0.0
        left = pay_pledges(d.p_budget[i], d.outstanding[i], d.own, d.own_live[i],
                           d.own_end[c, k], d.pledge_due, d.pledge_region, mine,
                           d.a_pledge[i], d.p_pledged[i], want, taken)
        d.p_left[i] = left if d.p_on[i] else 0.0
        for r in range(r_n):
            room[g, r] = max(room[g, r] - d.p_pledged[i, r], 0.0)
    for g in range(g_n):
        m = b * g_n + g
        first = d.first_of_good[g]
        if first < 0:
            d.j_budget[m] = 0.0
            continue
        j = b * c_n + first
        budget = _to_good(d, b, g, d.p_left)
        d.j_budget[m] = budget
        for r in range(r_n):
            pledged = _to_good_at(d, b, g, d.p_pledged, r)
            held = d.region_stock[m, r] + _to_good_at(d, b, g, d.in_transit, r)
            d.j_have[m, r] = held + pledged
            d.j_cap[m, r] = max(d.cap[row(j, first, d.cap.shape[0], n), r] - pledged, 0.0)


@numba.njit(cache=True)
def _to_good(d: Any, b: int, g: int, values: Any) -> float:
    """The channel rows of good g summed, in channel order (its one channel's value when
    each good has one)."""
    c_n = d.n_channels
    if d.one_to_one:
        return float(values[b * c_n + g])
    total = 0.0
    for c in range(c_n):
        if d.channel_good[c] == g:
            total += values[b * c_n + c]
    return total


@numba.njit(cache=True)
def _to_good_at(d: Any, b: int, g: int, values: Any, r: int) -> float:
    """``_to_good`` of column r of a channel-row array."""
    c_n = d.n_channels
    if d.one_to_one:
        return float(values[b * c_n + g, r])
    total = 0.0
    for c in range(c_n):
        if d.channel_good[c] == g:
            total += values[b * c_n + c, r]
    return total


@numba.njit(cache=True)
def allocate_compiled(d: Any, b: int, k: int) -> None:
    """Step 4b with the compiled backend: the answer of each channel row (independent
    giving: its pledges oldest first, then its own rule), or pooled giving's joint spread
    of each good; the row functions the compiled allocator runs on a problem's rows."""
    c_n, r_n = d.n_channels, d.n_regions
    n = d.n_scenarios * c_n
    w = d.w_rows[b]
    room, want, taken, scratch = w[0], w[1], w[2], w[3:8]
    if d.pooled:
        no_pledges = w[8]  # zeros
        for g in range(d.n_goods):
            m = b * d.n_goods + g
            first = d.first_of_good[g]
            if first < 0:
                continue
            j = b * c_n + first
            at = row(j, first, d.projected_need.shape[0], n)
            for r in range(r_n):
                room[r] = d.j_cap[m, r]
            left = d.j_budget[m] if d.j_budget[m] > 0 else 0.0
            spread(d.rule[row(j, first, d.rule.shape[0], n)], left, d.projected_need[at, k],
                   d.j_have[m], room, d.share[row(j, first, d.share.shape[0], n), k],
                   d.tier[row(j, first, d.tier.shape[0], n)],
                   d.weight[row(j, first, d.weight.shape[0], n)],
                   no_pledges, d.j_spread[m], scratch)
        return
    for c in range(c_n):
        i = b * c_n + c
        allocate_row(d.rule[row(i, c, d.rule.shape[0], n)], d.p_budget[i], d.p_on[i],
                     d.outstanding[i], d.own, d.own_live[i], d.own_end[c, k], d.pledge_due,
                     d.pledge_region, d.cap[row(i, c, d.cap.shape[0], n)],
                     d.projected_need[row(i, c, d.projected_need.shape[0], n), k],
                     d.p_have[i], d.share[row(i, c, d.share.shape[0], n), k],
                     d.tier[row(i, c, d.tier.shape[0], n)],
                     d.weight[row(i, c, d.weight.shape[0], n)], d.a_pledge[i],
                     d.a_shipped[i], d.a_policy[i], room, want, taken, scratch)


@numba.njit(cache=True)
def ship(d: Any, b: int, t: int, k: int) -> None:
    """Step 4c: the answer leaves. Pooled giving first splits each good's joint spread over
    its donors pro rata to what each had left; then stock (oldest first), arrears, what
    exchanges bring back, first deliveries, and the cargo into the arrival rings."""
    c_n, r_n = d.n_channels, d.n_regions
    n = d.n_scenarios * c_n
    t_n = d.n_days
    if d.pooled:
        for c in range(c_n):
            i = b * c_n + c
            m = b * d.n_goods + d.channel_good[c]
            total = d.j_budget[m]
            part = d.p_left[i] / total if total > 0 else 0.0
            for r in range(r_n):
                policy = d.j_spread[m, r] * part
                d.a_policy[i, r] = policy
                d.a_shipped[i, r] = d.p_pledged[i, r] + policy
    if d.has_receipts:  # what each exchange's send brings back, booked for the day it lands
        # (before the arrears below retire what is paid: a retired instance reads 0.0)
        for q in range(d.exchange_sends.shape[0]):
            p = d.exchange_sends[q]
            day = t + d.receive_lead[p]
            if day < t_n:
                sent_from = b * c_n + d.pledge_channel[p]
                back_to = b * c_n + d.receive_channel[p]
                d.receipts[back_to, day] += d.receive_ratio[p] * d.a_pledge[sent_from, p]
    a_shipped, a_policy, a_pledge = d.a_shipped, d.a_policy, d.a_pledge
    in_transit, shipped, first_day, lead = d.in_transit, d.shipped, d.first_day, d.lead
    ring, hub_ring, route_hub, slots = d.ring, d.hub_ring, d.route_hub, d.slots
    today = t % slots
    for c in range(c_n):
        i = b * c_n + c
        cargo = a_shipped[i]
        sent = 0.0
        for r in range(r_n):
            sent += cargo[r]
        d.stock[i] = d.stock[i] - sent
        if d.cohort_days > 0 and d.shelf_life[row(i, c, d.shelf_life.shape[0], n)] > 0:
            _take_oldest(d.cohorts[i], t, sent)
        paid = 0.0
        live, due_now = d.own_live[i], d.own_end[c, k]  # later ones are not due yet
        for q in range(live, due_now):
            p = d.own[q]
            amount = a_pledge[i, p]
            paid += amount
            d.outstanding[i, p] = max(d.outstanding[i, p] - amount, 0.0)
            if d.pledge_due[p] == k:
                d.on_time[i, p] += amount
            else:
                d.late[i, p] += amount
        # Paid in full and already due: never owed again, never looked at again (and its
        # answer reads 0.0 from now on, as an allocator's would).
        while live < due_now and d.outstanding[i, d.own[live]] == 0.0:
            a_pledge[i, d.own[live]] = 0.0
            live += 1
        d.own_live[i] = live
        air, total, first, days = in_transit[i], shipped[i], first_day[i], lead[i, k]
        for r in range(r_n):
            x = cargo[r]
            air[r] = air[r] + x
            total[r] += x
            arrival = t + days[r]
            via_hub = d.has_hubs and route_hub[c, r] >= 0
            # First delivery, known at dispatch: what lands inside the horizon, earliest
            # first; through a hub, only once the hub sends it on.
            if x > 0 and arrival < t_n and (first[r] < 0 or arrival < first[r]) and not via_hub:
                first[r] = arrival
            # Beyond the horizon every lead is alike: it never lands (clipped, so the ring
            # is at most a horizon long however long the tails of the lead times). The
            # clipped lead is below ``slots`` (the ring is sized so): no division needed.
            slot = today + min(days[r], t_n)
            if slot >= slots:
                slot -= slots
            if via_hub:
                hub_ring[i, slot, r] += x
                if x != 0.0:
                    d.hub_landing[b, slot] += 1
            else:
                ring[i, slot, r] += x
        if d.keep:
            d.s_donor[D_SHIPPED, i, t] = sent
            d.s_donor[D_SHIPPED_PLEDGES, i, t] = paid
            d.s_donor[D_STOCK, i, t] = d.stock[i]
            for r in range(r_n):
                d.s_channel[C_SHIPPED, i, t, r] = cargo[r]
                d.s_channel[C_PLEDGED, i, t, r] = cargo[r] - a_policy[i, r]



@numba.njit(cache=True)
def receive_and_consume(d: Any, b: int, t: int) -> None:
    """Step 5: what lands today moves from in transit into the regions' stock of its good;
    then each region uses what it has of each good, up to its need (the rest is unmet)."""
    if d.one_to_one and not d.keep:
        _receive_and_consume_own_goods(d, b, t)
        return
    c_n, g_n, r_n = d.n_channels, d.n_goods, d.n_regions
    ring, region_stock, in_transit = d.ring, d.region_stock, d.in_transit
    channel_good, need_all, consumed = d.channel_good, d.need, d.consumed
    slot = t % d.slots
    keep = d.keep
    for g in range(g_n):
        stock = region_stock[b * g_n + g]
        if d.one_to_one:
            landed = ring[b * c_n + g, slot]
            for r in range(r_n):
                stock[r] += landed[r]
        else:  # the good's channels summed first, in channel order
            for r in range(r_n):
                total = 0.0
                for c in range(c_n):
                    if channel_good[c] == g:
                        total += ring[b * c_n + c, slot, r]
                stock[r] += total
    for c in range(c_n):
        i = b * c_n + c
        landed = ring[i, slot]
        air = in_transit[i]
        for r in range(r_n):
            air[r] = max(air[r] - landed[r], 0.0)  # rounding only
        if keep:
            s = d.s_channel
            for r in range(r_n):
                s[C_ARRIVED, i, t, r] += landed[r]
                s[C_IN_TRANSIT, i, t, r] = air[r]
        for r in range(r_n):
            landed[r] = 0.0
    for g in range(g_n):
        m = b * g_n + g
        need = need_all[row(m, g, need_all.shape[0], d.n_scenarios * g_n), t]
        stock = region_stock[m]
        used_total = consumed[m]
        for r in range(r_n):
            used = min(stock[r], need[r])
            stock[r] -= used
            used_total[r] += used
            if keep:
                d.s_good[G_CONSUMED, m, t, r] = used
                d.s_good[G_STOCK, m, t, r] = stock[r]


@numba.njit(cache=True)
def _receive_and_consume_own_goods(d: Any, b: int, t: int) -> None:
    """``receive_and_consume`` when each good has one channel and no series are kept: the
    same operations on each region, in one pass over it."""
    c_n = d.n_channels
    slot = t % d.slots
    need_all = d.need
    for c in range(c_n):
        i = b * c_n + c
        landed, air = d.ring[i, slot], d.in_transit[i]
        stock, used_total = d.region_stock[i], d.consumed[i]
        need = need_all[row(i, c, need_all.shape[0], d.n_scenarios * c_n), t]
        for r in range(d.n_regions):
            x = landed[r]
            held = stock[r] + x
            air[r] = max(air[r] - x, 0.0)  # rounding only
            landed[r] = 0.0
            used = min(held, need[r])
            stock[r] = held - used
            used_total[r] += used
