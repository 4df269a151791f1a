"""Shared fixtures. pytest puts this folder on sys.path (pyproject): tests import ``strategies``."""

from __future__ import annotations

from pathlib import Path

import pytest

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
