"""Everything the compiled day reads and writes, as one numba structure: a ``Frame``.

The day's steps (``sim.engine.steps``) take a frame and a scenario index; the SimPy engine calls
them from Python one step at a time (passing a frame costs a pointer, not a hundred arrays),
and the batch engine calls them inside its compiled pass. A frame holds:

* the plan's arrays (read-only; a per-row array keeps a leading axis of 1, C or B x C rows,
  ``sim.engine.plan``, and the steps read row i of it as ``row(i, ...)``), and the draws;
* the state that carries from day to day (stock, what is in the air, the hubs' queues);
* the shipment day's problem and answer, in arrays a Python allocator reads and fills;
* the totals and, when kept, the day-by-day series: the very arrays of the run's ``Totals``
  and ``Series``, written in place.

Its lifetime is one run (``build_frame`` ... ``finish``). Rows: channel rows N = B x C (a
donor's supply of one good in one scenario), good rows M = B x G.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numba import types
from numba.experimental import structref
from numpy.typing import NDArray

from sim.allocate.kernels import CODES
from sim.engine.draws import Draws
from sim.engine.plan import Plan
from sim.engine.state import (
    CHANNEL_REGION_SERIES,
    DONOR_SERIES,
    GOOD_REGION_SERIES,
    HUB_SERIES,
    Layout,
    Series,
    Totals,
)


@structref.register
class FrameType(types.StructRef):
    """The numba type of a frame (its fields: ``FIELDS``)."""


class FrameProxy(structref.StructRefProxy):
    """A frame as Python holds it (an opaque handle the compiled steps take)."""


def _array(dtype: Any, ndim: int, readonly: bool = False) -> Any:
    return types.Array(dtype, ndim, "C", readonly=readonly)


I8, BO = types.int64, types.boolean
F1, F2, F3, F4 = (_array(types.float64, n) for n in (1, 2, 3, 4))
I2, I3 = _array(types.int64, 2), _array(types.int64, 3)
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
def _new(scalars: Any, arrays: Any) -> Any:
    (n_scenarios, n_channels, n_goods, n_regions, n_days, slots, cohort_days, pooled,
     solo_donors, one_to_one, receives, has_receipts, has_hubs, keep) = scalars
    (ship_days, dispatches, policy_day, channel_good, channel_donor, first_of_good, own,
     own_start, exchange_sends, pledge_due, pledge_region, pledge_channel, receive_channel,
     receive_ratio, receive_lead, route_hub, hub_handling, hub_onward, hub_per_unit,
     route_start, route_channel, route_region, rule, capacity, procured, req_share, req_cap,
     demand, reserve_days, budget_share, budget_cap, policy_on, cargo_cap, cargo_per_unit,
     shelf_life, cap, weight, tier, projected_need, share, pledge_units, need, hub_throughput,
     loss, lead, stock, region_stock, in_transit, outstanding, receipts, cohorts, ring,
     hub_ring, q_day, q_route, q_units, q_head, q_tail, p_budget, p_on, p_have, p_left,
     p_pledged, j_budget, j_have, j_cap, j_spread, a_pledge, a_policy, a_shipped, produced,
     released, received, written_off, domestic_demand, domestic_served, shipped, consumed,
     on_time, late, first_day, hub_handled, hub_waited, s_donor, s_channel, s_good, s_hub) = arrays
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


_SCALARS = tuple(name for name, kind in FIELDS if kind in (I8, BO))
_ARRAYS = tuple(name for name, kind in FIELDS if kind not in (I8, BO))


@dataclass
class Frame:
    """A run's frame: the compiled handle, and the numpy arrays it was built from (the same
    memory: what the steps write shows in ``arrays``, ``totals`` and ``series``)."""

    handle: Any  # FrameProxy: what the compiled steps take
    plan: Plan
    draws: Draws
    layout: Layout
    arrays: dict[str, NDArray[Any]]
    totals: Totals
    series: Series | None


def _read_only(values: NDArray[Any], dtype: Any) -> NDArray[Any]:
    """C-contiguous, of one dtype and read-only: the one numba type each field has."""
    view = np.ascontiguousarray(values, dtype=dtype).view()
    view.setflags(write=False)
    return view


def _routes(plan: Plan) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Hub by hub, its routes (channel, region) in queue order: channel, then region."""
    starts: list[int] = [0]
    channels: list[NDArray[np.intp]] = []
    regions: list[NDArray[np.intp]] = []
    for h in range(len(plan.hub_ids)):
        c, r = np.nonzero(plan.route_hub == h)
        channels.append(c)
        regions.append(r)
        starts.append(starts[-1] + len(c))
    def cat(parts: list[NDArray[np.intp]]) -> NDArray[np.int64]:
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    return np.array(starts, dtype=np.int64), cat(channels), cat(regions)


def build_frame(plan: Plan, draws: Draws, *, keep_series: bool) -> Frame:
    """The frame of a run of the plan's B scenarios: state as on the morning of day 0."""
    layout = Layout.of(plan)
    b, c, g = plan.n_scenarios, plan.n_channels, plan.n_goods
    n, m = b * c, b * g
    r, t, k = len(plan.region_ids), plan.n_days, len(plan.ship_days)
    p, h = len(plan.pledge_region), len(plan.hub_ids)
    i8, f8 = np.int64, np.float64
    channel = np.asarray(plan.pledge_channel)
    own = np.concatenate([np.flatnonzero(channel == j) for j in range(c)] or [np.zeros(0, np.intp)])
    own_start = np.cumsum([0] + [int((channel == j).sum()) for j in range(c)])
    route_start, route_channel, route_region = _routes(plan)
    rules = [plan.rule] * c if plan.pooled else list(plan.channel_rule)
    first = np.array([int(np.flatnonzero(plan.channel_good == j)[0])
                      if (plan.channel_good == j).any() else -1 for j in range(g)])
    life = np.broadcast_to(np.asarray(plan.shelf_life_days, dtype=i8), (c,)
                           ) if plan.shelf_life_days.shape[0] == 1 else plan.shelf_life_days
    longest = int(np.max(life, initial=0))
    onward = (plan.hub_handling_days[:, None] + plan.hub_onward_days).max(initial=0)
    slots = min(max(int(draws.lead_days.max(initial=0)), int(onward)), t) + 1
    per_hub = int(np.diff(route_start).max(initial=0))
    queue = max(1, k * per_hub)
    stock = np.array(np.broadcast_to(
        np.tile(plan.initial_stock_units, n // len(plan.initial_stock_units))
        if len(plan.initial_stock_units) not in (1, n) else plan.initial_stock_units, (n,)),
        dtype=f8)
    cohorts = np.zeros((n, longest))
    if longest:  # the initial stock counts as new on the first day
        lives = np.tile(life, n // len(life)) if len(life) != n else life
        cohorts[:, 0] = np.where(lives > 0, stock, 0.0)
    has_receipts = bool((plan.receive_channel >= 0).any())
    totals = Totals.zeros(plan)
    series, blocks = _series(plan, layout, keep_series)
    zeros = np.zeros
    arrays: dict[str, NDArray[Any]] = {
        "ship_days": _read_only(plan.ship_days, i8),
        "dispatches": _read_only(plan.dispatches, np.bool_),
        "policy_day": _read_only(plan.policy_day, np.bool_),
        "channel_good": _read_only(plan.channel_good, i8),
        "channel_donor": _read_only(plan.channel_donor, i8),
        "first_of_good": _read_only(first.reshape(g), i8),
        "own": _read_only(own, i8),
        "own_start": _read_only(own_start, i8),
        "exchange_sends": _read_only(np.flatnonzero(plan.receive_channel >= 0), i8),
        "pledge_due": _read_only(plan.pledge_due, i8),
        "pledge_region": _read_only(plan.pledge_region, i8),
        "pledge_channel": _read_only(plan.pledge_channel, i8),
        "receive_channel": _read_only(plan.receive_channel, i8),
        "receive_ratio": _read_only(plan.receive_ratio, f8),
        "receive_lead": _read_only(plan.receive_lead_days, i8),
        "route_hub": _read_only(plan.route_hub, i8),
        "hub_handling": _read_only(plan.hub_handling_days, i8),
        "hub_onward": _read_only(plan.hub_onward_days, i8),
        "hub_per_unit": _read_only(plan.hub_per_unit, f8),
        "route_start": _read_only(route_start, i8),
        "route_channel": _read_only(route_channel, i8),
        "route_region": _read_only(route_region, i8),
        "rule": _read_only(np.array([CODES[x] for x in rules], dtype=i8).reshape(c), i8),
        "capacity": _read_only(plan.capacity_units, f8),
        "procured": _read_only(plan.procured_units, f8),
        "req_share": _read_only(plan.requisition_share, f8),
        "req_cap": _read_only(plan.requisition_cap_units, f8),
        "demand": _read_only(plan.domestic_demand_units, f8),
        "reserve_days": _read_only(plan.reserve_days, f8),
        "budget_share": _read_only(plan.budget_share, f8),
        "budget_cap": _read_only(plan.budget_per_shipment_units, f8),
        "policy_on": _read_only(plan.policy_on, np.bool_),
        "cargo_cap": _read_only(plan.cargo_cap, f8),
        "cargo_per_unit": _read_only(plan.cargo_per_unit, f8),
        "shelf_life": _read_only(plan.shelf_life_days, i8),
        "cap": _read_only(plan.cap_units, f8),
        "weight": _read_only(plan.weight, f8),
        "tier": _read_only(plan.tier, i8),
        "projected_need": _read_only(plan.projected_need_units, f8),
        "share": _read_only(plan.share, f8),
        "pledge_units": _read_only(plan.pledge_units, f8),
        "need": _read_only(plan.need_units, f8),
        "hub_throughput": _read_only(plan.hub_throughput, f8),
        "loss": _read_only(draws.outage_loss, f8),
        "lead": _read_only(draws.lead_days, np.int32),
        "stock": stock,
        "region_stock": zeros((m, r)),
        "in_transit": zeros((n, r)),
        "outstanding": zeros((n, p)),
        "receipts": zeros((n, t) if has_receipts else (0, 0)),
        "cohorts": cohorts,
        "ring": zeros((n, slots, r)),
        "hub_ring": zeros((n, slots, r) if h else (0, 0, 0)),
        "q_day": zeros((b, h, queue), dtype=i8),
        "q_route": zeros((b, h, queue), dtype=i8),
        "q_units": zeros((b, h, queue)),
        "q_head": zeros((b, h), dtype=i8),
        "q_tail": zeros((b, h), dtype=i8),
        "p_budget": zeros(n), "p_on": zeros(n, dtype=np.bool_), "p_have": zeros((n, r)),
        "p_left": zeros(n), "p_pledged": zeros((n, r)),
        "j_budget": zeros(m), "j_have": zeros((m, r)), "j_cap": zeros((m, r)),
        "j_spread": zeros((m, r)),
        "a_pledge": zeros((n, p)), "a_policy": zeros((n, r)), "a_shipped": zeros((n, r)),
        "produced": totals.produced_units, "released": totals.released_units,
        "received": totals.received_units, "written_off": totals.written_off_units,
        "domestic_demand": totals.domestic_demand_units,
        "domestic_served": totals.domestic_served_units,
        "shipped": totals.shipped_units, "consumed": totals.consumed_units,
        "on_time": totals.pledge_on_time_units, "late": totals.pledge_late_units,
        "first_day": totals.first_delivery_day,
        "hub_handled": totals.hub_handled, "hub_waited": totals.hub_waited,
        **blocks,
    }
    scalars = {
        "n_scenarios": b, "n_channels": c, "n_goods": g, "n_regions": r, "n_days": t,
        "slots": slots, "cohort_days": longest, "pooled": plan.pooled,
        "solo_donors": layout.solo_donors, "one_to_one": layout.one_to_one,
        "receives": has_receipts or bool(plan.procured_units.any()),
        "has_receipts": has_receipts, "has_hubs": h > 0, "keep": keep_series,
    }
    handle = _new(tuple(scalars[name] for name in _SCALARS),
                  tuple(arrays[name] for name in _ARRAYS))
    return Frame(handle, plan, draws, layout, arrays, totals, series)


def _series(plan: Plan, layout: Layout, keep: bool
            ) -> tuple[Series | None, dict[str, NDArray[Any]]]:
    """The series blocks the steps write (zero-size unless kept) and the run's ``Series``
    as views of them."""
    n, m, t = layout.n_rows, layout.n_goods_rows, plan.n_days
    r, b, h = len(plan.region_ids), plan.n_scenarios, len(plan.hub_ids)
    if not keep:
        n = m = t = b = 0
    blocks = {
        "s_donor": np.zeros((len(DONOR_SERIES), n, t)),
        "s_channel": np.zeros((len(CHANNEL_REGION_SERIES), n, t, r)),
        "s_good": np.zeros((len(GOOD_REGION_SERIES), m, t, r)),
        "s_hub": np.zeros((len(HUB_SERIES), b, h, t)),
    }
    if not keep:
        return None, blocks
    series = Series(
        {name: blocks["s_donor"][j] for j, name in enumerate(DONOR_SERIES)},
        {**{name: blocks["s_channel"][j] for j, name in enumerate(CHANNEL_REGION_SERIES)},
         **{name: blocks["s_good"][j] for j, name in enumerate(GOOD_REGION_SERIES)}},
        None,
        {name: blocks["s_hub"][j] for j, name in enumerate(HUB_SERIES)})
    return series, blocks


def finish(frame: Frame) -> None:
    """Totals that follow from the end state; series that follow from others (elementwise:
    the same numbers as day by day)."""
    plan, totals, a = frame.plan, frame.totals, frame.arrays
    m = frame.layout.n_goods_rows
    totals.final_stock_units = a["stock"].copy()
    totals.delivered_units = totals.shipped_units - a["in_transit"]
    need = plan.need_units
    per_good = need if need.shape[0] == m else np.tile(need, (m // need.shape[0], 1, 1))
    totals.need_units = np.ascontiguousarray(per_good.sum(axis=1))
    series = frame.series
    if series is not None:
        d, r = series.donor, series.region
        series.lead_days = frame.draws.lead_days.copy()
        d["domestic_shortfall"][:] = d["domestic_demand"] - d["domestic_served"]
        r["need"][:] = per_good
        r["unmet"][:] = per_good - r["consumed"]
