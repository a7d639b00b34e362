"""Flee's start_on_foot and avoid_short_stints movement rules (engine/movement.py) on tiny
graphs, with the expected days and counts worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

import borderflow
from rules_kit import assert_binomial, conflict, idx, place, route, scenario, start

# Z (a conflict zone nobody wants to return to) -100 km- A (a town) -50 km- B (a camp nobody leaves).
# Everyone at Z leaves on the day they appear; everyone who reaches A with distance to spare
# goes on to B (A's move chance is 1 and Z's pull is 0).
FOOT = {"conflict_weight": 0.0, "default_movechance": 1.0, "camp_movechance": 0.0, "max_walk_speed": 35.0}


def walk_scenario(on_foot: bool, days: int = 6, conflict_movechance: float = 1.0, n: int = 1000) -> borderflow.Scenario:
    return scenario(
        [place("Z", "conflict"), place("A"), place("B", "camp")],
        [route("Z", "A", 100), route("A", "B", 50)],
        days=days,
        move={**FOOT, "start_on_foot": on_foot, "conflict_movechance": conflict_movechance},
        conflicts=[conflict("Z")],
        departures=[start("Z", n, 0)],
    )


def test_without_start_on_foot_the_first_hop_is_at_max_move_speed() -> None:
    rec = borderflow.run(walk_scenario(False), seed=0).record
    np.testing.assert_array_equal(rec.population[:, 2], [1000] * 6)  # Z -> A -> B on day 0


def test_the_first_hop_is_walked_and_the_next_is_not() -> None:
    # Z -> A walked at 35 km a day: 35, 70, then 105 > 100 on day 2 (floor(100 / 35) + 1 = 3 days),
    # arriving with 30 km covered that day, less than 35: they go on at once, at 360 km a day,
    # and A -> B (50 km) ends the same day.
    sc = walk_scenario(True)
    rec = borderflow.run(sc, seed=0).record
    a, b = idx(sc, "A"), idx(sc, "B")
    np.testing.assert_array_equal(rec.in_transit[:, a], [1000, 1000, 0, 0, 0, 0])
    np.testing.assert_array_equal(rec.arrivals[:, a], [0, 0, 1000, 0, 0, 0])
    np.testing.assert_array_equal(rec.population[:, b], [0, 0, 1000, 1000, 1000, 1000])


def test_people_who_stay_keep_walking_their_first_hop_when_they_leave() -> None:
    # Z's move chance 0.5: whoever leaves on day t walks and reaches A on day t + 2
    sc = walk_scenario(True, days=12, conflict_movechance=0.5, n=100_000)
    rec = borderflow.run(sc, seed=2).record
    z, a = idx(sc, "Z"), idx(sc, "A")
    left = rec.departures[:, z]
    assert left[0] > 0
    assert left[1] > 0  # some stayed on day 0 and left later
    np.testing.assert_array_equal(rec.arrivals[2:, a], left[:-2])
    assert_binomial(int(left[0]), 100_000, 0.5, "day-0 leavers")


def test_only_people_who_appeared_walk() -> None:
    # people already at A (they arrived there) leave at max_move_speed: A -> B the same day
    sc = scenario(
        [place("Z", "conflict"), place("A"), place("B", "camp")],
        [route("Z", "A", 400), route("A", "B", 50)],
        days=14,
        move={**FOOT, "start_on_foot": True, "default_movechance": 0.5},
        conflicts=[conflict("Z")],
        departures=[start("Z", 1000, 0)],
    )
    rec = borderflow.run(sc, seed=1).record
    a, b = idx(sc, "A"), idx(sc, "B")
    # 400 km walked: floor(400 / 35) + 1 = 12 days, arriving on day 11 with 15 km covered that day
    np.testing.assert_array_equal(rec.arrivals[:12, a], [0] * 11 + [1000])
    assert rec.in_transit[:, b].sum() == 0  # the 50 km hop never takes a night
    assert rec.arrivals[11:, b].sum() == 1000 - rec.population[-1, a]


# ----- avoid_short_stints ---------------------------------------------------------------------
# S (a conflict zone nobody returns to) -> A (a town) -> C (a camp nobody leaves). People who
# reach A at the end of their plan with distance to spare decide again: with the town's move
# chance 0.3, or 1 under avoid_short_stints when they covered less than max_move_speed today.
def stint_scenario(avoid: bool, km: float, link_speed: float | None = None) -> borderflow.Scenario:
    extra = {} if link_speed is None else {"max_move_speed": link_speed}
    return scenario(
        [place("S", "conflict"), place("A"), place("C", "camp")],
        [route("S", "A", km, **extra), route("A", "C", 100)],
        days=1,
        move={"conflict_weight": 0.0, "camp_movechance": 0.0, "conflict_movechance": 1.0, "avoid_short_stints": avoid},
        conflicts=[conflict("S")],
        departures=[start("S", 100_000, 0)],
    )


def test_without_avoid_short_stints_a_town_keeps_its_move_chance() -> None:
    rec = borderflow.run(stint_scenario(False, 100), seed=3).record
    assert_binomial(int(rec.population[0, 1]), 100_000, 0.7, "people staying at A")


def test_a_short_stint_at_a_town_is_avoided() -> None:
    # 100 km covered today, less than 360: everyone at A goes on to C the same day
    rec = borderflow.run(stint_scenario(True, 100), seed=3).record
    np.testing.assert_array_equal(rec.population[0], [0, 0, 100_000])


@pytest.mark.parametrize(("km", "forced"), [(359.0, True), (400.0, False)])
def test_the_stint_is_short_below_max_move_speed(km: float, forced: bool) -> None:
    # S -> A on a road of 500 km a day: 400 km leaves distance to spare but is not short
    rec = borderflow.run(stint_scenario(True, km, link_speed=500.0), seed=3).record
    if forced:
        assert rec.population[0, 1] == 0
    else:
        assert_binomial(int(rec.population[0, 1]), 100_000, 0.7, "people staying at A")


def test_a_camp_is_no_town_for_avoid_short_stints() -> None:
    # S -> C directly (camp, move chance 0.5): people arriving with distance to spare keep it
    sc = scenario(
        [place("S", "conflict"), place("C", "camp"), place("D", "camp")],
        [route("S", "C", 100), route("C", "D", 1000)],  # D is days away: nobody comes back today
        days=1,
        move={"conflict_weight": 0.0, "camp_movechance": 0.5, "avoid_short_stints": True},
        conflicts=[conflict("S")],
        departures=[start("S", 100_000, 0)],
    )
    rec = borderflow.run(sc, seed=3).record
    assert_binomial(int(rec.population[0, 1]), 100_000, 0.5, "people staying at C")
