"""Commands for figures: ``masksim plot``, ``masksim brief`` and ``masksim compare``.

``plot`` draws a run folder's figures or a sweep folder's (told apart by ``experiments/``);
``brief`` writes a run's PDF brief; ``compare`` overlays several runs and tabulates their
metrics against the first. Every file is written under a temporary name and renamed.
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from matplotlib.figure import FigureBase

from sim.report import figures
from sim.report.compare import compare_figures, compare_table, format_table, labels
from sim.report.figures import FigureResult
from sim.report.sweep_data import load_sweep
from sim.results.files import atomic_path
from sim.results.reader import RunData
from sim.scenario.errors import InputError

EXIT_OK = 0
SAVE_METADATA: dict[str, dict[str, Any]] = {  # no dates: the same inputs give the same bytes
    "png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
}



def folder_kind(path: Path) -> Literal["run", "sweep"]:
    if not path.is_dir():
        raise InputError(path, "", "no such folder")
    if (path / "experiments").is_dir():
        return "sweep"
    if (path / "summary.json").is_file():
        return "run"
    raise InputError(path, "", "not a result folder: expected summary.json (a run) or "
                     "experiments/ (a sweep)")


def save(fig: FigureBase, out: Path, fmt: str) -> Path:
    """Save a figure atomically, in the house style (fonts and SVG ids are set at save)."""
    with atomic_path(out) as tmp, figures.house_style():
        fig.get_figure(root=True).savefig(tmp, format=fmt, metadata=SAVE_METADATA[fmt])
    return out


def settle() -> None:
    """Before drawing: a command lives only to write its files, and what it has loaded
    stays to the end; frozen, the garbage collector stops scanning it each time the many
    short-lived objects of matplotlib's figures trigger a collection."""
    gc.freeze()


def out_folder(path: Path) -> Path:
    """A folder to write into: refused (exit 2) when it is a file."""
    if path.exists() and not path.is_dir():
        raise InputError(path, "", "is a file, not a folder; --out names the folder to write "
                         "into")
    return path


def brief_path(folder: Path, output: str | None) -> Path:
    """Where the brief goes: ``-o`` as given, inside it when it is a folder (or ends with a
    slash), else ``brief.pdf`` in the run folder."""
    if not output:
        return folder / "brief.pdf"
    path = Path(output)
    if path.is_dir() or output.endswith(("/", os.sep)):
        return path / "brief.pdf"
    if path.parent.exists() and not path.parent.is_dir():
        raise InputError(path.parent, "", "is a file, not a folder")
    return path


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.report import sweep_figures

    folder = Path(args.dir)
    out = out_folder(Path(args.out)) if args.out else folder / "figures"
    makers: dict[str, Callable[[], FigureResult]]
    if folder_kind(folder) == "run":
        run = figures.load_run(folder)
        makers = {k: partial(f, run, None) for k, f in figures.run_figures(run).items()}
    else:
        makers = sweep_figures.sweep_figures(load_sweep(folder))
        if "tornado" not in makers:
            print(f"{folder}: no sensitivity.csv, so no tornado (run masksim sensitivity)")
    settle()
    for name, make in makers.items():
        with figures.house_style():
            fig, _ = make()
        print(save(fig, out / f"{name}.{args.format}", args.format))
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    from sim.report.brief import write_brief

    folder = Path(args.dir)
    if folder_kind(folder) != "run":
        raise InputError(folder, "", "a brief needs a run folder, not a sweep folder")
    run = figures.load_run(folder)
    settle()
    print(write_brief(run, brief_path(folder, args.output)))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.dirs) < 2:
        raise InputError(args.dirs[0], "", "compare needs two or more run folders")
    if args.label and len(args.label) != len(args.dirs):
        raise InputError("--label", "", f"give one label per run folder: {len(args.dirs)} "
                         f"folders, {len(args.label)} labels")
    runs = []
    for i, d in enumerate(args.dirs):
        if folder_kind(Path(d)) != "run":
            raise InputError(d, "", "compare needs run folders, not a sweep folder")
        run = figures.load_run(d)
        runs.append(replace(run, label=args.label[i]) if args.label else run)
    out = out_folder(Path(args.out) if args.out else compare_folder(args.results_dir, runs))
    rows = compare_table(runs)
    print(format_table(runs, rows))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
    with atomic_path(out / "compare.csv") as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    print(out / "compare.csv")
    for name, make in compare_figures(runs).items():
        with figures.house_style():
            fig, _ = make(runs, None)
        print(save(fig, out / f"{name}.{args.format}", args.format))
    return EXIT_OK


def compare_folder(results_dir: str, runs: list[RunData]) -> Path:
    """``results/compare-<hash>``: one folder per set of runs compared (and their labels)."""
    provenance = [r.summary["provenance"] for r in runs]
    keys = [":".join(str(p.get(k)) for k in ("scenario_sha256", "seed", "engine", "backend"))
            + f":{name}" for p, name in zip(provenance, labels(runs), strict=True)]
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:10]
    return Path(results_dir) / f"compare-{digest}"


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    formats = dict(choices=("png", "svg", "pdf"), default="png", help="file format")
    p = sub.add_parser("plot", help="draw the figures of a run or a sweep folder")
    p.add_argument("dir", help="a run folder (masksim run) or a sweep folder")
    p.add_argument("--format", **formats)  # type: ignore[arg-type]
    p.add_argument("--out", help="folder for the figures (default: DIR/figures)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("brief", help="write a run's policy brief as a PDF")
    p.add_argument("dir", help="a run folder")
    p.add_argument("-o", "--output", help="the PDF, or a folder to write brief.pdf into "
                   "(default: DIR/brief.pdf)")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("compare", help="runs side by side: figures and metric differences")
    p.add_argument("dirs", nargs="+", metavar="DIR", help="run folders; the first is the base")
    p.add_argument("--out", help="output folder (default: results/compare-<hash>)")
    p.add_argument("--label", action="append", metavar="NAME",
                   help="what to call each run, in order (repeat: --label A --label B; "
                        "default: the folder names)")
    p.add_argument("--format", **formats)  # type: ignore[arg-type]
    p.add_argument("--results-dir", default="results", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_compare)

