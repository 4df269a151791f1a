"""Run many experiments in one call: a table of inputs in, one array per outcome out.

The shape EMA Workbench (or any caller that samples its own experiments) works with::

    >>> import sim
    >>> from sim.sweep.experiments import run_experiments
    >>> base = sim.load("scenarios/minimal.toml")
    >>> outcomes = run_experiments(base, {"reserve.days": [0, 7, 14]},
    ...                            outcomes=["donated_total"])
    >>> outcomes["donated_total"].shape
    (3,)

Each column names a dotted path of the base scenario (as ``--set`` and sweep files do), or
is mapped to one or several paths by ``paths``; the columns of bookkeeping that masksim's
and EMA Workbench's tables carry (``experiment``, ``replication``, ``seed``, ``scenario``,
``policy``, ``model``) are not inputs. A ``seed`` column is the run seed of its row (so
``read_sweep`` + ``read_bookkeeping`` give back a sweep's rows), unless ``seeds`` is given;
without either, every row runs with the base scenario's seed (common random numbers).

Every evaluation goes through ``sim.run_overrides`` (the batch engine): this function, the
sweeps' chunks and ``masksim optimize`` share that one entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.results.batch import DEFAULT_CHUNK, run_overrides
from sim.results.metrics import SCALARS, check_outcome, split_outcome
from sim.results.variants import Seed
from sim.scenario.enums import Backend
from sim.scenario.errors import InputError
from sim.scenario.overrides import Overrides
from sim.scenario.scenario import Scenario

# Columns that say which experiment a row is, never what it sets.
BOOKKEEPING = ("experiment", "replication", "seed", "scenario", "policy", "model")


def _columns(experiments: Any) -> dict[str, list[Any]]:
    """Column name -> plain Python values (numpy scalars would reach pydantic otherwise)."""
    if hasattr(experiments, "to_dict") and hasattr(experiments, "columns"):  # a DataFrame
        return {str(c): np.asarray(experiments[c]).tolist() for c in experiments.columns}
    if isinstance(experiments, Mapping):
        return {str(k): np.asarray(v).tolist() for k, v in experiments.items()}
    raise TypeError("experiments: a DataFrame or a mapping of column -> values")


def run_experiments(
    base: Scenario,
    experiments: Any,
    *,
    paths: Mapping[str, str | Sequence[str]] | None = None,
    seeds: Sequence[Seed] | None = None,
    outcomes: Sequence[str] | None = None,
    backend: Backend | str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> dict[str, NDArray[np.float64]]:
    """Each outcome (default: every scalar of ``sim.results.metrics.SCALARS``) for every row
    of ``experiments``, in row order. InputError names a column that is no field."""
    columns = _columns(experiments)
    names = list(outcomes) if outcomes is not None else list(SCALARS)
    for name in names:
        if (why := check_outcome(name, base.good_ids)) is not None:
            raise InputError("outcomes", name, why)
    inputs = {k: v for k, v in columns.items() if k not in BOOKKEEPING}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise InputError("experiments", "", "columns of different lengths")
    n = lengths.pop() if lengths else 0
    over = Overrides(base, "experiments")
    targets: dict[str, list[str]] = {}
    for column in inputs:
        where = (paths or {}).get(column, column)
        targets[column] = [where] if isinstance(where, str) else list(where)
        for path in targets[column]:
            try:
                over.steps(path)
            except InputError as exc:
                raise InputError("experiments", column,
                                 f"no field {path!r} in the scenario ({exc.message}); map the "
                                 "column to a dotted path with paths={...}") from None
    rows = [{path: inputs[c][i] for c in inputs for path in targets[c]} for i in range(n)]
    if seeds is None and "seed" in columns:
        seeds = [int(s) for s in columns["seed"]]
    out = run_overrides(base, rows, seeds, backend=Backend(backend) if backend else None,
                        chunk_size=chunk_size,
                        goods=[g for n in names if (g := split_outcome(n)[1])])
    return {name: np.asarray(out.metrics[name], dtype=np.float64) for name in names}
