"""Fit scenario parameters to the record's observations by bounded least squares.

Pure core of ``masksim calibrate``: a scenario, the dotted paths to fit and their bounds in,
a :class:`Calibration` out; reads no files and prints nothing.

* Residuals. Each observation used contributes ``error / scale`` (``error`` as in
  :mod:`sim.results.observations`: model - record, 0 inside a range, else the distance to
  the nearest end). The scale of a value is the value itself, so every residual is a
  relative error and figures of millions and of thousands weigh alike. The scale of a range
  is its midpoint, not its width: a width can be small or arbitrary (a chosen far end of a
  one-sided bound), which would make a narrow range dominate; the midpoint puts a miss of a
  range on the same relative footing as a miss of a value. A scale of 0 becomes 1 mask.
* Which observations. Tags matching ``hold_out`` are not fitted and are reported at the
  fitted values; those tagged ``input`` (a figure the scenario's own parameters were set
  from: matching it restates an input) are left out unless ``include_input``.
* Evaluation. Every candidate is a scenario run through the batch engine: each time the
  optimiser asks for a new point, that point and its ``n`` forward-difference neighbours
  run as one batch of ``1 + n`` scenarios, so the Jacobian at an accepted point is already
  there. All candidates share one seed (common random numbers), so the objective is a
  deterministic function of the parameters and the same seed gives the same fit.
* Uncertainty. Standard errors come from the Jacobian at the optimum,
  ``cov = s^2 (J^T J)^-1`` with ``s^2 = sum(r^2) / (m - n)``: a local linear
  approximation, which says nothing about a parameter at a bound or a misspecified model.
  A parameter no used observation responds to gets an infinite error (not identified).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.results.batch import run_scenarios
from sim.results.observations import compare_scenario_run
from sim.scenario.errors import InputError
from sim.scenario.observations import Observation
from sim.scenario.overrides import resolve_path, with_overrides
from sim.scenario.scenario import Scenario
from sim.scenario.writing import to_toml

Array = NDArray[np.float64]

INPUT_TAG = "input"
# Forward-difference step, relative to the parameter's typical size. The model is piecewise
# linear in most parameters (stock floors, rations capped by supply): a step far above
# rounding noise and far below the kinks' spacing.
REL_STEP = 1e-4
MAX_BATCHES = 200  # optimiser evaluations (each one batch of 1 + n scenarios)


class Role(StrEnum):
    """What the fit did with an observation."""

    USED = "used"
    HELD_OUT = "held_out"  # tagged --hold-out: never seen by the fit, reported after it
    INPUT = "input"  # restates an input: left out by default


@dataclass(frozen=True)
class Parameter:
    path: str
    start: float
    lo: float
    hi: float


@dataclass(frozen=True)
class ObservationFit:
    """One observation at the fitted values (error and relative error as in summary.json;
    ``residual`` is what the fit minimised, error / scale)."""

    observation: Observation
    role: Role
    model: float | None
    error: float | None
    relative_error: float | None
    residual: float | None


@dataclass(frozen=True)
class Calibration:
    scenario: Scenario  # the input scenario with the fitted values set (and the seed used)
    parameters: tuple[Parameter, ...]
    values: tuple[float, ...]
    std_errors: tuple[float, ...]  # nan: too few observations; inf: not identifiable
    correlation: tuple[tuple[float, ...], ...]
    at_bound: tuple[bool, ...]
    observations: tuple[ObservationFit, ...]
    rms_residual: float  # over the observations used
    seed: int
    batches: int  # batches run (each 1 + n scenarios, plus one at the optimum)
    scenarios_run: int
    converged: bool
    message: str

    def by_role(self, role: Role) -> list[ObservationFit]:
        return [o for o in self.observations if o.role is role]


def _limits(info: FieldInfo) -> tuple[float, float]:
    """The field's own bounds (ge/gt/le/lt), looking inside ``X | None``."""
    metadata: list[Any] = list(info.metadata)
    for arg in typing.get_args(info.annotation):
        for inner in typing.get_args(arg)[1:]:  # Annotated[float, FieldInfo(...)]
            metadata += list(getattr(inner, "metadata", []))
    lo, hi = -math.inf, math.inf
    for m in metadata:
        if getattr(m, "ge", None) is not None:
            lo = max(lo, float(m.ge))
        if getattr(m, "gt", None) is not None:
            lo = max(lo, math.nextafter(float(m.gt), math.inf))
        if getattr(m, "le", None) is not None:
            hi = min(hi, float(m.le))
        if getattr(m, "lt", None) is not None:
            hi = min(hi, math.nextafter(float(m.lt), -math.inf))
    return lo, hi


def _lookup(scenario: Scenario, path: str, source: str) -> tuple[float, tuple[float, float]]:
    """The current value at ``path`` and the field's own bounds; InputError naming the path
    when there is no such field or it is not a continuous number."""
    node: Any = scenario
    info: FieldInfo | None = None
    for step in resolve_path(scenario, path):
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, BaseModel) \
                and step in type(node).model_fields:
            info = type(node).model_fields[step]
            node = getattr(node, step)
        else:
            raise InputError(source, path, "no such field to fit")
    if info is None or isinstance(node, bool) or not isinstance(node, float):
        what = "not set" if node is None else (
            "a whole number" if isinstance(node, int) and not isinstance(node, bool)
            else f"not a number ({type(node).__name__})")
        raise InputError(source, path, f"{what}: calibrate fits continuous numbers"
                         + (" (set a start value with --set)" if node is None else ""))
    return node, _limits(info)


def resolve_parameters(scenario: Scenario, paths: Sequence[str],
                       bounds: Mapping[str, tuple[float, float]] | None = None,
                       source: str = "<scenario>") -> list[Parameter]:
    """Each path's start value and bounds: ``bounds`` first, then the scenario's
    ``[calibration]`` table, both kept within the field's own limits."""
    if not paths:
        raise InputError(source, "--fit", "name at least one parameter to fit")
    bounds = dict(bounds or {})
    for path in bounds:
        if path not in paths:
            raise InputError(source, f"--bounds {path}", "not among the parameters to fit")
    in_file = scenario.calibration.bounds if scenario.calibration else {}
    out = []
    for path in dict.fromkeys(paths):
        start, (field_lo, field_hi) = _lookup(scenario, path, source)
        lo, hi = bounds.get(path, in_file.get(path, (field_lo, field_hi)))
        if math.isnan(lo) or math.isnan(hi):
            raise InputError(source, f"--bounds {path}", "bounds must be numbers")
        lo, hi = max(lo, field_lo), min(hi, field_hi)
        if not lo < hi:
            raise InputError(source, f"--bounds {path}", f"low end {lo:g} is not below the "
                             f"high end {hi:g} (within the field's limits {field_lo:g} to "
                             f"{field_hi:g})")
        out.append(Parameter(path, start, lo, hi))
    return out


def roles(observations: Sequence[Observation], hold_out: Sequence[str] = (),
          include_input: bool = False) -> list[Role]:
    held = set(hold_out)
    return [Role.HELD_OUT if held.intersection(o.tags)
            else Role.INPUT if INPUT_TAG in o.tags and not include_input
            else Role.USED for o in observations]


def residual(observation: Observation, error: float | None) -> float:
    """error / scale (module docstring); a model value the run lacks is an internal fault."""
    if error is None or not math.isfinite(error):
        raise RuntimeError(f"no model value for the observation of {observation.series} on "
                           f"{observation.date}")
    if observation.range is not None:
        ref = (observation.range[0] + observation.range[1]) / 2
    else:
        assert observation.value is not None
        ref = observation.value
    return error / (abs(ref) or 1.0)


class _Batches:
    """Runs candidates through the batch engine, one point with its difference
    neighbours at a time, and remembers what it ran (the optimiser asks for a point's
    residuals and then its Jacobian)."""

    def __init__(self, base: Scenario, params: Sequence[Parameter], used: Sequence[int],
                 seed: int) -> None:
        self.base, self.params, self.used, self.seed = base, params, list(used), seed
        self.typical = np.array([max(abs(p.start), (p.hi - p.lo) * 1e-3
                                     if math.isfinite(p.hi - p.lo) else 0.0, 1e-9)
                                 for p in params])
        self.cache: dict[bytes, tuple[Array, Array]] = {}
        self.batches = self.scenarios_run = 0

    def rows(self, points: Sequence[Array]) -> list[list[dict[str, Any]]]:
        """Each point's observation rows (sim.results.observations.compare)."""
        scenarios = with_overrides(self.base, [
            {p.path: float(v) for p, v in zip(self.params, x, strict=True)} for x in points])
        out = run_scenarios(scenarios, [self.seed] * len(scenarios), keep_series=True)
        assert out.runs is not None
        self.batches += 1
        self.scenarios_run += len(scenarios)
        # Each candidate's own scenario: the series derived from its plan (what the ration
        # groups bought, what the uses hold) move with the fitted values.
        return [compare_scenario_run(s, run) for s, run in zip(scenarios, out.runs,
                                                                strict=True)]

    def _residuals(self, rows: list[dict[str, Any]]) -> Array:
        obs = self.base.observations
        return np.array([residual(obs[i], rows[i]["error"]) for i in self.used])

    def _evaluate(self, x: Array) -> tuple[Array, Array]:
        key = x.tobytes()
        if key not in self.cache:
            steps = REL_STEP * self.typical
            his = np.array([p.hi for p in self.params])
            # Step backwards where a forward step would leave the bounds.
            steps = np.where(x + steps > his, -steps, steps)
            points = [x] + [x + steps[i] * np.eye(len(x))[i] for i in range(len(x))]
            res = [self._residuals(r) for r in self.rows(points)]
            jac = np.column_stack([(res[i + 1] - res[0]) / steps[i] for i in range(len(x))])
            self.cache[key] = (res[0], jac)
        return self.cache[key]

    def fun(self, x: Array) -> Array:
        return self._evaluate(np.asarray(x, dtype=np.float64))[0]

    def jac(self, x: Array) -> Array:
        return self._evaluate(np.asarray(x, dtype=np.float64))[1]


def _uncertainty(jac: Array, res: Array, typical: Array) -> tuple[Array, Array]:
    """Standard errors and correlations from cov = s^2 (J^T J)^-1 at the optimum."""
    # In units of each parameter's typical size, so a fraction beside a stock of millions
    # does not look rank-deficient to the rank test; scaled back at the end.
    jac = jac * typical
    m, n = jac.shape
    se, corr = np.full(n, np.inf), np.full((n, n), np.nan)
    # A parameter that moves no residual is not identified (inf); the others are judged
    # on their own, so one such parameter does not hide what the rest can tell.
    seen = np.flatnonzero(np.any(jac != 0, axis=0))
    k = len(seen)
    if m <= k:
        se[seen] = np.nan
        return se, corr
    sub = jac[:, seen]
    jtj = sub.T @ sub
    if np.linalg.matrix_rank(jtj) < k:  # some combination of them moves no residual
        return se, corr
    cov = float(res @ res) / (m - k) * np.linalg.inv(jtj)
    se[seen] = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):  # a perfect fit: se 0, corr nan
        corr[np.ix_(seen, seen)] = cov / np.outer(se[seen], se[seen])
    return se * typical, corr


def calibrate(scenario: Scenario, paths: Sequence[str], *,
              bounds: Mapping[str, tuple[float, float]] | None = None,
              hold_out: Sequence[str] = (), include_input: bool = False,
              seed: int | None = None, source: str = "<scenario>") -> Calibration:
    """Fit ``paths`` of ``scenario`` to its observations (module docstring); InputError
    naming the field for a bad path, bad bounds or no observations left to fit."""
    from scipy.optimize import least_squares

    params = resolve_parameters(scenario, paths, bounds, source)
    kinds = roles(scenario.observations, hold_out, include_input)
    used = [i for i, r in enumerate(kinds) if r is Role.USED]
    if not used:
        raise InputError(source, "observations", f"none left to fit ({len(kinds)} in the "
                         "file; held out or tagged input: see --hold-out, --include-input)")
    seed = scenario.seed if seed is None else seed
    batches = _Batches(scenario, params, used, seed)
    lo = np.array([p.lo for p in params])
    hi = np.array([p.hi for p in params])
    x0 = np.clip(np.array([p.start for p in params]), lo, hi)
    fit = least_squares(batches.fun, x0, jac=batches.jac, bounds=(lo, hi),
                        x_scale=batches.typical, method="trf", max_nfev=MAX_BATCHES)
    x = np.clip(np.asarray(fit.x, dtype=np.float64), lo, hi)
    res, jac = batches.fun(x), batches.jac(x)
    se, corr = _uncertainty(jac, res, batches.typical)
    fitted = with_overrides(scenario, [{p.path: float(v) for p, v in zip(params, x,
                                                                         strict=True)}
                                       | {"seed": seed}])[0]
    rows = batches.rows([x])[0]
    fits = tuple(
        ObservationFit(o, kind, row["model"], row["error"], row["relative_error"],
                       residual(o, row["error"]) if row["error"] is not None else None)
        for o, kind, row in zip(scenario.observations, kinds, rows, strict=True))
    return Calibration(
        scenario=fitted, parameters=tuple(params), values=tuple(float(v) for v in x),
        std_errors=tuple(float(v) for v in se),
        correlation=tuple(tuple(float(v) for v in row) for row in corr),
        at_bound=tuple(bool(b) for b in np.asarray(fit.active_mask) != 0),
        observations=fits, rms_residual=float(np.sqrt(np.mean(res ** 2))), seed=seed,
        batches=batches.batches, scenarios_run=batches.scenarios_run,
        converged=bool(fit.status > 0), message=str(fit.message))


def calibrated_toml(result: Calibration, source: str) -> str:
    """The calibrated scenario as TOML (what would run, defaults included), headed by
    comments recording the fit, with the bounds used in its ``[calibration]`` table."""
    n_used = len(result.by_role(Role.USED))
    held = result.by_role(Role.HELD_OUT)
    lines = [f"# Calibrated from {source} by masksim calibrate (seed {result.seed}):",
             f"# least squares on {n_used} observation(s), rms relative residual "
             f"{result.rms_residual:.4g}; {len(held)} held out.",
             "# Standard errors from the Jacobian at the optimum (s^2 (J^T J)^-1), a local "
             "linear approximation."]
    for p, v, se, edge in zip(result.parameters, result.values, result.std_errors,
                              result.at_bound, strict=True):
        lines.append(f"#   {p.path} = {v!r} +/- {se:.4g} (start {p.start!r}, bounds "
                     f"{p.lo:g} to {p.hi:g}){' AT A BOUND' if edge else ''}")
    data = result.scenario.model_dump(mode="python", exclude_none=True)
    bounds = dict(data.get("calibration", {}).get("bounds", {}))
    bounds.update({p.path: (p.lo, p.hi) for p in result.parameters
                   if math.isfinite(p.lo) and math.isfinite(p.hi)})
    data["calibration"] = {"bounds": bounds}
    return "\n".join(lines) + "\n\n" + to_toml(data)
