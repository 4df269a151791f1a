"""Engine ``batch``: the same model stepped day by day over B scenarios at once.

Same plan, same draws, same daily steps (``sim.engine.day``) as the SimPy engine, in the same
order, so the two agree to the bit. The only difference is how deliveries wait: a ring of
arrival slots (one a day, up to the longest lead time or the horizon) instead of one SimPy
event per shipment and lead time.
"""

from __future__ import annotations

import numpy as np

from sim.allocate.problem import Allocator
from sim.engine import day
from sim.engine.day import Series, State, Totals
from sim.engine.des import Run
from sim.engine.draws import Draws
from sim.engine.plan import Plan


def simulate_batch(plan: Plan, draws: Draws, allocate: Allocator, *,
                   keep_series: bool = False) -> Run:
    """Run the plan's B scenarios; day-by-day series only when ``keep_series``."""
    state = State.initial(plan)
    n_rows, n_regions = state.layout.n_rows, len(plan.region_ids)
    totals = Totals.zeros(plan)
    series = Series.empty(plan) if keep_series else None
    if series is not None:
        series.lead_days = draws.lead_days.copy()
    slots = min(int(draws.lead_days.max(initial=0)), plan.n_days) + 1
    ring = np.zeros((slots, n_rows, n_regions))  # ring[t % slots]: what lands on day t
    rows = np.arange(n_rows)[:, None]
    cols = np.arange(n_regions)[None, :]
    ship_index = {int(t): k for k, t in enumerate(plan.ship_days)}
    for t in range(plan.n_days):
        day.produce_and_serve(plan, draws, state, t, totals, series)
        k = ship_index.get(t)
        if k is not None:
            lead = draws.lead_days[:, k]
            shipped = day.dispatch(plan, state, t, k, lead, allocate, totals, series)
            # Beyond the horizon every lead is alike: it never lands (clipped, so the ring
            # is at most a horizon long however long the tails of the lead times).
            ring[(t + np.minimum(lead, plan.n_days)) % slots, rows, cols] += shipped
        arrived = ring[t % slots]
        day.receive(state, t, arrived, series)
        arrived[...] = 0.0
        day.consume(plan, state, t, totals, series)
    day.finish(plan, state, totals)
    return Run(plan, draws, totals, series)
