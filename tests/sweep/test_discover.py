"""``sim.sweep.discover`` and ``masksim discover``: PRIM finds the box the cases were put in,
bookkeeping never enters a box, undefined outcomes are no case, one-line errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.scenario.errors import InputError
from sim.sweep.discover import Condition, discover


def planted(n: int = 2000, seed: int = 7) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Cases where a > 0.7 and rule is 'maxmin', plus a little noise; ``experiment`` and
    ``seed`` follow the cases exactly, so a box that used bookkeeping would be perfect."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n),
                      "rule": rng.choice(["proportional", "maxmin", "priority"], n)})
    hit = (x["a"] > 0.7) & (x["rule"] == "maxmin")
    noise = rng.random(n) < 0.02
    y = np.where(hit ^ noise, 5.0, 0.0)
    y[:10] = np.nan  # undefined runs
    x["seed"] = np.where(hit, 1, 0)
    x["scenario"] = np.arange(n)
    x.index = pd.Index(np.where(hit, 1, 0), name="experiment")
    return x, {"shortfall": y}


def test_prim_finds_the_planted_box_from_inputs_only() -> None:
    x, y = planted()
    found = discover(x, y, "shortfall > 0")
    assert found.inputs == ["a", "b", "rule"]
    assert found.undefined == 10
    assert found.cases == int(np.sum(y["shortfall"] > 0))
    box = found.boxes[0]
    limits = {lim.input: lim for lim in box.limits}
    assert set(limits) <= {"a", "b", "rule"}
    assert limits["a"].low == pytest.approx(0.7, abs=0.03)
    assert limits["rule"].values == ("maxmin",)
    assert box.stats.density > 0.8 and box.stats.coverage >= 0.5
    assert limits["a"].qp < 1e-6
    # The trajectory goes from everything to the box.
    assert box.trajectory[0].mass == pytest.approx(1.0 - 10 / 2000, abs=0.01) or (
        box.trajectory[0].mass == 1.0)
    assert box.trajectory[0].coverage == 1.0


def test_conditions_read_as_written_and_name_what_is_wrong() -> None:
    kits = Condition.parse("domestic_shortfall[kits] > 0", ["domestic_shortfall[kits]"])
    assert (kits.outcome, kits.op, kits.value) == ("domestic_shortfall[kits]", ">", 0.0)
    c = Condition.parse("donated_total < 40e6", ["donated_total"])
    assert (c.outcome, c.op, c.value) == ("donated_total", "<", 40e6)
    assert c.holds(np.array([1e6, 5e7, np.nan])).tolist() == [True, False, False]
    with pytest.raises(InputError, match="no outcome 'gift'"):
        Condition.parse("gift > 0", ["donated_total"])
    with pytest.raises(InputError, match="expected OUTCOME OP NUMBER"):
        Condition.parse("donated_total is big", ["donated_total"])
    x, y = planted(200)
    with pytest.raises(InputError, match="bookkeeping"):
        discover(x, y, "shortfall > 0", inputs=["seed"])


def test_discover_on_a_sweep_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    minimal = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"
    f = tmp_path / "s.toml"
    f.write_text(f"""
name = "d"
base = "{minimal}"
seed = 2
chunk_size = 500
outcomes = ["domestic_shortfall", "donated_total", "min_fill_rate"]
[design]
kind = "latin_hypercube"
samples = 400
[[parameters]]
path = "reserve.days"
uniform = [0, 20]
[[parameters]]
path = "domestic.uptake"
uniform = [0.2, 1.0]
[[parameters]]
path = "allocation.rule"
values = ["proportional", "maxmin"]
""")
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 0
    capsys.readouterr()
    assert main(["discover", str(out), "--where", "donated_total < 34e6"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    folder = Path(printed[-1])
    assert folder == out / "discover-donated_total-lt-3.4e07"
    assert printed[0].startswith("donated_total < 3.4e+07: ")
    for name in ("boxes.csv", "trajectory.csv", "discover.json", "trajectory.png"):
        assert (folder / name).is_file()
    with open(folder / "boxes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["input"] for r in rows} <= {"reserve.days", "domestic.uptake",
                                                   "allocation.rule"}
    summary = json.loads((folder / "discover.json").read_text())
    assert summary["cases"] > 0 and summary["boxes"][0]["coverage"] > 0
    # Again, with other settings: the earlier discover folder is replaced.
    assert main(["discover", str(out), "--where", "donated_total < 34e6", "--boxes",
                 "1"]) == 0
    capsys.readouterr()
    again = json.loads((folder / "discover.json").read_text())
    assert again["settings"]["boxes"] == 1 and len(again["boxes"]) <= 1
    assert main(["discover", str(out), "--where", "gift < 1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("--where: gift < 1: no outcome") and "\n" not in err
    assert main(["discover", str(out), "--where", "donated_total < 1",
                 "--min-coverage", "2"]) == 2
