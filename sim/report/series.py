"""What the run figures read besides the stored series: pledges falling due, deliveries by
donor, Gini over time, weekly sums, the largest regions. Pure: arrays in, arrays out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.report.needs import needed
from sim.report.routes import vias
from sim.report.style import Array, Dates
from sim.results import metrics
from sim.results.reader import RunData
from sim.scenario.enums import WEEKDAYS, PledgeDispatch


def ship_days(run: RunData, donor: str) -> Dates:
    """A donor's regular shipment days (as the plan counts them: its weekday, then every
    ``cadence_days``) as dates."""
    entry: dict[str, Any] = next((d for d in run.scenario["donors"] if d["id"] == donor), {})
    shipments = entry.get("shipments", {})
    cadence = int(shipments.get("cadence_days", 7))
    weekday = WEEKDAYS.index(str(shipments.get("weekday", "wednesday")))
    first = (weekday - run.dates[0].astype(dt.date).weekday()) % 7
    days: Dates = run.dates[first::cadence]
    return days


def pledges_due(run: RunData, good: str | None = None) -> Array:
    """Units of a good (default: the first) falling due per day and region (T, R), over all
    its donors, as the model schedules them (sim.engine.plan): a fixed pledge on its own
    date, or on its donor's first regular shipment day on or after it when it waits for
    one; a standing one on every regular shipment day of its span (the weeks since the
    last shipment)."""
    good = run.goods[0] if good is None else good
    due = np.zeros((len(run.dates), len(run.region_ids)))
    t0 = run.dates[0]
    ships = {d: ship_days(run, d) for d in run.donors}

    def day(d: np.datetime64) -> int:
        return int((d - t0).astype(np.int64))

    for p in run.scenario.get("pledges", []):
        if p.get("region") not in run.region_ids or p.get("good", good) != good:
            continue
        i = run.region_ids.index(p["region"])
        days = ships.get(str(p.get("donor")), ships[run.donors[0]])
        cadence = int(np.diff(days[:2])[0].astype(np.int64)) if len(days) > 1 else 7
        if p.get("kind") == "standing":
            lo, hi = np.datetime64(p["start"], "D"), np.datetime64(p["end"], "D")
            for s in days[(days >= lo) & (days <= hi)]:
                due[day(s), i] += p["amount_per_week"] * cadence / 7
        elif p.get("dispatch", PledgeDispatch.ON_DATE) == PledgeDispatch.ON_DATE:
            when = np.datetime64(p["date"], "D")
            if run.dates[0] <= when <= run.dates[-1]:
                due[day(when), i] += p["amount"]
        else:
            later = days[days >= np.datetime64(p["date"], "D")]
            if len(later):
                due[day(later[0]), i] += p["amount"]
    return due


def delivered_by_day(run: RunData, donor: str, good: str) -> Array:
    """What one donor's shipments of a good brought to the regions, by arrival day (T,).
    A shipment through a hub lands at the hub first (shipments.csv's arrival); when the good
    has this one donor, what the regions received is read instead (regions.parquet), else
    the hub's landing stands in for it."""
    sh, out = run.shipments, np.zeros(len(run.dates))
    mine = (sh["donor"] == donor) & (sh["good"] == good)
    routed = np.array([v != "" for v in vias(run)], dtype=bool)
    if (routed & mine).any() and len(run.channels_of(good)) == 1:
        arrived: Array = run.regions_of(good)["arrived"].sum(axis=1)
        return arrived
    sel = mine & sh["arrived_in_horizon"].astype(bool)
    days = (sh["arrival_date"][sel].astype("datetime64[D]") - run.dates[0]).astype(np.int64)
    ok = (days >= 0) & (days < len(out))
    np.add.at(out, days[ok], sh["amount"][sel][ok].astype(np.float64))
    return out


def donated_by_region(run: RunData, donor: str, good: str) -> Array:
    """What one donor shipped of a good to each region over the horizon (R,)."""
    sh = run.shipments
    sel = (sh["donor"] == donor) & (sh["good"] == good)
    index = {r: i for i, r in enumerate(run.region_ids)}
    out = np.zeros(len(run.region_ids))
    for r, a in zip(sh["region"][sel].tolist(), sh["amount"][sel].tolist(), strict=True):
        if r in index:
            out[index[r]] += a
    return out


def gini_to_date(run: RunData, good: str) -> Array:
    """Gini of one good's fill rates to date among the regions that stated a need for it;
    NaN while none of them received any (equal at zero is not equity)."""
    r, want = run.regions_of(good), needed(run, good)
    need = np.cumsum(r["need"], axis=0)[:, want]
    got = np.cumsum(r["consumed"], axis=0)[:, want]
    out: Array = np.where(got.sum(axis=1) > 0, metrics.gini(metrics.fill_rate(got, need)),
                          np.nan)
    return out


def weeks(run: RunData) -> tuple[Dates, list[slice]]:
    """The horizon in weeks from its first day: each week's first date and its days (the
    last week may be shorter)."""
    n = len(run.dates)
    starts = list(range(0, n, 7))
    first: Dates = run.dates[starts]
    return first, [slice(s, min(s + 7, n)) for s in starts]


def weekly(values: Array, spans: Sequence[slice]) -> Array:
    """(T, ...) daily values summed over each week: (W, ...)."""
    return np.stack([values[s].sum(axis=0) for s in spans])


def top(values: Array, limit: int) -> tuple[list[int], list[int]]:
    """The indices of the ``limit - 1`` largest values (all of them when there are no more
    than ``limit``), largest first, and the rest (pooled into one bar by the figures)."""
    order = np.argsort(-np.asarray(values), kind="stable").tolist()
    if len(order) <= limit:
        return order, []
    return order[:limit - 1], order[limit - 1:]
