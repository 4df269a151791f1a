"""The record beside the model: on a tiny scenario whose series are known by hand, each
observation reports the model's value on its date and the right error, in summary.json (as
standard JSON), in the CLI summary, on the figures and on a page of the brief."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from sim.cli.main import main
from sim.cli.printout import format_summary
from sim.engine.runner import Engine, run
from sim.report import brief, figures, paging, record_pages
from sim.results.observations import compare_run, error
from sim.results.summary import summary
from sim.scenario.loading import read_toml, validate
from sim.scenario.observations import Observation

# Two weeks; 2,000 masks made a day, 700 served at home, so stock grows 1,300 a day. On
# Wednesday 4 March the pledge of 1,000 ships to "r"; it lands two days later, on Friday 6.
TINY = """
name = "tiny"
horizon = { start = 2020-03-02, end = 2020-03-15 }
[donor]
capacity = { points = [{ date = 2020-03-02, value = 2000 }] }
[domestic]
groups = [{ name = "all", population = 700, rations = [{ date = 2020-03-02, masks = 7 }] }]
[budget]
kind = "pledges_only"
[[regions]]
id = "r.1"
need = { kind = "constant", masks_per_day = 100 }
lead_time = { kind = "fixed", days = 2 }
[[pledges]]
kind = "fixed"
region = "r.1"
amount = 1000
date = 2020-03-04
"""

# (series, date, value or range, model value by hand, error, relative error)
CASES: list[tuple[str, str, Any, float, float, float | None]] = [
    ("donor.production", "2020-03-05", 2500.0, 2000, -500, -0.2),
    ("domestic.served_per_day", "2020-03-02", 700.0, 700, 0, 0.0),
    ("domestic.demand_per_day", "2020-03-02", 500.0, 700, 200, 0.4),
    ("donor.stock", "2020-03-03", 2000.0, 2600, 600, 0.3),
    ("donor.stock", "2020-03-04", (2000.0, 3000.0), 2900, 0, 0.0),  # inside the range
    ("donor.stock", "2020-03-04", (3000.0, 4000.0), 2900, -100, -100 / 3000),  # below it
    ("donor.stock", "2020-03-04", (1000.0, 2500.0), 2900, 400, 400 / 2500),  # above it
    ("donated.cumulative", "2020-03-03", 0.0, 0, 0, 0.0),
    ("donated.cumulative", "2020-03-04", 1000.0, 1000, 0, 0.0),
    ("regions.r.1.shipped.cumulative", "2020-03-15", 800.0, 1000, 200, 0.25),
    ("regions.r.1.delivered.cumulative", "2020-03-05", 1000.0, 0, -1000, -1.0),
    ("delivered.cumulative", "2020-03-06", 0.0, 1000, 1000, None),  # over zero: undefined
    ("delivered.cumulative", "2020-03-06", (0.0, 0.0), 1000, 1000, None),
]


def tiny(observations: list[dict[str, Any]]) -> Any:
    import tomllib
    data = tomllib.loads(TINY)
    data["observations"] = observations
    return validate(data)


def as_observation(series: str, date: str, record: Any, kind: str = "documented",
                   **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"series": series, "date": dt.date.fromisoformat(date),
                           "kind": kind, "source": f"test: {series} on {date}", **extra}
    out["range" if isinstance(record, tuple) else "value"] = record
    return out


@pytest.fixture(scope="module")
def result() -> Any:
    scenario = tiny([as_observation(s, d, r) for s, d, r, *_ in CASES])
    return run(scenario, engine=Engine.DES)


def test_each_observation_reports_the_model_value_and_error(result: Any) -> None:
    rows = compare_run(result)
    assert len(rows) == len(CASES)
    for row, (series, date, _, model, diff, rel) in zip(rows, CASES, strict=True):
        where = f"{series} on {date}"
        assert row["series"] == series and row["date"] == date
        assert row["model"] == pytest.approx(model), where
        assert row["error"] == pytest.approx(diff), where
        if rel is None:
            assert row["relative_error"] is None, where
        else:
            assert row["relative_error"] == pytest.approx(rel), where


def test_both_engines_give_the_same_comparison(result: Any) -> None:
    batch = run(result.scenario, engine=Engine.BATCH)
    assert compare_run(batch) == compare_run(result)


def test_range_error_is_zero_inside_else_distance_to_the_nearest_end() -> None:
    def obs(lo: float, hi: float) -> Observation:
        return Observation(date=dt.date(2020, 1, 1), series="donor.stock", range=(lo, hi),
                           kind="estimate", source="s")

    assert error(5.0, obs(4, 6)) == (0.0, 0.0)
    assert error(4.0, obs(4, 6)) == (0.0, 0.0)  # the ends belong to the range
    assert error(2.0, obs(4, 6)) == (-2.0, -0.5)
    assert error(9.0, obs(4, 6)) == (3.0, 0.5)
    assert error(None, obs(4, 6)) == (None, None)


def test_summary_json_is_standard_json_with_nulls(tmp_path: Path) -> None:
    scenario = tiny([as_observation("delivered.cumulative", "2020-03-06", 0.0, tags=["t"],
                                    note="n", kind="pledged")])
    folder = tmp_path / "run"
    assert main(["run", str(write(tmp_path, scenario)), "--out", str(folder), "-q"]) == 0

    def no_constants(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads((folder / "summary.json").read_text(), parse_constant=no_constants)
    (row,) = data["observations"]
    assert row == {"date": "2020-03-06", "series": "delivered.cumulative", "good": "masks",
                   "donor": None, "kind": "pledged", "value": 0.0, "range": None,
                   "source": "test: delivered.cumulative on 2020-03-06", "tags": ["t"],
                   "note": "n", "from_date": None, "model": 1000.0, "error": 1000.0,
                   "relative_error": None}
    # The run's scenario.toml keeps the observation, so the folder reads back whole.
    assert figures.load_run(folder).scenario["observations"][0]["kind"] == "pledged"


def write(tmp_path: Path, scenario: Any) -> Path:
    from sim.scenario.writing import dump_toml
    path = tmp_path / "tiny.toml"
    path.write_text(dump_toml(scenario))
    assert validate(read_toml(path)) == scenario
    return path


def test_cli_summary_has_a_record_block_only_with_observations(result: Any) -> None:
    text = format_summary(summary(result), 0.1)
    assert "record vs model   13 observations" in text
    line = next(ln for ln in text.splitlines() if "donor.production" in ln)
    assert "2.5 k" in line and "2.0 k" in line and "-500 (-20 %)" in line
    bare = format_summary(summary(run(tiny([]))), 0.1)
    assert "record vs model" not in bare


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Observations on lines both figures draw: one value and one range of each kind.
    scenario = tiny([
        as_observation("donor.production", "2020-03-05", 2500.0),
        as_observation("donor.stock", "2020-03-10", (9000.0, 12000.0), kind="estimate"),
        as_observation("donated.cumulative", "2020-03-12", 900.0, kind="pledged"),
        as_observation("regions.r.1.delivered.cumulative", "2020-03-08", (500.0, 800.0)),
    ])
    root = tmp_path_factory.mktemp("record")
    out = root / "run"
    assert main(["run", str(write(root, scenario)), "--out", str(out), "-q"]) == 0
    return out


def _marks(ax: Any) -> tuple[list[tuple[float, float]], list[ErrorbarContainer]]:
    """Record markers (lines of one marker, not a range's caps) and range bars on ``ax``."""
    points = [(float(mdates.date2num(ln.get_xdata()[0])), float(ln.get_ydata()[0]))
              for ln in ax.get_lines()
              if ln.get_linestyle() == "None" and ln.get_marker() in ("o", "D", "s")]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    return points, bars


def _div(ax: Any) -> float:
    """The divisor of an axis in the good's unit, as its label says it."""
    label = ax.get_ylabel()
    return 1e6 if "(million" in label else 1e3 if "(thousand" in label else 1.0


def test_figures_draw_the_record_with_its_kind_in_the_legend(folder: Path) -> None:
    data = figures.load_run(folder)
    with figures.house_style():
        fig, (flows, stocks) = figures.supply(data)
        points, bars = _marks(flows)
        day = float(mdates.date2num(np.datetime64("2020-03-05", "D")))
        assert points == [(day, pytest.approx(2500 / _div(flows)))] and not bars
        points, bars = _marks(stocks)
        assert len(points) == 1 and len(bars) == 1  # pledged donation; stock range
        segment = bars[0].lines[2][0].get_segments()[0]
        assert [y for _, y in segment] == pytest.approx([9000 / _div(stocks),
                                                         12000 / _div(stocks)])
        labels = _legend_texts(fig)  # one legend for the figure, above its panels
        assert {"record, estimate", "record, pledged", "record, documented"} <= set(labels)

        fig, (panel,) = figures.donations(data)
        _, bars = _marks(panel)
        assert len(bars) == 1
        assert "record, documented" in _legend_texts(fig)


def _legend_texts(fig: Any) -> list[str]:
    out = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    return out + [t for sub in fig.subfigs for t in _legend_texts(sub)]


def test_figures_of_a_run_without_observations_draw_none(folder: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    assert main(["run", str(write(tmp_path, tiny([]))), "--out", str(bare), "-q"]) == 0
    with figures.house_style():
        _, axes = figures.supply(figures.load_run(bare))
    assert all(_marks(ax) == ([], []) for ax in axes)


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts) + "\n".join(
        t.get_text() for ax in fig.axes for tb in ax.tables for t in
        (c.get_text() for c in tb.get_celld().values()))


def count_pages(pdf: bytes) -> int:
    # Page objects are "/Type /Page"; the page tree is "/Type /Pages".
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_brief_has_a_model_vs_record_section(folder: Path, tmp_path: Path) -> None:
    data = figures.load_run(folder)
    blocks = record_pages.blocks(data)
    text = "\n".join(b.text if isinstance(b, paging.Text) else
                     "\n".join(" ".join(r) for r in b.rows) if isinstance(b, paging.Table)
                     else b.title for b in blocks)
    assert "The record beside the model" in text
    flat = "".join(text.split())  # table cells wrap at any character
    for o in data.summary["observations"]:
        assert "".join(record_pages.series_name(data, o).split()) in flat
        assert "".join(o["source"].split()) in flat
    assert "2.5 k" in text and "-500 (-20 %)" in text and "9 k to 12 k" in text
    assert "inside" in text  # the stock of 10 March lies in its range

    out = brief.write_brief(data, tmp_path / "brief.pdf")
    bare = tmp_path / "bare"
    assert main(["run", str(write(tmp_path, tiny([]))), "--out", str(bare), "-q"]) == 0
    assert record_pages.blocks(figures.load_run(bare)) == []
    without = brief.write_brief(figures.load_run(bare), tmp_path / "bare.pdf")
    assert count_pages(out.read_bytes()) >= count_pages(without.read_bytes())
