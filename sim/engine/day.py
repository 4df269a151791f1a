"""One day of the model, as pure array steps shared by both engines.

The within-day order is fixed (DESIGN.md): produce, release what the government does not
requisition, serve the domestic ration, stock the rest; on a dispatch day offer the surplus
above the reserve, serve pledges (oldest first), and on a regular shipment day spread the
rest; then deliveries arrive and each region consumes. ``model`` (SimPy) and ``batch`` (numpy over
B scenarios) call these same functions, which is what makes their results identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.allocate.problem import AllocationProblem, Allocator
from sim.engine.draws import Draws
from sim.engine.plan import Array, Plan


@dataclass
class State:
    """What carries from one day to the next, for B scenarios and R regions."""

    stock_masks: Array  # (B,) donor stock
    region_stock_masks: Array  # (B, R)
    in_transit_masks: Array  # (B, R)
    pledge_outstanding_masks: Array  # (B, P) due and not yet shipped

    @classmethod
    def initial(cls, plan: Plan) -> State:
        b, r, p = plan.n_scenarios, len(plan.region_ids), len(plan.pledge_region)
        return cls(plan.initial_stock_masks.astype(np.float64).copy(), np.zeros((b, r)),
                   np.zeros((b, r)), np.zeros((b, p)))


@dataclass
class Totals:
    """Per-scenario sums over the run: enough for every metric, whatever the engine."""

    produced_masks: Array
    released_masks: Array  # (B,) output not requisitioned: left for the market or exports
    domestic_demand_masks: Array
    domestic_served_masks: Array
    shipped_masks: Array  # (B, R)
    delivered_masks: Array  # (B, R)
    consumed_masks: Array  # (B, R)
    need_masks: Array  # (B, R)
    pledge_on_time_masks: Array  # (B, P)
    pledge_late_masks: Array  # (B, P)
    first_delivery_day: NDArray[np.int64]  # (B, R); -1: never
    final_stock_masks: Array  # (B,) donor stock at the end of the last day

    @classmethod
    def zeros(cls, plan: Plan) -> Totals:
        b, r, p = plan.n_scenarios, len(plan.region_ids), len(plan.pledge_region)
        def z(*shape: int) -> Array:
            return np.zeros(shape)

        return cls(
            produced_masks=z(b), released_masks=z(b), domestic_demand_masks=z(b),
            domestic_served_masks=z(b), shipped_masks=z(b, r), delivered_masks=z(b, r),
            consumed_masks=z(b, r), need_masks=z(b, r), pledge_on_time_masks=z(b, p),
            pledge_late_masks=z(b, p), first_delivery_day=np.full((b, r), -1, dtype=np.int64),
            final_stock_masks=z(b))


DONOR_SERIES = (
    "production", "released", "domestic_demand", "domestic_served", "domestic_shortfall",
    "stock", "reserve", "surplus", "offered", "shipped", "shipped_pledges",
)
REGION_SERIES = (
    "need", "shipped", "pledged", "arrived", "consumed", "unmet", "stock", "in_transit",
)


@dataclass
class Series:
    """Day-by-day values (masks), kept when a caller asks for them."""

    donor: dict[str, Array] = field(default_factory=dict)  # name -> (B, T)
    region: dict[str, Array] = field(default_factory=dict)  # name -> (B, T, R)
    lead_days: NDArray[np.int32] | None = None  # (B, K, R) of the shipments that left

    @classmethod
    def empty(cls, plan: Plan) -> Series:
        b, t, r = plan.n_scenarios, plan.n_days, len(plan.region_ids)
        return cls({k: np.zeros((b, t)) for k in DONOR_SERIES},
                   {k: np.zeros((b, t, r)) for k in REGION_SERIES})


def produce_and_serve(plan: Plan, draws: Draws, state: State, t: int,
                      totals: Totals, series: Series | None) -> None:
    """Steps 1-3: production, what the government takes of it (the rest is released), the
    domestic ration (from the requisitioned output, then stock), stock."""
    production = plan.capacity_masks[:, t] * (1.0 - draws.outage_loss[:, t])
    taken = np.minimum(production * plan.requisition_share[:, t],
                       plan.requisition_cap_masks[:, t])
    demand = plan.domestic_demand_masks[:, t]
    served = np.minimum(demand, taken + state.stock_masks)
    state.stock_masks = state.stock_masks + taken - served
    totals.produced_masks += production
    totals.released_masks += production - taken
    totals.domestic_demand_masks += demand
    totals.domestic_served_masks += served
    if series is not None:
        d = series.donor
        d["production"][:, t] = production
        d["released"][:, t] = production - taken
        d["domestic_demand"][:, t] = demand
        d["domestic_served"][:, t] = served
        d["domestic_shortfall"][:, t] = demand - served
        d["reserve"][:, t] = plan.reserve_days * demand
        d["stock"][:, t] = state.stock_masks


def dispatch(plan: Plan, state: State, t: int, k: int, lead_days: NDArray[np.int32],
             allocate: Allocator, totals: Totals, series: Series | None) -> Array:
    """Step 4 on dispatch day ``k``: offer, pledges first (oldest first), then on a regular
    shipment day the rule; returns (B, R) shipped."""
    reserve = plan.reserve_days * plan.domestic_demand_masks[:, t]
    surplus = np.maximum(state.stock_masks - reserve, 0.0)
    offered = np.minimum(
        np.minimum(plan.budget_share * surplus, plan.budget_per_shipment_masks),
        plan.cargo_cap_masks,
    )
    shape = state.region_stock_masks.shape
    falls_due = plan.pledge_due == k
    state.pledge_outstanding_masks = state.pledge_outstanding_masks + np.where(
        falls_due, plan.pledge_masks, 0.0)
    problem = AllocationProblem(
        rule=plan.rule,
        budget_masks=offered,
        policy_on=plan.policy_on & plan.policy_day[k],
        pledge_due_masks=state.pledge_outstanding_masks,
        pledge_region=plan.pledge_region,
        pledge_due_index=plan.pledge_due,
        projected_need_masks=_full(plan.projected_need_masks[:, k], shape),
        have_masks=state.region_stock_masks + state.in_transit_masks,
        cap_masks=plan.cap_masks,
        share=_full(plan.share[:, k], shape),
        tier=plan.tier,
        weight=plan.weight,
        min_shipment_masks=plan.min_shipment_masks,
        pallet_masks=plan.pallet_masks,
        mip_time_limit_seconds=plan.mip_time_limit_seconds,
    )
    result = allocate(problem)
    shipped = result.shipped_masks
    state.stock_masks = state.stock_masks - shipped.sum(axis=1)
    state.in_transit_masks = state.in_transit_masks + shipped
    state.pledge_outstanding_masks = np.maximum(
        state.pledge_outstanding_masks - result.pledge_masks, 0.0)
    totals.shipped_masks += shipped
    totals.pledge_on_time_masks += np.where(falls_due, result.pledge_masks, 0.0)
    totals.pledge_late_masks += np.where(falls_due, 0.0, result.pledge_masks)
    # First delivery, known at dispatch: what lands inside the horizon, earliest first.
    arrival = t + lead_days
    first = totals.first_delivery_day
    lands = (shipped > 0) & (arrival < plan.n_days) & ((first < 0) | (arrival < first))
    totals.first_delivery_day = np.where(lands, arrival, first)
    if series is not None:
        d = series.donor
        d["surplus"][:, t] = surplus
        d["offered"][:, t] = offered
        d["shipped"][:, t] = shipped.sum(axis=1)
        d["shipped_pledges"][:, t] = result.pledge_masks.sum(axis=1)
        d["stock"][:, t] = state.stock_masks
        series.region["shipped"][:, t] = shipped
        series.region["pledged"][:, t] = shipped - result.policy_masks
    return shipped


def _full(values: Array, shape: tuple[int, ...]) -> Array:
    """A shared row seen as B rows (a view); most calls need nothing done."""
    return values if values.shape == shape else np.broadcast_to(values, shape)


def receive(state: State, t: int, arrived: Array, series: Series | None) -> None:
    """Step 5a: what arrives today moves from in transit to the regions' stock (in place:
    a hot path)."""
    state.region_stock_masks += arrived
    state.in_transit_masks -= arrived
    np.maximum(state.in_transit_masks, 0.0, out=state.in_transit_masks)  # rounding only
    if series is not None:
        series.region["arrived"][:, t] += arrived


def consume(plan: Plan, state: State, t: int, totals: Totals, series: Series | None) -> None:
    """Step 5b: each region uses what it has, up to its need; the rest of the need is unmet."""
    need = plan.need_masks[:, t]
    consumed = np.minimum(state.region_stock_masks, need)
    state.region_stock_masks -= consumed
    totals.consumed_masks += consumed
    if series is not None:
        r = series.region
        r["need"][:, t] = need
        r["consumed"][:, t] = consumed
        r["unmet"][:, t] = need - consumed
        r["stock"][:, t] = state.region_stock_masks
        r["in_transit"][:, t] = state.in_transit_masks


def finish(plan: Plan, state: State, totals: Totals) -> None:
    """Totals that follow from the end state."""
    totals.final_stock_masks = state.stock_masks.copy()
    totals.delivered_masks = totals.shipped_masks - state.in_transit_masks
    totals.need_masks = np.broadcast_to(plan.need_masks.sum(axis=1),
                                        totals.consumed_masks.shape).copy()
