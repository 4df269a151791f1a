"""The 2020 stories' briefs read well: Jack Ma's eight goods, 55 regions and 547 pledges
fit their pages and tell the route through Addis Ababa, a good no region needed is "no need
stated" (not "100 % met"), and Korea's observations are grouped by series and named."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from matplotlib.figure import FigureBase
from matplotlib.text import Text
from runs import SCENARIOS

from sim.cli.main import main
from sim.report import (
    brief,
    figures,
    needs,
    paging,
    pledge_pages,
    record_pages,
    region_figures,
    sections,
    title_page,
)
from sim.report.routes import routes
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


def test_blocks_that_overflow_a_page_continue_on_the_next() -> None:
    rows = [(f"row {i}", "x " * 30) for i in range(120)]
    blocks: list[paging.Block] = [paging.Section("First"), paging.Text("intro " * 80),
                                  paging.heading("A table"),
                                  paging.Table(("a", "b"), rows, (0.3, 0.6)),
                                  paging.Section("Second"), paging.Text("more " * 20)]
    pages = paging.split(blocks)
    assert len(pages) > 2
    for page in pages:
        used = sum(b.height() if isinstance(b, paging.Text)
                   else b.height(page.blocks.index(b) == 0) if isinstance(b, paging.Section)
                   else b.heights()[0] + sum(b.heights()[1]) + 0.03 for b in page.blocks)
        assert used <= 1.0 - paging.BOTTOM + 1e-9  # nothing overlaps
    cut = [b for page in pages for b in page.blocks if isinstance(b, paging.Table)]
    assert sum(len(t.rows) for t in cut) == 120  # every row, each once, header repeated
    assert isinstance(pages[1].blocks[0], paging.Table)  # the heading stays with its table
    assert pages[0].title == "First" and pages[1].title == "First (continued)"
    # The second section starts where the first ends, under a heading, not on a new page.
    last = pages[-1]
    assert any(isinstance(b, paging.Section) and b.title == "Second" for b in last.blocks)


def test_a_section_s_opening_goes_with_the_table_it_introduces() -> None:
    """A kept table that moves on takes its section's heading and opening sentence along,
    when the page it leaves stays half full and they fit together; else the opening stays."""
    opening = [paging.Section("Sources"), paging.Text("The sections this brief cites.")]
    for words, rows, moved in ((700, 30, True), (300, 30, False), (700, 35, False)):
        table = paging.Table(("a", "b"), [(f"row {i}", "x") for i in range(rows)],
                             (0.3, 0.6), keep=True)
        pages = paging.split([paging.Section("First"), paging.Text("word " * words),
                              *opening, table])
        assert (opening[1] in pages[1].blocks) is moved, (words, rows)
        assert (pages[1].title == "Sources") is moved
        assert sum(len(b.rows) for p in pages for b in p.blocks
                   if isinstance(b, paging.Table)) == rows


def test_jack_ma_page_one_names_the_story(jack: tuple[RunData, str]) -> None:
    run, _ = jack
    assert run.title.startswith("The Jack Ma and Alibaba Foundations' gifts to Africa")
    first = brief.pages(run)[0]()
    joined = " ".join(_texts(first))
    assert run.title.split()[0] in joined and "jack_ma_africa_2020" in joined
    assert "gave 8 goods between" in joined and "of the 55 recipient regions" in joined
    assert "through Addis Ababa" in joined
    assert "1 donors" not in joined and "Coordination" not in joined  # one donor
    assert "What went wrong" in joined and "peaked at" in joined
    contents = next(t for t in _texts(first) if t.startswith("Contents:"))
    assert "3 hubs" in contents and "sources" in contents


def test_no_need_is_said_not_counted_as_met(jack: tuple[RunData, str]) -> None:
    run, printout = jack
    suits = sections.good_sentence(run, "suits")
    assert "no region stated a need" in suits and "100.0 %" not in suits
    kits = sections.good_sentence(run, "test_kits")
    assert "of the 54 regions that stated a need" in kits
    assert "Africa CDC" not in kits  # it needed none: not the best served
    table = sections.goods_table(run)
    met = {r[0]: r[6] for r in table.rows}
    assert met["Protective suits (clothing sets)"] == needs.NO_NEED
    assert run.summary["goods"]["suits"]["mean_fill_rate"] == 1.0  # summary.json as it was
    assert "over the 54 of 55 regions that needed it" in printout
    assert needs.needy_goods(run) == ["masks", "test_kits"]


def test_many_goods_and_regions_give_legible_figures(jack: tuple[RunData, str]) -> None:
    run, _ = jack
    parts = {p.name: p for p in brief.figure_parts(run, routes(run))}
    assert len(parts["supply"].pages) == 1  # eight goods bought and given: a panel each
    assert len(parts["donations"].pages) == 2 and len(parts["need met"].pages) == 1
    with figures.house_style():
        fig, axes = region_figures.sufficiency(run)
        assert len(axes) == 4  # masks and test kits: the goods some region needed
        fig, axes = region_figures.donations(run, goods=["masks"])
    labels = [t.get_text() for t in axes[1].get_yticklabels()]
    assert len(labels) <= region_figures.BARS
    assert "44 other regions, each on average" in labels


def test_the_regions_table_gives_each_route(jack: tuple[RunData, str]) -> None:
    run, _ = jack
    blocks = sections.regions_blocks(run, routes(run))
    intro = next(b.text for b in blocks if isinstance(b, paging.Text))
    assert "Every route runs through Addis Ababa" in intro and "1 d to it" in intro
    table = next(b for b in blocks if isinstance(b, paging.Table))
    assert len(table.rows) == 55
    row = next(r for r in table.rows if r[0] == "Mauritius")
    assert row[1] == "0-4 d + 3 d"  # queued up to 4 days, 3 days onward: no "0 d" lead time


def test_547_pledges_are_totalled_and_the_list_is_pointed_to(
        jack: tuple[RunData, str]) -> None:
    run, _ = jack
    blocks = pledge_pages.blocks(run)
    texts = " ".join(b.text for b in blocks if isinstance(b, paging.Text))
    assert "pledges.each" in texts
    rows = pledge_pages.by_donor_and_good(run, run.summary["pledges"]["each"])
    assert len(rows) == len(run.goods)
    assert sum(int(r[2]) for r in rows) == 547
    table = next(b for b in blocks if isinstance(b, paging.Table))
    assert "Donor" not in table.header  # one donor: no column for it


def test_korea_record_is_grouped_by_series_with_human_names(
        korea: tuple[RunData, str]) -> None:
    run, printout = korea
    blocks = record_pages.blocks(run)
    headings = [b.text for b in blocks if isinstance(b, paging.Text)
                and b.style.get("fontweight") == "bold"]
    assert any(h.startswith("Production (kits (about one test each) a day)") for h in headings)
    assert any(h.startswith("Delivered to United Arab Emirates to date") for h in headings)
    names = [p.name for p in brief.figure_parts(run, routes(run))]
    assert "need met" not in names and "equity" not in names  # no region needed any
    assert any("No region stated a need for any of the goods" in t
               for t in title_page.key_sentences(run))
    rows = sections.regions_blocks(run, routes(run))[-1]
    assert isinstance(rows, paging.Table)
    assert all(needs.NO_NEED in " ".join(r) for r in rows.rows)
    assert "no need stated (no region needed it)" in printout
    assert "100.0 %" not in printout
    head = next(line for line in printout.splitlines() if line.strip().startswith("date"))
    assert "good" in head.split()
    assert any("export_kits" in line and "donor.production" in line
               for line in printout.splitlines())
