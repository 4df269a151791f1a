"""numba's on-disk cache, told when any compiled module changes.

numba checks a cached function against its own source file only: a function whose file did
not change keeps the machine code it was compiled with, including that of the functions it
calls in other files (numba compiles a callee into its caller). The day's steps call the
allocation kernels, the batch pass calls the steps, so an edit to one file, or a ``git
pull``, could leave a caller running a callee's old code. Here the locator numba asks for a
function's cache stamps every function of this package with one digest of every module that
compiles code (a module here whose source says ``numba.njit``): change one, and every cached
function is compiled afresh on its next call.

Importing this module (every compiled module does, first) puts these locators ahead of
numba's own; they take only this package's files and keep numba's places
(``NUMBA_CACHE_DIR``, ``__pycache__``, or the user-wide cache of an installed package).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from numba.core import caching

PACKAGE = Path(__file__).resolve().parents[1]
_digest: list[bytes] = []


def compiled_sources_digest() -> bytes:
    """One digest of every compiled module's source (worked out once a process)."""
    if not _digest:
        h = hashlib.sha256()
        for path in sorted(PACKAGE.rglob("*.py")):
            text = path.read_bytes()
            if b"numba.njit" in text:
                h.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + text)
        _digest.append(h.digest())
    return _digest[0]


def _ours(py_file: str) -> bool:
    try:
        return Path(py_file).resolve().is_relative_to(PACKAGE)
    except OSError:
        return False


class PackageCacheLocator(caching.InTreeCacheLocator):
    """numba's in-tree locator (``__pycache__`` beside the source), for this package's
    files, stamped with every compiled module's digest."""

    def get_source_stamp(self) -> Any:
        return compiled_sources_digest()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        return (super().from_function(py_func, py_file)  # type: ignore[no-untyped-call]
                if _ours(py_file) else None)


class PackageUserCacheLocator(caching.UserProvidedCacheLocator):
    """numba's ``NUMBA_CACHE_DIR`` locator, the same way."""

    def get_source_stamp(self) -> Any:
        return compiled_sources_digest()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        return (super().from_function(py_func, py_file)  # type: ignore[no-untyped-call]
                if _ours(py_file) else None)


class PackageUserWideCacheLocator(caching.UserWideCacheLocator):
    """numba's user-wide cache (where ``__pycache__`` cannot be written: an installed
    package), the same way."""

    def get_source_stamp(self) -> Any:
        return compiled_sources_digest()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        return (super().from_function(py_func, py_file)  # type: ignore[no-untyped-call]
                if _ours(py_file) else None)


def _register() -> None:
    """numba tries its locators in order and takes the first that accepts a function: ours
    in numba's own order (``NUMBA_CACHE_DIR``, then ``__pycache__``, then the user-wide
    cache), ahead of numba's."""
    classes = caching.CacheImpl._locator_classes
    for locator in (PackageUserWideCacheLocator, PackageCacheLocator,
                    PackageUserCacheLocator):
        if locator not in classes:
            classes.insert(0, locator)


_register()
