"""Cases of the golden regression baseline, shared by the test and the regenerate script."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import borderflow

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("BORDERFLOW_SHARED", HERE.parent.parent / "shared"))


def _tiny() -> tuple[borderflow.Scenario | None, int]:
    return borderflow.load_scenario(HERE / "data" / "tiny.yaml"), 7


def _mali() -> tuple[borderflow.Scenario | None, int]:
    folder = SHARED / "scenarios" / "flee" / "mali2012"
    return (borderflow.load_scenario(folder) if folder.is_dir() else None), 3


CASES: dict[str, Callable[[], tuple[borderflow.Scenario | None, int]]] = {"tiny": _tiny, "mali2012": _mali}


def summarise(scenario: borderflow.Scenario, seed: int) -> dict[str, Any]:
    """A compact fingerprint of a run: weekly populations per place and the metrics."""
    result = borderflow.run(scenario, seed=seed)
    pop = result.series("population")
    out: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": seed,
        "weekly_population": {p: pop[::7, i].tolist() for i, p in enumerate(result.places)},
        "total_arrivals": int(result.series("arrivals").sum()),
    }
    m = result.metrics()
    if m:
        out["averaged_relative_difference"] = round(m["averaged_relative_difference"], 10)
    return out
