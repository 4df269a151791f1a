"""`masksim run` starts fast: it imports none of the plotting, table or cluster libraries
that only other commands need (numba it needs: the day is compiled; numba imports scipy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = """
import sys
from sim.cli.main import main
code = main(["run", {scenario!r}, "--out", {out!r}, "-q"])
assert code == 0, code
heavy = [m for m in {modules!r} if m in sys.modules]
assert not heavy, heavy
"""


def _run_without(modules: list[str], repo: Path, tmp_path: Path) -> None:
    code = RUN.format(scenario=str(repo / "scenarios" / "taiwan_2020.toml"),
                      out=str(tmp_path / "out"), modules=modules)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "daily.parquet").exists()


def test_run_imports_no_plotting_or_cluster_library(repo: Path, tmp_path: Path) -> None:
    _run_without(["matplotlib", "dask", "distributed", "pulp"], repo, tmp_path)


# pyarrow imports pandas (~0.17 s) whenever pa.array or pa.table is given plain Python or
# numpy values, so the writer builds its columns from buffers.
def test_run_imports_no_pandas(repo: Path, tmp_path: Path) -> None:
    _run_without(["pandas"], repo, tmp_path)


def test_help_still_lists_every_command() -> None:
    done = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for command in ("run", "validate", "init", "schema", "sweep", "sensitivity", "plot",
                    "brief", "compare", "calibrate"):
        assert command in done.stdout
