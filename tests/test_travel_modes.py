"""Routes carrying several travel modes, each with its speed and share of travellers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import borderflow
from borderflow.scenario.model import Scenario

START = dt.date(2024, 1, 1)
N = 10_000


def _scenario(modes: list[dict[str, Any]], policies: dict[str, Any] | None = None) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "modes",
            "start_date": START,
            "days": 12,
            "places": [
                {"name": "Yard", "kind": "town", "country": "M"},
                {"name": "North", "kind": "camp", "country": "M"},
            ],
            "routes": [{"a": "Yard", "b": "North", "distance_km": 400, "modes": modes}],
            "departures": [{"place": "Yard", "start": START, "end": START, "per_day": N}],
            "spawn_rules": {"data_driven": False},
            "move_rules": {"default_movechance": 1.0, "camp_movechance": 0.0, "max_move_speed": 200, "rail_speed": 50},
            "policies": policies or {},
        }
    )


MIXED = [{"mode": "road", "share": 0.7}, {"mode": "rail", "share": 0.3}]


def test_each_mode_takes_its_share_at_its_own_speed() -> None:
    r = borderflow.run(_scenario(MIXED), seed=1)
    north = r.places.index("North")
    arrivals = r.record.arrivals[:, north]
    # road: floor(400/200)+1 = 3 travel days -> day 2; rail: floor(400/50)+1 = 9 -> day 8
    assert set(np.flatnonzero(arrivals)) == {2, 8}
    assert abs(arrivals[2] - 0.7 * N) < 5 * np.sqrt(N * 0.7 * 0.3)
    assert arrivals[2] + arrivals[8] == N


def test_rail_watch_on_a_mixed_route_touches_only_rail_riders() -> None:
    share = 0.1
    r = borderflow.run(_scenario(MIXED, {"w": [{"type": "rail_watch", "share_per_day": share}]}), seed=2, policy="w")
    base = borderflow.run(_scenario(MIXED), seed=2)
    north = r.places.index("North")
    assert r.record.arrivals[2, north] == base.record.arrivals[2, north]  # road riders untouched
    rail = base.record.arrivals[8, north]
    # rail riders are checked on days 0..7 (they arrive on day 8 before its check)
    expected = rail * (1 - share) ** 8
    assert abs(r.record.arrivals[8, north] - expected) < 5 * np.sqrt(rail * 0.6 * 0.4) + 1


def test_suspending_rail_sends_everyone_by_road() -> None:
    r = borderflow.run(_scenario(MIXED, {"s": [{"type": "rail_watch", "suspend": True}]}), seed=3, policy="s")
    north = r.places.index("North")
    assert r.record.arrivals[2, north] == N


@pytest.mark.parametrize(
    ("modes", "message"),
    [
        ([{"mode": "road", "share": 0.5}, {"mode": "rail", "share": 0.2}], "add up to 0.7; expected 1"),
        ([{"mode": "road", "share": 0.5}, {"mode": "road", "share": 0.5}], "each travel mode at most once"),
    ],
    ids=["shares-not-one", "mode-twice"],
)
def test_bad_modes_are_rejected(modes: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _scenario(modes)
