"""Run folders of the first format (before goods and donors were the one form) read as today's:
the committed folders were written by masksim 0.1.0 (``minimal`` in the single-donor form,
``three_donors`` with goods and donors); each reads back with the numbers a fresh run of its
scenario gives, and draws its figures and brief."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.engine.runner import Engine, run
from sim.report import brief, figures
from sim.results.reader import RunData, load_run
from sim.results.summary import FORMAT_VERSION
from sim.scenario.loading import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "format1"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("name", ["minimal", "three_donors"])
def test_a_first_format_folder_reads_as_a_fresh_run(name: str) -> None:
    old = load_run(FIXTURES / name)
    assert "format_version" not in (FIXTURES / name / "summary.json").read_text()
    assert old.summary["format_version"] == FORMAT_VERSION
    new = RunData.of(run(load(SCENARIOS / f"{name}.toml"), engine=Engine.DES))
    assert old.goods == new.goods and old.donors == new.donors
    assert old.channels == new.channels
    for key in new.by_channel:
        for column, values in new.by_channel[key].items():
            np.testing.assert_array_equal(old.by_channel[key][column], values, column)
    for good in new.by_good:
        for column, values in new.by_good[good].items():
            np.testing.assert_array_equal(old.by_good[good][column], values, column)
    for column, values in new.shipments.items():
        np.testing.assert_array_equal(old.shipments[column], values, column)
    for key in ("produced", "donated_total", "unmet_need", "gini_fill_rate", "goods",
                "donors", "pledges"):
        assert old.summary[key] == new.summary[key], key


def test_a_first_format_folder_draws_its_figures_and_brief(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "minimal", tmp_path / "minimal")
    data = load_run(folder)
    with figures.house_style():
        for make in figures.run_figures(data).values():
            make(data, None)
    out = brief.write_brief(data, tmp_path / "brief.pdf")
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_run_in_memory_is_the_run_read_back(tmp_path: Path) -> None:
    from sim.results import writer

    result = run(load(SCENARIOS / "three_donors.toml"))
    folder = writer.write(result, tmp_path / "out")
    back, here = load_run(folder), RunData.of(result)
    assert back.summary == here.summary and back.scenario == here.scenario
    assert back.channels == here.channels and list(back.by_good) == list(here.by_good)
    np.testing.assert_array_equal(back.dates, here.dates)
    for key in here.by_channel:
        for column, values in here.by_channel[key].items():
            np.testing.assert_array_equal(back.by_channel[key][column], values, column)
