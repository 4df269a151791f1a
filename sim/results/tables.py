"""A run's tables as columns: what ``daily.parquet``, ``regions.parquet``, ``hubs.parquet`` and
``shipments.csv`` hold, worked out once from the run. The writer stores them; the reader
builds its view of a run from them (from a folder, or straight from a run in memory).

Rows: ``daily`` one per channel (a donor's supply of a good) and day, channel by channel;
``regions`` one per good, day and region, good by good, then day, then region (what every
donor of the good sent, summed); ``hubs`` one per hub and day; ``shipments`` one per
shipment, by date, then channel, then region. Quantities are in units of the row's good
(hubs: in the hub's throughput unit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.runner import Result
from sim.engine.state import CHANNEL_REGION_SERIES, DONOR_SERIES, GOOD_REGION_SERIES, HUB_SERIES

Columns = dict[str, NDArray[Any]]
REGION_SERIES = ("need", "shipped", "pledged", "arrived", "consumed", "unmet", "stock",
                 "in_transit")
SHIPMENT_COLUMNS = ("ship_date", "donor", "good", "region", "amount", "pledged", "policy",
                    "lead_days", "arrival_date", "arrived_in_horizon")


@dataclass(frozen=True)
class RunTables:
    """Every table of a run, by column."""

    daily: Columns
    regions: Columns
    shipments: Columns
    hubs: Columns | None  # None: a run without hubs


def dates(start: dt.date, n_days: int) -> NDArray[np.datetime64]:
    return np.datetime64(start, "D") + np.arange(n_days)


def channel_labels(result: Result) -> tuple[list[str], list[str]]:
    """(donor id, good id) of each channel, in channel order."""
    plan = result.run.plan
    return ([plan.donor_ids[int(d)] for d in plan.channel_donor],
            [plan.good_ids[int(g)] for g in plan.channel_good])


def daily(result: Result) -> Columns:
    run = result.run
    assert run.series is not None
    plan = run.plan
    n_channels, n_days = plan.n_channels, plan.n_days
    # A channel's dispatch days: its donor's shipment days and its own dated pledges.
    is_ship = np.zeros((n_channels, n_days), dtype=bool)
    for c in range(n_channels):
        is_ship[c, plan.ship_days[plan.dispatches[c]]] = True
    donors, goods = channel_labels(result)
    cols: Columns = {
        "date": np.tile(dates(plan.start, n_days), n_channels),
        "donor": np.repeat(np.array(donors, dtype=object), n_days),
        "good": np.repeat(np.array(goods, dtype=object), n_days),
        "capacity": np.ascontiguousarray(plan.capacity_units, dtype=np.float64).reshape(-1),
        "outage_loss": run.draws.outage_loss.reshape(-1),
        "shipment_day": is_ship.reshape(-1),
    }
    cols.update({name: run.series.donor[name].reshape(-1) for name in DONOR_SERIES})
    return cols


def good_region_series(result: Result) -> dict[str, NDArray[np.float64]]:
    """Every region series per good (G, T, R): the channel series (shipped, pledged,
    arrived, in transit) summed over the good's donors in channel order."""
    run, plan = result.run, result.run.plan
    assert run.series is not None
    out = {name: run.series.region[name] for name in GOOD_REGION_SERIES}
    for name in CHANNEL_REGION_SERIES:
        values = run.series.region[name]
        summed = np.zeros((plan.n_goods, *values.shape[1:]))
        for g in range(plan.n_goods):
            members = np.flatnonzero(plan.channel_good == g).tolist()
            if len(members) == 1:
                summed[g] = values[members[0]]
            for c in members if len(members) > 1 else ():
                summed[g] += values[c]
        out[name] = summed
    return out


def regions(result: Result) -> Columns:
    plan = result.run.plan
    n_days, ids, n_goods = plan.n_days, plan.region_ids, plan.n_goods
    series = good_region_series(result)
    cols: Columns = {
        "date": np.tile(np.repeat(dates(plan.start, n_days), len(ids)), n_goods),
        "region": np.tile(np.array(ids, dtype=object), n_days * n_goods),
        "good": np.repeat(np.array(plan.good_ids, dtype=object), n_days * len(ids)),
    }
    cols.update({name: series[name].reshape(-1) for name in REGION_SERIES})
    return cols


def hubs(result: Result) -> Columns | None:
    run = result.run
    assert run.series is not None
    plan = run.plan
    if not plan.hub_ids:
        return None
    n_hubs, n_days = len(plan.hub_ids), plan.n_days
    cols: Columns = {
        "date": np.tile(dates(plan.start, n_days), n_hubs),
        "hub": np.repeat(np.array(plan.hub_ids, dtype=object), n_days),
    }
    # (B, H, T) with B = 1: hub-major rows, as the labels above
    cols.update({name: run.series.hub[name][0].reshape(-1) for name in HUB_SERIES})
    return cols


def shipments(result: Result) -> Columns:
    """Each shipment. A run with hubs adds ``via``: the hub a routed shipment goes through
    (its lead and arrival are then those of the leg to the hub), empty for a direct one."""
    run = result.run
    assert run.series is not None and run.series.lead_days is not None
    plan, region = run.plan, run.series.region
    donors, goods = channel_labels(result)
    shipped = region["shipped"]  # (C, T, R)
    ks, cs, rs = [], [], []
    for k, t in enumerate(plan.ship_days.tolist()):
        c, r = np.nonzero(shipped[:, t, :] > 0)
        ks += [k] * len(c)
        cs += c.tolist()
        rs += r.tolist()
    k_, c_, r_ = (np.array(x, dtype=np.intp) for x in (ks, cs, rs))
    t_ = plan.ship_days[k_]
    lead = run.series.lead_days[c_, k_, r_].astype(np.int64)
    start = np.datetime64(plan.start, "D")
    # As shipments.csv holds them (three decimals), so that a run in memory and its folder
    # read back are the same.
    amount = _as_written(shipped[c_, t_, r_])
    pledged = _as_written(region["pledged"][c_, t_, r_])
    cols: Columns = {
        "ship_date": start + t_,
        "donor": np.array(donors, dtype=object)[c_],
        "good": np.array(goods, dtype=object)[c_],
        "region": np.array(plan.region_ids, dtype=object)[r_],
        "amount": amount,
        "pledged": pledged,
        "policy": _as_written(shipped[c_, t_, r_] - region["pledged"][c_, t_, r_]),
        "lead_days": lead,
        "arrival_date": start + t_ + lead,
        "arrived_in_horizon": t_ + lead < plan.n_days,
    }
    if plan.hub_ids:
        hub = plan.route_hub[c_, r_]
        names = np.array([*plan.hub_ids, ""], dtype=object)
        cols["via"] = names[np.where(hub >= 0, hub, len(plan.hub_ids))]
    return cols


def _as_written(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array([float(f"{x:.3f}") for x in values.tolist()], dtype=np.float64)


def run_tables(result: Result) -> RunTables:
    return RunTables(daily(result), regions(result), shipments(result), hubs(result))
