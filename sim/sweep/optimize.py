"""``masksim optimize``: the policy that does best on an objective with its risks held to
stated chances, searched over levers, evaluated on the same futures, checked on fresh ones.

An optimize file (TOML; example: ``scenarios/optimize/taiwan_2020_give.toml``)::

    name = "taiwan_2020_give"
    base = "../taiwan_2020.toml"     # relative to this file
    seed = 2020                      # futures, run seeds and the search's random numbers
    futures = 1000                   # futures every candidate is evaluated on (the same ones)
    check_futures = 2000             # fresh futures the chosen policy is checked on
    backend = "compiled"             # allocator of every run (default: the base's)
    objectives = ["maximize mean(donated_total)"]          # two or more: a Pareto front
    constraints = ["P(domestic_shortfall > 0) <= 0.05"]    # chances, or bounds on a statistic
    report = ["mean(min_fill_rate)"]                       # shown beside them (optional)

    [set]                            # fixed changes to the base, as --set
    "budget.kind" = "share_of_surplus"

    [[levers]]                       # what the donor chooses: a range or values
    path = "budget.share"
    uniform = [0, 1]

    [[uncertainties]]                # what nobody chooses: a range or a distribution
    path = "domestic.uptake"
    uniform = [0.35, 0.6]

    [search]                         # optional
    population = 16                  # candidates a generation (default: 5 per lever, >= 10)
    generations = 10

Levers and uncertainties are sweep parameters (``sim.sweep.design.Parameter``: a path or
paths, ``op = "scale"``, a name). A future is a draw of every uncertainty (Latin hypercube)
and a run seed; candidate policies all meet the same ``futures`` futures (common random
numbers), so their differences are the policies', not the noise's. One objective: scipy's
differential evolution (feasibility rules for the constraints); several: pymoo's NSGA-II.
Both search the unit cube, each lever mapped by its inverse CDF as in a sweep, and every
distinct policy is run once (a cache by lever values).

The chosen policy: the best on the first objective among the candidates that meet every
constraint in-sample; if none does, the least risky (smallest total violation, each
constraint's relative to its bound). It is then run on ``check_futures`` fresh futures -
new draws and new seeds - and each measure is reported in-sample and out-of-sample side by
side (a chance with its 95 % Wilson interval): an optimiser picks the policy the in-sample
futures flatter, so the fresh estimate is the honest one.

Pure: scenarios and arrays in, a result out. Every evaluation goes through
``sim.results.batch.run_overrides`` (override rows on one base), the batch engine's entry
point for many experiments.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from sim.results.batch import run_overrides
from sim.results.metrics import check_outcome, split_outcome
from sim.scenario.enums import Backend
from sim.scenario.errors import InputError
from sim.scenario.overrides import Overrides
from sim.scenario.scenario import Scenario
from sim.sweep.design import Model, Parameter, ParamKind, Value
from sim.sweep.measures import Constraint, Measure, Objective
from sim.sweep.spec import Setter, check_corners, check_parameters, make_setters

Array = NDArray[np.float64]


class Search(Model):
    population: Annotated[int, Field(ge=4, le=10_000)] | None = None
    generations: Annotated[int, Field(ge=1, le=10_000)] = 10


class Optimize(Model):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    base: Path
    seed: Annotated[int, Field(ge=0)] = 0
    futures: Annotated[int, Field(ge=1, le=1_000_000)] = 1000
    check_futures: Annotated[int, Field(ge=1, le=1_000_000)] = 2000
    backend: Backend | None = None
    set: dict[str, Value] = {}
    levers: Annotated[list[Parameter], Field(min_length=1)]
    uncertainties: list[Parameter] = []
    objectives: Annotated[list[Objective], Field(min_length=1)]
    constraints: list[Constraint] = []
    report: list[Measure] = []  # measures shown beside them, in- and out-of-sample
    search: Search = Search()

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, model in (("objectives", Objective), ("constraints", Constraint),
                           ("report", Measure)):
            items = data.get(key)
            items = [items] if isinstance(items, str) else items
            if isinstance(items, list):
                parsed = []
                for i, item in enumerate(items):
                    try:
                        parsed.append(model.parse(item) if isinstance(item, str) else item)
                    except ValueError as exc:
                        raise ValueError(f"{key}[{i}]: {exc}") from None
                data[key] = parsed
        return data

    @model_validator(mode="after")
    def _checks(self) -> Optimize:
        for i, p in enumerate(self.levers):
            if p.kind is ParamKind.DISTRIBUTION:
                raise ValueError(f"levers[{i}]: a lever is a range (uniform, integer, "
                                 "log_uniform) or values, not a distribution")
        # A lever and an uncertainty on one path: the futures would overwrite the lever.
        check_parameters(self.parameters, self.fields)
        return self

    @property
    def parameters(self) -> list[Parameter]:
        return [*self.levers, *self.uncertainties]

    @property
    def fields(self) -> list[str]:
        return ([f"levers[{i}]" for i in range(len(self.levers))]
                + [f"uncertainties[{i}]" for i in range(len(self.uncertainties))])

    @property
    def measures(self) -> list[Measure]:
        """Objectives' measures, then constraints', then those reported, each once."""
        out: dict[str, Measure] = {}
        for m in ([o.measure for o in self.objectives] + [c.measure for c in self.constraints]
                  + list(self.report)):
            out.setdefault(str(m), m)
        return list(out.values())

    @property
    def population(self) -> int:
        return self.search.population or max(10, 5 * len(self.levers))


@dataclass(frozen=True)
class Futures:
    """Uncertainty values (label -> (n,)) and run seeds of ``n`` futures."""

    values: dict[str, NDArray[Any]]
    seeds: list[int]

    @property
    def n(self) -> int:
        return len(self.seeds)


def draw_futures(params: list[Parameter], n: int, root: int, stream: int) -> Futures:
    """``n`` futures: a Latin hypercube of the uncertainties and a run seed each, all from
    ``SeedSequence(root, spawn_key=(stream, ...))`` (in-sample and check futures are
    different streams, so they share nothing)."""
    from scipy.stats import qmc

    design = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(root, spawn_key=(stream, 0))))
    values: dict[str, NDArray[Any]] = {}
    if params:
        unit = np.asarray(qmc.LatinHypercube(d=len(params), rng=design).random(n))
        values = {p.label: p.from_unit(unit[:, j]) for j, p in enumerate(params)}
    seeds = [int(np.random.SeedSequence(root, spawn_key=(stream, 1, j))
                 .generate_state(1, np.uint64)[0]) for j in range(n)]
    return Futures(values, seeds)


@dataclass(frozen=True)
class Candidate:
    """One policy: its lever values and each measure on the in-sample futures."""

    index: int
    levers: dict[str, Any]
    measures: dict[str, float]


@dataclass
class Problem:
    """An optimize file resolved against its base scenario, ready to evaluate policies."""

    spec: Optimize
    base: Scenario
    source: str
    lever_setters: list[Setter]
    uncertainty_setters: list[Setter]
    futures: Futures
    check: Futures
    archive: dict[tuple[Any, ...], Candidate] = field(default_factory=dict)
    experiments: int = 0
    on_batch: Callable[[int], None] | None = None  # told the runs of each batch (progress)

    def policy(self, unit: NDArray[np.float64]) -> dict[str, Any]:
        """Lever values at a point of the unit cube."""
        return {p.label: _plain(p.from_unit(np.array([u]))[0])
                for p, u in zip(self.spec.levers, unit, strict=True)}

    def rows(self, policy: dict[str, Any], futures: Futures) -> list[dict[str, Any]]:
        """The policy in each future, as ``{dotted.path: value}`` override rows."""
        mine = _row(self.spec.levers, self.lever_setters, policy)
        return [{**mine, **_row(self.spec.uncertainties, self.uncertainty_setters,
                                {k: _plain(v[j]) for k, v in futures.values.items()})}
                for j in range(futures.n)]

    def outcomes(self, policies: list[dict[str, Any]], futures: Futures) -> dict[str, Array]:
        """Each measured outcome, (policies x futures), in one call of the batch engine's
        entry point for many experiments (``run_overrides``)."""
        names = list(dict.fromkeys(m.outcome for m in self.spec.measures))
        rows = [row for policy in policies for row in self.rows(policy, futures)]
        try:
            out = run_overrides(self.base, rows, futures.seeds * len(policies),
                                backend=self.spec.backend,
                                goods=[g for n in names if (g := split_outcome(n)[1])])
        except InputError as exc:  # name the policy: find its first row that fails
            over = Overrides(self.base, self.source)
            for policy in policies:
                for row in self.rows(policy, futures):
                    try:
                        over.apply(row.items())
                    except InputError:
                        what = ", ".join(f"{k}={v!r}" for k, v in policy.items())
                        raise InputError(self.source, "levers", f"the policy {what} in a "
                                         f"future: {exc.field}: {exc.message}") from None
            raise
        self.experiments += len(rows)
        if self.on_batch is not None:
            self.on_batch(len(rows))
        return {k: np.asarray(out.metrics[k], dtype=np.float64).reshape(len(policies),
                                                                         futures.n)
                for k in names}

    def measure(self, policies: list[dict[str, Any]], futures: Futures) -> list[dict[str, float]]:
        values = self.outcomes(policies, futures)
        table = {str(m): m.of(values[m.outcome]) for m in self.spec.measures}
        return [{k: float(v[i]) for k, v in table.items()} for i in range(len(policies))]

    def evaluate(self, units: NDArray[np.float64]) -> list[Candidate]:
        """Candidates at unit points (S, levers), each distinct policy run once."""
        policies = [self.policy(u) for u in units]
        if not policies:
            return []
        keys = [tuple(p.values()) for p in policies]
        new = list(dict.fromkeys(k for k in keys if k not in self.archive))
        if new:
            fresh = [dict(zip(policies[0], k, strict=True)) for k in new]
            for key, policy, measures in zip(new, fresh, self.measure(fresh, self.futures),
                                             strict=True):
                self.archive[key] = Candidate(len(self.archive), policy, measures)
        return [self.archive[k] for k in keys]

    def matrices(self, candidates: list[Candidate]) -> tuple[Array, Array]:
        """Objective losses (S, n_obj) and constraint violations (S, n_con)."""
        s = self.spec
        f = np.array([[o.loss(np.array(c.measures[str(o.measure)])) for o in s.objectives]
                      for c in candidates], dtype=np.float64).reshape(len(candidates),
                                                                      len(s.objectives))
        g = np.array([[k.violation(np.array(c.measures[str(k.measure)])) for k in
                       s.constraints] for c in candidates],
                     dtype=np.float64).reshape(len(candidates), len(s.constraints))
        return f, g


def _row(params: list[Parameter], setters: list[Setter],
         values: dict[str, Any]) -> dict[str, Any]:
    """Each parameter's value at each of its dotted paths (a 'scale' parameter's value times
    each path's base value)."""
    row: dict[str, Any] = {}
    for p, s in zip(params, setters, strict=True):
        for path, (_, value) in zip(p.targets, s.changes(values[p.label]), strict=True):
            row[path] = value
    return row


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def resolve_problem(spec: Optimize, base: Scenario, source: str) -> Problem:
    """Apply ``set`` to the base, check every path and range, draw both sets of futures."""
    over = Overrides(base, source)
    try:
        base = over.apply(list(spec.set.items()))
    except InputError as exc:
        raise InputError(source, f"set.{exc.field}" if exc.field in spec.set else "set",
                         exc.message if exc.field in spec.set
                         else f"{exc.field}: {exc.message}") from None
    for key, measures in (("objectives", [o.measure for o in spec.objectives]),
                          ("constraints", [c.measure for c in spec.constraints]),
                          ("report", list(spec.report))):
        for i, m in enumerate(measures):
            if (why := check_outcome(m.outcome, base.good_ids)) is not None:
                raise InputError(source, f"{key}[{i}]", why)
    params, fields = spec.parameters, spec.fields
    setters = make_setters(params, base, source, fields)
    check_corners(params, setters, base, source, fields)
    n_lev = len(spec.levers)
    return Problem(spec, base, source, setters[:n_lev], setters[n_lev:],
                   draw_futures(spec.uncertainties, spec.futures, spec.seed, 1),
                   draw_futures(spec.uncertainties, spec.check_futures, spec.seed, 2))


@dataclass(frozen=True)
class Check:
    """A measure of the chosen policy on the in-sample futures and on fresh ones."""

    measure: str
    in_sample: float
    out_of_sample: float
    low: float = math.nan  # 95 % Wilson interval of a chance, out-of-sample
    high: float = math.nan


@dataclass(frozen=True)
class Outcome:
    """What ``optimize`` found."""

    feasible: bool  # the chosen policy meets every constraint in-sample
    chosen: Candidate
    checks: list[Check]
    met_out_of_sample: dict[str, bool]  # constraint -> met on the fresh futures
    candidates: list[Candidate]
    front: list[int]  # candidate indices on the trade-off front
    method: str
    experiments: int
    seconds: float


def _violation(problem: Problem, candidates: list[Candidate]) -> Array:
    """Total violation, each constraint's relative to its bound (0: feasible)."""
    _, g = problem.matrices(candidates)
    scale = np.array([max(abs(c.bound), 1e-9) for c in problem.spec.constraints])
    if g.size == 0:
        return np.zeros(len(candidates))
    return np.asarray((g / scale).sum(axis=1), dtype=np.float64)


def choose(problem: Problem) -> tuple[Candidate, bool]:
    """The best feasible candidate on the first objective, else the least risky one."""
    candidates = list(problem.archive.values())
    f, _ = problem.matrices(candidates)
    violation = _violation(problem, candidates)
    feasible = violation == 0
    if feasible.any():
        order = np.lexsort((np.arange(len(candidates)), f[:, 0], ~feasible))
        return candidates[int(order[0])], True
    order = np.lexsort((np.arange(len(candidates)), f[:, 0], violation))
    return candidates[int(order[0])], False


def trade_off_front(problem: Problem) -> list[int]:
    """Candidates no other beats on every objective and every constraint's measure at once
    (the constraints turned into risks to lower): how much at what risk."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    candidates = list(problem.archive.values())
    f, _ = problem.matrices(candidates)
    risks = np.array([[c.risk(np.array(x.measures[str(c.measure)]))
                       for c in problem.spec.constraints] for x in candidates],
                     dtype=np.float64).reshape(len(candidates), -1)
    points = np.column_stack([f, risks])
    points = np.where(np.isfinite(points), points, np.finfo(np.float64).max)
    front = NonDominatedSorting().do(points, only_non_dominated_front=True)
    return sorted(int(candidates[i].index) for i in front)


def _search_scipy(problem: Problem, rng: np.random.Generator) -> None:
    from scipy.optimize import NonlinearConstraint, differential_evolution

    spec = problem.spec
    k = len(spec.levers)

    def losses(x: Array) -> Array:  # (k, S) -> (S,)
        f, _ = problem.matrices(problem.evaluate(np.atleast_2d(x.T).reshape(-1, k)))
        return np.asarray(f[:, 0], dtype=np.float64)

    def violations(x: Array) -> Array:  # (k, S) -> (m, S)
        _, g = problem.matrices(problem.evaluate(np.atleast_2d(x.T).reshape(-1, k)))
        return np.asarray(np.where(np.isfinite(g), g, 1e300).T, dtype=np.float64)

    constraints = ([NonlinearConstraint(violations, -np.inf, 0.0)]
                   if spec.constraints else [])
    differential_evolution(
        losses, [(0.0, 1.0)] * k, constraints=constraints, vectorized=True,
        popsize=max(1, math.ceil(spec.population / k)), maxiter=spec.search.generations,
        polish=False, tol=0.0, rng=rng, init="latinhypercube", updating="deferred")


def _search_pymoo(problem: Problem, seed: int) -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.optimize import minimize

    spec = problem.spec

    class Levers(PymooProblem):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(n_var=len(spec.levers), n_obj=len(spec.objectives),
                             n_ieq_constr=len(spec.constraints), xl=0.0, xu=1.0)

        def _evaluate(self, x: Array, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            f, g = problem.matrices(problem.evaluate(x))
            out["F"] = np.where(np.isfinite(f), f, 1e300)
            if spec.constraints:
                out["G"] = np.where(np.isfinite(g), g, 1e300)

    minimize(Levers(), NSGA2(pop_size=spec.population), ("n_gen", spec.search.generations),
             seed=seed, verbose=False)


def wilson(hits: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion."""
    from scipy.stats import binomtest

    ci = binomtest(hits, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def optimize(problem: Problem) -> Outcome:
    """Search, choose, check on fresh futures."""
    started = time.perf_counter()
    spec = problem.spec
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec.seed,
                                                                     spawn_key=(3,))))
    if len(spec.objectives) == 1:
        method = "scipy.optimize.differential_evolution"
        _search_scipy(problem, rng)
    else:
        method = "pymoo NSGA-II"
        _search_pymoo(problem, int(rng.integers(2**31 - 1)))
    chosen, feasible = choose(problem)
    fresh = problem.measure([chosen.levers], problem.check)[0]
    checks = []
    for m in spec.measures:
        name = str(m)
        low = high = math.nan
        if m.is_chance:
            low, high = wilson(round(fresh[name] * problem.check.n), problem.check.n)
        checks.append(Check(name, chosen.measures[name], fresh[name], low, high))
    met = {str(c): bool(c.violation(np.array(fresh[str(c.measure)])) == 0)
           for c in spec.constraints}
    return Outcome(feasible, chosen, checks, met, list(problem.archive.values()),
                   trade_off_front(problem), method, problem.experiments,
                   time.perf_counter() - started)


def policy_scenario(problem: Problem, chosen: Candidate) -> Scenario:
    """The base (with ``set``) and the chosen lever values: a scenario ``masksim run``
    takes as is (uncertainties at the base's values)."""
    changes = [c for s in problem.lever_setters for c in s.changes(chosen.levers[s.label])]
    return Overrides(problem.base, problem.source).apply(changes)
