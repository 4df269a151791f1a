"""The draws: lead times shaped by numba equal numpy's, outages drawn as the whole-array
formula gives them, and a batch's draws are each scenario's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import draws as draws_module
from sim.engine import shaping
from sim.engine.draws import draw
from sim.engine.plan import build_plan, stack_plans
from sim.scenario.loading import load

ROOT = Path(__file__).resolve().parents[2]


@settings(deadline=None)  # the first example may compile a kernel
@given(st.integers(0, 2**32), st.integers(1, 9), st.integers(0, 6), st.integers(1, 5),
       st.booleans())
def test_compiled_lead_times_are_numpys(seed: int, n: int, k: int, r: int, shared: bool) -> None:
    rng = np.random.default_rng(seed)
    u = rng.random((n, k, r))
    u[rng.random(u.shape) < 0.1] = 0.0
    m = 1 if shared else n
    low = rng.uniform(0, 5, (m, r)) * (rng.random((m, r)) < 0.7)
    mode = low + rng.uniform(0, 5, (m, r)) * (rng.random((m, r)) < 0.7)
    high = mode + rng.uniform(0, 6, (m, r)) * (rng.random((m, r)) < 0.7)
    assert (shaping.lead_days(u, low, mode, high).tobytes()
            == draws_module.lead_days(u, low, mode, high).tobytes())


def test_compiled_draws_are_the_same_draws() -> None:
    scenario = load(ROOT / "scenarios" / "taiwan_2020.toml")
    plan = stack_plans([build_plan(scenario)] * 5)
    a, b = draw(plan, range(5)), draw(plan, range(5), compiled=True)
    assert a.lead_days.tobytes() == b.lead_days.tobytes()
    assert a.outage_loss.tobytes() == b.outage_loss.tobytes()


@settings(deadline=None)  # the first example may compile a kernel
@given(st.integers(0, 2**32), st.integers(1, 6), st.integers(1, 60))
def test_outages_are_drawn_as_before(seed: int, n: int, n_days: int) -> None:
    """Outage lengths are now worked out only where one starts: the same numbers as the
    whole-array formula they replace (kept here as the reference)."""
    rng = np.random.default_rng(seed)
    u_start, u_length = rng.random((n, n_days)), rng.random((n, n_days))
    probability = rng.uniform(0, 0.6, n)
    severity, mean_days = rng.uniform(0, 1, n), rng.uniform(1, 8, n)
    mean_days[0] = 1.0
    assert (draws_module.outage_loss(u_start, u_length, probability, severity, mean_days)
            .tobytes() == _dense_outage_loss(u_start, u_length, probability, severity,
                                             mean_days).tobytes())


def _dense_outage_loss(u_start: np.ndarray, u_length: np.ndarray, probability: np.ndarray,
                       severity: np.ndarray, mean_days: np.ndarray) -> np.ndarray:
    n_rows, n_days = u_start.shape
    starts = u_start < probability[:, None]
    p_end = 1.0 / mean_days[:, None]
    with np.errstate(divide="ignore"):
        extra = np.floor(np.log1p(-u_length) / np.log1p(-p_end))
    length = 1 + np.where(p_end < 1.0, np.nan_to_num(extra, posinf=n_days), 0.0)
    length = np.minimum(length, n_days).astype(np.int64)
    rows, days = np.nonzero(starts)
    edges = np.zeros((n_rows, n_days + 1), dtype=np.int64)
    np.add.at(edges, (rows, days), 1)
    np.add.at(edges, (rows, np.minimum(days + length[rows, days], n_days)), -1)
    running = np.cumsum(edges[:, :n_days], axis=1) > 0
    return np.where(running, severity[:, None], 0.0)


def test_a_batch_draws_each_scenario_its_own_uniforms() -> None:
    """Scenarios of several channels, drawn together or one by one: the same numbers."""
    scenario = load(ROOT / "scenarios" / "three_donors.toml")
    plan = build_plan(scenario)
    together = draw(stack_plans([plan] * 3), [4, 5, 6], compiled=True)
    c = plan.n_channels
    for j, seed in enumerate((4, 5, 6)):
        alone = draw(plan, [seed])
        assert alone.lead_days.tobytes() == together.lead_days[j * c:(j + 1) * c].tobytes()
        assert alone.outage_loss.tobytes() == together.outage_loss[j * c:(j + 1) * c].tobytes()


def test_the_stream_is_read_row_by_row_as_before() -> None:
    """Outage starts, lengths, then leads, channel row by channel row: the order the draws
    were always read in (one fill a scenario now, the same numbers)."""
    scenario = load(ROOT / "scenarios" / "donors_2020.toml")
    plan = build_plan(scenario)
    got = draw(plan, [11])
    stream = np.random.Generator(np.random.PCG64(np.random.SeedSequence(11)))
    t, k, r = plan.n_days, len(plan.ship_days), len(plan.region_ids)
    for row in range(plan.n_channels):
        start, length = stream.random(t), stream.random(t)
        lead = stream.random((k, r))
        want = draws_module.outage_loss(start[None], length[None],
                                        plan.outage_probability[row:row + 1],
                                        plan.outage_severity[row:row + 1],
                                        plan.outage_mean_days[row:row + 1])
        assert want.tobytes() == got.outage_loss[row:row + 1].tobytes()
        shaped = draws_module.lead_days(lead[None], plan.lead_min_days[row:row + 1],
                                        plan.lead_mode_days[row:row + 1],
                                        plan.lead_max_days[row:row + 1])
        assert shaped.tobytes() == got.lead_days[row:row + 1].tobytes()
