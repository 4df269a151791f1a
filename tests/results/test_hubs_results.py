"""Hubs in the results: hubs.parquet (one row per hub and day, the engine's series),
summary.json "hubs" (by value, worked by hand), shipments.csv's ``via``, the reader, the
printout, the warning for a hub nobody uses; runs without hubs write none of it.

The hand-worked scenario (tests/engine/test_hubs.py BASE): 300 masks land at the hub on day 0
(2 Mar 2020, no transit to it); it handles 100 a day, so 100/100/100 on days 0-2, with 200
and 100 left at the end of days 0 and 1 (the longest queue: 200 on 2 Mar; two days end with a
queue); they had waited 0, 1 and 2 days: 1 day on average, weighted by what was handled.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from hub_scenario import HUB_SCENARIO, START, without_hubs

from sim.cli.main import main
from sim.cli.printout import format_summary
from sim.engine.runner import run
from sim.results.reader import load_run
from sim.scenario.loading import validate
from sim.scenario.writing import dump_toml

BASE = HUB_SCENARIO


def unused_hub(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["donors"][0]["via"] = {}
    return out


def write_scenario(data: dict[str, Any], path: Path) -> Path:
    path.write_text(dump_toml(validate(copy.deepcopy(data))), encoding="utf-8")
    return path


def run_cli(data: dict[str, Any], folder: Path, *extra: str) -> Path:
    file = write_scenario(data, folder.with_suffix(".toml"))
    assert main(["run", str(file), "--out", str(folder), "-q", *extra]) == 0
    return folder


@pytest.fixture(scope="module")
def hub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_cli(BASE, tmp_path_factory.mktemp("hubs") / "run")


def test_hubs_parquet_is_the_engines_series(hub_dir: Path) -> None:
    series = run(validate(copy.deepcopy(BASE))).run.series
    assert series is not None
    table = pq.read_table(hub_dir / "hubs.parquet")
    assert table.column_names == ["date", "hub", "arrived", "handled", "queue", "wait_days"]
    assert table.num_rows == 10  # one hub x ten days
    assert table.column("hub").to_pylist() == ["addis"] * 10
    assert table.column("date").to_pylist() == [START + dt.timedelta(days=t) for t in range(10)]
    for name in ("arrived", "handled", "queue", "wait_days"):
        np.testing.assert_array_equal(table.column(name).to_numpy(),
                                      series.hub[name][0].reshape(-1), err_msg=name)
    # and by hand
    np.testing.assert_array_equal(table.column("handled").to_numpy()[:4], [100, 100, 100, 0])
    np.testing.assert_array_equal(table.column("queue").to_numpy()[:4], [200, 100, 0, 0])
    np.testing.assert_array_equal(table.column("arrived").to_numpy()[:2], [300, 0])
    wait = table.column("wait_days").to_numpy()
    np.testing.assert_array_equal(wait[:3], [0, 1, 2])
    assert np.isnan(wait[3:]).all()  # nothing handled: no wait


def test_summary_hub_by_value(hub_dir: Path) -> None:
    s = json.loads((hub_dir / "summary.json").read_text())
    assert s["hubs"] == {"addis": {
        "name": "Addis Ababa", "throughput_unit": "units", "handled": 300.0,
        "mean_wait_days": 1.0, "max_queue": 200.0, "max_queue_date": "2020-03-02",
        "days_with_queue": 2}}


def test_summary_of_a_kg_hub_counts_in_kg(tmp_path: Path) -> None:
    # Donor b's 300 kits (2 kg each) land a day after a's 300 masks (0.5 kg): 150 + 600 kg,
    # 100 kg a day: 7 full days and 50 kg on the 8th (tests/engine/test_hubs.py).
    data = copy.deepcopy(BASE)
    data["hubs"][0].update(throughput_unit="kg")
    data["donors"].append({**data["donors"][0], "id": "b", "lead_times": {
        "addis": {"kind": "fixed", "days": 1}},
        "supplies": [{"good": "kits", "initial_stock": 300}]})
    folder = run_cli(data, tmp_path / "kg")
    hub = json.loads((folder / "summary.json").read_text())["hubs"]["addis"]
    assert hub["throughput_unit"] == "kg"
    assert hub["handled"] == pytest.approx(750.0)
    assert hub["max_queue"] == pytest.approx(150 - 100 + 600 - 100)  # end of day 1, kg
    assert hub["max_queue_date"] == "2020-03-03"
    assert hub["days_with_queue"] == 7
    handled = pq.read_table(folder / "hubs.parquet").column("handled").to_numpy()
    assert handled.sum() == pytest.approx(hub["handled"])


def test_shipments_say_via_which_hub(hub_dir: Path) -> None:
    rows = list(csv.DictReader((hub_dir / "shipments.csv").open()))
    assert [(r["ship_date"], r["region"], r["amount"], r["via"], r["lead_days"],
             r["arrival_date"]) for r in rows] == [
        ("2020-03-02", "r", "300.000", "addis", "0", "2020-03-02")]  # landing at the hub
    # what the region received, and when: handled on days 0-2, 1 + 2 days on
    regions = pq.read_table(hub_dir / "regions.parquet").to_pylist()
    arrived = [(x["date"], x["arrived"]) for x in regions if x["good"] == "masks"
               and x["arrived"] > 0]
    assert arrived == [(START + dt.timedelta(days=t), 100.0) for t in (3, 4, 5)]


def test_reader_reads_hubs(hub_dir: Path, tmp_path: Path) -> None:
    data = load_run(hub_dir)
    assert list(data.hubs) == ["addis"]
    np.testing.assert_array_equal(data.hubs["addis"]["queue"][:3], [200, 100, 0])
    assert data.hub_name("addis") == "Addis Ababa" and data.hub_unit("addis") == "units"
    assert list(data.shipments["via"]) == ["addis"]
    plain = load_run(run_cli(without_hubs(BASE), tmp_path / "plain"))
    assert plain.hubs == {} and list(plain.shipments["via"]) == [""]


def test_runs_without_hubs_write_no_hub_files_or_keys(tmp_path: Path) -> None:
    folder = run_cli(without_hubs(BASE), tmp_path / "plain")
    assert sorted(p.name for p in folder.iterdir()) == [
        "daily.parquet", "regions.parquet", "scenario.toml", "shipments.csv", "summary.json"]
    assert "hubs" not in json.loads((folder / "summary.json").read_text())
    header = (folder / "shipments.csv").read_text().partition("\n")[0]
    assert header == ("ship_date,donor,good,region,amount,pledged,policy,"
                      "lead_days,arrival_date,arrived_in_horizon")


def test_a_run_without_hubs_over_a_hub_run_leaves_no_hubs_parquet(tmp_path: Path) -> None:
    folder = run_cli(BASE, tmp_path / "out")
    assert (folder / "hubs.parquet").is_file()
    run_cli(without_hubs(BASE), folder)  # the same folder: an earlier run's, replaced
    assert not (folder / "hubs.parquet").exists()
    assert load_run(folder).hubs == {}


def test_printout_has_a_line_per_hub(hub_dir: Path) -> None:
    text = format_summary(json.loads((hub_dir / "summary.json").read_text()), 0.1)
    lines = text.splitlines()
    at = lines.index("  hubs (handled; mean wait; longest queue)")
    assert " ".join(lines[at + 1].split()) == (
        "addis 300 units; waited 1.0 days on average; longest queue 200 units on "
        "2020-03-02 (2 days with a queue)")


def test_a_hub_nobody_uses_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    file = write_scenario(unused_hub(BASE), tmp_path / "unused.toml")
    line = f"masksim: warning: {file}: hubs[0]: no donor routes a region through hub 'addis'"
    assert main(["validate", str(file)]) == 0
    out = capsys.readouterr()
    assert out.err.splitlines() == [line] and "ok" in out.out
    assert main(["run", str(file), "--out", str(tmp_path / "out"), "-q"]) == 0
    out = capsys.readouterr()
    assert out.err.splitlines() == [line]
    hub = json.loads((tmp_path / "out" / "summary.json").read_text())["hubs"]["addis"]
    assert hub["handled"] == 0 and hub["mean_wait_days"] is None
    assert hub["max_queue_date"] is None and hub["days_with_queue"] == 0
    # a scenario whose hubs are all used warns of nothing
    assert main(["validate", str(write_scenario(BASE, tmp_path / "used.toml"))]) == 0
    assert capsys.readouterr().err == ""


def test_engines_write_the_same_hub_files(tmp_path: Path) -> None:
    a = run_cli(BASE, tmp_path / "des")
    b = run_cli(BASE, tmp_path / "batch", "--engine", "batch")
    assert (a / "hubs.parquet").read_bytes() == (b / "hubs.parquet").read_bytes()
    assert (a / "shipments.csv").read_bytes() == (b / "shipments.csv").read_bytes()


RUN = """
import sys
from sim.cli.main import main
assert main(["run", {file!r}, "--out", {out!r}, "-q"]) == 0
assert "pandas" not in sys.modules
"""


def test_hub_files_are_written_without_pandas(tmp_path: Path) -> None:
    # pyarrow imports pandas when pa.array is given Python or numpy values (see the writer)
    file = write_scenario(BASE, tmp_path / "hub.toml")
    done = subprocess.run([sys.executable, "-c", RUN.format(file=str(file),
                                                            out=str(tmp_path / "out"))],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "hubs.parquet").is_file()
