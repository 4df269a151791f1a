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

import numpy as np
from numpy.typing import NDArray

from sim.allocate.kernels import CODES
from sim.engine.draws import Draws
from sim.engine.fields import BO, FIELDS, I8, new_frame
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


def _due_by(own: NDArray[Any], starts: NDArray[Any], due: NDArray[Any], k: int
            ) -> NDArray[np.int64]:
    """(C, K) where each channel's instances due by dispatch k end in ``own`` (instances
    are in due order, so those due later need not be looked at yet)."""
    out = np.zeros((len(starts) - 1, k), dtype=np.int64)
    for c in range(len(starts) - 1):
        mine = np.asarray(due)[own[starts[c]:starts[c + 1]]]
        out[c] = starts[c] + np.searchsorted(mine, np.arange(k), side="right")
    return out


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
        "own_end": _read_only(_due_by(own, own_start, plan.pledge_due, k), i8),
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
        "hub_landing": zeros((b, slots) if h else (0, 0), dtype=i8),
        "own_live": np.tile(own_start[:-1], b).astype(i8),
        "p_budget": zeros(n), "p_on": zeros(n, dtype=np.bool_), "p_have": zeros((n, r)),
        "p_left": zeros(n), "p_pledged": zeros((n, r)),
        "j_budget": zeros(m), "j_have": zeros((m, r)), "j_cap": zeros((m, r)),
        "j_spread": zeros((m, r)),
        "a_pledge": zeros((n, p)), "a_policy": zeros((n, r)), "a_shipped": zeros((n, r)),
        "w_rows": zeros((b, 9, r)), "w_goods": zeros((b, g, r)),
        "w_routes": zeros((b, per_hub)), "w_channels": zeros((b, c)),
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
    handle = new_frame(tuple(scalars[name] for name in _SCALARS),
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
    repeat = m // need.shape[0]  # a good's need, shared by every scenario: summed once
    totals.need_units = np.tile(need.sum(axis=1), (repeat, 1))
    series = frame.series
    if series is not None:
        d, r = series.donor, series.region
        series.lead_days = frame.draws.lead_days.copy()
        d["domestic_shortfall"][:] = d["domestic_demand"] - d["domestic_served"]
        per_good = np.tile(need, (repeat, 1, 1))
        r["need"][:] = per_good
        r["unmet"][:] = per_good - r["consumed"]
