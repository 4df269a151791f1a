"""Run and sweep folders for the report and CLI tests, made through the command line."""

from __future__ import annotations

import atexit
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from sim.cli.main import main

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def make_run(folder: Path, *overrides: str) -> Path:
    sets = [a for o in overrides for a in ("--set", o)]
    assert main(["run", str(SCENARIOS / "taiwan_2020.toml"), *sets, "--out", str(folder),
                 "-q"]) == 0
    return folder


SWEEP = """# The figure tests' sweep: a grid over the reserve and the outage rate, two rules.
name = "figures"
base = "{base}"
seed = 99
replications = {replications}
chunk_size = {chunk}

[design]
kind = "full_factorial"

[[parameters]]
path = "reserve.days"
values = [0.0, 3.0, 7.0, 14.0, 30.0]

[[parameters]]
path = "donor.outages.daily_probability"
values = [0.0, 0.02, 0.05]

[[parameters]]
path = "allocation.rule"
values = ["proportional", "maxmin"]
"""

_made: dict[tuple[int, bool], Path] = {}  # one real sweep per kind a test session asks for


def make_sweep(folder: Path, replications: int = 5, sensitivity: bool = True) -> Path:
    """A sweep folder as ``masksim sweep`` writes it (and ``masksim sensitivity`` when
    asked): the Taiwan scenario, giving all its surplus, over a 5 x 3 x 2 grid of reserve
    days, outage rate and rule, ``replications`` seeds each, in two part files. Swept once
    per session and copied."""
    key = (replications, sensitivity)
    if key not in _made:
        root = Path(tempfile.mkdtemp(prefix="masksim-sweep-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        # Taiwan giving all of its surplus, so that the reserve and outages move the gift
        # (2020's pledges alone are the same in every experiment).
        base = (SCENARIOS / "taiwan_2020.toml").read_text()
        assert base.count('kind = "pledges_only"') == 1
        (root / "taiwan.toml").write_text(base.replace('kind = "pledges_only"',
                                                       'kind = "all_surplus"'))
        spec = root / "figures.toml"
        spec.write_text(SWEEP.format(base=root / "taiwan.toml",
                                     replications=replications, chunk=15 * replications))
        out = root / "sweep"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["sweep", str(spec), "--out", str(out), "--workers", "0", "-q"]) == 0
            if sensitivity:
                assert main(["sensitivity", str(out)]) == 0
        _made[key] = out
    shutil.copytree(_made[key], folder)
    return folder
