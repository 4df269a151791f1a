"""A scenario compiled to arrays: everything the engines need that is not random.

Arrays carry a leading scenario axis B (1 for a single run) so the SimPy engine and the batch
engine read the same plan. Axes: T days, K dispatch days, R regions, P pledge instances.
A dispatch day is a regular shipment day (the rule spreads the offer) or the date of a fixed
pledge that leaves on its own date (pledges only).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from sim.scenario import schedule
from sim.scenario.models import (
    WEEKDAYS,
    BudgetKind,
    CasesNeed,
    ConstantNeed,
    FixedLeadTime,
    FixedPledge,
    Group,
    PledgeDispatch,
    Region,
    Requisition,
    Rule,
    Scenario,
    Schedule,
    ShareBasis,
)

Array = NDArray[np.float64]
Index = NDArray[np.intp]


@dataclass(frozen=True)
class Plan:
    # Shared by every scenario of a batch.
    start: dt.date
    n_days: int
    region_ids: tuple[str, ...]
    ship_days: Index  # (K,) day index of each dispatch day, increasing
    policy_day: NDArray[np.bool_]  # (K,) True on regular shipment days (the rule runs)
    pledge_region: Index  # (P,) region index of each pledge instance
    pledge_due: Index  # (P,) dispatch index at which it falls due; non-decreasing (oldest first)
    pledge_source: Index  # (P,) index into scenario.pledges
    rule: Rule
    min_shipment_masks: float | None
    pallet_masks: float | None
    mip_time_limit_seconds: float  # lp backend: the MIP's time for one row
    # Per scenario: leading axis B (the large arrays in _SHAREABLE may have 1, broadcast).
    capacity_masks: Array  # (B, T) per day
    requisition_share: Array  # (B, T) share of the day's output the government takes
    requisition_cap_masks: Array  # (B, T) at most this a day (inf: no cap)
    domestic_demand_masks: Array  # (B, T) per day
    reserve_days: Array  # (B,)
    initial_stock_masks: Array  # (B,)
    budget_share: Array  # (B,) share of the surplus offered
    budget_per_shipment_masks: Array  # (B,) fixed amount offered (inf: no limit)
    policy_on: NDArray[np.bool_]  # (B,) False for 'pledges only'
    cargo_cap_masks: Array  # (B,) per shipment (inf: none)
    outage_probability: Array  # (B,)
    outage_severity: Array  # (B,)
    outage_mean_days: Array  # (B,)
    lead_min_days: Array  # (B, R)
    lead_mode_days: Array  # (B, R)
    lead_max_days: Array  # (B, R)
    cap_masks: Array  # (B, R) absorption cap per shipment (inf: none)
    weight: Array  # (B, R)
    tier: NDArray[np.int64]  # (B, R)
    need_masks: Array  # (B, T, R) per day
    projected_need_masks: Array  # (B, K, R) over the planning window after landing
    share: Array  # (B, K, R) proportional shares on each shipment day
    pledge_masks: Array  # (B, P)

    @property
    def n_scenarios(self) -> int:
        return int(self.reserve_days.shape[0])

    @property
    def dates(self) -> list[dt.date]:
        return schedule.date_range(self.start, self.n_days)

    def row(self, b: int) -> Plan:
        """Scenario ``b`` alone, as a plan with B = 1."""
        sliced = {}
        for name in _PER_ROW:
            values = getattr(self, name)
            i = b if values.shape[0] > 1 else 0  # a leading 1 is shared by every row
            sliced[name] = values[i : i + 1]
        return _replace(self, sliced)


_SHARED = (
    "start", "n_days", "region_ids", "ship_days", "policy_day", "pledge_region", "pledge_due",
    "pledge_source", "rule", "min_shipment_masks", "pallet_masks", "mip_time_limit_seconds",
)
_PER_ROW = tuple(f.name for f in fields(Plan) if f.name not in _SHARED)


def _replace(plan: Plan, values: dict[str, object]) -> Plan:
    data = {f.name: getattr(plan, f.name) for f in fields(plan)}
    data.update(values)
    return Plan(**data)


def shipment_days(scenario: Scenario) -> Index:
    """The regular shipment days (the weekday, every cadence_days), as day indices."""
    start, n_days = scenario.horizon.start, scenario.horizon.n_days
    first = (WEEKDAYS.index(scenario.shipments.weekday) - start.weekday()) % 7
    return np.arange(first, n_days, scenario.shipments.cadence_days, dtype=np.intp)


def dispatch_days(scenario: Scenario) -> tuple[Index, NDArray[np.bool_]]:
    """Every day something may leave: the regular shipment days and the dates of fixed
    pledges that leave on their own date; and which of them are regular (K,)."""
    start = scenario.horizon.start
    regular = shipment_days(scenario)
    dated = {(p.date - start).days for p in scenario.pledges
             if isinstance(p, FixedPledge) and p.dispatch is PledgeDispatch.ON_DATE}
    days = np.union1d(regular, np.array(sorted(dated), dtype=np.intp)).astype(np.intp)
    return days, np.isin(days, regular)


def _eval(s: Schedule, start: dt.date, n_days: int) -> Array:
    return schedule.evaluate(
        [p.date for p in s.points], [p.value for p in s.points], s.interpolation, start, n_days
    )


def _active_cases(need: CasesNeed, start: dt.date, n_days: int) -> Array:
    """Cases reported in the last ``active_days`` days; held flat after the table ends,
    even when it ends before ``start`` (the last known value, not a decay to zero)."""
    last = max(need._new_cases, default=start.toordinal()) - start.toordinal()
    offset = min(0, last)  # evaluate from the table's last day when it ends early
    span = n_days - offset
    lead_in = need.active_days - 1
    new = need.new_cases_on(start + dt.timedelta(days=offset - lead_in), span + lead_in)
    cum = np.concatenate([[0.0], np.cumsum(new)])
    active = cum[need.active_days :] - cum[: -need.active_days]
    hold_from = last - offset
    if hold_from < span - 1:
        active[hold_from + 1 :] = active[hold_from]
    result: Array = active[-offset:] if offset else active
    return result


def region_need(region: Region, start: dt.date, n_days: int) -> Array:
    """Masks a day the region needs, on each of ``n_days`` days from ``start``."""
    need = region.need
    if isinstance(need, ConstantNeed):
        return np.full(n_days, need.masks_per_day)
    if isinstance(need, CasesNeed):
        active = _active_cases(need, start, n_days)
        return need.floor_masks_per_day + need.masks_per_case * active
    return _eval(need.schedule, start, n_days)


def _pledge_instances(
    scenario: Scenario, ship_days: Index, policy_day: NDArray[np.bool_]
) -> tuple[list[int], list[int], list[int], list[float]]:
    """(region, due, source, amount) of every pledge instance, oldest first: sorted by the
    dispatch at which it falls due, then by its place in the file."""
    ids = scenario.region_ids
    start, cadence = scenario.horizon.start, scenario.shipments.cadence_days
    ship_dates = [start + dt.timedelta(days=int(d)) for d in ship_days]
    regular = [k for k in range(len(ship_days)) if policy_day[k]]
    instances: list[tuple[int, int, int, float]] = []  # (due, source, region, amount)
    for i, p in enumerate(scenario.pledges):
        if isinstance(p, FixedPledge):
            if p.dispatch is PledgeDispatch.ON_DATE:
                k: int | None = ship_dates.index(p.date)
            else:
                # The first regular shipment day on or after its date; after the last one it
                # cannot fall due in this horizon, and results report it as not due.
                k = next((k for k in regular if ship_dates[k] >= p.date), None)
            if k is not None:
                instances.append((k, i, ids.index(p.region), p.amount))
            continue
        # Standing: each shipment day in [start, end] carries the weeks since the last one.
        for k in regular:
            if p.start <= ship_dates[k] <= p.end:
                instances.append((k, i, ids.index(p.region), p.amount_per_week * cadence / 7))
    instances.sort(key=lambda x: (x[0], x[1]))
    return ([x[2] for x in instances], [x[0] for x in instances], [x[1] for x in instances],
            [x[3] for x in instances])


def _budget(scenario: Scenario) -> tuple[float, float, bool]:
    b, per_shipment_weeks = scenario.budget, scenario.shipments.cadence_days / 7
    if b.kind is BudgetKind.SHARE_OF_SURPLUS:
        return float(b.share or 0.0), np.inf, True
    if b.kind is BudgetKind.FIXED_PER_WEEK:
        return 1.0, float(b.amount_per_week or 0.0) * per_shipment_weeks, True
    return 1.0, np.inf, b.kind is not BudgetKind.PLEDGES_ONLY


T = TypeVar("T")


class _Memo:
    """A small LRU of what build_plan computes from sub-models, keyed by the models' identity
    plus plain values. Identity, because pydantic models cannot be weakly referenced and those
    holding lists are not hashable; sweeps and ``with_overrides`` keep every untouched
    sub-model as the same instance, and ``[scenario] * N`` is one object. An entry holds its
    models, so an id cannot be reused while it is cached. Cached arrays are read-only: many
    plans share them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[tuple[object, ...], Any]] = (
            OrderedDict())
        self._lock = threading.Lock()  # calibrate and Dask may build plans from threads

    def get(self, models: tuple[object, ...], values: tuple[Hashable, ...],
            compute: Callable[[], T]) -> T:
        key = (*map(id, models), *values)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                cached: T = hit[1]
                return cached
        value = compute()
        with self._lock:
            self._entries[key] = (models, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Sizes: a plan or a region block of 50 regions x 365 days is ~0.2 MB; a need series ~3 kB.
_PLANS, _BLOCKS, _SERIES = _Memo(8), _Memo(16), _Memo(1024)


def clear_plan_cache() -> None:
    """Forget every cached plan and piece (they are rebuilt, identical, when next asked)."""
    for memo in (_PLANS, _BLOCKS, _SERIES):
        memo.clear()


def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a.setflags(write=False)
    return a


def build_plan(scenario: Scenario) -> Plan:
    """The arrays of one scenario (B = 1). Cached: the same Scenario object (or one sharing
    its sub-models) gets the same arrays back, read-only."""
    return _PLANS.get((scenario,), (), lambda: _build_plan(scenario))


def _build_plan(scenario: Scenario) -> Plan:
    start, n_days = scenario.horizon.start, scenario.horizon.n_days
    ship, policy_day = dispatch_days(scenario)
    regions = scenario.regions
    span = (start, n_days)
    capacity = _SERIES.get((scenario.donor.capacity,), span,
                           lambda: _frozen(_eval(scenario.donor.capacity, start, n_days)))
    requisition = tuple(scenario.donor.requisition)
    req_share, req_cap = _SERIES.get(requisition, span,
                                     lambda: _requisition(requisition, start, n_days))
    demand = _SERIES.get((scenario.domestic,), span,
                         lambda: _frozen(_domestic_demand(scenario, start, n_days)))
    a = scenario.allocation
    # Need, projections and shares depend on the regions' needs, the dispatch days and the
    # planned transit (and on populations or weights when shares come from them).
    basis_values = tuple(r.population if a.shares is ShareBasis.POPULATION else r.weight
                         for r in regions) if a.shares in _VALUE_SHARES else ()
    planned_lead = tuple(r.lead_time.planned_days for r in regions)
    block = _BLOCKS.get(
        tuple(r.need for r in regions),
        (*span, a.planning_horizon_days, tuple(ship.tolist()), planned_lead, a.shares,
         basis_values),
        lambda: _need_block(scenario, ship))
    attributes = _BLOCKS.get(tuple(regions), (), lambda: _region_attributes(regions))
    pledges = _BLOCKS.get(
        tuple(scenario.pledges),
        (*span, scenario.shipments.weekday, scenario.shipments.cadence_days,
         tuple(scenario.region_ids)),
        lambda: _pledge_arrays(scenario, ship, policy_day))
    budget_share, budget_amount, policy_on = _budget(scenario)
    out = scenario.donor.outages
    cargo = scenario.shipments.cargo_cap
    row = np.newaxis
    return Plan(
        start=start,
        n_days=n_days,
        region_ids=tuple(scenario.region_ids),
        ship_days=_frozen(ship),
        policy_day=_frozen(policy_day),
        pledge_region=pledges[0],
        pledge_due=pledges[1],
        pledge_source=pledges[2],
        rule=a.rule,
        min_shipment_masks=a.min_shipment,
        pallet_masks=a.pallet_size,
        mip_time_limit_seconds=a.mip_time_limit_seconds,
        capacity_masks=capacity[row],
        requisition_share=req_share[row],
        requisition_cap_masks=req_cap[row],
        domestic_demand_masks=demand[row],
        reserve_days=_frozen(np.array([scenario.reserve.days])),
        initial_stock_masks=_frozen(np.array([scenario.donor.initial_stock])),
        budget_share=_frozen(np.array([budget_share])),
        budget_per_shipment_masks=_frozen(np.array([budget_amount])),
        policy_on=_frozen(np.array([policy_on])),
        cargo_cap_masks=_frozen(np.array([np.inf if cargo is None else cargo])),
        outage_probability=_frozen(np.array([out.daily_probability])),
        outage_severity=_frozen(np.array([out.severity])),
        outage_mean_days=_frozen(np.array([out.mean_duration_days])),
        pledge_masks=pledges[3],
        **block,
        **attributes,
    )


_VALUE_SHARES = (ShareBasis.POPULATION, ShareBasis.WEIGHTS)


def _requisition(entries: Sequence[Requisition], start: dt.date, n_days: int
                 ) -> tuple[Array, Array]:
    """(share, cap) a day: all of the output, uncapped, until the first entry; then each
    entry's share (uncapped) or amount (the whole output up to it) until the next."""
    share, cap = np.ones(n_days), np.full(n_days, np.inf)
    for e in entries:
        first = max((e.date - start).days, 0)
        share[first:] = 1.0 if e.share is None else e.share
        cap[first:] = np.inf if e.amount is None else e.amount
    return _frozen(share), _frozen(cap)


def _domestic_demand(scenario: Scenario, start: dt.date, n_days: int) -> Array:
    dom = scenario.domestic

    def ration(g: Group) -> Array:  # per person: outlives a change of uptake (swept)
        return _SERIES.get((g,), (start, n_days),
                           lambda: _frozen(_eval(g.schedule(), start, n_days)))

    demand = np.zeros(n_days)
    for g in dom.groups:
        uptake = dom.uptake if g.uptake is None else g.uptake
        demand += uptake * g.population * ration(g)
    if dom.set_aside is not None:
        demand += _eval(dom.set_aside, start, n_days)
    return demand


def _region_attributes(regions: Sequence[Region]) -> dict[str, NDArray[Any]]:
    """The (1, R) arrays read straight from each region."""

    def lead(attr: str) -> Array:
        return np.array(
            [float(r.lead_time.days) if isinstance(r.lead_time, FixedLeadTime)
             else float(getattr(r.lead_time, attr)) for r in regions]
        )

    row = np.newaxis
    block: dict[str, NDArray[Any]] = {
        "lead_min_days": lead("min")[row],
        "lead_mode_days": lead("mode")[row],
        "lead_max_days": lead("max")[row],
        "cap_masks": np.array(
            [np.inf if r.absorption_cap is None else r.absorption_cap for r in regions]
        )[row],
        "weight": np.array([r.weight for r in regions])[row],
        "tier": np.array([r.tier for r in regions], dtype=np.int64)[row],
    }
    return {name: _frozen(a) for name, a in block.items()}


def _need_block(scenario: Scenario, ship: Index) -> dict[str, NDArray[Any]]:
    """Need, projected need and shares, (1, ...): they depend on the regions' needs, the
    horizon, the dispatch days, the planned transit and the share basis only.

    A shipment is planned for the H days after it would land (t + planned lead .. + H), not
    for the days it spends in the air: what a region has covers it until then."""
    start, n_days = scenario.horizon.start, scenario.horizon.n_days
    horizon_h = scenario.allocation.planning_horizon_days
    regions = scenario.regions
    lead = np.array([r.lead_time.planned_days for r in regions], dtype=np.intp)
    # Need is evaluated past the horizon so the last shipments still plan ahead.
    span = (start, n_days + int(lead.max(initial=0)) + horizon_h)

    def need(r: Region) -> Array:
        return _SERIES.get((r.need,), span, lambda: _frozen(region_need(r, *span)))

    need_ext = np.stack([need(r) for r in regions], axis=1)
    cum = np.vstack([np.zeros((1, len(regions))), np.cumsum(need_ext, axis=0)])
    cols = np.arange(len(regions))
    lands = ship[:, None] + lead[None, :]
    projected = cum[lands + horizon_h, cols] - cum[lands, cols]
    share = _shares(scenario, ship, projected)
    row = np.newaxis
    block: dict[str, NDArray[Any]] = {
        "need_masks": need_ext[:n_days][row],
        "projected_need_masks": projected[row],
        "share": share[row],
    }
    return {name: _frozen(a) for name, a in block.items()}


def _pledge_arrays(scenario: Scenario, ship: Index, policy_day: NDArray[np.bool_]
                   ) -> tuple[Index, Index, Index, Array]:
    p_region, p_due, p_source, p_amount = _pledge_instances(scenario, ship, policy_day)
    return (_frozen(np.array(p_region, dtype=np.intp)), _frozen(np.array(p_due, dtype=np.intp)),
            _frozen(np.array(p_source, dtype=np.intp)),
            _frozen(np.array(p_amount, dtype=np.float64)[np.newaxis]))


def _shares(scenario: Scenario, ship: Index, projected: Array) -> Array:
    basis = scenario.allocation.shares
    regions = scenario.regions
    if basis is ShareBasis.NEED:
        return projected
    if basis is ShareBasis.CASES:
        start, n_days = scenario.horizon.start, scenario.horizon.n_days
        active = np.stack(
            [_active_cases(r.need, start, n_days) for r in regions  # type: ignore[arg-type]
             ], axis=1,
        )
        return active[ship]
    values = [r.population if basis is ShareBasis.POPULATION else r.weight for r in regions]
    return np.broadcast_to(np.array(values, dtype=np.float64), (len(ship), len(regions))).copy()


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
            same = np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
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


# Large per-row arrays that may keep a leading axis of 1 when every scenario shares them.
_SHAREABLE = ("capacity_masks", "requisition_share", "requisition_cap_masks",
              "domestic_demand_masks", "need_masks", "projected_need_masks", "share")
