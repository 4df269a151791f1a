"""A generated scenario larger than any shipped one, for the layout tests: 60 regions with
long names, 8 goods, 3 donors (one makes goods and rations them at home, one buys, one
makes and keeps a reserve), 2 hubs, 60 pledges and a few observations of the record."""

from __future__ import annotations

import datetime as dt
from typing import Any

START = dt.date(2020, 3, 2)  # a Monday
DAYS = 70
UNITS = ("masks", "kits", "suits", "shields", "ventilators", "swab kits", "thermometers",
         "pairs")
NAMES = ("Surgical masks", "Test kits (laboratory diagnostic)", "Protective suits (clothing "
         "sets)", "Face shields", "Ventilators", "Swabs with extraction kits",
         "Thermometers (thermal guns)", "Gloves")
PLACES = ("North", "South", "East", "West", "Upper", "Lower", "Central", "Coastal", "Highland",
          "Lakeside")


def _day(k: int) -> dt.date:
    return START + dt.timedelta(days=k)


def big_scenario(n_regions: int = 60, n_goods: int = 8) -> dict[str, Any]:
    goods = [f"g{j}" for j in range(n_goods)]
    regions = []
    for i in range(n_regions):
        name = (f"{PLACES[i % len(PLACES)]} Province of the Republic {i:02d}" if i % 7 == 0
                else f"{PLACES[i % len(PLACES)]} Region {i:02d}")
        needs = {"g1": {"kind": "constant", "per_day": 20.0 + 3 * (i % 9)}} if i % 3 else {}
        regions.append({
            "id": f"r{i:02d}", "name": name, "population": 1e6 * (1 + i % 11),
            "need": {"kind": "constant", "per_day": 2e4 * (1 + i % 5)},
            "needs": needs,
            "lead_time": {"kind": "triangular", "min": 1, "mode": 2 + i % 4, "max": 9}})
    half = [r["id"] for r in regions[: n_regions // 2]]
    north_supplies: list[dict[str, Any]] = [{
        "good": "g0", "initial_stock": 5e6,
        "capacity": {"interpolation": "linear", "points": [
            {"date": _day(0), "value": 2e6}, {"date": _day(DAYS - 1), "value": 6e6}]},
        "outages": {"daily_probability": 0.05, "severity": 0.3, "mean_duration_days": 2},
        "domestic": {"uptake": 0.6, "groups": [
            {"name": "adults", "population": 8e6, "rations": [
                {"date": _day(0), "masks": 2, "per_days": 7},
                {"date": _day(30), "masks": 4, "per_days": 7}]}]}}]
    north_supplies += [{"good": g, "initial_stock": 2e4 * (k + 1),
                        "capacity": {"points": [{"date": _day(0), "value": 3e3 * (k + 1)}]}}
                       for k, g in enumerate(goods[1:4])]
    donors = [
        {"id": "north", "name": "The Northern Republic", "supplies": north_supplies,
         "reserve": {"days": 5}, "budget": {"kind": "share_of_surplus", "share": 0.5},
         "shipments": {"weekday": "wednesday"}, "via": {r: "port" for r in half},
         "lead_times": {"port": {"kind": "fixed", "days": 2}}},
        {"id": "fund", "name": "A Foundation with a Long Name", "budget": {"kind": "all_surplus"},
         "shipments": {"weekday": "monday", "cadence_days": 7}, "via": "air",
         "lead_times": {"air": {"kind": "fixed", "days": 1}},
         "supplies": [{"good": g, "procurement": [
             {"date": _day(6), "amount": 3e5 / (k + 1)},
             {"date": _day(34), "amount": 2e5 / (k + 1)}]} for k, g in enumerate(goods)]},
        {"id": "south", "name": "South", "budget": {"kind": "all_surplus"},
         "shipments": {"weekday": "friday"},
         "supplies": [{"good": g, "initial_stock": 1e4,
                       "capacity": {"points": [{"date": _day(0), "value": 800.0}]},
                       **({"domestic_need": {"kind": "constant", "per_day": 300.0},
                           "reserve": {"days": 10}} if g == goods[4] else {})}
                      for g in goods[4:]]},
    ]
    hubs = [
        {"id": "port", "name": "The Great Northern Port", "throughput_per_day": 3e5,
         "handling_days": 1, "lead_times": {r: 1 + k % 3 for k, r in enumerate(half)}},
        {"id": "air", "name": "Capital Airport", "throughput_per_day": 6e4,
         "lead_times": {r["id"]: 1 + k % 4 for k, r in enumerate(regions)}},
    ]
    pledges = [{"kind": "fixed", "donor": "fund", "good": "g0", "region": r["id"],
                "amount": 4e3, "date": _day(6), "note": f"[B1] pledge {k}"}
               for k, r in enumerate(regions)]
    observations = [
        {"date": _day(20), "series": "donor.stock", "donor": "north", "good": "g0",
         "range": [5e6, 8e6], "kind": "documented", "source": "a ministry [A4]"},
        {"date": _day(50), "series": "donor.stock", "donor": "north", "good": "g0",
         "range": [1e7, 2e7], "kind": "documented", "source": "a newspaper [A4]",
         "note": "CONFLICT in the record with the ministry"},
        {"date": _day(40), "series": "donor.production", "donor": "north", "good": "g0",
         "value": 4e6, "kind": "estimate", "source": "a trade body [A1]"},
        {"date": _day(30), "series": f"regions.{regions[1]['id']}.delivered.cumulative",
         "good": "g1", "value": 500.0, "kind": "documented", "source": "a health ministry"},
    ]
    return {
        "name": "generated_big", "title": "A generated scenario: 60 regions, 8 goods, 3 "
        "donors and 2 hubs, for the layout tests", "seed": 7,
        "horizon": {"start": START, "end": _day(DAYS - 1)},
        "goods": [{"id": g, "name": NAMES[k % len(NAMES)], "unit": UNITS[k % len(UNITS)]}
                  for k, g in enumerate(goods)],
        "donors": donors, "hubs": hubs, "regions": regions, "pledges": pledges,
        "allocation": {"rule": "maxmin", "shares": "population"},
        "observations": observations,
    }
