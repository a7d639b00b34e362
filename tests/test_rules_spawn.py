"""Who enters the simulation, when and where: data-driven spawning and departures."""

from __future__ import annotations

import numpy as np
import pytest

import borderflow
from borderflow.engine.world import compile_world
from borderflow.scenario.model import ObservationPoint
from rules_kit import (
    assert_binomial,
    assert_multinomial,
    conflict,
    day,
    idx,
    normalise,
    observed,
    place,
    scenario,
    simulation,
    start,
)

# K1: 100 until day 2, then +20 a day to 160 on day 5.  K2: 50 falling by 20 a day to 10.
# Summed: 150 130 110 130 150 170 170 170 -> changes 0 -20 -20 +20 +20 +20 0 0.
# The falls are a debt of 40 repaid by the rises of days 3 and 4: new people only on day 5.
OBS = [observed("K1", [(0, 100), (2, 100), (5, 160)]), observed("K2", [(0, 50), (2, 10)])]


def camps_scenario(days: int = 8, **spawn: object) -> borderflow.Scenario:
    return scenario(
        [place("Z", "conflict", population=1000), place("K1", "camp"), place("K2", "camp")],
        days=days,
        spawn={"data_driven": True, **spawn},
        observations=OBS,
        conflicts=[conflict("Z")],
    )


def test_new_people_are_the_change_in_summed_observations_with_debt() -> None:
    world = compile_world(camps_scenario())
    np.testing.assert_array_equal(world.obs.sum(axis=1), [150, 130, 110, 130, 150, 170, 170, 170])
    np.testing.assert_array_equal(world.spawn_total, [0, 0, 0, 0, 0, 20, 0, 0])
    np.testing.assert_array_equal(world.day0, [0, 100, 50])
    rec = borderflow.run(camps_scenario(), seed=1).record
    np.testing.assert_array_equal(rec.new.sum(axis=1), world.spawn_total)
    assert rec.new[:, idx(camps_scenario(), "Z")].sum() == 20  # the only conflict zone


def test_without_insert_day0_the_day0_count_is_spawned_instead() -> None:
    world = compile_world(camps_scenario(insert_day0=False))
    np.testing.assert_array_equal(world.spawn_total, [150, 0, 0, 0, 0, 20, 0, 0])
    np.testing.assert_array_equal(world.day0, [0, 0, 0])


def test_empty_camps_on_day0_counts_every_series_from_its_day0_value() -> None:
    """Flee's newer `empty_camps_on_day0`: nobody is placed on day 0, and the observations
    (summed: 150 130 110 130 150 170 170 170) are counted from day 0's: 0 -20 -40 -20 0 20 20 20.
    Changes 0 -20 -20 +20 +20 +20 0 0 as before, so the same 20 people appear on day 5 only."""
    world = compile_world(camps_scenario(empty_camps_on_day0=True))
    np.testing.assert_array_equal(world.obs[:, 0], [0, 0, 0, 20, 40, 60, 60, 60])  # K1 - 100
    np.testing.assert_array_equal(world.obs[:, 1], [0, -20, -40, -40, -40, -40, -40, -40])  # K2 - 50
    np.testing.assert_array_equal(world.day0, [0, 0, 0])
    np.testing.assert_array_equal(world.spawn_total, [0, 0, 0, 0, 0, 20, 0, 0])
    rec = borderflow.run(camps_scenario(empty_camps_on_day0=True), seed=1).record
    assert rec.population[0].sum() == 0
    assert rec.population[-1].sum() == 20


def test_empty_camps_on_day0_counts_the_total_file_from_day0_too() -> None:
    sc = scenario(
        [place("Z", "conflict", population=1), place("K", "camp")],
        days=4,
        spawn={"data_driven": True, "sum_from_camps": False, "empty_camps_on_day0": True, "insert_day0": False},
        observations=[observed("K", [(0, 10)])],
        total_observed=[ObservationPoint(date=day(0), count=100), ObservationPoint(date=day(3), count=160)],
        conflicts=[conflict("Z")],
    )
    world = compile_world(sc)
    # without insert_day0 day 0's count is spawned, but counted from day 0 it is 0
    np.testing.assert_array_equal(world.spawn_total, [0, 20, 20, 20])
    np.testing.assert_array_equal(world.obs[:, 0], [0, 0, 0, 0])
    np.testing.assert_array_equal(world.day0, [0, 0])


def test_observations_are_interpolated_and_truncated() -> None:
    sc = scenario(
        [place("Z", "conflict", population=1), place("K", "camp")],
        days=6,
        spawn={"data_driven": True},
        observations=[observed("K", [(1, 4), (4, 14)])],  # 4 before day 1, 14 after day 4
        conflicts=[conflict("Z")],
    )
    world = compile_world(sc)
    np.testing.assert_array_equal(world.obs[:, 0], [4, 4, 7, 10, 14, 14])  # 7.33 -> 7, 10.67 -> 10
    np.testing.assert_array_equal(world.spawn_total, [0, 0, 3, 3, 4, 0])


def test_total_observed_drives_spawning_when_not_summing_camps() -> None:
    sc = scenario(
        [place("Z", "conflict", population=1), place("K", "camp")],
        days=4,
        spawn={"data_driven": True, "sum_from_camps": False},
        observations=[observed("K", [(0, 10)])],
        total_observed=[ObservationPoint(date=day(0), count=100), ObservationPoint(date=day(3), count=160)],
        conflicts=[conflict("Z")],
    )
    world = compile_world(sc)
    np.testing.assert_array_equal(world.spawn_total, [0, 20, 20, 20])
    np.testing.assert_array_equal(world.day0, [0, 10])


def test_hasten_divides_counts() -> None:
    sc = scenario(
        [place("Z", "conflict", population=100), place("K", "camp", capacity=2005)],
        days=5,
        hasten=10,
        spawn={"data_driven": True},
        observations=[observed("K", [(0, 1000), (4, 1405)])],  # 100, 110.1, 120.25, 130.4, 140.5 units
        conflicts=[conflict("Z")],
    )
    world = compile_world(sc)
    np.testing.assert_array_equal(world.spawn_total, [0, 10, 10, 10, 10])
    np.testing.assert_array_equal(world.day0, [0, 100])
    assert world.capacity[1] == 200
    result = borderflow.run(sc, seed=0)
    np.testing.assert_array_equal(result.series("population"), result.record.population * 10)
    assert result.series("population")[-1].sum() == 1400


def test_insert_day0_fills_camps_only() -> None:
    sc = scenario(
        [place("Z", "conflict", population=1), place("K", "camp"), place("I", "idpcamp"), place("T")],
        days=2,
        spawn={"data_driven": True},
        observations=[observed("K", [(0, 500)]), observed("I", [(0, 70)]), observed("T", [(0, 300)])],
        conflicts=[conflict("Z")],
    )
    world = compile_world(sc)
    np.testing.assert_array_equal(world.day0, [0, 500, 70, 0])
    assert world.spawn_total.sum() == 0


# ----- where new people appear -----------------------------------------------------------
def spawn_places_scenario(t_jump: int, n: int, days: int = 201) -> borderflow.Scenario:
    # Z1 from day 0; Z2 from day 20 at intensity 0.5; Z3 from day 0 to day 40; T never.
    # Observed camp K jumps by n on day t_jump: n new people that day.
    points = [(0, 0)] if t_jump == 0 else [(0, 0), (t_jump - 1, 0)]
    return scenario(
        [
            place("Z1", "conflict", population=1000),
            place("Z2", "conflict", population=3000),
            place("Z3", "town", population=2000),
            place("T", population=5000),
            place("K", "camp"),
        ],
        days=days,
        spawn={"data_driven": True, "conflict_spawn_decay": [1.0, 0.5, 0.25]},
        observations=[observed("K", [*points, (t_jump, n)])],
        conflicts=[conflict("Z1", 0), conflict("Z2", 20, intensity=0.5), conflict("Z3", 0, 40)],
    )


@pytest.mark.parametrize(
    ("t", "weights"),
    [
        (0, [1000, 0, 2000, 0, 0]),
        (29, [1000, 1500, 2000, 0, 0]),  # decay steps every 30 days since the conflict began
        (30, [500, 1500, 1000, 0, 0]),
        (49, [500, 1500, 0, 0, 0]),  # Z3's conflict ended on day 40
        (50, [500, 750, 0, 0, 0]),
        (60, [250, 750, 0, 0, 0]),
        (200, [250, 375, 0, 0, 0]),  # the last factor holds
    ],
)
def test_spawn_weights_are_population_times_intensity_times_decay(t: int, weights: list[float]) -> None:
    sim = simulation(spawn_places_scenario(5, 10))
    sim.movement.start_day(t)
    np.testing.assert_allclose(sim.movement.spawn_weight, weights)


def test_new_people_are_placed_by_spawn_weight() -> None:
    n = 300_000
    sc = spawn_places_scenario(30, n, days=31)
    rec = borderflow.run(sc, seed=12).record
    assert rec.new[:30].sum() == 0
    assert rec.new[30].sum() == n
    assert_multinomial(rec.new[30, :3], normalise([500, 1500, 1000]), "spawn places")
    assert rec.new[30, 3:].sum() == 0


def test_hasten_divides_resident_population() -> None:
    sc = spawn_places_scenario(5, 10).with_hasten(1000)
    sim = simulation(sc)
    sim.movement.start_day(0)
    np.testing.assert_allclose(sim.movement.spawn_weight, [1, 0, 2, 0, 0])


def test_people_owed_before_any_conflict_appear_when_one_begins() -> None:
    # K grows by 20 a day on days 1-5 but the only conflict zone starts on day 3: the 40
    # people of days 1-2 have nowhere to appear yet and must appear on day 3, not vanish.
    sc = scenario(
        [place("Z", "conflict", population=10), place("K", "camp")],
        days=8,
        spawn={"data_driven": True},
        observations=[observed("K", [(0, 0), (5, 100)])],
        conflicts=[conflict("Z", 3)],
    )
    world = compile_world(sc)
    np.testing.assert_array_equal(world.spawn_total, [0, 20, 20, 20, 20, 20, 0, 0])
    rec = borderflow.run(sc, seed=0).record
    np.testing.assert_array_equal(rec.new[:, 0], [0, 0, 0, 60, 20, 20, 0, 0])


# ----- departures (native spawn) ----------------------------------------------------------
def test_departures_draw_their_fractional_part() -> None:
    days = 4000
    sc = scenario(
        [place("P"), place("Q")],
        days=days,
        departures=[start("P", 7.25, 0, days - 1), start("Q", 0.3, 100, 2099)],
    )
    rec = borderflow.run(sc, seed=5).record
    p = rec.new[:, 0]
    assert set(np.unique(p).tolist()) == {7, 8}
    assert_binomial(int((p == 8).sum()), days, 0.25, "P's extra person")
    q = rec.new[:, 1]
    assert q[:100].sum() == 0
    assert q[2100:].sum() == 0
    assert set(np.unique(q[100:2100]).tolist()) == {0, 1}
    assert_binomial(int(q.sum()), 2000, 0.3, "Q's people")


def test_departures_are_divided_by_hasten_and_whole_numbers_are_exact() -> None:
    sc = scenario(
        [place("P"), place("Q")], days=10, hasten=10, departures=[start("P", 70.0, 2, 5), start("Q", 75, 0, 9)]
    )
    rec = borderflow.run(sc, seed=5).record
    np.testing.assert_array_equal(rec.new[:, 0], [0, 0, 7, 7, 7, 7, 0, 0, 0, 0])
    assert set(np.unique(rec.new[:, 1]).tolist()) <= {7, 8}
