"""A scenario compiled to arrays: everything the engines need that is not random.

Rows: a channel is one donor's supply of one good (``sim.engine.channels``); a scenario has C
channels and G goods. Per-channel arrays carry a leading axis of C rows for one scenario, and
a batch of B scenarios stacks them scenario by scenario (B x C rows) -- or keeps the C rows
once when every scenario shares them (``_SHAREABLE``). Per-good arrays do the same with G.
Other axes: T days, K dispatch days, R regions, P pledge instances. A dispatch day is a
regular shipment day (the rule spreads the offer) or the date of a fixed pledge that leaves
on its own date (pledges only). A scenario of one donor giving masks is C = G = 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from sim.engine import channels as ch
from sim.engine.blocks import (
    VALUE_SHARES,
    channel_attributes,
    frozen,
    good_block,
    hub_arrays,
)
from sim.engine.memo import PlanCache
from sim.scenario.domestic import Use
from sim.scenario.donors import Supply
from sim.scenario.enums import CargoUnit, Rule, ShareBasis
from sim.scenario.models import Group
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]
Index = NDArray[np.intp]
Flags = NDArray[np.bool_]


@dataclass(frozen=True)
class Plan:
    # Shared by every scenario of a batch.
    start: dt.date
    n_days: int
    region_ids: tuple[str, ...]
    good_ids: tuple[str, ...]  # (G,)
    good_units: tuple[str, ...]  # (G,) what each good counts in
    donor_ids: tuple[str, ...]  # (D,)
    channel_donor: Index  # (C,) donor index of each channel
    channel_good: Index  # (C,) good index of each channel
    pooled: bool  # coordination: the donors' offers of a good spread once, jointly
    ship_days: Index  # (K,) day index of each dispatch day, increasing
    dispatches: Flags  # (C, K) the channel may ship that day
    policy_day: Flags  # (C, K) the rule runs (a regular shipment day of its donor)
    pledge_channel: Index  # (P,) channel each pledge instance ships from
    pledge_region: Index  # (P,) region index of each pledge instance
    pledge_due: Index  # (P,) dispatch index at which it falls due; non-decreasing (oldest first)
    pledge_source: Index  # (P,) index into scenario.pledges; -1: an exchange's send
    pledge_exchange: Index  # (P,) index into scenario.exchanges; -1: a pledge
    receive_channel: Index  # (P,) channel an exchange brings goods back to; -1: none
    receive_ratio: Array  # (P,) units back per unit sent
    receive_lead_days: Index  # (P,)
    hub_ids: tuple[str, ...]  # (H,)
    route_hub: Index  # (C, R) hub a channel reaches a region through; -1: directly
    hub_handling_days: Index  # (H,)
    hub_onward_days: Index  # (H, R) fixed days from the hub on to each region
    hub_per_unit: Array  # (H, C) throughput one unit of the channel's good takes (1 or kg)
    min_shipment_units: float | None
    pallet_units: float | None
    mip_time_limit_seconds: float  # lp backend: the MIP's time for one row
    # Per channel row (C for one scenario; B x C or a shared C in a batch).
    capacity_units: Array  # (., T) per day
    procured_units: Array  # (., T) delivered into stock per day
    requisition_share: Array  # (., T) share of the day's output the government takes
    requisition_cap_units: Array  # (., T) at most this a day (inf: no cap)
    domestic_demand_units: Array  # (., T) per day
    reserve_days: Array  # (.,)
    initial_stock_units: Array  # (.,)
    budget_share: Array  # (.,) share of the surplus offered
    budget_per_shipment_units: Array  # (.,) fixed amount offered (inf: no limit)
    policy_on: Flags  # (.,) False for 'pledges only'
    cargo_cap: Array  # (.,) the donor's cap per shipment, across its goods (inf: none)
    cargo_per_unit: Array  # (.,) cargo one unit of the good takes (1, or its kg)
    shelf_life_days: NDArray[np.int64]  # (.,) stock older than this is written off (0: never)
    outage_probability: Array  # (.,)
    outage_severity: Array  # (.,)
    outage_mean_days: Array  # (.,)
    lead_min_days: Array  # (., R)
    lead_mode_days: Array  # (., R)
    lead_max_days: Array  # (., R)
    cap_units: Array  # (., R) absorption cap of the good per shipment (inf: none)
    weight: Array  # (., R)
    tier: NDArray[np.int64]  # (., R)
    projected_need_units: Array  # (., K, R) over the planning window after landing
    share: Array  # (., K, R) proportional shares on each dispatch day
    pledge_units: Array  # (., P) the channel's own instances (0 elsewhere)
    rule: NDArray[np.int64]  # (.,) the rule each channel row spreads by, as its index in
    # RULES: its donor's own, giving independently (else the scenario's); pooled: the scenario's
    # Per good row (G for one scenario; B x G or a shared G in a batch).
    need_units: Array  # (., T, R) per day
    # Per scenario (1 for one scenario; B, or a shared 1, in a batch).
    hub_throughput: Array  # (., H) units (or kg) a hub handles a day

    @property
    def n_channels(self) -> int:
        return len(self.channel_good)

    @property
    def n_goods(self) -> int:
        return len(self.good_ids)

    @property
    def n_scenarios(self) -> int:
        return int(self.reserve_days.shape[0]) // self.n_channels

    @property
    def n_rows(self) -> int:
        """Channel rows: B x C."""
        return int(self.reserve_days.shape[0])

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.n_days)]

    def rows_per_scenario(self, name: str) -> int:
        """The rows one scenario has in a per-row field: C, G or 1."""
        return (self.n_goods if name in _PER_GOOD else 1 if name in _PER_SCENARIO
                else self.n_channels)

    def row(self, b: int) -> Plan:
        """Scenario ``b`` alone, as a plan of one scenario."""
        sliced = {}
        for name in PER_ROW:
            values = getattr(self, name)
            per = self.rows_per_scenario(name)
            if values.shape[0] == per:
                sliced[name] = values  # shared by every scenario
            else:
                sliced[name] = values[b * per : (b + 1) * per]
        return _replace(self, sliced)


_SHARED = (
    "start", "n_days", "region_ids", "good_ids", "good_units", "donor_ids", "channel_donor",
    "channel_good", "pooled", "ship_days", "dispatches", "policy_day", "pledge_channel",
    "pledge_region", "pledge_due", "pledge_source", "pledge_exchange", "receive_channel",
    "receive_ratio", "receive_lead_days", "hub_ids", "route_hub", "hub_handling_days",
    "hub_onward_days", "hub_per_unit", "min_shipment_units",
    "pallet_units", "mip_time_limit_seconds",
)
PER_ROW = tuple(f.name for f in fields(Plan) if f.name not in _SHARED)
RULES = tuple(Rule)  # a plan's rule codes index this
_PER_GOOD = ("need_units",)
_PER_SCENARIO = ("hub_throughput",)


def _replace(plan: Plan, values: dict[str, object]) -> Plan:
    data = {f.name: getattr(plan, f.name) for f in fields(plan)}
    data.update(values)
    return Plan(**data)


S = TypeVar("S", bound=np.generic)


def per_row(values: NDArray[S], n_rows: int) -> NDArray[S]:
    """Values with a leading axis of 1 or n_rows as they are (numpy broadcasts a 1), or of
    one scenario's rows (shared by a batch) repeated for each scenario."""
    m = values.shape[0]
    if m in (1, n_rows):
        return values
    tiled: NDArray[S] = np.tile(values, (n_rows // m,) + (1,) * (values.ndim - 1))
    return tiled



def build_plan(scenario: Scenario, cache: PlanCache | None = None) -> Plan:
    """The arrays of one scenario, read-only. With a ``cache`` (``sim.engine.memo``), the
    same Scenario object, or one sharing its sub-models, gets the same arrays back while the
    cache lives; without one, the plan is built afresh."""
    if cache is None:
        return _build_plan(scenario, PlanCache())
    return cache.plans.get((scenario,), (), lambda: _build_plan(scenario, cache))


def _stack(rows: Sequence[NDArray[Any]]) -> NDArray[Any]:
    """One channel's arrays, each with a leading 1, as C rows (the one array itself, not a
    copy, when C = 1: cached series stay shared)."""
    return rows[0] if len(rows) == 1 else frozen(np.concatenate(rows))


def _build_plan(scenario: Scenario, cache: PlanCache) -> Plan:
    start, n_days = scenario.horizon.start, scenario.horizon.n_days
    # Blocks (below) are cached on the sub-models they read (which sweeps keep when they vary
    # something else) and the plain values that shape them -- only those, so that a sweep of
    # reserves or budgets rebuilds none of them.
    donors = scenario.donors
    donor_values = tuple((d.id, tuple(d.lead_times), tuple(s.good for s in d.supplies),
                          d.cargo_cap_unit,
                          d.via if isinstance(d.via, str) else tuple(sorted(d.via.items())))
                         for d in donors)
    structure = (tuple(scenario.region_ids), tuple(scenario.good_ids), donor_values)
    chans = ch.channels(scenario)
    span = (start, n_days)
    days, dispatch, policy = cache.blocks.get(
        (*scenario.pledges, *scenario.exchanges, *(d.shipments for d in donors)),
        ("dispatch days", *span, structure), lambda: ch.dispatch_days(scenario, chans))
    row = np.newaxis

    def series(tag: str, models: tuple[object, ...], compute: Callable[[], Array]) -> Array:
        return cache.series.get(models, (tag, *span), lambda: frozen(compute()[row]))

    def supply_series(s: Supply) -> tuple[Array, ...]:
        capacity = cache.series.get((s.capacity,), ("capacity", *span, s.availability),
                                    lambda: frozen(ch.capacity(s, *span)[row]))
        procured = series("procured", tuple(s.procurement), lambda: ch.procurement(s, *span))
        share, cap = cache.series.get(tuple(s.requisition), ("requisition", *span), lambda: tuple(
            frozen(a[row]) for a in ch.requisition(s.requisition, *span)))
        demand = series("demand", (s.domestic, s.domestic_need),
                        lambda: _domestic_demand(s, *span, cache))
        return capacity, procured, share, cap, demand

    capacity, procured, req_share, req_cap, demand = zip(
        *(supply_series(c.supply) for c in chans), strict=True)
    a = scenario.allocation
    # What every lead time is read from: regions', donors' own, hubs' (planned_lead_days).
    lead_models = (*scenario.hubs, *(r.lead_time for r in scenario.regions),
                   *(m for d in donors for m in d.lead_times.values()))
    instances = cache.blocks.get(
        (*scenario.pledges, *scenario.exchanges),
        ("instances", *span, structure, days.tobytes(), policy.tobytes(),
         tuple(d.shipments.cadence_days for d in donors)),
        lambda: ch.pledge_instances(scenario, chans, days, policy))
    basis_values = tuple(r.population if a.shares is ShareBasis.POPULATION else r.weight
                         for r in scenario.regions) if a.shares in VALUE_SHARES else ()
    goods = cache.blocks.get(
        (*(scenario.region_need(r, g) for g in scenario.good_ids for r in scenario.regions),
         *lead_models),
        ("goods", *span, a.planning_horizon_days, days.tobytes(), a.shares, basis_values,
         structure),
        lambda: good_block(scenario, chans, days, cache))
    attributes = cache.blocks.get((*scenario.regions, *lead_models), ("attributes", structure),
                             lambda: channel_attributes(scenario, chans))
    budgets = [ch.budget(c.donor) for c in chans]
    masses = {g.id: g.mass_kg for g in scenario.goods}
    lives = {g.id: g.shelf_life_days for g in scenario.goods}

    def per_channel(values: list[Any], dtype: Any = np.float64) -> NDArray[Any]:
        return frozen(np.array(values, dtype=dtype))

    n_p = len(instances.channel)
    pooled = scenario.coordination == "pooled"
    pledge_units = np.zeros((len(chans), n_p))
    pledge_units[instances.channel, np.arange(n_p)] = instances.amount
    return Plan(
        start=start,
        n_days=n_days,
        region_ids=tuple(scenario.region_ids),
        good_ids=tuple(scenario.good_ids),
        good_units=tuple(g.unit for g in scenario.goods),
        donor_ids=tuple(scenario.donor_ids),
        channel_donor=per_channel([c.donor_index for c in chans], np.intp),
        channel_good=per_channel([c.good_index for c in chans], np.intp),
        pooled=pooled,
        ship_days=frozen(days),
        dispatches=frozen(dispatch),
        policy_day=frozen(policy),
        pledge_channel=per_channel(instances.channel, np.intp),
        pledge_region=per_channel(instances.region, np.intp),
        pledge_due=per_channel(instances.due, np.intp),
        pledge_source=per_channel(instances.source, np.intp),
        pledge_exchange=per_channel(instances.exchange, np.intp),
        receive_channel=per_channel(instances.receive_channel, np.intp),
        receive_ratio=per_channel(instances.receive_ratio),
        receive_lead_days=per_channel(instances.receive_lead_days, np.intp),
        min_shipment_units=a.min_shipment,
        pallet_units=a.pallet_size,
        mip_time_limit_seconds=a.mip_time_limit_seconds,
        capacity_units=_stack(capacity),
        procured_units=_stack(procured),
        requisition_share=_stack(req_share),
        requisition_cap_units=_stack(req_cap),
        domestic_demand_units=_stack(demand),
        reserve_days=per_channel([(c.supply.reserve or c.donor.reserve).days for c in chans]),
        initial_stock_units=per_channel([c.supply.initial_stock for c in chans]),
        budget_share=per_channel([b[0] for b in budgets]),
        budget_per_shipment_units=per_channel([b[1] for b in budgets]),
        policy_on=per_channel([b[2] for b in budgets], bool),
        cargo_cap=per_channel([np.inf if c.donor.shipments.cargo_cap is None
                               else c.donor.shipments.cargo_cap for c in chans]),
        cargo_per_unit=per_channel([
            float(masses[c.supply.good] or 1.0) if c.donor.cargo_cap_unit is CargoUnit.KG
            else 1.0 for c in chans]),
        shelf_life_days=per_channel([lives[c.supply.good] or 0 for c in chans], np.int64),
        outage_probability=per_channel([c.supply.outages.daily_probability for c in chans]),
        outage_severity=per_channel([c.supply.outages.severity for c in chans]),
        outage_mean_days=per_channel([c.supply.outages.mean_duration_days for c in chans]),
        pledge_units=frozen(pledge_units),
        rule=per_channel([RULES.index(a.rule if pooled else c.donor.rule or a.rule)
                          for c in chans], np.int64),
        **cache.blocks.get((*scenario.hubs, *scenario.goods), ("hubs", structure),
                      lambda: hub_arrays(scenario, chans)),
        **cast(dict[str, Any], goods),
        **cast(dict[str, Any], attributes),
    )


def _domestic_demand(supply: Supply, start: dt.date, n_days: int, cache: PlanCache) -> Array:
    """Units a day: the domestic programme's total (sales, set-aside, uses' issues), or the
    supply's need, or nothing."""
    prog = domestic_programme(supply, start, n_days, cache)
    if prog is None:
        return ch.need_series(supply.domestic_need, start, n_days)
    return prog.total


def domestic_programme(supply: Supply, start: dt.date, n_days: int,
                       cache: PlanCache | None = None) -> ch.Programme | None:
    """The supply's domestic programme day by day (None: it has no ration programme). With
    a ``cache``, kept on the programme and its pieces on what they read, so that a sweep of
    uptake rebuilds no group's ration and no use's series; without one, worked out afresh."""
    dom = supply.domestic
    if dom is None:
        return None
    cache = PlanCache() if cache is None else cache

    def ration(g: Group) -> Array:  # per person: outlives a change of uptake (swept)
        return cache.series.get((g,), ("ration", start, n_days),
                                lambda: frozen(ch.ration_per_person(g, start, n_days)))

    def use(u: Use) -> ch.UseSeries:
        return cache.series.get((u,), ("use", start, n_days), lambda: _frozen_use(
            ch.use_series(u, start, n_days)))

    return cache.series.get((dom,), ("programme", start, n_days),
                            lambda: ch.programme(dom, start, n_days, ration, use))


def _frozen_use(series: ch.UseSeries) -> ch.UseSeries:
    return ch.UseSeries(frozen(series.issued), frozen(series.used), frozen(series.held))


def structure_key(plan: Plan) -> tuple[object, ...]:
    """What scenarios must share to run in one batch (``stack_plans`` checks the same)."""
    return tuple(v.tobytes() if isinstance(v, np.ndarray) else v
                 for v in (getattr(plan, name) for name in _SHARED))


class IncompatibleBatch(ValueError):
    """Scenarios that cannot share one batch (different horizon, regions, pledges, rule)."""


def stack_plans(plans: Sequence[Plan]) -> Plan:
    """One plan of the scenarios of several plans (each of one scenario or more, as
    ``with_rows`` gives) that share their structure, in order."""
    first = plans[0]
    for name in _SHARED:
        a = getattr(first, name)
        for other in plans[1:]:
            b = getattr(other, name)
            same = b is a or (np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b)
            if not same:
                raise IncompatibleBatch(f"scenarios differ in {name}; run them in separate batches")
    stacked = {}
    for name in PER_ROW:
        arrays = [getattr(p, name) for p in plans]
        per = first.rows_per_scenario(name)
        if name in _SHAREABLE and arrays[0].shape[0] == per and all(
                a is arrays[0] or np.array_equal(arrays[0], a) for a in arrays[1:]):
            stacked[name] = arrays[0]  # kept once and broadcast: B copies would not fit
        else:  # a plan's shared rows repeated for each of its scenarios
            stacked[name] = np.concatenate([
                _tile(a, p.n_scenarios) if a.shape[0] == per else a
                for a, p in zip(arrays, plans, strict=True)])
    return _replace(first, stacked)


def _tile(values: NDArray[S], n: int) -> NDArray[S]:
    """One scenario's rows repeated for n scenarios."""
    return values if n == 1 else np.tile(values, (n,) + (1,) * (values.ndim - 1))


def with_rows(plan: Plan, n: int, values: Mapping[str, NDArray[Any]]) -> Plan:
    """A plan of ``n`` scenarios of ``plan``'s structure (a plan of one scenario), laid out
    as ``stack_plans`` lays out a batch: each per-row field in ``values`` has one set of rows
    a scenario (n x C channel rows, n x G good rows, or n), the rest of its shape and its
    dtype as in ``plan``; a field not given is the one scenario's, repeated for every
    scenario (the large ones, ``_SHAREABLE``, kept once and shared). Read-only, as plans are.
    """
    if plan.n_scenarios != 1:
        raise ValueError(f"with_rows takes a plan of one scenario, not {plan.n_scenarios}")
    unknown = set(values) - set(PER_ROW)
    if unknown:
        raise ValueError(f"not per-row fields of a plan: {', '.join(sorted(unknown))}")
    out: dict[str, object] = {}
    for name in PER_ROW:
        base = getattr(plan, name)
        given = values.get(name)
        if given is None:
            out[name] = base if name in _SHAREABLE else frozen(_tile(base, n))
            continue
        shape = (n * plan.rows_per_scenario(name), *base.shape[1:])
        if given.shape != shape or given.dtype != base.dtype:
            raise ValueError(f"{name}: expected {shape} {base.dtype}, got {given.shape} "
                             f"{given.dtype}")
        out[name] = frozen(np.ascontiguousarray(given))
    return _replace(plan, out)


# Large per-row arrays that may keep one scenario's rows (C, or G) when every scenario of a
# batch shares them.
_SHAREABLE = ("capacity_units", "procured_units", "requisition_share", "requisition_cap_units",
              "domestic_demand_units", "need_units", "projected_need_units", "share",
              "pledge_units")
