"""Flee's newer spawning rules (engine/conflict_spawning.py) on tiny graphs, with the
expected counts worked out by hand: conflict-driven spawning in its three modes,
take_from_population, and the decay interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

import borderflow
from borderflow.engine.streams import Streams
from borderflow.engine.world import compile_world
from borderflow.scenario.model import SpawnRules
from rules_kit import assert_binomial, conflict, idx, observed, place, route, scenario, simulation

# Z1: conflict from day 0 at intensity 1; Z2: from day 2 to day 5 (exclusive) at intensity 0.5;
# T: never. Nobody moves (every place is a camp people never leave), so each day's new people
# stay where they appeared. K is observed jumping by 900 on day 3: data-driven spawning would
# spawn them, conflict-driven spawning does not.
MOVE = {"camp_movechance": 0.0, "conflict_movechance": 0.0, "default_movechance": 0.0}


def zones(mode: str, rate: float | None, days: int = 7, **spawn: object) -> borderflow.Scenario:
    cds: dict[str, object] = {"spawn_mode": mode}
    if rate is not None:
        cds["displaced_per_conflict_day"] = rate
    return scenario(
        [
            place("Z1", "conflict", population=1000),
            place("Z2", "conflict", population=3000),
            place("T", population=5000),
            place("K", "camp"),
        ],
        [route("Z1", "K", 50), route("Z2", "K", 50), route("T", "K", 50)],
        days=days,
        move=MOVE,
        spawn={"data_driven": True, "conflict_driven_spawning": cds, **spawn},
        observations=[observed("K", [(0, 100), (2, 100), (3, 1000)])],
        conflicts=[conflict("Z1"), conflict("Z2", 2, 5, intensity=0.5)],
    )


def test_constant_mode_spawns_rate_times_intensity_at_each_conflict_zone() -> None:
    # Z1: floor(7 x 1) = 7 a day; Z2: floor(7 x 0.5) = 3 on days 2, 3, 4; T and K: none
    rec = borderflow.run(zones("constant", 7), seed=1).record
    np.testing.assert_array_equal(rec.new[:, 0], [7] * 7)
    np.testing.assert_array_equal(rec.new[:, 1], [0, 0, 3, 3, 3, 0, 0])
    assert rec.new[:, 2:].sum() == 0
    np.testing.assert_array_equal(rec.population[-1], [49, 9, 0, 100])  # K keeps its day-0 count


def test_conflict_driven_spawning_replaces_data_driven_spawning() -> None:
    world = compile_world(zones("constant", 7))
    assert world.spawn_total.sum() == 0  # K's jump of 900 spawns nobody
    np.testing.assert_array_equal(world.day0, [0, 0, 0, 100])  # insert_day0 still fills camps


def test_pop_ratio_mode_spawns_a_share_of_residents_times_intensity() -> None:
    # Z1: floor(0.01 x 1000 x 1) = 10 a day; Z2: floor(0.01 x 3000 x 0.5) = 15 on days 2-4
    rec = borderflow.run(zones("pop_ratio", 0.01), seed=1).record
    np.testing.assert_array_equal(rec.new[:, 0], [10] * 7)
    np.testing.assert_array_equal(rec.new[:, 1], [0, 0, 15, 15, 15, 0, 0])
    assert rec.new[:, 2:].sum() == 0


def test_pop_ratio_with_take_from_population_spawns_from_what_is_left() -> None:
    # Z1's residents: 1000 -> spawn floor(10.00)=10 -> 990 -> floor(9.90)=9 -> 981
    #   -> floor(9.81)=9 -> 972 -> floor(9.72)=9 -> 963 -> floor(9.63)=9 -> 954 -> floor(9.54)=9 -> 945
    #   -> floor(9.45)=9 -> 936.
    # Z2's: 3000 -> floor(15.00)=15 -> 2985 -> floor(14.925)=14 -> 2971 -> floor(14.855)=14 -> 2957.
    sc = zones("pop_ratio", 0.01, take_from_population=True)
    sim = simulation(sc, seed=1)
    rec = sim.run()
    np.testing.assert_array_equal(rec.new[:, 0], [10, 9, 9, 9, 9, 9, 9])
    np.testing.assert_array_equal(rec.new[:, 1], [0, 0, 15, 14, 14, 0, 0])
    np.testing.assert_array_equal(sim.movement.residents, [936, 2957, 5000, 0])  # T spawned nobody: untouched


def test_pop_ratio_counts_residents_in_simulated_units() -> None:
    # hasten 10: Z1 has 100 units of residents -> floor(0.01 x 100) = 1 unit (10 people) a day
    sc = zones("pop_ratio", 0.01).with_hasten(10)
    result = borderflow.run(sc, seed=1)
    np.testing.assert_array_equal(result.record.new[:, 0], [1] * 7)
    np.testing.assert_array_equal(result.series("new")[:, 0], [10] * 7)


def test_take_from_population_never_leaves_fewer_than_no_residents() -> None:
    # constant mode spawns 7 a day whatever the residents; Z1's 1000 residents at hasten 100
    # are 10 units: 10 -> 3 -> 0 -> 0 ...
    sc = zones("constant", 7, take_from_population=True).with_hasten(100)
    sim = simulation(sc, seed=1)
    rec = sim.run()
    np.testing.assert_array_equal(rec.new[:, 0], [7] * 7)
    assert sim.movement.residents[0] == 0


def test_poisson_mode_draws_from_its_own_stream_with_mean_rate_times_intensity() -> None:
    # Z1: Poisson(4 x 1) a day; Z2: Poisson(4 x 0.5) on days 2-4. The draws are the component's
    # stream, in place order, one call per day: the same numbers drawn here directly.
    days = 7
    rec = borderflow.run(zones("poisson", 4, days=days), seed=3).record
    rng = Streams(3)["spawn:conflict_driven"]
    expected = np.zeros((days, 2), dtype=np.int64)
    for t in range(days):
        means = [4.0, 2.0] if 2 <= t < 5 else [4.0]
        expected[t, : len(means)] = rng.poisson(means)
    np.testing.assert_array_equal(rec.new[:, :2], expected)


def test_poisson_mode_has_the_poisson_law() -> None:
    days = 4000
    sc = scenario(
        [place("Z", "conflict", population=10)],
        days=days,
        move=MOVE,
        spawn={"conflict_driven_spawning": {"spawn_mode": "Poisson", "displaced_per_conflict_day": 4}},
        conflicts=[conflict("Z", intensity=0.5)],
    )
    new = borderflow.run(sc, seed=9).record.new[:, 0]
    assert_binomial(int((new == 0).sum()), days, math.exp(-2.0), "days without anyone spawned")
    assert_binomial(int((new == 2).sum()), days, 2.0 * math.exp(-2.0), "days with two spawned")
    assert abs(new.mean() - 2.0) <= 5 * math.sqrt(2.0 / days)


@pytest.mark.parametrize("mode", ["constant", "pop_ratio"])
def test_constant_and_pop_ratio_counts_are_not_random(mode: str) -> None:
    runs = [borderflow.run(zones(mode, 7 if mode == "constant" else 0.01), seed=s).record.new for s in (1, 2, 3)]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])


def test_flee_defaults_for_the_rate() -> None:
    assert SpawnRules.model_validate({"conflict_driven_spawning": {"spawn_mode": "pop_ratio"}}).conflict_driven_spawning
    cds = SpawnRules.model_validate({"conflict_driven_spawning": {}}).conflict_driven_spawning
    assert cds is not None
    assert (cds.spawn_mode, cds.rate) == ("constant", 500.0)
    cds = SpawnRules.model_validate({"conflict_driven_spawning": {"spawn_mode": "pop_ratio"}}).conflict_driven_spawning
    assert cds is not None
    assert cds.rate == 0.01


@pytest.mark.parametrize("bad", [{"spawn_mode": "linear"}, {"displaced_per_conflict_day": -1}, {"rate": 3}])
def test_bad_conflict_driven_settings_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="conflict_driven_spawning"):
        SpawnRules.model_validate({"conflict_driven_spawning": bad})


# ----- decay interval ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("t", "weight"),
    [(0, 1000), (9, 1000), (10, 500), (19, 500), (20, 250), (500, 250)],  # index = min(t // 10, 2)
)
def test_decay_steps_every_interval_days_since_the_conflict_began(t: int, weight: float) -> None:
    sc = scenario(
        [place("Z", "conflict", population=1000), place("K", "camp")],
        days=501,
        spawn={"data_driven": True, "conflict_spawn_decay": [1.0, 0.5, 0.25], "conflict_spawn_decay_interval": 10},
        observations=[observed("K", [(0, 0)])],
        conflicts=[conflict("Z")],
    )
    sim = simulation(sc)
    sim.movement.start_day(t)
    assert sim.movement.spawn_weight[idx(sc, "Z")] == weight


def test_decay_does_not_scale_conflict_driven_counts() -> None:
    # Flee applies the decay list to data-driven spawn weights only
    rec = borderflow.run(zones("constant", 7, conflict_spawn_decay=[1.0, 0.1], conflict_spawn_decay_interval=1), seed=1)
    np.testing.assert_array_equal(rec.record.new[:, 0], [7] * 7)


def test_a_decay_interval_below_one_day_is_rejected() -> None:
    with pytest.raises(ValueError, match="conflict_spawn_decay_interval"):
        SpawnRules.model_validate({"conflict_spawn_decay_interval": 0})
