"""The replay figure of a sweep: each observed donor series as the runs' median and 5-95 %
band over time, with the record on top; only for sweeps whose base scenario has observations
of series they kept."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pytest
from layout import problems
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from runs import SCENARIOS

from sim.cli.main import main
from sim.report import figures, replay, sweep_data, sweep_figures
from sim.scenario.loading import load
from sim.scenario.observations import Measure
from sim.sweep.store import load_sweep, read_series

SWEEP = """name = "replay_test"
base = "{base}"
seed = 7
chunk_size = 12
series = {series}

[design]
kind = "monte_carlo"
samples = 24

[[parameters]]
path = "domestic.uptake"
uniform = [0.25, 0.9]

[[parameters]]
path = "donor.initial_stock"
uniform = [20_000_000, 40_000_000]

[[parameters]]
path = "donor.outages.daily_probability"
log_uniform = [0.002, 0.1]
"""
KEPT = '["production", "domestic_served", "stock", "shipped"]'


def _sweep(root: Path, base: Path, series: str = KEPT) -> Path:
    spec = root / "sweep.toml"
    spec.write_text(SWEEP.format(base=base.as_posix(), series=series))
    out = root / "out"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["sweep", str(spec), "--out", str(out), "--workers", "0", "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sweep(tmp_path_factory.mktemp("replay"), SCENARIOS / "taiwan_2020.toml")


@pytest.fixture(scope="module")
def drawn(folder: Path) -> tuple[replay.Replay, list[Axes]]:
    data = replay.load_replay(folder)
    assert data is not None
    with figures.house_style(), warnings.catch_warnings():
        warnings.simplefilter("error")  # no layout or date warnings
        fig, axes = replay.replay(sweep_data.load_sweep(folder), data)
        FigureCanvasAgg(fig.get_figure(root=True)).draw()
        found, _ = problems(fig)  # the layout test's checks: this sweep figure too
    assert not found, found
    return data, axes


def _axes(axes: list[Axes], measure: Measure) -> Axes:
    return next(ax for ax in axes if f"({measure.value})" in ax.get_title(loc="left"))


def _band_at(ax: Axes, day: np.datetime64) -> tuple[float, float, float]:
    """(low, median, high) as drawn on ``ax`` on ``day``, in masks."""
    x = mdates.date2num(day)
    line = next(ln for ln in ax.get_lines() if len(ln.get_xdata()) > 1)
    xs = mdates.date2num(np.asarray(line.get_xdata()))
    mid = float(np.asarray(line.get_ydata())[np.isclose(xs, x)][0])
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    v = band.get_paths()[0].vertices
    ys = v[np.isclose(v[:, 0], x), 1]
    return float(ys.min()) * 1e6, mid * 1e6, float(ys.max()) * 1e6


@pytest.mark.parametrize(("measure", "column", "day"), [
    (Measure.DONOR_STOCK, "stock", "2020-05-17"),
    (Measure.DONOR_PRODUCTION, "production", "2020-04-28"),
])
def test_band_is_the_runs_median_and_middle_90_percent(
        folder: Path, drawn: tuple[replay.Replay, list[Axes]], measure: Measure, column: str,
        day: str) -> None:
    _, axes = drawn
    frame = read_series(folder)
    runs = frame.loc[frame["date"].astype(str) == day, column].to_numpy()
    assert len(runs) == 24  # every run, once
    lo, mid, hi = _band_at(_axes(axes, measure), np.datetime64(day, "D"))
    assert mid == pytest.approx(np.median(runs), rel=1e-9)
    assert lo == pytest.approx(np.percentile(runs, 5), rel=1e-9)
    assert hi == pytest.approx(np.percentile(runs, 95), rel=1e-9)
    # The band holds the middle 90 % of runs: (interpolated) percentiles leave out at most
    # one run more than 5 % at either end.
    assert lo <= mid <= hi
    assert np.mean(runs < lo * (1 - 1e-9)) <= 0.05 + 1 / len(runs)
    assert np.mean(runs > hi * (1 + 1e-9)) <= 0.05 + 1 / len(runs)


def test_donated_is_the_running_sum_of_shipments(
        folder: Path, drawn: tuple[replay.Replay, list[Axes]]) -> None:
    _, axes = drawn
    frame = read_series(folder).sort_values(["experiment", "date"])
    totals = frame.groupby("experiment")["shipped"].sum().to_numpy()
    lo, mid, hi = _band_at(_axes(axes, Measure.DONATED), np.datetime64("2020-06-30", "D"))
    assert mid == pytest.approx(np.median(totals), rel=1e-9)
    assert (lo, hi) == pytest.approx(tuple(np.percentile(totals, [5, 95])), rel=1e-9)


def test_observations_are_drawn_on_their_series(
        drawn: tuple[replay.Replay, list[Axes]]) -> None:
    data, axes = drawn
    observations = load(SCENARIOS / "taiwan_2020.toml").observations
    # Kept: production, served, stock, shipped; nothing observed of served and demand was not
    # kept, so neither has a panel.
    assert [ax.get_title(loc="left").rsplit("(", 1)[1][:-1] for ax in axes] == [
        "donor.production", "donor.stock", "donated.cumulative"]
    markers = {m for m, _, _ in figures.RECORD_STYLE.values()}  # not the bars' caps
    for measure in (Measure.DONOR_PRODUCTION, Measure.DONOR_STOCK, Measure.DONATED):
        ax = _axes(axes, measure)
        mine = [o for o in observations if o.series == measure.value]
        # A figure about a period is a line across it, its marker on its last day.
        points = sorted((round(mdates.date2num(ln.get_xdata()[-1])), float(ln.get_ydata()[-1]))
                        for ln in ax.get_lines() if ln.get_marker() in markers)
        want = sorted((round(mdates.date2num(np.datetime64(o.date, "D"))), o.value / 1e6)
                      for o in mine if o.value is not None)
        assert [d for d, _ in points] == [d for d, _ in want]
        assert [v for _, v in points] == pytest.approx([v for _, v in want])
        bars = [c for c in ax.containers if c.has_yerr]
        assert len(bars) == sum(o.range is not None for o in mine)
    for ax in axes:
        assert "million masks" in ax.get_ylabel()
    assert len(data.observations) == sum(
        o.series in {a.value for a in data.values} for o in observations)


def test_plot_draws_the_replay_only_with_observations_of_kept_series(
        folder: Path, tmp_path: Path) -> None:
    assert "replay" in sweep_figures.sweep_figures(sweep_data.load_sweep(folder))
    # The same sweep over a scenario with no observations: no figure.
    plain = (SCENARIOS / "taiwan_2020.toml").read_text().split("[[observations]]")[0]
    (tmp_path / "plain.toml").write_text(plain)
    out = _sweep(tmp_path, tmp_path / "plain.toml")
    assert "replay" not in sweep_figures.sweep_figures(sweep_data.load_sweep(out))
    # Observations, but of no series the sweep kept (it kept the reserve only): no figure.
    (tmp_path / "reserve").mkdir()
    out = _sweep(tmp_path / "reserve", SCENARIOS / "taiwan_2020.toml", '["reserve"]')
    assert replay.load_replay(out) is None
    assert "replay" not in sweep_figures.sweep_figures(sweep_data.load_sweep(out))

def test_replay_sweep_keeps_every_donor_series_its_record_speaks_of() -> None:
    resolved = load_sweep(SCENARIOS / "sweeps" / "taiwan_2020_replay.toml")
    assert resolved.sweep.design.kind == "monte_carlo" and resolved.n_experiments >= 200
    observed = {o.path.measure for o in resolved.base.observations}
    needed = {replay.PANELS[m].series for m in observed if m in replay.PANELS}
    assert needed == {"production", "domestic_demand", "stock", "shipped"}
    assert needed <= set(resolved.sweep.series)
