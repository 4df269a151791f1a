"""A run where nothing was delivered: fairness is undefined, and every output says so in
words instead of a 0 that reads as "perfectly fair" (or a crash on a null)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from runs import make_sweep

from sim.cli.main import main
from sim.report import brief, compare, figures, sweep_data, sweep_figures, title_page
from sim.report.routes import routes

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"
SENTENCE = "none arrived, so fairness is undefined"


@pytest.fixture(scope="module")
def empty_run(tmp_path_factory: pytest.TempPathFactory) -> figures.RunData:
    out = tmp_path_factory.mktemp("empty") / "run"
    assert main(["run", str(MINIMAL), "--set", "donor.initial_stock=0",
                 "--set", "donor.capacity.points[0].value=0", "--out", str(out), "-q"]) == 0
    return figures.load_run(out)


def test_summary_json_holds_null_equity(empty_run: figures.RunData) -> None:
    raw = json.loads((empty_run.path / "summary.json").read_text(),
                     parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert raw["delivered_total"] == 0
    assert [raw[k] for k in ("gini_fill_rate", "min_fill_rate", "mean_fill_rate")] == [None] * 3


def test_brief_says_it_in_words(empty_run: figures.RunData, tmp_path: Path) -> None:
    assert any(SENTENCE in s.lower() for s in title_page.key_sentences(empty_run))
    table = title_page.key_table(empty_run, routes(empty_run))
    numbers = {r[0]: r[1] for r in table.rows}
    assert numbers["Gini of fill rates (0 = equal)"] == "n/a"
    assert "Unmet need of the regions (masks)" in numbers
    brief.write_brief(empty_run, tmp_path / "brief.pdf")  # no crash on the nulls


def test_no_equity_figure_when_fairness_is_undefined(empty_run: figures.RunData) -> None:
    # An equity figure would be empty: there is none, and the caption-less brief skips it.
    assert "equity" not in figures.run_figures(empty_run)
    assert "equity" not in [p.name for p in brief.figure_parts(empty_run, routes(empty_run))]
    assert "sufficiency" in figures.run_figures(empty_run)  # need met: 0 %, drawn


def test_compare_shows_null_as_n_a_in_masks(empty_run: figures.RunData) -> None:
    units = dict(compare.METRICS)
    assert units["unmet_need"] == "masks" and "unmet_need_mask_days" not in units
    rows = compare.compare_table([empty_run, empty_run])
    gini = [r for r in rows if r["metric"] == "gini_fill_rate"]
    assert all(r["value"] is None and r["difference"] is None for r in gini)
    assert "n/a" in compare.format_table([empty_run, empty_run], rows)


def test_sweep_figures_leave_out_runs_with_undefined_equity(tmp_path: Path) -> None:
    sweep = sweep_data.load_sweep(make_sweep(tmp_path / "sweep"))
    cols = dict(sweep.columns)
    gini = cols["gini_fill_rate"].copy()
    gini[::3] = np.nan  # a third of the runs delivered nothing
    cols["gini_fill_rate"] = gini
    holed = dataclasses.replace(sweep, columns=cols)
    makers = sweep_figures.sweep_figures(holed)
    with warnings.catch_warnings(), figures.house_style():
        warnings.simplefilter("error")  # no all-NaN medians
        _, axes = sweep_figures.lever(holed, "reserve.days", ("gini_fill_rate",))
        makers["tradeoff"]()
        sweep_figures.heatmap(holed, "reserve.days", "donor.outages.daily_probability",
                              "gini_fill_rate")
    # The medians drawn are those of the defined runs, not NaN.
    line = next(ln for ln in axes[0].get_lines() if "maxmin" in str(ln.get_label()))
    c = holed.columns
    sel = (c["reserve.days"] == 14.0) & (c["allocation.rule"] == "maxmin")
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    assert y[x == 14.0][0] == pytest.approx(np.nanmedian(gini[sel]))
