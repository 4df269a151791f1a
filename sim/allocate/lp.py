"""Reference allocation backend: every rule as a sequence of LPs (and a MIP) solved by CBC.

Pledges are served by the shared closed-form pro-rata rule (``serve_pledges``); the LPs decide
only the policy part x_r, one scenario row at a time. The rules' unique answers (see
``sim.allocate.problem``) come from progressive filling: each round one LP lifts all unfrozen
regions together, the regions whose bound binds are frozen at it, and the rounds stop when
the budget binds. The backend never computes a water level in closed form; every amount is
read off an LP solution, so it is an independent check on the ``vector`` backend.

Numerics: a row is solved in units of its budget S, so the budget row is ``sum x <= 1`` and
every bound is clipped to 1 (no region can take more than S anyway). CBC reports solutions
with 8 significant digits, so "a bound binds" means "within a relative 1e-7 of it", and an
amount is good to about 5e-8 of itself.

With ``min_shipment_masks`` or ``pallet_masks`` set, the rule's answer is rounded to feasible
shipments with as little change as possible: a MIP first finds the largest total that can be
shipped in feasible amounts (0 or at least the minimum, in whole pallets), then, with that
total fixed, the shipments closest to the rule's answer in L1. Ties in that second stage are
broken by CBC, and pallet counts are exact below 1e7 pallets a region (8 printed digits).
"""

from __future__ import annotations

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
from sim.scenario import Rule

Mask = NDArray[np.bool_]

_RTOL = 1e-7  # CBC's primal tolerance, and above its 8-digit printing error


def allocate_lp(problem: AllocationProblem) -> Allocation:
    """Pledges pro rata first, then the rule's answer row by row from LPs solved by CBC."""
    pledge, given = serve_pledges(problem)
    b, r = problem.shape
    policy = np.zeros((b, r))
    for i in range(b):
        budget = float(given.budget_masks[i])
        if budget > 0:
            policy[i] = budget * _allocate_row(problem, given, i, budget)
    return Allocation(pledge, policy, policy + given.pledged_masks)


def _allocate_row(problem: AllocationProblem, given: PolicyInput, i: int, budget: float) -> Array:
    """The policy of row ``i`` in units of its budget, rounded to shipments if asked to."""
    upper = np.minimum(given.upper_masks[i], budget) / budget
    share = problem.share[i]
    if problem.rule is Rule.PROPORTIONAL:
        x = _fill_proportional(upper, share, 1.0, np.ones(upper.shape, dtype=bool))[0]
        eligible = share > 0
    elif problem.rule is Rule.MAXMIN:
        have = (problem.have_masks[i] + given.pledged_masks[i]) / budget
        x = _maxmin(upper, problem.projected_need_masks[i] / budget, have)
        eligible = problem.projected_need_masks[i] > 0
    elif problem.rule is Rule.PRIORITY:
        x = _priority(upper, share, problem.tier[i])
        eligible = share > 0
    else:
        x = _weighted(upper, share, problem.weight[i])
        eligible = (problem.weight[i] > 0) & (share > 0)
    x = np.clip(x, 0.0, upper)
    x = x / max(1.0, float(x.sum()))
    if problem.min_shipment_masks or problem.pallet_masks:
        minimum = (problem.min_shipment_masks or 0.0) / budget
        pallet = (problem.pallet_masks or 0.0) / budget
        x = _round_to_shipments(x, np.where(eligible, upper, 0.0), minimum, pallet)
    return x


def _solve(model: pulp.LpProblem) -> None:
    """Solve with CBC; anything but an optimum means a wrong formulation, not bad data."""
    status = model.solve(pulp.PULP_CBC_CMD(msg=False))
    if status != pulp.LpStatusOptimal:
        raise RuntimeError(f"CBC: {model.name} is {pulp.LpStatus[status]}")


def _values(variables: list[Any]) -> Array:
    return np.array([float(v.value() or 0.0) for v in variables])


def _at_bound(values: Array, upper: Array) -> Mask:
    """Which regions the LP put at their bound. If rounding hid them all, the closest one:
    the LP stopped for a reason, and each round must freeze someone to make progress."""
    hit = values >= upper * (1 - _RTOL)
    if not hit.any():
        hit = values / upper == np.max(values / upper)
    return hit


def _fill_proportional(
    upper: Array, share: Array, budget: float, members: Mask
) -> tuple[Array, bool]:
    """x_r = min(ub_r, lam * share_r) over ``members`` with share > 0, spending at most
    ``budget``: the members rise together at level t (x_r = t * share_r, an LP maximising t)
    and freeze at their bounds, until the budget binds. Also says whether it did bind."""
    x = np.zeros_like(upper)
    active = members & (share > 0) & (upper > 0)
    for _ in range(int(active.sum())):
        left = budget - float(x.sum())
        if left <= 0 or not active.any():
            return x, left <= 0
        idx = np.flatnonzero(active)
        model = pulp.LpProblem("proportional", pulp.LpMaximize)
        level = pulp.LpVariable("t", lowBound=0)
        xs = [pulp.LpVariable(f"x{r}", 0, float(upper[r])) for r in idx]
        model += level
        for var, s in zip(xs, share[idx] / share[idx].max(), strict=True):
            model += var == float(s) * level
        model += pulp.lpSum(xs) <= left
        _solve(model)
        values = _values(xs)
        if values.sum() >= left * (1 - _RTOL):
            x[idx] = values
            return x, True
        frozen = idx[_at_bound(values, upper[idx])]
        x[frozen] = upper[frozen]
        active[frozen] = False
    return x, False


def _maxmin(upper: Array, need: Array, have: Array) -> Array:
    """Lexicographic max-min of coverage (have_r + x_r) / need_r over need_r > 0.

    Each round's LP maximises the common coverage level c of the unfrozen regions
    (x_r >= c * need_r - have_r, so a region already above the level gets 0) and, second,
    spends as little as that level needs: the objective K * u - sum x with u = c * max need
    and K above every rate d(sum x)/du keeps the two stages in one LP, with unique x."""
    x = np.zeros_like(upper)
    active = (need > 0) & (upper > 0)
    for _ in range(int(active.sum())):
        left = 1.0 - float(x.sum())
        if left <= 0 or not active.any():
            break
        idx = np.flatnonzero(active)
        rate = need[idx] / need[idx].max()
        model = pulp.LpProblem("maxmin", pulp.LpMaximize)
        u = pulp.LpVariable("u", lowBound=0)
        xs = [pulp.LpVariable(f"x{r}", 0, float(upper[r])) for r in idx]
        model += (1.0 + float(rate.sum())) * u - pulp.lpSum(xs)
        for var, a, h in zip(xs, rate, have[idx], strict=True):
            model += var >= float(a) * u - float(h)
        model += pulp.lpSum(xs) <= left
        _solve(model)
        values = _values(xs)
        if values.sum() >= left * (1 - _RTOL):
            x[idx] = values
            break
        frozen = idx[_at_bound(values, upper[idx])]
        x[frozen] = upper[frozen]
        active[frozen] = False
    return x


def _priority(upper: Array, share: Array, tier: Array) -> Array:
    """Tiers in ascending order, each proportional with what the earlier tiers left."""
    x = np.zeros_like(upper)
    for k in np.unique(tier):
        part, exhausted = _fill_proportional(upper, share, 1.0 - float(x.sum()), tier == k)
        x += part
        if exhausted:
            break
    return x


def _weighted(upper: Array, share: Array, weight: Array) -> Array:
    """max sum w_r x_r by LP; its optimum fixes each weight tier's total (unique, unlike the
    split inside a tier), and the tier is then split proportionally by share.

    A tier region with share 0 gets nothing (the proportional rule); what the LP gave it
    passes on to the next tier, so the result equals filling the tiers in order."""
    x = np.zeros_like(upper)
    idx = np.flatnonzero((weight > 0) & (upper > 0))
    if idx.size == 0:
        return x
    model = pulp.LpProblem("weighted", pulp.LpMaximize)
    xs = [pulp.LpVariable(f"x{r}", 0, float(upper[r])) for r in idx]
    scaled = weight[idx] / weight.max()
    model += pulp.lpSum(float(w) * var for w, var in zip(scaled, xs, strict=True))
    model += pulp.lpSum(xs) <= 1.0
    _solve(model)
    optimum = np.zeros_like(upper)
    optimum[idx] = _values(xs)
    tiers = weight_tiers(weight[None, :])[0]
    carry = 0.0
    for k in np.unique(tiers[weight > 0]):
        members = (weight > 0) & (tiers == k)
        budget = float(optimum[members].sum()) + carry
        part, _ = _fill_proportional(upper, share, budget, members)
        carry = budget - float(part.sum())
        x += part
    return x


def _shipment_model(
    name: str, sense: int, upper: Array, minimum: float, pallet: float
) -> tuple[pulp.LpProblem, list[Any]]:
    """x_r in {0} u [minimum, ub_r] (binary y_r: minimum y_r <= x_r <= ub_r y_r), x_r a
    whole number of pallets, sum x <= 1 (the budget)."""
    model = pulp.LpProblem(name, sense)
    xs = []
    for r, ub in enumerate(upper):
        var = pulp.LpVariable(f"x{r}", 0, float(ub))
        if minimum > 0:
            on = pulp.LpVariable(f"y{r}", cat=pulp.LpBinary)
            model += var >= minimum * on
            model += var <= float(ub) * on
        if pallet > 0:
            most = float(np.floor(ub / pallet * (1 + 1e-12)))
            model += var == pallet * pulp.LpVariable(f"n{r}", 0, most, cat=pulp.LpInteger)
        xs.append(var)
    model += pulp.lpSum(xs) <= 1.0
    return model, xs


def _round_to_shipments(target: Array, upper: Array, minimum: float, pallet: float) -> Array:
    """The rule's answer rounded to feasible shipments with as little change as possible:
    stage 1 maximises the total shipped, stage 2 keeps that total and minimises
    sum |x_r - target_r| (split into over_r - under_r)."""
    model, xs = _shipment_model("shipments_total", pulp.LpMaximize, upper, minimum, pallet)
    model += pulp.lpSum(xs)
    _solve(model)
    # The best total from the MIP's decisions, not its printed amounts: whole pallets, or
    # with a minimum alone, everything the regions it switched on can take.
    first = _tidy_shipments(_values(xs), upper, minimum, pallet)
    best = float(first.sum()) if pallet > 0 else min(1.0, float(upper[first > 0].sum()))
    model, xs = _shipment_model("shipments_closest", pulp.LpMinimize, upper, minimum, pallet)
    over = [pulp.LpVariable(f"over{r}", 0) for r in range(upper.size)]
    under = [pulp.LpVariable(f"under{r}", 0) for r in range(upper.size)]
    model += pulp.lpSum(over) + pulp.lpSum(under)
    for var, o, u, t in zip(xs, over, under, target, strict=True):
        model += var - float(t) == o - u
    model += pulp.lpSum(xs) >= best - pallet / 2
    _solve(model)
    return _tidy_shipments(_values(xs), upper, minimum, pallet)


def _tidy_shipments(x: Array, upper: Array, minimum: float, pallet: float) -> Array:
    """Undo CBC's 8-digit printing: whole pallets, 0 or at least the minimum, within the
    bounds and the budget."""
    if pallet > 0:
        x = pallet * np.minimum(np.round(x / pallet), np.floor(upper / pallet * (1 + 1e-12)))
    if minimum > 0:
        x = np.where(x < minimum / 2, 0.0, np.clip(x, minimum, upper))
    x = np.where(x > 0, x, 0.0)
    excess = float(x.sum()) - 1.0
    if excess > 0:
        r = int(np.argmax(x))
        x[r] -= pallet * np.ceil(excess / pallet) if pallet > 0 else excess
    return x
