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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from sim.engine import channels as ch
from sim.engine.memo import PlanCache
from sim.scenario.domestic import Use
from sim.scenario.donors import Supply
from sim.scenario.enums import CargoUnit, Rule, ShareBasis
from sim.scenario.models import FixedLeadTime, Group, Need
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
    rule: Rule  # the scenario's (and pooled giving's)
    channel_rule: tuple[Rule, ...]  # (C,) each channel's donor's own, giving independently
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

    def row(self, b: int) -> Plan:
        """Scenario ``b`` alone, as a plan of one scenario."""
        sliced = {}
        for name in _PER_ROW:
            values = getattr(self, name)
            per = (self.n_goods if name in _PER_GOOD else 1 if name in _PER_SCENARIO
                   else self.n_channels)
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
    "hub_onward_days", "hub_per_unit", "rule", "channel_rule", "min_shipment_units",
    "pallet_units", "mip_time_limit_seconds",
)
_PER_ROW = tuple(f.name for f in fields(Plan) if f.name not in _SHARED)
_PER_GOOD = ("need_units",)
_PER_SCENARIO = ("hub_throughput",)


def _replace(plan: Plan, values: dict[str, object]) -> Plan:
    data = {f.name: getattr(plan, f.name) for f in fields(plan)}
    data.update(values)
    return Plan(**data)


T = TypeVar("T")

S = TypeVar("S", bound=np.generic)


def per_row(values: NDArray[S], n_rows: int) -> NDArray[S]:
    """Values with a leading axis of 1 or n_rows as they are (numpy broadcasts a 1), or of
    one scenario's rows (shared by a batch) repeated for each scenario."""
    m = values.shape[0]
    if m in (1, n_rows):
        return values
    tiled: NDArray[S] = np.tile(values, (n_rows // m,) + (1,) * (values.ndim - 1))
    return tiled



def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a.setflags(write=False)
    return a


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
    return rows[0] if len(rows) == 1 else _frozen(np.concatenate(rows))


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
        return cache.series.get(models, (tag, *span), lambda: _frozen(compute()[row]))

    def supply_series(s: Supply) -> tuple[Array, ...]:
        capacity = cache.series.get((s.capacity,), ("capacity", *span, s.availability),
                                    lambda: _frozen(ch.capacity(s, *span)[row]))
        procured = series("procured", tuple(s.procurement), lambda: ch.procurement(s, *span))
        share, cap = cache.series.get(tuple(s.requisition), ("requisition", *span), lambda: tuple(
            _frozen(a[row]) for a in ch.requisition(s.requisition, *span)))
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
                         for r in scenario.regions) if a.shares in _VALUE_SHARES else ()
    goods = cache.blocks.get(
        (*(scenario.region_need(r, g) for g in scenario.good_ids for r in scenario.regions),
         *lead_models),
        ("goods", *span, a.planning_horizon_days, days.tobytes(), a.shares, basis_values,
         structure),
        lambda: _good_block(scenario, chans, days, cache))
    attributes = cache.blocks.get((*scenario.regions, *lead_models), ("attributes", structure),
                             lambda: _channel_attributes(scenario, chans))
    budgets = [ch.budget(c.donor) for c in chans]
    masses = {g.id: g.mass_kg for g in scenario.goods}
    lives = {g.id: g.shelf_life_days for g in scenario.goods}

    def per_channel(values: list[Any], dtype: Any = np.float64) -> NDArray[Any]:
        return _frozen(np.array(values, dtype=dtype))

    n_p = len(instances.channel)
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
        pooled=scenario.coordination == "pooled",
        ship_days=_frozen(days),
        dispatches=_frozen(dispatch),
        policy_day=_frozen(policy),
        pledge_channel=per_channel(instances.channel, np.intp),
        pledge_region=per_channel(instances.region, np.intp),
        pledge_due=per_channel(instances.due, np.intp),
        pledge_source=per_channel(instances.source, np.intp),
        pledge_exchange=per_channel(instances.exchange, np.intp),
        receive_channel=per_channel(instances.receive_channel, np.intp),
        receive_ratio=per_channel(instances.receive_ratio),
        receive_lead_days=per_channel(instances.receive_lead_days, np.intp),
        rule=a.rule,
        channel_rule=tuple(c.donor.rule or a.rule for c in chans),
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
        pledge_units=_frozen(pledge_units),
        **cache.blocks.get((*scenario.hubs, *scenario.goods), ("hubs", structure),
                      lambda: _hub_arrays(scenario, chans)),
        **cast(dict[str, Any], goods),
        **cast(dict[str, Any], attributes),
    )


_VALUE_SHARES = (ShareBasis.POPULATION, ShareBasis.WEIGHTS)


def _hub_arrays(scenario: Scenario, chans: Sequence[ch.Channel]) -> dict[str, Any]:
    """Routes, handling and onward days, throughput units per unit of each channel's good."""
    hubs, regions = scenario.hubs, scenario.region_ids
    index = {h.id: i for i, h in enumerate(hubs)}
    route = np.array([[index.get(c.donor.hub_for(r) or "", -1) for r in regions]
                      for c in chans], dtype=np.intp).reshape(len(chans), len(regions))
    masses = {g.id: g.mass_kg for g in scenario.goods}
    per_unit = np.array([[float(masses[c.supply.good] or 1.0) if h.throughput_unit == "kg"
                          else 1.0 for c in chans] for h in hubs]).reshape(len(hubs), len(chans))
    return {
        "hub_ids": tuple(h.id for h in hubs),
        "route_hub": _frozen(route),
        "hub_handling_days": _frozen(np.array([h.handling_days for h in hubs], dtype=np.intp)),
        "hub_onward_days": _frozen(np.array([[h.lead_times.get(r, 0) for r in regions]
                                             for h in hubs], dtype=np.intp).reshape(
                                                 len(hubs), len(regions))),
        "hub_per_unit": _frozen(per_unit),
        "hub_throughput": _frozen(np.array([[h.throughput_per_day for h in hubs]]).reshape(
            1, len(hubs))),
    }


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
                                lambda: _frozen(ch.ration_per_person(g, start, n_days)))

    def use(u: Use) -> ch.UseSeries:
        return cache.series.get((u,), ("use", start, n_days), lambda: _frozen_use(
            ch.use_series(u, start, n_days)))

    return cache.series.get((dom,), ("programme", start, n_days),
                            lambda: ch.programme(dom, start, n_days, ration, use))


def _frozen_use(series: ch.UseSeries) -> ch.UseSeries:
    return ch.UseSeries(_frozen(series.issued), _frozen(series.used), _frozen(series.held))


def _channel_attributes(scenario: Scenario, chans: Sequence[ch.Channel]
                        ) -> dict[str, NDArray[Any]]:
    """The (C, R) arrays read from each region (and each donor's lead times to it)."""
    regions = scenario.regions

    def lead(c: ch.Channel, attr: str) -> list[float]:
        out = []
        for i in range(len(regions)):
            lt = ch.lead_time(scenario, c.donor, i)
            out.append(float(lt.days) if isinstance(lt, FixedLeadTime)
                       else float(getattr(lt, attr)))
        return out

    def cap(c: ch.Channel) -> list[float]:
        return [r.absorption_caps.get(c.supply.good, np.inf) for r in regions]

    block: dict[str, NDArray[Any]] = {
        "lead_min_days": np.array([lead(c, "min") for c in chans]),
        "lead_mode_days": np.array([lead(c, "mode") for c in chans]),
        "lead_max_days": np.array([lead(c, "max") for c in chans]),
        "cap_units": np.array([cap(c) for c in chans]),
        "weight": np.array([[r.weight for r in regions] for _ in chans]),
        "tier": np.array([[r.tier for r in regions] for _ in chans], dtype=np.int64),
    }
    return {name: _frozen(a.reshape(len(chans), len(regions))) for name, a in block.items()}


def _good_block(scenario: Scenario, chans: Sequence[ch.Channel], days: Index,
                cache: PlanCache) -> dict[str, NDArray[Any]]:
    """Need per good (G, T, R); projected need and shares per channel (C, K, R). A shipment
    is planned for the H days after it would land (t + planned lead .. + H), not for the days
    it spends in the air: what a region has covers it until then."""
    start, n_days = scenario.horizon.start, scenario.horizon.n_days
    horizon_h = scenario.allocation.planning_horizon_days
    regions = scenario.regions
    n_r = len(regions)
    lead = np.array([[ch.planned_lead_days(scenario, c.donor, i) for i in range(n_r)]
                     for c in chans], dtype=np.intp).reshape(len(chans), n_r)
    # Need is evaluated past the horizon so the last shipments still plan ahead.
    span = (start, n_days + int(lead.max(initial=0)) + horizon_h)

    def need(n: Need | None) -> Array:
        return cache.series.get((n,), ("need", *span), lambda: _frozen(ch.need_series(n, *span)))

    need_ext = np.stack([np.stack([need(scenario.region_need(r, g)) for r in regions], axis=1)
                         for g in scenario.good_ids])  # (G, T + ..., R)
    cum = np.concatenate([np.zeros((len(scenario.good_ids), 1, n_r)),
                          np.cumsum(need_ext, axis=1)], axis=1)
    cols = np.arange(n_r)
    projected = np.empty((len(chans), len(days), n_r))
    share = np.empty_like(projected)
    for i, c in enumerate(chans):
        lands = days[:, None] + lead[i][None, :]
        g = cum[c.good_index]
        projected[i] = g[lands + horizon_h, cols] - g[lands, cols]
        share[i] = _shares(scenario, c, days, projected[i])
    block: dict[str, NDArray[Any]] = {
        "need_units": need_ext[:, :n_days],
        "projected_need_units": projected,
        "share": share,
    }
    return {name: _frozen(np.ascontiguousarray(a)) for name, a in block.items()}


def _shares(scenario: Scenario, c: ch.Channel, days: Index, projected: Array) -> Array:
    basis = scenario.allocation.shares
    regions = scenario.regions
    if basis is ShareBasis.NEED:
        return projected
    if basis is ShareBasis.CASES:
        start, n_days = scenario.horizon.start, scenario.horizon.n_days
        active = np.stack(
            [ch.active_cases(scenario.region_need(r, c.supply.good), start,  # type: ignore[arg-type]
                             n_days) for r in regions], axis=1,
        )
        return active[days]
    values = [r.population if basis is ShareBasis.POPULATION else r.weight for r in regions]
    return np.broadcast_to(np.array(values, dtype=np.float64), (len(days), len(regions))).copy()


def structure_key(plan: Plan) -> tuple[object, ...]:
    """What scenarios must share to run in one batch (``stack_plans`` checks the same)."""
    return tuple(v.tobytes() if isinstance(v, np.ndarray) else v
                 for v in (getattr(plan, name) for name in _SHARED))


class IncompatibleBatch(ValueError):
    """Scenarios that cannot share one batch (different horizon, regions, pledges, rule)."""


def stack_plans(plans: Sequence[Plan]) -> Plan:
    """One plan of B scenarios from B single plans that share their structure."""
    first = plans[0]
    for name in _SHARED:
        a = getattr(first, name)
        for other in plans[1:]:
            b = getattr(other, name)
            same = b is a or (np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b)
            if not same:
                raise IncompatibleBatch(f"scenarios differ in {name}; run them in separate batches")
    stacked = {}
    for name in _PER_ROW:
        arrays = [getattr(p, name) for p in plans]
        if name in _SHAREABLE and all(a is arrays[0] or np.array_equal(arrays[0], a)
                                      for a in arrays[1:]):
            stacked[name] = arrays[0]  # kept once and broadcast: B copies would not fit
        else:
            stacked[name] = np.concatenate(arrays)
    return _replace(first, stacked)


# Large per-row arrays that may keep one scenario's rows (C, or G) when every scenario of a
# batch shares them.
_SHAREABLE = ("capacity_units", "procured_units", "requisition_share", "requisition_cap_units",
              "domestic_demand_units", "need_units", "projected_need_units", "share",
              "pledge_units")
