"""Which inputs drive which outcomes: Sobol' indices for Sobol' (Saltelli) designs, standardized
rank regression coefficients (SRRC) for every design.

* Sobol': first-order (Saltelli et al. 2010) and total (Jansen 1999) indices from the
  (A, AB_1 .. AB_k, B) rows the ``sobol`` design lays out, outcomes averaged over
  replications per point. SALib's ``sobol.analyze`` is used when installed (the
  ``sensitivity`` extra); otherwise the same estimators in numpy, on outputs normalized the
  way SALib normalizes them, with bootstrap confidence intervals of the same kind.
* SRRC: inputs and the outcome are rank-transformed and standardized, then regressed by least
  squares; the coefficients are the SRRCs and R^2 says how much of the outcome's rank
  variance a monotone additive model explains (low R^2: interactions or non-monotone
  effects, where Sobol' total indices are the better guide). Numeric inputs are ranked;
  string and boolean categories enter as one-hot columns against their first value, each
  reported as ``name=value``.

Pure: arrays in, rows out; reading the folder and printing live in ``sweep_cli``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.sweep.design import DesignKind
from sim.sweep.spec import Sweep

Array = NDArray[np.float64]
NAN = float("nan")
BOOTSTRAP_SEED = 20200401  # confidence intervals are resampled; keep them reproducible


class Method(StrEnum):
    SOBOL = "sobol"
    SRRC = "srrc"


@dataclass(frozen=True)
class Row:
    outcome: str
    parameter: str
    method: Method
    first: float = NAN
    total: float = NAN
    srrc: float = NAN
    first_conf: float = NAN
    total_conf: float = NAN


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    r2: dict[str, float]  # SRRC fit per outcome
    estimator: str

    def to_json(self) -> dict[str, Any]:
        def clean(x: Any) -> Any:
            return None if isinstance(x, float) and not math.isfinite(x) else x

        return {
            "estimator": self.estimator,
            "srrc_r2": {k: clean(v) for k, v in self.r2.items()},
            "rows": [{k: clean(str(v) if isinstance(v, Method) else v)
                      for k, v in asdict(r).items()} for r in self.rows],
        }


def _jansen(y: Array, k: int, num_resamples: int = 100,
            conf_level: float = 0.95) -> tuple[Array, Array, Array, Array]:
    """S1, ST and their confidence half-widths from Saltelli rows, as SALib computes them."""
    from scipy.stats import norm

    y = (y - y.mean()) / y.std()
    rows = y.reshape(-1, k + 2)
    a, ab, b = rows[:, 0], rows[:, 1:-1], rows[:, -1]

    # Works on one sample (a: (n,)) and on bootstrap resamples (a: (n, resamples)) alike.
    def first(a: Array, ab: Array, b: Array) -> Array:
        var = np.asarray(np.var(np.concatenate([a, b]), axis=0))
        return np.asarray(np.mean(b[..., None] * (ab - a[..., None]), axis=0) / var[..., None])

    def total(a: Array, ab: Array, b: Array) -> Array:
        var = np.asarray(np.var(np.concatenate([a, b]), axis=0))
        return np.asarray(0.5 * np.mean((a[..., None] - ab) ** 2, axis=0) / var[..., None])

    n = len(a)
    r = np.random.default_rng(BOOTSTRAP_SEED).integers(n, size=(n, num_resamples))
    z = norm.ppf(0.5 + conf_level / 2)
    s1_boot = first(a[r], ab[r], b[r])  # (resamples, k)
    st_boot = total(a[r], ab[r], b[r])
    return (first(a, ab, b), total(a, ab, b), z * s1_boot.std(axis=0, ddof=1),
            z * st_boot.std(axis=0, ddof=1))


def _salib(y: Array, names: list[str]) -> tuple[Array, Array, Array, Array] | None:
    try:
        from SALib.analyze import sobol
    except ImportError:
        return None
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    s = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False,
                      seed=BOOTSTRAP_SEED)
    return (np.asarray(s["S1"]), np.asarray(s["ST"]), np.asarray(s["S1_conf"]),
            np.asarray(s["ST_conf"]))


def sobol_indices(y: Array, names: list[str], *, use_salib: bool = True
                  ) -> tuple[Array, Array, Array, Array]:
    """(S1, ST, S1_conf, ST_conf) from outputs in Saltelli order; NaN for a constant output."""
    k = len(names)
    if y.size % (k + 2) or not np.all(np.isfinite(y)) or np.ptp(y) <= 0:
        nan = np.full(k, np.nan)
        return nan, nan, nan, nan
    got = _salib(y, names) if use_salib else None
    return got if got is not None else _jansen(y, k)


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
    ry = _rank(y)
    coef = np.full(x.shape[1], np.nan)
    if np.ptp(ry) <= 0 or x.shape[0] < 3:
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
            names: list[str] | None = None, *, use_salib: bool = True) -> Report:
    """Indices of each outcome in ``names`` (default: all kept)."""
    names = list(outcomes) if names is None else names
    labels = [p.label for p in sweep.parameters]
    is_sobol = sweep.design.kind is DesignKind.SOBOL
    columns, matrix = design_matrix(experiments, sweep)
    have_salib = False
    if is_sobol and use_salib:
        import importlib.util

        have_salib = importlib.util.find_spec("SALib") is not None
    estimator = "srrc (rank regression, numpy)"
    if is_sobol:
        estimator = ("SALib sobol.analyze (Saltelli 2010 first order, Jansen total)"
                     if have_salib else "numpy Saltelli 2010 first order, Jansen total")
    rows: list[Row] = []
    r2: dict[str, float] = {}
    for outcome in names:
        y = np.asarray(outcomes[outcome], dtype=np.float64)
        coef, r2[outcome] = srrc(matrix, y)
        by_column = dict(zip(columns, coef.tolist(), strict=True))
        if is_sobol:
            per_point = y.reshape(-1, sweep.replications).mean(axis=1)
            s1, st, s1c, stc = sobol_indices(per_point, labels, use_salib=have_salib)
            for j, label in enumerate(labels):
                rows.append(Row(outcome, label, Method.SOBOL, float(s1[j]), float(st[j]),
                                by_column.get(label, NAN), float(s1c[j]), float(stc[j])))
            rows += [Row(outcome, c, Method.SRRC, srrc=by_column[c])
                     for c in columns if c not in labels]
        else:
            rows += [Row(outcome, c, Method.SRRC, srrc=by_column[c]) for c in columns]
    return Report(rows, r2, estimator)


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

    for outcome, rows in by_outcome.items():
        r2 = report.r2.get(outcome, NAN)
        fit = f"{r2:.2f}" if math.isfinite(r2) else "n/a (constant outcome)"
        lines += ["", f"{outcome}  (SRRC R^2 = {fit})",
                  f"  {'parameter':<40}{'first':>8}{'total':>8}{'srrc':>8}"]
        for r in sorted(rows, key=key):
            lines.append(f"  {r.parameter:<40}{num(r.first)}{num(r.total)}{num(r.srrc)}")
    return "\n".join(lines)
