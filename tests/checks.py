"""Invariants every run must hold, shared by the engine and scenario tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.runner import Result


def _close(a: Any, b: Any, scale: float) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * max(scale, 1.0))


def check_mass_balance(result: Result) -> None:
    run_ = result.run
    assert run_.series is not None
    d, r = run_.series.donor, run_.series.region
    scale = float(max(d["production"].max(initial=0), run_.plan.initial_stock_masks.max(), 1.0))
    stock_before = np.concatenate([run_.plan.initial_stock_masks, d["stock"][0, :-1]])
    # produced = released + domestic served + stock change + shipped, on every day
    _close(d["production"][0], d["released"][0] + d["domestic_served"][0] + d["stock"][0]
           - stock_before + d["shipped"][0], scale)
    assert (d["released"] >= 0).all() and (d["released"] <= d["production"]).all()
    # shipped = delivered + in transit, per region, on every day
    shipped_cum = np.cumsum(r["shipped"][0], axis=0)
    arrived_cum = np.cumsum(r["arrived"][0], axis=0)
    _close(shipped_cum, arrived_cum + r["in_transit"][0], scale)
    # a region's stock moves only by arrivals and consumption
    region_before = np.vstack([np.zeros((1, r["stock"].shape[2])), r["stock"][0, :-1]])
    _close(r["stock"][0], region_before + r["arrived"][0] - r["consumed"][0], scale)
    assert (d["stock"] >= -1e-9 * scale).all()
    assert (r["consumed"] <= r["need"] + 1e-9 * scale).all()
    totals = run_.totals
    _close(totals.shipped_masks.sum(), d["shipped"].sum(), scale)
