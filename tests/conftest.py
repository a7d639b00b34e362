"""Shared fixtures: where ../shared is, and whether tests that need it may skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BORDERFLOW_SHARED", REPO.parent / "shared"))
FLEE_SCENARIOS = SHARED / "scenarios" / "flee"


@pytest.fixture
def flee_dir() -> Path:
    """The Flee validation scenarios; skipped without ../shared, except in CI where it must exist."""
    if not FLEE_SCENARIOS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {FLEE_SCENARIOS} is missing; CI must provide ../shared")
        pytest.skip(f"{FLEE_SCENARIOS} not found (../shared is provided beside the repo in CI)")
    return FLEE_SCENARIOS
