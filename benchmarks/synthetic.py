"""Synthetic benchmark instances: allocation problems and a 365-day, R-region scenario."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np

from sim.allocate.problem import AllocationProblem
from sim.engine.plan import Plan, build_plan
from sim.scenario.enums import Rule
from sim.scenario.loading import validate
from sim.scenario.scenario import Scenario

START = dt.date(2020, 1, 1)


def problems(rule: Rule, n_rows: int, n_regions: int, seed: int = 0) -> AllocationProblem:
    """Random shipment days: budgets that bind in most rows, caps on a third of regions."""
    rng = np.random.default_rng(seed)
    need = rng.uniform(1e4, 1e6, (n_rows, n_regions))
    cap = np.where(rng.random((n_rows, n_regions)) < 0.33,
                   rng.uniform(1e4, 5e5, (n_rows, n_regions)), np.inf)
    return AllocationProblem(
        rule=rule,
        budget_units=rng.uniform(0, 0.5, n_rows) * need.sum(axis=1),
        policy_on=np.ones(n_rows, dtype=bool),
        pledge_due_units=np.zeros((n_rows, 0)),
        pledge_region=np.zeros(0, dtype=np.intp),
        projected_need_units=need,
        have_units=rng.uniform(0, 0.3, (n_rows, n_regions)) * need,
        cap_units=cap,
        share=rng.uniform(1, 100, (n_rows, n_regions)),
        tier=rng.integers(1, 4, (n_rows, n_regions)),
        weight=rng.choice([1.0, 2.0, 3.0], (n_rows, n_regions)),
    )


def scenario(n_regions: int = 50, n_days: int = 365, rule: str = "maxmin") -> Scenario:
    end = START + dt.timedelta(days=n_days - 1)
    regions: list[dict[str, Any]] = [
        {"id": f"r{i:03d}", "population": 1e6 * (1 + i % 7),
         "need": {"kind": "constant", "masks_per_day": 2e4 * (1 + i % 5)},
         "lead_time": {"kind": "triangular", "min": 1, "mode": 3 + i % 4, "max": 12},
         "absorption_cap": 2e6 if i % 3 == 0 else None}
        for i in range(n_regions)
    ]
    for r in regions:
        if r["absorption_cap"] is None:
            del r["absorption_cap"]
    data: dict[str, Any] = {
        "name": f"synthetic_{n_regions}r_{n_days}d",
        "horizon": {"start": START, "end": end},
        "donor": {"initial_stock": 2e7,
                  "capacity": {"interpolation": "linear",
                               "points": [{"date": START, "value": 4e6},
                                          {"date": end, "value": 2e7}]},
                  "outages": {"daily_probability": 0.03, "severity": 0.3,
                              "mean_duration_days": 3}},
        "domestic": {"uptake": 0.6, "groups": [
            {"name": "all", "population": 2e7,
             "rations": [{"date": START, "masks": 3, "per_days": 7}]}]},
        "reserve": {"days": 7},
        "shipments": {"weekday": "wednesday", "cargo_cap": 3e7},
        "regions": regions,
        "pledges": [
            {"kind": "standing", "region": "r000", "amount_per_week": 1e5,
             "start": START, "end": end},
            {"kind": "fixed", "region": "r001", "amount": 5e6,
             "date": START + dt.timedelta(days=60)},
        ],
        "allocation": {"rule": rule, "shares": "population"},
    }
    return validate(data)


def multi_scenario(n_regions: int = 50, n_days: int = 365, n_goods: int = 3,
                   n_donors: int = 3, rule: str = "maxmin") -> Scenario:
    """The synthetic scenario with ``n_goods`` goods, each of ``n_donors`` donors supplying
    every good as the single donor supplies masks (donor i at 1/(i + 1) of its capacity),
    each good needed as masks are; pledges from the first donor."""
    base = scenario(n_regions, n_days, rule).model_dump(mode="python", exclude_none=True)
    goods = [f"g{j}" for j in range(n_goods)]
    donor, domestic = base.pop("donor"), base.pop("domestic")
    reserve, budget, shipments = base.pop("reserve"), base.pop("budget"), base.pop("shipments")
    donors = []
    for i in range(n_donors):
        scale = 1.0 / (i + 1)
        capacity = {**donor["capacity"], "points": [
            {**p, "value": p["value"] * scale} for p in donor["capacity"]["points"]]}
        supplies = [{"good": g, "initial_stock": donor["initial_stock"] * scale,
                     "capacity": capacity, "outages": donor["outages"],
                     "domestic": domestic if i == 0 else None} for g in goods]
        donors.append({"id": f"d{i}", "supplies": [
            {k: v for k, v in s.items() if v is not None} for s in supplies],
            "reserve": reserve, "budget": budget, "shipments": shipments})
    for r in base["regions"]:
        r["needs"] = {g: r["need"] for g in goods[1:]}
    return validate({**base, "goods": [{"id": g} for g in goods], "donors": donors})


def batch_plan(base: Plan, n_scenarios: int, seed: int = 1) -> Plan:
    """B variants of one plan differing in reserve, outage rate and lead-time spread."""
    rng = np.random.default_rng(seed)

    def rows(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, n_scenarios, axis=0)

    spread = rng.uniform(0.5, 1.5, (n_scenarios, 1))
    return replace(
        base,
        reserve_days=rng.uniform(0, 30, n_scenarios),
        initial_stock_units=rows(base.initial_stock_units),
        budget_share=rows(base.budget_share),
        budget_per_shipment_units=rows(base.budget_per_shipment_units),
        policy_on=rows(base.policy_on),
        cargo_cap=rows(base.cargo_cap),
        cargo_per_unit=rows(base.cargo_per_unit),
        outage_probability=rng.uniform(0, 0.1, n_scenarios),
        outage_severity=rows(base.outage_severity),
        outage_mean_days=rows(base.outage_mean_days),
        lead_min_days=rows(base.lead_min_days),
        lead_mode_days=rows(base.lead_mode_days),
        lead_max_days=base.lead_mode_days + spread * (base.lead_max_days - base.lead_mode_days),
        cap_units=rows(base.cap_units),
        weight=rows(base.weight),
        tier=rows(base.tier),
        pledge_units=rows(base.pledge_units),
    )


def single_plan(n_regions: int = 50, n_days: int = 365, rule: str = "maxmin") -> Plan:
    return build_plan(scenario(n_regions, n_days, rule))
