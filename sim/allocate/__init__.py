"""The allocator seam: ``allocate(problem) -> Allocation`` on (B, R) arrays, three backends."""

from __future__ import annotations

from sim.allocate.problem import Allocation, AllocationProblem, Allocator
from sim.allocate.vector import allocate_vector
from sim.scenario.enums import Backend


def allocator(backend: Backend = Backend.VECTOR) -> Allocator:
    """The allocate function of a backend (``lp`` imports PuLP and ``compiled`` numba only
    when asked for: each takes a noticeable part of a second to import)."""
    backend = Backend(backend)  # "compiled" as well as Backend.COMPILED
    if backend is Backend.LP:
        from sim.allocate.lp import allocate_lp

        return allocate_lp
    if backend is Backend.COMPILED:
        from sim.allocate.compiled import allocate_compiled

        return allocate_compiled
    return allocate_vector


def allocate(problem: AllocationProblem, backend: Backend = Backend.VECTOR) -> Allocation:
    return allocator(backend)(problem)


__all__ = ["Allocation", "AllocationProblem", "Allocator", "allocate", "allocator"]
