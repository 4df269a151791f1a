"""Writing results: atomic files and folders, stale temporaries, folder names, and a run
folder that never destroys what it did not write."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.engine.runner import Engine, run
from sim.results import writer
from sim.results.files import (
    atomic_folder,
    atomic_path,
    clean_stale,
    safe_name,
    temp_name,
    write_atomic,
)
from sim.results.reader import load_run
from sim.scenario.errors import InputError
from sim.scenario.loading import load

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"
FILES = sorted(("scenario.toml", "daily.parquet", "regions.parquet", "shipments.csv",
                "summary.json"))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- the one atomic-write helper -----------------------------------------------------------

def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    write_atomic(target, "one 😷\n")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["a.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "run") as folder:
        (folder / "x").write_text("half")
        raise RuntimeError("killed")
    assert os.listdir(tmp_path) == ["a.txt"]


def test_atomic_folder_appears_whole_with_normal_permissions(tmp_path: Path) -> None:
    with atomic_folder(tmp_path / "run") as folder:
        (folder / "x").write_text("1")
        assert not (tmp_path / "run").exists()
    assert (tmp_path / "run" / "x").read_text() == "1"
    assert (tmp_path / "run").stat().st_mode & 0o077 == 0o777 & ~_umask() & 0o077


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_stale_temporaries_are_cleaned_live_ones_and_other_files_kept(tmp_path: Path) -> None:
    dead = tmp_path / f".run-a.{_dead_pid()}-0123abcd.tmp"  # killed run: its pid is gone
    old = tmp_path / f".run-b.{os.getpid()}-0123abcd.tmp"  # alive, but two hours old
    live = temp_name(tmp_path / "run-c")  # this process, just made
    elsewhere = tmp_path / ".run-d.1-0123abcd.tmp"  # pid 1 is alive; fresh: being written
    for folder in (dead, old, live, elsewhere):
        folder.mkdir()
        (folder / "daily.parquet").write_text("half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    user = [tmp_path / ".hidden", tmp_path / "notes.tmp", tmp_path / ".x.12-zz.tmp"]
    for path in user:
        path.write_text("mine")
    assert sorted(clean_stale(tmp_path)) == sorted([dead, old])
    assert live.is_dir() and elsewhere.is_dir() and all(p.exists() for p in user)


def test_the_next_run_cleans_stale_temporaries_beside_it(tmp_path: Path) -> None:
    stale = tmp_path / f".minimal-0123456789.{_dead_pid()}-0123abcd.tmp"
    stale.mkdir()
    (stale / "daily.parquet").write_text("half")
    result = run(load(MINIMAL))
    writer.write(result, tmp_path / "run")
    assert sorted(os.listdir(tmp_path)) == ["run"]


# --- folder names ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "safe"), [
    ("taiwan_2020", "taiwan_2020"), ("a" * 300, "a" * 64), ("..", "_."), (".x", "_x"),
    ("a/b c\x00😷", "a_b_c__"), ("", "_"),
])
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_a_300_character_name_gives_a_short_folder_name(tmp_path: Path) -> None:
    result = run(load(MINIMAL, ["name=" + "x" * 300]))
    name = writer.folder_name(result)
    assert name == "x" * 64 + "-" + writer.run_digest(result)[:10]
    assert writer.write(result, tmp_path / name).is_dir()


def test_folder_name_differs_by_seed_engine_and_backend() -> None:
    scenario = load(MINIMAL)
    names = {writer.folder_name(run(scenario, engine=engine))
             for engine in (Engine.DES, Engine.BATCH)}
    names |= {writer.folder_name(run(load(MINIMAL, [o])))
              for o in ("seed=7", "allocation.backend='lp'")}
    assert len(names) == 4


# --- what a run may write into ---------------------------------------------------------------

def test_a_run_with_emoji_names_and_notes_reads_back(tmp_path: Path) -> None:
    scenario = load(MINIMAL, ['donor.name="Taiwan 🇹🇼"', 'regions[0].name="North 😷"',
                              'pledges[0].note="promised ✈️ \\"soon\\""'])
    out = writer.write(run(scenario), tmp_path / "run")
    data = load_run(out)
    assert data.donor == "Taiwan 🇹🇼" and data.region_name("north") == "North 😷"


def test_an_earlier_run_folder_keeps_what_the_run_did_not_write(tmp_path: Path) -> None:
    """New data takes the brief and figures made from the old data with it (saying so);
    what else the folder holds stays."""
    out = writer.write(run(load(MINIMAL)), tmp_path / "run")
    (out / "figures").mkdir()
    (out / "figures" / "stock.png").write_bytes(b"png")
    (out / "figures" / "README.txt").write_text("my notes on the figures")
    (out / "brief.pdf").write_bytes(b"%PDF")
    (out / "notes.txt").write_text("mine")
    writer.write(run(load(MINIMAL)), out)  # the same data: the figures still belong to it
    assert (out / "figures" / "stock.png").read_bytes() == b"png"
    assert (out / "brief.pdf").exists()
    with pytest.warns(UserWarning, match=r"removed brief\.pdf and figures/ \(1 image\), made "
                      "from the earlier run's data"):
        writer.write(run(load(MINIMAL, ["seed=5"])), out)
    assert not (out / "figures" / "stock.png").exists() and not (out / "brief.pdf").exists()
    assert (out / "figures" / "README.txt").read_text() == "my notes on the figures"
    assert (out / "notes.txt").read_text() == "mine"
    assert "seed = 5" in (out / "scenario.toml").read_text()
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "figures", "notes.txt"])


def test_an_earlier_run_of_another_scenario_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = writer.write(run(load(MINIMAL)), tmp_path / "run")
    (out / "brief.pdf").write_bytes(b"%PDF")
    other = run(load(MINIMAL, ["name=another"]))
    with pytest.raises(InputError, match="holds a run of another scenario .'minimal', not "
                       "'another'.; choose another --out .* or add --force"):
        writer.write(other, out)
    assert "name = \"minimal\"" in (out / "scenario.toml").read_text()
    assert (out / "brief.pdf").exists()
    with pytest.warns(UserWarning, match="removed brief.pdf"):
        writer.write(other, out, force=True)
    assert "name = \"another\"" in (out / "scenario.toml").read_text()
    assert sorted(p.name for p in out.iterdir()) == FILES


def test_an_empty_folder_is_written_and_another_folder_refused(tmp_path: Path) -> None:
    result = run(load(MINIMAL))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert sorted(p.name for p in writer.write(result, empty).iterdir()) == FILES
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("mine")
    (other / "scenario.toml").write_text("mine too")  # a run folder has summary.json too
    with pytest.raises(InputError, match="holds other files"):
        writer.write(result, other)
    assert sorted(os.listdir(other)) == ["scenario.toml", "thesis.tex"]
    assert (other / "scenario.toml").read_text() == "mine too"
    a_file = tmp_path / "a_file"
    a_file.write_text("mine")
    with pytest.raises(InputError, match="is a file, not a folder"):
        writer.write(result, a_file)
    assert a_file.read_text() == "mine"


def test_a_long_sweep_name_gives_a_short_default_folder(tmp_path: Path) -> None:
    import tomli_w

    from sim.sweep.store import default_folder, load_sweep, prepare, run_info

    sweep = tmp_path / "s.toml"
    sweep.write_text(tomli_w.dumps({
        "name": "s" * 300, "base": str(MINIMAL),
        "design": {"kind": "full_factorial", "levels": 2},
        "parameters": [{"path": "reserve.days", "uniform": [0, 14]}],
    }))
    resolved = load_sweep(sweep)
    out = default_folder(resolved, tmp_path / "results")
    assert out.name.startswith("s" * 64 + "-") and len(out.name) == 64 + 1 + 10
    prepare(out, resolved, resume=False, run_info=run_info("local", 1, None))
    assert (out / "provenance.json").is_file()
