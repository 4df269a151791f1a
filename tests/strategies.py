"""Hypothesis strategies for whole scenarios (as plain dicts, validated by the tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

START = dt.date(2020, 3, 2)
RULES = ("proportional", "maxmin", "priority", "weighted")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Quantities are counts of masks and people: zero or at least one, never 1e-300.
masks = st.one_of(st.just(0.0), st.floats(1, 2e6))
people = st.one_of(st.just(0.0), st.floats(1, 1e8))


@st.composite
def lead_times(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"kind": "fixed", "days": draw(st.integers(0, 6))}
    lo = draw(st.floats(0, 5))
    mode = lo + draw(st.floats(0, 5))
    return {"kind": "triangular", "min": lo, "mode": mode, "max": mode + draw(st.floats(0, 6))}


@st.composite
def scenario_dicts(
    draw: st.DrawFn, rule: str | None = None, outages: bool = True, cargo: bool = True
) -> dict[str, Any]:
    n_days = draw(st.integers(7, 50))
    n_regions = draw(st.integers(1, 4))
    ids = [f"r{i}" for i in range(n_regions)]
    regions = []
    for rid in ids:
        need: dict[str, Any]
        if draw(st.booleans()):
            need = {"kind": "constant", "masks_per_day": draw(masks)}
        else:
            need = {"kind": "schedule", "schedule": {
                "interpolation": draw(st.sampled_from(["step", "linear"])),
                "points": [
                    {"date": START, "value": draw(masks)},
                    {"date": START + dt.timedelta(days=draw(st.integers(1, 40))),
                     "value": draw(masks)},
                ]}}
        region: dict[str, Any] = {
            "id": rid,
            "population": draw(people),
            "need": need,
            "weight": draw(st.sampled_from([0.0, 1.0, 1.0, 2.0, 3.5])),
            "tier": draw(st.integers(1, 3)),
            "lead_time": draw(lead_times()),
        }
        if draw(st.booleans()):
            region["absorption_cap"] = draw(masks)
        regions.append(region)
    pledges: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        day = START + dt.timedelta(days=draw(st.integers(0, n_days - 1)))
        if draw(st.booleans()):
            pledges.append({"kind": "fixed", "region": draw(st.sampled_from(ids)),
                            "amount": draw(masks), "date": day,
                            "dispatch": draw(st.sampled_from(["on_date",
                                                              "next_shipment_day"]))})
        else:
            pledges.append({"kind": "standing", "region": draw(st.sampled_from(ids)),
                            "amount_per_week": draw(masks), "start": day,
                            "end": day + dt.timedelta(days=draw(st.integers(0, 30)))})
    budget_kind = draw(st.sampled_from(
        ["all_surplus", "share_of_surplus", "fixed_per_week", "pledges_only"]))
    budget: dict[str, Any] = {"kind": budget_kind}
    if budget_kind == "share_of_surplus":
        budget["share"] = draw(st.floats(0, 1))
    if budget_kind == "fixed_per_week":
        budget["amount_per_week"] = draw(masks)
    # The government takes all, a share or an amount of each day's output, from a date.
    requisition = [
        {"date": START + dt.timedelta(days=d), **draw(st.one_of(
            st.fixed_dictionaries({"share": st.floats(0, 1)}),
            st.fixed_dictionaries({"amount": masks})))}
        for d in sorted(draw(st.sets(st.integers(0, n_days - 1), max_size=2)))]
    shipments: dict[str, Any] = {
        "weekday": draw(st.sampled_from(WEEKDAYS)), "cadence_days": draw(st.integers(1, 14))}
    if cargo and draw(st.booleans()):
        shipments["cargo_cap"] = draw(masks)
    return {
        "name": "generated",
        "seed": draw(st.integers(0, 2**32)),
        "horizon": {"start": START, "end": START + dt.timedelta(days=n_days - 1)},
        "donor": {
            "initial_stock": draw(st.one_of(st.just(0.0), st.floats(1, 1e7))),
            "capacity": {"interpolation": "linear", "points": [
                {"date": START, "value": draw(masks)},
                {"date": START + dt.timedelta(days=n_days), "value": draw(masks)}]},
            "outages": {
                "daily_probability": draw(st.floats(0, 0.5)) if outages else 0.0,
                "severity": draw(st.floats(0, 1)),
                "mean_duration_days": draw(st.floats(1, 5)),
            },
            "requisition": requisition,
        },
        "domestic": {
            "uptake": draw(st.floats(0, 1)),
            "groups": [{"name": "all", "population": draw(people),
                        "rations": [{"date": START, "masks": draw(st.integers(0, 7)),
                                     "per_days": 7}]}],
        },
        "reserve": {"days": draw(st.floats(0, 20))},
        "budget": budget,
        "shipments": shipments,
        "regions": regions,
        "pledges": pledges,
        "allocation": {
            "rule": (chosen := rule or draw(st.sampled_from(RULES))),
            # the weighted rule applies the weights itself (shares from weights: an error)
            "shares": draw(st.sampled_from(["population", "need"] if chosen == "weighted"
                                           else ["population", "need", "weights"])),
            "planning_horizon_days": draw(st.integers(1, 40)),
        },
    }


@st.composite
def supply_dicts(draw: st.DrawFn, good: str, n_days: int) -> dict[str, Any]:
    """A donor's supply of one good: production and/or procurement, a domestic programme."""
    supply: dict[str, Any] = {"good": good, "initial_stock": draw(st.one_of(
        st.just(0.0), st.floats(1, 1e6)))}
    if draw(st.booleans()):
        supply["capacity"] = {"points": [{"date": START, "value": draw(masks)}]}
    if draw(st.booleans()):
        supply["procurement"] = [
            {"date": START + dt.timedelta(days=d), "amount": draw(masks)}
            for d in sorted(draw(st.sets(st.integers(0, n_days - 1), max_size=2)))]
    if draw(st.booleans()):
        supply["domestic_need"] = {"kind": "constant", "per_day": draw(masks)}
    if draw(st.booleans()):
        supply["reserve"] = {"days": draw(st.floats(0, 10))}
    return supply


@st.composite
def multi_scenario_dicts(draw: st.DrawFn, rule: str | None = None) -> dict[str, Any]:
    """Scenarios with 1-3 goods and 1-3 donors, each donor supplying some of the goods, with
    pledges, an exchange, lead-time overrides, cargo caps in units or kg, either coordination."""
    data = draw(scenario_dicts(rule=rule))
    n_days = (data["horizon"]["end"] - START).days + 1
    ids = [r["id"] for r in data["regions"]]
    goods = [f"g{i}" for i in range(draw(st.integers(1, 3)))]
    data["goods"] = [{"id": g, "unit": draw(st.sampled_from(["masks", "kits"])),
                      "mass_kg": draw(st.floats(0.001, 2)),
                      "shelf_life_days": draw(st.one_of(st.none(), st.integers(1, 30)))}
                     for g in goods]
    for g in data["goods"]:
        if g["shelf_life_days"] is None:
            del g["shelf_life_days"]
    for r in data["regions"]:
        r["needs"] = {g: {"kind": "constant", "per_day": draw(masks)} for g in goods[1:]
                      if draw(st.booleans())}
        if draw(st.booleans()):
            r["absorption_caps"] = {goods[-1]: draw(masks)}
    donors = []
    for i in range(draw(st.integers(1, 3))):
        supplied = draw(st.lists(st.sampled_from(goods), min_size=1, max_size=len(goods),
                                 unique=True))
        donor: dict[str, Any] = {
            "id": f"d{i}", "supplies": [draw(supply_dicts(g, n_days)) for g in supplied],
            "reserve": data["reserve"] if i == 0 else {"days": draw(st.floats(0, 10))},
            "budget": data["budget"] if i == 0 else {"kind": draw(st.sampled_from(
                ["all_surplus", "pledges_only"]))},
            "shipments": {"weekday": draw(st.sampled_from(WEEKDAYS)),
                          "cadence_days": draw(st.integers(1, 14))},
        }
        if i == 0:  # the generated donor keeps its production and rations on its first good
            first = donor["supplies"][0]
            first["capacity"] = data["donor"]["capacity"]
            first["outages"] = data["donor"]["outages"]
            first["requisition"] = data["donor"]["requisition"]
            first["domestic"] = data["domestic"]
            first.pop("domestic_need", None)
        if draw(st.booleans()):
            donor["shipments"]["cargo_cap"] = draw(masks)
            donor["cargo_cap_unit"] = draw(st.sampled_from(["units", "kg"]))
        if draw(st.booleans()):
            donor["lead_times"] = {draw(st.sampled_from(ids)): draw(lead_times())}
        if draw(st.booleans()):  # its own rule (giving independently)
            donor["rule"] = draw(st.sampled_from(
                [r for r in RULES if r != "weighted" or data["allocation"]["shares"] != "weights"]))
        donors.append(donor)
    for name in ("donor", "domestic", "reserve", "budget", "shipments"):
        data.pop(name, None)
    data["donors"] = donors
    data["coordination"] = draw(st.sampled_from(["independent", "pooled"]))
    if draw(st.booleans()):  # a hub some donors reach some regions through
        data["hubs"] = [{
            "id": "hub", "throughput_per_day": draw(st.floats(1, 5e6)),
            "throughput_unit": draw(st.sampled_from(["units", "kg"])),
            "handling_days": draw(st.integers(0, 3)),
            "lead_times": {r: draw(st.integers(0, 5)) for r in ids}}]  # onward: required
        for d in donors:
            if draw(st.booleans()):
                d["via"] = "hub" if draw(st.booleans()) else {
                    r: "hub" for r in ids if draw(st.booleans())}
                if draw(st.booleans()):
                    d.setdefault("lead_times", {})["hub"] = draw(lead_times())
    supplies = [(d["id"], s["good"]) for d in donors for s in d["supplies"]]
    for p in data["pledges"]:
        p["donor"], p["good"] = draw(st.sampled_from(supplies))
    donor = donors[0]
    own = [s["good"] for s in donor["supplies"]]
    if draw(st.booleans()):
        data["exchanges"] = [{
            "donor": donor["id"], "partner": draw(st.sampled_from(ids)),
            "send": {"good": own[0], "kind": "standing", "amount_per_week": draw(masks),
                     "start": START, "end": data["horizon"]["end"]},
            "receive": {"good": draw(st.sampled_from(own)), "ratio": draw(st.floats(0, 3)),
                        "lead_time_days": draw(st.integers(1, 10))}}]
    return data
