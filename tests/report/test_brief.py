"""The policy brief: its pages, page 1's plain words, and byte-identical re-runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from runs import make_run, make_sweep

from sim.cli.main import main
from sim.report import brief, figures, title_page
from sim.report.words import words


def regex_pages(pdf: bytes) -> int:
    # Page objects are "/Type /Page"; the page tree is "/Type /Pages".
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def count_pages(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader  # optional: a real parser when it is installed
    except ImportError:
        return regex_pages(pdf)
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("brief") / "taiwan")


@pytest.fixture(scope="module")
def first_pdf(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("brief") / "a" / "brief.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert brief.write_brief(figures.load_run(run_dir), out) == out
    return out


def test_brief_has_the_expected_pages(first_pdf: Path, run_dir: Path) -> None:
    data = first_pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    run = figures.load_run(run_dir)
    parts = brief.figure_parts(run, brief.routes(run))
    assert [p.name for p in parts] == ["supply", "shipments", "donations", "need met",
                                       "equity"]
    assert count_pages(data) == len(brief.pages(run)) > 1 + len(parts)
    assert b"/CreationDate" not in data and b"/ModDate" not in data
    # Nothing but the brief is left in its folder: it was written under a temporary name.
    assert [p.name for p in first_pdf.parent.iterdir()] == ["brief.pdf"]


def test_brief_is_byte_identical_on_a_rerun(first_pdf: Path, run_dir: Path,
                                           tmp_path: Path) -> None:
    # As a user runs it: `masksim brief` in fresh processes, the second with a build date
    # set that must not leak into the file. (Inside one long-lived process the layout
    # solver's last bits may follow memory addresses, so the test compares processes.)
    outs = [tmp_path / f"brief{k}.pdf" for k in range(2)]
    procs = [subprocess.Popen([sys.executable, "-m", "sim", "brief", str(run_dir), "-o",
                               str(out)], env={**os.environ, **env}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for out, env in zip(outs, ({}, {"SOURCE_DATE_EPOCH": "1700000000"}), strict=True)]
    try:
        for out, proc in zip(outs, procs, strict=True):
            stdout, stderr = proc.communicate()
            assert proc.returncode == 0, stderr
            assert stdout.strip() == str(out)
    finally:
        for proc in procs:
            proc.kill()  # a no-op once it has ended
            proc.wait()
    runs = [out.read_bytes() for out in outs]
    assert runs[0] == runs[1]
    assert count_pages(runs[0]) == count_pages(first_pdf.read_bytes())


def test_page_counter_counts_pages_not_the_page_tree(first_pdf: Path) -> None:
    assert regex_pages(b"<< /Type /Pages /Count 2 >> << /Type /Page >> << /Type/Page >>") == 2
    assert regex_pages(first_pdf.read_bytes()) == count_pages(first_pdf.read_bytes())


def test_words() -> None:
    assert words(2_077_748_684) == "2.08 billion"
    assert words(27_070_000) == "27.1 million"
    assert words(100_000) == "100,000"
    assert words(999_999) == "1 million"


def test_page_one_follows_the_numbers(run_dir: Path) -> None:
    run = figures.load_run(run_dir)
    s = run.summary
    given = sum(1 for v in s["delivered_by_region"].values() if v)
    start, end = (dt.date.fromisoformat(s["horizon"][k]) for k in ("start", "end"))
    assert title_page.opening(run) == (
        f"Taiwan gave {words(s['donated_total'])} masks between {start.day} {start:%B} and "
        f"{end.day} {end:%B %Y}; {given} of the 6 recipient regions received something in "
        "that time.")
    text = " ".join(title_page.key_sentences(run))
    assert f"Taiwan made {words(s['produced'])} masks, met its domestic demand every day" in text
    assert "Each region" not in text and "Coordination" not in title_page.opening(run)

    # The same run, as if the ration had failed and pledges had slipped: the words change,
    # and what went wrong leads page 1.
    good = run.goods[0]
    daily = dict(run.daily, domestic_shortfall=run.daily["domestic_shortfall"].copy())
    daily["domestic_shortfall"][:3] = 1e6
    pledges = dict(s["pledges"], on_time=s["pledges"]["pledged"] - 2e6, late=1.5e6,
                   unmet=0.5e6)
    donor = dict(s["donors"][run.donors[0]])
    donor["goods"] = {good: dict(donor["goods"][good], domestic_shortfall=3e6)}
    worse = dataclasses.replace(
        run, by_channel={**run.by_channel, run.channels[0]: daily},
        summary=dict(s, domestic_shortfall=3e6, pledges=pledges,
                     goods={good: dict(s["goods"][good], domestic_shortfall=3e6,
                                       pledges=pledges)},
                     donors={run.donors[0]: donor}))
    text = " ".join(title_page.key_sentences(worse))
    assert "fell short of its domestic demand on 3 days (3 million masks)" in text
    found = title_page.what_went_wrong(title_page.findings(worse))
    assert found[0].startswith("1. Taiwan fell short at home by 3 million masks")
    assert any("500,000 masks pledged were never shipped" in f for f in found)
    assert any("1.5 million masks pledged shipped late" in f for f in found)


def test_brief_of_a_sweep_folder_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_sweep(tmp_path / "sweep", replications=1, sensitivity=False)
    assert main(["brief", str(folder), "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "needs a run folder" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()
