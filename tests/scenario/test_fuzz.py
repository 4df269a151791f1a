"""A fixed-seed sample of the fuzzer (tests/fuzzing.py): mutated scenario, sweep and cases
files never crash, hang, print more than one line or write outside the output folder."""

from __future__ import annotations

from fuzzing import fuzz, generate


def test_fuzz_sample_has_no_failures() -> None:
    outcomes = list(fuzz(60, seed=2024, timeout=60.0))
    failures = [f"[{o.case.index}] {o.cls} {o.case.mutations}: {(o.detail or o.stderr)[:200]}"
                for o in outcomes if not o.ok]
    assert not failures, "\n".join(failures)
    # The sample reaches both edges: input errors and runs that write results.
    assert {o.cls for o in outcomes} == {"ok-input", "ok-run"}
    assert {o.case.kind for o in outcomes} == {"scenario", "sweep"}


def test_cases_are_reproducible() -> None:
    assert generate(7, 3).files == generate(7, 3).files
    assert generate(7, 3).files != generate(7, 4).files
