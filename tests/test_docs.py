"""Every command and code block in the README and docs/ runs as written.

Fenced ``bash`` blocks run line by line (a line ending in a backslash goes on), ``python``
blocks as scripts, each from a scratch folder that sees the repository's ``scenarios/`` and
``tools/`` as its own, so that what they write lands there. A block right after the comment
``<!-- not run: why -->`` is not run (the README's install commands, which CI runs for real;
placeholders such as ``FILE``; a server): a python one is still compiled. Other blocks
(``toml``, ``text``) are examples to read.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"(<!-- not run: [^>]*-->\s*\n)?```(bash|python)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str, str, bool]]:
    """(page, language, code, runs) of every bash and python block."""
    out = []
    for page in PAGES:
        for match in _BLOCK.finditer(page.read_text(encoding="utf-8")):
            out.append((page.name, match[2], match[3], match[1] is None))
    return out


def _commands(code: str) -> list[str]:
    lines, out = code.replace("\\\n", " ").splitlines(), []
    for line in lines:
        line = line.split(" #")[0].strip() if not line.lstrip().startswith("#") else ""
        if line:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    for name in ("scenarios", "tools"):
        (folder / name).symlink_to(ROOT / name)
    return folder


BLOCKS = blocks()


def test_the_pages_have_blocks_to_run() -> None:
    assert any(runs for _, _, _, runs in BLOCKS)


@pytest.mark.parametrize(("page", "language", "code", "runs"), BLOCKS,
                         ids=[f"{p}-{i}" for i, (p, *_) in enumerate(BLOCKS)])
def test_block_runs(page: str, language: str, code: str, runs: bool, scratch: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    if language == "python":
        if not runs:
            compile(code, page, "exec")
            return
        done = subprocess.run([sys.executable, "-c", code], cwd=scratch, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{page}:\n{code}\n{done.stderr[-2000:]}"
        return
    for command in _commands(code) if runs else []:
        done = subprocess.run(command, shell=True, cwd=scratch, env=env, capture_output=True,
                              text=True, timeout=300, executable="/bin/bash")
        assert done.returncode == 0, (f"{page}: {command}\n{done.stdout[-1000:]}"
                                      f"{done.stderr[-2000:]}")
        assert shlex.split(command)  # a command, not a stray line


def test_the_stories_page_is_what_the_runs_give() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "stories.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
