"""``masksim discover DIR --where CONDITION``: under which inputs of a finished sweep does a
condition hold (``sim.sweep.discover``; docs/discover.md).

Writes ``DIR/discover-<condition>/`` (or ``--out``): ``boxes.csv`` (one row per box and
restricted input: its range or categories, quasi-p value, and the box's coverage, density,
mass), ``trajectory.csv`` (every point of each box's peeling trajectory), ``discover.json``
and ``trajectory.png``; prints the boxes and the folder's path last.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.sweep.discover import Discovery


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("discover", help="scenario discovery (PRIM): the inputs under which "
                                        "a condition holds in a sweep")
    p.add_argument("folder", help="a finished sweep's folder")
    p.add_argument("--where", required=True, metavar="CONDITION",
                   help="e.g. 'domestic_shortfall > 0' or 'donated_total < 40e6'")
    p.add_argument("--inputs", nargs="+", metavar="NAME",
                   help="inputs a box may restrict (default: every input)")
    p.add_argument("--boxes", type=int, default=2, help="boxes to find at most (default 2)")
    p.add_argument("--min-coverage", type=float, default=0.5,
                   help="keep the densest trajectory point with at least this coverage "
                        "(default 0.5)")
    p.add_argument("--peel-alpha", type=float, default=0.05,
                   help="share of rows peeled a step (default 0.05)")
    p.add_argument("--mass-min", type=float, default=0.05,
                   help="smallest share of rows a box may hold (default 0.05)")
    p.add_argument("--out", help="folder (default: FOLDER/discover-<condition>)")
    p.set_defaults(func=cmd_discover)


def _slug(text: str) -> str:
    names = {"<=": "le", ">=": "ge", "<": "lt", ">": "gt", "==": "eq"}
    for op, word in names.items():
        text = text.replace(op, f" {word} ")
    text = text.replace("e+", "e")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text.strip()).strip("-")


def _check(args: argparse.Namespace) -> None:
    from sim.scenario.errors import InputError

    if args.boxes < 1:
        raise InputError("--boxes", str(args.boxes), "must be >= 1")
    for flag, value in (("--min-coverage", args.min_coverage),
                        ("--peel-alpha", args.peel_alpha), ("--mass-min", args.mass_min)):
        if not 0 < value < 1 and not (flag == "--min-coverage" and value in (0.0, 1.0)):
            raise InputError(flag, str(value), "must be between 0 and 1")


def boxes_csv(found: Discovery) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["box", "coverage", "density", "mass", "rows", "input", "low", "high",
                "values", "qp"])
    for box in found.boxes:
        s = box.stats
        for lim in box.limits:
            w.writerow([box.number, repr(s.coverage), repr(s.density), repr(s.mass), box.rows,
                        lim.input, "" if lim.values else repr(lim.low),
                        "" if lim.values else repr(lim.high),
                        "|".join(str(v) for v in lim.values), repr(lim.qp)])
    return buf.getvalue()


def trajectory_csv(found: Discovery) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["box", "step", "coverage", "density", "mass", "restricted", "kept"])
    for box in found.boxes:
        for i, p in enumerate(box.trajectory):
            w.writerow([box.number, i, repr(p.coverage), repr(p.density), repr(p.mass),
                        p.restricted, i == box.chosen])
    return buf.getvalue()


def format_discovery(found: Discovery) -> str:
    share = found.cases / found.n if found.n else 0.0
    lines = [f"{found.condition}: {found.cases:,} of {found.n:,} runs ({share:.1%})"
             + (f"; {found.undefined:,} undefined, never cases" if found.undefined else "")]
    if not found.boxes:
        lines.append("  no box: " + ("no run meets the condition" if found.cases == 0 else
                                     "every run meets it" if found.cases == found.n else
                                     "no restriction of the inputs concentrates the cases"))
    for box in found.boxes:
        s = box.stats
        lines.append(f"  box {box.number}: coverage {s.coverage:.0%}, density {s.density:.0%}"
                     f", mass {s.mass:.0%} ({box.rows:,} runs)")
        lines += [f"    {lim.words():<60} qp {lim.qp:.2g}" for lim in box.limits]
    return "\n".join(lines)


FILES = ("boxes.csv", "trajectory.csv", "discover.json", "trajectory.png")


def _clear(out: Path) -> None:
    """Make way for the new files: an earlier discover's folder is replaced; anything else
    that is not empty is refused."""
    from sim.scenario.errors import InputError

    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    if not (out / "discover.json").is_file() or any(p.name not in FILES
                                                    for p in out.iterdir()):
        raise InputError(out, "", "exists and is not a discover folder; choose another --out")
    for name in FILES:
        (out / name).unlink(missing_ok=True)
    out.rmdir()


def cmd_discover(args: argparse.Namespace) -> int:
    from sim.cli.figures import save
    from sim.report.discover_figures import trajectory_figure
    from sim.results.files import atomic_folder
    from sim.sweep.discover import discover
    from sim.sweep.store import read_sweep

    _check(args)
    folder = Path(args.folder)
    experiments, outcomes = read_sweep(folder)
    found = discover(experiments, outcomes, args.where, inputs=args.inputs,
                     max_boxes=args.boxes, min_coverage=args.min_coverage,
                     peel_alpha=args.peel_alpha, mass_min=args.mass_min)
    ranges = {n: (float(experiments[n].min()), float(experiments[n].max()))
              for n in found.inputs if experiments[n].dtype.kind in "iuf"}
    out = Path(args.out) if args.out else folder / f"discover-{_slug(str(found.condition))}"
    summary = {
        "condition": str(found.condition), "runs": found.n, "cases": found.cases,
        "undefined": found.undefined, "inputs": found.inputs,
        "settings": {"boxes": args.boxes, "min_coverage": args.min_coverage,
                     "peel_alpha": args.peel_alpha, "mass_min": args.mass_min},
        "boxes": [{"box": b.number, "coverage": b.stats.coverage, "density": b.stats.density,
                   "mass": b.stats.mass, "rows": b.rows, "trajectory_step": b.chosen,
                   "limits": [{"input": lim.input,
                               **({"values": list(lim.values)} if lim.values
                                  else {"low": lim.low, "high": lim.high}),
                               "qp": lim.qp} for lim in b.limits]}
                  for b in found.boxes],
    }
    _clear(out)
    with atomic_folder(out) as tmp:
        (tmp / "boxes.csv").write_text(boxes_csv(found), encoding="utf-8")
        (tmp / "trajectory.csv").write_text(trajectory_csv(found), encoding="utf-8")
        (tmp / "discover.json").write_text(json.dumps(summary, indent=2, default=str) + "\n",
                                           encoding="utf-8")
        save(trajectory_figure(found, ranges), tmp / "trajectory.png", "png")
    print(format_discovery(found))
    print(out)
    return 0
