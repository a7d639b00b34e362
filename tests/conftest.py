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


BACKTEST_ARGS = ("--fit-until", "2023-11-30", "--until", "2024-01", "--members", "2", "--workers", "1")


@pytest.fixture(scope="session")
def backtest_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small backtest of caravan-2023 for the session (2 members, fitted through November
    2023: December is forecast and scored, January forecast only), with its report."""
    import subprocess
    import sys

    cbp = _shared(CBP_DATA)
    root = tmp_path_factory.mktemp("backtest")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "borderflow.cli",
            "backtest",
            "caravan-2023",
            "--cbp",
            str(cbp),
            "--out",
            "bt",
            *list(BACKTEST_ARGS),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    assert "report: bt/report.html" in proc.stdout, proc.stdout
    return root / "bt"
