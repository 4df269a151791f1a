"""What the page shows, without a browser: the key numbers are the run's summary, the runs
are shared between sessions only through an immutable cache, a sweep's experiment is its
row, and the command starts, warns and refuses as the command line does."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runs import make_sweep

import sim
from sim.cli.main import main
from sim.explore import levers as lv
from sim.explore import server
from sim.explore.page import Explorer, ScenarioApp
from sim.explore.sweep_page import SweepApp, SweepPage
from sim.explore.view import RunCache, build, numbers, record, regions, supply
from sim.sweep.store import read_sweep

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TAIWAN = SCENARIOS / "taiwan_2020.toml"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> ScenarioApp:
    return ScenarioApp(sim.load(TAIWAN), lv.Source(TAIWAN), tmp_path_factory.mktemp("out"))


def test_the_key_numbers_are_the_runs_summary(app: ScenarioApp) -> None:
    settings = {"reserve.days": 20.0, "budget.kind": "all_surplus"}
    view = app.view(settings)
    summary = sim.summary(sim.run(sim.load(TAIWAN, lv.cli_sets(app.base, settings))))
    shown = {n.key: n for n in numbers(app.baseline, view)}
    assert shown["donated_total"].value == summary["donated_total"]
    assert shown["pledges.late"].value == summary["pledges"]["late"]
    assert shown["donated_total"].baseline == app.baseline.data.summary["donated_total"]
    assert shown["produced"].change == "same"
    assert shown["donated_total"].change.startswith("+")


def test_the_cache_returns_the_same_run_for_the_same_settings(app: ScenarioApp) -> None:
    a = app.view({"reserve.days": 5.0})
    assert app.view({"reserve.days": 5.0}) is a
    assert app.view({"reserve.days": 6.0}) is not a
    cache = RunCache(size=2)
    made = [cache.get(str(k), lambda: app.base) for k in range(3)]
    assert cache.get("2", lambda: pytest.fail("cached")) is made[2]
    assert cache.get("0", lambda: app.base) is not made[0]  # the oldest was dropped


def test_the_chart_series_add_up_to_the_summary(app: ScenarioApp) -> None:
    data = app.baseline.data
    s = supply(data, "masks")
    assert s["donated"][-1] == pytest.approx(data.summary["donated_total"])
    assert s["delivered"][-1] == pytest.approx(data.summary["delivered_total"])
    r = regions(data, "masks")
    assert r["delivered"].sum() == pytest.approx(data.summary["delivered_total"])
    assert np.nanmax(r["need_met"]) <= 1.0
    lines = {o["line"] for o in record(data, "masks")}
    assert {"production", "stock", "donated", "region_delivered"} <= lines


def test_the_toml_of_a_view_is_what_masksim_run_writes(app: ScenarioApp, tmp_path: Path
                                                       ) -> None:
    view = app.view({"lead_time_scale": 1.5, "seed": 11})
    path = tmp_path / "page.toml"
    path.write_text(view.toml)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", str(path), "--out", str(tmp_path / "run"), "-q"]) == 0
    assert (tmp_path / "run" / "scenario.toml").read_text() == view.toml


def test_a_hub_scenario_builds_a_view() -> None:
    view = build(sim.load(SCENARIOS / "jack_ma_africa_2020.toml"))
    assert view.data.hubs and view.findings
    assert any("Addis" in f.sentence for f in view.findings)


def test_a_sweep_experiment_is_its_row(tmp_path: Path) -> None:
    folder = make_sweep(tmp_path / "sweep", replications=2, sensitivity=False)
    sweep = SweepApp(folder, tmp_path / "out")
    frame, outcomes = read_sweep(folder)
    for i in (0, 7, 29):
        scenario, sets = sweep.experiment(i)
        summary = sim.summary(sim.run(scenario))
        row = int(np.flatnonzero(frame.index.to_numpy() == i)[0])
        for key in ("donated_total", "unmet_need", "final_stock"):
            assert summary[key] == pytest.approx(float(outcomes[key][row]), rel=0, abs=1e-6)
        # The --set items shown on the page make the same scenario from the folder's file.
        again = sim.load(folder / "scenario.toml", list(sets))
        assert sim.summary(sim.run(again))["donated_total"] == summary["donated_total"]
    with pytest.raises(sim.InputError, match="no experiment 999"):
        sweep.experiment(999)
    # The page's filters keep what they say: a rule, then a range of reserves.
    page = SweepPage(sweep)
    assert page.selected().sum() == 60
    page.filters["allocation.rule"].value = ["maxmin"]
    assert page.selected().sum() == 30
    page.filters["reserve.days"].value = (0.0, 3.0)  # 2 reserves x 3 outage rates x 2 seeds
    assert page.selected().sum() == 12 and "data-count='12'" in page.count.object
    assert page.table.object.count("open-run") == 12


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_the_command_prints_the_url_last_and_warns_for_another_host(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_serve(routes: dict[str, Any], host: str, port: int, ready: Any) -> None:
        seen.update(routes=routes, host=host, port=port)
        ready(f"http://{host}:{port}/")

    monkeypatch.setattr(server, "serve", fake_serve)
    code, out, err = run_cli(["explore", str(TAIWAN), "--port", "5999"])
    assert code == 0 and err == ""
    assert out.splitlines()[-1] == "http://127.0.0.1:5999/" and seen["host"] == "127.0.0.1"
    code, out, err = run_cli(["explore", str(TAIWAN), "--host", "0.0.0.0", "--port", "5998"])
    assert code == 0 and "warning: serving on 0.0.0.0" in err
    assert out.splitlines()[-1] == "http://0.0.0.0:5998/"


def test_the_command_refuses_what_is_neither_scenario_nor_sweep(tmp_path: Path) -> None:
    code, _, err = run_cli(["explore", str(tmp_path / "nothing.toml")])
    assert code == 2 and err.strip().endswith("no such scenario file or sweep folder")
    bad = tmp_path / "bad.toml"
    bad.write_text(TAIWAN.read_text().replace("days = 3 ", "days = -3 "))
    code, _, err = run_cli(["explore", str(bad)])
    assert code == 2 and err.strip() == f"{bad}: reserve.days: must be >= 0"
    code, _, err = run_cli(["explore", str(tmp_path)])
    assert code == 2 and "not a sweep folder" in err


def test_a_session_refuses_a_url_value_beside_its_lever(app: ScenarioApp) -> None:
    page = Explorer(app, {"reserve.days": ["-5"], "allocation.rule": ["maxmin"]})
    assert "reserve.days: must be &gt;= 0" in page.errors["reserve.days"].object
    assert page.current is app.baseline and "data-state='error'" in page.status.object


def test_a_session_shows_the_budget_share_only_for_its_kind(app: ScenarioApp) -> None:
    page = Explorer(app, {})
    assert not page.widgets["budget.share"].visible
    page._changed("budget.kind", "share_of_surplus")
    assert page.widgets["budget.share"].visible
    assert page.widgets["budget.share"].value == lv.DEFAULT_SHARE
    assert page.current.scenario.donors[0].budget.share == lv.DEFAULT_SHARE
    page._changed("budget.share", 0.3)
    assert page.current.scenario.donors[0].budget.share == 0.3
    page._reset()
    assert page.settings == {} and page.current is app.baseline
    assert not page.widgets["budget.share"].visible


def test_a_sessions_pledge_slots_edit_the_chosen_pledge(app: ScenarioApp) -> None:
    page = Explorer(app, {})
    page.pledge.value = 2
    size, _ = lv.pledge_levers(app.base, 2)
    page._changed("pledge-size", 1_234_567.0)
    assert page.settings == {size.key: 1_234_567.0}
    page._changed("pledge-date", "not a date")
    assert "expected a date" in page.errors["pledge-date"].object


@pytest.mark.parametrize("name", ["minimal", "korea_test_kits_2020", "donors_2020",
                                  "three_donors"])
def test_every_shipped_scenario_opens_and_moves(name: str, tmp_path: Path) -> None:
    path = SCENARIOS / f"{name}.toml"
    shipped = ScenarioApp(sim.load(path), lv.Source(path), tmp_path)
    page = Explorer(shipped, {})
    assert page.charts.panels() and "data-state='ok'" in page.status.object
    first = lv.levers(shipped.base)[0]
    page._changed(first.key, (first.base or 0) + 1)
    assert page.settings == {first.key: (first.base or 0) + 1}
    assert page.current is not shipped.baseline
    if len(shipped.base.donors) > 1:
        page._changed("coordination", "pooled")
        assert page.current.scenario.coordination.value == "pooled"
    if len(shipped.base.goods) > 1:
        assert page.goods is not None
        page._show_good(shipped.base.goods[-1].id)
        assert page.charts.good == shipped.base.goods[-1].id
