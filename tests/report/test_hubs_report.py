"""Hubs in the figures and the brief: ``masksim plot`` draws hubs.png and the brief has a page
"Hubs" for a run with hubs (one good or several), and neither for a run without; a route
through a hub is read back whole (leg, wait, onward leg)."""

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
from sim.report import brief, figures, hub_brief, hub_figures, routes, series
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
    """Every text of a figure, a wrapped one on one line."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(Text) if t.get_text()]


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
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "hubs.png" in names
    assert names == sorted(f"{n}.png" for n in figures.run_figures(load_run(folders[name])))


@pytest.mark.parametrize("name", ["plain", "one_plain"])
def test_plot_draws_no_hubs_png_without_hubs(folders: dict[str, Path], name: str,
                                             tmp_path: Path) -> None:
    assert main(["plot", str(folders[name]), "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "hubs.png" not in names and "supply.png" in names


def test_hubs_figure_draws_the_hubs_series(folders: dict[str, Path]) -> None:
    run = load_run(folders["hubs"])
    with figures.house_style():
        fig, axes = figures.run_figures(run)["hubs"](run, None)
        FigureCanvasAgg(fig.get_figure(root=True)).draw()
    left, right = axes
    queue = next(line for line in left.get_lines()
                 if line.get_label() == "queue at the end of the day")
    # In days of the hub's work: it handles 100 a day.
    np.testing.assert_allclose(queue.get_ydata(), run.hubs["addis"]["queue"] / 100)
    bars = [p.get_height() for p in left.patches]
    np.testing.assert_allclose(bars, run.hubs["addis"]["handled"] / 100)
    assert "Days of the hub's work (100 units a day)" in left.get_ylabel().replace("\n", " ")
    wait = right.get_lines()[0].get_ydata()
    np.testing.assert_array_equal(np.asarray(wait)[:3], [0, 1, 2])
    texts = _texts(fig)
    assert "Addis Ababa: 300 units handled" in texts
    assert "Waiting time: 1.0 days on average" in texts


def test_hub_sentence_says_what_was_handled_waited_and_queued(folders: dict[str, Path]
                                                              ) -> None:
    run = load_run(folders["hubs"])
    assert hub_brief.hub_sentence(run, "addis") == (
        "Addis Ababa handled 300 units (at most 100 a day) of the 300 that landed there; what "
        "it handled waited 1.0 days on average (2.0 days on the slowest day). It ended 2 of 10 "
        "days with a queue, the longest 200 units on 2 March 2020.")
    found = routes.rounds(run)
    assert hub_brief.round_rows(run, found) == [
        ("2 March", "300 units", "1", "0 d", "2 d", "1 of 1", "r (3)")]
    assert hub_brief.waited_rows(run, found) == [("r", "2 March", "0 d", "3 d", "5 d")]


def test_a_route_through_a_hub_is_read_back_whole(folders: dict[str, Path]) -> None:
    # 300 masks land at the hub on day 0; it handles 100 a day (days 0, 1, 2) and each part
    # arrives a day's handling and 2 days onward later (days 3, 4, 5).
    run = load_run(folders["hubs"])
    (route,) = routes.routes(run)
    day = np.datetime64("2020-03-02", "D")
    assert route.via == "addis" and route.landed == day
    assert (route.left_first, route.left_last) == (day, day + 2)
    assert (route.arrived_first, route.arrived_last) == (day + 3, day + 5)
    assert route.wait_days == (0, 2) and route.arrived == 300
    (rnd,) = routes.rounds(run)
    assert rnd.cleared == day + 2 and rnd.reached_within(3) == 1 and rnd.reached_within(2) == 0
    assert routes.not_arrived(run, "masks") == (0.0, 0.0)


def _brief(folder: Path, out: Path) -> tuple[RunData, bytes]:
    run = load_run(folder)
    return run, brief.write_brief(run, out).read_bytes()


def test_brief_has_a_hubs_page_for_a_run_with_hubs(folders: dict[str, Path],
                                                   tmp_path: Path) -> None:
    for with_hubs, without in (("hubs", "plain"), ("one", "one_plain")):
        run, pdf = _brief(folders[with_hubs], tmp_path / f"{with_hubs}.pdf")
        plain, _ = _brief(folders[without], tmp_path / f"{without}.pdf")
        names = [p.name for p in brief.figure_parts(run, routes.routes(run))]
        assert "hubs" in names and names.index("hubs") == 1  # right after supply
        assert "hubs" not in [p.name for p in brief.figure_parts(plain, routes.routes(plain))]
        assert pdf.startswith(b"%PDF-")
    run = load_run(folders["hubs"])
    makers = brief.pages(run)
    with figures.house_style():
        page = makers[2]()
        title = _texts(makers[0]())
    texts = _texts(page)
    assert "Hubs: the queue, round by round" in texts and hub_figures.TITLE in texts
    assert hub_brief.hub_sentence(run, "addis") in " ".join(texts).replace("\n", " ")
    assert any("3 hubs" in t.replace("\n", " ") for t in title)  # the contents


def test_donations_show_when_regions_received_not_the_hub_landing(
        folders: dict[str, Path]) -> None:
    # shipments.csv's arrival of a shipment via a hub is its landing there (day 0); the
    # region received the masks on days 3, 4 and 5 (regions.parquet)
    run = load_run(folders["hubs"])
    delivered = series.delivered_by_day(run, "a", "masks")
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
