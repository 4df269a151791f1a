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

import numba
import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from sim.engine.batch import simulate_batch
from sim.engine.draws import Draws, draw
from sim.engine.memo import PlanCache
from sim.engine.plan import Plan, stack_plans, structure_key
from sim.engine.state import GOOD_REGION_SERIES, Run, Series, Totals
from sim.results import metrics
from sim.results.variants import RowError, Seed, override_blocks, scenario_blocks
from sim.scenario.enums import Backend
from sim.scenario.scalar_checks import as_column
from sim.scenario.scenario import Scenario

DEFAULT_CHUNK = 1024  # scenarios stepped together: enough to amortise, few enough for cache
# Plans waiting for their group's chunk to fill, over all groups, before the largest group
# runs early: interleaved structures cannot hold back more than this many plans.
_MAX_WAITING_CHUNKS = 2


@dataclass(frozen=True)
class BatchOutput:
    """Scalar metrics (column -> (N,) array) and, when asked for, each scenario's run."""

    metrics: dict[str, np.ndarray]
    runs: list[Run] | None = None

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.metrics)


def run_batches(
    batches: Iterable[tuple[Sequence[int], Plan, Sequence[Seed], Backend]],
    *,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    goods: Sequence[str] = (),
) -> BatchOutput:
    """Run (rows, plan, seeds, backend) quadruples: a plan of one scenario or several, the
    rows of the table its scenarios fill (every row 0 .. n-1 once, in any order), a seed for
    each. Each good of ``goods`` adds its own metrics, as ``outcome[good]`` (NaN for a
    scenario without that good).

    Quadruples are read as they come: plans that share their structure are stacked, and run
    as soon as they hold ``chunk_size`` scenarios; their plans are then dropped."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    goods = list(dict.fromkeys(goods))
    seen_goods: set[str] = set()
    waiting: dict[tuple[Any, ...], list[tuple[Sequence[int], Plan, Sequence[Seed]]]] = {}
    sizes: dict[tuple[Any, ...], int] = {}
    done: list[tuple[list[int], dict[str, np.ndarray]]] = []
    runs: dict[int, Run] = {}

    def run_chunk(index: list[int], plan: Plan, drawn: Draws, backend: Backend) -> None:
        run = simulate_batch(plan, drawn, backend, keep_series=keep_series)
        rows = metrics.Rows.of(plan, plan.good_units)
        values = metrics.scalars(run.totals, plan.pledge_units, rows)
        seen_goods.update(plan.good_ids)
        for good in goods:
            if good in plan.good_ids:
                alone = metrics.scalars(run.totals, plan.pledge_units, rows,
                                        good=plan.good_ids.index(good))
                values.update((f"{name}[{good}]", v) for name, v in alone.items())
        done.append((index, values))
        if keep_series:
            runs.update((i, _row_run(run, j)) for j, i in enumerate(index))

    # The compiled pass lets go of the GIL: while one chunk runs on numba's threads, this
    # thread stacks and draws the next (at most one chunk in flight; rows are independent,
    # so the order chunks finish in changes nothing).
    in_flight: list[Future[None]] = []

    def flush(key: tuple[Any, ...]) -> None:
        members = waiting.pop(key)
        del sizes[key]
        index = [i for rows, _, _ in members for i in rows]
        plans = [p for _, p, _ in members]
        plan = plans[0] if len(plans) == 1 else stack_plans(plans)
        seeds = [s for _, _, seeds in members for s in seeds]
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
    # The runner thread starts with numba's default thread count: it takes the caller's (a
    # Dask worker's one thread a chunk, say).
    with (threadpool_limits(limits=1, user_api="blas"),
          ThreadPoolExecutor(max_workers=1, initializer=numba.set_num_threads,
                             initargs=(numba.get_num_threads(),)) as runner):
        for rows, plan, seeds, backend in batches:
            if len(seeds) != plan.n_scenarios or len(rows) != plan.n_scenarios:
                raise ValueError(f"{len(rows)} rows and {len(seeds)} seeds for a plan of "
                                 f"{plan.n_scenarios} scenarios")
            if plan is not last[0] or backend is not last[1]:  # [scenario] * N: one key
                last = (plan, backend, (*structure_key(plan), backend))
            key = last[2]
            waiting.setdefault(key, []).append((rows, plan, seeds))
            sizes[key] = sizes.get(key, 0) + plan.n_scenarios
            n += plan.n_scenarios
            if sizes[key] >= chunk_size:
                flush(key)
            elif sum(sizes.values()) > _MAX_WAITING_CHUNKS * chunk_size:
                flush(max(sizes, key=lambda k: sizes[k]))
        for key in list(waiting):
            flush(key)
        for future in in_flight:
            future.result()
    if missing := [g for g in goods if g not in seen_goods] if n else []:
        raise ValueError(f"no scenario has the good(s) {', '.join(map(repr, missing))}")
    columns: dict[str, np.ndarray] = {}
    for index, values in done:
        for name, column in values.items():
            columns.setdefault(name, np.full(n, np.nan))[index] = column
    for good in goods:  # NaN for the scenarios without it, whichever ran first
        for name in metrics.SCALARS:
            columns.setdefault(f"{name}[{good}]", np.full(n, np.nan))
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
    goods: Sequence[str] = (),
) -> BatchOutput:
    """Run a list of scenarios (seeds default to each scenario's own) in batches.

    The metrics table has one row per scenario, in order, with the columns of
    ``sim.results.metrics.SCALARS``, and for each good of ``goods`` the same as
    ``name[good]``. ``scenarios`` may be a generator: plans are built as
    scenarios come up, and memory stays bounded by ``chunk_size``. Scenarios that differ from
    one another only in scalars on the plan (``with_overrides`` of reserves, budgets, rules,
    uptakes ...: ``sim.results.variants``) share one plan, with per-row values.
    """
    backend = Backend(backend) if backend else None  # "compiled" as well as the enum
    blocks = scenario_blocks(scenarios, seeds, backend=backend, chunk_size=chunk_size,
                             cache=PlanCache())  # this call's cache
    return run_batches(((b.rows, b.plan, block_seeds, b.backend)
                        for b, block_seeds in blocks),
                       keep_series=keep_series, chunk_size=chunk_size, goods=goods)


def run_overrides(
    base: Scenario,
    rows: Sequence[Mapping[str, Any]],
    seeds: Sequence[Seed] | None = None,
    *,
    backend: Backend | None = None,
    keep_series: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    goods: Sequence[str] = (),
) -> BatchOutput:
    """One scenario and a table of overrides (one ``{dotted.path: value}`` row each).

    The metrics table starts with the override columns, so each row says what it ran.
    Scalars on the plan are checked a column at a time and set as per-row values on a plan
    built once; a scenario is built only where a row changes the structure
    (``sim.results.variants``). A row that does not validate raises its InputError.
    """
    keys = list(dict.fromkeys(k for row in rows for k in row))
    columns = {k: as_column([row.get(k) for row in rows]) for k in keys}
    given = {k: np.array([k in row for row in rows], dtype=bool) for k in keys}
    if seeds is not None and len(seeds) != len(rows):
        raise ValueError(f"{len(seeds)} seeds for {len(rows)} rows")
    backend = Backend(backend) if backend else None
    own_seeds: dict[int, int] = {}

    def batches() -> Iterator[tuple[Sequence[int], Plan, Sequence[Seed], Backend]]:
        try:
            for b in override_blocks(base, columns, len(rows), given=given,
                                     backend=backend, chunk_size=chunk_size):
                own_seeds.update(zip(b.rows, b.seeds, strict=True))
                yield b.rows, b.plan, (b.seeds if seeds is None
                                       else [seeds[i] for i in b.rows]), b.backend
        except RowError as exc:
            raise exc.error from None

    out = run_batches(batches(), keep_series=keep_series, chunk_size=chunk_size, goods=goods)
    params: dict[str, np.ndarray] = {}
    for key in keys:
        params[key] = np.array([row.get(key) for row in rows])
    if seeds is None:
        params["seed"] = np.array([own_seeds[i] for i in range(len(rows))])
    else:  # a SeedSequence is labelled by its entropy, which with its spawn key made it
        params["seed"] = np.array([s if isinstance(s, int) else s.entropy for s in seeds])
    return BatchOutput({**params, **out.metrics}, out.runs)
