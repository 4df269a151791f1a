"""The compiled backend gives the vector backend's answers, and the exact rational ones.

Tolerance: 1e-12 of the row's scale, the largest of its budget, its pledges due and its
largest need. Not the budget alone: the bound need - have - pledged is itself a double
rounded at 1e-16 of the need in every backend (and in the problem's definition), so a row
mixing a need of 1e12 with a budget of 1e-6 is only defined to about 1e-4 masks.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from problems import problem

from sim.allocate import allocator
from sim.allocate.compiled import (
    PARALLEL_MIN_ROWS,
    allocate_compiled,
    allocate_rows,
)
from sim.allocate.launch import ThreadPolicy
from sim.allocate.problem import AllocationProblem, serve_pledges
from sim.allocate.vector import allocate_vector
from sim.cli.main import main
from sim.engine.runner import Engine, run
from sim.scenario.enums import Backend, Rule
from sim.scenario.loading import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TOL = 1e-12


# ---- by hand (the vector backend's worked examples) -------------------------------------
@pytest.mark.parametrize(("p", "expected"), [
    (problem(Rule.PROPORTIONAL, [100], [[50, 10, 60]], share=[[1, 1, 2]]), [30, 10, 60]),
    (problem(Rule.MAXMIN, [10], [[10, 10, 10]], have=[[0, 5, 20]]), [7.5, 2.5, 0]),
    (problem(Rule.PRIORITY, [12], [[5, 5, 5]], tier=[[2, 1, 1]]), [2, 5, 5]),
    (problem(Rule.PRIORITY, [10], [[10, 10]], tier=[[40_000, 1]]), [0, 10]),
    (problem(Rule.WEIGHTED, [12], [[10, 3, 10, 10]], weight=[[1, 3, 1, 0]],
             share=[[1, 1, 3, 1]]), [2.25, 3, 6.75, 0]),
    (problem(Rule.PROPORTIONAL, [10], [[100, 100]], cap=[[5, 100]], due=[[4]],
             pledge_region=[0]), [1, 5]),
], ids=["proportional", "maxmin", "priority", "priority-big-tier", "weighted", "pledge-cap"])
def test_by_hand(p: AllocationProblem, expected: list[float]) -> None:
    np.testing.assert_allclose(allocate_compiled(p).policy_units, [expected], rtol=1e-15)


def test_pledges_above_budget_are_served_pro_rata_and_nothing_is_spread() -> None:
    p = problem(Rule.MAXMIN, [30], [[100, 100]], due=[[40, 20]], pledge_region=[0, 1])
    out = allocate_compiled(p)
    assert out.pledge_units.tolist() == [[20, 10]]
    assert out.policy_units.tolist() == [[0, 0]]
    assert out.shipped_units.tolist() == [[20, 10]]


def test_pledges_only_spreads_nothing() -> None:
    p = problem(Rule.PROPORTIONAL, [30], [[100, 100]], due=[[5]], pledge_region=[1],
                policy_on=[False])
    assert allocate_compiled(p).shipped_units.tolist() == [[0, 5]]


def test_min_shipment_and_pallets_are_refused() -> None:
    p = problem(Rule.PROPORTIONAL, [30], [[100, 100]])
    for extra in ({"min_shipment_units": 5.0}, {"pallet_units": 10.0}):
        with pytest.raises(ValueError, match="lp"):
            allocate_compiled(AllocationProblem(**{**p.__dict__, **extra}))


@pytest.mark.parametrize(("n_rows", "n_cols"), [(0, 0), (0, 3), (2, 0)])
def test_empty_batches_give_empty_answers(n_rows: int, n_cols: int) -> None:
    p = problem(Rule.PRIORITY, [5.0] * max(n_rows, 1), [[1.0] * n_cols] * max(n_rows, 1))
    per_row = ("budget_units", "policy_on", "pledge_due_units", "projected_need_units",
               "have_units", "cap_units", "share", "tier", "weight")
    p = AllocationProblem(**{**p.__dict__, **{f: getattr(p, f)[:n_rows] for f in per_row}})
    out = allocate_compiled(p)
    assert out.policy_units.shape == out.shipped_units.shape == (n_rows, n_cols)
    assert out.pledge_units.shape == (n_rows, 0)


def test_the_seam_hands_out_the_compiled_backend() -> None:
    assert allocator(Backend.COMPILED) is allocate_compiled


# ---- an exact rational reference ---------------------------------------------------------
def exact_pledges(p: AllocationProblem, b: int
                  ) -> tuple[list[Fraction], list[Fraction], Fraction, list[Fraction | None]]:
    """Row b's pledges in rationals, from the problem's definition: groups that fell due
    together, oldest first; each cut to its regions' room (pro rata within a region), then
    pro rata to the budget left. (per instance, per region, budget left, room; None: no cap)"""
    f = Fraction
    n_cols = p.shape[1]
    room: list[Fraction | None] = [None if np.isinf(c) else f(c) for c in p.cap_units[b]]
    pledge, pledged, left = [f(0)] * len(p.pledge_region), [f(0)] * n_cols, f(p.budget_units[b])
    order = (p.pledge_due_index if p.pledge_due_index is not None
             else np.zeros(len(p.pledge_region), dtype=np.intp))
    for g in sorted(set(order.tolist())):
        members = [k for k in range(len(order)) if order[k] == g]
        want = [f(0)] * n_cols
        for k in members:
            want[p.pledge_region[k]] += f(p.pledge_due_units[b, k])
        request = {}
        for k in members:
            r, d = p.pledge_region[k], f(p.pledge_due_units[b, k])
            cap = room[r]
            request[k] = d * cap / want[r] if cap is not None and want[r] > cap else d
        total = sum(request.values(), f(0))
        scale = left / total if total > left else f(1)
        for k in members:
            pledge[k] = request[k] * scale
            r = p.pledge_region[k]
            pledged[r] += pledge[k]
            cap = room[r]
            room[r] = None if cap is None else max(cap - pledge[k], f(0))
        left = f(0) if total > left else left - total
    return pledge, pledged, left, room


def exact_policy(p: AllocationProblem, b: int) -> list[Fraction]:
    """The rule's answer for row b in rationals, from the problem's definition."""
    f = Fraction
    _, pledged, left, room = exact_pledges(p, b)
    if not p.policy_on[b]:
        left = f(0)
    ub = []
    for r in range(p.shape[1]):
        gap = max(f(p.projected_need_units[b, r]) - f(p.have_units[b, r]) - pledged[r], f(0))
        cap = room[r]
        ub.append(gap if cap is None else min(gap, cap))
    if p.rule is Rule.MAXMIN:
        a = [f(v) for v in p.projected_need_units[b]]
        h = [f(p.have_units[b, r]) + pledged[r] for r in range(len(a))]
    else:
        w = p.weight[b] if p.rule is Rule.WEIGHTED else np.ones(p.shape[1])
        a = [f(s) * f(v) for s, v in zip(p.share[b], w, strict=True)]
        h = [f(0)] * len(a)
    ub = [u if s > 0 else f(0) for u, s in zip(ub, a, strict=True)]
    if p.rule is not Rule.PRIORITY:
        return level_fill(a, h, ub, left)
    x = [f(0)] * len(a)
    for t in sorted(set(p.tier[b].tolist())):
        members = [r for r in range(len(a)) if p.tier[b, r] == t]
        part = level_fill([a[r] for r in members], [h[r] for r in members],
                          [ub[r] for r in members], left)
        for r, v in zip(members, part, strict=True):
            x[r] = v
        left -= sum(part, f(0))
    return x


def level_fill(a: list[Fraction], h: list[Fraction], ub: list[Fraction],
               budget: Fraction) -> list[Fraction]:
    """x_r = clip(L a_r - h_r, 0, ub_r), sum x = min(budget, sum ub): between consecutive
    breakpoints the total is linear in L, so L is found exactly by interpolation."""
    def at(level: Fraction) -> list[Fraction]:
        return [min(max(level * ar - hr, Fraction(0)), u) if ar > 0 and u > 0 else Fraction(0)
                for ar, hr, u in zip(a, h, ub, strict=True)]

    target = min(budget, sum(ub, Fraction(0)))
    if target <= 0:
        return [Fraction(0)] * len(a)
    points = sorted({q for ar, hr, u in zip(a, h, ub, strict=True) if ar > 0 and u > 0
                     for q in (hr / ar, (hr + u) / ar)})
    totals = [sum(at(q), Fraction(0)) for q in points]
    k = next(i for i, t in enumerate(totals) if t >= target)
    if k == 0 or totals[k] == totals[k - 1]:
        return at(points[k])
    lo, hi = points[k - 1], points[k]
    return at(lo + (target - totals[k - 1]) * (hi - lo) / (totals[k] - totals[k - 1]))


def row_scale(p: AllocationProblem) -> NDArray[np.float64]:
    return np.maximum.reduce([p.budget_units, p.pledge_due_units.sum(axis=1),
                              p.projected_need_units.max(axis=1), np.ones(p.shape[0])])


# ---- adversarial instances -------------------------------------------------------------
magnitude = st.one_of(st.sampled_from([0.0, 1e-6, 1e-3, 1.0, 3.0, 1e3, 1e6, 1e9, 1e12]),
                      st.floats(1e-6, 1e12))


@st.composite
def adversarial(draw: st.DrawFn, rule: Rule) -> AllocationProblem:
    """Values drawn from a small pool per quantity (ties), zeros, tiny and huge magnitudes,
    pledges above the budget, budgets part of the way to the sum of the bounds, exactly at
    it or 1e-9 off it, and rooms of 1e-9."""
    b, r, n_pledges = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(0, 3))

    def grid(values: st.SearchStrategy[float], shape: tuple[int, ...]) -> list[list[float]]:
        pool = draw(st.lists(values, min_size=1, max_size=3))
        flat = [draw(st.sampled_from(pool)) for _ in range(int(np.prod(shape)))]
        return np.reshape(flat, shape).tolist()  # type: ignore[no-any-return]

    need = np.array(grid(magnitude, (b, r)))
    have = np.array(grid(magnitude, (b, r)))
    if draw(st.booleans()):  # rooms of 1e-9 above what is there
        have = np.where(np.array(grid(st.booleans(), (b, r)), dtype=bool), need - 1e-9, have)
        have = np.maximum(have, 0.0)
    p = problem(
        rule, [0.0] * b, need.tolist(), have=have.tolist(),
        cap=grid(st.one_of(st.just(np.inf), magnitude), (b, r)),
        share=grid(st.one_of(st.just(0.0), st.sampled_from([1e-6, 1.0, 2.0, 1e6])), (b, r)),
        tier=np.array(grid(st.integers(1, 3), (b, r)), dtype=np.int64).tolist(),
        weight=grid(st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0]), (b, r)),
        due=grid(magnitude, (b, n_pledges)),
        pledge_region=[draw(st.integers(0, r - 1)) for _ in range(n_pledges)],
        due_index=(sorted(draw(st.lists(st.integers(0, 2), min_size=n_pledges,
                                        max_size=n_pledges)))
                   if draw(st.booleans()) else None),
        policy_on=[draw(st.sampled_from([True, True, False])) for _ in range(b)],
    )
    # The budget: free, or pinned to the pledges and the sum of the rule's bounds.
    _, policy_input = serve_pledges(p)
    eligible = (p.projected_need_units if rule is Rule.MAXMIN else
                p.share * (p.weight if rule is Rule.WEIGHTED else 1.0)) > 0
    bounds = np.where(eligible, policy_input.upper_units, 0.0).sum(axis=1)
    due_total = p.pledge_due_units.sum(axis=1)
    budget = []
    for i in range(b):
        mode = draw(st.sampled_from(["free", "part", "part", "sum", "sum-1e-9", "sum+1e-9",
                                     "half-pledges"]))
        part = draw(st.floats(0, 1)) * bounds[i]  # binds, often inside a tier
        budget.append({"free": draw(magnitude), "part": due_total[i] + part,
                       "sum": due_total[i] + bounds[i],
                       "sum-1e-9": max(due_total[i] + bounds[i] - 1e-9, 0.0),
                       "sum+1e-9": due_total[i] + bounds[i] + 1e-9,
                       "half-pledges": due_total[i] / 2}[mode])
    return AllocationProblem(**{**p.__dict__, "budget_units": np.array(budget)})


def assert_close(got: NDArray[np.float64], want: NDArray[np.float64],
                 p: AllocationProblem) -> None:
    tol = TOL * row_scale(p)[:, None]
    bad = np.abs(got - want) > tol
    assert not bad.any(), f"rows/cols {np.argwhere(bad).tolist()}: {got[bad]} vs {want[bad]}"


any_rule = st.sampled_from(list(Rule)).flatmap(adversarial)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SETTINGS
@given(any_rule)
def test_equals_the_vector_backend(p: AllocationProblem) -> None:
    got, want = allocate_compiled(p), allocate_vector(p)
    for field in ("pledge_units", "policy_units", "shipped_units"):
        assert_close(getattr(got, field), getattr(want, field), p)


@SETTINGS
@given(any_rule)
def test_equals_the_exact_rational_answer(p: AllocationProblem) -> None:
    got = allocate_compiled(p).policy_units
    exact = np.array([[float(v) for v in exact_policy(p, b)] for b in range(p.shape[0])])
    assert_close(got, exact, p)
    assert (got >= 0).all()


def many_rows(rule: Rule, n_rows: int, n_regions: int = 13) -> AllocationProblem:
    rng = np.random.default_rng(7)
    need = rng.uniform(0, 1e6, (n_rows, n_regions)) * (rng.random((n_rows, n_regions)) > 0.1)
    return problem(
        rule, (rng.uniform(0, 0.6, n_rows) * need.sum(axis=1)).tolist(), need.tolist(),
        have=(rng.uniform(0, 0.5, need.shape) * need).tolist(),
        cap=np.where(rng.random(need.shape) < 0.3, 1e5, np.inf).tolist(),
        share=rng.choice([0.0, 1.0, 5.0, 1e3], need.shape).tolist(),
        tier=rng.integers(1, 4, need.shape).tolist(),
        weight=rng.choice([0.0, 1.0, 2.0], need.shape).tolist(),
        due=rng.uniform(0, 1e5, (n_rows, 2)).tolist(), pledge_region=[0, 3])


@pytest.mark.parametrize("rule", list(Rule))
def test_parallel_rows_equal_serial_rows_and_vector(rule: Rule) -> None:
    """Rows on threads or on one: the same bytes (so the thread policy cannot change a
    result), and the vector backend's answers; and allocate_compiled is one of the two."""
    p = many_rows(rule, 3 * PARALLEL_MIN_ROWS + 7)
    one = allocate_rows(p, parallel=False)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(2)
        many = allocate_rows(p, parallel=True)
    finally:
        numba.set_num_threads(threads)
    for _ in range(3):  # warm-up, then either mode
        chosen = allocate_compiled(p)
    for field in ("pledge_units", "policy_units", "shipped_units"):
        assert getattr(one, field).tobytes() == getattr(many, field).tobytes()
        assert getattr(one, field).tobytes() == getattr(chosen, field).tobytes()
        assert_close(getattr(many, field), getattr(allocate_vector(p), field), p)


def test_thread_policy_keeps_the_faster_mode_and_notices_a_change() -> None:
    policy = ThreadPolicy()
    # Each mode's first call is a warm-up (a compile, say): not counted.
    for mode, seconds in ((True, 1e9), (True, 1.0), (False, 1e9), (False, 2.0)):
        assert policy.choose() is mode
        policy.record(mode, seconds)
    picks = []
    for _ in range(2 * ThreadPolicy.PROBE_EVERY):
        mode = policy.choose()
        picks.append(mode)
        policy.record(mode, 1.0 if mode else 2.0)
    assert picks.count(False) == 1  # threads twice as fast: one probe in 16 x 2 calls
    for _ in range(4 * ThreadPolicy.PROBE_EVERY):  # another process takes a core
        mode = policy.choose()
        policy.record(mode, 5.0 if mode else 2.0)
    assert [policy.choose() for _ in range(ThreadPolicy.PROBE_EVERY - 1)].count(False) >= 14


def test_thread_policy_comes_back_soon_after_the_load_goes() -> None:
    policy = ThreadPolicy()
    for mode, seconds in ((True, 1e9), (True, 20.0), (False, 1e9), (False, 1.0)):
        policy.choose()
        policy.record(mode, seconds)  # threads 20 times slower: another process is busy
    calls = 0
    while policy.choose() is False:  # the load goes: threads now twice as fast
        policy.record(False, 1.0)
        calls += 1
    policy.record(True, 0.5)  # the probe
    assert calls <= ThreadPolicy.PROBE_EVERY * ThreadPolicy.MAX_SPACING
    assert [policy.choose() for _ in range(10)].count(True) == 10


# ---- whole runs ---------------------------------------------------------------------------
def shipped(path: Path, backend: Backend, engine: Engine,
            overrides: list[str] | None = None) -> NDArray[np.float64]:
    series = run(load(path, overrides or []), backend=backend, engine=engine).run.series
    assert series is not None
    return series.region["shipped"][0]


def assert_same_days(got: NDArray[np.float64], want: NDArray[np.float64]) -> None:
    """(T, R) shipments within 1e-10 of the day's largest: a day's rounding differences
    (1e-16) carry into later days through stock and need, but must stay rounding."""
    day_scale = np.maximum(want.max(axis=1, keepdims=True), 1.0)
    bad = np.abs(got - want) > 1e-10 * day_scale
    assert not bad.any(), f"day, region {np.argwhere(bad)[:3].tolist()}"
    assert got.sum() > 0


@pytest.mark.parametrize("engine", list(Engine))
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_scenario_files_ship_the_same_on_compiled_and_vector(path: Path, engine: Engine
                                                             ) -> None:
    a = load(path).allocation
    if a.min_shipment or a.pallet_size:
        pytest.skip("LP-only scenario")
    assert_same_days(shipped(path, Backend.COMPILED, engine),
                     shipped(path, Backend.VECTOR, engine))


@pytest.mark.parametrize("rule", ["proportional", "maxmin", "priority", "weighted"])
def test_taiwan_ships_the_same_on_compiled_and_vector_under_every_rule(rule: str) -> None:
    path = SCENARIOS / "taiwan_2020.toml"
    overrides = [f"allocation.rule={rule}", "budget.kind=all_surplus"]
    assert_same_days(shipped(path, Backend.COMPILED, Engine.DES, overrides),
                     shipped(path, Backend.VECTOR, Engine.DES, overrides))


def test_a_scenario_asking_for_compiled_runs_from_the_command_line(tmp_path: Path) -> None:
    text = (SCENARIOS / "minimal.toml").read_text()
    assert "[allocation]\n" in text
    scenario = tmp_path / "compiled.toml"
    scenario.write_text(text.replace("[allocation]\n", '[allocation]\nbackend = "compiled"\n'))
    assert load(scenario).allocation.backend is Backend.COMPILED
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "-q"]) == 0
    assert json.loads((out / "summary.json").read_text())["provenance"]["backend"] == "compiled"
    flag = tmp_path / "flag"
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--backend", "compiled",
                 "--out", str(flag), "-q"]) == 0
    assert json.loads((flag / "summary.json").read_text())["provenance"]["backend"] == "compiled"


def test_lp_only_options_are_refused_for_compiled(tmp_path: Path) -> None:
    text = (SCENARIOS / "minimal.toml").read_text()
    scenario = tmp_path / "pallets.toml"
    scenario.write_text(text.replace(
        "[allocation]\n", '[allocation]\nbackend = "compiled"\npallet_size = 100.0\n'))
    assert main(["run", str(scenario), "--out", str(tmp_path / "run"), "-q"]) == 2


def test_a_backend_named_by_string_is_that_backend() -> None:
    """``allocator("compiled")`` once fell back to ``vector`` without a word."""
    from sim.allocate.lp import allocate_lp

    assert allocator("compiled") is allocate_compiled  # type: ignore[arg-type]
    assert allocator("lp") is allocate_lp  # type: ignore[arg-type]
    assert allocator("vector") is allocate_vector  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="gpu"):
        allocator("gpu")  # type: ignore[arg-type]
