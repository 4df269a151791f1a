"""A hub scenario written by hand, shared by the engine, results and report tests: one donor
sends 300 masks through a hub that handles 100 a day, a day's handling and 2 days onward."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

START = dt.date(2020, 3, 2)  # a Monday

HUB_SCENARIO: dict[str, Any] = {
    "name": "hubs", "seed": 1,
    "horizon": {"start": START, "end": START + dt.timedelta(days=9)},
    "goods": [{"id": "masks", "mass_kg": 0.5}, {"id": "kits", "mass_kg": 2.0}],
    "hubs": [{"id": "addis", "name": "Addis Ababa", "throughput_per_day": 100,
              "handling_days": 1, "lead_times": {"r": 2}}],
    "donors": [{"id": "a", "via": "addis", "budget": {"kind": "all_surplus"},
                "shipments": {"weekday": "monday", "cadence_days": 7},
                "supplies": [{"good": "masks", "initial_stock": 300}]}],
    "regions": [{"id": "r", "need": {"kind": "constant", "per_day": 100},
                 "needs": {"kits": {"kind": "constant", "per_day": 100}},
                 "lead_time": {"kind": "fixed", "days": 9}}],  # direct: never used here
    "allocation": {"rule": "proportional", "shares": "need", "planning_horizon_days": 5},
}


def without_hubs(data: dict[str, Any]) -> dict[str, Any]:
    """The same scenario with its goods sent directly."""
    out = copy.deepcopy(data)
    out.pop("hubs")
    for d in out["donors"]:
        d.pop("via", None)
    return out
