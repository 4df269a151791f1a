"""Which inputs drive which outcomes: Sobol' indices for Sobol' (Saltelli) designs, standardized
rank regression coefficients (SRRC) for every design.

* Sobol': ``scipy.stats.sobol_indices`` (Saltelli et al. 2010 first order, Jansen total) on
  the outputs of the (A, AB_1 .. AB_k, B) rows the ``sobol`` design lays out, outcomes
  averaged over replications per point; 95 % confidence intervals from its BCa bootstrap.
* SRRC: inputs and the outcome are rank-transformed and standardized, then regressed by least
  squares; the coefficients are the SRRCs and R^2 says how much of the outcome's rank
  variance a monotone additive model explains (low R^2: interactions or non-monotone
  effects, where Sobol' total indices are the better guide). Numeric inputs are ranked;
  string and boolean categories enter as one-hot columns against their first value, each
  reported as ``name=value``.

Pure: arrays in, rows out; reading the folder and printing live in ``sim.cli.sweep``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.sweep.design import DesignKind
from sim.sweep.spec import Sweep

Array = NDArray[np.float64]
NAN = float("nan")
BOOTSTRAP_SEED = 20200401  # confidence intervals are resampled; keep them reproducible
CONFIDENCE = 0.95
RESAMPLES = 999  # scipy's default
ESTIMATOR = ("scipy.stats.sobol_indices (Saltelli 2010 first order, Jansen total; "
             f"{CONFIDENCE:.0%} BCa bootstrap intervals, {RESAMPLES} resamples)")


class Method(StrEnum):
    SOBOL = "sobol"
    SRRC = "srrc"


@dataclass(frozen=True)
class Row:
    outcome: str
    parameter: str
    method: Method
    first: float = NAN
    first_low: float = NAN
    first_high: float = NAN
    total: float = NAN
    total_low: float = NAN
    total_high: float = NAN
    srrc: float = NAN


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    r2: dict[str, float]  # SRRC fit per outcome
    estimator: str
    # Runs whose outcome is undefined (NaN: e.g. no fairness when nothing was delivered);
    # rank regression leaves them out, Sobol' indices need every run and are not given.
    undefined: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def clean(x: Any) -> Any:
            return None if isinstance(x, float) and not math.isfinite(x) else x

        return {
            "estimator": self.estimator,
            "srrc_r2": {k: clean(v) for k, v in self.r2.items()},
            "undefined_runs": dict(self.undefined),
            "rows": [{k: clean(str(v) if isinstance(v, Method) else v)
                      for k, v in asdict(r).items()} for r in self.rows],
        }


@dataclass(frozen=True)
class SobolEstimate:
    """Per parameter: first and total indices and their confidence bounds."""

    first: Array
    first_low: Array
    first_high: Array
    total: Array
    total_low: Array
    total_high: Array


def _bootstrap(result: Any) -> Any:
    # SobolResult.bootstrap takes no generator: scipy 1.17 draws from numpy's legacy global
    # RandomState. Seed it for this call only, so a sweep gives the same intervals every
    # time, and give the caller's state back.
    from scipy.stats import DegenerateDataWarning

    state = np.random.get_state()  # noqa: NPY002 (no other way to seed it)
    np.random.seed(BOOTSTRAP_SEED)  # noqa: NPY002
    try:
        with warnings.catch_warnings():
            # An input with no effect at all has a one-valued bootstrap distribution: BCa
            # says so and gives NaN; _bounds turns that into the point interval it is.
            warnings.simplefilter("ignore", DegenerateDataWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return result.bootstrap(confidence_level=CONFIDENCE, n_resamples=RESAMPLES)
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _bounds(estimate: Array, boot: Any) -> tuple[Array, Array]:
    low = np.asarray(boot.confidence_interval.low, dtype=np.float64).reshape(estimate.shape)
    high = np.asarray(boot.confidence_interval.high, dtype=np.float64).reshape(estimate.shape)
    spread = np.ptp(np.asarray(boot.bootstrap_distribution).reshape(len(estimate), -1), axis=1)
    flat = spread == 0
    return np.where(flat, estimate, low), np.where(flat, estimate, high)


def saltelli_indices(y: Array, k: int) -> SobolEstimate:
    """Indices of ``k`` inputs from outputs in the ``sobol`` design's order: N blocks of
    (A_j, AB_j^1 .. AB_j^k, B_j), AB^i being A with column i from B - the matrices
    ``scipy.stats.sobol_indices`` calls f_A, f_AB[i] and f_B. NaN for a constant output."""
    from scipy.stats import sobol_indices

    nan = np.full(k, np.nan)
    if y.size % (k + 2) or not np.all(np.isfinite(y)) or np.ptp(y) <= 0:
        return SobolEstimate(nan, nan, nan, nan, nan, nan)
    rows = y.reshape(-1, k + 2)
    n = rows.shape[0]
    # dict form: f_A, f_B of shape (outputs, n), f_AB of shape (inputs, outputs, n)
    func = {"f_A": rows[:, 0][None, :], "f_B": rows[:, k + 1][None, :],
            "f_AB": rows[:, 1:k + 1].T[:, None, :]}
    result = sobol_indices(func=func, n=n)
    first = np.asarray(result.first_order, dtype=np.float64).reshape(k)
    total = np.asarray(result.total_order, dtype=np.float64).reshape(k)
    boot = _bootstrap(result)
    first_low, first_high = _bounds(first, boot.first_order)
    total_low, total_high = _bounds(total, boot.total_order)
    return SobolEstimate(first, first_low, first_high, total, total_low, total_high)


def _rank(x: NDArray[Any]) -> Array:
    from scipy.stats import rankdata

    return np.asarray(rankdata(x), dtype=np.float64)


def design_matrix(experiments: Any, sweep: Sweep) -> tuple[list[str], Array]:
    """Ranked inputs: column names and the (n, m) matrix."""
    names, cols = [], []
    for p in sweep.parameters:
        values = experiments[p.label].to_numpy()
        if p.dtype in ("string", "bool"):
            levels = list(dict.fromkeys(p.choices().tolist()))
            for level in levels[1:]:
                names.append(f"{p.label}={level}")
                cols.append((values == level).astype(np.float64))
        else:
            names.append(p.label)
            cols.append(_rank(values))
    matrix = np.column_stack(cols) if cols else np.empty((len(experiments), 0))
    return names, matrix


def srrc(x: Array, y: Array) -> tuple[Array, float]:
    """Standardized rank regression: coefficients (NaN for constant inputs) and R^2."""
    defined = np.isfinite(y)
    x, y = x[defined], y[defined]
    coef = np.full(x.shape[1], np.nan)
    if x.shape[0] < 3:
        return coef, NAN
    ry = _rank(y)
    if np.ptp(ry) <= 0:
        return coef, NAN
    sd = x.std(axis=0)
    live = sd > 0
    z = (x[:, live] - x[:, live].mean(axis=0)) / sd[live]
    zy = (ry - ry.mean()) / ry.std()
    beta, *_ = np.linalg.lstsq(z, zy, rcond=None)
    coef[live] = beta
    resid = zy - z @ beta
    return coef, float(1.0 - resid @ resid / (zy @ zy))


def analyze(experiments: Any, outcomes: dict[str, Array], sweep: Sweep,
            names: list[str] | None = None) -> Report:
    """Indices of each outcome in ``names`` (default: all kept)."""
    names = list(outcomes) if names is None else names
    labels = [p.label for p in sweep.parameters]
    is_sobol = sweep.design.kind is DesignKind.SOBOL
    columns, matrix = design_matrix(experiments, sweep)
    rows: list[Row] = []
    r2: dict[str, float] = {}
    undefined: dict[str, int] = {}
    for outcome in names:
        y = np.asarray(outcomes[outcome], dtype=np.float64)
        undefined[outcome] = int(np.count_nonzero(~np.isfinite(y)))
        coef, r2[outcome] = srrc(matrix, y)
        by_column = dict(zip(columns, coef.tolist(), strict=True))
        if is_sobol:
            per_point = y.reshape(-1, sweep.replications).mean(axis=1)
            est = saltelli_indices(per_point, len(labels))
            for j, label in enumerate(labels):
                rows.append(Row(outcome, label, Method.SOBOL, float(est.first[j]),
                                float(est.first_low[j]), float(est.first_high[j]),
                                float(est.total[j]), float(est.total_low[j]),
                                float(est.total_high[j]), by_column.get(label, NAN)))
            rows += [Row(outcome, c, Method.SRRC, srrc=by_column[c])
                     for c in columns if c not in labels]
        else:
            rows += [Row(outcome, c, Method.SRRC, srrc=by_column[c]) for c in columns]
    return Report(rows, r2, ESTIMATOR if is_sobol else "srrc (rank regression, numpy)",
                  undefined)


def format_report(report: Report) -> str:
    """A table per outcome, most influential input first."""
    lines = [f"estimator: {report.estimator}"]
    by_outcome: dict[str, list[Row]] = {}
    for row in report.rows:
        by_outcome.setdefault(row.outcome, []).append(row)

    def key(r: Row) -> float:
        value = r.total if math.isfinite(r.total) else abs(r.srrc)
        return -value if math.isfinite(value) else math.inf

    def num(x: float) -> str:
        return f"{x:8.3f}" if math.isfinite(x) else f"{'-':>8}"

    def ci(low: float, high: float) -> str:
        text = f"[{low:.3f}, {high:.3f}]" if math.isfinite(low) and math.isfinite(high) else "-"
        return f"{text:>18}"

    ci_head = f"{CONFIDENCE:.0%} CI"
    for outcome, rows in by_outcome.items():
        r2 = report.r2.get(outcome, NAN)
        fit = f"{r2:.2f}" if math.isfinite(r2) else "n/a (constant outcome)"
        n_undefined = report.undefined.get(outcome, 0)
        if n_undefined:
            fit += (f"; undefined in {n_undefined} runs (left out of SRRC; no Sobol' "
                    "indices, which need every run)")
        lines += ["", f"{outcome}  (SRRC R^2 = {fit})",
                  f"  {'parameter':<40}{'first':>8}{ci_head:>18}{'total':>8}{ci_head:>18}"
                  f"{'srrc':>8}"]
        for r in sorted(rows, key=key):
            lines.append(f"  {r.parameter:<40}{num(r.first)}{ci(r.first_low, r.first_high)}"
                         f"{num(r.total)}{ci(r.total_low, r.total_high)}{num(r.srrc)}")
    return "\n".join(lines)
