"""Run and sweep figures: each renders from a real run without warnings, is labelled with
units (or dates), has data, is not blank, and stays readable in grey.

``make_run`` and ``make_sweep`` are shared with test_brief.py and test_figures_cli.py.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D

from sim import plots, sweep_plots
from sim.cli import main
from sim.loading import InputError
from sim.metrics import SCALARS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def make_run(folder: Path, *overrides: str) -> Path:
    sets = [a for o in overrides for a in ("--set", o)]
    assert main(["run", str(SCENARIOS / "taiwan_2020.toml"), *sets, "--out", str(folder),
                 "-q"]) == 0
    return folder


def make_sweep(folder: Path, replications: int = 5, sensitivity: bool = True) -> Path:
    """A small sweep folder in the agreed format: a grid over the reserve and the outage
    rate, two rules, several replications; outcomes follow the levers plus noise."""
    rng = np.random.default_rng(7)
    rows = []
    experiment = 0
    for days in (0.0, 3.0, 7.0, 14.0, 30.0):
        for prob in (0.0, 0.02, 0.05):
            for rule in ("proportional", "maxmin"):
                for rep in range(replications):
                    noise = rng.normal()
                    donated = 4e8 - 8e6 * days - 1e9 * prob + 5e6 * noise
                    out = {k: float(abs(rng.normal(1e8, 1e7))) for k in SCALARS}
                    out.update(donated_total=donated, delivered_total=0.97 * donated,
                               domestic_demand=1.2e9,
                               domestic_shortfall=max(0.0, 2e7 * prob * (10 - days) + 1e6 * noise),
                               gini_fill_rate=(0.1 if rule == "maxmin" else 0.35) + 0.02 * noise,
                               mean_fill_rate=0.3 + donated / 2e9, min_fill_rate=0.05 + 0.01 * days)
                    rows.append({"experiment": experiment, "replication": rep,
                                 "seed": 1000 * experiment + rep, "reserve.days": days,
                                 "donor.outages.daily_probability": prob,
                                 "allocation.rule": rule, **out})
                experiment += 1
    df = pd.DataFrame(rows)
    (folder / "experiments").mkdir(parents=True)
    half = len(df) // 2
    for i, part in enumerate((df.iloc[:half], df.iloc[half:])):
        part.to_parquet(folder / "experiments" / f"part-{i:05d}.parquet", index=False)
    (folder / "sweep.toml").write_text('scenario = "scenarios/taiwan_2020.toml"\n')
    (folder / "provenance.json").write_text(json.dumps({"version": "0.1.0", "seed": 99}))
    if sensitivity:
        sens = [{"outcome": o, "parameter": p, "method": "sobol", "first": f, "total": t,
                 "srrc": ""}
                for o in ("donated_total", "domestic_shortfall")
                for p, (f, t) in {"reserve.days": (0.6, 0.7), "allocation.rule": (0.05, 0.1),
                                  "donor.outages.daily_probability": (0.2, 0.25)}.items()]
        sens += [{"outcome": "mean_fill_rate", "parameter": p, "method": "regression",
                  "first": "", "total": "", "srrc": v}
                 for p, v in {"reserve.days": -0.8,
                              "donor.outages.daily_probability": 0.3}.items()]
        pd.DataFrame(sens).to_csv(folder / "sensitivity.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def run_data(tmp_path_factory: pytest.TempPathFactory) -> plots.RunData:
    return plots.load_run(make_run(tmp_path_factory.mktemp("plots") / "taiwan"))


@pytest.fixture(scope="session")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> sweep_plots.SweepData:
    return sweep_plots.load_sweep(make_sweep(tmp_path_factory.mktemp("plots") / "sweep"))


def _has_unit(label: str) -> bool:
    return "(" in label and ")" in label


def _categorical(ticks: list[str]) -> bool:
    return any(t and not t.replace(".", "").replace("-", "").replace("−", "").isdigit()
               for t in ticks)


def check_figure(fig: FigureBase, axes: list[Axes]) -> None:
    """Data in every axes, not a blank image, units or dates on both axes, and a footnote."""
    root = fig.get_figure(root=True)
    canvas = FigureCanvasAgg(root)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    height = pixels.shape[0]
    assert axes
    for ax in axes:
        assert ax.has_data(), f"no data in {ax.get_title()!r}"
        box = ax.get_window_extent()
        crop = pixels[int(height - box.y1):int(height - box.y0), int(box.x0):int(box.x1), :3]
        # Grid lines alone give two or three colours; plotted data gives many more.
        rgb = crop.astype(np.uint32)
        colours = np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2])
        assert len(colours) > 8, ax.get_title()
        for axis, label_of in ((ax.xaxis, Axes.get_xlabel), (ax.yaxis, Axes.get_ylabel)):
            siblings = (ax.get_shared_x_axes() if axis is ax.xaxis
                        else ax.get_shared_y_axes()).get_siblings(ax)
            ticks = [t.get_text() for t in axis.get_ticklabels()]
            ok = (any(_has_unit(label_of(s)) for s in siblings)
                  or isinstance(axis.get_major_formatter(), mdates.ConciseDateFormatter)
                  or _categorical(ticks))
            assert ok, f"axis of {ax.get_title()!r} has neither a unit, dates nor names"
    texts = [t.get_text() for f in [root, *root.subfigs] for t in _all_texts(f)]
    assert any(t.startswith("Source: masksim") for t in texts), "no provenance footnote"


def _all_texts(fig: FigureBase) -> list[object]:
    out = list(fig.texts)
    for sub in fig.subfigs:
        out += _all_texts(sub)
    return out


def grey_distinct(ax: Axes) -> None:
    """Labelled lines that differ by colour alone would merge in grey print."""
    keys = {}
    for line in ax.get_lines():
        label = line.get_label()
        if label.startswith("_"):
            continue
        keys[label] = (str(line.get_linestyle()), str(line.get_marker()),
                       round(float(line.get_linewidth()), 1))
    assert len(set(keys.values())) == len(keys), keys


@pytest.mark.parametrize("name", list(plots.RUN_FIGURES))
def test_run_figure_renders(run_data: plots.RunData, name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with plots.house_style():
            fig, axes = plots.RUN_FIGURES[name](run_data, None)
            check_figure(fig, axes)
    for ax in axes:
        grey_distinct(ax)


@pytest.mark.parametrize("name", ["tornado", "lever-reserve_days", "lever-allocation_rule",
                                  "heatmap", "tradeoff"])
def test_sweep_figure_renders(sweep: sweep_plots.SweepData, name: str) -> None:
    makers = sweep_plots.sweep_figures(sweep)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with plots.house_style():
            fig, axes = makers[name]()
            check_figure(fig, axes)
    for ax in axes:
        grey_distinct(ax)


def test_lever_bands_are_percentiles_across_replications(sweep: sweep_plots.SweepData) -> None:
    with plots.house_style():
        _, axes = sweep_plots.lever(sweep, "reserve.days", ("donated_total",))
    line = next(ln for ln in axes[0].get_lines() if "maxmin" in str(ln.get_label()))
    c = sweep.columns
    sel = (c["reserve.days"] == 14.0) & (c["allocation.rule"] == "maxmin")
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    assert y[x == 14.0][0] == pytest.approx(np.median(c["donated_total"][sel]) / 1e6)


def test_lever_pools_thin_groups_of_a_random_design(sweep: sweep_plots.SweepData) -> None:
    rng = np.random.default_rng(3)
    cols = dict(sweep.columns, **{"reserve.days": rng.uniform(0, 30, sweep.n_rows)})
    random = dataclasses.replace(sweep, columns=cols)
    with plots.house_style():
        _, axes = sweep_plots.lever(random, "reserve.days", ("donated_total",))
    # 150 runs in 8 bins and 2 rules leave fewer than 20 runs a line: one pooled line.
    assert [ln.get_label() for ln in axes[0].get_lines()] == ["all runs"]


def test_levels_bins_a_continuous_lever() -> None:
    values = np.random.default_rng(1).uniform(0, 30, 400)
    keys, index = sweep_plots.levels(values)
    assert 2 <= len(keys) <= 8 and index.max() == len(keys) - 1
    assert keys == sorted(keys)
    grid_keys, _ = sweep_plots.levels(np.array([3.0, 7.0, 3.0]))
    assert grid_keys == [3.0, 7.0]


def test_pledges_due_add_up_to_the_pledges(run_data: plots.RunData) -> None:
    due = plots.pledges_due(run_data)
    each = run_data.summary["pledges"]["each"]
    for i, rid in enumerate(run_data.region_ids):
        expected = sum(p["amount"] for p in each if p["region"] == rid)
        assert due[:, i].sum() == pytest.approx(expected)
    # Nothing falls due before it is pledged, and only on shipment days.
    assert (due.sum(axis=1)[run_data.daily["shipment_day"] == 0] == 0).all()


def test_gini_over_time_ends_at_the_summary(run_data: plots.RunData) -> None:
    to_date, week = plots.gini_over_time(run_data)
    assert to_date[-1] == pytest.approx(run_data.summary["gini_fill_rate"])
    first = int(np.argmax(run_data.regions["consumed"].sum(axis=1) > 0))
    assert np.isnan(to_date[:first]).all() and np.isfinite(to_date[first:]).all()
    assert week.shape == to_date.shape


def test_rolling_sum() -> None:
    a = np.arange(1.0, 6.0)
    assert plots.rolling_sum(a, 2).tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]


def test_many_regions_pool_into_one_panel(run_data: plots.RunData) -> None:
    many = dataclasses.replace(run_data, region_ids=run_data.region_ids * 3,
                               regions={k: np.tile(v, 3) for k, v in run_data.regions.items()})
    panels = plots._panels(many, limit=12)
    assert len(panels) == 12 and panels[-1][0] == "7 other regions"
    assert sorted(i for _, cols in panels for i in cols) == list(range(18))


def test_house_style_is_scoped() -> None:
    before = dict(mpl.rcParams)
    with plots.house_style():
        assert mpl.rcParams["svg.hashsalt"] == "masksim"
    assert dict(mpl.rcParams) == before


def test_nothing_happens_on_import() -> None:
    # rcParams.copy() reads without resolving the backend (reading "backend" would).
    code = ("import matplotlib, sys; before = matplotlib.rcParams.copy(); "
            "import sim.plots, sim.sweep_plots, sim.brief, sim.figures_cli; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
            "assert matplotlib.rcParams.copy() == before, 'rcParams changed'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_load_run_names_what_is_wrong(run_data: plots.RunData, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        plots.load_run(tmp_path / "absent")
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in run_data.path.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "daily.parquet").unlink()
    with pytest.raises(InputError) as err:
        plots.load_run(broken)
    assert err.value.field == "daily.parquet"
    (broken / "daily.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot read Parquet"):
        plots.load_run(broken)
    (broken / "daily.parquet").write_bytes((run_data.path / "daily.parquet").read_bytes())
    (broken / "summary.json").write_text("{")
    with pytest.raises(InputError, match="cannot read"):
        plots.load_run(broken)


def test_sweep_labels_have_units() -> None:
    assert sweep_plots.param_label("reserve.days") == "reserve.days (days)"
    assert sweep_plots.outcome_label("mean_fill_rate") == ("Mean fill rate (%)", 100.0)
    assert all(_has_unit(sweep_plots.outcome_label(s)[0]) for s in SCALARS)


def test_grey_check_catches_colour_only_lines() -> None:
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    ax.plot([0, 1], [0, 1], color="red", label="a")
    ax.plot([0, 1], [1, 0], color="blue", label="b")
    with pytest.raises(AssertionError):
        grey_distinct(ax)
    assert isinstance(ax.get_lines()[0], Line2D)
