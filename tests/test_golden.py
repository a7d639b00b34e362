"""Golden regression baseline: a fixed seed gives exactly the stored summary.

After an intended change of behaviour, run `make golden` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from golden_cases import CASES, summarise

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_golden(name: str) -> None:
    scenario, seed = CASES[name]()
    if scenario is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"golden case {name} needs ../shared, which CI must provide")
        pytest.skip(f"golden case {name} needs ../shared")
    stored = json.loads((GOLDEN / f"{name}.json").read_text())
    assert summarise(scenario, seed) == stored, "behaviour changed: if intended, run `make golden` and commit"
