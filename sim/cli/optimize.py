"""``masksim optimize FILE``: the policy that does best on an objective with its risks held to
stated chances (``sim.sweep.optimize``; the file format is documented there and in
docs/optimize.md).

Flags override the file: ``--futures``, ``--check-futures``, ``--seed``, ``--set KEY=VALUE``
(added to the file's ``[set]``), ``--objective`` and ``--constraint`` (replace the file's
lists), ``--population``, ``--generations``. Writes ``DIR`` (default
``results/<name>-<short hash>``; a folder of the same optimize run is left as it is,
anything else that is not empty is refused) and prints its path as the last line:

    optimize.toml     the optimize file as resolved (base = "scenario.toml")
    scenario.toml     the base scenario, with [set] applied
    policy.toml       the chosen policy: a scenario ``masksim run`` takes as is
    candidates.csv    every policy tried: lever values, each measure in-sample, met, on front
    front.csv         the trade-off front (the rows of candidates.csv on it)
    result.json       the answer: chosen policy, in-sample and out-of-sample measures, ...
    front.png         the trade-off front with the chosen policy in- and out-of-sample
    optimize.pdf      the page "How much could we give, at what risk"
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.scenario.errors import InputError

if TYPE_CHECKING:
    from sim.sweep.optimize import Optimize, Outcome, Problem

# scipy, pymoo and matplotlib are imported by the command, not here.


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("optimize", help="the best policy within stated risks (chance "
                                        "constraints), checked on fresh futures")
    p.add_argument("file", help="optimize file (TOML; see docs/optimize.md)")
    p.add_argument("--out", help="result folder (default: results/<name>-<hash>)")
    p.add_argument("--futures", type=int, help="futures every candidate runs on")
    p.add_argument("--check-futures", type=int, help="fresh futures for the check")
    p.add_argument("--seed", type=int, help="root seed (default: the file's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a fixed change to the base scenario (repeatable)")
    p.add_argument("--objective", action="append", metavar="TEXT",
                   help="e.g. 'maximize mean(donated_total)' (repeatable; replaces the file's)")
    p.add_argument("--constraint", action="append", metavar="TEXT",
                   help="e.g. 'P(domestic_shortfall > 0) <= 0.05' (repeatable; replaces "
                        "the file's)")
    p.add_argument("--population", type=int, help="candidates a generation")
    p.add_argument("--generations", type=int, help="generations of the search")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the folder")
    p.add_argument("--results-dir", default="results", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_optimize)


def _with_flags(data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from sim.scenario.overrides import parse_value

    data = dict(data)
    for key, flag in (("futures", args.futures), ("check_futures", args.check_futures),
                      ("seed", args.seed)):
        if flag is not None:
            data[key] = flag
    if args.objective:
        data["objectives"] = list(args.objective)
    if args.constraint:
        data["constraints"] = list(args.constraint)
    search = dict(data.get("search") or {})
    if args.population is not None:
        search["population"] = args.population
    if args.generations is not None:
        search["generations"] = args.generations
    if search:
        data["search"] = search
    fixed = dict(data.get("set") or {})
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError("--set", item, "expected KEY=VALUE")
        fixed[key.strip()] = parse_value(value.strip())
    if fixed:
        data["set"] = fixed
    return data


def load_problem(path: str, args: argparse.Namespace) -> Problem:
    from pydantic import ValidationError

    from sim.scenario.errors import first_error
    from sim.scenario.loading import load, read_toml
    from sim.sweep.optimize import Optimize, resolve_problem

    try:
        spec = Optimize.model_validate(_with_flags(read_toml(path), args))
    except ValidationError as exc:
        raise first_error(path, exc) from None
    base_path = spec.base if spec.base.is_absolute() else Path(path).parent / spec.base
    if not base_path.is_file():
        raise InputError(path, "base", f"no scenario file {base_path}")
    backend = [f"allocation.backend={spec.backend.value}"] if spec.backend else []
    return resolve_problem(spec, load(base_path, backend), str(path))


def spec_toml(spec: Optimize) -> str:
    from sim.scenario.writing import to_toml

    data = spec.model_dump(mode="json", exclude_none=True)
    data["base"] = "scenario.toml"
    data["objectives"] = [str(o) for o in spec.objectives]
    data["constraints"] = [str(c) for c in spec.constraints]
    data["report"] = [str(m) for m in spec.report]
    for group in ("levers", "uncertainties"):
        for param in data[group]:
            if not param.get("args"):
                param.pop("args", None)
    return "# The optimize run as resolved; base is the copy next to it.\n" + to_toml(data)


def _sha(problem: Problem) -> str:
    from sim.scenario.writing import dump_toml

    text = spec_toml(problem.spec) + "\n# base scenario\n" + dump_toml(problem.base)
    return hashlib.sha256(text.encode()).hexdigest()


def _csv(problem: Problem, outcome: Outcome, rows: list[int]) -> str:
    spec = problem.spec
    front = set(outcome.front)
    names = [str(m) for m in spec.measures]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", *[p.label for p in spec.levers], *names, "constraints_met",
                "on_front"])
    for i in rows:
        c = outcome.candidates[i]
        met = all(float(k.violation(_arr(c.measures[str(k.measure)]))) == 0
                  for k in spec.constraints)
        w.writerow([c.index, *[c.levers[p.label] for p in spec.levers],
                    *[repr(c.measures[n]) if math.isfinite(c.measures[n]) else ""
                      for n in names], met, i in front])
    return buf.getvalue()


def _arr(x: float) -> Any:
    import numpy as np

    return np.array(x)


def result_json(problem: Problem, outcome: Outcome, sha: str) -> dict[str, Any]:
    import sim

    spec = problem.spec

    def clean(x: float) -> float | None:
        return x if math.isfinite(x) else None

    return {
        "name": spec.name, "feasible": outcome.feasible,
        "status": ("the best policy found that meets every constraint in-sample"
                   if outcome.feasible else
                   "no policy tried meets the constraints: the least risky found"),
        "objectives": [str(o) for o in spec.objectives],
        "constraints": [str(c) for c in spec.constraints],
        "chosen": {"policy": outcome.chosen.index, "levers": outcome.chosen.levers},
        "checks": [{"measure": c.measure, "in_sample": clean(c.in_sample),
                    "out_of_sample": clean(c.out_of_sample), "ci95_low": clean(c.low),
                    "ci95_high": clean(c.high)} for c in outcome.checks],
        "constraints_met_out_of_sample": outcome.met_out_of_sample,
        "futures": spec.futures, "check_futures": spec.check_futures,
        "policies_tried": len(outcome.candidates), "on_front": len(outcome.front),
        "experiments": outcome.experiments, "method": outcome.method,
        "seconds": round(outcome.seconds, 2),
        "provenance": {"version": sim.__version__, "seed": spec.seed, "optimize_sha256": sha,
                       "backend": str(problem.base.allocation.backend)},
    }


def cmd_optimize(args: argparse.Namespace) -> int:
    from sim.results.files import atomic_folder, safe_name, write_atomic
    from sim.scenario.writing import dump_toml

    problem = load_problem(args.file, args)
    spec = problem.spec
    sha = _sha(problem)
    out = (Path(args.out) if args.out
           else Path(args.results_dir) / f"{safe_name(spec.name)}-{sha[:10]}")
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        try:
            done = json.loads((out / "result.json").read_text())["provenance"]
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(out, "", "exists and is not empty; choose another --out or "
                             "remove it") from None
        if done.get("optimize_sha256") != sha:
            raise InputError(out, "result.json", "holds another optimize run; choose "
                             "another --out or remove it")
        if not args.quiet:
            print(f"{spec.name}: already done, nothing to run")
        print(out)
        return 0
    if not args.quiet:
        print(f"{spec.name}: {len(spec.levers)} lever(s), {len(spec.uncertainties)} "
              f"uncertaint{'y' if len(spec.uncertainties) == 1 else 'ies'}, "
              f"{spec.futures:,} futures per policy, {spec.population} policies x "
              f"{spec.search.generations} generations at most; backend "
              f"{problem.base.allocation.backend}", flush=True)
    from tqdm import tqdm

    from sim.sweep.optimize import optimize, policy_scenario

    bar = tqdm(unit="run", desc=spec.name, file=sys.stderr, smoothing=0.1,
               disable=args.quiet or not sys.stderr.isatty())
    problem.on_batch = bar.update
    try:
        outcome = optimize(problem)
    finally:
        bar.close()
    from sim.cli.figures import save
    from sim.report import optimize_report

    with atomic_folder(out) as tmp:
        (tmp / "optimize.toml").write_text(spec_toml(spec), encoding="utf-8")
        (tmp / "scenario.toml").write_text(dump_toml(problem.base), encoding="utf-8")
        (tmp / "policy.toml").write_text(
            f"# masksim optimize {spec.name}: the chosen policy (policy "
            f"{outcome.chosen.index}); run it with masksim run\n"
            + dump_toml(policy_scenario(problem, outcome.chosen)), encoding="utf-8")
        (tmp / "candidates.csv").write_text(
            _csv(problem, outcome, list(range(len(outcome.candidates)))), encoding="utf-8")
        (tmp / "front.csv").write_text(_csv(problem, outcome, outcome.front),
                                       encoding="utf-8")
        write_atomic(tmp / "result.json",
                     json.dumps(result_json(problem, outcome, sha), indent=2) + "\n")
        save(optimize_report.front_figure(spec, outcome), tmp / "front.png", "png")
        optimize_report.write_pdf(spec, outcome, tmp / "optimize.pdf")
    if not args.quiet:
        print(format_outcome(problem, outcome))
    print(out)
    return 0


def format_outcome(problem: Problem, outcome: Outcome) -> str:
    from sim.report.optimize_report import answer_sentence, value_words

    spec = problem.spec
    measures = {str(m): m for m in spec.measures}
    lines = [f"  {len(outcome.candidates)} policies tried ({outcome.experiments:,} runs, "
             f"{outcome.method}) in {outcome.seconds:.1f} s", "",
             "  " + answer_sentence(spec, outcome), "",
             f"  {'measure':<36}{'in-sample':>14}{'fresh futures':>16}  95 % interval"]
    for c in outcome.checks:
        m = measures[c.measure]
        ci = ("" if math.isnan(c.low)
              else f"  {value_words(m, c.low)} - {value_words(m, c.high)}")
        lines.append(f"  {c.measure:<36}{value_words(m, c.in_sample):>14}"
                     f"{value_words(m, c.out_of_sample):>16}{ci}")
    return "\n".join(lines)
