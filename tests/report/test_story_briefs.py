"""The 2020 stories' briefs read well (issue 11, item 5): Jack Ma's eight goods and 547
pledges fit their pages, a good no region needed is "no need stated" (not "100 % met"),
and Korea's observations have their model-vs-record page and a good column."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from matplotlib.figure import Figure, FigureBase
from matplotlib.text import Text
from runs import SCENARIOS

from sim.cli.main import main
from sim.report import figures, goods_brief, goods_figures, needs, paging, pledge_pages
from sim.results.reader import RunData, load_run


def _run(folder: Path, name: str) -> tuple[RunData, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", str(SCENARIOS / f"{name}.toml"), "--out", str(folder)]) == 0
    return load_run(folder), out.getvalue()


@pytest.fixture(scope="module")
def jack(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunData, str]:
    return _run(tmp_path_factory.mktemp("jack") / "run", "jack_ma_africa_2020")


@pytest.fixture(scope="module")
def korea(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunData, str]:
    return _run(tmp_path_factory.mktemp("korea") / "run", "korea_test_kits_2020")


def _texts(fig: FigureBase) -> list[str]:
    root = fig.get_figure(root=True)
    cells = [c.get_text() for ax in root.axes for table in ax.tables
             for c in table.get_celld().values()]
    return [t.get_text().replace("\n", " ") for t in [*root.findobj(Text), *cells]]


def _titles(page: Figure) -> str:
    return page.axes[0].texts[0].get_text() if page.axes and page.axes[0].texts else ""


def test_blocks_that_overflow_a_page_continue_on_the_next() -> None:
    rows = [(f"row {i}", "x " * 30) for i in range(120)]
    blocks: list[paging.Block] = [paging.Text("intro " * 80), paging.heading("A table"),
                                  paging.Table(("a", "b"), rows, (0.3, 0.6))]
    pages = paging._split(blocks, 0.1)
    assert len(pages) > 2
    for k, page in enumerate(pages):
        used = sum(b.height() if isinstance(b, paging.Text)
                   else b.heights()[0] + sum(b.heights()[1]) + 0.03 for b in page)
        assert used <= 1.0 - (0.1 if k == 0 else paging.BOTTOM) + 1e-9  # nothing overlaps
    cut = [b for page in pages for b in page if isinstance(b, paging.Table)]
    assert sum(len(t.rows) for t in cut) == 120  # every row, each once, header repeated
    assert isinstance(pages[1][0], paging.Table)  # the heading stays with its table


def test_jack_ma_title_runs_on_and_says_one_donor(jack: tuple[RunData, str]) -> None:
    run, _ = jack
    makers = goods_brief.pages(run)
    titles = goods_brief.title_pages(run, "Contents: ...")
    assert len(titles) >= 2  # eight goods do not fit one page: they continue, not overlap
    first = titles[0]()
    assert _titles(first) == "8 goods from 1 donor: jack_ma_africa_2020"
    assert _titles(titles[1]()) == "8 goods from 1 donor: jack_ma_africa_2020 (continued)"
    joined = " ".join(_texts(first))
    assert "1 donor gave 8 goods to 55 regions" in joined and "1 donors" not in joined
    contents = next(t for t in _texts(makers[0]()) if t.startswith("Contents:"))
    assert contents.endswith(f"{len(makers)} pledges and provenance.")  # numbers add up


def test_no_need_is_said_not_counted_as_met(jack: tuple[RunData, str]) -> None:
    run, printout = jack
    suits = goods_brief.good_sentence(run, "suits")
    assert "no region stated a need" in suits and "100.0 %" not in suits
    kits = goods_brief.good_sentence(run, "test_kits")
    assert "of the 54 regions that stated a need" in kits
    assert "Africa CDC" not in kits  # it needed none: not the best served
    header, rows = goods_brief.key_table(run)
    met = next(r for r in rows if r[0].startswith("Need met"))
    assert met[header.index("Protective suits (clothing sets)")] == needs.NO_NEED
    assert run.summary["goods"]["suits"]["mean_fill_rate"] == 1.0  # summary.json as it was
    assert "over the 54 of 55 regions that needed it" in printout
    assert needs.needy_goods(run) == ["masks", "test_kits"]


def test_many_goods_and_regions_give_legible_figures(jack: tuple[RunData, str]) -> None:
    run, _ = jack
    names = [n for n, _ in goods_brief._figure_pages(run)]
    assert names.count("supply") == 2 and names.count("sufficiency") == 1  # four goods a page
    with figures.house_style():
        fig, axes = goods_figures.sufficiency(run)
        assert len(axes) == 4  # masks and test kits: the goods some region needed
        fig, axes = goods_figures.donations(run, goods=["masks"])
    assert len(axes[1].get_yticks()) <= goods_figures.TOP_REGIONS
    assert "44 other regions" in [t.get_text() for t in axes[1].get_yticklabels()]


def test_547_pledges_are_totalled_and_the_list_is_pointed_to(
        jack: tuple[RunData, str]) -> None:
    run, _ = jack
    pages = pledge_pages.pages(run)
    assert len(pages) == 1
    texts = " ".join(_texts(pages[0]()))
    assert "By donor and good" in texts and "pledges.each" in texts
    rows = pledge_pages.by_donor_and_good(run, run.summary["pledges"]["each"])
    assert len(rows) == len(run.goods)
    assert sum(int(r[2]) for r in rows) == 547


def test_korea_record_page_and_printout_name_the_good(korea: tuple[RunData, str]) -> None:
    run, printout = korea
    makers = goods_brief.pages(run)
    last = makers[-1]()
    assert _titles(last) == "Model vs record"
    texts = _texts(last)
    assert "Good; donor" in texts and "export_kits" in texts
    names = [n for n, _ in goods_brief._figure_pages(run)]
    assert "sufficiency" not in names and "equity" not in names  # no region needed any
    assert "No region stated a need for any of the goods" in goods_brief.key_sentences(run)[0]
    page = _texts(goods_brief.good_page(run, "pcr_kits"))
    assert page.count(needs.NO_NEED) == len(run.region_ids) and "100.0 %" not in page
    assert "no need stated (no region needed it)" in printout
    assert "100.0 %" not in printout
    head = next(line for line in printout.splitlines() if line.strip().startswith("date"))
    assert "good" in head.split()
    assert any("export_kits" in line and "donor.production" in line
               for line in printout.splitlines())
