"""Caravans: group pace, rest days and stops, joiners and leavers, dissolution."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import borderflow
from borderflow.scenario.model import Scenario

START = dt.date(2023, 12, 24)


def _scenario(caravan: dict[str, Any], **over: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "caravan-test",
        "start_date": START,
        "days": 20,
        "places": [
            {"name": "A", "kind": "camp", "country": "MX"},
            {"name": "B", "kind": "camp", "country": "MX"},
            {"name": "C", "kind": "camp", "country": "MX"},
            {"name": "D", "kind": "camp", "country": "MX"},
            {"name": "South", "kind": "camp", "country": "MX"},
        ],
        "routes": [
            {"a": "A", "b": "B", "distance_km": 30},
            {"a": "B", "b": "C", "distance_km": 45},
            {"a": "C", "b": "D", "distance_km": 60},
        ],
        "spawn_rules": {"data_driven": False},
        "move_rules": {"camp_movechance": 0.0},
        "caravans": [
            {"name": "exodus", "leaves": "A", "date": START, "size": 1000, "route": ["A", "B", "C", "D"], **caravan}
        ],
    }
    data.update(over)
    return Scenario.model_validate(data)


def _places(r: borderflow.Result) -> list[str]:
    assert r.caravans is not None
    return [r.places[i] if i >= 0 else "" for i in r.caravans.place[:, 0]]


def test_caravan_walks_at_group_pace_and_releases_members_at_the_end() -> None:
    r = borderflow.run(_scenario({"pace_km_per_day": 15}), seed=1)
    # 15 km a day: B (30 km) on day 1, C (75 km) on day 4, D (135 km) on day 8
    assert _places(r)[:8] == ["A", "B", "B", "B", "C", "C", "C", "C"]
    assert _places(r)[8] == ""  # reached its last place and ended
    assert r.caravans is not None
    assert r.caravans.size[:8, 0].tolist() == [1000] * 8
    assert r.record.population[8, r.places.index("D")] == 1000


def test_rest_days_and_stops_hold_the_caravan() -> None:
    r = borderflow.run(_scenario({"pace_km_per_day": 30, "rest_every_days": 1, "stops": {"B": 3}}), seed=2)
    # day 0 walks to B and stops 3 days; then walk (30 of 45 km), rest, walk to C
    assert _places(r)[:8] == ["B", "B", "B", "B", "B", "B", "C", "C"]


def test_joiners_and_leavers_change_its_size_at_their_rates() -> None:
    sc = _scenario(
        {"pace_km_per_day": 1, "leave_share_per_day": 0.1, "join_share_per_day": 0.2},
        departures=[{"place": "A", "start": START, "end": START, "per_day": 5000}],
    )
    r = borderflow.run(sc, seed=3)
    assert r.caravans is not None
    size = r.caravans.size[:, 0]
    # day 0: 1000 members, 5000 staying at A: about -100 + 1000
    expected = 1000 - 1000 * 0.1 + 5000 * 0.2
    sd = np.sqrt(1000 * 0.1 * 0.9 + 5000 * 0.2 * 0.8)
    assert abs(size[0] - expected) < 5 * sd
    # nobody is lost: caravan members + people staying = everyone who appeared
    total = r.record.population[-1].sum() + r.record.in_caravan[-1].sum()
    assert total == r.record.new.sum()


def test_dissolution_buses_some_gives_permits_and_the_rest_go_on_alone() -> None:
    sc = _scenario(
        {"pace_km_per_day": 15},
        policies={
            "talks": [
                {
                    "type": "dissolve_caravan",
                    "caravan": "exodus",
                    "start": "2023-12-29",
                    "bus_to": "South",
                    "bus_share": 0.2,
                    "permit_share": 0.5,
                }
            ]
        },
    )
    r = borderflow.run(sc, seed=4, policy="talks")
    assert r.caravans is not None
    assert _places(r)[5] == ""  # dissolved on day 5, at C
    c = r.places.index("C")
    bused = r.record.returned[5, c]
    permits = r.record.settled[5, c]
    assert abs(bused - 200) < 5 * np.sqrt(1000 * 0.2 * 0.8)
    assert r.record.population[5, r.places.index("South")] == bused
    assert r.record.population[5, c] == 1000 - bused - permits  # the rest go on as individuals


@pytest.mark.parametrize(
    ("caravan", "message"),
    [
        ({"leaves": "Nowhere", "route": ["Nowhere", "B"]}, "unknown place 'Nowhere'"),
        ({"route": ["A", "C"]}, "no route between 'A' and 'C'"),
        ({"route": ["B", "C"]}, "expected it to start where the caravan leaves"),
        ({"stops": {"South": 2}}, "is not on the route"),
    ],
    ids=["leaves-unknown-place", "route-not-connected", "route-elsewhere", "stop-off-route"],
)
def test_bad_caravans_are_rejected(caravan: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _scenario(caravan)


def test_contradictory_overlapping_levers_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        _scenario(
            {},
            policies={
                "p": [
                    {"type": "dissolve_caravan", "caravan": "exodus", "start": "2023-12-26"},
                    {"type": "dissolve_caravan", "caravan": "exodus", "start": "2023-12-28"},
                ]
            },
        )
