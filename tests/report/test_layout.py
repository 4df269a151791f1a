"""What a reader sees, checked on every page and figure: every brief page and every run
figure of every shipped scenario and of a generated one with 60 regions, 8 goods, 3 donors
and 2 hubs, and every sweep figure (of a grid sweep and of both shipped sweep files, the
replay figure included), rendered; none may have text off the page or cut by its
axes, text over text, a legend over plotted data or an empty panel, and no page of a brief
but the last may be less than half used (tests/layout.py says how each is found)."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from big_scenario import big_scenario
from layout import problems
from matplotlib.figure import Figure
from matplotlib.text import Text
from runs import SCENARIOS, make_sweep

from sim.cli.main import main
from sim.engine.runner import run
from sim.report import brief, figures, sweep_data, sweep_figures
from sim.report.pages import footer
from sim.results.reader import RunData
from sim.scenario.loading import load, validate

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.toml"))
NAMES = [*SHIPPED, "generated_big"]
HALF = 0.5
# The shipped sweep files, each at a few design points (Sobol: samples x (levers + 2)).
SWEEPS = {"taiwan_2020_policy": 4, "taiwan_2020_replay": 8}


def _run(name: str) -> RunData:
    scenario = (validate(big_scenario()) if name == "generated_big"
                else load(SCENARIOS / f"{name}.toml"))
    return RunData.of(run(scenario))


@pytest.fixture(scope="module", params=NAMES)
def data(request: pytest.FixtureRequest) -> RunData:
    return _run(str(request.param))


def _check(fig: Figure, what: str) -> float:
    found, used = problems(fig)
    assert not found, f"{what}: " + "; ".join(found[:8])
    return used


def test_every_brief_page_reads(data: RunData) -> None:
    with warnings.catch_warnings(), figures.house_style():
        warnings.simplefilter("error")
        makers = brief.pages(data)
        for i, make in enumerate(makers, start=1):
            page = make()
            footer(page, f"masksim brief: {data.title}, page {i} of {len(makers)}")
            used = _check(page, f"{data.name}, page {i}")
            if i < len(makers):
                assert used >= HALF, f"{data.name}, page {i}: {used:.0%} of the page used"


def test_every_run_figure_reads(data: RunData) -> None:
    with warnings.catch_warnings(), figures.house_style():
        warnings.simplefilter("error")
        for name, make in figures.run_figures(data).items():
            fig, _ = make(data, None)
            _check(fig.get_figure(root=True), f"{data.name}, {name}")  # type: ignore[arg-type]


def _small(stem: str, root: Path) -> Path:
    """A shipped sweep file run at a few design points (the vector backend: the same
    answers as the compiled one, without compiling), with its sensitivity when its design
    allows one."""
    text = (SCENARIOS / "sweeps" / f"{stem}.toml").read_text(encoding="utf-8")
    text = re.sub(r'^base = "(.*)"$', lambda m: 'base = "{}"'.format(
        (SCENARIOS / "sweeps" / m[1]).resolve().as_posix()), text, flags=re.M)
    text = re.sub(r"^samples = \d+", f"samples = {SWEEPS[stem]}", text, flags=re.M)
    text = re.sub(r"^backend = .*$", "", text, flags=re.M)
    spec = root / f"{stem}.toml"
    spec.write_text(text, encoding="utf-8")
    out = root / stem
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["sweep", str(spec), "--out", str(out), "--workers", "0", "-q"]) == 0
        if 'kind = "sobol"' in text:
            assert main(["sensitivity", str(out)]) == 0
    return out


def _sweep_figures(folder: Path) -> Iterator[tuple[str, Figure]]:
    sweep = sweep_data.load_sweep(folder)
    for name, make in sweep_figures.sweep_figures(sweep).items():
        fig, _ = make()
        root = fig.get_figure(root=True)
        assert isinstance(root, Figure)
        yield name, root


@pytest.mark.parametrize("stem", ["figures-grid", *SWEEPS])
def test_every_sweep_figure_reads(stem: str, tmp_path: Path) -> None:
    folder = (make_sweep(tmp_path / "sweep", replications=2) if stem == "figures-grid"
              else _small(stem, tmp_path))
    with warnings.catch_warnings(), figures.house_style():
        warnings.simplefilter("error")
        names = []
        for name, fig in _sweep_figures(folder):
            _check(fig, f"sweep {stem}, figure {name}")
            names.append(name)
    expected = {"figures-grid": {"tornado", "heatmap", "tradeoff", "lever-allocation_rule"},
                "taiwan_2020_policy": {"tornado", "lever-budget_kind", "lever-reserve_days"},
                "taiwan_2020_replay": {"replay", "heatmap", "lever-donor_availability"}}
    assert expected[stem] <= set(names)


def test_the_jack_ma_brief_tells_the_addis_story_in_twelve_pages() -> None:
    data = _run("jack_ma_africa_2020")
    with figures.house_style():
        makers = brief.pages(data)
        assert len(makers) <= 12
        texts = [" ".join(t.get_text().replace("\n", " ") for t in make().findobj(Text))
                 for make in makers[:3]]
    hub = next(t for t in texts if "round by round" in t)
    assert "Reached in 5 days" in hub and "Who waited longest" in hub
    assert "22 March" in hub and "7 April" in hub  # the rounds, each a row
    assert "Addis Ababa" in texts[0]  # page 1 names the hub's queue
