"""The command line's "compiling ..." line: said only while a run's entry points are not in
numba's cache yet (sim.engine.compiling)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import compiling
from sim.engine.runner import Engine, run
from sim.scenario.enums import Backend
from sim.scenario.loading import load

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"


@pytest.mark.parametrize(("engine", "backend"), [(Engine.DES, Backend.VECTOR),
                                                 (Engine.DES, Backend.COMPILED),
                                                 (Engine.BATCH, Backend.VECTOR),
                                                 (Engine.BATCH, Backend.COMPILED)])
def test_once_a_scenario_without_hubs_has_run_its_code_counts_as_cached(
    engine: Engine, backend: Backend
) -> None:
    scenario = load(MINIMAL, [f"allocation.backend={backend}"])
    run(scenario, engine=engine)
    assert compiling.cached(batch_engine=engine is Engine.BATCH,
                            compiled_backend=backend is Backend.COMPILED, with_hubs=False)
