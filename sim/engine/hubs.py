"""Hubs: first come, first served queues with a daily throughput, between donors and regions.

A consignment (one channel's goods for one region, landed at the hub on one day) waits in its
hub's queue; each day the hub handles consignments oldest first -- by the day they landed,
then by channel and region -- until its throughput is used up (a consignment may be handled
in parts), and sends what it handled on: it lands ``handling_days`` plus the hub's onward
days later. Queue positions are (landing day, route) with the hub's routes in (channel,
region) order, so every scenario of a batch shares them. The arithmetic of one position is
``take``; the SimPy engine applies it to the items of a ``simpy.Store`` and the batch engine
to the same positions over all scenarios at once, in the same order: they agree to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.plan import Array, Index, Plan, per_row
from sim.engine.state import Series, Totals


@dataclass(frozen=True)
class Routes:
    """The routes through hub h: channel and region of each, in queue order."""

    channel: Index  # (P_h,)
    region: Index  # (P_h,)
    per_unit: Array  # (P_h,) throughput one unit of the route's good takes


def routes(plan: Plan) -> list[Routes]:
    out = []
    for h in range(len(plan.hub_ids)):
        c, r = np.nonzero(plan.route_hub == h)
        out.append(Routes(c.astype(np.intp), r.astype(np.intp), plan.hub_per_unit[h, c]))
    return out


def take(amount: Array, left: Array, per_unit: float) -> tuple[Array, Array, Array]:
    """One consignment handled as far as the day's throughput allows: (handled, what is left
    of it, throughput left). All of it when it fits; else the rest of the throughput, which
    is then exactly used up (no crumbs of 1e-16 for the next consignment)."""
    room = left / per_unit
    fits = amount <= room
    handled = np.where(fits, amount, np.maximum(room, 0.0))
    # amount <= left / per_unit does not make left - amount * per_unit >= 0 in floats.
    return handled, amount - handled, np.where(fits, np.maximum(left - amount * per_unit, 0.0),
                                               0.0)


@dataclass
class Queues:
    """The batch engine's queues: for hub h, (B, T x P_h) units waiting at each position."""

    routes: list[Routes]
    waiting: list[Array]
    head: list[int]  # the oldest position that may hold anything

    @classmethod
    def empty(cls, plan: Plan) -> Queues:
        rs = routes(plan)
        b, t = plan.n_scenarios, plan.n_days
        return cls(rs, [np.zeros((b, t * len(r.channel))) for r in rs], [0] * len(rs))


def arrivals(plan: Plan, r: Routes, landed: Array) -> Array:
    """(B, P_h) what landed at the hub today on each of its routes, from (N, R) landed."""
    c = plan.n_channels
    rows = np.arange(plan.n_scenarios)[:, None] * c + r.channel[None, :]
    out: Array = landed[rows, r.region[None, :]]
    return out


def throughput(plan: Plan, h: int) -> Array:
    """(B,) the hub's throughput in each scenario."""
    return np.asarray(per_row(plan.hub_throughput, plan.n_scenarios)[:, h], dtype=np.float64)


def handle_batch(plan: Plan, queues: Queues, h: int, t: int, landed: Array
                 ) -> tuple[Array, Array]:
    """Day t at hub h over all scenarios: enqueue today's landings, handle oldest first.
    Returns (B, P_h) units handled by route and (B,) throughput units x days they waited."""
    r = queues.routes[h]
    n_routes = len(r.channel)
    waiting = queues.waiting[h]
    waiting[:, t * n_routes:(t + 1) * n_routes] = arrivals(plan, r, landed)
    left = throughput(plan, h).copy()
    handled = np.zeros((plan.n_scenarios, n_routes))
    waited = np.zeros(plan.n_scenarios)
    head = queues.head[h]
    end = (t + 1) * n_routes
    for pos in range(head, end):
        amount = waiting[:, pos]
        if not amount.any():
            if pos == queues.head[h]:
                queues.head[h] = pos + 1  # nothing left before here, in any scenario
            continue
        j = pos % n_routes
        got, rest, left = take(amount, left, float(r.per_unit[j]))
        waiting[:, pos] = rest
        handled[:, j] += got
        waited += got * r.per_unit[j] * (t - pos // n_routes)
        if not (left > 0).any():
            break
    return handled, waited


def queued_batch(queues: Queues, h: int, t: int) -> Array:
    """(B,) what waits at hub h at the end of day t, in throughput units, summed oldest
    first (as the SimPy engine sums its store)."""
    r, waiting = queues.routes[h], queues.waiting[h]
    n_routes = len(r.channel)
    total = np.zeros(waiting.shape[0])
    for pos in range(queues.head[h], (t + 1) * n_routes):
        total += waiting[:, pos] * r.per_unit[pos % n_routes]
    return total


def departures(plan: Plan, h: int, t: int, r: Routes, handled: Array
               ) -> list[tuple[int, Array]]:
    """What hub h sends on today, as (landing day, (N, R) units) in landing-day order."""
    land = t + int(plan.hub_handling_days[h]) + plan.hub_onward_days[h, r.region]
    out = []
    c = plan.n_channels
    for day in sorted(set(land.tolist())):
        if day >= plan.n_days:
            continue
        cargo = np.zeros((plan.n_scenarios * c, len(plan.region_ids)))
        for j in np.flatnonzero(land == day).tolist():
            rows = np.arange(plan.n_scenarios) * c + int(r.channel[j])
            cargo[rows, int(r.region[j])] += handled[:, j]
        out.append((day, cargo))
    return out


def record(plan: Plan, h: int, t: int, landed: Array, handled: Array, waited: Array,
           queued: Array, totals: Totals, series: Series | None,
           first_day: NDArray[np.int64], r: Routes) -> None:
    """Totals and series of hub h on day t (queue and flows in throughput units), and the
    first delivery of what it sent on."""
    per_unit = r.per_unit[None, :]
    totals.hub_handled[:, h] += (handled * per_unit).sum(axis=1)
    totals.hub_waited[:, h] += waited
    land = t + int(plan.hub_handling_days[h]) + plan.hub_onward_days[h, r.region]
    c = plan.n_channels
    for j in range(len(r.channel)):
        rows = np.arange(plan.n_scenarios) * c + int(r.channel[j])
        col = int(r.region[j])
        sent = handled[:, j] > 0
        first = first_day[rows, col]
        lands = sent & (land[j] < plan.n_days) & ((first < 0) | (land[j] < first))
        first_day[rows, col] = np.where(lands, land[j], first)
    if series is not None:
        s = series.hub
        s["arrived"][:, h, t] = (arrivals(plan, r, landed) * per_unit).sum(axis=1)
        s["handled"][:, h, t] = (handled * per_unit).sum(axis=1)
        s["queue"][:, h, t] = queued
        through = (handled * per_unit).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            s["wait_days"][:, h, t] = np.where(through > 0, waited / through, np.nan)
