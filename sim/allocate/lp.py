"""Reference allocation backend: every rule as a sequence of LPs (and a MIP) solved by HiGHS.

PuLP builds the models and HiGHS solves them in memory through highspy (``pulp.HiGHS``), so
every value comes back as a double, never through printed digits. Pledges are served by the
shared closed-form pro-rata rule (``serve_pledges``); the LPs decide only the policy part
x_r, one scenario row at a time. The rules' unique answers (see ``sim.allocate.problem``)
come from progressive filling: each round one LP lifts all unfrozen regions together, the
regions whose bound binds are frozen at it, and the rounds stop when the budget binds. The
backend never computes a water level in closed form; every amount is read off an LP
solution, so it is an independent check on the ``vector`` backend (``weighted`` is the
proportional filling with share * weight as the share).

Numerics: a row is solved in units of U = min(S, sum ub), the most it can ship, so every
amount is at most the budget S/U >= 1. HiGHS runs with its tightest feasibility tolerances
(primal and dual 1e-10, integrality 1e-9, absolute in those units). Which constraint stopped
a round is read from the solution's slacks (budget - sum x and ub_r - x_r): the least slack
binds, and so does every one within ``_TOL`` = 1e-9 of it. 1e-9 sits well above the
solver's 1e-10 and double rounding (1e-16) and far below any amount a run cares about
(1e-9 of the day's shipment). Bounds of at most ``_TOL`` (rounding leftovers such as
gap - pledged) are given to their regions before the LP, as no LP can tell them from 0.
The answer is then good to about 1e-9 U per region.

With ``min_shipment_units`` or ``pallet_units`` set, the rule's answer is rounded to feasible
shipments with as little change as possible, by a MIP in three lexicographic stages (pledges
are not rounded; only regions the rule may give to take part):

1. the largest total that can be shipped in feasible amounts (0 or at least the minimum, in
   whole pallets, within each bound and the budget);
2. with that total kept, the shipments closest to the rule's answer in L1;
3. with that total and that distance kept (to ``_TOL``), the least sum_r r * x_r, r the
   region's index in scenario order: a tie goes to the earlier regions. With pallets alone
   the closest answers differ only by moving pallets between regions, so this makes the
   answer unique; with a minimum it is unique unless two closest answers switch different
   regions on and happen to have equal index sums.

The stages of one row share ``mip_time_limit_seconds``. A stage that reaches the limit hands
on its best feasible shipments (a later stage that has no time left keeps the earlier
stage's answer; if the first finds none, the rule's answer rounded down to whole pallets,
and to 0 below the minimum, is shipped), and ``allocate_lp`` warns ``MIPStoppedEarly`` once
per call, naming the rows, the stage and HiGHS's relative gap.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import highspy
import numpy as np
import pulp
from numpy.typing import NDArray

from sim.allocate.problem import Allocation, AllocationProblem, Array, PolicyInput, serve_pledges
from sim.scenario.enums import Rule

Mask = NDArray[np.bool_]

_TOL = 1e-9  # in units of U: see the module docstring
_HIGHS_OPTIONS: dict[str, float] = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
    "mip_feasibility_tolerance": 1e-9,
    "mip_rel_gap": 0.0,  # HiGHS stops at a 1e-4 gap by default: the answer must be optimal
    "mip_abs_gap": 1e-12,
}


class MIPStoppedEarly(UserWarning):
    """The shipment MIP hit its time limit; the best feasible shipments found were used."""


TINY_UNIT = 1e-9


def allocate_lp(problem: AllocationProblem) -> Allocation:
    """Pledges pro rata first, then the rule's answer row by row from LPs solved by HiGHS."""
    pledge, given = serve_pledges(problem)
    b, r = problem.shape
    policy = np.zeros((b, r))
    stops: list[str] = []
    for i in range(b):
        unit = min(float(given.budget_units[i]), float(given.upper_units[i].sum()))
        # Below a billionth of a unit there is nothing to ship, and the LP, scaled by it,
        # would see needs of 1e300 and more (a budget of 5e-324 overflowed to inf).
        if unit > TINY_UNIT:
            policy[i], stop = _allocate_row(problem, given, i, unit)
            if stop:
                stops.append(f"row {i}: {stop}")
    if stops:
        warnings.warn(MIPStoppedEarly(
            f"shipment MIP stopped at its time limit of {problem.mip_time_limit_seconds:g} s "
            f"in {len(stops)} of {b} rows ({'; '.join(stops)}); shipped the best feasible "
            "shipments found in time"), stacklevel=2)
    return Allocation(pledge, policy, policy + given.pledged_units)


def _allocate_row(
    problem: AllocationProblem, given: PolicyInput, i: int, unit: float
) -> tuple[Array, str | None]:
    """The policy of row ``i`` (masks; solved in units of ``unit``), rounded to shipments if
    asked to, and what stopped early, if anything did."""
    budget = float(given.budget_units[i]) / unit
    upper = np.minimum(given.upper_units[i] / unit, budget)
    share = problem.share[i]
    need = problem.projected_need_units[i]
    if problem.rule is Rule.PROPORTIONAL:
        x = _fill_proportional(upper, share, budget, np.ones(upper.shape, dtype=bool))[0]
        eligible = share > 0
    elif problem.rule is Rule.MAXMIN:
        have = (problem.have_units[i] + given.pledged_units[i]) / unit
        x = _maxmin(upper, need / unit, have, budget)
        eligible = need > 0
    elif problem.rule is Rule.PRIORITY:
        x = _priority(upper, share, problem.tier[i], budget)
        eligible = share > 0
    else:
        weighted = share * problem.weight[i]
        x = _fill_proportional(upper, weighted, budget, np.ones(upper.shape, dtype=bool))[0]
        eligible = weighted > 0
    x = np.clip(x, 0.0, upper)
    x = x / max(1.0, float(x.sum()) / budget)
    if not (problem.min_shipment_units or problem.pallet_units):
        return unit * x, None
    minimum = (problem.min_shipment_units or 0.0) / unit
    pallet = (problem.pallet_units or 0.0) / unit
    upper = np.where(eligible, upper, 0.0)
    deadline = time.monotonic() + problem.mip_time_limit_seconds
    x, stop = _round_to_shipments(x, upper, budget, minimum, pallet, deadline)
    # Back in masks, exactly whole pallets and at least the minimum (x * unit is off by ulps).
    masks = unit * x
    if problem.pallet_units:
        masks = problem.pallet_units * np.round(masks / problem.pallet_units)
    if problem.min_shipment_units:
        masks = np.where(masks > 0, np.maximum(masks, problem.min_shipment_units), 0.0)
    return masks, stop


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Point file descriptor 1 at the null device for a moment (C code's printf too)."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(null)
        os.close(saved)


@functools.cache
def _highs_banner_shown() -> bool:
    """HiGHS prints its banner on stdout when the process makes its first ``Highs`` object,
    before any option can turn logging off; the core prints nothing, so that first object
    is made here with stdout pointed elsewhere."""
    try:
        with _stdout_silenced():
            highspy.Highs()  # type: ignore[no-untyped-call]
    except OSError:  # no stdout to silence
        highspy.Highs()  # type: ignore[no-untyped-call]
    return True


class _Stopped(Exception):
    """The time limit came before a feasible answer (or before the stage could start)."""


def _solve(model: pulp.LpProblem, seconds: float | None = None) -> bool:
    """Solve with HiGHS; True for a proven optimum, False for a feasible answer found by the
    time limit, ``_Stopped`` for none. Anything else means a wrong formulation, not bad data."""
    _highs_banner_shown()
    solver = pulp.HiGHS(msg=False, timeLimit=seconds, **_HIGHS_OPTIONS)
    status = model.solve(solver)
    if status == pulp.LpStatusInfeasible:
        # HiGHS's presolve, at these tolerances, has called a feasible MIP infeasible (a tie
        # break over pallets of 0.1 whose every constraint the first stage's answer meets);
        # solved again without it.
        solver = pulp.HiGHS(msg=False, timeLimit=seconds, presolve="off", **_HIGHS_OPTIONS)
        status = model.solve(solver)
    if status != pulp.LpStatusOptimal:
        if model.solverModel.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            raise _Stopped
        raise RuntimeError(f"HiGHS: {model.name} is {pulp.LpStatus[status]}")
    return bool(model.sol_status == pulp.LpSolutionOptimal)


def _values(variables: list[Any]) -> Array:
    return np.array([float(v.value() or 0.0) for v in variables])


def _progressive_fill(
    upper: Array, active: Mask, budget: float,
    round_lp: Callable[[NDArray[np.intp], float], tuple[pulp.LpProblem, list[Any]]],
) -> tuple[Array, bool]:
    """Progressive filling: each round's LP (``round_lp(regions, budget left)``) lifts the
    unfrozen regions together; the constraints of least slack bind: bounds freeze their
    regions there, the budget ends the rounds. Returns the amounts and whether the budget
    bound them."""
    x = np.zeros_like(upper)
    tiny = active & (upper <= _TOL)
    x[tiny] = upper[tiny]  # rounding leftovers: no LP can tell them from 0
    active = active & ~tiny
    for _ in range(int(active.sum())):
        left = budget - float(x.sum())
        if left <= _TOL or not active.any():
            return x, left <= _TOL
        idx = np.flatnonzero(active)
        model, xs = round_lp(idx, left)
        _solve(model)
        values = np.clip(_values(xs), 0.0, upper[idx])
        bound_slack = upper[idx] - values
        budget_slack = left - float(values.sum())
        least = min(budget_slack, float(bound_slack.min()))
        if budget_slack <= least + _TOL:
            x[idx] = values
            return x, True
        frozen = idx[bound_slack <= least + _TOL]
        x[frozen] = upper[frozen]
        active[frozen] = False
    return x, False


def _fill_proportional(
    upper: Array, share: Array, budget: float, members: Mask
) -> tuple[Array, bool]:
    """x_r = min(ub_r, lam * share_r) over ``members`` with share > 0, spending at most
    ``budget``: the members rise together at level t (x_r = t * share_r, an LP maximising t)
    and freeze at their bounds, until the budget binds. Also says whether it did bind."""

    def round_lp(idx: NDArray[np.intp], left: float) -> tuple[pulp.LpProblem, list[Any]]:
        model = pulp.LpProblem("proportional", pulp.LpMaximize)
        level = model.add_variable("t", 0)
        xs = [model.add_variable(f"x{r}", 0, float(upper[r])) for r in idx]
        model += level
        for var, s in zip(xs, share[idx] / share[idx].max(), strict=True):
            model += var == float(s) * level
        model += pulp.lpSum(xs) <= left
        return model, xs

    return _progressive_fill(upper, members & (share > 0) & (upper > 0), budget, round_lp)


def _maxmin(upper: Array, need: Array, have: Array, budget: float) -> Array:
    """Lexicographic max-min of coverage (have_r + x_r) / need_r over need_r > 0.

    Each round's LP maximises the common coverage level c of the unfrozen regions
    (x_r >= c * need_r - have_r, so a region already above the level gets 0) and, second,
    spends as little as that level needs: the objective K * v - sum x, with K above every
    rate d(sum x)/dv, keeps both stages in one LP with unique x. The level is measured from
    the lowest coverage c0, v = (c - c0) * max need, so a large stock does not make it huge."""

    def round_lp(idx: NDArray[np.intp], left: float) -> tuple[pulp.LpProblem, list[Any]]:
        rate = need[idx] / need[idx].max()
        lowest = float(np.min(have[idx] / need[idx]))
        headroom = np.maximum(have[idx] - lowest * need[idx], 0.0)  # 0 for the lowest
        model = pulp.LpProblem("maxmin", pulp.LpMaximize)
        v = model.add_variable("v", 0)
        xs = [model.add_variable(f"x{r}", 0, float(upper[r])) for r in idx]
        model += (1.0 + float(rate.sum())) * v - pulp.lpSum(xs)
        for var, a, h in zip(xs, rate, headroom, strict=True):
            model += var >= float(a) * v - float(h)
        model += pulp.lpSum(xs) <= left
        return model, xs

    return _progressive_fill(upper, (need > 0) & (upper > 0), budget, round_lp)[0]


def _priority(upper: Array, share: Array, tier: NDArray[np.int64], budget: float) -> Array:
    """Tiers in ascending order, each proportional with what the earlier tiers left."""
    x = np.zeros_like(upper)
    for k in np.unique(tier):
        part, exhausted = _fill_proportional(upper, share, budget - float(x.sum()), tier == k)
        x += part
        if exhausted:
            break
    return x


def _shipment_model(
    name: str, sense: int, upper: Array, budget: float, least: Array, pallet: float
) -> tuple[pulp.LpProblem, list[Any]]:
    """x_r in {0} u [least_r, ub_r] (binary y_r: least_r y_r <= x_r <= ub_r y_r), x_r a
    whole number of pallets, sum x <= budget."""
    model = pulp.LpProblem(name, sense)
    xs = []
    for r, (ub, low) in enumerate(zip(upper, least, strict=True)):
        var = model.add_variable(f"x{r}", 0, float(ub))
        if low > 0:
            on = model.add_variable(f"y{r}", cat=pulp.LpBinary)
            model += var >= float(low) * on
            model += var <= float(ub) * on
        if pallet > 0 and ub > 0:
            most = float(np.floor(ub / pallet * (1 + 1e-12)))
            model += var == pallet * model.add_variable(f"n{r}", 0, most, pulp.LpInteger)
        xs.append(var)
    model += pulp.lpSum(xs) <= budget
    return model, xs


def _round_to_shipments(
    target: Array, upper: Array, budget: float, minimum: float, pallet: float,
    deadline: float,
) -> tuple[Array, str | None]:
    """The rule's answer rounded to feasible shipments with as little change as possible,
    in the module docstring's three stages: the largest total, then the least L1 change
    sum |x_r - target_r| (split into over_r - under_r), then the least sum r * x_r.

    A region whose bound is below the minimum (or one pallet) is left out of the MIP; one
    whose bound equals it up to float noise (1e-9) may take its bound, so a tie is not lost
    to rounding. Also says which stage stopped at the time limit, if one did."""
    least = max(minimum, pallet)  # the smallest shipment a region could take
    upper = np.where(upper >= least * (1 - 1e-9), upper, 0.0)
    if not upper.any():
        return np.zeros_like(upper), None
    args = (upper, budget, np.minimum(minimum, upper), pallet)
    stop: list[str] = []

    def solve(model: pulp.LpProblem, xs: list[Any]) -> Array:
        seconds = deadline - time.monotonic()
        if seconds <= 0:
            raise _Stopped
        if not _solve(model, seconds):
            gap = model.solverModel.getInfo().mip_gap
            stop.append(f"stage '{model.name}', gap {gap:.2%}")
        return _tidy_shipments(_values(xs), *args)

    model, xs = _shipment_model("largest_total", pulp.LpMaximize, *args)
    model += pulp.lpSum(xs)
    try:
        x = solve(model, xs)
    except _Stopped:  # no MIP answer in time: the rule's answer rounded down is feasible
        x = pallet * np.floor(target / pallet) if pallet > 0 else target.copy()
        x = np.where((x >= least) & (upper > 0), x, 0.0)
        return x, "stage 'largest_total' found nothing in time, shipped the rule's answer " \
            "rounded down"
    # The best total from the MIP's decisions: whole pallets, or with a minimum alone,
    # everything the regions it switched on can take.
    best = float(x.sum()) if pallet > 0 else min(budget, float(upper[x > 0].sum()))
    model, xs = _shipment_model("closest", pulp.LpMinimize, *args)
    distance = _distance_rows(model, xs, target)
    model += distance
    keep = best - pallet / 2 if pallet > 0 else best * (1 - 1e-12)  # the total, not less
    model += pulp.lpSum(xs) >= keep
    try:
        x = solve(model, xs)
        model, xs = _shipment_model("tie_break", pulp.LpMinimize, *args)
        model += _distance_rows(model, xs, target) <= float(np.abs(x - target).sum()) + _TOL
        model += pulp.lpSum(xs) >= keep
        model += pulp.lpSum(r * var for r, var in enumerate(xs))
        x = solve(model, xs)
    except _Stopped:
        stop.append("the later stages had no time left")
    return x, "; ".join(stop) or None


def _distance_rows(model: pulp.LpProblem, xs: list[Any], target: Array) -> pulp.LpAffineExpression:
    """sum |x_r - target_r| as sum (over_r + under_r), with x_r - target_r = over_r - under_r."""
    over = [model.add_variable(f"over{r}", 0) for r in range(len(xs))]
    under = [model.add_variable(f"under{r}", 0) for r in range(len(xs))]
    for var, o, u, t in zip(xs, over, under, target, strict=True):
        model += var - float(t) == o - u
    return pulp.lpSum(over) + pulp.lpSum(under)


def _tidy_shipments(
    x: Array, upper: Array, budget: float, least: Array, pallet: float
) -> Array:
    """Undo HiGHS's tolerances (integrality 1e-9, feasibility 1e-10): whole pallets, 0 or
    at least ``least``, within the bounds and the budget (a whole pallet comes off only for
    a real excess, not float noise)."""
    if pallet > 0:
        x = pallet * np.minimum(np.round(x / pallet), np.floor(upper / pallet * (1 + 1e-12)))
    x = np.where(x < least / 2, 0.0, np.clip(x, least, upper))
    x = np.where(x > 0, x, 0.0)
    excess = float(x.sum()) - budget
    if excess > (1e-9 * pallet if pallet > 0 else 0.0):
        r = int(np.argmax(x))
        x[r] -= pallet * np.ceil(excess / pallet - 1e-9) if pallet > 0 else excess
    return x
