"""Metrics of a run from its totals: sufficiency, equity, pledge fulfilment.

Every function takes arrays with a leading scenario axis B and returns one value per
scenario, so single runs and batches of thousands share one definition.

Rules a reader relies on:
- A region that needed nothing counts as fully served (fill rate 1).
- Unmet need is in units of the good: need minus consumption, summed over days and regions.
- Equity (Gini, lowest and mean fill rate) is undefined (NaN) when some region needed
  some and nothing was delivered to any region: 0 would read as "perfectly fair". When no
  region needed anything, every region is fully served, so mean = lowest = 1 and Gini = 0.

Goods and donors: a run's totals have channel rows (B x C: a donor's supply of a good) and
good rows (B x G). The functions above read totals whose rows are scenarios (one channel, one
good); ``per_good`` sums channel rows into good rows so
they apply to each good, and ``channel_scalars`` gives what each channel (donor x good) did.
``scalars`` given the run's ``Rows`` gives one value per scenario for a sweep: over all goods
taken together when they share a unit, else over the first good alone (a sum of masks and
kits means nothing), or over one good named as ``outcome[good]``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from sim.engine.plan import Array, Index, Plan, per_row
from sim.engine.state import Totals

# Outcomes under an older name, accepted (with a warning) until the release after 0.2.
RENAMED = {"unmet_need_masks": "unmet_need"}


def outcome_name(name: str) -> str:
    """An outcome's current name: ``name`` itself, or the new name of a renamed one (with a
    warning, so that a sweep or calibration file can be updated); a good's outcome keeps its
    ``[good]``."""
    metric, good = split_outcome(name)
    new = RENAMED.get(metric)
    if new is None:
        return name
    warnings.warn(f"outcome {metric!r} is now called {new!r}; the old name is accepted until "
                  "the next release", FutureWarning, stacklevel=2)
    return new if good is None else f"{new}[{good}]"


# An outcome as a sweep, optimize or discover names it: a metric, or a good's (``...[kits]``).
OUTCOME_PATTERN = r"\w+(?:\[[A-Za-z0-9_.-]+\])?"
_GOOD_OUTCOME = re.compile(r"(?P<metric>\w+)\[(?P<good>[A-Za-z0-9_.-]+)\]")


def split_outcome(name: str) -> tuple[str, str | None]:
    """``domestic_shortfall[kits]`` -> (``domestic_shortfall``, ``kits``): one good's outcome;
    a plain name counts the goods as ``Rows.scope`` does (good None)."""
    m = _GOOD_OUTCOME.fullmatch(name)
    return (name, None) if m is None else (m["metric"], m["good"])


def check_outcome(name: str, goods: Sequence[str] | None) -> str | None:
    """Why ``name`` is no outcome of a scenario with these goods (None: it is one); with
    ``goods`` None, a good's outcome is not checked against the goods (no scenario yet)."""
    metric, good = split_outcome(name)
    if metric not in SCALARS:
        return (f"unknown outcome {metric!r} (known: {', '.join(SCALARS)}; one good's: "
                "outcome[good])")
    if good is not None and goods is not None and good not in goods:
        return f"unknown good {good!r} in {name!r} (the goods are {', '.join(goods)})"
    return None


# The scalar metrics a sweep can keep, in a stable order.
SCALARS = (
    "produced", "released", "domestic_demand", "domestic_shortfall", "donated_total",
    "delivered_total", "in_transit_end", "unmet_need", "gini_fill_rate", "min_fill_rate",
    "mean_fill_rate", "pledged_total", "pledges_on_time", "pledges_late", "pledges_unmet",
    "final_stock",
)


def fill_rate(consumed: Array, need: Array) -> Array:
    """Share of need met, per region; a region that needed nothing counts as fully served."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(need > 0, consumed / need, 1.0)


def gini(values: Array, weights: Array | None = None) -> Array:
    """Gini coefficient across the last axis (0: all equal; 1: one holds everything).

    The population (n-sample) definition, sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean_w(x)):
    [0, 0, 0, 1] gives 0.75, not the sample-corrected 1. ``weights`` (e.g. population)
    count entries that many times: integer weights equal repeating the entries. NaN where
    it is undefined: every value (or every weight) is zero.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.broadcast_to(
        np.asarray(weights, dtype=np.float64), x.shape)
    order = np.argsort(x, axis=-1, kind="stable")
    x, w = np.take_along_axis(x, order, -1), np.take_along_axis(w, order, -1)
    cum = np.cumsum(w, axis=-1)
    total_w = cum[..., -1:]
    wx = w * x
    total_wx = wx.sum(axis=-1)
    # With x ascending, sum_ij w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (W_below_i - W_above_i),
    # and W_below_i - W_above_i = 2 C_i - w_i - W (C: cumulative weight): O(n log n), no pairs.
    lead = (wx * (2.0 * cum - w - total_w)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = lead / (total_w[..., 0] * total_wx)
    # Rounding can leave -1e-17 for equal values; NaN passes through np.maximum.
    return np.where(total_wx > 0, np.maximum(g, 0.0), np.nan)


def equity_defined(totals: Totals) -> NDArray[np.bool_]:
    """(B,) False where some region needed masks and none was delivered anywhere."""
    needed = totals.need_units.sum(axis=1) > 0
    delivered = totals.delivered_units.sum(axis=1) > 0
    defined: NDArray[np.bool_] = ~needed | delivered
    return defined


def equity(totals: Totals, weights: Array | None = None) -> dict[str, Array]:
    """Gini, lowest and mean fill rate (B,), NaN where nothing was delivered (see above)."""
    rates = fill_rate(totals.consumed_units, totals.need_units)
    ok = equity_defined(totals)
    return {
        "gini_fill_rate": np.where(ok, gini(rates, weights), np.nan),
        "min_fill_rate": np.where(ok, rates.min(axis=1), np.nan),
        "mean_fill_rate": np.where(ok, rates.mean(axis=1), np.nan),
    }


def pledge_split(totals: Totals, pledge_units: Array) -> tuple[Array, Array, Array]:
    """On time, late and never shipped, per pledge instance (B, P)."""
    on_time, late = totals.pledge_on_time_units, totals.pledge_late_units
    unmet = np.maximum(pledge_units - on_time - late, 0.0)
    return on_time, late, unmet


def scalars(totals: Totals, pledge_units: Array, rows: Rows | None = None,
            good: int | None = None) -> dict[str, Array]:
    """The scalar metrics of B scenarios, each an array of shape (B,). Without ``rows`` each
    row is a scenario (one channel, one good); with them, several goods count together when
    they share a unit, else the first good alone (``Rows.scope``), or good ``good`` alone."""
    if rows is not None and not rows.single:
        totals, pledge_units = grouped(totals, pledge_units, rows, *rows.scope(good))
    elif len(totals.produced_units) != len(totals.consumed_units):
        raise ValueError("totals with channel rows and good rows apart (several goods or "
                         "donors): pass rows=Rows.of(plan, units)")
    return {
        **_flows(totals),
        "unmet_need": (totals.need_units - totals.consumed_units).sum(axis=1),
        **equity(totals),
        **_pledge_totals(totals, pledge_units),
        "final_stock": totals.final_stock_units,
    }


def _flows(totals: Totals) -> dict[str, Array]:
    """What each row made, released, served at home, shipped and delivered."""
    donated = totals.shipped_units.sum(axis=1)
    delivered = totals.delivered_units.sum(axis=1)
    return {
        "produced": totals.produced_units,
        "released": totals.released_units,
        "domestic_demand": totals.domestic_demand_units,
        "domestic_shortfall": totals.domestic_demand_units - totals.domestic_served_units,
        "donated_total": donated,
        "delivered_total": delivered,
        "in_transit_end": donated - delivered,
    }


def _pledge_totals(totals: Totals, pledge_units: Array) -> dict[str, Array]:
    on_time, late, unmet = pledge_split(totals, pledge_units)
    return {
        "pledged_total": pledge_units.sum(axis=1),
        "pledges_on_time": on_time.sum(axis=1),
        "pledges_late": late.sum(axis=1),
        "pledges_unmet": unmet.sum(axis=1),
    }


def by_region(totals: Totals) -> dict[str, Array | NDArray[np.int64]]:
    """Per-region metrics of B scenarios, each (B, R)."""
    return {
        "donated_by_region": totals.shipped_units,
        "delivered_by_region": totals.delivered_units,
        "fill_rate_by_region": fill_rate(totals.consumed_units, totals.need_units),
        "unmet_need_by_region": totals.need_units - totals.consumed_units,
        "first_delivery_day_by_region": totals.first_delivery_day,
    }


# ---- goods and donors -----------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    """How a run's rows map onto scenarios, goods and donors (``sim.engine.plan``): channel
    row b*C + c is donor ``channel_donor[c]``'s supply of good ``channel_good[c]`` in
    scenario b; good row b*G + g is good g in scenario b."""

    n_scenarios: int
    channel_good: Index  # (C,)
    channel_donor: Index  # (C,)
    n_goods: int
    units_agree: bool  # every good counts in one unit, so sums across goods mean something

    @classmethod
    def of(cls, plan: Plan, units: Sequence[str] | None = None) -> Rows:
        """``units``: each good's unit, in the plan's order of goods; None (unknown) counts
        goods together only when there is one."""
        agree = plan.n_goods == 1 or (units is not None and len(set(units)) == 1)
        return cls(plan.n_scenarios, np.asarray(plan.channel_good, dtype=np.intp),
                   np.asarray(plan.channel_donor, dtype=np.intp), plan.n_goods, agree)

    @property
    def n_channels(self) -> int:
        return len(self.channel_good)

    @property
    def single(self) -> bool:
        """One channel and one good: every row is a scenario, as the metrics above expect."""
        return self.n_channels == 1 and self.n_goods == 1

    def scope(self, good: int | None = None) -> tuple[Index, Index, int]:
        """(group of each channel, group of each good, 1): good ``good`` alone when given,
        else every good in one group when the units agree, else the first good alone (-1:
        left out)."""
        if good is None and self.units_agree:
            return (np.zeros(self.n_channels, dtype=np.intp),
                    np.zeros(self.n_goods, dtype=np.intp), 1)
        alone = 0 if good is None else good
        channels = np.where(self.channel_good == alone, 0, -1).astype(np.intp)
        goods = np.full(self.n_goods, -1, dtype=np.intp)
        goods[alone] = 0
        return channels, goods, 1


def scope_words(units: Sequence[str], names: Sequence[str]) -> str:
    """What a sweep's outcomes count (``Rows.scope``), in words: empty for one good."""
    if len(units) < 2:
        return ""
    if len(set(units)) == 1:
        return f"outcomes count every good together (all in {units[0]})"
    return (f"outcomes count {names[0]} alone, in {units[0]} (the goods differ in unit: "
            + ", ".join(dict.fromkeys(units)) + "; one good's: outcome[good])")


# Totals kept per good row (what the regions need and use) and per scenario (hubs); the rest
# are per channel row.
_GOOD_FIELDS = frozenset({"consumed_units", "need_units"})
_SCENARIO_FIELDS = frozenset({"hub_handled", "hub_waited"})


def _sum_groups(values: NDArray[np.float64], n_per: int, group: Index, n_groups: int,
                b: int) -> Array:
    """(b x n_per, ...) rows summed into (b x n_groups, ...) by ``group`` (-1: dropped),
    added in row order (the same bytes every time)."""
    x = np.asarray(values, dtype=np.float64).reshape(b, n_per, *values.shape[1:])
    out = np.zeros((b, n_groups, *values.shape[1:]))
    for k in range(n_groups):
        members = np.flatnonzero(group == k)
        if len(members) == 1:
            out[:, k] = x[:, members[0]]
        for j in members if len(members) > 1 else ():
            out[:, k] += x[:, j]
    return out.reshape(b * n_groups, *values.shape[1:])


def grouped(totals: Totals, pledge_units: Array, rows: Rows, channel_group: Index,
            good_group: Index, n_groups: int) -> tuple[Totals, Array]:
    """Totals (and pledge amounts) with B x ``n_groups`` rows, each row the sum of the
    channel rows and good rows of its group; the first delivery is the earliest of the
    group's; per-scenario totals (hubs) stay as they are. With one channel per good row these
    are totals the metrics above read."""
    b, c = rows.n_scenarios, rows.n_channels
    out: dict[str, object] = {}
    for f in fields(totals):
        values = getattr(totals, f.name)
        if f.name in _SCENARIO_FIELDS or values.shape[0] not in (b * c, b * rows.n_goods):
            out[f.name] = values
        elif f.name == "first_delivery_day":
            days = values.reshape(b, c, -1)
            never = np.iinfo(np.int64).max
            first = np.full((b, n_groups, days.shape[-1]), never, dtype=np.int64)
            for k in range(n_groups):
                members = np.flatnonzero(channel_group == k)
                if len(members):
                    first[:, k] = np.where(days[:, members] >= 0, days[:, members],
                                           never).min(axis=1)
            out[f.name] = np.where(first == never, -1, first).reshape(b * n_groups, -1)
        elif f.name in _GOOD_FIELDS:
            out[f.name] = _sum_groups(values, rows.n_goods, good_group, n_groups, b)
        else:
            out[f.name] = _sum_groups(values, c, channel_group, n_groups, b)
    pledges = _sum_groups(per_row(pledge_units, b * c), c, channel_group, n_groups, b)
    return replace(totals, **out), pledges  # type: ignore[arg-type]


def per_good(totals: Totals, pledge_units: Array, rows: Rows) -> tuple[Totals, Array]:
    """Totals with one row per good row (B x G), each good's channels summed: the metrics
    above then give each good's (``scalars``, ``by_region``, ``equity``)."""
    return grouped(totals, pledge_units, rows, rows.channel_good,
                   np.arange(rows.n_goods, dtype=np.intp), rows.n_goods)


def channel_scalars(totals: Totals, pledge_units: Array) -> dict[str, Array]:
    """What each channel row (a donor's supply of a good) did, each (N,); units of its good.
    Needs and fill rates belong to goods, not channels: see ``per_good``."""
    pledged = per_row(pledge_units, len(totals.produced_units))
    return {
        **_flows(totals),
        "received": totals.received_units,
        **_pledge_totals(totals, pledged),
        "final_stock": totals.final_stock_units,
    }


def exchange_flows(totals: Totals, rows: Rows, receive_ratio: Array) -> tuple[Array, Array]:
    """(sent, received) per pledge instance (B, P): what was shipped against each send (on
    time or late; 0 for a pledge) and what it brings back, ``receive_ratio`` x sent (in the
    received good's units, whether or not it lands inside the horizon)."""
    b, c = rows.n_scenarios, rows.n_channels
    shipped = totals.pledge_on_time_units + totals.pledge_late_units
    sent = shipped.reshape(b, c, -1).sum(axis=1)
    return sent, sent * np.asarray(receive_ratio, dtype=np.float64)
