"""The command line: ``masksim run|validate ...`` (also ``python -m sim``).

Bad input exits 2 with one line naming the file and the field; an internal error exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import warnings
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from sim.cli.text import quantity
from sim.scenario.errors import InputError
from sim.scenario.loading import load
from sim.scenario.models import Backend

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2

# Subcommands kept in modules of their own; each module has add_parsers(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("sim.cli.sweep", "sim.cli.figures", "sim.cli.calibrate")
# Commands defined here: they need none of those modules (which bring matplotlib, pandas
# and the sweep machinery), so `masksim run` does not import them.
OWN_COMMANDS = ("run", "validate")


def _masks(x: float | None) -> str:
    return quantity(x)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _index(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _need_met(s: dict[str, Any], worst: str) -> str:
    # null equity metrics: regions needed masks and none arrived (sim.results.metrics).
    if s["mean_fill_rate"] is None and s["gini_fill_rate"] is None:
        return "nothing was delivered, so fairness is undefined"
    by_population = s.get("gini_fill_rate_population")
    return (f"mean {_pct(s['mean_fill_rate'])}, lowest {_pct(s['min_fill_rate'])} ({worst}), "
            f"Gini {_index(s['gini_fill_rate'])}"
            + (f" (by population {_index(by_population)})" if by_population is not None
               else ""))


def format_summary(s: dict[str, Any], seconds: float,
                   needed: Mapping[str, Collection[str]] | None = None) -> str:
    """The run's printout: short, from summary.json. A run with goods and donors prints a
    block per good, a line per donor and one per exchange (``_format_goods``); ``needed``
    (good id -> the regions that needed some of it) says "no need" where a region needed
    none of a good, instead of summary.json's fill rate 1 (every region needed every good
    when it is not given)."""
    if "goods" in s:
        return _format_goods(s, seconds, needed or {})
    prov, pledges = s["provenance"], s["pledges"]
    fills = s["fill_rate_by_region"]
    worst = min(fills, key=lambda r: fills[r] if fills[r] is not None else 1.0)
    lines = [
        f"{s['name']}: {s['horizon']['start']} to {s['horizon']['end']}  "
        f"(engine {prov['engine']}, backend {prov['backend']}, seed {prov['seed']}, "
        f"{seconds:.2f} s)",
        f"  produced          {_masks(s['produced'])} masks"
        + (f" ({_masks(s['released'])} released: not requisitioned)" if s.get("released")
           else ""),
        f"  domestic demand   {_masks(s['domestic_demand'])}; shortfall "
        f"{_masks(s['domestic_shortfall'])}",
        f"  donated           {_masks(s['donated_total'])} (delivered "
        f"{_masks(s['delivered_total'])}, in transit {_masks(s['in_transit_end'])})",
        f"  pledges           {_masks(pledges['pledged'])}: on time {_masks(pledges['on_time'])},"
        f" late {_masks(pledges['late'])}, unmet {_masks(pledges['unmet'])}",
        f"  need met          {_need_met(s, worst)}",
        f"  unmet need        {_masks(s['unmet_need_masks'])} masks",
        f"  final stock       {_masks(s['final_stock'])} masks",
        f"  {'region':<24}{'donated':>12}{'fill rate':>11}  first delivery",
    ]
    for rid, donated in s["donated_by_region"].items():
        first = s["first_delivery_day_by_region"][rid] or "-"
        lines.append(f"  {rid:<24}{_masks(donated):>12}{_pct(fills[rid]):>11}  {first}")
    return "\n".join(lines + _format_hubs(s) + _format_observations(s))


def _gini(values: list[float]) -> float | None:
    """Gini of a few fill rates (sim.results.metrics.gini, without numpy)."""
    total = sum(values)
    if not values or total <= 0:
        return None
    pairs = sum(abs(a - b) for a in values for b in values)
    return pairs / (2 * len(values) * total)


def _good_need_met(g: dict[str, Any], want: Collection[str] | None) -> str:
    """A good's need met among the regions that needed it (all of them when not said)."""
    fills = g["fill_rate_by_region"]
    if want is None or set(fills) <= set(want):
        worst = min(fills, key=lambda r: fills[r] if fills[r] is not None else 1.0)
        return _need_met(g, worst)
    rates = {r: v for r, v in fills.items() if r in want and v is not None}
    if not want:
        return "no need stated (no region needed it)"
    if g["mean_fill_rate"] is None or not rates:
        return "nothing was delivered, so fairness is undefined"
    worst = min(rates, key=lambda r: rates[r])
    mean = sum(rates.values()) / len(rates)
    return (f"mean {_pct(mean)}, lowest {_pct(rates[worst])} ({worst}), Gini "
            f"{_index(_gini(list(rates.values())))}, over the {len(want)} of {len(fills)} "
            "regions that needed it")


def _format_goods(s: dict[str, Any], seconds: float,
                  needed: Mapping[str, Collection[str]]) -> str:
    prov = s["provenance"]
    lines = [
        f"{s['name']}: {s['horizon']['start']} to {s['horizon']['end']}  "
        f"(engine {prov['engine']}, backend {prov['backend']}, seed {prov['seed']}, "
        f"coordination {s['coordination']}, {seconds:.2f} s)",
    ]
    for gid, g in s["goods"].items():
        fills, want = g["fill_rate_by_region"], needed.get(gid)
        p = g["pledges"]
        lines += [
            f"  {g['name']} ({g['unit']})",
            f"    produced        {_masks(g['produced'])}; received {_masks(g['received'])}; "
            f"domestic shortfall {_masks(g['domestic_shortfall'])}",
            f"    donated         {_masks(g['donated_total'])} (delivered "
            f"{_masks(g['delivered_total'])}, in transit {_masks(g['in_transit_end'])}); "
            f"pledged {_masks(p['pledged'])}, unmet {_masks(p['unmet'])}",
            f"    need met        {_good_need_met(g, want)}",
            f"    {'region':<22}{'donated':>12}{'fill rate':>11}  first delivery",
        ]
        for rid, donated in g["donated_by_region"].items():
            first = g["first_delivery_day_by_region"][rid] or "-"
            fill = "no need" if want is not None and rid not in want else _pct(fills[rid])
            lines.append(f"    {rid:<22}{_masks(donated):>12}{fill:>11}  {first}")
    units = {gid: g["unit"] for gid, g in s["goods"].items()}
    lines.append("  donors (donated)")
    for d in s["donors"].values():
        gave = ", ".join(f"{_masks(v['donated_total'])} {units[gid]}"
                         for gid, v in d["goods"].items())
        lines.append(f"    {d['name']:<22}{gave}")
    exchanges = [(d["name"], x) for d in s["donors"].values() for x in d["exchanges"]]
    if exchanges:
        lines.append("  exchanges")
    for name, x in exchanges:
        lines.append(f"    {name} -> {x['partner']}: sent {_masks(x['sent'])} "
                     f"{units[x['sent_good']]}, received {_masks(x['received'])} "
                     f"{units[x['received_good']]}")
    return "\n".join(lines + _format_hubs(s) + _format_observations(s))


def _format_hubs(s: dict[str, Any]) -> list[str]:
    """A line per hub: what it handled, the mean wait, the longest queue (in its unit)."""
    hubs = s.get("hubs") or {}
    lines = ["  hubs (handled; mean wait; longest queue)"] if hubs else []
    for hid, h in hubs.items():
        unit = h["throughput_unit"]
        wait = ("nothing handled" if h["mean_wait_days"] is None
                else f"waited {h['mean_wait_days']:.1f} days on average")
        queue = ("never a queue" if not h["max_queue_date"] else
                 f"longest queue {_masks(h['max_queue'])} {unit} on {h['max_queue_date']} "
                 f"({h['days_with_queue']} days with a queue)")
        lines.append(f"    {hid:<22}{_masks(h['handled'])} {unit}; {wait}; {queue}")
    return lines


def _format_observations(s: dict[str, Any]) -> list[str]:
    """The record-vs-model table. With several goods a column says which good each row
    counts (in that good's unit) and the series column is as wide as its longest entry."""
    obs = s.get("observations") or []
    if not obs:
        return []
    by_good = len(s.get("goods") or {}) > 1

    def of(o: dict[str, Any]) -> str:  # the good, and the donor when one is named
        return str(o.get("good") or "-") + (f" ({o['donor']})" if o.get("donor") else "")

    # One good: fixed columns (a long region path pushes its row out of line).
    wide = max(len(o["series"]) for o in obs) + 2 if by_good else 28
    good = max(len(of(o)) for o in obs) + 2 if by_good else 0
    record = 16 if by_good else 17
    lines = [f"  record vs model   {len(obs)} observations; error = model - record, "
             "0 inside a range" + ("; in the unit of each good" if by_good else ""),
             f"    {'date':<12}{'series':<{wide}}" + (f"{'good':<{good}}" if by_good else "")
             + f"{'record':>{record}}{'model':>10}  error"]
    for o in obs:
        rec = (f"{_masks(o['range'][0])}-{_masks(o['range'][1])}" if o.get("range")
               else _masks(o["value"]))
        err, rel = o["error"], o["relative_error"]
        err_text = "n/a" if err is None else ("+" if err > 0 else "") + _masks(err) + (
            f" ({100 * rel:+.0f} %)" if rel is not None and err != 0 else "")
        lines.append(f"    {o['date']:<12}{o['series']:<{wide}}"
                     + (f"{of(o):<{good}}" if by_good else "")
                     + f"{rec:>{record}}{_masks(o['model']):>10}  {err_text}, {o['kind']}")
    return lines


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
    started = time.perf_counter()
    result = run(scenario, engine=Engine(args.engine))
    seconds = time.perf_counter() - started
    out = Path(args.out) if args.out else Path(args.results_dir) / writer.folder_name(result)
    summary = summaries.summary(result)
    path = writer.write(result, out, summary)
    if not args.quiet:
        plan, need = result.run.plan, result.run.totals.need_masks
        needed = {g: {r for r, n in zip(plan.region_ids, need[k], strict=True) if n > 0}
                  for k, g in enumerate(plan.good_ids)}
        print(format_summary(summary, seconds, needed))
    print(path)
    return EXIT_OK


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
              f"{len(scenario.regions)} regions, {len(scenario.pledges)} pledges, "
              f"rule {a.rule}{needs_lp}")
    return status


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
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+")
    p.add_argument("--set", **sets)  # type: ignore[arg-type]
    p.set_defaults(func=cmd_validate)
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
