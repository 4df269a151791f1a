"""The plan cache: what ``build_plan`` works out from scenario sub-models, kept while its
owner wants it.

A ``PlanCache`` is an object its owner creates, passes to ``build_plan`` and drops: one call
of ``run_scenarios`` (or ``run_overrides``) owns one for that call, a sweep owns one per chunk
of experiments, and a single ``run`` builds its plan without one. Nothing is cached between
owners, so no module-level state outlives a call and no stale entry can be hit later.

Inside a cache, entries are keyed by the identity of the sub-models they read plus plain
values: sweeps and ``with_overrides`` keep every untouched sub-model as the same instance, and
``[scenario] * N`` is one object, so a sweep of reserves rebuilds no array block. Identity is
safe here because an entry holds its models (an id cannot be reused while the entry lives)
and models are frozen. Cached arrays are read-only: many plans share them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """A small LRU keyed by the identity of some models plus plain values."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[tuple[object, ...], Any]] = (
            OrderedDict())
        self._lock = threading.Lock()  # calibrate and Dask may build plans from threads

    def get(self, models: tuple[object, ...], values: tuple[Hashable, ...],
            compute: Callable[[], T]) -> T:
        key = (*map(id, models), *values)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                cached: T = hit[1]
                return cached
        value = compute()
        with self._lock:
            self._entries[key] = (models, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


class PlanCache:
    """Plans, array blocks and day series of the plans built with it (sizes: a plan or a
    region block of 50 regions x 365 days is about 0.2 MB; a series about 3 kB)."""

    def __init__(self, plans: int = 8, blocks: int = 16, series: int = 1024) -> None:
        self.plans = Memo(plans)
        self.blocks = Memo(blocks)
        self.series = Memo(series)
