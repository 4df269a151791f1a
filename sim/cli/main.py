"""The command line: ``masksim run|validate|init|schema ...`` (also ``python -m sim``).

Bad input exits 2 with one line naming the file and the field; an internal error exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sim.cli.printout import format_summary
from sim.scenario.enums import Backend
from sim.scenario.errors import InputError
from sim.scenario.loading import load

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
SCENARIO_NAME = re.compile(r"[A-Za-z0-9_.-]+")

# Subcommands kept in modules of their own; each module has add_parsers(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("sim.cli.sweep", "sim.cli.figures", "sim.cli.calibrate",
                                     "sim.cli.explore")
# Commands defined here: they need none of those modules (which bring matplotlib, pandas
# and the sweep machinery), so `masksim run` does not import them.
OWN_COMMANDS = ("run", "validate", "init", "schema")


def run_overrides(args: argparse.Namespace) -> list[str]:
    """``--set`` plus ``--seed`` and ``--backend`` as overrides: they become part of the
    resolved scenario, so its scenario.toml records what ran (and is checked with it)."""
    sets = list(args.set)
    if args.seed is not None:
        sets.append(f"seed={args.seed}")
    if args.backend:
        sets.append(f"allocation.backend={Backend(args.backend).value}")
    return sets


def cmd_run(args: argparse.Namespace) -> int:
    from sim.engine.runner import Engine, run
    from sim.results import summary as summaries
    from sim.results import writer

    scenario = load(args.file, run_overrides(args))
    _warn_hubs(args.file, scenario.hub_warnings())
    _say_if_compiling(Engine(args.engine) is Engine.BATCH,
                      scenario.allocation.backend is Backend.COMPILED)
    started = time.perf_counter()
    result = run(scenario, engine=Engine(args.engine))
    seconds = time.perf_counter() - started
    out = Path(args.out) if args.out else Path(args.results_dir) / writer.folder_name(result)
    summary = summaries.summary(result)
    path = writer.write(result, out, summary, force=args.force)
    if not args.quiet:
        plan, need = result.run.plan, result.run.totals.need_units
        needed = {g: {r for r, n in zip(plan.region_ids, need[k], strict=True) if n > 0}
                  for k, g in enumerate(plan.good_ids)}
        print(format_summary(summary, seconds, needed))
    print(path)
    return EXIT_OK


def _say_if_compiling(batch_engine: bool, compiled_backend: bool) -> None:
    """The first run on a machine compiles the day (seconds): said on stderr, not left to
    look like a hang."""
    from sim.engine import compiling

    if not compiling.cached(batch_engine=batch_engine, compiled_backend=compiled_backend):
        print(compiling.MESSAGE, file=sys.stderr, flush=True)


def cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for file in args.files:
        try:
            scenario = load(file, args.set)
        except InputError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_INPUT
            continue
        _warn_hubs(file, scenario.hub_warnings())
        a = scenario.allocation
        needs_lp = " (needs backend lp)" if a.min_shipment or a.pallet_size else ""
        print(f"{file}: ok - {scenario.name}, {scenario.horizon.n_days} days, "
              f"{_count(len(scenario.regions), 'region')}, "
              f"{_count(len(scenario.pledges), 'pledge')}, "
              f"rule {a.rule}{needs_lp}")
    return status


def cmd_init(args: argparse.Namespace) -> int:
    from sim.results.files import write_atomic
    from sim.scenario.starter import Sections, starter

    path = Path(args.name)
    if path.suffix != ".toml":
        path = path.with_name(path.name + ".toml")
    name = path.stem
    if not SCENARIO_NAME.fullmatch(name):
        raise InputError(args.name, "", "a scenario's name is letters, digits, '_', '-' or '.' "
                         "(it names the result folder), e.g. masksim init japan_asia")
    if path.is_dir():
        raise InputError(path, "", "is a folder; name the scenario file to write")
    if path.exists() and not args.force:
        raise InputError(path, "", "exists; masksim init never overwrites a file: choose "
                         "another name, or add --force to replace it")
    sections = Sections(goods=args.goods, donors=args.donors, hub=args.hub)
    write_atomic(path, starter(name, sections, str(path)))
    print(f"next: edit it, then masksim validate {path} and masksim run {path}")
    print(path)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    if args.kind == "sweep":
        from sim.sweep.schema import sweep_schema as make
    else:
        from sim.scenario.schema import scenario_schema as make
    print(json.dumps(make(), indent=2, default=str))
    return EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _warn_hubs(file: str, messages: Sequence[str]) -> None:
    """What the scenario allows but probably does not mean (a hub nobody uses): a line
    each on stderr; the exit code stays as it is."""
    for message in messages:
        print(f"masksim: warning: {file}: {message}", file=sys.stderr)


def build_parser(command_modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="masksim", description="Simulate donations of medical supplies.")
    sub = parser.add_subparsers(dest="command", required=True)
    sets = dict(action="append", default=[], metavar="KEY=VALUE",
                help="override a scenario field, e.g. reserve.days=14 (repeatable)")

    p = sub.add_parser("run", help="run one scenario and write its results")
    p.add_argument("file")
    p.add_argument("--set", **sets)  # type: ignore[arg-type]
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    p.add_argument("--engine", choices=["des", "batch"], default="des")
    p.add_argument("--backend", choices=[b.value for b in Backend],
                   help="allocator backend (default: the scenario's)")
    p.add_argument("--out", help="result folder (default: results/<name>-<hash>)")
    p.add_argument("--results-dir", default="results", help=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", help="print only the result path")
    p.add_argument("--force", action="store_true",
                   help="let --out replace an earlier run of another scenario")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+")
    p.add_argument("--set", **sets)  # type: ignore[arg-type]
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("init", help="write a commented starter scenario to edit")
    p.add_argument("name", help="the scenario's name; writes NAME.toml (or the .toml path)")
    p.add_argument("--goods", action="store_true", help="two goods (masks and test kits)")
    p.add_argument("--donors", action="store_true", help="a second donor (a foundation)")
    p.add_argument("--hub", action="store_true", help="every donor ships through a hub")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario or sweep files "
                       "(for editors)")
    p.add_argument("kind", nargs="?", choices=("scenario", "sweep"), default="scenario")
    p.set_defaults(func=cmd_schema)
    for name in command_modules:
        importlib.import_module(name).add_parsers(sub)
    return parser


def _warn_in_one_line(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
    """Show a warning as one stderr line (Python's default shows two, with source)."""
    text = " ".join(str(message).split())
    kind = "" if category is UserWarning else f"{category.__name__}: "
    print(f"masksim: warning: {kind}{text}", file=file or sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    # Only `--help`, a misspelt command or another module's command needs them all.
    args = build_parser(() if command in OWN_COMMANDS else COMMAND_MODULES).parse_args(argv)
    # Warnings raised during the command (the allocator's, numpy's) reach the user as one
    # line each; the filters stay as they are (each shown once per place).
    with warnings.catch_warnings():
        warnings.showwarning = _warn_in_one_line
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        code: int = args.func(args)
        return code
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("masksim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `masksim ... | head` closed the pipe: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # an internal error: say so, in one line unless debugging
        if os.environ.get("MASKSIM_DEBUG"):
            raise
        print(f"masksim: internal error: {type(exc).__name__}: {exc} "
              "(set MASKSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
