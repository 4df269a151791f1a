"""What the model would need to meet the record's stock statements: an extra outflow.

An ASSUMPTION the scenario does not make: from some day s, an amount x of the good leaves the
donor's stock every day for uses the scenario does not model, and nothing else changes. The
stock at the end of day t >= s is then the model's stock less x (t - s + 1), so a statement
that the stock lay in [lo, hi] on day t holds exactly when x lies in
[(model - hi) / (t - s + 1), (model - lo) / (t - s + 1)] (a statement before s holds only if
the model meets it as it stands). The fit is the x inside the most statements' ranges (the
middle of where they overlap), for the earliest start s, a week apart, that meets the most
statements while the stock stays above the donor's reserve every day. It is what ``masksim
calibrate`` would find for such a parameter, in closed form because the stock is linear in
it. The statements of other series (sales and domestic use, production, donations) are held
out: an outflow from the stock does not change them, so they say whether it is plausible.

It holds while the outflow leaves the stock above what the donor needs for its pledges and
its domestic demand; a donor that gives all it holds above its reserve keeps only its
reserve, and an outflow would cut its gifts instead (the result says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.results.reader import RunData


@dataclass(frozen=True)
class Statement:
    """A stock statement: the day (index from the horizon's start), what the record says
    ([lo, hi]; a value has lo = hi), the model's stock that day, and its note."""

    date: str
    day: int
    lo: float
    hi: float
    model: float
    note: str

    def inside(self, x: float = 0.0, start: int = 0) -> bool:
        """Whether the stock less an outflow x a day from day ``start`` is inside."""
        value = self.model - x * max(self.day - start + 1, 0)
        return self.lo - 0.5 <= value <= self.hi + 0.5

    def close(self, share: float) -> bool:
        """Whether the model is inside the range or within ``share`` of its nearest end."""
        if self.inside():
            return True
        end = self.lo if self.model < self.lo else self.hi
        return end > 0 and abs(self.model - end) <= share * end

    def bounds(self, start: int) -> tuple[float, float]:
        """The outflows a day from day ``start`` that bring the model inside (an empty
        range, lo > hi, when none can: a statement before ``start`` that the model misses)."""
        days = self.day - start + 1
        if days <= 0:
            return (-np.inf, np.inf) if self.inside() else (np.inf, -np.inf)
        return (self.model - self.hi) / days, (self.model - self.lo) / days


@dataclass(frozen=True)
class Outflow:
    """The outflow a day that meets the most statements of one stock series (the donor's
    stock, or a stock series of the scenario's that adds what domestic uses hold: an outflow
    from the donor's stock lowers both alike) of one good (and donor)."""

    series: str
    good: str
    donor: str | None
    statements: tuple[Statement, ...]
    start: int  # day the outflow starts (index from the horizon's start)
    rate: float  # units a day
    met: tuple[Statement, ...]  # the statements it brings inside
    share_of_production: float | None  # rate / mean production from start to the last date
    gives_surplus: bool  # the donor gives all it holds above its reserve


def statements(run: RunData, series: str, good: str, donor: str | None,
               observations: Sequence[dict[str, Any]]) -> list[Statement]:
    """The statements of one stock series, good and donor (naming no donor: the good over
    all its donors), each with the model's value on its day. Figures about a period are
    left out: an average over a period does not bound the stock on a day."""
    out = []
    for o in observations:
        if o.get("series") != series or str(o.get("good")) != good or o.get("from_date"):
            continue
        named = o.get("donor")
        if (named is not None) if donor is None else named not in (donor, run.donor_name(donor)):
            continue
        day = int((np.datetime64(o["date"], "D") - run.dates[0]) / np.timedelta64(1, "D"))
        if not 0 <= day < len(run.dates) or o.get("model") is None:
            continue
        lo, hi = (o["range"] if o.get("range") is not None else (o["value"], o["value"]))
        out.append(Statement(str(o["date"]), day, float(lo), float(hi), float(o["model"]),
                             str(o.get("note") or "")))
    return out


def fit(items: Sequence[Statement], start: int, cap: float) -> tuple[float, list[Statement]]:
    """The outflow a day from ``start`` (at most ``cap``) inside the most statements'
    ranges: the middle of where they overlap (ties: the smaller outflow); and those."""
    ranges = [(s, *s.bounds(start)) for s in items]
    best: tuple[int, float, list[Statement]] = (0, 0.0, [])
    for _, lo, hi in ranges:
        for x in (lo, hi):
            if not np.isfinite(x) or x > cap:
                continue
            inside = [s for s, a, b in ranges if a - 1e-9 <= x <= b + 1e-9]
            if len(inside) > best[0] or (len(inside) == best[0] and x < best[1]):
                best = (len(inside), x, inside)
    if not best[2]:
        return 0.0, []
    lo = max(a for s, a, _ in ranges if s in best[2])
    hi = min(min(b for s, _, b in ranges if s in best[2]), cap)
    return (lo + hi) / 2, best[2]


def outflows(run: RunData) -> list[Outflow]:
    """Each stock series the record speaks of (a good over its donors, and each donor's
    when the good has several), with the outflow that meets the most of its statements."""
    observations = run.summary.get("observations") or []
    found = []
    for good in run.goods:
        chans = run.channels_of(good)
        # The good's stock over its donors (observations naming none), and with several
        # donors each one's (observations naming it).
        keys: list[str | None] = [None] + ([d for d, _ in chans] if len(chans) > 1 else [])
        stocks = sorted({str(o["series"]) for o in observations
                         if str(o.get("series", "")).startswith("donor.stock")
                         and str(o.get("good")) == good})
        for series, donor in ((s, d) for s in stocks for d in keys):
            rows = [run.daily_of(d, good) for d, _ in chans if donor is None or d == donor]
            stock = np.sum([r["stock"] for r in rows], axis=0)
            reserve = np.sum([r["reserve"] for r in rows], axis=0)
            production = np.sum([r["production"] for r in rows], axis=0)
            items = statements(run, series, good, donor, observations)
            if not items:
                continue
            choice: tuple[int, int, float, list[Statement]] | None = None
            for start in range(0, max(s.day for s in items) + 1, 7):
                after = np.arange(len(stock)) - start + 1
                room = np.where(after > 0, (stock - reserve) / np.maximum(after, 1), np.inf)
                rate, met = fit(items, start, float(max(room.min(), 0.0)))
                if choice is None or len(met) > len(choice[3]):
                    choice = (start, len(met), rate, met)
            assert choice is not None
            start, _, rate, met = choice
            last = max(s.day for s in items)
            made = production[start:last + 1]
            share = (abs(rate) / float(made.mean()) if len(made) and made.mean() > 0
                     else None)
            budgets = [str((d.get("budget") or {}).get("kind", "all_surplus"))
                       for d in run.scenario["donors"] if any(d["id"] == c for c, _ in chans)
                       and (donor is None or d["id"] == donor)]
            found.append(Outflow(series, good, donor, tuple(items), start, rate, tuple(met),
                                 share, all(b == "all_surplus" for b in budgets)))
    return found
