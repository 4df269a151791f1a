"""Invariants every run must hold, shared by the engine and scenario tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.runner import Result


def _close(a: Any, b: Any, scale: float) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * max(scale, 1.0))


def check_mass_balance(result: Result) -> None:
    """Every day, for every channel (a donor's supply of a good) and every good:
    production + received = released + domestic served + stock change + shipped; shipped =
    arrived + in transit; a region's stock of a good moves only by what arrives of it (from
    every donor) and what it consumes."""
    run_ = result.run
    assert run_.series is not None
    plan = run_.plan
    d, r = run_.series.donor, run_.series.region
    initial = np.broadcast_to(plan.initial_stock_units, d["stock"].shape[:1])
    scale = float(max(d["production"].max(initial=0), d["received"].max(initial=0),
                      initial.max(initial=0), 1.0))
    for c in range(d["stock"].shape[0]):
        stock_before = np.concatenate([[initial[c]], d["stock"][c, :-1]])
        _close(d["production"][c] + d["received"][c],
               d["released"][c] + d["domestic_served"][c] + d["stock"][c] - stock_before
               + d["shipped"][c] + d["written_off"][c], scale)
        shipped_cum = np.cumsum(r["shipped"][c], axis=0)
        arrived_cum = np.cumsum(r["arrived"][c], axis=0)
        _close(shipped_cum, arrived_cum + r["in_transit"][c], scale)
    assert (d["released"] >= 0).all() and (d["released"] <= d["production"]).all()
    goods = np.tile(plan.channel_good, d["stock"].shape[0] // plan.n_channels)
    for g in range(r["stock"].shape[0]):
        arrived = r["arrived"][goods == g].sum(axis=0)
        region_before = np.vstack([np.zeros((1, r["stock"].shape[2])), r["stock"][g, :-1]])
        _close(r["stock"][g], region_before + arrived - r["consumed"][g], scale)
    assert (d["stock"] >= -1e-9 * scale).all()
    assert (r["consumed"] <= r["need"] + 1e-9 * scale).all()
    totals = run_.totals
    _close(totals.shipped_units.sum(), d["shipped"].sum(), scale)


def check_engines_agree(result: Result) -> None:
    """The batch engine gives this (SimPy) run's every series and total, to the bit."""
    import dataclasses

    from sim.engine.runner import Engine, run

    batch = run(result.scenario, seed=result.seed, engine=Engine.BATCH, backend=result.backend)
    a, b = result.run.series, batch.run.series
    assert a is not None and b is not None
    for kind in ("donor", "region", "hub"):
        for name, values in getattr(a, kind).items():
            np.testing.assert_array_equal(values, getattr(b, kind)[name],
                                          err_msg=f"{kind} {name}")
    for field in dataclasses.fields(result.run.totals):
        np.testing.assert_array_equal(getattr(result.run.totals, field.name),
                                      getattr(batch.run.totals, field.name),
                                      err_msg=field.name)
