"""Shared fixtures: where ../shared is, and whether tests that need it may skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BORDERFLOW_SHARED", REPO.parent / "shared"))
FLEE_SCENARIOS = SHARED / "scenarios" / "flee"
FABFLEE_SCENARIOS = SHARED / "scenarios" / "fabflee"
CBP_DATA = SHARED / "data" / "cbp"


def _shared(path: Path) -> Path:
    """`path` under ../shared; skipped without it, except in CI where it must exist."""
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {path} is missing; CI must provide ../shared")
        pytest.skip(f"{path} not found (../shared is provided beside the repo in CI)")
    return path


@pytest.fixture
def flee_dir() -> Path:
    """The Flee validation scenarios."""
    return _shared(FLEE_SCENARIOS)


@pytest.fixture
def fabflee_dir() -> Path:
    """The 43 FabFlee folders (../shared/scenarios/fabflee, see its SOURCE.md)."""
    return _shared(FABFLEE_SCENARIOS)


@pytest.fixture
def cbp_dir() -> Path:
    """CBP's monthly encounter files (../shared/data/cbp, see its SOURCE.md)."""
    return _shared(CBP_DATA)
