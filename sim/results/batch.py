"""Many scenarios at once through the batch engine: a table of metrics, one row each.

Scenarios that share their structure (horizon, regions, shipment days, pledges, rule) are
stacked into one batch and stepped together; others go into batches of their own. Each
scenario keeps its own seed, so its row does not depend on what it was batched with.

Plans stream: each is built when its scenario comes up and dropped once its chunk has run,
so memory follows the chunk size, not the number of scenarios. A call's plan cache
(``sim.engine.memo.PlanCache``, dropped when the call returns) keeps what scenarios share: the
same Scenario object a hundred thousand times is planned once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from sim.engine.batch import simulate_batch
from sim.engine.draws import Draws, draw
from sim.engine.memo import PlanCache
from sim.engine.plan import Plan, build_plan, stack_plans, structure_key
from sim.engine.state import GOOD_REGION_SERIES, Run, Series, Totals
from sim.results import metrics
from sim.scenario.enums import Backend
from sim.scenario.overrides import iter_overrides
from sim.scenario.scenario import Scenario

DEFAULT_CHUNK = 1024  # scenarios stepped together: enough to amortise, few enough for cache
# Plans waiting for their group's chunk to fill, over all groups, before the largest group
# runs early: interleaved structures cannot hold back more than this many plans.
_MAX_WAITING_CHUNKS = 2

Seed = int | np.random.SeedSequence


@dataclass(frozen=True)
class BatchOutput:
    """Scalar metrics (column -> (N,) array) and, when asked for, each scenario's run."""

    metrics: dict[str, np.ndarray]
    runs: list[Run] | None = None

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.metrics)


def run_stream(
    experiments: Iterable[tuple[Plan, Seed, Backend]],
    *,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> BatchOutput:
    """Run (plan, seed, backend) triples, one metrics row each in the order given.

    Triples are read as they come: a group of plans that share their structure runs as soon
    as it holds ``chunk_size`` of them, and its plans are then dropped."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    waiting: dict[tuple[Any, ...], list[tuple[int, Plan, Seed]]] = {}
    n_waiting = 0
    done: list[tuple[list[int], dict[str, np.ndarray]]] = []
    runs: dict[int, Run] = {}

    def run_chunk(index: list[int], plan: Plan, drawn: Draws, backend: Backend) -> None:
        run = simulate_batch(plan, drawn, backend, keep_series=keep_series)
        rows = metrics.Rows.of(plan, plan.good_units)
        done.append((index, metrics.scalars(run.totals, plan.pledge_units, rows)))
        if keep_series:
            runs.update((i, _row_run(run, j)) for j, i in enumerate(index))

    # The compiled pass lets go of the GIL: while one chunk runs on numba's threads, this
    # thread stacks and draws the next (at most one chunk in flight; rows are independent,
    # so the order chunks finish in changes nothing).
    in_flight: list[Future[None]] = []

    def flush(key: tuple[Any, ...]) -> None:
        nonlocal n_waiting
        members = waiting.pop(key)
        n_waiting -= len(members)
        index = [i for i, _, _ in members]
        plan = stack_plans([p for _, p, _ in members])
        seeds = [s for _, _, s in members]
        backend: Backend = key[-1]
        compiled = backend is Backend.COMPILED
        drawn = draw(plan, seeds, compiled=compiled)
        for future in in_flight:
            future.result()
        in_flight.clear()
        if compiled:
            in_flight.append(runner.submit(run_chunk, index, plan, drawn, backend))
        else:
            run_chunk(index, plan, drawn, backend)

    n = 0
    last: tuple[Plan | None, Backend | None, tuple[Any, ...]] = (None, None, ())
    # One BLAS thread while batches run: the engine's only matrix products are small, and
    # a second thread slows a batch down on a busy machine. The caller's setting comes
    # back after.
    with (threadpool_limits(limits=1, user_api="blas"),
          ThreadPoolExecutor(max_workers=1) as runner):
        for n, (plan, seed, backend) in enumerate(experiments, start=1):
            if plan is not last[0] or backend is not last[1]:  # [scenario] * N: one key
                last = (plan, backend, (*structure_key(plan), backend))
            key = last[2]
            group = waiting.setdefault(key, [])
            group.append((n - 1, plan, seed))
            n_waiting += 1
            if len(group) >= chunk_size:
                flush(key)
            elif n_waiting > _MAX_WAITING_CHUNKS * chunk_size:
                flush(max(waiting, key=lambda k: len(waiting[k])))
        for key in list(waiting):
            flush(key)
        for future in in_flight:
            future.result()
    columns: dict[str, np.ndarray] = {}
    for index, values in done:
        for name, column in values.items():
            columns.setdefault(name, np.full(n, np.nan))[index] = column
    return BatchOutput(columns, [runs[i] for i in range(n)] if keep_series else None)


def _row_run(run: Run, j: int) -> Run:
    """Scenario ``j`` of a batch run, as a run of its own: its C channel rows, its G good
    rows and its own hub rows."""
    c, g = run.plan.n_channels, run.plan.n_goods

    def rows(name: str, values: Any, per_good: frozenset[str] = frozenset()) -> Any:
        per = g if name in per_good else 1 if name in _PER_SCENARIO else c
        return values[j * per : (j + 1) * per]

    def pick(obj: Any) -> dict[str, Any]:
        return {f.name: rows(f.name, getattr(obj, f.name), _GOOD_TOTALS) for f in fields(obj)}

    series = None
    if run.series is not None:
        series = Series({k: rows(k, v) for k, v in run.series.donor.items()},
                        {k: rows(k, v, _GOOD_SERIES) for k, v in run.series.region.items()},
                        None if run.series.lead_days is None
                        else rows("lead_days", run.series.lead_days),
                        {k: v[j : j + 1] for k, v in run.series.hub.items()})
    return replace(run, plan=run.plan.row(j), draws=Draws(**pick(run.draws)),
                   totals=Totals(**pick(run.totals)), series=series)


# Totals and region series kept per good (what the regions hold and use), not per channel;
# hub totals per scenario.
_GOOD_TOTALS = frozenset({"consumed_units", "need_units"})
_GOOD_SERIES = frozenset(GOOD_REGION_SERIES)
_PER_SCENARIO = frozenset({"hub_handled", "hub_waited"})


def run_scenarios(
    scenarios: Iterable[Scenario],
    seeds: Iterable[Seed] | None = None,
    *,
    backend: Backend | None = None,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> BatchOutput:
    """Run a list of scenarios (seeds default to each scenario's own) in batches.

    The metrics table has one row per scenario, in order, with the columns of
    ``sim.results.metrics.SCALARS``. ``scenarios`` may be a generator: each plan is built
    when its scenario comes up, and memory stays bounded by ``chunk_size``.
    """
    return run_stream(_experiments(scenarios, seeds, backend), keep_series=keep_series,
                      chunk_size=chunk_size)


def _experiments(scenarios: Iterable[Scenario], seeds: Iterable[Seed] | None,
                 backend: Backend | None) -> Iterator[tuple[Plan, Seed, Backend]]:
    backend = Backend(backend) if backend else None  # "compiled" as well as the enum
    cache = PlanCache()  # for this call only
    if seeds is None:
        for s in scenarios:
            yield build_plan(s, cache), s.seed, backend or s.allocation.backend
        return
    for s, seed in zip(scenarios, seeds, strict=True):
        yield build_plan(s, cache), seed, backend or s.allocation.backend


def run_overrides(
    base: Scenario,
    rows: Sequence[Mapping[str, Any]],
    seeds: Sequence[Seed] | None = None,
    *,
    backend: Backend | None = None,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> BatchOutput:
    """One scenario and a table of overrides (one ``{dotted.path: value}`` row each).

    The metrics table starts with the override columns, so each row says what it ran.
    """
    own_seeds: list[int] = []

    def scenarios() -> Iterator[Scenario]:  # streamed: no list of N scenarios is kept
        for s in iter_overrides(base, rows):
            own_seeds.append(s.seed)
            yield s

    out = run_scenarios(scenarios(), seeds, backend=backend, keep_series=keep_series,
                        chunk_size=chunk_size)
    params: dict[str, np.ndarray] = {}
    for key in dict.fromkeys(k for row in rows for k in row):
        params[key] = np.array([row.get(key) for row in rows])
    if seeds is None:
        params["seed"] = np.array(own_seeds)
    else:  # a SeedSequence is labelled by its entropy, which with its spawn key made it
        params["seed"] = np.array([s if isinstance(s, int) else s.entropy for s in seeds])
    return BatchOutput({**params, **out.metrics}, out.runs)
