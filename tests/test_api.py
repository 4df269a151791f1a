"""The public API: ``sim`` exports what a user calls, each name loads, and the examples in the
docstrings of the main entry points run (doctest) from the repository's root."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ["Backend", "BatchOutput", "Engine", "InputError", "Result", "RunData", "Scenario",
          "__version__", "load", "load_run", "read_sweep", "run", "run_overrides",
          "run_scenarios", "summary", "validate", "with_overrides", "write"]


def test_all_is_the_public_api() -> None:
    assert sorted(sim.__all__) == sorted(PUBLIC)
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_the_version_is_the_installed_package_s() -> None:
    from importlib.metadata import version

    assert sim.__version__ == version("masksim")


def test_import_sim_loads_neither_numba_nor_matplotlib() -> None:
    code = ("import sys, sim; sim.load; print(any(m.split('.')[0] in ('numba', 'matplotlib') "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", ["sim", "sim.scenario.loading", "sim.scenario.overrides",
                                    "sim.engine.runner", "sim.results.reader"])
def test_docstring_examples_run(module: str, monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    found = doctest.DocTestFinder().find(importlib.import_module(module))
    examples = [t for t in found if t.examples]
    assert examples, f"{module} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in examples:
        runner.run(test)
    assert runner.failures == 0
