"""Engine ``des``: the model as a SimPy discrete-event simulation, one scenario at a time.

Time is in days. Within a day the phases are fixed points in time, so SimPy's event order is
the model's order, never an accident of scheduling:

    t + 0.00  Donor: production, domestic ration, stock            (steps 1-3)
    t + 0.25  Dispatcher: on dispatch days, offer, pledges, rule    (step 4)
    t + 0.50  deliveries land (one event per shipment and lead time)
    t + 0.75  Recipients: take in what landed, then each consumes   (step 5)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy

from sim.allocate.problem import Allocator
from sim.engine import day
from sim.engine.day import Series, State, Totals
from sim.engine.draws import Draws
from sim.engine.plan import Array, Plan

DISPATCH, DELIVER, CONSUME = 0.25, 0.50, 0.75


@dataclass
class Run:
    """What a run of one or more scenarios leaves behind (leading axis B)."""

    plan: Plan
    draws: Draws
    totals: Totals
    series: Series | None


class MaskModel:
    """Donor, dispatcher and recipients as SimPy processes over shared state."""

    def __init__(self, plan: Plan, draws: Draws, allocate: Allocator) -> None:
        if plan.n_scenarios != 1:
            raise ValueError("the des engine runs one scenario at a time; use engine 'batch'")
        self.plan, self.draws, self.allocate = plan, draws, allocate
        self.env = simpy.Environment()
        self.state = State.initial(plan)
        self.arriving = np.zeros_like(self.state.in_transit_masks)  # landed today
        self.totals = Totals.zeros(plan)
        self.series = Series.empty(plan)
        self.series.lead_days = np.zeros_like(draws.lead_days)
        self.env.process(self._donor())
        self.env.process(self._dispatcher())
        self.env.process(self._recipients())

    def run(self) -> Run:
        self.env.run(until=self.plan.n_days)
        day.finish(self.plan, self.state, self.totals)
        return Run(self.plan, self.draws, self.totals, self.series)

    def _donor(self) -> Generator[simpy.Event, None, None]:
        for t in range(self.plan.n_days):
            day.produce_and_serve(self.plan, self.draws, self.state, t, self.totals, self.series)
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
                arrival.callbacks.append(self._deliverer(cargo))

    def _deliverer(self, cargo: Array) -> Callable[[simpy.Event], None]:
        def land(_: simpy.Event) -> None:
            self.arriving += cargo  # unloaded at the dock; the recipients take it in at 0.75
        return land

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
    return MaskModel(plan, draws, allocate).run()
