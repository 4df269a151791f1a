"""``masksim calibrate FILE --fit PATH[,PATH...]``: fit parameters to the record.

Prints the fitted values with their standard errors, the fit on the observations used and
the errors on the held-out ones, then writes the calibrated scenario to a new file (never
over the input; an existing file only with ``--force``) and prints its path last.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.text import quantity
from sim.scenario.errors import InputError

if TYPE_CHECKING:
    from sim.sweep.calibrate import Calibration, ObservationFit

# scipy is imported by the command, not here: every masksim command builds this parser.


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("calibrate", help="fit scenario parameters to its observations")
    p.add_argument("file", help="scenario file with [[observations]]")
    p.add_argument("--fit", action="append", required=True, metavar="PATH[,PATH...]",
                   help="dotted paths to fit, e.g. domestic.uptake,donor.initial_stock")
    p.add_argument("--bounds", action="extend", nargs="+", default=[], metavar="PATH=LO:HI",
                   help="bounds of a fitted path (default: the file's [calibration] "
                        "bounds, else the field's own limits)")
    p.add_argument("--hold-out", action="extend", nargs="+", default=[], metavar="TAG",
                   help="observations with this tag are not fitted, only reported")
    p.add_argument("--include-input", action="store_true",
                   help="also fit observations tagged 'input' (they restate an input)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario field first (e.g. a start value)")
    p.add_argument("--seed", type=int, help="seed of every run (default: the scenario's)")
    p.add_argument("--out", help="calibrated scenario (default: "
                                 "results/<stem>.calibrated.toml)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.add_argument("--results-dir", default="results", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_calibrate)


def parse_bounds(items: list[str], source: str) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for item in items:
        path, sep, text = item.partition("=")
        lo_text, colon, hi_text = text.partition(":")
        try:
            if not (sep and colon and path.strip()):
                raise ValueError
            lo, hi = float(lo_text), float(hi_text)
        except ValueError:
            raise InputError(source, "--bounds", f"expected PATH=LO:HI, got {item!r}"
                             ) from None
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise InputError(source, f"--bounds {path.strip()}",
                             f"low end {lo_text} must be below the high end {hi_text}")
        out[path.strip()] = (lo, hi)
    return out


def _num(x: float | None) -> str:
    return quantity(x, "{:.4g}")


def _row(f: ObservationFit) -> str:
    o = f.observation
    rec = f"{_num(o.range[0])}-{_num(o.range[1])}" if o.range else _num(o.value)
    err = "n/a" if f.error is None else ("+" if f.error > 0 else "") + _num(f.error) + (
        f" ({100 * f.relative_error:+.0f} %)"
        if f.relative_error is not None and f.error != 0 else "")
    return (f"    {o.date.isoformat():<12}{o.series:<28}{rec:>17}{_num(f.model):>10}"
            f"  {err}, {o.kind.value}")


def format_calibration(r: Calibration, hold_out: list[str]) -> str:
    from sim.sweep.calibrate import Role

    used, held, inputs = (r.by_role(k) for k in (Role.USED, Role.HELD_OUT, Role.INPUT))
    n = len(r.parameters)
    lines = [
        f"{r.scenario.name}: fitted {n} parameter{'s' * (n != 1)} to {len(used)} "
        f"observations (seed {r.seed}; {r.batches} batches, {r.scenarios_run} runs; "
        f"{'converged' if r.converged else 'NOT converged'}: {r.message})",
        f"  {'parameter':<32}{'start':>12}{'fitted':>12}{'std. error':>14}  bounds",
    ]
    for p, v, se, edge in zip(r.parameters, r.values, r.std_errors, r.at_bound, strict=True):
        lines.append(f"  {p.path:<32}{_num(p.start):>12}{_num(v):>12}{'± ' + _num(se):>14}"
                     f"  {_num(p.lo)} to {_num(p.hi)}{'  (at a bound)' if edge else ''}")
    if n > 1:
        for i in range(n):
            for j in range(i):
                lines.append(f"  correlation {r.parameters[j].path} ~ {r.parameters[i].path}"
                             f": {r.correlation[i][j]:+.2f}")
    lines.append(f"  rms relative residual {r.rms_residual:.3g}. Standard errors: s²(JᵀJ)⁻¹ "
                 "at the optimum, a local linear approximation (not for a parameter at a "
                 "bound).")
    header = f"    {'date':<12}{'series':<28}{'record':>17}{'model':>10}  error"
    for title, group in (("fit on the observations used", used),
                         (f"held out ({', '.join(hold_out)}): never seen by the fit", held),
                         ("left out (tagged input: they restate an input)", inputs)):
        if group:
            lines += [f"  {title}; error = model - record, 0 inside a range", header]
            lines += [_row(f) for f in group]
    return "\n".join(lines)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.results.files import write_atomic
    from sim.scenario.loading import load
    from sim.sweep.calibrate import calibrate, calibrated_toml

    source = str(args.file)
    paths = [p.strip() for item in args.fit for p in item.split(",") if p.strip()]
    bounds = parse_bounds(args.bounds, source)
    out = Path(args.out) if args.out else (
        Path(args.results_dir) / f"{Path(args.file).stem}.calibrated.toml")
    if out.resolve() == Path(args.file).resolve():
        raise InputError(source, "--out", "is the input file; the calibrated scenario goes "
                         "to a new file")
    if out.exists() and not args.force:
        raise InputError(source, "--out", f"{out} exists (use --force to replace it)")
    scenario = load(args.file, args.set)
    result = calibrate(scenario, paths, bounds=bounds, hold_out=args.hold_out,
                       include_input=args.include_input, seed=args.seed, source=source)
    print(format_calibration(result, args.hold_out))
    write_atomic(out, calibrated_toml(result, Path(args.file).name))
    print(out)
    return 0
