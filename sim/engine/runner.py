"""Run a scenario: (scenario, seed) in, a Result out; the one place that picks the engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sim.engine.batch import simulate_batch
from sim.engine.des import simulate
from sim.engine.draws import draw
from sim.engine.plan import build_plan
from sim.engine.state import Run
from sim.scenario.enums import Backend
from sim.scenario.scenario import Scenario


class Engine(StrEnum):
    DES = "des"
    BATCH = "batch"


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    seed: int
    engine: Engine
    backend: Backend
    run: Run


def run(
    scenario: Scenario,
    *,
    seed: int | None = None,
    engine: Engine | str = Engine.DES,
    backend: Backend | str | None = None,
) -> Result:
    """Simulate one scenario; ``seed`` and ``backend`` default to the scenario's own.

    >>> import sim
    >>> result = sim.run(sim.load("scenarios/minimal.toml"), seed=7, engine="batch")
    >>> result.seed, str(result.engine)
    (7, 'batch')
    """
    seed = scenario.seed if seed is None else seed
    engine = Engine(engine)
    backend = Backend(backend or scenario.allocation.backend)
    plan = build_plan(scenario)
    draws = draw(plan, [seed])
    if engine is Engine.DES:
        outcome = simulate(plan, draws, backend)
    else:
        outcome = simulate_batch(plan, draws, backend, keep_series=True)
    return Result(scenario, seed, engine, backend, outcome)
