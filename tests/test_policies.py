"""Each policy component on a small graph, with expectations from exact probabilities."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import borderflow
from borderflow.scenario.model import Scenario

START = dt.date(2024, 1, 1)


def _scenario(policies: dict[str, list[dict[str, Any]]], **overrides: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "policy-test",
        "start_date": START,
        "days": 20,
        "places": [
            {"name": "South", "kind": "town", "country": "M"},
            {"name": "City", "kind": "camp", "country": "M"},  # camps: people stay unless moved
            {"name": "Yard", "kind": "town", "country": "M"},
            {"name": "Border", "kind": "camp", "country": "M"},
            {"name": "Island", "kind": "town", "country": "M"},
            {"name": "Port", "kind": "camp", "country": "U"},
            {"name": "Depot", "kind": "town", "country": "M"},  # no routes: whoever is brought here stays
        ],
        "routes": [
            {"a": "South", "b": "City", "distance_km": 50},
            {"a": "Yard", "b": "Border", "distance_km": 1000, "mode": "rail", "max_move_speed": 100},
            {"a": "Island", "b": "Port", "distance_km": 10},  # a component nobody reaches
        ],
        "departures": [
            {"place": "City", "start": START, "end": START, "per_day": 20000},
            {"place": "Yard", "start": START, "end": START, "per_day": 20000},
        ],
        "spawn_rules": {"data_driven": False},
        "move_rules": {"camp_movechance": 0.0, "default_movechance": 1.0},
        "policies": policies,
    }
    data.update(overrides)
    return Scenario.model_validate(data)


def _within(count: float, n: float, p: float, sds: float = 5.0) -> bool:
    mean, sd = n * p, np.sqrt(n * p * (1 - p))
    return abs(count - mean) <= sds * sd + 1e-9


def test_returns_move_the_configured_share_south() -> None:
    sc = _scenario({"enforce": [{"type": "returns", "places": ["City"], "to": "Depot", "share_per_day": 0.1}]})
    r = borderflow.run(sc, seed=1, policy="enforce")
    city = r.places.index("City")
    returned_day0 = r.record.returned[0, city]
    assert _within(returned_day0, 20000, 0.1)
    # day by day the remaining population shrinks by the share, in expectation
    pop = r.record.population[:, city]
    assert _within(20000 - pop[4], 20000, 1 - 0.9**5)
    assert r.record.returned[:, city].sum() == 20000 - pop[-1]
    assert r.record.population[-1, r.places.index("Depot")] == 20000 - pop[-1]


def test_rail_watch_removes_the_configured_share_of_riders() -> None:
    share = 0.05
    sc = _scenario({"watch": [{"type": "rail_watch", "share_per_day": share}]})
    r = borderflow.run(sc, seed=2, policy="watch")
    base = borderflow.run(sc, seed=2)
    border = r.places.index("Border")
    # 1000 km at 100 km/day: riders board on day 0 and arrive on day 10 (floor(1000/100) + 1 = 11
    # travel days), before that day's check: they are checked on days 0..9, ten times
    assert base.record.arrivals[:, border].sum() == 20000
    survived = r.record.arrivals[:, border].sum()
    assert _within(survived, 20000, (1 - share) ** 10)
    assert r.record.removed_in_transit[:, border].sum() == 20000 - survived


def test_rail_suspension_closes_rail_routes() -> None:
    sc = _scenario({"suspend": [{"type": "rail_watch", "suspend": True, "end": "2024-01-05"}]})
    r = borderflow.run(sc, seed=3, policy="suspend")
    yard, border = r.places.index("Yard"), r.places.index("Border")
    assert r.record.departures[:5, yard].sum() == 0  # nobody boards while suspended
    assert r.record.departures[5, yard] == 20000  # everyone leaves the day it reopens (move chance 1)
    assert r.record.arrivals[15, border] == 20000  # boarded on day 5, 11 travel days


def test_incentives_lower_departures_and_settle_people() -> None:
    sc = _scenario(
        {"stay": [{"type": "incentives", "places": ["Yard"], "movechance_factor": 0.25, "settle_share_per_day": 0.2}]}
    )
    r = borderflow.run(sc, seed=4, policy="stay")
    yard = r.places.index("Yard")
    left = r.record.departures[0, yard]
    assert _within(left, 20000, 0.25)
    assert _within(r.record.settled[0, yard], 20000 - left, 0.2)


def test_close_route_blocks_it_while_active() -> None:
    sc = _scenario(
        {"close": [{"type": "close_route", "a": "South", "b": "City", "end": "2024-01-03"}]},
        departures=[{"place": "South", "start": START, "end": START, "per_day": 100}],
    )
    r = borderflow.run(sc, seed=5, policy="close")
    city = r.places.index("City")
    assert r.record.arrivals[:3, city].sum() == 0
    assert r.record.arrivals[3, city] == 100


def test_unknown_package_is_a_clear_error() -> None:
    with pytest.raises(borderflow.ScenarioError, match="no policy package 'nope'"):
        borderflow.run(_scenario({}), policy="nope")


@pytest.mark.parametrize(
    "package",
    [
        [{"type": "close_route", "a": "Island", "b": "Port"}],
        [{"type": "returns", "places": ["Island"], "to": "Port", "share_per_day": 0.5}],
        [{"type": "incentives", "places": ["Island"], "movechance_factor": 0.0, "settle_share_per_day": 0.3}],
    ],
    ids=["close-unused-port", "returns-where-nobody-is", "incentives-where-nobody-is"],
)
def test_policy_touching_nothing_used_changes_nothing(package: list[dict[str, Any]]) -> None:
    """Common random numbers: the policy's draws come from its own stream."""
    sc = _scenario({"p": package}, move_rules={"camp_movechance": 0.01, "default_movechance": 0.3})
    base = borderflow.run(sc, seed=9)
    with_policy = borderflow.run(sc, seed=9, policy="p")
    for field in ("population", "arrivals", "departures", "in_transit"):
        assert np.array_equal(getattr(base.record, field), getattr(with_policy.record, field)), field


def test_policy_referring_to_unknown_place_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown place 'Nowhere'"):
        _scenario({"p": [{"type": "returns", "places": ["Nowhere"], "to": "South", "share_per_day": 0.1}]})
