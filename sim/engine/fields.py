"""The numba type of a frame (``sim.engine.frame``): its fields, in order, each with the one
type it always has (C-contiguous arrays; the plan's and the draws' read-only), and the cached
constructor. One type, so every step is compiled once and loaded from numba's cache after."""

from __future__ import annotations

from typing import Any

import numba
from numba import types
from numba.experimental import structref

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)


@structref.register
class FrameType(types.StructRef):
    """The numba type of a frame (its fields: ``FIELDS``)."""


class FrameProxy(structref.StructRefProxy):
    """A frame as Python holds it (an opaque handle the compiled steps take)."""


def _array(dtype: Any, ndim: int, readonly: bool = False) -> Any:
    return types.Array(dtype, ndim, "C", readonly=readonly)


I8, BO = types.int64, types.boolean
F1, F2, F3, F4 = (_array(types.float64, n) for n in (1, 2, 3, 4))
I1, I2, I3 = (_array(types.int64, n) for n in (1, 2, 3))
B1 = _array(types.boolean, 1)
RF1, RF2, RF3 = (_array(types.float64, n, True) for n in (1, 2, 3))
RI1, RI2 = _array(types.int64, 1, True), _array(types.int64, 2, True)
RB1, RB2 = _array(types.boolean, 1, True), _array(types.boolean, 2, True)
RL3 = _array(types.int32, 3, True)

FIELDS = [
    ("n_scenarios", I8),  # B
    ("n_channels", I8),  # C
    ("n_goods", I8),  # G
    ("n_regions", I8),  # R
    ("n_days", I8),  # T
    ("slots", I8),  # S: days in the arrival rings
    ("cohort_days", I8),  # L: the longest shelf life (0: none expires)
    ("pooled", BO),
    ("solo_donors", BO),  # every donor ships one good: its cargo cap is its channel's
    ("one_to_one", BO),  # every good has one channel, in order: good rows are channel rows
    ("receives", BO),  # anything comes in besides production (procurement, exchanges)
    ("has_receipts", BO),  # some exchange brings goods back
    ("has_hubs", BO),
    ("keep", BO),  # day-by-day series kept
    ("ship_days", RI1),  # (K,) day of each dispatch
    ("dispatches", RB2),  # (C, K) the channel may ship that day
    ("policy_day", RB2),  # (C, K) the rule runs that day
    ("channel_good", RI1),  # (C,)
    ("channel_donor", RI1),  # (C,)
    ("first_of_good", RI1),  # (G,) the first channel of each good (-1: none)
    ("own", RI1),  # (P,) pledge instances channel by channel, oldest first
    ("own_start", RI1),  # (C + 1,) channel c's instances: own[own_start[c]:own_start[c + 1]]
    ("own_end", RI2),  # (C, K) channel c's instances due by dispatch k end at own_end[c, k]
    ("exchange_sends", RI1),  # (X,) the instances that bring goods back, in order
    ("pledge_due", RI1),  # (P,) dispatch index each instance falls due at
    ("pledge_region", RI1),  # (P,)
    ("pledge_channel", RI1),  # (P,)
    ("receive_channel", RI1),  # (P,) -1: nothing comes back
    ("receive_ratio", RF1),  # (P,)
    ("receive_lead", RI1),  # (P,)
    ("route_hub", RI2),  # (C, R) -1: directly
    ("hub_handling", RI1),  # (H,)
    ("hub_onward", RI2),  # (H, R)
    ("hub_per_unit", RF2),  # (H, C)
    ("route_start", RI1),  # (H + 1,) hub h's routes: route_start[h]:route_start[h + 1]
    ("route_channel", RI1),  # (routes,) in (channel, region) order, hub by hub
    ("route_region", RI1),  # (routes,)
    ("rule", RI1),  # (. rows,) rule code each channel row spreads by (pooled: the scenario's)
    ("capacity", RF2),  # (., T)
    ("procured", RF2),  # (., T)
    ("req_share", RF2),  # (., T)
    ("req_cap", RF2),  # (., T)
    ("demand", RF2),  # (., T)
    ("reserve_days", RF1),  # (.,)
    ("budget_share", RF1),  # (.,)
    ("budget_cap", RF1),  # (.,)
    ("policy_on", RB1),  # (.,)
    ("cargo_cap", RF1),  # (.,)
    ("cargo_per_unit", RF1),  # (.,)
    ("shelf_life", RI1),  # (.,)
    ("cap", RF2),  # (., R)
    ("weight", RF2),  # (., R)
    ("tier", RI2),  # (., R)
    ("projected_need", RF3),  # (., K, R)
    ("share", RF3),  # (., K, R)
    ("pledge_units", RF2),  # (., P)
    ("need", RF3),  # (. good rows, T, R)
    ("hub_throughput", RF2),  # (. scenarios, H)
    ("loss", RF2),  # (N, T) draws: share of capacity lost
    ("lead", RL3),  # (N, K, R) draws: transit days
    ("stock", F1),  # (N,) state
    ("region_stock", F2),  # (M, R)
    ("in_transit", F2),  # (N, R)
    ("outstanding", F2),  # (N, P) pledges due and not yet shipped
    ("receipts", F2),  # (N, T) what exchanges bring back, by the day it lands
    ("cohorts", F2),  # (N, L) stock by the day it came in (slot t % L)
    ("ring", F3),  # (N, S, R) what lands at the regions on day t (slot t % S)
    ("hub_ring", F3),  # (N, S, R) what lands at a hub on day t
    ("q_day", I3),  # (B, H, Q) hub queues: the day each consignment landed
    ("q_route", I3),  # (B, H, Q) its route (index among the hub's routes)
    ("q_units", F3),  # (B, H, Q) what of it still waits
    ("q_head", I2),  # (B, H) the oldest consignment still waiting
    ("q_tail", I2),  # (B, H) one past the newest
    ("hub_landing", I2),  # (B, S) consignments booked into the hub ring's slot of each day
    ("own_live", I1),  # (N,) each row's oldest own instance that may still be owed
    ("p_budget", F1),  # (N,) offered today (the problem's budget)
    ("p_on", B1),  # (N,) the rule spreads today
    ("p_have", F2),  # (N, R) the regions' stock of the good plus this channel's in transit
    ("p_left", F1),  # (N,) pooled: the offer left after the channel's pledges
    ("p_pledged", F2),  # (N, R) pooled: the channel's pledges by region
    ("j_budget", F1),  # (M,) pooled: the offers left of a good, together
    ("j_have", F2),  # (M, R)
    ("j_cap", F2),  # (M, R)
    ("j_spread", F2),  # (M, R) pooled: the rule's joint answer
    ("a_pledge", F2),  # (N, P) the answer: shipped against each instance
    ("a_policy", F2),  # (N, R) spread by the rule
    ("a_shipped", F2),  # (N, R) both
    ("w_rows", F3),  # (B, 9, R) scratch rows of a scenario's steps
    ("w_goods", F3),  # (B, G, R) scratch: pooled giving's room by good
    ("w_routes", F2),  # (B, routes of the largest hub) scratch: handled by route
    ("w_channels", F2),  # (B, C) scratch: what of its offer fits each channel's cargo
    ("produced", F1),  # (N,) totals
    ("released", F1),  # (N,)
    ("received", F1),  # (N,)
    ("written_off", F1),  # (N,)
    ("domestic_demand", F1),  # (N,)
    ("domestic_served", F1),  # (N,)
    ("shipped", F2),  # (N, R)
    ("consumed", F2),  # (M, R)
    ("on_time", F2),  # (N, P)
    ("late", F2),  # (N, P)
    ("first_day", I2),  # (N, R) -1: never
    ("hub_handled", F2),  # (B, H)
    ("hub_waited", F2),  # (B, H)
    ("s_donor", F3),  # (donor series, N, T) series (zero-size unless kept)
    ("s_channel", F4),  # (channel-region series, N, T, R)
    ("s_good", F4),  # (good-region series, M, T, R)
    ("s_hub", F4),  # (hub series, B, H, T)
]

FRAME = FrameType(FIELDS)  # type: ignore[no-untyped-call]
structref.define_boxing(FrameType, FrameProxy)  # type: ignore[no-untyped-call]


@numba.njit(cache=True)
def new_frame(scalars: Any, arrays: Any) -> Any:
    (n_scenarios, n_channels, n_goods, n_regions, n_days, slots, cohort_days, pooled,
     solo_donors, one_to_one, receives, has_receipts, has_hubs, keep) = scalars
    (ship_days, dispatches, policy_day, channel_good, channel_donor, first_of_good, own,
     own_start, own_end, exchange_sends, pledge_due, pledge_region, pledge_channel,
     receive_channel, receive_ratio, receive_lead, route_hub, hub_handling, hub_onward,
     hub_per_unit, route_start, route_channel, route_region, rule, capacity, procured,
     req_share, req_cap, demand, reserve_days, budget_share, budget_cap, policy_on, cargo_cap,
     cargo_per_unit, shelf_life, cap, weight, tier, projected_need, share, pledge_units, need,
     hub_throughput, loss, lead, stock, region_stock, in_transit, outstanding, receipts,
     cohorts, ring, hub_ring, q_day, q_route, q_units, q_head, q_tail, hub_landing, own_live,
     p_budget, p_on, p_have, p_left, p_pledged, j_budget, j_have, j_cap, j_spread, a_pledge,
     a_policy, a_shipped, w_rows, w_goods, w_routes, w_channels, produced, released, received,
     written_off, domestic_demand, domestic_served, shipped, consumed, on_time, late,
     first_day, hub_handled, hub_waited, s_donor, s_channel, s_good, s_hub) = arrays
    frame: Any = structref.new(FRAME)  # type: ignore[call-arg]
    frame.n_scenarios = n_scenarios
    frame.n_channels = n_channels
    frame.n_goods = n_goods
    frame.n_regions = n_regions
    frame.n_days = n_days
    frame.slots = slots
    frame.cohort_days = cohort_days
    frame.pooled = pooled
    frame.solo_donors = solo_donors
    frame.one_to_one = one_to_one
    frame.receives = receives
    frame.has_receipts = has_receipts
    frame.has_hubs = has_hubs
    frame.keep = keep
    frame.ship_days = ship_days
    frame.dispatches = dispatches
    frame.policy_day = policy_day
    frame.channel_good = channel_good
    frame.channel_donor = channel_donor
    frame.first_of_good = first_of_good
    frame.own = own
    frame.own_start = own_start
    frame.own_end = own_end
    frame.exchange_sends = exchange_sends
    frame.pledge_due = pledge_due
    frame.pledge_region = pledge_region
    frame.pledge_channel = pledge_channel
    frame.receive_channel = receive_channel
    frame.receive_ratio = receive_ratio
    frame.receive_lead = receive_lead
    frame.route_hub = route_hub
    frame.hub_handling = hub_handling
    frame.hub_onward = hub_onward
    frame.hub_per_unit = hub_per_unit
    frame.route_start = route_start
    frame.route_channel = route_channel
    frame.route_region = route_region
    frame.rule = rule
    frame.capacity = capacity
    frame.procured = procured
    frame.req_share = req_share
    frame.req_cap = req_cap
    frame.demand = demand
    frame.reserve_days = reserve_days
    frame.budget_share = budget_share
    frame.budget_cap = budget_cap
    frame.policy_on = policy_on
    frame.cargo_cap = cargo_cap
    frame.cargo_per_unit = cargo_per_unit
    frame.shelf_life = shelf_life
    frame.cap = cap
    frame.weight = weight
    frame.tier = tier
    frame.projected_need = projected_need
    frame.share = share
    frame.pledge_units = pledge_units
    frame.need = need
    frame.hub_throughput = hub_throughput
    frame.loss = loss
    frame.lead = lead
    frame.stock = stock
    frame.region_stock = region_stock
    frame.in_transit = in_transit
    frame.outstanding = outstanding
    frame.receipts = receipts
    frame.cohorts = cohorts
    frame.ring = ring
    frame.hub_ring = hub_ring
    frame.q_day = q_day
    frame.q_route = q_route
    frame.q_units = q_units
    frame.q_head = q_head
    frame.q_tail = q_tail
    frame.hub_landing = hub_landing
    frame.own_live = own_live
    frame.p_budget = p_budget
    frame.p_on = p_on
    frame.p_have = p_have
    frame.p_left = p_left
    frame.p_pledged = p_pledged
    frame.j_budget = j_budget
    frame.j_have = j_have
    frame.j_cap = j_cap
    frame.j_spread = j_spread
    frame.a_pledge = a_pledge
    frame.a_policy = a_policy
    frame.a_shipped = a_shipped
    frame.w_rows = w_rows
    frame.w_goods = w_goods
    frame.w_routes = w_routes
    frame.w_channels = w_channels
    frame.produced = produced
    frame.released = released
    frame.received = received
    frame.written_off = written_off
    frame.domestic_demand = domestic_demand
    frame.domestic_served = domestic_served
    frame.shipped = shipped
    frame.consumed = consumed
    frame.on_time = on_time
    frame.late = late
    frame.first_day = first_day
    frame.hub_handled = hub_handled
    frame.hub_waited = hub_waited
    frame.s_donor = s_donor
    frame.s_channel = s_channel
    frame.s_good = s_good
    frame.s_hub = s_hub
    return frame
