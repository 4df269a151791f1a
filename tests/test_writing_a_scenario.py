"""docs/writing-a-scenario.md runs as written: its commands, in order, in an empty folder,
with the file as the page builds it; each error it shows is the one masksim prints; and its
whole file is the story of tests/fixtures/japan_asia.toml."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from sim.cli.main import main

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "writing-a-scenario.md"
BLOCK = re.compile(r"(?:<!-- (file|now): (\S+) -->\n)?```(\w+)\n(.*?)```", re.S)


def _steps(text: str) -> list[tuple[str, str, str]]:
    """(kind, language or file, body) in page order: code blocks and `now` markers."""
    out = []
    for m in re.finditer(r"<!-- now: (\S+) -->|" + BLOCK.pattern, text, re.S):
        if m.group(1):
            out.append(("now", m.group(1), ""))
        else:
            marker, name, lang, body = m.group(2, 3, 4, 5)
            out.append(("file" if marker == "file" else "code", name or lang, body))
    return out


def test_every_command_of_the_page_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    steps = _steps(PAGE.read_text(encoding="utf-8"))
    files = {name: body for kind, name, body in steps if kind == "file"}
    ran = 0
    for i, (kind, what, body) in enumerate(steps):
        if kind == "now":
            (tmp_path / what).write_text(files[what], encoding="utf-8")
        if kind != "code" or what != "sh":
            continue
        after = steps[i + 1] if i + 1 < len(steps) else ("", "", "")
        shown = after[2].strip() if after[:2] == ("code", "text") else None
        for line in body.splitlines():
            if not line.startswith("masksim "):
                continue
            argv = shlex.split(line.split(" > ")[0])[1:]
            code = main(argv)
            out, err = capsys.readouterr()
            ran += 1
            if shown is not None:  # an error the page shows: exactly this line, exit 2
                assert (code, err.strip()) == (2, shown), line
            else:
                assert code == 0, (line, err)
    assert ran >= 12
    assert (tmp_path / "results" / "japan" / "brief.pdf").is_file()
    assert (tmp_path / "results" / "compare-budget" / "compare.csv").is_file()


def test_the_whole_file_is_the_issue_21_story() -> None:
    steps = _steps(PAGE.read_text(encoding="utf-8"))
    (page_file,) = [body for kind, name, body in steps if kind == "file"]
    with open(REPO / "tests" / "fixtures" / "japan_asia.toml", "rb") as fh:
        assert tomllib.loads(page_file) == tomllib.load(fh)
