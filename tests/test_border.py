"""The border system on small graphs, with exact or probabilistic expectations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import borderflow
from borderflow.scenario.model import Scenario

START = dt.date(2024, 1, 1)


def _scenario(**over: Any) -> Scenario:
    border: dict[str, Any] = {
        "ports": [
            {"place": "Port", "city": "City", "sector": "Sector", "processing_per_day": 60, "officers": 20},
            {"place": "Spare Port", "city": "Spare City", "sector": "Sector", "processing_per_day": 10},
        ],
        "sectors": [{"place": "Sector", "processing_per_day": 1_000_000}],
        "cities": [{"place": "City", "shelter_capacity": 300}, {"place": "Spare City"}],
        "city_movechance": 0.0,
        "returns_to": "South",
    }
    border.update(over.pop("border", {}))
    data: dict[str, Any] = {
        "name": "border-test",
        "start_date": START,
        "days": 12,
        "places": [
            {"name": "South", "kind": "camp", "country": "MX"},
            {"name": "City", "kind": "border_city", "country": "MX"},
            {"name": "Port", "kind": "port", "country": "US"},
            {"name": "Sector", "kind": "sector", "country": "US"},
            {"name": "Spare City", "kind": "border_city", "country": "MX"},
            {"name": "Spare Port", "kind": "port", "country": "US"},
        ],
        "routes": [
            {"a": "City", "b": "Port", "distance_km": 5},
            {"a": "City", "b": "Sector", "distance_km": 20, "mode": "foot"},
            {"a": "Spare City", "b": "Spare Port", "distance_km": 5},
        ],
        "departures": [],
        "spawn_rules": {"data_driven": False},
        "move_rules": {"camp_movechance": 0.0},
        "border": border,
    }
    data.update(over)
    return Scenario.model_validate(data)


def _ports(result: borderflow.Result, field: str, port: str = "Port") -> np.ndarray:
    assert result.border is not None
    return result.border.arrays[f"port_{field}"][:, result.border.ports.index(port)]


def test_port_queue_grows_by_arrivals_minus_capacity() -> None:
    arrivals, capacity = 100, 60
    sc = _scenario(
        departures=[{"place": "Port", "start": START, "end": START + dt.timedelta(days=11), "per_day": arrivals}]
    )
    r = borderflow.run(sc, seed=1)
    queue = _ports(r, "queue")
    assert queue.tolist() == [(t + 1) * (arrivals - capacity) for t in range(12)]
    assert _ports(r, "processed").tolist() == [capacity] * 12
    # first in, first out: on day t the people served joined on day floor(60 t / 100)
    waits = _ports(r, "wait_days")
    assert waits[0] == 0.0
    assert waits[-1] == pytest.approx(11 - np.mean([(60 * 11 + k) // 100 for k in range(60)]))


def test_closed_port_queue_goes_back_and_chooses_again() -> None:
    sc = _scenario(
        departures=[{"place": "Port", "start": START, "end": START, "per_day": 500}],
        border={
            "ports": [
                {"place": "Port", "city": "City", "sector": "Sector", "processing_per_day": 0.5, "officers": 20},
                {"place": "Spare Port", "city": "Spare City", "sector": "Sector", "processing_per_day": 10},
            ]
        },
        policies={"close": [{"type": "close_port", "ports": ["Port"], "start": "2024-01-03"}]},
    )
    base = borderflow.run(sc, seed=2)
    closed = borderflow.run(sc, seed=2, policy="close")
    city = closed.places.index("City")
    assert _ports(base, "queue")[-1] > 400  # open: the queue stays
    assert _ports(closed, "closed")[2] == 1
    assert _ports(closed, "queue")[2] == 0  # closed on day 2: everyone leaves the queue...
    assert closed.record.population[2, city] == _ports(closed, "queue")[1]  # ...back to the city


def test_sector_returns_send_the_configured_share_south() -> None:
    n, share = 10_000, 0.3
    sc = _scenario(
        departures=[{"place": "Sector", "start": START, "end": START, "per_day": n}],
        border={"sectors": [{"place": "Sector", "processing_per_day": 1e9, "returned_share": share}]},
    )
    r = borderflow.run(sc, seed=3)
    assert r.border is not None
    returned = r.border.arrays["sector_returned"][0, 0]
    assert abs(returned - n * share) < 5 * np.sqrt(n * share * (1 - share))
    assert r.record.population[0, r.places.index("South")] == returned
    assert r.border.arrays["sector_encounters"][0, 0] == 0  # spawned there, not arrived


def test_staffing_rule_closes_a_port_during_a_surge_and_reopens_it() -> None:
    surge_end = START + dt.timedelta(days=9)
    sc = _scenario(
        days=40,
        departures=[
            {"place": "City", "start": START, "end": surge_end, "per_day": 2000},
            {"place": "Port", "start": START, "end": START + dt.timedelta(days=39), "per_day": 30},
        ],
        border={
            "city_movechance": 1.0,
            "port_weight": 0.0,  # everyone in the city crosses between ports
            "ports": [
                {
                    "place": "Port",
                    "city": "City",
                    "sector": "Sector",
                    "processing_per_day": 60,
                    "officers": 20,
                    "min_officers": 15,
                },
                {
                    "place": "Spare Port",
                    "city": "Spare City",
                    "sector": "Sector",
                    "processing_per_day": 10,
                    "officers": 0,
                },
            ],
            "sectors": [{"place": "Sector", "processing_per_day": 1000, "per_officer_per_day": 50}],
            "staff_rule": {"backlog_threshold": 500, "release_threshold": 100, "officers_per_day": 2},
        },
    )
    r = borderflow.run(sc, seed=4)
    assert r.border is not None
    closed = _ports(r, "closed")
    encounters = r.border.arrays["sector_encounters"][:, 0]
    assert encounters[:10].sum() > 15_000  # the surge of crossings
    first_closed = int(np.argmax(closed))
    assert closed.any(), "the port closes by itself during the surge"
    assert 0 < first_closed < 10
    assert closed[-1] == 0, "and reopens when the surge has passed"
    assert _ports(r, "queue")[first_closed : first_closed + 2].min() == 0  # its queue diverted
    assert _ports(r, "officers")[-1] == 20


# 1,000 people in City; one appointment port taking 100 a day and processing 60 walk-ups
APPOINTMENTS: dict[str, Any] = {
    "departures": [{"place": "City", "start": START, "end": START, "per_day": 1000}],
    "border": {
        "appointments_per_day": 100,
        "ports": [
            {"place": "Port", "city": "City", "sector": "Sector", "processing_per_day": 60, "appointments": True},
            {"place": "Spare Port", "city": "Spare City", "sector": "Sector", "processing_per_day": 10},
        ],
    },
}


def _cities(result: borderflow.Result, field: str, city: str = "City") -> np.ndarray:
    assert result.border is not None
    return result.border.arrays[f"city_{field}"][:, result.border.cities.index(city)]


def test_appointments_are_processed_on_the_day_outside_the_walk_up_queue() -> None:
    sc = _scenario(**APPOINTMENTS)
    r = borderflow.run(sc, seed=5)
    assert _ports(r, "appointments")[:10].tolist() == [100] * 10
    assert _ports(r, "processed")[:10].tolist() == [100] * 10  # beyond the 60 walk-ups a day
    assert _ports(r, "queue").tolist() == [0] * 12  # nobody queues for an appointment
    assert _cities(r, "appointments").tolist() == [100] * 10 + [0, 0]  # the city is empty after day 9
    city = r.places.index("City")
    assert r.record.population[:, city].tolist() == [900 - 100 * t for t in range(10)] + [0, 0]
    assert _cities(r, "overflow")[0] == 1000 - 100 - 300  # 900 waiting, 300 shelter beds


def test_walk_ups_queue_and_appointments_come_besides() -> None:
    walk_ups, capacity = 100, 60
    sc = _scenario(
        **{
            **APPOINTMENTS,
            "departures": [
                *APPOINTMENTS["departures"],
                {"place": "Port", "start": START, "end": START + dt.timedelta(days=11), "per_day": walk_ups},
            ],
        }
    )
    r = borderflow.run(sc, seed=13)
    assert _ports(r, "appointments").tolist() == [100] * 12
    assert _ports(r, "processed").tolist() == [capacity + 100] * 12
    # days 0-9 the appointments go to the city's people; once it is empty, to those at the port
    assert _cities(r, "appointments").tolist() == [100] * 10 + [0, 0]
    queue = [(t + 1) * (walk_ups - capacity) for t in range(10)]
    queue += [queue[-1] + 40 - 100, queue[-1] + 2 * (40 - 100)]
    assert _ports(r, "queue").tolist() == queue
    # the waits are the walk-ups' own while the city fills the appointments: first in, first out
    assert _ports(r, "wait_days")[9] == pytest.approx(9 - np.mean([(60 * 9 + k) // 100 for k in range(60)]))
    # then appointments take the longest waiting, walk-ups the next: 160 from the front of the queue
    assert _ports(r, "wait_days")[10] == pytest.approx(10 - np.mean([(600 + k) // 100 for k in range(160)]))


def test_registered_people_wait_in_the_city_for_their_appointment() -> None:
    sc = _scenario(
        **{
            **APPOINTMENTS,
            "border": {**APPOINTMENTS["border"], "city_movechance": 0.5, "register_share_per_day": 1.0},
        }
    )
    r = borderflow.run(sc, seed=14)
    city = r.places.index("City")
    pop = r.record.population[:, city]
    assert 300 < pop[0] < 500  # about half left on the first day; 100 had an appointment
    # everyone left registered on day 0: from then on nobody moves on, 100 a day are served
    assert _cities(r, "waiting").tolist() == pop.tolist()
    assert np.diff(pop[: int(pop[0]) // 100 + 1]).tolist() == [-100] * (int(pop[0]) // 100)
    assert _cities(r, "population").tolist() == pop.tolist()
    base = borderflow.run(
        _scenario(**{**APPOINTMENTS, "border": {**APPOINTMENTS["border"], "city_movechance": 0.5}}), seed=14
    )
    assert base.record.population[3, city] < 100  # without registering, the city empties by moving on
    assert _cities(base, "waiting").tolist() == [0] * 12


def test_appointments_go_to_the_registered_first() -> None:
    share = 0.5
    sc = _scenario(**{**APPOINTMENTS, "border": {**APPOINTMENTS["border"], "register_share_per_day": share}})
    r = borderflow.run(sc, seed=15)
    waiting, pop = _cities(r, "waiting"), _cities(r, "population")
    assert abs(waiting[0] - 900 * share) < 5 * np.sqrt(900 * share * (1 - share))
    for t in range(1, 9):
        # today's 100 appointments came out of yesterday's registered; the rest of the city may register
        assert waiting[t] >= waiting[t - 1] - 100
        assert waiting[t] - (waiting[t - 1] - 100) <= pop[t - 1] - waiting[t - 1]
    assert (waiting <= pop).all()


def test_a_closed_appointment_port_leaves_the_quota_to_the_open_ones() -> None:
    sc = _scenario(
        departures=[
            {"place": "City", "start": START, "end": START, "per_day": 1000},
            {"place": "Spare City", "start": START, "end": START, "per_day": 1000},
        ],
        border={
            "appointments_per_day": 100,
            "ports": [
                {"place": "Port", "city": "City", "sector": "Sector", "processing_per_day": 60, "appointments": True},
                {
                    "place": "Spare Port",
                    "city": "Spare City",
                    "sector": "Sector",
                    "processing_per_day": 10,
                    "appointments": True,
                },
            ],
        },
        policies={"shut": _capacity_levers((0.0, "2024-01-02", "2024-01-03"))},
    )
    r = borderflow.run(sc, seed=16, policy="shut")
    assert _ports(r, "appointments")[:5].tolist() == [50, 0, 0, 50, 50]
    assert _ports(r, "appointments", "Spare Port")[:5].tolist() == [50, 100, 100, 50, 50]


def test_appointment_quota_policy_scales_the_quota() -> None:
    sc = _scenario(
        **APPOINTMENTS,
        policies={"half": [{"type": "appointment_quota", "factor": 0.5}]},
    )
    r = borderflow.run(sc, seed=6, policy="half")
    assert _ports(r, "appointments")[:3].tolist() == [50, 50, 50]


def test_redeploying_staff_below_minimum_closes_the_port() -> None:
    sc = _scenario(
        departures=[{"place": "Port", "start": START, "end": START + dt.timedelta(days=11), "per_day": 10}],
        border={
            "ports": [
                {
                    "place": "Port",
                    "city": "City",
                    "sector": "Sector",
                    "processing_per_day": 60,
                    "officers": 20,
                    "min_officers": 10,
                },
                {"place": "Spare Port", "city": "Spare City", "sector": "Sector", "processing_per_day": 10},
            ]
        },
        policies={
            "away": [
                {
                    "type": "redeploy_staff",
                    "ports": ["Port"],
                    "officers": 15,
                    "start": "2024-01-04",
                    "end": "2024-01-06",
                }
            ]
        },
    )
    r = borderflow.run(sc, seed=7, policy="away")
    assert _ports(r, "closed").tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert _ports(r, "officers")[3] == 5


def test_closing_an_unused_port_changes_nothing() -> None:
    sc = _scenario(
        departures=[{"place": "City", "start": START, "end": START, "per_day": 1000}],
        border={"city_movechance": 0.2},
        policies={"close-spare": [{"type": "close_port", "ports": ["Spare Port"]}]},
    )
    base = borderflow.run(sc, seed=8)
    other = borderflow.run(sc, seed=8, policy="close-spare")
    assert np.array_equal(base.record.population, other.record.population)
    assert base.border is not None
    assert other.border is not None
    for key in ("port_queue", "sector_encounters", "city_overflow"):
        assert np.array_equal(base.border.arrays[key][:, 0], other.border.arrays[key][:, 0]), key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"border": {"ports": [{"place": "Port", "city": "City", "sector": "Nowhere", "processing_per_day": 1}]}},
            "unknown place 'Nowhere'",
        ),
        ({"border": {"sectors": []}}, "has no entry in border.sectors"),
        ({"border": {"appointments_per_day": -5}}, "greater than or equal to 0"),
        (
            {"border": {"ports": [{"place": "City", "city": "City", "sector": "Sector", "processing_per_day": 1}]}},
            "expected a place of kind port",
        ),
    ],
    ids=["port-unknown-sector", "port-with-no-sector", "negative-quota", "port-is-not-a-port"],
)
def test_bad_border_input_is_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _scenario(**change)


def _capacity_levers(*levers: tuple[float, str, str]) -> list[dict[str, Any]]:
    return [{"type": "port_capacity", "ports": ["Port"], "factor": f, "start": a, "end": b} for f, a, b in levers]


def test_port_capacity_scales_processing_on_its_dates_and_levers_multiply() -> None:
    arrivals, capacity = 100, 60  # a port at full staffing processing 60 a day, 100 arriving a day
    sc = _scenario(
        departures=[{"place": "Port", "start": START, "end": START + dt.timedelta(days=11), "per_day": arrivals}],
        policies={
            # half the lanes closed 3-6 Jan; another half of what is left 5-6 Jan
            "lanes": _capacity_levers((0.5, "2024-01-03", "2024-01-06"), (0.5, "2024-01-05", "2024-01-06")),
        },
    )
    r = borderflow.run(sc, seed=11, policy="lanes")
    processed = [60, 60, 30, 30, 15, 15, 60, 60, 60, 60, 60, 60]
    assert _ports(r, "processed").tolist() == processed
    assert _ports(r, "queue").tolist() == np.cumsum([arrivals - p for p in processed]).tolist()
    assert _ports(r, "closed").tolist() == [0] * 12  # a partial closure keeps the port open
    base = borderflow.run(sc, seed=11)
    assert _ports(base, "processed").tolist() == [capacity] * 12


def test_port_capacity_zero_is_a_closure() -> None:
    sc = _scenario(
        departures=[{"place": "Port", "start": START, "end": START, "per_day": 500}],
        policies={
            "factor-0": _capacity_levers((0.0, "2024-01-03", "2024-01-05")),
            "closed": [{"type": "close_port", "ports": ["Port"], "start": "2024-01-03", "end": "2024-01-05"}],
        },
    )
    by_factor = borderflow.run(sc, seed=12, policy="factor-0")
    by_closure = borderflow.run(sc, seed=12, policy="closed")
    assert _ports(by_factor, "closed").tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert _ports(by_factor, "queue")[2] == 0  # the queue went back to the city to choose again
    assert np.array_equal(by_factor.record.population, by_closure.record.population)
    assert by_factor.border is not None
    assert by_closure.border is not None
    assert _ports(by_factor, "capacity_factor").tolist() == [1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    for key, values in by_factor.border.arrays.items():
        if key != "port_capacity_factor":
            assert np.array_equal(values, by_closure.border.arrays[key]), key


@pytest.mark.parametrize(
    ("lever", "message"),
    [
        ({"ports": ["Nowhere"], "factor": 0.5}, "unknown place 'Nowhere'"),
        ({"ports": ["City"], "factor": 0.5}, r"ports\[0\]: 'City' is not a port of the border section"),
        ({"ports": ["Port"], "factor": -0.5}, "greater than or equal to 0"),
        ({"ports": [], "factor": 0.5}, "at least 1 item"),
    ],
)
def test_port_capacity_input_is_checked(lever: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _scenario(policies={"p": [{"type": "port_capacity", **lever}]})
