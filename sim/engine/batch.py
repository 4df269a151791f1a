"""Engine ``batch``: the plan's B scenarios through the compiled day in one pass.

With the ``compiled`` backend each scenario goes through every day of the run, allocating
inside the pass, while its state stays in cache; scenarios run on numba's threads. With
another backend the pass stops at each dispatch day, after the offer, for every scenario at
once: the allocator gets one problem of all their rows (``sim.engine.dispatch``), and the
pass goes on with its answer. Either way the steps are ``sim.engine.steps``, the ones the
SimPy engine calls, so a scenario gives the same bytes on both engines; and rows never read
each other, so neither the batch nor the thread count changes a row.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

import sim.allocate.jit  # noqa: F401  (first: numba's cache sees every compiled module)
from sim.allocate.launch import launch
from sim.allocate.problem import Allocator
from sim.engine import steps
from sim.engine.dispatch import allocate_in_python, python_allocator
from sim.engine.draws import Draws
from sim.engine.frame import build_frame, finish
from sim.engine.hubs import hubs_day
from sim.engine.plan import Plan
from sim.engine.state import Run
from sim.scenario.enums import Backend


def simulate_batch(plan: Plan, draws: Draws, backend: Backend | str | Allocator, *,
                   keep_series: bool = False) -> Run:
    """Run the plan's B scenarios with a backend (``sim.engine.dispatch.python_allocator``);
    day-by-day series only when ``keep_series``."""
    allocate = python_allocator(plan, backend)
    frame = build_frame(plan, draws, keep_series=keep_series)
    if allocate is None:
        with numba.parallel_chunksize(SCENARIOS_A_CHUNK):
            launch(run_compiled, frame.handle)
    else:
        start = 0
        for k, day in enumerate(plan.ship_days.tolist()):
            launch(days, frame.handle, start, day)
            launch(morning, frame.handle, day, k)
            allocate_in_python(frame, k, allocate)
            launch(evening, frame.handle, day, k)
            start = day + 1
        launch(days, frame.handle, start, plan.n_days)
    finish(frame)
    return Run(plan, draws, frame.totals, frame.series)


SCENARIOS_A_CHUNK = 8


@numba.njit(cache=True)
def run_scenario(d: Any, b: int) -> None:
    """Scenario b through every day, allocating with the compiled backend."""
    k = 0
    n_dispatches = d.ship_days.shape[0]
    for t in range(d.n_days):
        steps.produce(d, b, t)
        if k < n_dispatches and d.ship_days[k] == t:
            steps.offer(d, b, t, k)
            steps.allocate_compiled(d, b, k)
            steps.ship(d, b, t, k)
            k += 1
        if d.has_hubs:
            hubs_day(d, b, t)
        steps.receive_and_consume(d, b, t)


@numba.njit(cache=True, inline="always")
def _signed(j: int) -> int:
    """prange's index may be unsigned; the steps take one signed type (one signature each,
    and no unsigned-with-signed arithmetic, which numba types as float)."""
    return np.int64(j)  # type: ignore[return-value]


@numba.njit(cache=True, parallel=True, nogil=True)
def run_compiled(d: Any) -> None:
    """Every scenario through every day, on numba's threads. Scenarios are handed out a few
    at a time as threads come free (not split in halves up front): on a shared machine a
    thread the scheduler puts off does not hold the others back (``simulate_batch`` sets
    the chunk size). Lets go of the GIL."""
    for j in numba.prange(d.n_scenarios):
        run_scenario(d, _signed(j))


@numba.njit(cache=True, parallel=True, nogil=True)
def days(d: Any, start: int, stop: int) -> None:
    """Whole days with no dispatch in them, every scenario."""
    for j in numba.prange(d.n_scenarios):
        b = _signed(j)
        for t in range(start, stop):
            steps.produce(d, b, t)
            if d.has_hubs:
                hubs_day(d, b, t)
            steps.receive_and_consume(d, b, t)


@numba.njit(cache=True, parallel=True, nogil=True)
def morning(d: Any, t: int, k: int) -> None:
    """A dispatch day up to the problem, every scenario."""
    for j in numba.prange(d.n_scenarios):
        b = _signed(j)
        steps.produce(d, b, t)
        steps.offer(d, b, t, k)


@numba.njit(cache=True, parallel=True, nogil=True)
def evening(d: Any, t: int, k: int) -> None:
    """A dispatch day from the answer on, every scenario."""
    for j in numba.prange(d.n_scenarios):
        b = _signed(j)
        steps.ship(d, b, t, k)
        if d.has_hubs:
            hubs_day(d, b, t)
        steps.receive_and_consume(d, b, t)
