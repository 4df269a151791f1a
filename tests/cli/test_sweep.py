"""``masksim sweep`` and ``masksim sensitivity``: identical folders whatever the executor,
kill and resume, existing folders, one-line errors with exit code 2."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli.main import main
from sim.sweep.executors import DaskExecutor
from sim.sweep.store import read_bookkeeping, read_series, read_sweep

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.toml"
POLICY = REPO / "scenarios" / "sweeps" / "taiwan_2020_policy.toml"

SWEEP = """
name = "small"
base = "{base}"
seed = 3
replications = 2
chunk_size = {chunk}
outcomes = ["domestic_shortfall", "donated_total", "min_fill_rate", "gini_fill_rate"]
series = {series}

[design]
kind = "{kind}"
samples = {samples}

[[parameters]]
path = "reserve.days"
uniform = [0, 14]

[[parameters]]
path = "allocation.rule"
values = ["proportional", "maxmin"]

[[parameters]]
path = "shipments.cadence_days"
integer = [5, 8]
"""


def sweep_file(tmp: Path, *, kind: str = "latin_hypercube", samples: int = 24,
               chunk: int = 10, series: str = '["stock", "shipped"]',
               name: str = "sweep.toml") -> Path:
    path = tmp / name
    path.write_text(SWEEP.format(base=MINIMAL, kind=kind, samples=samples, chunk=chunk,
                                 series=series))
    return path


def parts(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes()
            for p in sorted(out.glob("*/part-*.parquet"))}


def test_every_local_executor_writes_identical_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = sweep_file(tmp_path)
    runs = {w: tmp_path / f"w{w}" for w in ("0", "1", "2")}
    for workers, out in runs.items():
        assert main(["sweep", str(f), "--out", str(out), "--workers", workers]) == 0
        printed = capsys.readouterr().out.strip().splitlines()
        assert printed[-1] == str(out)
    first = parts(runs["0"])
    assert len(first) == 2 * 5  # 48 experiments in chunks of 10, series and experiments
    for out in runs.values():
        assert parts(out) == first
    experiments, outcomes = read_sweep(runs["2"])
    assert list(experiments.columns) == ["reserve.days", "allocation.rule",
                                         "shipments.cadence_days", "scenario"]
    assert experiments.index.name == "experiment"
    assert experiments.index.tolist() == list(range(48))
    assert experiments["scenario"].tolist() == [i // 2 for i in range(48)]
    assert read_bookkeeping(runs["2"])["replication"].tolist() == [0, 1] * 24
    assert set(outcomes) == {"domestic_shortfall", "donated_total", "min_fill_rate",
                             "gini_fill_rate"}
    assert all(v.shape == (48,) and v.dtype == np.float64 for v in outcomes.values())
    series = read_series(runs["1"])
    assert len(series) == 48 * 56 and {"experiment", "date", "stock", "shipped"} <= set(series)
    prov = json.loads((runs["1"] / "provenance.json").read_text())
    assert prov["n_experiments"] == 48 and prov["root_seed"] == 3
    assert prov["runs"][0]["executor"] == "local" and prov["runs"][0]["workers"] == 1


def test_dask_local_cluster_writes_the_same_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("dask.distributed", reason="dask[distributed] (extra 'dask') missing")
    f = sweep_file(tmp_path)
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert main(["sweep", str(f), "--out", str(local), "--workers", "0", "-q"]) == 0
    assert main(["sweep", str(f), "--out", str(dask), "--executor", "dask",
                 "--workers", "2"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(dask)
    assert parts(dask) == parts(local)
    a, _ = read_sweep(local)
    b, _ = read_sweep(dask)
    assert a.equals(b)


def test_killed_sweep_resumes_to_the_same_folder(tmp_path: Path) -> None:
    f = sweep_file(tmp_path, kind="monte_carlo", samples=500, chunk=10, series="[]")
    n_chunks = 1000 // 10
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(f), "--out", str(killed),
           "--workers", "1", "--quiet"]
    # Its own session, so SIGKILL takes the worker processes down with it, as a crash would.
    proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list((killed / "experiments").glob("part-*.parquet")):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "no part file within 60 s"
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((killed / "experiments").glob("part-*.parquet")))
    assert 0 < done < n_chunks, "the sweep finished before it could be killed"

    # Without --resume an unfinished folder is refused; with it only missing chunks run.
    assert main(["sweep", str(f), "--out", str(killed), "--workers", "0", "-q"]) == 2
    before = {p.name: p.stat().st_mtime_ns for p in (killed / "experiments").glob("part-*")}
    assert main(["sweep", str(f), "--out", str(killed), "--workers", "0", "-q",
                 "--resume"]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in (killed / "experiments").glob("part-*")}
    assert all(after[name] == t for name, t in before.items())  # finished chunks kept
    assert len(after) == n_chunks
    assert not list(killed.rglob(".*.tmp"))

    whole = tmp_path / "whole"
    assert main(["sweep", str(f), "--out", str(whole), "--workers", "0", "-q"]) == 0
    assert parts(killed) == parts(whole)
    a, oa = read_sweep(killed)
    b, ob = read_sweep(whole)
    assert a.equals(b) and all(np.array_equal(oa[k], ob[k]) for k in oa)


def test_existing_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = sweep_file(tmp_path, series="[]")
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 0
    stamp = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    capsys.readouterr()
    # Complete, same sweep: nothing runs, the path is printed.
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert "already complete" in printed[0] and printed[-1] == str(out)
    assert stamp == {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    # The folder's own sweep.toml is the same sweep.
    assert main(["sweep", str(out / "sweep.toml"), "--out", str(out), "-q"]) == 0
    # Another sweep into it: refused, with or without --resume.
    other = sweep_file(tmp_path, samples=25, name="other.toml")
    for extra in ([], ["--resume"]):
        assert main(["sweep", str(other), "--out", str(out), "-q", *extra]) == 2
        assert "another sweep" in capsys.readouterr().err
    # A folder that is not a sweep's.
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    assert main(["sweep", str(f), "--out", str(tmp_path / "busy"), "-q"]) == 2
    # A lost part is recomputed by --resume, byte for byte.
    lost = out / "experiments" / "part-000002.parquet"
    original = lost.read_bytes()
    lost.unlink()
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q",
                 "--resume"]) == 0
    assert lost.read_bytes() == original


def test_default_folder_and_quiet_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    f = sweep_file(tmp_path, series="[]")
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(f), "--workers", "0", "--quiet"]) == 0
    captured = capsys.readouterr()
    (line,) = captured.out.strip().splitlines()
    assert captured.err == ""
    folder = Path(line)
    assert folder.parent == Path("results") and folder.name.startswith("small-")
    assert len(folder.name) == len("small-") + 10
    assert (tmp_path / folder / "provenance.json").exists()
    assert [p.name for p in (tmp_path / "results").iterdir()] == [folder.name]  # no temp


BAD_CASES = {
    "reserve.dayz": ("parameters[0].path", 'path = "reserve.days"', 'path = "reserve.dayz"'),
    "lo > hi": ("parameters[0].uniform", "uniform = [0, 14]", "uniform = [14, 0]"),
    "outcome": ("outcomes[0]", '"domestic_shortfall"', '"domestic_safety"'),
    "design": ("design.kind", 'kind = "latin_hypercube"', 'kind = "hypercube"'),
    "base": ("base", str(MINIMAL), "missing.toml"),
    "too big": ("design.samples", "samples = 24", "samples = 1_000_000_000_000"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_sweep_files_exit_2_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    field, old, new = BAD_CASES[case]
    f = sweep_file(tmp_path)
    f.write_text(f.read_text().replace(old, new, 1))
    assert main(["sweep", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{f}: {field}: "), err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_bad_executor_options_exit_2(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    f = sweep_file(tmp_path)
    assert main(["sweep", str(f), "--workers", "-1"]) == 2
    assert main(["sweep", str(f), "--out", str(tmp_path / "o"), "--scheduler", "x:1"]) == 2
    assert "--scheduler" in capsys.readouterr().err


def test_sensitivity_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sobol = sweep_file(tmp_path, kind="sobol", samples=16, chunk=50, series="[]")
    out = tmp_path / "sobol"
    assert main(["sweep", str(sobol), "--out", str(out), "--workers", "0", "-q"]) == 0
    capsys.readouterr()
    assert main(["sensitivity", str(out), "--outcomes", "donated_total",
                 "min_fill_rate"]) == 0
    printed = capsys.readouterr().out
    assert "donated_total" in printed and "reserve.days" in printed
    assert printed.strip().splitlines()[-1] == str(out / "sensitivity.csv")
    with open(out / "sensitivity.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["outcome", "parameter", "method", "first", "first_low",
                             "first_high", "total", "total_low", "total_high", "srrc"]
    assert {r["outcome"] for r in rows} == {"donated_total", "min_fill_rate"}
    sobol_rows = [r for r in rows if r["method"] == "sobol"]
    assert {r["parameter"] for r in sobol_rows} == {"reserve.days", "allocation.rule",
                                                    "shipments.cadence_days"}
    assert all(r["total"] != "" for r in sobol_rows)
    for r in sobol_rows:  # each index within its own 95 % interval
        for index in ("first", "total"):
            low, mid, high = (float(r[f"{index}{s}"]) for s in ("_low", "", "_high"))
            assert low <= mid <= high, r
    report = json.loads((out / "sensitivity.json").read_text())
    assert set(report["srrc_r2"]) == {"donated_total", "min_fill_rate"}

    lhs = sweep_file(tmp_path, series="[]", name="lhs.toml")
    out2 = tmp_path / "lhs"
    assert main(["sweep", str(lhs), "--out", str(out2), "--workers", "0", "-q"]) == 0
    assert main(["sensitivity", str(out2)]) == 0
    with open(out2 / "sensitivity.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["method"] for r in rows} == {"srrc"}
    assert {r["parameter"] for r in rows} == {"reserve.days", "allocation.rule=maxmin",
                                              "shipments.cadence_days"}
    assert all(r["first"] == "" for r in rows)
    # No domestic shortfall in any experiment: a constant outcome has no coefficients.
    assert all((r["srrc"] == "") == (r["outcome"] == "domestic_shortfall") for r in rows)
    capsys.readouterr()
    assert main(["sensitivity", str(out2), "--outcomes", "produced"]) == 2
    assert capsys.readouterr().err.startswith("--outcomes: produced: ")


def test_an_invalid_experiment_stops_the_sweep_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every corner is valid (mode <= max at both ends and the middle), but inside the
    # design some points have mode > max: found by the worker, reported by experiment.
    f = tmp_path / "inner.toml"
    f.write_text(f"""
name = "inner"
base = "{MINIMAL}"
chunk_size = 8
[design]
kind = "monte_carlo"
samples = 40
[[parameters]]
path = "regions[1].lead_time.mode"
uniform = [2, 9]
[[parameters]]
path = "regions[1].lead_time.max"
uniform = [4, 12]
[[parameters]]
path = "regions[1].lead_time.min"
uniform = [0, 2]
[[parameters]]
path = "reserve.days"
uniform = [0, 1]
""")
    assert main(["sweep", str(f), "--out", str(tmp_path / "o"), "--workers", "1", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{f}: experiment "), err
    assert "regions[1].lead_time.mode: must satisfy min <= mode <= max" in err


def _policy_sweep(tmp: Path, samples: int, extra: str = "") -> Path:
    """The Taiwan policy sweep, reduced to ``samples`` base samples."""
    text = POLICY.read_text()
    text = text.replace('base = "../taiwan_2020.toml"', f'base = "{POLICY.parent.parent}/'
                        'taiwan_2020.toml"' + extra).replace("samples = 1024",
                                                              f"samples = {samples}")
    path = tmp / "policy.toml"
    path.write_text(text)
    return path


def test_sobol_sweeps_use_common_random_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Transit happens after domestic service: transit times cannot move the domestic
    # shortfall. With a seed per experiment, outage noise differs between the A and AB_i rows
    # and gives them a total index all the same; with common random numbers it is 0.
    f = _policy_sweep(tmp_path, 64)
    out, again = tmp_path / "crn", tmp_path / "again"
    for folder in (out, again):
        assert main(["sweep", str(f), "--out", str(folder), "--workers", "0", "-q"]) == 0
    assert parts(out) == parts(again)  # same seed, same bytes
    assert 'seeding = "common"' in (out / "sweep.toml").read_text()
    capsys.readouterr()
    assert main(["sensitivity", str(out), "--outcomes", "domestic_shortfall"]) == 0
    printed = capsys.readouterr().out
    assert "95% CI" in printed
    with open(out / "sensitivity.csv", newline="") as fh:
        rows = {r["parameter"]: r for r in csv.DictReader(fh) if r["method"] == "sobol"}
    transit = rows["lead_time.max_scale"]
    assert float(transit["total_low"]) <= 0.0 <= float(transit["total_high"]), transit
    assert float(transit["total"]) == pytest.approx(0.0, abs=1e-12)
    uptake = rows["domestic.uptake"]  # what people buy does drive it
    assert float(uptake["total_low"]) > 0.5
    seeds = read_bookkeeping(out)
    assert seeds["seed"].nunique() == 1  # one replication: every point shares its seed


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc: psutil is not a dependency)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name in parentheses may hold spaces: the ppid follows the last ')'
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's wait is missing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_processes_die_with_a_killed_sweep(tmp_path: Path) -> None:
    f = sweep_file(tmp_path, kind="monte_carlo", samples=3000, chunk=40, series="[]")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(f), "--out", str(out), "--workers", "2",
           "--quiet"]
    # Its own process group, so the test can clean up whatever a failure leaves behind.
    proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        # Both pool workers and multiprocessing's resource tracker.
        while len(children := _children(proc.pid)) < 3 or not list(
                (out / "experiments").glob("part-*.parquet")):
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, f"children {children} after 60 s"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as the OOM killer would
        proc.wait()
        deadline = time.monotonic() + 10
        while (left := [c for c in children if _alive(c)]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"orphans of the killed sweep still running: {left}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


INTERRUPTED = re.compile(r"masksim: interrupted; (\d+) of (\d+) chunks kept; "
                         r"run again with --resume")


def _interrupt_when(f: Path, out: Path, ready: Callable[[int], bool],
                    *flags: str) -> tuple[int, str]:
    """Start ``masksim sweep`` on two workers, wait until ``ready(pid)``, press Ctrl-C (SIGINT
    to its whole process group, as a terminal does): its exit code and stderr."""
    cmd = [sys.executable, "-m", "sim", "sweep", str(f), "--out", str(out), "--workers", "2",
           "--quiet", *flags]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready(proc.pid):
            assert proc.poll() is None, "the sweep ended before it could be interrupted"
            assert time.monotonic() < deadline, "not ready within 60 s"
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups, /proc")
def test_ctrl_c_at_any_moment_prints_one_line_and_a_rerun_needs_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = sweep_file(tmp_path, kind="monte_carlo", samples=1200, chunk=24, series="[]")

    def parts_done(out: Path) -> int:
        return len(list((out / "experiments").glob("part-*.parquet")))

    # While the command's modules load (pydantic's core is loaded by then, on the way to
    # the command): one line, nothing to resume.
    def loading(pid: int) -> bool:
        return "pydantic_core" in Path(f"/proc/{pid}/maps").read_text()

    code, err = _interrupt_when(f, tmp_path / "early", loading)
    assert code == 130 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("masksim: interrupted") and "Traceback" not in err, err
    moments = {  # the folder just made (workers still starting), chunks kept
        "folder": lambda out: (out / "provenance.json").exists(),
        "chunks": lambda out: parts_done(out) >= 2,
    }
    for name, ready in moments.items():
        out = tmp_path / name.replace(" ", "-")
        code, err = _interrupt_when(f, out, lambda _pid, out=out, ready=ready: ready(out))
        assert code == 130, (name, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, (name, err)
        match = INTERRUPTED.fullmatch(lines[0])
        assert match, (name, err)
        assert int(match[1]) == parts_done(out) and int(match[2]) == 100
        assert not list(out.rglob(".*.tmp"))
        # The same answer whether none or several chunks were kept: finish with --resume.
        capsys.readouterr()
        assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 2
        err = capsys.readouterr().err
        assert f"({parts_done(out)} of 100 chunks); add --resume" in err, err
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q", "--resume"]) == 0
    assert parts_done(out) == 100
    if importlib.util.find_spec("distributed") is not None:  # a LocalCluster's processes too
        out = tmp_path / "dask"
        code, err = _interrupt_when(f, out, lambda _pid: parts_done(out) >= 1,
                                    "--executor", "dask")
        assert code == 130 and INTERRUPTED.fullmatch(err.strip()), err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    pytest.importorskip("dask.distributed", reason="dask[distributed] (extra 'dask') missing")
    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{_free_port()}"
    # Every server on 127.0.0.1: without --dashboard-address, the HTTP servers (health
    # checks) of both listen on every interface even with --no-dashboard.
    local = ["--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0"]
    procs = [subprocess.Popen([dask, "scheduler", "--port", address.rsplit(":", 1)[1],
                               *local],
                              cwd=tmp_path, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs += [subprocess.Popen([dask, "worker", address, *local, "--nthreads", "1",
                                    "--no-nanny"],
                                   cwd=tmp_path, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                  for _ in range(2)]
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        # The scheduler closes its workers (a SIGTERM'd worker first retries the scheduler
        # for seconds); whatever is left after a few seconds is killed.
        with contextlib.suppress(Exception):
            from dask.distributed import Client

            with Client(address, timeout="5s") as client:
                client.shutdown()
        deadline = time.monotonic() + 5
        for proc in procs:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_a_real_dask_cluster_from_its_own_configuration(
    tmp_path: Path, dask_cluster: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    f = sweep_file(tmp_path, series="[]")
    local = tmp_path / "local"
    assert main(["sweep", str(f), "--out", str(local), "--workers", "0", "-q"]) == 0
    # The address from Dask's own configuration, as its users set it.
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", dask_cluster)
    import dask.config

    dask.config.refresh()
    out = tmp_path / "dask"
    assert main(["sweep", str(f), "--out", str(out), "--executor", "dask"]) == 0
    printed = capsys.readouterr().out
    assert f"scheduler {dask_cluster} (from DASK_SCHEDULER_ADDRESS): 2 worker(s)" in printed
    assert "allocator vector (numpy)" in printed
    assert parts(out) == parts(local)
    run = json.loads((out / "provenance.json").read_text())["runs"][0]
    assert (run["executor"], run["workers"], run["threads"]) == ("dask", 2, 2)
    assert run["scheduler"] == dask_cluster
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    dask.config.refresh()
    again = tmp_path / "again"
    assert main(["sweep", str(f), "--out", str(again), "--executor", "dask", "--scheduler",
                 dask_cluster, "-q"]) == 0
    assert parts(again) == parts(local)


def test_an_unreachable_scheduler_exits_2_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dask.distributed", reason="dask[distributed] (extra 'dask') missing")
    monkeypatch.setattr(DaskExecutor, "CONNECT_TIMEOUT", "1s")
    f = sweep_file(tmp_path, series="[]")
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens there
    assert main(["sweep", str(f), "--out", str(out), "--executor", "dask", "--scheduler",
                 address]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"--scheduler: {address}: cannot connect") and "\n" not in err
    assert not out.exists()


def test_the_header_names_the_backend_that_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = sweep_file(tmp_path, samples=4, series="[]")
    f.write_text(f.read_text().replace("series = []", 'series = []\nbackend = "compiled"'))
    assert main(["sweep", str(f), "--out", str(tmp_path / "o"), "--workers", "0"]) == 0
    assert "allocator compiled (numba" in capsys.readouterr().out


def test_the_header_says_what_outcomes_count_with_goods_of_several_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "goods.toml"
    f.write_text(f'name = "goods"\nbase = "{REPO / "scenarios" / "donors_2020.toml"}"\n'
                 'seed = 1\noutcomes = ["domestic_shortfall"]\n[design]\n'
                 'kind = "full_factorial"\n[[parameters]]\npath = "donors[0].reserve.days"\n'
                 'values = [0, 14]\n')
    out = tmp_path / "o"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0"]) == 0
    said = "outcomes count Medical masks alone, in masks (the goods differ in unit: masks, "
    assert said in capsys.readouterr().out
    assert json.loads((out / "provenance.json").read_text())["outcomes_count"].startswith(
        "outcomes count Medical masks alone")


def test_a_sweep_keeps_one_goods_outcomes_and_names_an_unknown_good(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = REPO / "scenarios" / "donors_2020.toml"
    f = tmp_path / "kits.toml"
    f.write_text(f'name = "kits"\nbase = "{base}"\nseed = 1\n'
                 'outcomes = ["domestic_shortfall", "delivered_total[test_kits]", '
                 '"min_fill_rate[suits]"]\n[design]\nkind = "full_factorial"\n'
                 '[[parameters]]\npath = "donors[0].reserve.days"\nvalues = [0, 14]\n')
    out = tmp_path / "o"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 0
    _, outcomes = read_sweep(out)
    scenarios = sim.with_overrides(sim.load(base), [{"donors[0].reserve.days": d}
                                                    for d in (0, 14)])
    seeds = [int(x) for x in read_bookkeeping(out)["seed"]]
    each = sim.run_scenarios(scenarios, seeds, goods=["test_kits", "suits"]).metrics
    for name in ("delivered_total[test_kits]", "min_fill_rate[suits]", "domestic_shortfall"):
        assert outcomes[name].tolist() == each[name].tolist(), name
    f.write_text(f.read_text().replace("min_fill_rate[suits]", "min_fill_rate[gloves]"))
    capsys.readouterr()
    assert main(["sweep", str(f), "--out", str(tmp_path / "bad"), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"{f}: outcomes[2]: unknown good 'gloves' in 'min_fill_rate[gloves]' (the "
                   "goods are masks, test_kits, suits)")
    assert not (tmp_path / "bad").exists()


def test_a_sweep_of_goods_outcomes_plots_them_as_outcomes(tmp_path: Path) -> None:
    base = REPO / "scenarios" / "donors_2020.toml"
    f = tmp_path / "kits.toml"
    f.write_text(f'name = "kits"\nbase = "{base}"\nseed = 1\n'
                 'outcomes = ["min_fill_rate[test_kits]", "unmet_need[test_kits]"]\n'
                 '[design]\nkind = "full_factorial"\n[[parameters]]\n'
                 'path = "donors[0].reserve.days"\nvalues = [0, 7, 14]\n')
    out = tmp_path / "o"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "0", "-q"]) == 0
    assert main(["plot", str(out)]) == 0
    names = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert "tradeoff.png" in names
    assert not any(n.startswith(("lever-min_fill_rate", "lever-unmet_need")) for n in names)
