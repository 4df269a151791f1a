"""A small cache of what the plan builds from scenario sub-models (``sim.engine.plan``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """A small LRU of what build_plan computes from sub-models, keyed by the models' identity
    plus plain values. Identity, because pydantic models cannot be weakly referenced and those
    holding lists are not hashable; sweeps and ``with_overrides`` keep every untouched
    sub-model as the same instance, and ``[scenario] * N`` is one object. An entry holds its
    models, so an id cannot be reused while it is cached. Cached arrays are read-only: many
    plans share them."""

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

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


