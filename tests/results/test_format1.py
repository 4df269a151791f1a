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


def _close(a: object, b: object) -> bool:
    """Equal, numbers within 1e-9 (see below)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= 1e-9
    return a == b


@pytest.mark.parametrize("name", ["minimal", "three_donors"])
def test_a_first_format_folder_reads_as_a_fresh_run(name: str) -> None:
    old = load_run(FIXTURES / name)
    assert "format_version" not in (FIXTURES / name / "summary.json").read_text()
    assert old.summary["format_version"] == FORMAT_VERSION
    new = RunData.of(run(load(SCENARIOS / f"{name}.toml"), engine=Engine.DES))
    assert old.goods == new.goods and old.donors == new.donors
    assert old.channels == new.channels
    # three_donors's folder holds -5.5e-12 masks served on one day where a run now serves 0
    # (what a day serves is kept at 0 or more); everything else is the same bytes.
    for key in new.by_channel:
        for column, values in new.by_channel[key].items():
            np.testing.assert_allclose(old.by_channel[key][column], values, rtol=0, atol=1e-9,
                                       err_msg=column)
    for good in new.by_good:
        for column, values in new.by_good[good].items():
            np.testing.assert_array_equal(old.by_good[good][column], values, column)
    for column, values in new.shipments.items():
        np.testing.assert_array_equal(old.shipments[column], values, column)
    for key in ("produced", "donated_total", "unmet_need", "gini_fill_rate", "goods",
                "donors", "pledges"):
        assert _close(old.summary[key], new.summary[key]), key


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
