"""A fuzzer for the input edge: mutated scenario, sweep and cases files through the CLI.

Each case is a small folder of input files (a mutated copy of a shipped scenario or sweep,
its base scenario, maybe a cases table) and one command, run in-process through
``sim.cli.main.main`` with a timeout. Its outcome is classified:

* OK: exit 2 with exactly one stderr line that starts with the name of one of the case's
  files (``file: field: message``, or ``file: message`` for syntax and encoding);
* OK: exit 0 with a result folder that reads back, and nothing on stderr;
* FAIL: exit 1 (internal error), an exception out of ``main``, a hang, more than one line,
  a line naming no input file, a warning, a folder that does not read back, or any file
  written outside the output folder.

From the suite: ``tests/scenario/test_fuzz.py`` runs a fixed-seed sample. By hand::

    python tests/fuzzing.py --n 1000                     # counts by outcome class
    python tests/fuzzing.py --n 1 --first 417 -v         # one case again, with details
    PYTHONPATH=/tmp/oldmain python tests/fuzzing.py --old   # the pre-fix layout
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import datetime as dt
import importlib
import io
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("scenarios/minimal.toml", "scenarios/taiwan_2020.toml",
             "tests/fixtures/engines_tie.toml")
SWEEPS = ("scenarios/sweeps/taiwan_2020_policy.toml",)
# The pre-fix layout (commit 97896be) kept the CLI and readers in other modules.
NEW_TARGETS = ("sim.cli.main:main", "sim.results.reader:load_run", "sim.sweep.store:read_sweep")
OLD_TARGETS = ("sim.cli:main", "sim.rundir:load_run", "sim.sweep_store:read_sweep")

OK_CLASSES = ("ok-input", "ok-run")


@dataclass
class Case:
    index: int
    kind: str  # "scenario" | "sweep"
    command: str  # "run" | "validate" | "sweep"
    main_file: str  # relative to the case folder
    files: dict[str, bytes]  # relative path -> content
    mutations: list[str] = field(default_factory=list)
    engine: str = "des"


@dataclass
class Outcome:
    case: Case
    cls: str
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.cls in OK_CLASSES


# --- generation ----------------------------------------------------------------------------

SPECIAL_NUMBERS: tuple[Any, ...] = (
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, -1, 0, 0.0, 10**12, 10**6,
    2**63 - 1, -(2**63), 5e-324, 1e16, -0.0, 2**31, 3, 10**30, 1e-300,
)
WRONG_TYPES: tuple[Any, ...] = (
    "text", "", 7, 1.5, True, [], {}, [1, "a"], {"x": 1}, dt.date(2020, 3, 4),
    dt.datetime(2020, 3, 4, 5, 6, tzinfo=dt.UTC), dt.time(12, 0),
)
DATES = (dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(9999, 12, 1), dt.date(1899, 12, 31),
         dt.date(2201, 1, 1), dt.date(1970, 1, 1), dt.date(2020, 2, 29), dt.date(2100, 1, 1))
NASTY = ("\n", "\x00", "\r", "\x1b[31m", "\u2028", "\U0001f637", "\x7f", "\u202e", "\t",
         "\\", '"', "'", "\x85", "é", " ")
TABLE_OK = ("iso_code,date,new_cases\nTWN,2020-03-01,5\nTWN,3/2/2020,7\nUSA,2020-03-02,100\n"
            "TWN,2020-03-03,\n")


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _nodes(v, (*path, i))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


def _pick(rng: random.Random, data: Any, want: Callable[[Any], bool]) -> tuple[Any, ...] | None:
    found = [p for p, v in _nodes(data) if p and want(v)]
    return rng.choice(found) if found else None


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _parent(data, path)[path[-1]] = value


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _table(rng: random.Random) -> tuple[bytes, str]:
    """A cases table, sound or broken in one of the ways real CSV files are."""
    how = rng.choice(["ok", "ok", "short-row", "open-quote", "latin-1", "utf-16", "nan",
                      "huge", "bad-date", "no-column", "nul", "empty", "bom", "far-date",
                      "extra-field", "random"])
    text = TABLE_OK
    if how == "short-row":
        text += "TWN,2020-03-04\n"
    elif how == "open-quote":
        text += 'TWN,2020-03-05,"12\n'
    elif how == "nan":
        text += "TWN,2020-03-05,nan\nTWN,2020-03-06,inf\n"
    elif how == "huge":
        text += "TWN,2020-03-05,1e308\nTWN,2020-03-06,1e308\n"
    elif how == "bad-date":
        text += "TWN,13/45/2020,3\nTWN,1/2/3/4,3\n"
    elif how == "far-date":
        text += "TWN,9999-12-31,3\nTWN,0001-01-01,3\n"
    elif how == "no-column":
        text = text.replace("new_cases", "cases", 1)
    elif how == "nul":
        text += "TWN,2020-03-05,\x003\n"
    elif how == "empty":
        text = ""
    elif how == "extra-field":
        text += "TWN,2020-03-05,3,4,5\n"
    if how == "latin-1":
        return (text + "CÔT,2020-03-01,1\n").encode("latin-1"), how
    if how == "utf-16":
        return text.encode("utf-16"), how
    if how == "bom":
        return text.encode("utf-8-sig"), how
    if how == "random":
        return rng.randbytes(rng.randint(1, 200)), how
    return text.encode(), how


def mutate_data(rng: random.Random, data: dict[str, Any], files: dict[str, bytes],
                sweep: bool) -> str:
    """One structural mutation of parsed TOML, in place; returns what it did."""
    op = rng.choice(["type", "delete", "unknown", "number", "number", "date", "dup", "string",
                     "empty", "grow", "cases", "cases", "id-newline", "order", "scale", "scale",
                     "shift"])
    if op == "scale":  # often still valid: extreme but legal values reach the engines
        p = _pick(rng, data, _is_num)
        if p and not (sweep and p[0] in ("design", "replications", "chunk_size")):
            factor = rng.choice([0, 0.5, 2, 10, 1000, 1e6, 1e9])
            old = _get(data, p)
            _set(data, p, type(old)(old * factor) if isinstance(old, int) else old * factor)
            return f"scale {p} x {factor:g}"
    if op == "shift":
        p = _pick(rng, data, lambda v: isinstance(v, dt.date))
        if p:
            days = rng.choice([-1, 1, 7, -400, 4000, 36000, -36000])
            try:
                _set(data, p, _get(data, p) + dt.timedelta(days=days))
            except OverflowError:
                return "none"
            return f"shift {p} by {days} days"
    if op == "type":
        p = _pick(rng, data, lambda v: True)
        if p:
            _set(data, p, rng.choice(WRONG_TYPES))
            return f"type {p}"
    if op == "delete":
        p = _pick(rng, data, lambda v: True)
        if p:
            parent = _parent(data, p)
            del parent[p[-1]]
            return f"delete {p}"
    if op == "unknown":
        dicts = [p for p, v in _nodes(data) if isinstance(v, dict)]
        p = rng.choice(dicts)
        target = _get(data, p)
        key = rng.choice(["zz_unknown", "x\ny", "\x00", "Name", "\U0001f637", "a.b", ""])
        target[key] = rng.choice(WRONG_TYPES)
        return f"unknown {p}.{key!r}"
    if op == "number":
        p = _pick(rng, data, _is_num)
        if p:
            value = rng.choice(SPECIAL_NUMBERS)
            if sweep and p[0] in ("design", "replications", "chunk_size") and _is_num(value) \
                    and abs(value) > 64:
                value = 3  # sweep design sizes are bounded elsewhere; keep the case quick
            _set(data, p, value)
            return f"number {p} = {value!r}"
    if op == "date":
        p = _pick(rng, data, lambda v: isinstance(v, dt.date))
        if p:
            value = rng.choice(DATES)
            _set(data, p, value)
            return f"date {p} = {value}"
    if op == "order":
        h = data.get("horizon")
        if isinstance(h, dict) and "start" in h and "end" in h:
            h["start"], h["end"] = h["end"], h["start"]
            return "horizon swapped"
    if op == "dup":
        lists = [p for p, v in _nodes(data) if isinstance(v, list) and v]
        if lists:
            p = rng.choice(lists)
            lst = _get(data, p)
            lst.append(copy.deepcopy(rng.choice(lst)))
            return f"dup {p}"
    if op in ("string", "id-newline"):
        p = _pick(rng, data, lambda v: isinstance(v, str))
        if p:
            value = _get(data, p)
            nasty = "\n" if op == "id-newline" else rng.choice(NASTY)
            at = rng.choice([0, len(value)])
            _set(data, p, value[:at] + nasty + value[at:])
            return f"string {p} += {nasty!r}"
    if op == "empty":
        p = _pick(rng, data, lambda v: isinstance(v, list | dict))
        if p:
            _set(data, p, [] if isinstance(_get(data, p), list) else {})
            return f"empty {p}"
    if op == "grow":
        p = _pick(rng, data, lambda v: isinstance(v, list) and bool(v))
        if p:
            lst = _get(data, p)
            lst.extend(copy.deepcopy(lst[-1]) for _ in range(rng.choice([5, 40])))
            return f"grow {p}"
    if op == "cases" and isinstance(data.get("regions"), list) and data["regions"]:
        region = rng.choice(data["regions"])
        if isinstance(region, dict):
            table, how = _table(rng)
            name = rng.choice(["cases.csv"] * 6 + ["cases\x00.csv", "missing.csv", ".", "",
                                                    "/nonexistent/cases.csv", "sub/../cases.csv"])
            files["cases.csv"] = table
            region["need"] = {"kind": "cases", "table": name,
                              "iso_codes": rng.choice([["TWN"], ["TWN"], ["TWN", "USA"], ["XXX"],
                                                       []]),
                              "masks_per_case": rng.choice([10, 10, 10, 0, 1e308, -1]),
                              "active_days": rng.choice([14, 14, 14, 1, 0, 10**12, 366])}
            if rng.random() < 0.3:
                data.setdefault("allocation", {})
                if isinstance(data["allocation"], dict):
                    data["allocation"]["shares"] = "cases"
            return f"cases table {name!r} {how}"
    return "none"


def mutate_text(rng: random.Random, raw: bytes) -> tuple[bytes, str]:
    """One byte-level mutation of a whole file."""
    op = rng.choice(["truncate", "insert", "flip", "latin-1", "utf-16", "random", "png",
                     "deep-array", "deep-table", "control", "empty", "crlf"])
    if op == "truncate":
        return raw[: rng.randrange(len(raw) + 1)], op
    if op == "insert":
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + rng.randbytes(rng.randint(1, 8)) + raw[at:], op
    if op == "flip":
        out = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out), op
    if op == "latin-1":
        text = raw.decode("utf-8", "replace").replace('name = "', 'name = "Côte ', 1)
        return text.encode("latin-1", "replace") + "# é\n".encode("latin-1"), op
    if op == "utf-16":
        return raw.decode("utf-8", "replace").encode(rng.choice(["utf-16", "utf-16-le"])), op
    if op == "random":
        return rng.randbytes(rng.randint(1, 400)), op
    if op == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(64), op
    if op in ("deep-array", "deep-table"):
        n = rng.choice([50, 200, 500, 2000, 20000])
        deep = "[" * n + "]" * n if op == "deep-array" else "{a = " * n + "1" + "}" * n
        key = rng.choice(["deep", "name", "seed"])
        return f"{key} = {deep}\n".encode() + raw, f"{op} {n} at {key}"
    if op == "control":
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + rng.choice([b"\x00", b"\x1b", b"\x7f", b"\x0c", b"\r"]) + raw[at:], op
    if op == "crlf":
        return raw.replace(b"\n", b"\r\n"), op
    return b"", op


def _small_design(rng: random.Random, data: dict[str, Any]) -> None:
    """A design of a few dozen experiments, so a sweep case takes a second, not an hour."""
    data["design"] = rng.choice([
        {"kind": "sobol", "samples": 2}, {"kind": "monte_carlo", "samples": 4},
        {"kind": "latin_hypercube", "samples": 3}])
    data["replications"] = rng.choice([1, 2])
    data["chunk_size"] = rng.choice([4, 7, 1000])


def generate(seed: int, index: int, repo: Path = REPO, sweeps: float = 0.25) -> Case:
    """Case ``index`` of the run with root ``seed``: the same case every time."""
    rng = random.Random(f"{seed}:{index}")
    files: dict[str, bytes] = {}
    if rng.random() < sweeps:
        sweep_path = rng.choice(SWEEPS)
        raw = (repo / sweep_path).read_bytes()
        data = tomllib.loads(raw.decode())
        base = (repo / sweep_path).parent / str(data.get("base", ""))
        files["base.toml"] = base.read_bytes()
        data["base"] = "base.toml"
        _small_design(rng, data)
        kind, command, main_file = "sweep", "sweep", "sweep.toml"
    else:
        raw = (repo / rng.choice(SCENARIOS)).read_bytes()
        data = tomllib.loads(raw.decode())
        kind, main_file = "scenario", "scenario.toml"
        command = "validate" if rng.random() < 0.3 else "run"
    mutations: list[str] = []
    target = main_file
    if kind == "sweep" and rng.random() < 0.3:  # now and then break the base instead
        target = "base.toml"
        files[main_file] = tomli_w.dumps(data).encode()
        data = tomllib.loads(files["base.toml"].decode())
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutations.append(mutate_data(rng, data, files, sweep=target == "sweep.toml"))
    try:
        text = tomli_w.dumps(data).encode()
    except (TypeError, ValueError) as exc:  # tomli-w cannot write it: a byte-level case
        text, mutations = raw, [*mutations, f"unwritable: {exc}"]
    if rng.random() < 0.3:
        text, how = mutate_text(rng, text)
        mutations.append(f"text {how}")
    files[target] = text
    engine = rng.choice(["des", "batch"])
    return Case(index, kind, command, main_file, files, mutations, engine)


# --- running --------------------------------------------------------------------------------

class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so ``main``'s own handler does not catch it."""


def _alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout


def resolve(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def _listing(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def run_case(case: Case, work: Path, targets: tuple[str, str, str] = NEW_TARGETS,
             timeout: float = 30.0) -> Outcome:
    """Write the case into ``work`` (empty), run it from there, classify what happened."""
    main, load_run, read_sweep = (resolve(t) for t in targets)
    inputs = work / "in"
    for rel, content in case.files.items():
        (inputs / rel).parent.mkdir(parents=True, exist_ok=True)
        (inputs / rel).write_bytes(content)
    out = work / "out"
    file = inputs / case.main_file
    argv = {"run": ["run", str(file), "--out", str(out), "-q", "--engine", case.engine],
            "validate": ["validate", str(file)],
            "sweep": ["sweep", str(file), "--out", str(out), "--workers", "0", "-q"]}[case.command]
    before = _listing(work)
    stdout, stderr = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    old_handler = signal.signal(signal.SIGALRM, _alarm)
    code: int | None = None
    raised = ""
    started = time.perf_counter()
    try:
        os.chdir(work)  # a default results/ folder would land here, and be seen
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                code = main(argv)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except CaseTimeout:
        raised = "hang"
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - anything out of main is a finding
        raised = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        os.chdir(old_cwd)
    seconds = time.perf_counter() - started
    err = stderr.getvalue()
    for w in caught if not raised else []:
        err += f"{w.category.__name__}: {w.message}\n"
    result = Outcome(case, "", code, stdout.getvalue(), err, seconds)
    stray = sorted(str(p) for p in _listing(work) - before if p.parts[0] != "out")
    if raised == "hang":
        result.cls = "FAIL-hang"
    elif raised:
        result.cls, result.detail = "FAIL-exception", raised
    elif stray:
        result.cls, result.detail = "FAIL-stray-file", ", ".join(stray[:5])
    elif code == 2:
        lines = err.rstrip("\n").split("\n") if err.strip() else []
        names = [str(work / "in" / rel) for rel in case.files] + [str(out)]
        if len(lines) != 1 or any(c in lines[0] for c in "\r\x85\u2028\u2029"):
            result.cls = "FAIL-multiline" if lines else "FAIL-silent"
        elif not any(lines[0].startswith(n + ":") for n in names):
            result.cls = "FAIL-unnamed"
        else:
            result.cls = "ok-input"
    elif code == 0:
        result.cls = "ok-run"
        if err:
            result.cls, result.detail = "FAIL-stderr", err.strip().splitlines()[0]
        elif case.command != "validate":
            try:
                (read_sweep if case.command == "sweep" else load_run)(out)
            except Exception as exc:  # noqa: BLE001
                result.cls, result.detail = "FAIL-readback", f"{type(exc).__name__}: {exc}"
    elif code == 1:
        result.cls = "FAIL-internal"
        result.detail = err.strip().splitlines()[0] if err.strip() else ""
    else:
        result.cls = f"FAIL-exit-{code}"
    return result


def fuzz(n: int, seed: int = 0, first: int = 0, targets: tuple[str, str, str] = NEW_TARGETS,
         timeout: float = 30.0, repo: Path = REPO,
         sweeps: float = 0.25) -> Iterator[Outcome]:
    for index in range(first, first + n):
        case = generate(seed, index, repo, sweeps)
        work = Path(tempfile.mkdtemp(prefix=f"fuzz{index}-"))
        try:
            yield run_case(case, work, targets, timeout)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _key(o: Outcome) -> str:
    """What a failure is about, for grouping: its class and the exception's type."""
    text = re.sub(r"\S*/fuzz\d+-[^/]+/", "", o.detail or o.stderr).strip().split("\n")[0]
    head = text.split(": ")[0:3]
    return f"{o.cls} {': '.join(head)[:110]!r}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--first", type=int, default=0, help="index of the first case")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    ap.add_argument("--sweeps", type=float, default=0.25, help="share of sweep cases")
    ap.add_argument("--old", action="store_true",
                    help="the pre-fix module layout (sim.cli:main, sim.rundir:load_run)")
    ap.add_argument("--repo", type=Path, default=REPO, help="where the shipped files are")
    ap.add_argument("--save", type=Path, help="write each failing case's files here")
    ap.add_argument("--json", type=Path, help="write every outcome here (JSON lines)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    os.environ.pop("MASKSIM_DEBUG", None)
    targets = OLD_TARGETS if args.old else NEW_TARGETS
    counts: collections.Counter[str] = collections.Counter()
    by_kind: collections.Counter[tuple[str, str]] = collections.Counter()
    failures: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
    started = time.perf_counter()
    sink = open(args.json, "w") if args.json else None  # noqa: SIM115
    for o in fuzz(args.n, args.seed, args.first, targets, args.timeout, args.repo, args.sweeps):
        counts[o.cls] += 1
        by_kind[(o.case.kind, o.cls)] += 1
        if not o.ok:
            failures[_key(o)].append(o.case.index)
            if args.save:
                for rel, content in o.case.files.items():
                    dest = args.save / str(o.case.index) / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(content)
        if sink:
            sink.write(json.dumps({"index": o.case.index, "kind": o.case.kind,
                                   "command": o.case.command, "class": o.cls, "code": o.code,
                                   "mutations": o.case.mutations, "stderr": o.stderr[-500:],
                                   "detail": o.detail, "seconds": round(o.seconds, 3)}) + "\n")
        if args.verbose or not o.ok:
            print(f"[{o.case.index}] {o.case.kind} {o.case.command} {o.cls} "
                  f"{o.seconds:.2f}s {o.case.mutations}", file=sys.stderr)
            if args.verbose or o.cls != "ok-input":
                print(f"    {(o.detail or o.stderr).strip()[:300]!r}", file=sys.stderr)
    if sink:
        sink.close()
    print(f"{sum(counts.values())} cases in {time.perf_counter() - started:.0f} s "
          f"(seed {args.seed}, first {args.first})")
    for cls, k in sorted(counts.items()):
        kinds = ", ".join(f"{kind} {c}" for (kind, c2), c in sorted(by_kind.items())
                          if c2 == cls)
        print(f"  {cls:<22}{k:>6}   ({kinds})")
    for key, idx in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(idx):>5} x {key}  e.g. cases {idx[:5]}")
    return 1 if any(not c.startswith("ok") for c in counts) else 0


if __name__ == "__main__":
    sys.exit(main())
