"""Hubs in the figures and the brief: ``masksim plot`` draws hubs.png and the brief has a page
"Hubs" for a run with hubs (one good or several), and neither for a run without."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hub_scenario import HUB_SCENARIO, without_hubs
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import FigureBase
from matplotlib.text import Text

from sim.cli.main import main
from sim.report import brief, figures, goods_brief, goods_figures, hub_brief, hub_figures
from sim.results.reader import RunData, load_run
from sim.scenario.loading import validate
from sim.scenario.writing import dump_toml

# tests/results/test_hubs_results.py's scenario: 300 masks land at the hub on day 0, it
# handles 100 a day. Two goods (masks and kits), one donor: the brief of several goods.
BASE = HUB_SCENARIO
# One good, one donor: the single-donor brief, with the hub's page.
ONE_GOOD: dict[str, Any] = copy.deepcopy(BASE)
ONE_GOOD["goods"] = ONE_GOOD["goods"][:1]
ONE_GOOD["regions"][0].pop("needs")


def run_cli(data: dict[str, Any], folder: Path) -> Path:
    file = folder.with_suffix(".toml")
    file.write_text(dump_toml(validate(copy.deepcopy(data))), encoding="utf-8")
    assert main(["run", str(file), "--out", str(folder), "-q"]) == 0
    return folder


def _texts(fig: FigureBase) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("hubs_report")
    return {"hubs": run_cli(BASE, tmp / "hubs"), "plain": run_cli(without_hubs(BASE),
                                                                   tmp / "plain"),
            "one": run_cli(ONE_GOOD, tmp / "one"),
            "one_plain": run_cli(without_hubs(ONE_GOOD), tmp / "one_plain")}


@pytest.mark.parametrize("name", ["hubs", "one"])
def test_plot_draws_hubs_png_for_a_run_with_hubs(folders: dict[str, Path], name: str,
                                                 tmp_path: Path) -> None:
    assert main(["plot", str(folders[name]), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{n}.png" for n in figures.RUN_FIGURES] + ["hubs.png"])


@pytest.mark.parametrize("name", ["plain", "one_plain"])
def test_plot_draws_no_hubs_png_without_hubs(folders: dict[str, Path], name: str,
                                             tmp_path: Path) -> None:
    assert main(["plot", str(folders[name]), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{n}.png" for n in figures.RUN_FIGURES)


def test_hubs_figure_draws_the_hubs_series(folders: dict[str, Path]) -> None:
    run = load_run(folders["hubs"])
    with figures.house_style():
        fig, axes = figures.run_figures(run)["hubs"](run, None)
        FigureCanvasAgg(fig.get_figure(root=True)).draw()
    left, right = axes
    queue = next(line for line in left.get_lines()
                 if line.get_label() == "queue at the end of the day")
    np.testing.assert_array_equal(queue.get_ydata(), run.hubs["addis"]["queue"])
    bars = [p.get_height() for p in left.patches]
    np.testing.assert_array_equal(bars, run.hubs["addis"]["handled"])
    wait = right.get_lines()[0].get_ydata()
    np.testing.assert_array_equal(np.asarray(wait)[:3], [0, 1, 2])
    texts = _texts(fig)
    assert "Addis Ababa: 300 units handled" in texts
    assert "Waiting time: 1.0 days on average" in texts


def test_hub_sentence_says_what_was_handled_waited_and_queued(folders: dict[str, Path]
                                                              ) -> None:
    run = load_run(folders["hubs"])
    assert hub_brief.hub_sentence(run, "addis") == (
        "Addis Ababa handled 300 units of the 300 that landed there; what it handled waited "
        "1.0 days on average (2.0 days on the slowest day). It ended 2 of 10 days with a "
        "queue, the longest 200 units on 2 March 2020.")
    assert hub_brief.hub_rows(run) == [("Addis Ababa", "units", "100", "300", "1.0", "200",
                                        "2020-03-02", "2 of 10")]


def _brief(folder: Path, out: Path) -> tuple[RunData, bytes]:
    run = load_run(folder)
    return run, brief.write_brief(run, out).read_bytes()


def test_brief_has_a_hubs_page_for_a_run_with_hubs(folders: dict[str, Path],
                                                   tmp_path: Path) -> None:
    for with_hubs, without in (("hubs", "plain"), ("one", "one_plain")):
        run, pdf = _brief(folders[with_hubs], tmp_path / f"{with_hubs}.pdf")
        _, plain = _brief(folders[without], tmp_path / f"{without}.pdf")
        assert _pages(pdf) == _pages(plain) + 1, with_hubs
    run = load_run(folders["hubs"])
    makers = goods_brief.pages(run)
    at = 1 + len(figures.RUN_FIGURES)  # right after the figures
    with figures.house_style():
        page = makers[at]()
        title = _texts(makers[0]())
    texts = _texts(page)
    assert "Hubs" in texts and hub_figures.TITLE in texts
    assert hub_brief.hub_sentence(run, "addis") in " ".join(texts).replace("\n", " ")
    assert any("7 hubs, 8 masks, 9 kits, 10 donors" in t.replace("\n", " ") for t in title)


def test_single_good_brief_lists_the_hubs_page(folders: dict[str, Path]) -> None:
    run = load_run(folders["one"])
    assert not run.several
    with figures.house_style():
        contents = " ".join(" ".join(_texts(brief.title_page(run))).split())
    assert "6 shipments, 7 hubs, 8 assumptions, 9 outcomes" in contents


def test_donations_show_when_regions_received_not_the_hub_landing(
        folders: dict[str, Path]) -> None:
    # shipments.csv's arrival of a shipment via a hub is its landing there (day 0); the
    # region received the masks on days 3, 4 and 5 (regions.parquet)
    run = load_run(folders["hubs"])
    delivered = goods_figures.delivered_by_day(run, "a", "masks")
    np.testing.assert_array_equal(delivered, run.regions_of("masks")["arrived"].sum(axis=1))
    np.testing.assert_array_equal(np.flatnonzero(delivered), [3, 4, 5])


def test_brief_of_a_region_that_needs_nothing(tmp_path: Path) -> None:
    # Africa CDC in jack_ma_africa_2020 passes gifts on and needs nothing: no `need`
    for k, base in enumerate((BASE, ONE_GOOD)):  # the brief of several goods, and of one
        data = copy.deepcopy(base)
        data["regions"].append({"id": "cdc", "lead_time": {"kind": "fixed", "days": 1}})
        data["hubs"][0]["lead_times"]["cdc"] = 0  # at the hub, as in jack_ma_africa_2020
        run = load_run(run_cli(data, tmp_path / f"run{k}"))
        out = brief.write_brief(run, tmp_path / f"brief{k}.pdf")
        assert out.read_bytes().startswith(b"%PDF-")
