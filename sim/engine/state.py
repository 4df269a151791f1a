"""What a run carries from day to day, what it sums and what it keeps, over its rows.

Two kinds of rows (``sim.engine.plan``): channel rows (N = B x C: a donor's supply of one
good, in one scenario) hold the donor's stock, what is in transit and the pledges; good rows
(M = B x G) hold what the regions have of a good, which every donor of it adds to and the
regions consume from. ``Layout`` maps one onto the other. The state the day carries lives in
the run's frame (``sim.engine.frame``); ``Totals`` and ``Series`` are its sums and records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.engine.draws import Draws
from sim.engine.plan import Array, Index, Plan


@dataclass(frozen=True)
class Layout:
    """Which good row each channel row feeds, and which donor's cargo it shares."""

    n_rows: int  # N = B x C
    n_goods_rows: int  # M = B x G
    channel_good: Index  # (C,) good of each channel
    n_goods: int  # G
    group: Index  # (N,) good row of each channel row
    one_to_one: bool  # every good has one channel, in order: good rows are channel rows
    first_of_group: Index  # (M,) the first channel row of each good row (-1: none)
    donor_key: Index  # (N,) scenario x donor of each channel row
    n_donor_keys: int
    solo_donors: bool  # every donor supplies one good: its cargo cap is its channel's

    @classmethod
    def of(cls, plan: Plan) -> Layout:
        b, c, g = plan.n_scenarios, plan.n_channels, plan.n_goods
        scenario = np.repeat(np.arange(b), c)
        group = scenario * g + np.tile(plan.channel_good, b)
        first = np.full(b * g, -1, dtype=np.intp)
        groups, lowest = np.unique(group, return_index=True)
        first[groups] = lowest
        n_donors = len(plan.donor_ids)
        donor_key = scenario * n_donors + np.tile(plan.channel_donor, b)
        one_to_one = c == g and bool((plan.channel_good == np.arange(g)).all())
        solo = len(set(plan.channel_donor.tolist())) == c
        return cls(b * c, b * g, np.asarray(plan.channel_good, dtype=np.intp), g,
                   group.astype(np.intp), one_to_one, first, donor_key.astype(np.intp),
                   b * n_donors, solo)


@dataclass
class Totals:
    """Per-row sums over the run: enough for every metric, whatever the engine. Channel rows
    (N) unless marked (M): good rows."""

    produced_units: Array  # (N,)
    released_units: Array  # (N,) output not requisitioned: left for the market or exports
    received_units: Array  # (N,) procured, and brought back by exchanges
    written_off_units: Array  # (N,) stock past its shelf life
    domestic_demand_units: Array  # (N,)
    domestic_served_units: Array  # (N,)
    shipped_units: Array  # (N, R)
    delivered_units: Array  # (N, R)
    consumed_units: Array  # (M, R)
    need_units: Array  # (M, R)
    pledge_on_time_units: Array  # (N, P)
    pledge_late_units: Array  # (N, P)
    first_delivery_day: NDArray[np.int64]  # (N, R); -1: never
    final_stock_units: Array  # (N,) donor stock at the end of the last day
    hub_handled: Array  # (B, H) throughput units each hub handled
    hub_waited: Array  # (B, H) throughput units handled x days they waited

    @classmethod
    def zeros(cls, plan: Plan) -> Totals:
        layout = Layout.of(plan)
        n, m = layout.n_rows, layout.n_goods_rows
        r, p = len(plan.region_ids), len(plan.pledge_region)

        def z(*shape: int) -> Array:
            return np.zeros(shape)

        return cls(
            produced_units=z(n), released_units=z(n), received_units=z(n),
            written_off_units=z(n),
            domestic_demand_units=z(n), domestic_served_units=z(n), shipped_units=z(n, r),
            delivered_units=z(n, r), consumed_units=z(m, r), need_units=z(m, r),
            pledge_on_time_units=z(n, p), pledge_late_units=z(n, p),
            first_delivery_day=np.full((n, r), -1, dtype=np.int64), final_stock_units=z(n),
            hub_handled=z(plan.n_scenarios, len(plan.hub_ids)),
            hub_waited=z(plan.n_scenarios, len(plan.hub_ids)))


DONOR_SERIES = (
    "production", "released", "received", "written_off", "domestic_demand", "domestic_served",
    "domestic_shortfall", "stock", "reserve", "surplus", "offered", "shipped",
    "shipped_pledges",
)
# Per channel row (N): what each donor sent; per good row (M): what the regions had and used.
CHANNEL_REGION_SERIES = ("shipped", "pledged", "arrived", "in_transit")
GOOD_REGION_SERIES = ("need", "consumed", "unmet", "stock")
HUB_SERIES = ("arrived", "handled", "queue", "wait_days")
REGION_SERIES = (  # both kinds, as a single-good run's regions table has them
    "need", "shipped", "pledged", "arrived", "consumed", "unmet", "stock", "in_transit",
)


@dataclass
class Series:
    """Day-by-day values (units of each row's good), kept when a caller asks for them."""

    donor: dict[str, Array] = field(default_factory=dict)  # name -> (N, T)
    region: dict[str, Array] = field(default_factory=dict)  # name -> (N or M, T, R)
    lead_days: NDArray[np.int32] | None = None  # (N, K, R) of the shipments that left
    # name -> (B, H, T): landed at each hub, handled, queue at the end of the day (throughput
    # units), and the mean days what it handled had waited (NaN: nothing handled)
    hub: dict[str, Array] = field(default_factory=dict)


@dataclass
class Run:
    """What a run of one or more scenarios leaves behind (leading axis B): its plan, its
    draws, its totals and, when they were kept, its day-by-day series."""

    plan: Plan
    draws: Draws
    totals: Totals
    series: Series | None
