"""Scenario discovery on a finished sweep: under which inputs does a condition hold (a policy
fail, a target miss)? PRIM (Friedman and Fisher 1999, as used for scenario discovery by
Bryant and Lempert 2010), from the ``prim`` package, finds boxes - ranges of numeric inputs
and subsets of categorical ones - where the condition is dense.

* coverage: the share of all cases of interest (rows where the condition holds) that lie in
  the box; density: the share of the box's rows that are cases; mass: the box's share of
  all rows. PRIM peels the box a little at a time (``peel_alpha``), giving a trajectory from
  high coverage and low density to the reverse; each point is a candidate box.
* The box kept from a trajectory: the densest point whose coverage is at least
  ``min_coverage`` (then the fewest restricted inputs, then the higher coverage). Each
  restricted input has a quasi-p value (Bryant and Lempert: a one-sided binomial test of the
  box's density against the box without that restriction; small means the restriction
  matters).
* Further boxes are searched among the cases the earlier boxes left, up to ``max_boxes``.

Only inputs enter a box: bookkeeping columns (experiment, replication, seed, scenario,
policy, model) never do. A row whose outcome is undefined (NaN) is not a case.
Pure: a table and arrays in, boxes out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.results.metrics import OUTCOME_PATTERN, outcome_name
from sim.scenario.errors import InputError
from sim.sweep.experiments import BOOKKEEPING
from sim.sweep.measures import NUMBER, events, parse_number

_CONDITION = re.compile(rf"^\s*(?P<outcome>{OUTCOME_PATTERN})\s*(?P<op><=|>=|<|>|==)\s*"
                        rf"(?P<value>{NUMBER})\s*$")


@dataclass(frozen=True)
class Condition:
    outcome: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str, known: list[str]) -> Condition:
        m = _CONDITION.match(text)
        if m is None:
            raise InputError("--where", text, "expected OUTCOME OP NUMBER, such as "
                             "'domestic_shortfall > 0' or 'donated_total < 40e6'")
        name = outcome_name(m["outcome"])
        if name not in known:
            raise InputError("--where", text, f"no outcome {m['outcome']!r} in this sweep "
                             f"(kept: {', '.join(known)})")
        return cls(name, m["op"], parse_number(m["value"]))

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.value:g}"

    def holds(self, values: NDArray[np.float64]) -> NDArray[np.bool_]:
        return events(values, self.op, self.value)


@dataclass(frozen=True)
class Limit:
    """How a box bounds one input: a range, or the categories kept."""

    input: str
    low: float = math.nan
    high: float = math.nan
    values: tuple[Any, ...] = ()  # categorical: the values inside the box
    qp: float = math.nan

    def words(self) -> str:
        if self.values:
            return f"{self.input} in {{{', '.join(str(v) for v in self.values)}}}"
        return f"{self.low:.4g} <= {self.input} <= {self.high:.4g}"


@dataclass(frozen=True)
class Point:
    """One point of a peeling trajectory."""

    coverage: float
    density: float
    mass: float
    restricted: int


@dataclass(frozen=True)
class Box:
    number: int  # 1, 2 ..
    chosen: int  # the trajectory point kept
    trajectory: list[Point]
    limits: list[Limit]  # restricted inputs only, most significant first
    rows: int  # rows in the box

    @property
    def stats(self) -> Point:
        return self.trajectory[self.chosen]


@dataclass(frozen=True)
class Discovery:
    condition: Condition
    inputs: list[str]
    n: int
    cases: int
    undefined: int  # rows whose outcome is undefined (never cases)
    boxes: list[Box]


def inputs_of(experiments: Any, wanted: list[str] | None = None) -> list[str]:
    """The input columns: every column but the bookkeeping ones (or those asked for)."""
    columns = [str(c) for c in experiments.columns if str(c) not in BOOKKEEPING]
    if wanted is None:
        return columns
    for name in wanted:
        if name not in columns:
            why = ("bookkeeping, never an input" if name in BOOKKEEPING
                   else f"inputs: {', '.join(columns)}")
            raise InputError("--inputs", name, f"not an input of this sweep ({why})")
    return list(wanted)


def _choose(trajectory: list[Point], min_coverage: float) -> int:
    ok = [i for i, p in enumerate(trajectory) if p.coverage >= min_coverage] or [0]
    return max(ok, key=lambda i: (trajectory[i].density, -trajectory[i].restricted,
                                  trajectory[i].coverage))


def _limits(box: Any, i: int, x: Any, categorical: set[str]) -> list[Limit]:
    """The restricted inputs of trajectory point ``i`` with their quasi-p values. prim's own
    ``limits`` table writes a set into a float column, which pandas 3 refuses, so the
    limits are read from the box's trajectory (``_box_lims``, one per point) and the
    quasi-p values computed here as prim does."""
    from scipy.stats import binom

    lims = box._box_lims[i]
    init = box._box_lims[0]
    remaining = box.prim.yi_remaining
    y = np.asarray(box.prim.y, dtype=bool)
    inside = _in_box(x, lims, categorical)[remaining]
    t_box, h_box = int(inside.sum()), int(y[remaining][inside].sum())
    out = []
    for name in lims.dtype.names:
        low, high = lims[name][0], lims[name][1]
        if low == init[name][0] and high == init[name][1]:
            continue
        loose = lims.copy()
        loose[name] = init[name]
        wider = _in_box(x, loose, categorical)[remaining]
        t_j, h_j = int(wider.sum()), int(y[remaining][wider].sum())
        qp = float(binom.sf(h_box - 1, t_box, h_j / t_j)) if t_j else math.nan
        if name in categorical:
            out.append(Limit(name, values=tuple(sorted(low, key=str)), qp=qp))
        else:
            out.append(Limit(name, float(low), float(high), qp=qp))
    return sorted(out, key=lambda lim: (lim.qp, lim.input))


def _in_box(x: Any, lims: Any, categorical: set[str]) -> NDArray[np.bool_]:
    keep = np.ones(len(x), dtype=bool)
    for name in lims.dtype.names:
        col = x[name].to_numpy()
        if name in categorical:
            keep &= np.isin(col, list(lims[name][0]))
        else:
            keep &= (col >= lims[name][0]) & (col <= lims[name][1])
    return keep


def discover(experiments: Any, outcomes: dict[str, NDArray[np.float64]], where: str, *,
             inputs: list[str] | None = None, max_boxes: int = 2, min_coverage: float = 0.5,
             peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """Boxes of the inputs where ``where`` (``OUTCOME OP NUMBER``) holds."""
    import prim

    condition = Condition.parse(where, list(outcomes))
    names = inputs_of(experiments, inputs)
    if not names:
        raise InputError("--inputs", "", "no inputs to box")
    x = experiments[names].reset_index(drop=True)
    categorical = {n for n in names if x[n].dtype.kind in "OUSb" or str(x[n].dtype) in (
        "str", "string", "category")}
    for n in categorical:
        x[n] = x[n].astype(object)
    values = np.asarray(outcomes[condition.outcome], dtype=np.float64)
    y = condition.holds(values)
    boxes: list[Box] = []
    cases = int(y.sum())
    if 0 < cases < len(y):
        finder = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        while len(boxes) < max_boxes:
            box = finder.find_box()
            if box is None:
                break
            pt = box.peeling_trajectory
            trajectory = [Point(float(r["coverage"]), float(r["density"]), float(r["mass"]),
                                int(r["res dim"])) for _, r in pt.iterrows()]
            chosen = _choose(trajectory, min_coverage)
            box.select(chosen)
            limits = _limits(box, chosen, x, categorical)
            if not limits:
                break  # the box is everything left: nothing more to find
            boxes.append(Box(len(boxes) + 1, chosen, trajectory, limits, len(box.yi)))
    return Discovery(condition, names, len(y), cases,
                     int(np.count_nonzero(~np.isfinite(values))), boxes)
