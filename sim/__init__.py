"""masksim: a supply-allocation simulator for donations of medical supplies.

The public API. A run is a function of (scenario, seed)::

    >>> import sim
    >>> scenario = sim.load("scenarios/taiwan_2020.toml")
    >>> result = sim.run(scenario)
    >>> round(sim.summary(result)["donated_total"] / 1e6, 2)
    31.05

Many scenarios at once go through the batch engine, one row of metrics each::

    >>> variants = sim.with_overrides(scenario, [{"reserve.days": d} for d in (0, 30)])
    >>> table = sim.run_scenarios(variants).metrics
    >>> (table["donated_total"] / 1e6).round(2).tolist()
    [31.05, 31.05]

Names are loaded when first used, so ``import sim`` is quick and loads neither numba nor
matplotlib.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("masksim")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

# name -> the module that defines it
_EXPORTS = {
    "load": "sim.scenario.loading",
    "validate": "sim.scenario.validation",
    "with_overrides": "sim.scenario.overrides",
    "Scenario": "sim.scenario.scenario",
    "InputError": "sim.scenario.errors",
    "Backend": "sim.scenario.enums",
    "run": "sim.engine.runner",
    "Result": "sim.engine.runner",
    "Engine": "sim.engine.runner",
    "summary": "sim.results.summary",
    "write": "sim.results.writer",
    "load_run": "sim.results.reader",
    "RunData": "sim.results.reader",
    "run_scenarios": "sim.results.batch",
    "run_overrides": "sim.results.batch",
    "BatchOutput": "sim.results.batch",
    "read_sweep": "sim.sweep.store",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from sim.engine.runner import Engine as Engine
    from sim.engine.runner import Result as Result
    from sim.engine.runner import run as run
    from sim.results.batch import BatchOutput as BatchOutput
    from sim.results.batch import run_overrides as run_overrides
    from sim.results.batch import run_scenarios as run_scenarios
    from sim.results.reader import RunData as RunData
    from sim.results.reader import load_run as load_run
    from sim.results.summary import summary as summary
    from sim.results.writer import write as write
    from sim.scenario.enums import Backend as Backend
    from sim.scenario.errors import InputError as InputError
    from sim.scenario.loading import load as load
    from sim.scenario.overrides import with_overrides as with_overrides
    from sim.scenario.scenario import Scenario as Scenario
    from sim.scenario.validation import validate as validate
    from sim.sweep.store import read_sweep as read_sweep
