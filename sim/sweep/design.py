"""What a sweep varies and how points are drawn: parameter ranges and the four designs.

A parameter is a range (``uniform``, ``integer``, ``log_uniform``), a list of categorical
``values`` or a ``scipy.stats`` ``distribution``; each maps a unit coordinate u in [0, 1) to a
value by its inverse CDF, so every sampling design works on the unit cube:

* ``full_factorial`` - every combination of ``levels`` values per parameter (categorical:
  every value; integer: every integer when there are no more than ``levels``);
* ``latin_hypercube`` / ``monte_carlo`` - ``samples`` points;
* ``sobol`` - Saltelli's scheme on a scrambled Sobol' base of ``samples`` (N, a power of 2)
  rows of 2k columns: A = first k, B = last k, AB_i = A with column i from B. Points are laid
  out per base row j as (A_j, AB_j^1 .. AB_j^k, B_j), N (k + 2) in all: the f_A, f_AB[i]
  and f_B evaluations ``scipy.stats.sobol_indices`` takes, so first and total indices can be
  estimated. A plain Sobol' sequence would not allow that.
"""

from __future__ import annotations

import itertools
import math
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from sim.scenario.models import Model as Model  # one frozen, strict base for every input file

Unit = NDArray[np.float64]
Value = str | int | float | bool
# Inverse CDFs of unbounded distributions need u strictly inside (0, 1).
_U_EPS = 1e-12


class DesignKind(StrEnum):
    FULL_FACTORIAL = "full_factorial"
    LATIN_HYPERCUBE = "latin_hypercube"
    SOBOL = "sobol"
    MONTE_CARLO = "monte_carlo"


class ParamKind(StrEnum):
    UNIFORM = "uniform"
    INTEGER = "integer"
    LOG_UNIFORM = "log_uniform"
    VALUES = "values"
    DISTRIBUTION = "distribution"


class ParamRole(StrEnum):
    LEVER = "lever"  # a choice of policy: read back as the experiment's policy
    UNCERTAINTY = "uncertainty"  # a fact of the world nobody chooses


class Op(StrEnum):
    SET = "set"  # the scenario field takes the value
    SCALE = "scale"  # the field's base value is multiplied by the value


class Design(Model):
    """How the sweep's points are drawn."""

    kind: DesignKind = Field(description="full_factorial (every combination of levels), "
                             "latin_hypercube, sobol (Saltelli's scheme, for sensitivity "
                             "indices) or monte_carlo.", examples=["sobol"])
    samples: Annotated[int, Field(ge=1)] | None = Field(None, description="Points to draw (sobol: "
                                                       "base samples, a power of 2; not for "
                                                       "full_factorial).", examples=[1024])
    levels: Annotated[int, Field(ge=2, description="full_factorial: values per continuous "
                                 "parameter, ends included.", examples=[3])] = 3

    @model_validator(mode="after")
    def _samples(self) -> Design:
        if self.kind is DesignKind.FULL_FACTORIAL:
            if self.samples is not None:
                raise ValueError("samples: not used by 'full_factorial' (use levels)")
            return self
        if self.samples is None:
            raise ValueError(f"samples: required for design '{self.kind}'")
        if self.kind is DesignKind.SOBOL and self.samples & (self.samples - 1):
            raise ValueError(
                "samples: must be a power of 2 for 'sobol' (Sobol' points balance only then)")
        return self


class Parameter(Model):
    """One input of the sweep; ``name`` (default: the path) names its result column."""

    name: str | None = Field(None, description="The result column (default: the path).",
                             examples=["reserve_days"])
    path: str | None = Field(None, description="The scenario field it sets, a dotted path as "
                             "for --set (give path or paths).", examples=["reserve.days"])
    paths: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="Several fields set to the one value (name required).",
        examples=[["donors[0].reserve.days", "donors[1].reserve.days"]])
    op: Op = Field(Op.SET, description="set: the field takes the value; scale: the field's base "
                   "value is multiplied by it.", examples=["scale"])
    uniform: tuple[float, float] | None = Field(None, description="[low, high], uniform.",
                                                examples=[[0, 60]])
    integer: tuple[int, int] | None = Field(None, description="[low, high], whole numbers.",
                                            examples=[[1, 14]])
    log_uniform: tuple[float, float] | None = Field(None, description="[low, high] (> 0), "
                                                    "uniform in the logarithm.",
                                                    examples=[[0.01, 1]])
    values: Annotated[list[Value], Field(min_length=1)] | None = Field(
        None, description="Categorical values, all of one type.",
        examples=[["proportional", "maxmin"]])
    distribution: str | None = Field(None, description="A scipy.stats distribution, with args.",
                                     examples=["beta"])
    args: dict[str, float] = Field({}, description="The distribution's arguments.",
                                   examples=[{"a": 2, "b": 5}])
    levels: Annotated[int, Field(ge=2)] | None = Field(None, description="full_factorial: this "
                                                       "parameter's levels (default: "
                                                       "design.levels).", examples=[5])
    role: ParamRole | None = Field(None, description="lever (a policy choice) or uncertainty; "
                                   "read_sweep numbers each distinct set of lever values as "
                                   "a policy.", examples=["lever"])

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if (self.path is None) == (self.paths is None):
            raise ValueError("path: give exactly one of path or paths")
        if self.paths is not None and len(self.paths) > 1 and self.name is None:
            raise ValueError("name: required when a parameter sets several paths")
        given = [k for k in ParamKind if getattr(self, k.value) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of uniform, integer, log_uniform, values, "
                             f"distribution (got {len(given)})")
        kind = given[0]
        bounds = self.bounds
        if bounds is not None and bounds[0] > bounds[1]:
            raise ValueError(f"{kind}: low {bounds[0]:g} must be <= high {bounds[1]:g}")
        if kind is ParamKind.LOG_UNIFORM and bounds is not None and bounds[0] <= 0:
            raise ValueError("log_uniform: bounds must be > 0")
        if self.args and kind is not ParamKind.DISTRIBUTION:
            raise ValueError("args: only for a distribution")
        if kind is ParamKind.VALUES:
            self._check_values()
        if kind is ParamKind.DISTRIBUTION:
            self._check_distribution()
        return self

    def _check_values(self) -> None:
        values = self.values or []
        types = {type(v) for v in values}
        if len(types) > 1 and types != {int, float}:
            raise ValueError("values: must all be of one type")
        if len(set(values)) != len(values):
            raise ValueError("values: must be distinct")
        if any(isinstance(v, int) and not -2**63 <= v < 2**63 for v in values):
            raise ValueError("values: a whole number too large to hold (at most 2**63 - 1)")
        if self.op is Op.SCALE and types & {str, bool}:
            raise ValueError("op: 'scale' needs numbers")

    def _check_distribution(self) -> None:
        from scipy import stats

        dist = getattr(stats, str(self.distribution), None)
        if not isinstance(dist, stats.rv_continuous | stats.rv_discrete):
            raise ValueError(f"distribution: no scipy.stats distribution {self.distribution!r}")
        try:
            mid = float(dist(**self.args).ppf(0.5))
        except TypeError as exc:
            raise ValueError(f"args: {exc}") from None
        if not math.isfinite(mid):
            raise ValueError(f"args: {self.distribution}{dict(self.args)} has no finite median")

    @property
    def kind(self) -> ParamKind:
        return next(k for k in ParamKind if getattr(self, k.value) is not None)

    @property
    def label(self) -> str:
        """The column name: ``name``, else the single path."""
        return self.name or self.path or (self.paths or [""])[0]

    @property
    def targets(self) -> list[str]:
        return [self.path] if self.path is not None else list(self.paths or [])

    @property
    def bounds(self) -> tuple[float, float] | None:
        pair = self.uniform or self.integer or self.log_uniform
        return None if pair is None else (float(pair[0]), float(pair[1]))

    @property
    def dtype(self) -> str:
        """The column type: float64, int64, bool or string."""
        kind = self.kind
        if kind is ParamKind.INTEGER:
            return "int64"
        if kind is ParamKind.VALUES:
            types = {type(v) for v in self.values or []}
            if len(types) > 1:  # ints mixed with floats (validation allows nothing else)
                return "float64"
            return {str: "string", bool: "bool", int: "int64"}.get(types.pop(), "float64")
        if kind is ParamKind.DISTRIBUTION:
            from scipy import stats

            discrete = isinstance(getattr(stats, str(self.distribution)), stats.rv_discrete)
            return "int64" if discrete else "float64"
        return "float64"

    def from_unit(self, u: Unit) -> NDArray[Any]:
        """Values at unit coordinates ``u`` (inverse CDF of the parameter's distribution)."""
        kind, u = self.kind, np.asarray(u, dtype=np.float64)
        if kind is ParamKind.VALUES:
            choices = self.choices()
            return choices[np.minimum((u * len(choices)).astype(np.int64), len(choices) - 1)]
        if kind is ParamKind.DISTRIBUTION:
            from scipy import stats

            dist = getattr(stats, str(self.distribution))(**self.args)
            values = dist.ppf(np.clip(u, _U_EPS, 1.0 - _U_EPS))
            return np.asarray(values, dtype=np.dtype(self.dtype))
        lo, hi = self.bounds or (0.0, 0.0)
        if kind is ParamKind.INTEGER:
            width = int(hi - lo)
            return (int(lo) + np.minimum((u * (width + 1)).astype(np.int64), width))
        if kind is ParamKind.LOG_UNIFORM:
            return np.asarray(np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
        return lo + u * (hi - lo)

    def choices(self) -> NDArray[Any]:
        """The categorical values as a typed array."""
        dtype = self.dtype
        values = self.values or []
        if dtype == "string":
            return np.array(values, dtype=object)
        return np.array(values, dtype=np.dtype(dtype))

    def grid(self, default_levels: int) -> NDArray[Any]:
        """The values of a full factorial design, ends included."""
        kind, n = self.kind, self.levels or default_levels
        if kind is ParamKind.VALUES:
            return self.choices()
        lo, hi = self.bounds or (0.0, 0.0)
        if kind is ParamKind.INTEGER:
            if hi - lo + 1 <= n:
                return np.arange(int(lo), int(hi) + 1, dtype=np.int64)
            return np.unique(np.round(np.linspace(lo, hi, n)).astype(np.int64))
        if kind is ParamKind.LOG_UNIFORM:
            return np.geomspace(lo, hi, n)
        if kind is ParamKind.DISTRIBUTION:
            # An unbounded distribution has no ends: take the quantiles at the level midpoints.
            return np.unique(self.from_unit((np.arange(n) + 0.5) / n))
        return np.linspace(lo, hi, n)

    def probes(self) -> list[Value]:
        """Values to try against the base scenario before running: the ends and the middle,
        or every categorical value."""
        if self.kind is ParamKind.VALUES:
            return [v.item() if isinstance(v, np.generic) else v for v in self.choices()]
        if self.kind is ParamKind.DISTRIBUTION:  # its far tails, which sampling can reach
            return [v.item() for v in self.from_unit(np.array([0.0, 0.5, 1.0]))]
        grid = self.grid(3) if self.kind is ParamKind.INTEGER else self.from_unit(
            np.array([0.0, 0.5, 1.0]))
        return [v.item() for v in grid]


MAX_EXPERIMENTS = 100_000_000  # every experiment is a row held in memory while drawing


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**12 else f"about 10^{len(str(n)) - 1}"


def check_size(design: Design, params: list[Parameter], replications: int) -> None:
    """ValueError ("field: message") when the design has more than MAX_EXPERIMENTS
    experiments; counted without drawing a grid, so 10^12 levels fail here, not in memory."""
    # (factor, field that sets it): the largest factor is the one to name
    factors: list[tuple[int, str]] = [(replications, "replications")]
    if design.kind is DesignKind.FULL_FACTORIAL:
        for i, p in enumerate(params):
            n = p.levels or design.levels
            field = f"parameters[{i}].levels" if p.levels else "design.levels"
            if p.kind is ParamKind.VALUES:
                n, field = len(p.values or []), f"parameters[{i}].values"
            elif p.kind is ParamKind.INTEGER and p.bounds is not None:
                n = min(n, int(p.bounds[1] - p.bounds[0]) + 1)
            factors.append((n, field))
    else:
        samples = design.samples or 0
        n = samples * (len(params) + 2) if design.kind is DesignKind.SOBOL else samples
        factors.append((n, "design.samples"))
    total = math.prod(f for f, _ in factors)
    if total > MAX_EXPERIMENTS:
        field = max(factors, key=lambda f: f[0])[1]
        raise ValueError(f"{field}: the design has {_count(total)} experiments; at most "
                         f"{MAX_EXPERIMENTS:,} are supported (each is a row held in memory)")


def n_points(design: Design, params: list[Parameter]) -> int:
    """Design points, before replications."""
    if design.kind is DesignKind.FULL_FACTORIAL:
        return math.prod(len(p.grid(design.levels)) for p in params)
    assert design.samples is not None
    if design.kind is DesignKind.SOBOL:
        return design.samples * (len(params) + 2)
    return design.samples


def _qmc_seed(rng: np.random.Generator) -> dict[str, Any]:
    # scipy >= 1.15 names the argument rng (and deprecates seed); older ones only know seed.
    import inspect

    from scipy.stats import qmc

    names = inspect.signature(qmc.Sobol.__init__).parameters
    return {"rng": rng} if "rng" in names else {"seed": rng}


def saltelli(base: Unit, k: int) -> Unit:
    """Rows (A_j, AB_j^1 .. AB_j^k, B_j) for each row j of an (N, 2k) base."""
    a, b = base[:, :k], base[:, k:]
    out = np.repeat(a[:, None, :], k + 2, axis=1)
    for i in range(k):
        out[:, 1 + i, i] = b[:, i]
    out[:, k + 1] = b
    return out.reshape(-1, k)


def unit_points(design: Design, k: int, rng: np.random.Generator) -> Unit:
    """The sampling designs on the unit cube, (n_points, k)."""
    from scipy.stats import qmc

    n = design.samples or 0
    if design.kind is DesignKind.MONTE_CARLO:
        return rng.random((n, k))
    if design.kind is DesignKind.LATIN_HYPERCUBE:
        return np.asarray(qmc.LatinHypercube(d=k, **_qmc_seed(rng)).random(n))
    if design.kind is DesignKind.SOBOL:
        base = qmc.Sobol(d=2 * k, scramble=True, **_qmc_seed(rng)).random_base2(
            int(math.log2(n)))
        return saltelli(np.asarray(base), k)
    raise ValueError(f"{design.kind} is not drawn on the unit cube")


def points(design: Design, params: list[Parameter],
           rng: np.random.Generator) -> dict[str, NDArray[Any]]:
    """Each parameter's value at every design point (label -> (n_points,))."""
    if design.kind is DesignKind.FULL_FACTORIAL:
        grids = [p.grid(design.levels) for p in params]
        # The first parameter varies slowest, as in itertools.product.
        index = np.array(list(itertools.product(*(range(len(g)) for g in grids))),
                         dtype=np.int64).reshape(-1, len(params))
        return {p.label: g[index[:, j]] for j, (p, g) in enumerate(zip(params, grids,
                                                                        strict=True))}
    unit = unit_points(design, len(params), rng)
    return {p.label: p.from_unit(unit[:, j]) for j, p in enumerate(params)}
