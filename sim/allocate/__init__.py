"""The allocator seam: ``allocate(problem) -> Allocation`` on (B, R) arrays, two backends."""

from __future__ import annotations

from sim.allocate.problem import Allocation, AllocationProblem, Allocator
from sim.allocate.vector import allocate_vector
from sim.scenario.models import Backend


def allocator(backend: Backend = Backend.VECTOR) -> Allocator:
    """The allocate function of a backend (``lp`` imports PuLP only when asked for)."""
    if backend is Backend.LP:
        from sim.allocate.lp import allocate_lp

        return allocate_lp
    return allocate_vector


def allocate(problem: AllocationProblem, backend: Backend = Backend.VECTOR) -> Allocation:
    return allocator(backend)(problem)


__all__ = ["Allocation", "AllocationProblem", "Allocator", "allocate", "allocator"]
