"""The scenario: horizon, goods, donors, regions, pledges, exchanges, hubs, allocation, record.

One form: goods and donors with their supplies. A file written in the older single-donor
form is rewritten into it before validation (``sim.scenario.normalise``), so nothing past
the loader knows which form a file used.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.donors import Donor, Exchange, Good, Hub
from sim.scenario.enums import Backend, CargoUnit, Coordination, Rule, ShareBasis
from sim.scenario.models import (
    MAX_DAY_REGIONS,
    Allocation,
    CasesNeed,
    FixedLeadTime,
    FixedPledge,
    Horizon,
    Model,
    Need,
    Pledge,
    Region,
    units,
)
from sim.scenario.observations import Measure, Observation

# Series of a ration programme: what the groups bought and what the uses hold.
_PROGRAMME_MEASURES = (Measure.DOMESTIC_SOLD, Measure.DOMESTIC_SOLD_CUMULATIVE,
                       Measure.DOMESTIC_HELD)


def unknown(what: str, value: str, ids: Iterable[str]) -> str:
    """``unknown region 'vmn'; did you mean 'vnm'?``, else the ids there are (the first few)."""
    known = sorted(ids) if isinstance(ids, set) else list(ids)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    if close:
        return f"unknown {what} {value!r}; did you mean {close[0]!r}?"
    shown = ", ".join(known[:12]) + (f" ... ({len(known)} in all)" if len(known) > 12 else "")
    return f"unknown {what} {value!r}" + (f"; the ids are {shown}" if known else "")


class Calibration(Model):
    """Bounds for ``masksim calibrate`` (sim.sweep.calibrate): dotted path -> [lo, hi].
    Never used by a run; the command line's ``--bounds`` take precedence."""

    bounds: dict[str, tuple[float, float]] = Field({}, description="Dotted path -> [low, high] "
                                                   "that masksim calibrate may search.",
                                                   examples=[{"reserve.days": [0, 60]}])


class Scenario(Model):
    """A scenario file: who gives which goods to whom, by which route, under which rule."""

    # pydantic matches patterns with Rust's regex, where $ is the very end (unlike Python's re)
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", description="A short name "
                               "(letters, digits, _ - .): the result folder is named after it.",
                               examples=["japan_asia_2020"])]
    title: str = Field("", description="What a reader calls it: the brief's headline (default: "
                       "the name).", examples=["Japan: masks and kits to Southeast Asia"])
    seed: Annotated[int, Field(ge=0, description="The root seed: the same scenario and seed "
                               "give the same results.", examples=[2020])] = 0
    horizon: Horizon = Field(description="The days simulated.", examples=[
        {"start": dt.date(2020, 3, 1), "end": dt.date(2020, 6, 30)}])
    goods: Annotated[list[Good], Field(min_length=1, description="The goods given, each in its "
                                       "own unit (a file may leave it out: masks).", examples=[
                                           [{"id": "masks", "unit": "masks"}]])]
    donors: Annotated[list[Donor], Field(min_length=1, description="Who gives, from which "
                                         "supplies.", examples=[
                                             [{"id": "japan", "supplies": [{"good": "masks"}]}]])]
    coordination: Coordination = Field(Coordination.INDEPENDENT, description="independent: each "
                                       "donor spreads its own offer; pooled: offers of a good "
                                       "are spread once over the joint gaps.",
                                       examples=["pooled"])
    exchanges: list[Exchange] = Field([], description="Goods for goods between a donor and a "
                                      "partner region.", examples=[[
                                          {"donor": "taiwan", "partner": "usa", "send": {
                                              "amount_per_week": 100_000,
                                              "start": dt.date(2020, 3, 18),
                                              "end": dt.date(2020, 6, 30)},
                                           "receive": {"good": "suits", "amount": 300_000}}]])
    hubs: list[Hub] = Field([], description="Hubs that consignments pass through on their "
                            "way (a donor's via routes regions through one).", examples=[[
                                {"id": "sg", "throughput_per_day": 1_000_000,
                                 "lead_times": {"vnm": 2}}]])
    regions: Annotated[list[Region], Field(min_length=1, description="The recipients.",
                                           examples=[[{"id": "vnm", "population": 97_300_000,
                                                       "needs": {"masks": {
                                                           "kind": "constant",
                                                           "per_day": 1_000_000}}}]])]
    pledges: list[Pledge] = Field([], description="Promises served before the rule spreads "
                                  "the rest: fixed (a dated amount) or standing (an amount a "
                                  "week).", examples=[[{"kind": "fixed", "region": "vnm",
                                                        "amount": 1_000_000,
                                                        "date": dt.date(2020, 4, 9)}]])
    allocation: Allocation = Field(Allocation(), description="How offers are spread over the "
                                   "regions.", examples=[{"rule": "maxmin", "shares": "need"}])
    # The record beside the model: compared with the run, never used by it.
    observations: list[Observation] = Field([], description="Dated figures of the record, "
                                             "shown beside the model (never used by a run).",
                                             examples=[[{"date": dt.date(2020, 4, 30),
                                                         "series": "donated.cumulative",
                                                         "value": 10_000_000, "kind":
                                                         "documented", "source": "[A6]"}]],
                                             json_schema_extra=units("units of the good"))
    calibration: Calibration | None = Field(None, description="Bounds for masksim calibrate.",
                                            examples=[{"bounds": {"reserve.days": [0, 60]}}])

    @property
    def good_ids(self) -> list[str]:
        return [g.id for g in self.goods]

    @property
    def donor_ids(self) -> list[str]:
        return [d.id for d in self.donors]

    @property
    def hub_ids(self) -> list[str]:
        return [h.id for h in self.hubs]

    @property
    def region_ids(self) -> list[str]:
        return [r.id for r in self.regions]

    @property
    def label(self) -> str:
        """What a reader calls the scenario: its title, else its name."""
        return self.title or self.name

    @staticmethod
    def region_need(region: Region, good: str) -> Need | None:
        """A region's need for a good (None: it needs none)."""
        return region.needs.get(good)

    # ---- checks ----------------------------------------------------------------------
    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        self._check_supply_side()
        ids = [r.id for r in self.regions]
        for i, rid in enumerate(ids):
            if rid in ids[:i]:
                raise ValueError(f"regions[{i}].id: duplicate id {rid!r}")
        self._check_regions()
        self._check_hubs()
        h = self.horizon
        # Need is planned ahead: for the planning horizon after a shipment lands.
        leads = [r.lead_time.planned_days for r in self.regions] + [
            lt.planned_days for d in self.donors for lt in d.lead_times.values()]
        onward = max((hub.handling_days + max(hub.lead_times.values(), default=0)
                      for hub in self.hubs), default=0)  # after the leg to a hub
        days = h.n_days + self.allocation.planning_horizon_days + max(leads) + onward
        if days * len(ids) * len(self.goods) > MAX_DAY_REGIONS:
            raise ValueError(f"horizon: {days:,} days (planning horizon and lead time included) x "
                             f"{len(ids):,} regions x {len(self.goods)} goods is more "
                             f"than {MAX_DAY_REGIONS:,} day-regions, more than a run's memory "
                             "should hold")
        self._check_pledges()
        self._check_exchanges()
        self._check_observations()
        a = self.allocation
        if a.backend is not Backend.LP and (a.min_shipment or a.pallet_size):
            raise ValueError(
                "allocation.backend: min_shipment and pallet_size need backend = 'lp'"
            )
        weighted = [d.rule for d in self.donors] + [a.rule]
        if Rule.WEIGHTED in weighted and a.shares is ShareBasis.WEIGHTS:
            # The weighted rule multiplies the share by the weight: shares from the weights
            # too would give in proportion to weight squared, which nobody means.
            raise ValueError(
                "allocation.shares: the weighted rule already applies the weights; use shares "
                "= 'population', 'need' or 'cases' (or rule = 'proportional' with shares = "
                "'weights')"
            )
        if a.shares is ShareBasis.CASES:
            for i, r in enumerate(self.regions):
                for g in self.supplied_goods:
                    if not isinstance(self.region_need(r, g), CasesNeed):
                        raise ValueError(f"regions[{i}].needs.{g}: shares = 'cases' needs "
                                         "every need from a cases table")
        return self

    @property
    def supplied_goods(self) -> list[str]:
        """The goods some donor supplies, in the order of the goods."""
        have = {s.good for d in self.donors for s in d.supplies}
        return [g for g in self.good_ids if g in have]

    def _check_supply_side(self) -> None:
        goods = self.good_ids
        for i, g in enumerate(goods):
            if g in goods[:i]:
                raise ValueError(f"goods[{i}].id: duplicate id {g!r}")
        donor_ids = self.donor_ids
        for i, did in enumerate(donor_ids):
            if did in donor_ids[:i]:
                raise ValueError(f"donors[{i}].id: duplicate id {did!r}")
        masses = {g.id: g.mass_kg for g in self.goods}
        region_ids = {r.id for r in self.regions}
        for i, d in enumerate(self.donors):
            for j, s in enumerate(d.supplies):
                if s.good not in masses:
                    raise ValueError(f"donors[{i}].supplies[{j}].good: unknown good {s.good!r}"
                                     f"; the goods are {', '.join(goods)}")
                if d.cargo_cap_unit is CargoUnit.KG and masses[s.good] is None:
                    raise ValueError(f"donors[{i}].cargo_cap_unit: a cargo cap in kg needs "
                                     f"goods' mass_kg, and {s.good!r} has none")
            hub_ids = {h.id for h in self.hubs}
            for rid in d.lead_times:
                if rid not in region_ids and rid not in hub_ids:
                    raise ValueError(f"donors[{i}].lead_times: "
                                     + unknown("region or hub", rid, [*self.region_ids,
                                                                      *self.hub_ids]))
            routes = ({r: d.via for r in region_ids} if isinstance(d.via, str) else d.via)
            for rid, hub in routes.items():
                if rid not in region_ids:
                    raise ValueError(f"donors[{i}].via: " + unknown("region", rid,
                                                                      self.region_ids))
                if hub not in hub_ids:
                    raise ValueError(f"donors[{i}].via: " + unknown("hub", hub, self.hub_ids))

    def _check_regions(self) -> None:
        goods = self.good_ids
        for i, r in enumerate(self.regions):
            for table in ("needs", "absorption_caps"):
                for g in getattr(r, table):
                    if g not in goods:
                        raise ValueError(f"regions[{i}].{table}: unknown good {g!r}; the goods "
                                         f"are {', '.join(goods)}")

    def _check_hubs(self) -> None:
        ids, regions = [h.id for h in self.hubs], set(self.region_ids)
        masses = {g.id: g.mass_kg for g in self.goods}
        for i, h in enumerate(self.hubs):
            if h.id in ids[:i]:
                raise ValueError(f"hubs[{i}].id: duplicate id {h.id!r}")
            if h.id in regions:
                raise ValueError(f"hubs[{i}].id: {h.id!r} is also a region's id")
            for rid in h.lead_times:
                if rid not in regions:
                    raise ValueError(f"hubs[{i}].lead_times: " + unknown("region", rid,
                                                                         self.region_ids))
            # No default onward leg: a silent 0 days would be a guess nobody made.
            for d in self.donors:
                for rid in self.region_ids:
                    if d.hub_for(rid) == h.id and rid not in h.lead_times:
                        raise ValueError(
                            f"hubs[{i}].lead_times.{rid}: required: donor {d.id!r} routes "
                            f"region {rid!r} through hub {h.id!r}; give the onward days "
                            "(0 for a region at the hub)")
            if h.throughput_unit == "kg":
                for d in self.donors:
                    if any(d.hub_for(r) == h.id for r in regions):
                        for s in d.supplies:
                            if masses[s.good] is None:
                                raise ValueError(
                                    f"hubs[{i}].throughput_unit: a throughput in kg needs "
                                    f"goods' mass_kg, and {s.good!r} has none")

    def hub_warnings(self) -> list[str]:
        """What is allowed but probably not meant: a hub no donor routes anything through;
        with hubs, a region a donor ships to directly in 0 days because no lead time was
        given (a ``via`` table that names some regions sends the others direct)."""
        used = {d.hub_for(r) for d in self.donors for r in self.region_ids}
        out = [f"hubs[{i}]: no donor routes a region through hub {h.id!r}"
               for i, h in enumerate(self.hubs) if h.id not in used]
        if self.hubs:
            out += [f"regions[{j}].lead_time: donor {d.id!r} ships to {r.id!r} directly, in 0 "
                    f"days (donors[{i}].via names no hub for it, and its lead time is 0 days)"
                    for i, d in enumerate(self.donors) for j, r in enumerate(self.regions)
                    if d.hub_for(r.id) is None and r.id not in d.lead_times
                    and r.lead_time == FixedLeadTime(days=0)]
        return out

    def _check_pledges(self) -> None:
        # The id lists once: a sweep validates thousands of scenarios.
        h, ids, donors, goods = self.horizon, self.region_ids, self.donor_ids, self.good_ids
        supplies = {(d.id, s.good) for d in self.donors for s in d.supplies}
        for i, p in enumerate(self.pledges):
            if p.region not in ids:
                raise ValueError(f"pledges[{i}].region: " + unknown("region", p.region, ids))
            if p.donor not in donors:
                raise ValueError(f"pledges[{i}].donor: unknown donor {p.donor!r}; the donors "
                                 f"are {', '.join(donors)}")
            if p.good not in goods:
                raise ValueError(f"pledges[{i}].good: unknown good {p.good!r}; the goods are "
                                 f"{', '.join(goods)}")
            donor, good = p.donor, p.good
            if (donor, good) not in supplies:
                raise ValueError(f"pledges[{i}].good: donor {donor!r} has no "
                                 f"supply of {good!r}")
            first, last = (p.date, p.date) if isinstance(p, FixedPledge) else (p.start, p.end)
            if first > h.end or last < h.start:
                field = "date" if isinstance(p, FixedPledge) else "start"
                raise ValueError(f"pledges[{i}].{field}: outside the horizon "
                                 f"({h.start} to {h.end})")

    def _check_exchanges(self) -> None:
        h, donors, goods, ids = self.horizon, self.donor_ids, self.good_ids, self.region_ids
        supplies = {(d.id, s.good) for d in self.donors for s in d.supplies}
        for i, x in enumerate(self.exchanges):
            if x.donor not in donors:
                raise ValueError(f"exchanges[{i}].donor: unknown donor {x.donor!r}")
            if x.partner == x.donor:
                raise ValueError(f"exchanges[{i}].partner: {x.partner!r} cannot exchange with "
                                 "itself")
            if x.partner not in ids:
                raise ValueError(f"exchanges[{i}].partner: " + unknown("region", x.partner, ids))
            for side in ("send", "receive"):
                good = getattr(x, side).good
                if good not in goods:
                    raise ValueError(f"exchanges[{i}].{side}.good: unknown good {good!r}")
                if (x.donor, good) not in supplies:
                    raise ValueError(f"exchanges[{i}].{side}.good: donor {x.donor!r} has no "
                                     f"supply of {good!r}")
            s = x.send
            first, last = ((s.date, s.date) if s.kind == "fixed" else (s.start, s.end))
            assert first is not None and last is not None
            if first > h.end or last < h.start:
                raise ValueError(f"exchanges[{i}].send: outside the horizon "
                                 f"({h.start} to {h.end})")

    def _check_observations(self) -> None:
        h, ids, goods = self.horizon, self.region_ids, self.good_ids
        names = {d.id for d in self.donors} | {d.label for d in self.donors}
        for i, o in enumerate(self.observations):
            if not h.start <= o.date <= h.end:
                raise ValueError(f"observations[{i}].date: {o.date} is outside the horizon "
                                 f"({h.start} to {h.end})")
            region = o.path.region
            if region is not None and region not in ids:
                raise ValueError(f"observations[{i}].series: unknown region {region!r} "
                                 f"in {o.series!r}")
            if o.good not in goods:
                raise ValueError(f"observations[{i}].good: unknown good {o.good!r}; the goods "
                                 f"are {', '.join(goods)}")
            if o.donor is not None and o.donor not in names:
                raise ValueError(f"observations[{i}].donor: unknown donor {o.donor!r}; the "
                                 f"donors are {', '.join(sorted(names))}")
            if o.from_date is not None and o.from_date < h.start:
                raise ValueError(f"observations[{i}].from_date: {o.from_date} is before the "
                                 f"horizon ({h.start} to {h.end})")
            if o.path.measure in _PROGRAMME_MEASURES and not any(
                    s.good == o.good and s.domestic is not None and o.donor in (None, d.id, d.label)
                    for d in self.donors for s in d.supplies):
                raise ValueError(f"observations[{i}].series: {o.series} needs a supply of "
                                 f"{o.good!r} with a ration programme (domestic)")
            if o.path.stock is not None and o.path.stock not in self.stock_series(o.good):
                known = ", ".join(self.stock_series(o.good)) or "none"
                raise ValueError(f"observations[{i}].series: unknown stock series "
                                 f"{o.path.stock!r} of {o.good!r}; the uses count in: {known}")

    def stock_series(self, good: str) -> list[str]:
        """The stock series the domestic uses of a good count in (``donor.stock.<id>``)."""
        return list(dict.fromkeys(
            sid for d in self.donors for s in d.supplies if s.good == good and s.domestic
            for sid in s.domestic.stock_series))
