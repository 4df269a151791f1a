"""The page in a real browser (headless Chromium from Debian's package, driven by
Playwright): a lever moved gives the numbers `masksim run` gives for those settings, the
downloaded TOML reruns to the same bytes, a refused value gets the command line's line beside
its control, the URL reopens the same run, sessions keep to themselves, the server serves no
file of ours, and a sweep folder opens its experiments as runs.

Screenshots go to tests/explore/screenshots/ (ignored by git) for a person to look at.
Without Chromium these tests are skipped with the reason (CI installs it and sets CI=true:
there a missing browser fails them instead).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser
import numpy as np
import pytest
from runs import make_sweep

import sim
from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TAIWAN = ROOT / "scenarios" / "taiwan_2020.toml"
SHOTS = Path(__file__).parent / "screenshots"

why = browser.missing()
if why and os.environ.get("CI"):
    raise RuntimeError(f"browser tests cannot run in CI: {why}")
pytestmark = pytest.mark.skipif(why is not None, reason=why or "")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("explore-out")


@pytest.fixture(scope="module")
def url(out: Path) -> Iterator[str]:
    with browser.server(TAIWAN, out) as (address, _):
        yield address


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = browser.launch(p)
        yield b
        b.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000},
                                   accept_downloads=True)
    yield context.new_page()
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def masksim_run(path: Path, out: Path, *sets: str) -> dict[str, Any]:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", str(path), *[a for s in sets for a in ("--set", s)], "--out",
                     str(out), "-q"]) == 0
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return summary


def value(summary: dict[str, Any], key: str) -> float | None:
    node: Any = summary
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return None if node is None else float(node)


def test_a_lever_gives_the_numbers_of_masksim_run(page: Any, url: str, tmp_path: Path) -> None:
    browser.open_page(page, url)
    assert browser.state(page) == "ok"
    browser.set_lever(page, ".lever-reserve-days", "20")
    browser.choose(page, ".lever-budget-kind", "all_surplus")
    browser.choose(page, ".lever-allocation-rule", "maxmin")
    assert browser.state(page) == "ok"
    shown = browser.numbers(page)
    summary = masksim_run(TAIWAN, tmp_path / "cli", "reserve.days=20.0",
                          "budget.kind=all_surplus", "allocation.rule=maxmin")
    assert shown["donated_total"] == value(summary, "donated_total") != 51_066_000.0
    for key, got in shown.items():
        assert got == value(summary, key), key
    assert "reserve.days=20.0" in page.url and "allocation.rule=maxmin" in page.url
    shot(page, "taiwan-maxmin-all-surplus")

    # The downloaded scenario reruns to the same file and the same numbers.
    with page.expect_download() as info:
        page.locator(".download-toml button").first.click()
    toml = tmp_path / "page.toml"
    info.value.save_as(toml)
    again = masksim_run(toml, tmp_path / "rerun")
    assert (tmp_path / "rerun" / "scenario.toml").read_bytes() == toml.read_bytes()
    assert (tmp_path / "rerun" / "scenario.toml").read_bytes() == (
        tmp_path / "cli" / "scenario.toml").read_bytes()
    assert {k: value(again, k) for k in shown} == shown

    # The URL reopens the same run, in a new session.
    other = page.context.new_page()
    browser.open_page(other, page.url)
    assert browser.numbers(other) == shown


def test_a_refused_value_keeps_the_last_good_run(page: Any, url: str) -> None:
    browser.open_page(page, url)
    browser.set_lever(page, ".lever-reserve-days", "10")
    good = browser.numbers(page)
    runs = browser.run_count(page)
    browser.set_lever(page, ".lever-reserve-days", "-5")
    assert browser.state(page) == "error"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["run", str(TAIWAN), "--set", "reserve.days=-5.0"]) == 2
    line = err.getvalue().strip()
    assert line.endswith("reserve.days: must be >= 0")
    assert page.locator(".error-reserve-days .msg").first.inner_text().strip() == line
    assert browser.numbers(page) == good and browser.run_count(page) == runs
    shot(page, "taiwan-refused-reserve")
    browser.set_lever(page, ".lever-reserve-days", "12")
    assert browser.state(page) == "ok"
    assert page.locator(".error-reserve-days .msg").count() == 0


def test_two_sessions_never_see_each_others_settings(chromium: Any, url: str) -> None:
    a, b = (chromium.new_context().new_page() for _ in range(2))
    try:
        browser.open_page(a, url)
        browser.open_page(b, url)
        baseline = browser.numbers(b)
        browser.choose(a, ".lever-budget-kind", "all_surplus")
        browser.set_lever(b, ".lever-reserve-days", "40")
        assert "budget.kind" not in b.url and "reserve.days" not in a.url
        # Each session shows the run of its own settings, and only of its own.
        for session, sets in ((a, ['budget.kind="all_surplus"']), (b, ["reserve.days=40"])):
            alone = sim.summary(sim.run(sim.load(TAIWAN, sets)))
            assert browser.numbers(session)["donated_total"] == pytest.approx(
                alone["donated_total"], rel=0, abs=1e-6)
        fresh = a.context.new_page()
        browser.open_page(fresh, url)
        assert browser.numbers(fresh) == baseline
    finally:
        a.context.close()
        b.context.close()


def test_the_server_serves_no_file_of_ours(page: Any, url: str, out: Path) -> None:
    for path in ("../../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd",
                 "static/../../../../etc/passwd", "static/%2e%2e/%2e%2e/pyproject.toml",
                 "scenarios/taiwan_2020.toml", "pyproject.toml"):
        try:
            with urllib.request.urlopen(url + path, timeout=10) as reply:
                body = reply.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            assert exc.code in (403, 404), path
            continue
        assert "root:" not in body and "[project]" not in body and "seed = 2020" not in body
    browser.open_page(page, url + "?observations_file=/etc/passwd&regions[0].needs.masks"
                      ".table=/etc/passwd")
    notes = page.locator(".notes li")
    assert notes.count() == 2 and browser.state(page) == "ok"
    assert "not a lever of this scenario" in notes.first.inner_text()
    assert not any(out.rglob("*passwd*"))


def test_the_brief_of_the_current_run_downloads_as_a_pdf(page: Any, url: str, out: Path,
                                                           tmp_path: Path) -> None:
    browser.open_page(page, url + "?reserve.days=7.0")
    with page.expect_download(timeout=120_000) as info:
        page.locator(".download-pdf button").first.click()
    pdf = tmp_path / "brief.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    written = list(out.glob("*.pdf"))
    assert [p.name for p in written] == [info.value.suggested_filename]


def test_a_sweep_folder_filters_and_opens_an_experiment(page: Any, tmp_path: Path) -> None:
    folder = make_sweep(tmp_path / "sweep", replications=2, sensitivity=False)
    with browser.server(folder, tmp_path / "out") as (address, _):
        page.goto(address)
        page.wait_for_selector("[data-count]", timeout=60_000)
        assert page.locator("[data-count]").first.get_attribute("data-count") == "60"
        shot(page, "sweep")
        link = page.locator("a.open-run").first
        experiment = int(link.inner_text().strip("#"))
        run = page.context.new_page()
        browser.open_page(run, address + f"run?experiment={experiment}")
        from sim.sweep.store import read_sweep

        frame, outcomes = read_sweep(folder)
        row = int(np.flatnonzero(frame.index.to_numpy() == experiment)[0])
        assert browser.number(run, "donated_total") == pytest.approx(
            float(outcomes["donated_total"][row]), rel=0, abs=1e-6)
        assert browser.number(run, "unmet_need") == pytest.approx(
            float(outcomes["unmet_need"][row]), rel=0, abs=1e-6)
        browser.set_lever(run, ".lever-reserve-days", "1")
        assert f"experiment={experiment}" in run.url and "reserve.days=1.0" in run.url
        shot(run, "sweep-experiment")
