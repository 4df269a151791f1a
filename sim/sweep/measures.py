"""What ``masksim optimize`` asks of an outcome over many futures, written as an analyst says
it: ``mean(donated_total)``, ``p05(donated_total)`` (the 5th percentile), ``median(..)``,
``min(..)``, ``max(..)``, or a chance ``P(domestic_shortfall > 0)`` (also ``>=``, ``<``,
``<=``). An objective is ``maximize MEASURE`` or ``minimize MEASURE``; a constraint is
``MEASURE <= BOUND`` or ``MEASURE >= BOUND``, so a chance constraint reads
``P(domestic_shortfall > 0) <= 0.05``.

Undefined runs (NaN: fairness when nothing was delivered) are left out of means, medians
and percentiles, and are no event for a chance. Pure: strings in, models and arrays out.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.results.metrics import OUTCOME_PATTERN, check_outcome, outcome_name
from sim.sweep.design import Model

Array = NDArray[np.float64]
NUMBER = r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"  # 40e6, 1_000_000, .5
_OUTCOME = OUTCOME_PATTERN
_MEASURE = re.compile(
    rf"^\s*(?:(?P<stat>mean|median|min|max|p\d{{1,2}})\(\s*(?P<outcome>{_OUTCOME})\s*\)"
    rf"|P\(\s*(?P<event>{_OUTCOME})\s*(?P<op><=|>=|<|>)\s*(?P<threshold>{NUMBER})\s*\))\s*$")
_OBJECTIVE = re.compile(r"^\s*(?P<sense>maximi[sz]e|minimi[sz]e|max|min)\s+(?P<measure>.+)$")
_CONSTRAINT = re.compile(rf"^\s*(?P<measure>.+?)\s*(?P<op><=|>=)\s*(?P<bound>{NUMBER})\s*$")
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}


def parse_number(text: str) -> float:
    """A number as ``NUMBER`` matched it (underscores between digits allowed)."""
    return float(text.replace("_", ""))


def events(values: Array, op: str, threshold: float) -> NDArray[np.bool_]:
    """Where ``values op threshold``; an undefined (NaN) value is never an event."""
    with np.errstate(invalid="ignore"):
        return np.asarray(COMPARE[op](values, threshold) & np.isfinite(values))


class Sense(StrEnum):
    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"


class Measure(Model):
    """A statistic of one outcome over the futures: ``stat`` is mean, median, min, max,
    ``pNN`` or ``P`` (a chance: the share of futures where ``outcome op threshold``)."""

    stat: str
    outcome: str
    op: str | None = None
    threshold: float | None = None

    @classmethod
    def parse(cls, text: str) -> Measure:
        m = _MEASURE.match(text)
        if m is None:
            raise ValueError(f"not a measure: {text!r} (expected mean(X), median(X), min(X), "
                             "max(X), p05(X) or P(X > t))")
        if m["stat"]:
            measure = cls(stat=m["stat"], outcome=m["outcome"])
        else:
            measure = cls(stat="P", outcome=m["event"], op=m["op"],
                          threshold=parse_number(m["threshold"]))
        name = outcome_name(measure.outcome)
        if (why := check_outcome(name, None)) is not None:  # goods: on the base
            raise ValueError(why)
        return measure.model_copy(update={"outcome": name})

    @property
    def is_chance(self) -> bool:
        return self.stat == "P"

    def __str__(self) -> str:
        if self.is_chance:
            return f"P({self.outcome} {self.op} {self.threshold:g})"
        return f"{self.stat}({self.outcome})"

    def of(self, values: Array) -> Array:
        """The measure of each row of ``values`` (candidates x futures)."""
        v = np.asarray(values, dtype=np.float64)
        if self.is_chance:
            assert self.op is not None and self.threshold is not None
            return np.asarray(events(v, self.op, self.threshold).mean(axis=-1),
                              dtype=np.float64)
        defined = np.isfinite(v)
        out = np.full(v.shape[:-1], np.nan)
        for i in np.ndindex(out.shape):
            row = v[i][defined[i]]
            if row.size:
                out[i] = self._statistic(row)
        return out

    def _statistic(self, row: Array) -> float:
        if self.stat == "mean":
            return float(row.mean())
        if self.stat == "median":
            return float(np.median(row))
        if self.stat == "min":
            return float(row.min())
        if self.stat == "max":
            return float(row.max())
        return float(np.quantile(row, int(self.stat[1:]) / 100))


class Objective(Model):
    sense: Sense
    measure: Measure

    @classmethod
    def parse(cls, text: str) -> Objective:
        m = _OBJECTIVE.match(text)
        if m is None:
            raise ValueError(f"expected 'maximize MEASURE' or 'minimize MEASURE', got {text!r}")
        sense = Sense.MAXIMIZE if m["sense"].startswith("max") else Sense.MINIMIZE
        return cls(sense=sense, measure=Measure.parse(m["measure"]))

    def __str__(self) -> str:
        return f"{self.sense} {self.measure}"

    def loss(self, value: Array) -> Array:
        """What an optimiser minimises (undefined: worst)."""
        out = -value if self.sense is Sense.MAXIMIZE else value
        return np.where(np.isfinite(out), out, np.inf)


class Constraint(Model):
    measure: Measure
    op: str  # "<=" or ">="
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        m = _CONSTRAINT.match(text)
        if m is None:
            raise ValueError(f"expected 'MEASURE <= BOUND' or 'MEASURE >= BOUND', got {text!r}")
        return cls(measure=Measure.parse(m["measure"]), op=m["op"],
                   bound=float(m["bound"].replace("_", "")))

    def __str__(self) -> str:
        return f"{self.measure} {self.op} {self.bound:g}"

    def violation(self, value: Array) -> Array:
        """How far each value is from meeting the constraint (0: met; undefined: inf), in
        the measure's units."""
        gap = value - self.bound if self.op == "<=" else self.bound - value
        return np.where(np.isfinite(gap), np.maximum(gap, 0.0), np.inf)

    def risk(self, value: Array) -> Array:
        """The measure turned so that smaller is safer (for a trade-off front)."""
        return np.asarray(value if self.op == "<=" else -value, dtype=np.float64)


