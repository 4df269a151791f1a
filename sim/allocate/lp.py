"""Reference allocation backend: every rule as a sequence of LPs (and a MIP) solved by CBC.

Pledges are served by the shared closed-form pro-rata rule (``serve_pledges``); the LPs decide
only the policy part x_r, one scenario row at a time. The rules' unique answers (see
``sim.allocate.problem``) come from progressive filling: each round one LP lifts all unfrozen
regions together, the regions whose bound binds are frozen at it, and the rounds stop when
the budget binds. The backend never computes a water level in closed form; every amount is
read off an LP solution, so it is an independent check on the ``vector`` backend.

Numerics: a row is solved in units of U = min(S, sum ub), the most it can ship, so every
amount is at most the budget S/U >= 1 and nothing the answer contains is tiny by accident of
scale. CBC runs with a primal tolerance of 1e-10 (amounts below 1e-10 U are lost) and reports
solutions with 8 significant digits, so "a bound binds" means "within a relative 1e-7 of
it", and an amount is good to about 5e-8 of itself.

With ``min_shipment_masks`` or ``pallet_masks`` set, the rule's answer is rounded to feasible
shipments with as little change as possible: a MIP first finds the largest total that can be
shipped in feasible amounts (0 or at least the minimum, in whole pallets, only to regions the
rule may give to; pledges are not rounded), then, with that total fixed, the shipments
closest to the rule's answer in L1. Ties in that second stage are broken by CBC, and pallet
counts are exact below 1e8 pallets a region (8 printed digits).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pulp
from numpy.typing import NDArray

from sim.allocate.problem import (
    Allocation,
    AllocationProblem,
    Array,
    PolicyInput,
    serve_pledges,
    weight_tiers,
)
from sim.scenario.models import Rule

Mask = NDArray[np.bool_]

_RTOL = 1e-7  # above CBC's 8-digit printing error (5e-8)


def allocate_lp(problem: AllocationProblem) -> Allocation:
    """Pledges pro rata first, then the rule's answer row by row from LPs solved by CBC."""
    pledge, given = serve_pledges(problem)
    b, r = problem.shape
    policy = np.zeros((b, r))
    for i in range(b):
        unit = min(float(given.budget_masks[i]), float(given.upper_masks[i].sum()))
        if unit > 0:
            policy[i] = unit * _allocate_row(problem, given, i, unit)
    return Allocation(pledge, policy, policy + given.pledged_masks)


def _allocate_row(problem: AllocationProblem, given: PolicyInput, i: int, unit: float) -> Array:
    """The policy of row ``i`` in units of ``unit``, rounded to shipments if asked to."""
    budget = float(given.budget_masks[i]) / unit
    upper = np.minimum(given.upper_masks[i] / unit, budget)
    share = problem.share[i]
    need = problem.projected_need_masks[i]
    if problem.rule is Rule.PROPORTIONAL:
        x = _fill_proportional(upper, share, budget, np.ones(upper.shape, dtype=bool))[0]
        eligible = share > 0
    elif problem.rule is Rule.MAXMIN:
        have = (problem.have_masks[i] + given.pledged_masks[i]) / unit
        x = _maxmin(upper, need / unit, have, budget)
        eligible = need > 0
    elif problem.rule is Rule.PRIORITY:
        x = _priority(upper, share, problem.tier[i], budget)
        eligible = share > 0
    else:
        x = _weighted(upper, share, problem.weight[i], budget)
        eligible = (problem.weight[i] > 0) & (share > 0)
    x = np.clip(x, 0.0, upper)
    x = x / max(1.0, float(x.sum()) / budget)
    if problem.min_shipment_masks or problem.pallet_masks:
        minimum = (problem.min_shipment_masks or 0.0) / unit
        pallet = (problem.pallet_masks or 0.0) / unit
        upper = np.where(eligible, upper, 0.0)
        x = _round_to_shipments(x, upper, budget, minimum, pallet)
    return x


def _solve(model: pulp.LpProblem) -> None:
    """Solve with CBC; anything but an optimum means a wrong formulation, not bad data."""
    with warnings.catch_warnings():  # pyproject pins pulp < 4 for the bundled CBC
        warnings.filterwarnings("ignore", "PULP_CBC_CMD is deprecated", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=False, options=["primalT 1e-10"])
    status = model.solve(solver)
    if status != pulp.LpStatusOptimal:
        raise RuntimeError(f"CBC: {model.name} is {pulp.LpStatus[status]}")


def _values(variables: list[Any]) -> Array:
    return np.array([float(v.value() or 0.0) for v in variables])


def _budget_binds(values: Array, upper: Array, left: float) -> tuple[bool, Mask]:
    """Why the round's level stopped rising: the budget, or the bounds of some regions.
    With no region at its bound it can only be the budget, however little was left."""
    at_bound = values >= upper * (1 - _RTOL)
    return bool(values.sum() >= left * (1 - _RTOL) or not at_bound.any()), at_bound


def _progressive_fill(
    upper: Array, active: Mask, budget: float,
    round_lp: Callable[[NDArray[np.intp], float], tuple[pulp.LpProblem, list[Any]]],
) -> tuple[Array, bool]:
    """Progressive filling: each round's LP (``round_lp(regions, budget left)``) lifts the
    unfrozen regions together; those that reach their bound freeze there; the rounds stop
    when the budget binds. Returns the amounts and whether the budget bound them."""
    x = np.zeros_like(upper)
    active = active.copy()
    for _ in range(int(active.sum())):
        left = budget - float(x.sum())
        if left <= 0 or not active.any():
            return x, left <= 0
        idx = np.flatnonzero(active)
        model, xs = round_lp(idx, left)
        _solve(model)
        values = _values(xs)
        binds, at_bound = _budget_binds(values, upper[idx], left)
        if binds:
            x[idx] = values
            return x, True
        frozen = idx[at_bound]
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


def _weighted(upper: Array, share: Array, weight: Array, budget: float) -> Array:
    """max sum w_r x_r by LP; its optimum fixes each weight tier's total (unique, unlike the
    split inside a tier), and the tier is then split proportionally by share.

    A tier region with share 0 gets nothing (the proportional rule); what the LP gave it
    passes on to the next tier, so the result equals filling the tiers in order."""
    x = np.zeros_like(upper)
    idx = np.flatnonzero((weight > 0) & (upper > 0))
    if idx.size == 0:
        return x
    model = pulp.LpProblem("weighted", pulp.LpMaximize)
    xs = [model.add_variable(f"x{r}", 0, float(upper[r])) for r in idx]
    scaled = weight[idx] / weight.max()
    model += pulp.lpSum(float(w) * var for w, var in zip(scaled, xs, strict=True))
    model += pulp.lpSum(xs) <= budget
    _solve(model)
    optimum = np.zeros_like(upper)
    optimum[idx] = _values(xs)
    tiers = weight_tiers(weight[None, :])[0]
    carry = 0.0
    for k in np.unique(tiers[weight > 0]):
        members = (weight > 0) & (tiers == k)
        tier_budget = float(optimum[members].sum()) + carry
        part, _ = _fill_proportional(upper, share, tier_budget, members)
        carry = tier_budget - float(part.sum())
        x += part
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
    target: Array, upper: Array, budget: float, minimum: float, pallet: float
) -> Array:
    """The rule's answer rounded to feasible shipments with as little change as possible:
    stage 1 maximises the total shipped, stage 2 keeps that total and minimises
    sum |x_r - target_r| (split into over_r - under_r).

    A region whose bound is below the minimum (or one pallet) is left out of the MIP; one
    whose bound equals it up to float noise (1e-9) may take its bound, so a tie is not lost
    to rounding."""
    least = max(minimum, pallet)  # the smallest shipment a region could take
    upper = np.where(upper >= least * (1 - 1e-9), upper, 0.0)
    if not upper.any():
        return np.zeros_like(upper)
    args = (upper, budget, np.minimum(minimum, upper), pallet)
    model, xs = _shipment_model("shipments_total", pulp.LpMaximize, *args)
    model += pulp.lpSum(xs)
    _solve(model)
    # The best total from the MIP's decisions, not its printed amounts: whole pallets, or
    # with a minimum alone, everything the regions it switched on can take.
    first = _tidy_shipments(_values(xs), *args)
    best = float(first.sum()) if pallet > 0 else min(budget, float(upper[first > 0].sum()))
    model, xs = _shipment_model("shipments_closest", pulp.LpMinimize, *args)
    over = [model.add_variable(f"over{r}", 0) for r in range(upper.size)]
    under = [model.add_variable(f"under{r}", 0) for r in range(upper.size)]
    model += pulp.lpSum(over) + pulp.lpSum(under)
    for var, o, u, t in zip(xs, over, under, target, strict=True):
        model += var - float(t) == o - u
    model += pulp.lpSum(xs) >= (best - pallet / 2 if pallet > 0 else best * (1 - 1e-12))
    _solve(model)
    return _tidy_shipments(_values(xs), *args)


def _tidy_shipments(
    x: Array, upper: Array, budget: float, least: Array, pallet: float
) -> Array:
    """Undo CBC's 8-digit printing: whole pallets, 0 or at least ``least``, within the
    bounds and the budget (a whole pallet comes off only for a real excess, not float noise)."""
    if pallet > 0:
        x = pallet * np.minimum(np.round(x / pallet), np.floor(upper / pallet * (1 + 1e-12)))
    x = np.where(x < least / 2, 0.0, np.clip(x, least, upper))
    x = np.where(x > 0, x, 0.0)
    excess = float(x.sum()) - budget
    if excess > (1e-9 * pallet if pallet > 0 else 0.0):
        r = int(np.argmax(x))
        x[r] -= pallet * np.ceil(excess / pallet - 1e-9) if pallet > 0 else excess
    return x
