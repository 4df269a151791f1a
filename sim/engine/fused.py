"""Engine ``batch``, compiled: the whole year of a chunk of scenario rows in one numba pass.

The numpy batch engine makes about 25 passes over (N, R) arrays a day, each a Python call;
here a chunk of rows goes through every day while its state (stock, what is in the air, the
ring of arrival days) stays in cache, and chunks run on numba's threads. The arithmetic is
``sim.engine.day``'s, operation for operation and in the same order -- the same products,
minima and sums, no fastmath, and ``numpy_sum`` where numpy sums a row -- and shipments come
from the compiled allocator's own row kernel, so a scenario gives the same bits here as in
the SimPy engine with the ``compiled`` backend (``tests/engine/test_fused.py`` holds both to
that). Rows are independent, so the answer does not depend on the chunk or thread count.
Python's ``min``/``max`` here and numpy's ``minimum``/``maximum`` could only differ on a tie
of 0.0 with -0.0; validation turns every -0.0 of a scenario into 0.0, and from non-negative
inputs none arises, so there is no such tie.

It runs what most sweeps are made of; ``supports`` says when. Hubs, shelf lives, exchanges,
pooled giving, a donor's goods sharing a cargo cap, and day-by-day series stay with the
numpy loop, which is the same model.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from sim.allocate.compiled import CODES, group_starts, rows_kernel
from sim.engine import day
from sim.engine.draws import Draws
from sim.engine.plan import Array, Plan
from sim.engine.state import Layout, Run, State, Totals

ROWS_PER_CHUNK = 16  # a chunk's ring and state (about 8 kB a row at R = 50) stay in L2


def supports(plan: Plan) -> bool:
    """Whether the compiled loop runs this plan (else the numpy loop does, to the same
    numbers): no hubs, shelf lives, exchanges, pooled giving, MIP-only options, and each
    good from one donor that ships nothing else under a finite cargo cap."""
    layout = Layout.of(plan)
    shared_cargo = not layout.solo_donors and bool(np.isfinite(plan.cargo_cap).any())
    return not (plan.hub_ids or plan.pooled or not layout.one_to_one or shared_cargo
                or (plan.receive_channel >= 0).any() or (plan.shelf_life_days > 0).any()
                or plan.min_shipment_units or plan.pallet_units)


def simulate_fused(plan: Plan, draws: Draws) -> Run:
    """The plan's B scenarios (``supports(plan)`` must hold) with the compiled allocator."""
    state = State.initial(plan)
    totals = Totals.zeros(plan)
    f8, i8 = np.float64, np.int64

    def c(values: NDArray[Any], dtype: type = f8) -> Any:  # one layout and dtype: one compile
        return np.ascontiguousarray(values, dtype=dtype)

    # The ring as the numpy loop sizes it (no hubs here): the longest lead, within the horizon.
    slots = min(int(draws.lead_days.max(initial=0)), plan.n_days) + 1
    rules = np.array([CODES[r] for r in plan.channel_rule], dtype=i8)
    inputs = (  # _chunk unpacks them in this order
        c(plan.ship_days, i8), c(plan.capacity_units), c(plan.procured_units),
        c(plan.requisition_share), c(plan.requisition_cap_units),
        c(plan.domestic_demand_units), c(plan.reserve_days), c(plan.budget_share),
        c(plan.budget_per_shipment_units), c(plan.dispatches, np.bool_),
        c(plan.cargo_cap), c(plan.cargo_per_unit), c(plan.policy_on, np.bool_),
        c(plan.policy_day, np.bool_), c(plan.pledge_units), c(plan.pledge_due, i8),
        c(plan.pledge_region, i8), group_starts(plan.pledge_due, len(plan.pledge_region)),
        c(plan.projected_need_units), c(plan.cap_units), c(plan.share), c(plan.tier, i8),
        c(plan.weight), c(plan.need_units), rules, state.receives,
        c(draws.outage_loss), c(draws.lead_days, np.int32), slots)
    carried = (state.stock_units, state.region_stock_units, state.in_transit_units,
               state.pledge_outstanding_units)
    summed = (totals.produced_units, totals.released_units, totals.received_units,
              totals.domestic_demand_units, totals.domestic_served_units,
              totals.shipped_units, totals.consumed_units, totals.pledge_on_time_units,
              totals.pledge_late_units, totals.first_delivery_day)
    _run(inputs, carried, summed)
    day.finish(plan, state, totals)
    return Run(plan, draws, totals, None)


@numba.njit(cache=True, parallel=True)
def _run(inputs: Any, carried: Any, summed: Any) -> None:
    """Every chunk of rows through every day: ``carried`` (the state) and ``summed`` (the
    totals) are updated in place."""
    n_rows = carried[0].shape[0]
    for chunk in numba.prange((n_rows + ROWS_PER_CHUNK - 1) // ROWS_PER_CHUNK):
        lo = chunk * ROWS_PER_CHUNK
        _chunk(lo, min(lo + ROWS_PER_CHUNK, n_rows), inputs, carried, summed)


@numba.njit(cache=True)
def _chunk(lo: int, hi: int, inputs: Any, carried: Any, summed: Any) -> None:
    """Rows lo..hi, day by day in ``sim.engine.day``'s order. A shared plan array has a
    leading axis of 1 or C rows, so row i reads its row i % len (``state.per_row``)."""
    (ship_days, capacity, procured, req_share, req_cap, demand, reserve_days, budget_share,
     budget_cap, dispatches, cargo_cap, cargo_per_unit, policy_on, policy_day, pledge_units,
     pledge_due, pledge_region, groups, projected_need, cap, share, tier, weight, need, rules,
     receives, loss, lead, slots) = inputs
    stock, region_stock, in_transit, outstanding = carried
    (produced, released, received, domestic_demand, domestic_served, shipped, consumed,
     on_time, late, first_day) = summed
    n, n_days = hi - lo, capacity.shape[1]
    n_regions, n_pledges, n_channels = need.shape[2], pledge_due.shape[0], rules.shape[0]
    uniform_rule = True
    for ch in range(n_channels):
        uniform_rule = uniform_rule and rules[ch] == rules[0]
    ring = np.zeros((slots, n, n_regions))  # ring[t % slots, j]: what lands on day t
    # The allocator's inputs and outputs for the chunk's rows on a dispatch day.
    a_budget = np.empty(n)
    a_on = np.empty(n, dtype=np.bool_)
    a_due = np.empty((n, n_pledges))
    a_need, a_have, a_cap = (np.empty((n, n_regions)), np.empty((n, n_regions)),
                             np.empty((n, n_regions)))
    a_share, a_weight = np.empty((n, n_regions)), np.empty((n, n_regions))
    a_tier = np.empty((n, n_regions), dtype=np.int64)
    a_pledge, a_policy, a_shipped = (np.empty((n, n_pledges)), np.empty((n, n_regions)),
                                     np.empty((n, n_regions)))
    k = 0  # the next dispatch day
    n_all = stock.shape[0]
    for t in range(n_days):
        now = t % slots
        # Steps 1-3, as produce_and_serve with day.supplies computed here, row by row, in
        # cache (the same products and minima; totals added day by day, as that sums them).
        for i in range(lo, hi):
            production = capacity[_src(i, capacity, n_all), t] * (1.0 - loss[i, t])
            taken = min(production * req_share[_src(i, req_share, n_all), t],
                        req_cap[_src(i, req_cap, n_all), t])
            wanted = demand[_src(i, demand, n_all), t]
            incoming = taken
            if receives:
                came = procured[_src(i, procured, n_all), t]
                incoming = taken + came
                received[i] += came
            served = min(wanted, incoming + stock[i])
            stock[i] = stock[i] + incoming - served
            produced[i] += production
            released[i] += production - taken
            domestic_demand[i] += wanted
            domestic_served[i] += served
        if k < ship_days.shape[0] and ship_days[k] == t:  # step 4: dispatch
            for j in range(n):
                i = lo + j
                reserve = (reserve_days[_src(i, reserve_days, n_all)]
                           * demand[_src(i, demand, n_all), t])
                surplus = max(stock[i] - reserve, 0.0)
                offered = min(budget_share[_src(i, budget_share, n_all)] * surplus,
                              budget_cap[_src(i, budget_cap, n_all)])
                if not dispatches[_src(i, dispatches, n_all), k]:
                    offered = 0.0
                offered = min(offered, cargo_cap[_src(i, cargo_cap, n_all)]
                              / cargo_per_unit[_src(i, cargo_per_unit, n_all)])
                a_budget[j] = offered
                a_on[j] = (policy_on[_src(i, policy_on, n_all)]
                           and policy_day[_src(i, policy_day, n_all), k])
                pledges = pledge_units[_src(i, pledge_units, n_all)]
                for p in range(n_pledges):
                    add = pledges[p] if pledge_due[p] == k else 0.0
                    outstanding[i, p] = outstanding[i, p] + add
                    a_due[j, p] = outstanding[i, p]
                row_need = projected_need[_src(i, projected_need, n_all), k]
                row_cap, row_tier = cap[_src(i, cap, n_all)], tier[_src(i, tier, n_all)]
                row_share = share[_src(i, share, n_all), k]
                row_weight = weight[_src(i, weight, n_all)]
                for r in range(n_regions):
                    a_need[j, r] = row_need[r]
                    a_have[j, r] = region_stock[i, r] + in_transit[i, r]
                    a_cap[j, r] = row_cap[r]
                    a_share[j, r] = row_share[r]
                    a_tier[j, r] = row_tier[r]
                    a_weight[j, r] = row_weight[r]
                if not uniform_rule:
                    rows_kernel(j, j + 1, rules[i % n_channels], a_budget, a_on, a_due,
                                pledge_region, groups, a_need, a_have, a_cap, a_share, a_tier,
                                a_weight, a_pledge, a_policy, a_shipped)
            if uniform_rule:
                rows_kernel(0, n, rules[0], a_budget, a_on, a_due, pledge_region, groups,
                            a_need, a_have, a_cap, a_share, a_tier, a_weight, a_pledge,
                            a_policy, a_shipped)
            for j in range(n):
                i = lo + j
                stock[i] = stock[i] - numpy_sum(a_shipped[j])
                for p in range(n_pledges):
                    outstanding[i, p] = max(outstanding[i, p] - a_pledge[j, p], 0.0)
                    if pledge_due[p] == k:
                        on_time[i, p] += a_pledge[j, p]
                    else:
                        late[i, p] += a_pledge[j, p]
                for r in range(n_regions):
                    sent = a_shipped[j, r]
                    in_transit[i, r] = in_transit[i, r] + sent
                    shipped[i, r] += sent
                    days = lead[i, k, r]
                    arrival = t + days
                    first = first_day[i, r]
                    if sent > 0 and arrival < n_days and (first < 0 or arrival < first):
                        first_day[i, r] = arrival
                    # (t + min(days, n_days)) % slots, without a division: the clipped
                    # lead is below ``slots`` (the ring is sized so).
                    slot = now + min(days, n_days)
                    ring[slot - slots if slot >= slots else slot, j, r] += sent
            k += 1
        for j in range(n):  # step 5: receive, then consume
            i = lo + j
            row_need = need[_src(i, need, n_all), t]
            for r in range(n_regions):
                arrived = ring[now, j, r]
                region_stock[i, r] += arrived
                in_transit[i, r] = max(in_transit[i, r] - arrived, 0.0)
                ring[now, j, r] = 0.0
                used = min(region_stock[i, r], row_need[r])
                region_stock[i, r] -= used
                consumed[i, r] += used


@numba.njit(cache=True, inline="always")
def _src(i: int, values: NDArray[np.generic], n_rows: int) -> int:
    """The row of a plan array that row i reads: i % its rows (``state.per_row``), without
    a division in the usual cases (one row shared, or one per row)."""
    m = values.shape[0]
    return 0 if m == 1 else i if m == n_rows else i % m


@numba.njit(cache=True)
def numpy_sum(values: Array) -> float:
    """``values.sum()`` to the bit, as numpy sums a contiguous row: 0.0 plus a pairwise sum
    (numpy's ``pairwise_sum``: halves, cut at multiples of 8, down to blocks of at most 128,
    each summed eight ways). Checked against numpy on every length the tests try, so a numpy
    that sums otherwise fails them."""
    n = values.shape[0]
    if n <= 128:  # one block: no stack needed
        return float(0.0 + _block(values, 0, n))
    # The recursion as a loop (numba cannot cache a recursive function): a stack of spans,
    # each split into its halves once, then replaced by the sum of their two sums.
    lo_s, n_s = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    split = np.zeros(64, dtype=np.bool_)
    sums = np.empty(64)
    top, n_sums = 0, 0
    lo_s[0], n_s[0] = 0, n
    while top >= 0:
        lo, m = lo_s[top], n_s[top]
        if m <= 128:
            sums[n_sums] = _block(values, lo, m)
            n_sums += 1
            top -= 1
        elif not split[top]:
            split[top] = True
            half = m // 2
            half -= half % 8
            lo_s[top + 1], n_s[top + 1], split[top + 1] = lo + half, m - half, False
            lo_s[top + 2], n_s[top + 2], split[top + 2] = lo, half, False  # first half first
            top += 2
        else:
            sums[n_sums - 2] = sums[n_sums - 2] + sums[n_sums - 1]
            n_sums -= 1
            top -= 1
    return float(0.0 + sums[0])


@numba.njit(cache=True)
def _block(a: Array, lo: int, n: int) -> float:
    """numpy's sum of a block of at most 128: eight running sums, then the rest in turn."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return float(res)
