"""Hubs: first come, first served queues with a daily throughput, between donors and regions.

A consignment (one channel's goods for one region, landed at the hub on one day) waits in its
hub's queue; each day the hub takes in what landed (route by route: channel, then region) and
handles consignments oldest first until its throughput is used up (a consignment may be
handled in parts), and sends what it handled on: it lands ``handling_days`` plus the hub's
onward days later. Throughput counts units, or kg (a unit of a good taking its mass).

The queue of scenario b at hub h is ``frame.q_*[b, h, head:tail]`` (landing day, route, what
still waits), appended to at the tail and handled from the head; a route gets at most one
consignment a dispatch, so K times the hub's routes bound its length.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)
from sim.engine.state import HUB_SERIES

H_ARRIVED, H_HANDLED, H_QUEUE, H_WAIT = (
    HUB_SERIES.index(x) for x in ("arrived", "handled", "queue", "wait_days"))


@numba.njit(cache=True)
def take(amount: float, left: float, per_unit: float) -> tuple[float, float, float]:
    """One consignment handled as far as the day's throughput allows: (handled, what is left
    of it, throughput left). All of it when it fits; else the rest of the throughput, which
    is then exactly used up (no crumbs of 1e-16 for the next consignment)."""
    room = left / per_unit
    if amount <= room:
        # amount <= left / per_unit does not make left - amount * per_unit >= 0 in floats.
        return amount, amount - amount, max(left - amount * per_unit, 0.0)
    handled = max(room, 0.0)
    return handled, amount - handled, 0.0


@numba.njit(cache=True)
def hubs_day(d: Any, b: int, t: int) -> None:
    """Every hub's day in scenario b: take in what landed, handle oldest first, send it on;
    totals, first deliveries and series (flows and queue in throughput units)."""
    c_n = d.n_channels
    slot = t % d.slots
    t_n = d.n_days
    landings = d.hub_landing[b, slot]
    d.hub_landing[b, slot] = 0
    for h in range(d.hub_handling.shape[0]):
        lo, hi = d.route_start[h], d.route_start[h + 1]
        tail = d.q_tail[b, h]
        if landings == 0 and d.q_head[b, h] == tail:
            # Nothing landed and nothing waits: a day of zeros (its series are zeros too,
            # but for the mean wait of nothing handled).
            if d.keep:
                d.s_hub[H_WAIT, b, h, t] = np.nan
            continue
        arrived = 0.0
        for j in range(lo, hi):
            c, r = d.route_channel[j], d.route_region[j]
            i = b * c_n + c
            landed = d.hub_ring[i, slot, r]
            if landed != 0.0:
                d.q_day[b, h, tail] = t
                d.q_route[b, h, tail] = j - lo
                d.q_units[b, h, tail] = landed
                tail += 1
                d.hub_ring[i, slot, r] = 0.0
                arrived += landed * d.hub_per_unit[h, c]
        d.q_tail[b, h] = tail
        handled = d.w_routes[b, :hi - lo]
        handled[:] = 0.0
        waited = 0.0
        left = d.hub_throughput[b if d.hub_throughput.shape[0] > 1 else 0, h]
        head = d.q_head[b, h]
        took = head < tail and left > 0
        while head < tail and left > 0:
            j = d.q_route[b, h, head]
            per_unit = d.hub_per_unit[h, d.route_channel[lo + j]]
            got, rest, left = take(d.q_units[b, h, head], left, per_unit)
            d.q_units[b, h, head] = rest
            handled[j] += got
            waited += got * per_unit * (t - d.q_day[b, h, head])
            if rest != 0.0:
                break
            head += 1
        d.q_head[b, h] = head
        through = 0.0
        for j in range(lo, hi if took else lo):  # nothing handled: nothing to send on
            c, r = d.route_channel[j], d.route_region[j]
            sent = handled[j - lo]
            through += sent * d.hub_per_unit[h, c]
            later = d.hub_handling[h] + d.hub_onward[h, r]  # below ``slots``
            land = t + later
            if land < t_n:
                i = b * c_n + c
                at = slot + later
                d.ring[i, at - d.slots if at >= d.slots else at, r] += sent
                first = d.first_day[i, r]
                if sent > 0 and (first < 0 or land < first):
                    d.first_day[i, r] = land
        d.hub_handled[b, h] += through
        d.hub_waited[b, h] += waited
        if d.keep:
            queued = 0.0
            for q in range(head, tail):
                queued += d.q_units[b, h, q] * d.hub_per_unit[h, d.route_channel[
                    lo + d.q_route[b, h, q]]]
            s = d.s_hub
            s[H_ARRIVED, b, h, t] = arrived
            s[H_HANDLED, b, h, t] = through
            s[H_QUEUE, b, h, t] = queued
            s[H_WAIT, b, h, t] = waited / through if through > 0 else np.nan
