"""Engine ``des``: the model as a SimPy discrete-event simulation, one scenario at a time.

Time is in days. Within a day the phases are fixed points in time, so SimPy's event order is
the model's order, never an accident of scheduling:

    t + 0.00  Donor: production, domestic ration, stock            (steps 1-3)
    t + 0.25  Dispatcher: on dispatch days, offer, pledges, rule    (step 4)
    t + 0.50  deliveries land (one event per shipment and lead time), at a region or a hub
    t + 0.60  Hubs: queue what landed, handle first come first served (simpy.Store)
    t + 0.70  what hubs sent on lands at the regions
    t + 0.75  Recipients: take in what landed, then each consumes   (step 5)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy

from sim.allocate.problem import Allocator
from sim.engine import day, hubs
from sim.engine.day import Series, State, Totals
from sim.engine.draws import Draws
from sim.engine.plan import Array, Plan
from sim.engine.state import Run

DISPATCH, DELIVER, HUB, ONWARD, CONSUME = 0.25, 0.50, 0.60, 0.70, 0.75


@dataclass
class _Consignment:
    day: int  # landed at the hub
    route: int  # index among the hub's routes
    units: Array  # (1,) still waiting


class DonationModel:
    """Donor, dispatcher and recipients as SimPy processes over shared state."""

    def __init__(self, plan: Plan, draws: Draws, allocate: Allocator) -> None:
        if plan.n_scenarios != 1:
            raise ValueError("the des engine runs one scenario at a time; use engine 'batch'")
        self.plan, self.draws, self.allocate = plan, draws, allocate
        self.env = simpy.Environment()
        self.state = State.initial(plan)
        self.arriving = np.zeros_like(self.state.in_transit_units)  # landed today
        self.at_hubs = np.zeros_like(self.arriving)  # landed at a hub today
        self.totals = Totals.zeros(plan)
        self.series = Series.empty(plan)
        self.supplies = day.supplies(plan, draws, self.totals, self.series)
        self.series.lead_days = np.zeros_like(draws.lead_days)
        self.env.process(self._donor())
        self.env.process(self._dispatcher())
        self.env.process(self._recipients())
        if plan.hub_ids:
            self.routed = np.broadcast_to(plan.route_hub >= 0, self.arriving.shape)
            self.env.process(self._hubs())

    def run(self) -> Run:
        self.env.run(until=self.plan.n_days)
        day.finish(self.plan, self.state, self.totals, self.series)
        return Run(self.plan, self.draws, self.totals, self.series)

    def _donor(self) -> Generator[simpy.Event, None, None]:
        for t in range(self.plan.n_days):
            day.produce_and_serve(self.plan, self.supplies, self.state, t, self.totals,
                                  self.series)
            yield self.env.timeout(1)

    def _dispatcher(self) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(DISPATCH)
        now = 0
        for k, t in enumerate(self.plan.ship_days.tolist()):
            yield self.env.timeout(t - now)
            now = t
            lead = self.draws.lead_days[:, k]
            shipped = day.dispatch(self.plan, self.state, t, k, lead, self.allocate,
                                   self.totals, self.series)
            assert self.series.lead_days is not None
            self.series.lead_days[:, k] = lead
            # One delivery event per transit time, carrying every channel's cargo of it.
            for days in np.unique(lead[shipped > 0]).tolist():
                cargo = np.where(lead == days, shipped, 0.0)
                arrival = self.env.timeout(days + DELIVER - DISPATCH)
                if self.plan.hub_ids:
                    arrival.callbacks.append(
                        self._deliverer(np.where(self.routed, cargo, 0.0), self.at_hubs))
                    cargo = np.where(self.routed, 0.0, cargo)
                arrival.callbacks.append(self._deliverer(cargo, self.arriving))

    @staticmethod
    def _deliverer(cargo: Array, dock: Array) -> Callable[[simpy.Event], None]:
        def land(_: simpy.Event) -> None:
            np.add(dock, cargo, out=dock)  # unloaded at the dock; taken in later that day
        return land

    def _hubs(self) -> Generator[simpy.Event, None, None]:
        """Each hub a FIFO store of consignments (landing day, route, units): each day it
        takes in what landed, in route order, and handles the oldest first."""
        plan = self.plan
        routes = hubs.routes(plan)
        stores = [simpy.Store(self.env) for _ in routes]
        yield self.env.timeout(HUB)
        for t in range(plan.n_days):
            for h, (r, store) in enumerate(zip(routes, stores, strict=True)):
                landed = hubs.arrivals(plan, r, self.at_hubs)
                for j in np.flatnonzero(landed[0]).tolist():
                    store.put(_Consignment(t, j, landed[:, j].copy()))
                left = hubs.throughput(plan, h).copy()
                handled = np.zeros((1, len(r.channel)))
                waited = np.zeros(1)
                while store.items and (left > 0).any():
                    item = store.items[0]
                    got, item.units, left = hubs.take(item.units, left,
                                                      float(r.per_unit[item.route]))
                    handled[:, item.route] += got
                    waited += got * r.per_unit[item.route] * (t - item.day)
                    if not item.units.any():
                        yield store.get()
                queued = np.zeros(1)
                for item in store.items:
                    queued += item.units * r.per_unit[item.route]
                hubs.record(plan, h, t, self.at_hubs, handled, waited, queued, self.totals,
                            self.series, self.totals.first_delivery_day, r)
                for day_, cargo in hubs.departures(plan, h, t, r, handled):
                    onward = self.env.timeout(day_ - t + ONWARD - HUB)
                    onward.callbacks.append(self._deliverer(cargo, self.arriving))
            self.at_hubs[...] = 0.0
            yield self.env.timeout(1)

    def _recipients(self) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(CONSUME)
        for t in range(self.plan.n_days):
            # One receipt a day of everything that landed, summed in shipment order: the
            # batch engine's arrival slot holds the same sum, so both engines agree to the bit.
            day.receive(self.state, t, self.arriving, self.series)
            self.arriving[...] = 0.0
            day.consume(self.plan, self.state, t, self.totals, self.series)
            yield self.env.timeout(1)


def simulate(plan: Plan, draws: Draws, allocate: Allocator) -> Run:
    """Run one scenario (B = 1) through the SimPy engine."""
    return DonationModel(plan, draws, allocate).run()
