"""Engine ``batch``: the same model stepped day by day over B scenarios at once.

Same plan, same draws, same daily steps (``sim.engine.day``) as the SimPy engine, in the same
order, so the two agree to the bit. The only difference is how deliveries wait: a ring of
arrival slots (one a day, up to the longest lead time or the horizon) instead of one SimPy
event per shipment and lead time. With the ``compiled`` backend, and no series kept, the
compiled loop (``sim.engine.fused``) runs the plans it supports, to the same bits.
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.typing import NDArray

from sim.allocate.problem import Allocator
from sim.engine import day, hubs
from sim.engine.day import Series, State, Totals
from sim.engine.draws import Draws
from sim.engine.plan import Plan, per_row
from sim.engine.state import Run


def simulate_batch(plan: Plan, draws: Draws, allocate: Allocator, *,
                   keep_series: bool = False, compiled_loop: bool = True) -> Run:
    """Run the plan's B scenarios; day-by-day series only when ``keep_series``.
    ``compiled_loop=False`` keeps to the numpy loop (for tests and benchmarks)."""
    # The compiled allocator's module is loaded only when that backend was asked for (numba
    # takes a while to import), so its absence means another backend.
    compiled = sys.modules.get("sim.allocate.compiled")
    if (compiled_loop and not keep_series and compiled is not None
            and allocate is compiled.allocate_compiled):
        from sim.engine import fused

        if fused.supports(plan):
            return fused.simulate_fused(plan, draws)
    state = State.initial(plan)
    n_rows, n_regions = state.layout.n_rows, len(plan.region_ids)
    totals = Totals.zeros(plan)
    series = Series.empty(plan) if keep_series else None
    if series is not None:
        series.lead_days = draws.lead_days.copy()
    supply = day.supplies(plan, draws, totals, series)
    onward = (plan.hub_handling_days[:, None] + plan.hub_onward_days).max(initial=0)
    slots = min(max(int(draws.lead_days.max(initial=0)), int(onward)), plan.n_days) + 1
    ring = np.zeros((slots, n_rows, n_regions))  # ring[t % slots]: what lands on day t
    through_hubs = len(plan.hub_ids) > 0
    if through_hubs:
        routed = np.broadcast_to(per_row(plan.route_hub >= 0, n_rows), (n_rows, n_regions))
        at_hubs = np.zeros_like(ring)  # at_hubs[t % slots]: what lands at a hub on day t
        queues = hubs.Queues.empty(plan)
    rows = np.arange(n_rows)[:, None]
    cols = np.arange(n_regions)[None, :]
    ship_index = {int(t): k for k, t in enumerate(plan.ship_days)}
    for t in range(plan.n_days):
        day.produce_and_serve(plan, supply, state, t, totals, series)
        k = ship_index.get(t)
        if k is not None:
            lead = draws.lead_days[:, k]
            shipped = day.dispatch(plan, state, t, k, lead, allocate, totals, series)
            # Beyond the horizon every lead is alike: it never lands (clipped, so the ring
            # is at most a horizon long however long the tails of the lead times).
            slot = (t + np.minimum(lead, plan.n_days)) % slots
            if through_hubs:
                at_hubs[slot, rows, cols] += np.where(routed, shipped, 0.0)
                shipped = np.where(routed, 0.0, shipped)
            ring[slot, rows, cols] += shipped
        if through_hubs:
            _hubs_day(plan, queues, t, at_hubs[t % slots], ring, totals, series)
            at_hubs[t % slots] = 0.0
        arrived = ring[t % slots]
        day.receive(state, t, arrived, series)
        arrived[...] = 0.0
        day.consume(plan, state, t, totals, series)
    day.finish(plan, state, totals, series)
    return Run(plan, draws, totals, series)


def _hubs_day(plan: Plan, queues: hubs.Queues, t: int, landed: NDArray[np.float64],
              ring: NDArray[np.float64], totals: Totals, series: Series | None) -> None:
    """Every hub's day: take in what landed, handle oldest first, send it on."""
    slots = ring.shape[0]
    for h, r in enumerate(queues.routes):
        handled, waited = hubs.handle_batch(plan, queues, h, t, landed)
        hubs.record(plan, h, t, landed, handled, waited, hubs.queued_batch(queues, h, t),
                    totals, series, totals.first_delivery_day, r)
        for day_, cargo in hubs.departures(plan, h, t, r, handled):
            ring[day_ % slots] += cargo
