"""Small scenarios with uncertain parameters, shared by the ensemble tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from borderflow.scenario.model import Scenario

TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"

UNCERTAIN: list[dict[str, Any]] = [
    {"path": "departures[0].per_day", "distribution": {"kind": "uniform", "low": 100, "high": 400}},
    {
        "path": "places[3].capacity",
        "name": "Camp North capacity",
        "distribution": {"kind": "triangular", "low": 2000, "mode": 4000, "high": 6000},
    },
    {"path": "move_rules.camp_weight", "distribution": {"kind": "lognormal", "median": 2.0, "sigma": 0.3}},
]


def tiny_data(uncertain: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """tiny.yaml as plain data, with an `uncertain:` list."""
    data: dict[str, Any] = yaml.safe_load(TINY.read_text())
    data["uncertain"] = UNCERTAIN if uncertain is None else uncertain
    return data


def tiny(uncertain: list[dict[str, Any]] | None = None) -> Scenario:
    return Scenario.model_validate(tiny_data(uncertain))


def write_tiny(folder: Path, uncertain: list[dict[str, Any]] | None = None, **over: Any) -> Path:
    data = tiny_data(uncertain)
    data.update(over)
    path = folder / "tiny-uncertain.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
