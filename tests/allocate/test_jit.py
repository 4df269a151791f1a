"""numba's cache of this package's compiled functions is stamped with every compiled
module's source at once: an edit to a callee's file recompiles its callers too."""

from __future__ import annotations

from pathlib import Path

from sim.allocate import jit
from sim.allocate.kernels import spread
from sim.engine import steps


def test_the_package_locator_stamps_every_cached_function_with_one_digest() -> None:
    for dispatcher in (spread, steps.produce, steps.ship):
        locator = dispatcher._cache._impl.locator
        assert isinstance(locator, (jit.PackageCacheLocator, jit.PackageUserCacheLocator,
                                    jit.PackageUserWideCacheLocator))
        assert locator.get_source_stamp() == jit.compiled_sources_digest()


def test_the_digest_covers_the_modules_that_compile_code() -> None:
    compiled = {p.relative_to(jit.PACKAGE).as_posix() for p in jit.PACKAGE.rglob("*.py")
                if b"numba.njit" in p.read_bytes()}
    assert {"allocate/kernels.py", "engine/steps.py", "engine/batch.py",
            "engine/hubs.py"} <= compiled
    assert Path(jit.__file__).resolve().parent == jit.PACKAGE / "allocate"
