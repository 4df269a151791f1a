"""Goods and donors in the reading and reporting side: the reader gives each channel's and
each good's series, figures draw a row of panels per supply or per good in its own unit, the
brief has the goods' table and a table per donor, and compare shows what pooling changes,
good by good."""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import FigureBase
from matplotlib.text import Text
from runs import SCENARIOS, make_run

from sim.cli.main import main
from sim.report import brief, compare, figures, paging, sections, title_page
from sim.report.words import lower_first
from sim.results.reader import RunData, load_run

UNITS = {"masks": "masks", "kits": "kits", "suits": "suits"}
NAMES = {"masks": "Surgical masks", "kits": "PCR test kits", "suits": "Protective suits"}


def _three_donors(folder: Path, *overrides: str) -> Path:
    sets = [a for o in overrides for a in ("--set", o)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", str(SCENARIOS / "three_donors.toml"), *sets, "--out",
                     str(folder), "-q"]) == 0
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("goods")
    return (_three_donors(root / "independent"),
            _three_donors(root / "pooled", "coordination=pooled"))


@pytest.fixture(scope="module")
def run(folders: tuple[Path, Path]) -> RunData:
    return load_run(folders[0])


def _texts(fig: FigureBase) -> list[str]:
    """Every text of a figure, table cells too (findobj does not reach into cells)."""
    root = fig.get_figure(root=True)
    cells = [c.get_text() for ax in root.axes for table in ax.tables
             for c in table.get_celld().values()]
    return [t.get_text() for t in [*root.findobj(Text), *cells]]


def test_reader_gives_each_channel_and_each_good(run: RunData) -> None:
    s = run.summary
    assert run.several and run.goods == ["masks", "kits", "suits"]
    assert run.donors == ["taiwan", "jack_ma", "korea"]
    assert run.channels == [("taiwan", "masks"), ("taiwan", "suits"), ("jack_ma", "masks"),
                            ("jack_ma", "kits"), ("jack_ma", "suits"), ("korea", "kits")]
    assert {g: run.unit(g) for g in run.goods} == UNITS
    for donor, good in run.channels:
        daily = run.daily_of(donor, good)
        assert len(daily["shipped"]) == len(run.dates)
        assert daily["shipped"].sum() == pytest.approx(
            s["donors"][donor]["goods"][good]["donated_total"])
    for good in run.goods:
        assert run.regions_of(good)["unmet"].sum() == pytest.approx(
            s["goods"][good]["unmet_need"])
        shipped = run.shipments["amount"][run.shipments["good"] == good].sum()
        assert shipped == pytest.approx(s["goods"][good]["donated_total"], rel=1e-6)
    # The legacy view is the first channel's and the first good's.
    assert run.daily["shipped"] is not None
    np.testing.assert_array_equal(run.daily["stock"], run.daily_of("taiwan", "masks")["stock"])
    np.testing.assert_array_equal(run.regions["need"], run.regions_of("masks")["need"])


@pytest.mark.parametrize("older", [False, True])
def test_a_legacy_folder_reads_as_one_donor_giving_masks(tmp_path: Path, older: bool) -> None:
    folder = make_run(tmp_path / "taiwan")
    if older:  # a folder written before goods and donors: no donor or good columns
        for name in ("daily.parquet", "regions.parquet"):
            table = pq.read_table(folder / name)
            pq.write_table(table.drop_columns(
                [c for c in ("donor", "good") if c in table.column_names]), folder / name)
        with pa_csv.open_csv(folder / "shipments.csv") as reader:
            table = reader.read_all()
        pa_csv.write_csv(table.drop_columns([c for c in ("donor", "good")
                                             if c in table.column_names]),
                         folder / "shipments.csv")
    legacy = load_run(folder)
    assert not legacy.several
    assert legacy.goods == ["masks"] and legacy.donors == ["Taiwan"]
    assert legacy.channels == [("Taiwan", "masks")] and legacy.unit("masks") == "masks"
    for name, series in legacy.daily_of("Taiwan", "masks").items():
        np.testing.assert_array_equal(series, legacy.daily[name])
    for name, grid in legacy.regions_of("masks").items():
        np.testing.assert_array_equal(grid, legacy.regions[name])
    assert set(legacy.shipments["good"]) == {"masks"}
    assert set(legacy.shipments["donor"]) == {"Taiwan"}
    assert legacy.good_summary("masks")["donated_total"] == legacy.summary["donated_total"]
    assert legacy.daily["shipped"].sum() == pytest.approx(legacy.summary["donated_total"])


def _units_only(labels: str, good: str) -> None:
    assert f" {UNITS[good]}" in labels, labels  # e.g. "Stock (thousand suits)"
    others = [u for g, u in UNITS.items() if g != good]
    assert not any(f" {u})" in labels or f" {u} a day)" in labels for u in others), labels


def test_supply_draws_each_donor_s_supply_in_its_unit(run: RunData) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figures.house_style():
            fig, axes = figures.supply(run, None)
            FigureCanvasAgg(fig.get_figure(root=True)).draw()
    # Taiwan's masks and suits and Korea's kits are made or rationed at home: two panels
    # each; the foundation only buys and gives: a panel a good.
    assert len(axes) == 2 * 3 + 3
    for donor, good in run.channels:
        mine = [ax for ax in axes if ax.get_title(loc="left").replace("\n", " ").startswith(
            f"{run.donor_name(donor)}, {lower_first(NAMES[good])}")]
        assert mine and all(ax.has_data() for ax in mine), (donor, good)
        _units_only(" ".join(ax.get_ylabel().replace("\n", " ") for ax in mine), good)
    assert any(t.startswith("Source: masksim") for t in _texts(fig))


@pytest.mark.parametrize("name", ["donations", "sufficiency"])
def test_a_panel_row_per_good_in_its_unit(run: RunData, name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figures.house_style():
            fig, axes = figures.RUN_FIGURES[name](run, None)
            FigureCanvasAgg(fig.get_figure(root=True)).draw()
    assert len(axes) == 2 * len(run.goods)  # two panels a good
    for k, good in enumerate(run.goods):
        row = axes[2 * k: 2 * k + 2]
        for ax in row:
            title = ax.get_title(loc="left").replace("\n", " ")
            assert title.startswith(f"{NAMES[good]}:") or f" {UNITS[good]} " in title, title
            assert ax.has_data()
        _units_only(" ".join((ax.get_ylabel() + " " + ax.get_xlabel() + " " + ax.get_title(
            loc="left")).replace("\n", " ") for ax in row), good)
    texts = _texts(fig)
    if name == "donations":  # donors told apart: each named in the legend
        assert {"Taiwan", "Jack Ma Foundation", "South Korea"} <= set(texts)
    assert any(t.startswith("Source: masksim") for t in texts)


@pytest.mark.parametrize("name", ["equity", "shipments"])
def test_other_goods_figures_name_every_good_or_donor(run: RunData, name: str) -> None:
    with figures.house_style():
        fig, axes = figures.RUN_FIGURES[name](run, None)
        FigureCanvasAgg(fig.get_figure(root=True)).draw()
    assert all(ax.has_data() for ax in axes)
    joined = " ".join(_texts(fig))
    names = NAMES.values() if name == "equity" else ("Taiwan", "Jack Ma Foundation",
                                                      "South Korea")
    assert all(n in joined for n in names)


def test_brief_has_the_goods_and_the_donors(run: RunData, tmp_path: Path) -> None:
    goods = sections.goods_table(run)
    assert [r[0] for r in goods.rows] == list(NAMES.values())  # the names say the units
    donors = sections.donors_blocks(run)
    texts = [b.text for b in donors if isinstance(b, paging.Text)]
    cells = [c for b in donors if isinstance(b, paging.Table) for r in b.rows for c in r]
    assert {"Taiwan", "Jack Ma Foundation", "South Korea"} <= set(texts)
    assert "North America" in cells and "300 k suits" in cells  # Taiwan's suits for masks
    opening = title_page.opening(run)
    assert "gave 3 goods between" in opening and "of the 4 recipient regions" in opening
    assert "Coordination: independent" in opening
    out = brief.write_brief(run, tmp_path / "brief.pdf")
    assert out.read_bytes().startswith(b"%PDF-")


def test_compare_shows_what_pooling_changes_per_good(folders: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    runs = [load_run(f) for f in folders]
    rows = compare.compare_table(runs)
    summaries = [json.loads((f / "summary.json").read_text()) for f in folders]
    for good in ("masks", "kits", "suits"):
        for key, _ in compare.GOOD_METRICS:
            a, b = (s["goods"][good][key] for s in summaries)
            row = next(r for r in rows if r["metric"] == f"goods.{good}.{key}"
                       and r["run"] == "pooled")
            assert row["unit"] == (UNITS[good] if key.endswith("total") or key == "unmet_need" else
                                   "share" if "fill" in key and "gini" not in key else "index")
            assert row["value"] == b and row["baseline"] == a
            assert row["difference"] == pytest.approx(b - a, abs=1e-12)
    # Through the CLI: the table, its CSV and one figure of the goods.
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["compare", *map(str, folders), "--out", str(tmp_path)]) == 0
    text = out.getvalue()
    assert "goods.kits.min_fill_rate" in text and "coordination independent -> pooled" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare-goods.png", "compare.csv"]
    with figures.house_style():
        fig, axes = compare.compare_goods(runs)
    assert len(axes) == 3 * len(compare.GOOD_METRICS)
    assert {ax.get_xlabel() for ax in axes[:2]} == {"million masks"}
