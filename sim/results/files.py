"""Files and folders written atomically: the one helper every writer uses.

A file or folder is written under a hidden temporary name in the same folder and renamed into
place (``os.replace``), so a reader sees the old version or the new one, never half of one.
The temporary name carries the writer's pid (``.<name>.<pid>-<token>.tmp``), so one left by a
killed process can be told apart from one being written and cleaned away later
(:func:`clean_stale`). No fsync: this guards against a killed process, not a power cut.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STALE_AFTER_SECONDS = 3600.0
NAME_LIMIT = 64  # characters of a name kept in a folder name (the hash keeps it unique)
_TEMP = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}\.tmp$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def temp_name(target: Path) -> Path:
    """A fresh hidden name next to ``target`` that says which process owns it (the name part
    cut at 100 characters, so a long name still leaves room within the 255 allowed)."""
    return target.with_name(f".{target.name[:100]}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target`` for the caller to write (nothing is created);
    renamed to ``target`` when the block ends normally, removed if it raises."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(target: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``target`` atomically; returns ``target``."""
    with atomic_path(target) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(target)


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """A temporary folder next to ``target`` for the caller to fill; renamed to ``target``
    when the block ends normally (``target`` must be missing or an empty folder), removed
    whole if it raises. Stale temporaries of killed runs in the same parent are cleaned."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tmp = temp_name(target)
    tmp.mkdir()  # default permissions (umask), unlike mkdtemp's private 0700
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale(parent: Path, max_age: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove temporaries (ours by name) in ``parent`` whose process is gone or that are
    older than ``max_age`` seconds; returns what was removed. Never touches other names."""
    removed: list[Path] = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            age = now - entry.lstat().st_mtime
        except OSError:  # gone meanwhile
            continue
        if pid == os.getpid() and age <= max_age:
            continue
        if _pid_alive(pid) and age <= max_age:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def safe_name(name: str, limit: int = NAME_LIMIT) -> str:
    """``name`` fit for a folder name: characters other than letters, digits, ``_ . -``
    replaced by ``_``, no leading dot (hidden, or ``..``), at most ``limit`` characters."""
    text = _UNSAFE.sub("_", name)[:limit]
    if text.startswith("."):
        text = "_" + text[1:]
    return text or "_"
