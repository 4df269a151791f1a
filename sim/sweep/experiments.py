"""Many scenarios at once through the batch engine: a table of metrics, one row each.

Scenarios that share their structure (horizon, regions, shipment days, pledges, rule) are
stacked into one batch and stepped together; others go into batches of their own. Each
scenario keeps its own seed, so its row does not depend on what it was batched with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from sim.allocate import allocator
from sim.engine.batch import simulate_batch
from sim.engine.day import Series, Totals
from sim.engine.des import Run
from sim.engine.draws import Draws, draw
from sim.engine.plan import Plan, build_plan, stack_plans, structure_key
from sim.results import metrics
from sim.scenario.loading import validate
from sim.scenario.models import Backend, Scenario
from sim.scenario.overrides import set_dotted

DEFAULT_CHUNK = 1024  # scenarios stepped together: enough to amortise, few enough for cache


@dataclass(frozen=True)
class BatchOutput:
    """Scalar metrics (column -> (N,) array) and, when asked for, each scenario's run."""

    metrics: dict[str, np.ndarray]
    runs: list[Run] | None = None

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.metrics)


def run_plans(
    plans: Sequence[Plan],
    seeds: Sequence[int | np.random.SeedSequence],
    backends: Sequence[Backend],
    *,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> BatchOutput:
    """Step single-scenario plans through the batch engine, grouped by structure."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, (plan, backend) in enumerate(zip(plans, backends, strict=True)):
        groups.setdefault((*structure_key(plan), backend), []).append(i)
    columns: dict[str, np.ndarray] = {}
    runs: list[Run | None] = [None] * len(plans)
    for (*_, backend), members in groups.items():
        for lo in range(0, len(members), chunk_size):
            chunk = members[lo : lo + chunk_size]
            plan = stack_plans([plans[i] for i in chunk])
            run = simulate_batch(plan, draw(plan, [seeds[i] for i in chunk]),
                                 allocator(backend), keep_series=keep_series)
            for name, values in metrics.scalars(run.totals, plan.pledge_masks).items():
                columns.setdefault(name, np.full(len(plans), np.nan))[chunk] = values
            if keep_series:
                for j, i in enumerate(chunk):
                    runs[i] = _row_run(run, j)
    return BatchOutput(columns, [r for r in runs if r is not None] if keep_series else None)


def _row_run(run: Run, j: int) -> Run:
    """Scenario ``j`` of a batch run, as a run of its own (B = 1)."""

    def pick(obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name)[j : j + 1] for f in fields(obj)}

    series = None
    if run.series is not None:
        series = Series({k: v[j : j + 1] for k, v in run.series.donor.items()},
                        {k: v[j : j + 1] for k, v in run.series.region.items()},
                        None if run.series.lead_days is None
                        else run.series.lead_days[j : j + 1])
    return replace(run, plan=run.plan.row(j), draws=Draws(**pick(run.draws)),
                   totals=Totals(**pick(run.totals)), series=series)


def run_scenarios(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int | np.random.SeedSequence] | None = None,
    *,
    backend: Backend | None = None,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> BatchOutput:
    """Run a list of scenarios (seeds default to each scenario's own) in batches.

    The metrics table has one row per scenario, in order, with the columns of
    ``sim.results.metrics.SCALARS``.
    """
    seeds = [s.seed for s in scenarios] if seeds is None else seeds
    plans = [build_plan(s) for s in scenarios]
    backends = [backend or s.allocation.backend for s in scenarios]
    return run_plans(plans, seeds, backends, keep_series=keep_series, chunk_size=chunk_size)


def with_overrides(base: Scenario, rows: Iterable[Mapping[str, Any]]) -> list[Scenario]:
    """One validated scenario per row of ``{dotted.path: value}`` overrides of ``base``."""
    data = base.model_dump(mode="json", exclude_none=True)
    out = []
    for row in rows:
        changed = data
        for path, value in row.items():
            changed = set_dotted(changed, path, value)
        out.append(validate(changed, f"<{base.name} override>"))
    return out


def run_overrides(
    base: Scenario,
    rows: Sequence[Mapping[str, Any]],
    seeds: Sequence[int | np.random.SeedSequence] | None = None,
    *,
    backend: Backend | None = None,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> BatchOutput:
    """One scenario and a table of overrides (one ``{dotted.path: value}`` row each).

    The metrics table starts with the override columns, so each row says what it ran.
    """
    scenarios = with_overrides(base, rows)
    out = run_scenarios(scenarios, seeds, backend=backend, keep_series=keep_series,
                        chunk_size=chunk_size)
    params: dict[str, np.ndarray] = {}
    for key in dict.fromkeys(k for row in rows for k in row):
        params[key] = np.array([row.get(key) for row in rows])
    if seeds is None:
        params["seed"] = np.array([s.seed for s in scenarios])
    else:  # a SeedSequence is labelled by its entropy, which with its spawn key made it
        params["seed"] = np.array([s if isinstance(s, int) else s.entropy for s in seeds])
    return BatchOutput({**params, **out.metrics}, out.runs)
