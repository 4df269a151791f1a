"""Shared fixtures. pytest puts this folder on sys.path (pyproject): tests import ``strategies``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI (CI=true) replays the same examples on every run, so a red build always names a
# reproducible case; a developer's run explores new examples each time.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "owid-covid-2020h1.csv"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def owid_table() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"OWID table not found at {SHARED_DATA} (../shared/data is absent)")
    return SHARED_DATA
