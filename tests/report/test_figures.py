"""Run and sweep figures: each renders from a real run without warnings, is labelled with
units (or dates), has data, is not blank, and stays readable in grey.

"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import FigureBase
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from runs import make_run, make_sweep

from sim.report import figures, region_figures, sweep_data, sweep_figures
from sim.results.metrics import SCALARS
from sim.scenario.errors import InputError

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="session")
def run_data(tmp_path_factory: pytest.TempPathFactory) -> figures.RunData:
    return figures.load_run(make_run(tmp_path_factory.mktemp("plots") / "taiwan"))


@pytest.fixture(scope="session")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> sweep_data.SweepData:
    return sweep_data.load_sweep(make_sweep(tmp_path_factory.mktemp("plots") / "sweep"))


def _has_unit(label: str) -> bool:
    return "(" in label and ")" in label


def _categorical(ticks: list[str]) -> bool:
    return any(t and not t.replace(".", "").replace("-", "").replace("−", "").isdigit()
               for t in ticks)


def check_figure(fig: FigureBase, axes: list[Axes]) -> None:
    """Data in every axes, not a blank image, units, dates or names on both axes, and a
    footnote."""
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
            # Shared axes label their ticks once: read every sibling's (dates read "Mar").
            ticks = [t.get_text() for sib in siblings for t in (
                sib.xaxis if axis is ax.xaxis else sib.yaxis).get_ticklabels()]
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


@pytest.mark.parametrize("name", list(figures.RUN_FIGURES))
def test_run_figure_renders(run_data: figures.RunData, name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figures.house_style():
            fig, axes = figures.RUN_FIGURES[name](run_data, None)
            check_figure(fig, axes)
    for ax in axes:
        grey_distinct(ax)


@pytest.mark.parametrize("name", ["tornado", "lever-reserve_days", "lever-allocation_rule",
                                  "heatmap", "tradeoff"])
def test_sweep_figure_renders(sweep: sweep_data.SweepData, name: str) -> None:
    makers = sweep_figures.sweep_figures(sweep)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figures.house_style():
            fig, axes = makers[name]()
            check_figure(fig, axes)
    for ax in axes:
        grey_distinct(ax)


def test_lever_bands_are_percentiles_across_replications(sweep: sweep_data.SweepData) -> None:
    with figures.house_style():
        _, axes = sweep_figures.lever(sweep, "reserve.days", ("donated_total",))
    line = next(ln for ln in axes[0].get_lines() if "maxmin" in str(ln.get_label()))
    c = sweep.columns
    sel = (c["reserve.days"] == 14.0) & (c["allocation.rule"] == "maxmin")
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    assert y[x == 14.0][0] == pytest.approx(np.median(c["donated_total"][sel]) / 1e6)


def test_lever_pools_thin_groups_of_a_random_design(sweep: sweep_data.SweepData) -> None:
    rng = np.random.default_rng(3)
    cols = dict(sweep.columns, **{"reserve.days": rng.uniform(0, 30, sweep.n_rows)})
    random = dataclasses.replace(sweep, columns=cols)
    with figures.house_style():
        _, axes = sweep_figures.lever(random, "reserve.days", ("donated_total",))
    # 150 runs in 8 bins and 2 rules leave fewer than 20 runs a line: one pooled line.
    assert [ln.get_label() for ln in axes[0].get_lines()] == ["all runs"]


def test_levels_bins_a_continuous_lever() -> None:
    values = np.random.default_rng(1).uniform(0, 30, 400)
    keys, index = sweep_figures.levels(values)
    assert 2 <= len(keys) <= 8 and index.max() == len(keys) - 1
    assert keys == sorted(keys)
    grid_keys, _ = sweep_figures.levels(np.array([3.0, 7.0, 3.0]))
    assert grid_keys == [3.0, 7.0]


def test_pledges_due_add_up_to_the_pledges(run_data: figures.RunData) -> None:
    due = figures.pledges_due(run_data)
    each = run_data.summary["pledges"]["each"]
    for i, rid in enumerate(run_data.region_ids):
        expected = sum(p["amount"] for p in each if p["region"] == rid)
        assert due[:, i].sum() == pytest.approx(expected)
    # Nothing falls due before it is pledged, and only on shipment days.
    assert (due.sum(axis=1)[run_data.daily["shipment_day"] == 0] == 0).all()


def test_gini_to_date_ends_at_the_summary(run_data: figures.RunData) -> None:
    to_date = figures.gini_to_date(run_data, "masks")  # every region needed masks
    assert to_date[-1] == pytest.approx(run_data.summary["gini_fill_rate"])
    first = int(np.argmax(run_data.regions["consumed"].sum(axis=1) > 0))
    assert np.isnan(to_date[:first]).all() and np.isfinite(to_date[first:]).all()


def test_rolling_sum() -> None:
    a = np.arange(1.0, 6.0)
    assert figures.rolling_sum(a, 2).tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]


def test_many_regions_pool_into_one_panel(run_data: figures.RunData) -> None:
    good = run_data.goods[0]
    many = dataclasses.replace(run_data, region_ids=run_data.region_ids * 3, by_good={
        good: {k: np.tile(v, 3) for k, v in run_data.regions.items()}})
    panels = region_figures._panels(many, good)
    assert len(panels) == region_figures.PANELS == 12 and panels[-1][0] == "7 other regions"
    assert sorted(i for _, cols in panels for i in cols) == list(range(18))


def test_house_style_is_scoped() -> None:
    before = dict(mpl.rcParams)
    with figures.house_style():
        assert mpl.rcParams["svg.hashsalt"] == "masksim"
    assert dict(mpl.rcParams) == before


def test_nothing_happens_on_import() -> None:
    # rcParams.copy() reads without resolving the backend (reading "backend" would).
    code = ("import matplotlib, sys; before = matplotlib.rcParams.copy(); "
            "import sim.report.figures, sim.report.sweep_figures, sim.report.brief; "
            "import sim.cli.figures; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
            "assert matplotlib.rcParams.copy() == before, 'rcParams changed'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_load_run_names_what_is_wrong(run_data: figures.RunData, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        figures.load_run(tmp_path / "absent")
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in run_data.path.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "daily.parquet").unlink()
    with pytest.raises(InputError) as err:
        figures.load_run(broken)
    assert err.value.field == "daily.parquet"
    (broken / "daily.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot read Parquet"):
        figures.load_run(broken)
    (broken / "daily.parquet").write_bytes((run_data.path / "daily.parquet").read_bytes())
    (broken / "summary.json").write_text("{")
    with pytest.raises(InputError, match="cannot read"):
        figures.load_run(broken)


def test_sweep_labels_have_units() -> None:
    assert sweep_figures.param_label("reserve.days") == "reserve.days (days)"
    assert sweep_figures.outcome_label("mean_fill_rate") == ("Mean fill rate (%)", 100.0)
    assert all(_has_unit(sweep_figures.outcome_label(s)[0]) for s in SCALARS)


def test_grey_check_catches_colour_only_lines() -> None:
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    ax.plot([0, 1], [0, 1], color="red", label="a")
    ax.plot([0, 1], [1, 0], color="blue", label="b")
    with pytest.raises(AssertionError):
        grey_distinct(ax)
    assert isinstance(ax.get_lines()[0], Line2D)


def test_tradeoff_points_are_design_points_over_replications(
    sweep: sweep_data.SweepData,
) -> None:
    # 5 reserves x 3 outage rates x 2 rules = 30 design points, 5 replications each: the
    # trade-off shows one median per point, not one point per run.
    assert sweep.n_rows == 150
    assert len(np.unique(sweep_figures.design_points(sweep.columns))) == 30
    assert "(30 design points)" in sweep_figures.footnote(sweep)
    with figures.house_style():
        _, axes = sweep_figures.tradeoff(sweep)
    shown = sum(len(np.asarray(c.get_offsets())) for c in axes[0].collections)
    assert shown == 30


def test_the_stock_panel_draws_each_counted_stock_series_beside_its_record(
        run_data: figures.RunData) -> None:
    """The war reserve and the inventory, read back from the folder, are the series the
    run's own comparison read (the model's value beside each statement), and each is a line
    in the stocks panel, named in the legend."""
    counted = run_data.stocks_of(*run_data.channels[0])
    assert list(counted) == ["war_reserve", "inventory"]
    dates = run_data.dates.astype(str).tolist()
    stated = [o for o in run_data.summary["observations"]
              if str(o["series"]).startswith("donor.stock.")]
    assert len(stated) == 7
    for o in stated:
        series = counted[str(o["series"]).removeprefix("donor.stock.")]
        assert series[dates.index(str(o["date"]))] == pytest.approx(o["model"], rel=1e-12)
    with figures.house_style():
        fig, axes = figures.run_figures(run_data)["supply"](run_data, None)
        labels = [t.get_text() for legend in fig.findobj(Legend) for t in legend.get_texts()]
    assert "stock counted as war reserve (with what domestic uses hold)" in labels
    assert "stock counted as inventory (with what domestic uses hold)" in labels
    assert len(axes[1].get_lines()) >= 5  # stock, reserve, donated and the two counted
