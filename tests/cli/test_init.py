"""``masksim init``: a commented starter scenario that runs as written, whatever sections it
includes, and never overwrites a file unless told to."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.scenario.loading import load

COMBINATIONS = [c for n in range(4) for c in itertools.combinations(
    ("--goods", "--donors", "--hub"), n)]


@pytest.mark.parametrize("flags", COMBINATIONS, ids=lambda c: "+".join(c) or "plain")
def test_init_then_run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "my_story", *flags]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "my_story.toml"
    text = (tmp_path / "my_story.toml").read_text()
    assert text.count("\n#") >= 10  # commented for a newcomer
    scenario = load(tmp_path / "my_story.toml")
    assert scenario.name == "my_story"
    assert len(scenario.goods) == (2 if "--goods" in flags else 1)
    assert len(scenario.donors) == (2 if "--donors" in flags else 1)
    assert len(scenario.hubs) == ("--hub" in flags)
    assert len(scenario.pledges) == 1
    assert main(["run", "my_story.toml", "-q", "--out", "out"]) == 0
    assert (tmp_path / "out" / "summary.json").is_file()
    assert capsys.readouterr().err == ""  # no warning either


def test_init_never_overwrites_without_force(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("# my own work\n")
    assert main(["init", str(tmp_path / "mine")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"{path}: exists; masksim init never overwrites a file: choose another "
                   "name, or add --force to replace it")
    assert path.read_text() == "# my own work\n"
    assert main(["init", str(path), "--force", "--hub"]) == 0
    assert load(path).hubs


def test_init_refuses_a_name_that_cannot_name_a_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "my story")]) == 2
    assert "letters, digits" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
