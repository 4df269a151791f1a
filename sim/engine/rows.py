"""Scalars set per row on a plan built once: a batch of n scenarios of one structure.

A scenario's plan is built once (``build_plan``); each scalar path (``sim.scenario.scalars``)
then gives one value a row, checked already (``sim.scenario.scalar_checks``), and this module
works out the per-row plan fields those values change, as ``build_plan`` would for each
scenario alone, with the same arithmetic in the same order, so each row is the same bytes as
the scenario built and planned on its own:

* reserve days, initial stock, outages, cargo caps, weights, tiers, absorption caps: the
  field's value on the channel rows it reaches;
* a budget kind, share or amount: (share of the surplus, amount per shipment, whether the
  rule spreads anything), as ``channels.budget``;
* a rule: each channel row's rule (its donor's own when it has one, giving independently);
* availability: the capacity series, capacity x availability;
* uptake: the domestic programme's demand series (groups' uptake x population x ration,
  x the uptake profile, at most the outlets' supply, plus the set-aside and the uses);
* a region's lead time: the lead-time arrays the draws read, and the planning window of the
  channels that ship to it directly (and their shares, with shares by need);
* a pledge's amount: its instances' units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine import channels as ch
from sim.engine.blocks import need_ahead, planned_lead, projected_need
from sim.engine.memo import PlanCache
from sim.engine.plan import RULES, Plan, domestic_programme, with_rows
from sim.scenario.enums import BudgetKind, ShareBasis
from sim.scenario.models import FixedPledge, TriangularLeadTime
from sim.scenario.scalars import Scalar, ScalarPath
from sim.scenario.scenario import Scenario

Array = NDArray[np.float64]


class _Rows:
    """The per-row fields being filled, (n, rows a scenario, ...) each, from the plan's."""

    def __init__(self, plan: Plan, n: int) -> None:
        self.plan, self.n = plan, n
        self.fields: dict[str, NDArray[Any]] = {}

    def __getitem__(self, name: str) -> NDArray[Any]:
        if name not in self.fields:
            base = getattr(self.plan, name)
            self.fields[name] = np.repeat(base[np.newaxis], self.n, axis=0)
        return self.fields[name]

    def flat(self) -> dict[str, NDArray[Any]]:
        return {name: a.reshape(-1, *a.shape[2:]) for name, a in self.fields.items()}


def plan_rows(scenario: Scenario, plan: Plan, values: Mapping[ScalarPath, NDArray[Any]],
              n: int, cache: PlanCache | None = None) -> Plan:
    """A plan of ``n`` scenarios: ``scenario`` (whose plan is ``plan``) with each scalar path
    set to its value in each row (``values``: checked, (n,) each, a None as NaN)."""
    cache = PlanCache() if cache is None else cache
    rows = _Rows(plan, n)
    chans = ch.channels(scenario)
    index = {(c.donor_index, _supply_index(c)): i for i, c in enumerate(chans)}
    of_donor: dict[int, list[int]] = {}
    for i, c in enumerate(chans):
        of_donor.setdefault(c.donor_index, []).append(i)

    def column(kind: Scalar, fallback: Any, **where: int) -> NDArray[Any]:
        found = next((v for p, v in values.items() if p.kind is kind and all(
            getattr(p, k) == w for k, w in where.items())), None)
        if found is not None:
            return found
        return np.full(n, np.nan if fallback is None else fallback,
                       dtype=object if isinstance(fallback, str) else np.float64)

    kinds = {p.kind for p in values}
    for path, v in values.items():  # fields one path sets on its own rows
        k = index.get((path.donor, path.supply), -1)  # a supply's channel
        if path.kind is Scalar.INITIAL_STOCK:
            rows["initial_stock_units"][:, k] = v
        elif path.kind is Scalar.OUTAGE_PROBABILITY:
            rows["outage_probability"][:, k] = v
        elif path.kind is Scalar.OUTAGE_SEVERITY:
            rows["outage_severity"][:, k] = v
        elif path.kind is Scalar.OUTAGE_MEAN_DAYS:
            rows["outage_mean_days"][:, k] = v
        elif path.kind is Scalar.AVAILABILITY:
            nominal = ch.nominal_capacity(chans[k].supply, plan.start, plan.n_days)
            rows["capacity_units"][:, k] = nominal[np.newaxis] * v[:, np.newaxis]
        elif path.kind is Scalar.CARGO_CAP:
            rows["cargo_cap"][:, of_donor[path.donor]] = np.where(np.isnan(v), np.inf, v)[
                :, np.newaxis]
        elif path.kind is Scalar.TIER:
            rows["tier"][:, :, path.region] = v[:, np.newaxis]
        elif path.kind is Scalar.ABSORPTION_CAP:
            mine = [i for i, x in enumerate(chans) if x.supply.good == path.good]
            rows["cap_units"][:, mine, path.region] = np.where(np.isnan(v), np.inf, v)[
                :, np.newaxis]
        elif path.kind is Scalar.WEIGHT:
            rows["weight"][:, :, path.region] = v[:, np.newaxis]
            if scenario.allocation.shares is ShareBasis.WEIGHTS:
                rows["share"][:, :, :, path.region] = v[:, np.newaxis, np.newaxis]
        elif path.kind is Scalar.PLEDGE_AMOUNT:
            _pledge(rows, scenario, chans, path, v)
    for i, c in enumerate(chans):  # fields that several paths set together
        d, s = c.donor_index, _supply_index(c)
        donor, supply = c.donor, c.supply
        if kinds & {Scalar.RESERVE, Scalar.SUPPLY_RESERVE}:
            own = column(Scalar.SUPPLY_RESERVE, None if supply.reserve is None
                         else supply.reserve.days, donor=d, supply=s)
            days = column(Scalar.RESERVE, donor.reserve.days, donor=d)
            rows["reserve_days"][:, i] = np.where(np.isnan(own), days, own)
        if kinds & {Scalar.BUDGET_KIND, Scalar.BUDGET_SHARE, Scalar.BUDGET_AMOUNT}:
            b = donor.budget
            _budget(rows, i, column(Scalar.BUDGET_KIND, b.kind, donor=d),
                    column(Scalar.BUDGET_SHARE, b.share, donor=d),
                    column(Scalar.BUDGET_AMOUNT, b.amount_per_week, donor=d),
                    donor.shipments.cadence_days)
        if kinds & {Scalar.RULE, Scalar.DONOR_RULE}:
            rule = column(Scalar.RULE, scenario.allocation.rule)
            if scenario.coordination != "pooled":
                own_rule = column(Scalar.DONOR_RULE, donor.rule, donor=d)
                rule = np.where([r is not None and r == r for r in own_rule], own_rule, rule)
            rows["rule"][:, i] = [RULES.index(r) for r in rule]
        if kinds & {Scalar.UPTAKE, Scalar.GROUP_UPTAKE} and supply.domestic is not None:
            rows["domestic_demand_units"][:, i] = _demand(
                supply, plan, n, column(Scalar.UPTAKE, supply.domestic.uptake, donor=d,
                                        supply=s),
                [column(Scalar.GROUP_UPTAKE, g.uptake, donor=d, supply=s, index=k)
                 for k, g in enumerate(supply.domestic.groups)], cache)
    if kinds & {Scalar.LEAD_MIN, Scalar.LEAD_MODE, Scalar.LEAD_MAX, Scalar.LEAD_DAYS}:
        _leads(rows, scenario, plan, chans, column, cache)
    return with_rows(plan, n, rows.flat())


def _supply_index(c: ch.Channel) -> int:
    return next(j for j, s in enumerate(c.donor.supplies) if s is c.supply)


def _budget(rows: _Rows, i: int, kind: NDArray[Any], share: Array, amount: Array,
            cadence_days: int) -> None:
    """``channels.budget`` on every row: (share, amount per shipment, the rule spreads)."""
    weeks = cadence_days / 7
    is_share = kind == BudgetKind.SHARE_OF_SURPLUS
    is_fixed = kind == BudgetKind.FIXED_PER_WEEK
    share = np.where(np.isnan(share), 0.0, share)
    amount = np.where(np.isnan(amount), 0.0, amount)
    rows["budget_share"][:, i] = np.where(is_share, share, 1.0)
    rows["budget_per_shipment_units"][:, i] = np.where(is_fixed, amount * weeks, np.inf)
    rows["policy_on"][:, i] = kind != BudgetKind.PLEDGES_ONLY


def _demand(supply: Any, plan: Plan, n: int, uptake: Array, groups: list[Array],
            cache: PlanCache) -> Array:
    """``channels.programme`` on every row: the demand a day (n, T) at each row's uptake."""
    dom, start, n_days = supply.domestic, plan.start, plan.n_days
    demand = np.zeros((n, n_days))
    for g, own in zip(dom.groups, groups, strict=True):
        u = np.where(np.isnan(own), uptake, own)
        demand += (u * g.population)[:, np.newaxis] * ch.ration_per_person(
            g, start, n_days)[np.newaxis]
    if dom.uptake_profile is not None:
        demand = demand * ch.evaluate(dom.uptake_profile, start, n_days)
    sold = demand if not dom.ration_supply else np.minimum(
        demand, ch.ration_cap(dom.ration_supply, start, n_days))
    prog = domestic_programme(supply, start, n_days, cache)
    assert prog is not None
    if prog.set_aside is None and not prog.uses:
        return sold
    out = sold.copy()
    if prog.set_aside is not None:
        out += prog.set_aside
    for use in prog.uses:
        out += use.issued
    return out


def _pledge(rows: _Rows, scenario: Scenario, chans: list[ch.Channel], path: ScalarPath,
            amount: Array) -> None:
    """A pledge's instances: its amount, or a week's amount x the weeks between shipments."""
    plan, pledge = rows.plan, scenario.pledges[path.index]
    for q in np.flatnonzero(plan.pledge_source == path.index).tolist():
        c = int(plan.pledge_channel[q])
        if isinstance(pledge, FixedPledge):
            rows["pledge_units"][:, c, q] = amount
        else:
            rows["pledge_units"][:, c, q] = amount * chans[c].donor.shipments.cadence_days / 7


def _leads(rows: _Rows, scenario: Scenario, plan: Plan, chans: list[ch.Channel],
           column: Any, cache: PlanCache) -> None:
    """Regions' lead times on the channels that ship to them directly: what the draws read
    (min, mode, max) and the planned lead that places each planning window."""
    n = rows.n
    planned = np.repeat(planned_lead(scenario, chans)[np.newaxis], n, axis=0)  # (n, C, R)
    moved = set()
    for r, region in enumerate(scenario.regions):
        lt = region.lead_time
        if isinstance(lt, TriangularLeadTime):
            low = column(Scalar.LEAD_MIN, lt.min, region=r)
            mode = column(Scalar.LEAD_MODE, lt.mode, region=r)
            high = column(Scalar.LEAD_MAX, lt.max, region=r)
            days = np.floor((low + mode + high) / 3 + 0.5)
        else:
            low = mode = high = days = column(Scalar.LEAD_DAYS, lt.days, region=r)
        direct = [i for i, c in enumerate(chans) if ch.lead_time(scenario, c.donor, r) is lt]
        for name, v in (("lead_min_days", low), ("lead_mode_days", mode),
                        ("lead_max_days", high)):
            rows[name][:, direct, r] = v[:, np.newaxis]
        planned[:, direct, r] = days.astype(np.intp)[:, np.newaxis]
        moved.update(direct)
    horizon = scenario.allocation.planning_horizon_days
    _, cum = need_ahead(scenario, plan.n_days + int(planned.max(initial=0)) + horizon, cache)
    for i in sorted(moved):
        window = projected_need(cum[chans[i].good_index], plan.ship_days, planned[:, i],
                                horizon)
        rows["projected_need_units"][:, i] = window
        if scenario.allocation.shares is ShareBasis.NEED:
            rows["share"][:, i] = window
