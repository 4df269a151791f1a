"""Engine ``des``: the model as a SimPy discrete-event simulation, one scenario at a time.

Time is in days. Each process fires once at its fixed point of every day it acts on, and
calls the compiled steps of that point (``sim.engine.steps``: the day written once, the one
the batch engine runs), so SimPy's event order is the model's order:

    t + 0.00  Donor: production, domestic programme, stock              (steps 1-3)
    t + 0.25  Dispatcher: on dispatch days, offer, pledges, rule, ship   (step 4)
    t + 0.60  Hubs: take in what landed, handle first come first served
    t + 0.75  Recipients: take in what landed, then each consumes        (step 5)

Goods in the air are the state's arrival rings (a slot a day): a shipment is booked into the
slot of the day it lands, at a region or at a hub, when it leaves.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.allocate.problem import Allocator
from sim.engine import steps
from sim.engine.dispatch import allocate_in_python, python_allocator
from sim.engine.draws import Draws
from sim.engine.frame import Frame, build_frame, finish
from sim.engine.hubs import hubs_day
from sim.engine.plan import Plan
from sim.engine.state import Run
from sim.scenario.enums import Backend

DISPATCH, HUB, CONSUME = 0.25, 0.60, 0.75


class DonationModel:
    """Donor, dispatcher, hubs and recipients as SimPy processes over one frame."""

    def __init__(self, plan: Plan, draws: Draws, backend: Backend | str | Allocator) -> None:
        if plan.n_scenarios != 1:
            raise ValueError("the des engine runs one scenario at a time; use engine 'batch'")
        self.allocate = python_allocator(plan, backend)
        self.plan = plan
        self.frame: Frame = build_frame(plan, draws, keep_series=True)
        self.env = simpy.Environment()
        self.env.process(self._donor())
        self.env.process(self._dispatcher())
        if plan.hub_ids:
            self.env.process(self._hubs())
        self.env.process(self._recipients())

    def run(self) -> Run:
        self.env.run(until=self.plan.n_days)
        finish(self.frame)
        return Run(self.plan, self.frame.draws, self.frame.totals, self.frame.series)

    def _donor(self) -> Generator[simpy.Event, None, None]:
        frame = self.frame.handle
        for t in range(self.plan.n_days):
            steps.produce(frame, 0, t)
            yield self.env.timeout(1)

    def _dispatcher(self) -> Generator[simpy.Event, None, None]:
        frame = self.frame.handle
        yield self.env.timeout(DISPATCH)
        now = 0
        for k, t in enumerate(self.plan.ship_days.tolist()):
            yield self.env.timeout(t - now)
            now = t
            steps.offer(frame, 0, t, k)
            if self.allocate is None:
                steps.allocate_compiled(frame, 0, k)
            else:
                allocate_in_python(self.frame, k, self.allocate)
            steps.ship(frame, 0, t, k)

    def _hubs(self) -> Generator[simpy.Event, None, None]:
        frame = self.frame.handle
        yield self.env.timeout(HUB)
        for t in range(self.plan.n_days):
            hubs_day(frame, 0, t)
            yield self.env.timeout(1)

    def _recipients(self) -> Generator[simpy.Event, None, None]:
        frame = self.frame.handle
        yield self.env.timeout(CONSUME)
        for t in range(self.plan.n_days):
            steps.receive_and_consume(frame, 0, t)
            yield self.env.timeout(1)


def simulate(plan: Plan, draws: Draws, backend: Backend | str | Allocator) -> Run:
    """Run one scenario (B = 1) through the SimPy engine with a backend
    (``sim.engine.dispatch.python_allocator``)."""
    return DonationModel(plan, draws, backend).run()
