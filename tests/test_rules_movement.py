"""Flee's movement rules, one at a time, on small hand-built graphs.

Expectations are derived by hand (exact counts) or from exact probabilities (binomial and
multinomial draws checked at 5 standard deviations, see rules_kit). Seeds are fixed.
Reading the record: `departures` counts people leaving a place by their own decision,
`in_transit[t, X]` people on a link towards X at the end of day t, `arrivals` people
reaching the end of their chosen path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import borderflow
from borderflow.engine.movement import _merge_groups
from borderflow.engine.simulation import DailyRecord, Simulation
from borderflow.engine.world import compile_world
from borderflow.scenario.model import Scenario
from rules_kit import (
    assert_binomial,
    assert_multinomial,
    closure,
    conflict,
    idx,
    multinomial_ok,
    normalise,
    observed,
    place,
    route,
    scenario,
    simulation,
    start,
)


def record(sc: Scenario, seed: int = 0) -> DailyRecord:
    return borderflow.run(sc, seed=seed).record


# ----- move chance ------------------------------------------------------------------------
MOVE = {
    "default_movechance": 0.37,
    "camp_movechance": 0.05,
    "idpcamp_movechance": 0.21,
    "conflict_movechance": 0.83,
    "max_move_speed": 100,
}


@pytest.mark.parametrize(
    ("kind", "active", "p"),
    [
        ("town", False, 0.37),
        ("camp", False, 0.05),
        ("idpcamp", False, 0.21),
        ("conflict", True, 0.83),
        ("conflict", False, 0.37),  # a conflict place whose conflict has not begun is a town
        ("town", True, 0.83),  # any place with an active conflict is a conflict zone
        ("camp", True, 0.83),
        ("marker", False, 1.0),
        ("forward", False, 1.0),
    ],
)
def test_move_chance_by_kind(kind: str, active: bool, p: float) -> None:
    n = 200_000
    sc = scenario(
        [place("X", kind), place("K", "camp")],
        [route("X", "K", 1000)],  # 11 days at 100 km/day: nobody arrives anywhere on day 0
        days=1,
        move=MOVE,
        departures=[start("X", n)],
        conflicts=[conflict("X")] if active else [],
    )
    rec = record(sc, seed=11)
    x, k = idx(sc, "X"), idx(sc, "K")
    assert rec.new[0, x] == n
    assert_binomial(int(rec.departures[0, x]), n, p, f"{kind} leavers")
    assert rec.in_transit[0, k] == rec.departures[0, x]
    assert rec.population[0, x] == n - rec.departures[0, x]


def test_move_chance_is_drawn_again_every_day() -> None:
    # people who stayed draw again the next day: leavers on day t ~ Bin(stayers, p)
    n, p = 100_000, 0.37
    sc = scenario(
        [place("X"), place("K", "camp")], [route("X", "K", 1000)], days=4, move=MOVE, departures=[start("X", n)]
    )
    rec = record(sc, seed=5)
    x = idx(sc, "X")
    stay = n
    for t in range(4):
        assert_binomial(int(rec.departures[t, x]), stay, p, f"day {t}")
        stay -= int(rec.departures[t, x])
        assert rec.population[t, x] == stay


# ----- route choice, awareness level 1 ----------------------------------------------------
CHOICE_RULES = {
    "max_move_speed": 10,  # every link takes days: day-t choices are read off in_transit[t]
    "default_movechance": 1.0,
    "foreign_weight": 1.7,
    "camp_weight": 3.0,
    "conflict_weight": 0.25,
    "softening": 10.0,
    "weight_softening": 0.5,
    "distance_power": 1.3,
    "weight_power": 0.8,
}
# destination: (kind, country, km); O is in the home country H (the first place's)
DESTS = {
    "A": ("town", "H", 50.0),
    "B": ("camp", "F", 120.0),
    "C": ("town", "H", 80.0),  # a conflict zone of intensity 2 from day 0
    "D": ("town", "F", 200.0),
    "E": ("idpcamp", "H", 30.0),
}
DECAY = [0.7, 0.2]  # conflict_spawn_decay: factor for days 0-29, then 30 onwards


def choice_scenario(t_depart: int, n: int, **move: Any) -> Scenario:
    places = [place("O"), *(place(name, kind, country) for name, (kind, country, _) in DESTS.items())]
    routes = [route("O", name, km) for name, (_, _, km) in DESTS.items()]
    return scenario(
        places,
        routes,
        days=t_depart + 1,
        move={**CHOICE_RULES, **move},
        spawn={"conflict_spawn_decay": DECAY},
        departures=[start("O", n, t_depart)],
        conflicts=[conflict("C", 0, intensity=2.0)],
    )


def flee_weights(decay: float, *, foreign: bool = True, power: bool = True, soft: bool = True) -> np.ndarray[Any, Any]:
    """Route weights written out from the rule: [(ws + score) / (softening + km)^dp]^wp."""
    r = CHOICE_RULES
    out = []
    for name, (kind, country, km) in DESTS.items():
        score = 1.0
        if country != "H" and foreign:
            score *= r["foreign_weight"]
        if kind in ("camp", "idpcamp"):
            score *= r["camp_weight"]
        if name == "C":
            score *= r["conflict_weight"] ** (decay * 2.0)
        ws = r["weight_softening"] if soft else 0.0
        w = (ws + score) / (r["softening"] + km) ** r["distance_power"]
        out.append(w ** r["weight_power"] if power else w)
    return normalise(out)


@pytest.mark.parametrize(("t_depart", "decay"), [(0, DECAY[0]), (30, DECAY[1])])
def test_route_choice_matches_exact_probabilities(t_depart: int, decay: float) -> None:
    n = 400_000
    sc = choice_scenario(t_depart, n)
    rec = record(sc, seed=21)
    assert rec.departures[t_depart, idx(sc, "O")] == n
    counts = np.array([rec.in_transit[t_depart, idx(sc, name)] for name in DESTS])
    assert counts.sum() == n
    assert_multinomial(counts, flee_weights(decay), f"day {t_depart}")
    # the sample is large enough to tell each ingredient of the rule apart
    other_decay = DECAY[1] if decay == DECAY[0] else DECAY[0]
    assert not multinomial_ok(counts, flee_weights(other_decay))
    assert not multinomial_ok(counts, flee_weights(decay, foreign=False))
    assert not multinomial_ok(counts, flee_weights(decay, power=False))
    assert not multinomial_ok(counts, flee_weights(decay, soft=False))


def test_awareness_0_picks_a_neighbouring_link_uniformly() -> None:
    n = 200_000
    sc = choice_scenario(0, n, awareness_level=0)
    rec = record(sc, seed=22)
    counts = np.array([rec.in_transit[0, idx(sc, name)] for name in DESTS])
    assert counts.sum() == n
    assert_multinomial(counts, np.full(len(DESTS), 1 / len(DESTS)), "awareness 0")


def test_all_zero_weights_choose_uniformly() -> None:
    # both neighbours are conflict zones with conflict_weight 0: every weight is 0
    n = 100_000
    sc = scenario(
        [place("O"), place("C1"), place("C2")],
        [route("O", "C1", 20), route("O", "C2", 900)],
        days=1,
        move={"conflict_weight": 0.0, "default_movechance": 1.0, "max_move_speed": 10},
        departures=[start("O", n)],
        conflicts=[conflict("C1"), conflict("C2")],
    )
    rec = record(sc, seed=3)
    assert_multinomial([rec.in_transit[0, 1], rec.in_transit[0, 2]], [0.5, 0.5], "uniform")


def test_low_default_movechance_makes_towns_camps() -> None:
    # default_movechance < 0.005: a town is treated as a camp (scored with camp_weight); a
    # conflict-kind place without conflict is not a town and keeps score 1
    n = 100_000
    sc = scenario(
        [place("O", "conflict"), place("T"), place("Q", "conflict")],
        [route("O", "T", 40), route("O", "Q", 40)],
        days=1,
        move={"default_movechance": 0.004, "camp_weight": 3.0, "conflict_movechance": 1.0, "max_move_speed": 10},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
    )
    rec = record(sc, seed=4)
    assert_multinomial([rec.in_transit[0, 1], rec.in_transit[0, 2]], [0.75, 0.25], "town-as-camp")


# ----- awareness level 2: multi-hop plans -------------------------------------------------
def test_people_follow_a_two_hop_plan() -> None:
    # O -50- A -250- B at 100 km/day, awareness 2. From O the paths are O>A (60 km with
    # softening) and O>A>B (310 km). A and B are camps nobody leaves (camp_movechance 0):
    # whoever planned O>A stops at A; whoever planned O>A>B walks through A anyway.
    n = 300_000
    sc = scenario(
        [place("O", "conflict"), place("A", "camp"), place("B", "camp")],
        [route("O", "A", 50), route("A", "B", 250)],
        days=4,
        move={"awareness_level": 2, "max_move_speed": 100, "camp_movechance": 0.0, "camp_weight": 2.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
    )
    rec = record(sc, seed=8)
    o, a, b = idx(sc, "O"), idx(sc, "A"), idx(sc, "B")
    n_a, n_b = int(rec.population[0, a]), int(rec.in_transit[0, b])
    assert rec.departures[0, o] == n
    assert n_a + n_b == n
    assert_multinomial([n_a, n_b], normalise([2 / 60, 2 / 310]), "plans")
    # everyone arrives at A on day 0 (passing through counts); only the O>A planners stay.
    # A>B takes floor(250/100)+1 = 3 days from day 0
    assert rec.arrivals[0, a] == n
    assert rec.departures[0, a] == 0
    assert rec.in_transit[1, b] == n_b
    assert rec.population[1, b] == 0
    assert rec.arrivals[2, b] == n_b
    assert rec.population[2, b] == n_b
    assert rec.in_transit[2].sum() == 0
    assert rec.population[3, a] == n_a


def test_people_resting_mid_plan_are_counted_where_they_rest() -> None:
    # O -150- M1 -100- M2 -300- K, M1 and M2 markers, 200 km/day: the only path is O>M1>M2>K.
    # Day 0: 150 km to M1 (50 to spare), then 100 km to M2 (250 > 200): the night at M2.
    # Day 1: onto M2>K (300 km: floor(300/200)+1 = 2 days), arriving on day 2.
    n = 1_000
    sc = scenario(
        [place("O", "conflict"), place("M1", "marker"), place("M2", "marker"), place("K", "camp")],
        [route("O", "M1", 150), route("M1", "M2", 100), route("M2", "K", 300)],
        days=3,
        move={"max_move_speed": 200, "camp_movechance": 0.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
    )
    rec = record(sc, seed=1)
    m2, k = idx(sc, "M2"), idx(sc, "K")
    assert rec.population[0, m2] == n  # at M2 for the night (Flee counts them there)
    assert rec.in_transit[0].sum() == 0
    assert rec.population[1, m2] == 0
    assert rec.in_transit[1, k] == n
    assert rec.arrivals[2, k] == n
    assert rec.population[2, k] == n
    # the record accounts for everyone every day
    np.testing.assert_array_equal(rec.population.sum(axis=1) + rec.in_transit.sum(axis=1), [n, n, n])


def test_the_resting_tally_by_place_matches_the_resting_slots_every_day() -> None:
    # Short days (speed 60) on a net with several multi-hop paths: many people rest mid-plan.
    sc = scenario(
        [place("O", "conflict"), place("M1", "marker"), place("M2"), place("K", "camp"), place("J", "camp")],
        [route("O", "M1", 50), route("M1", "M2", 40), route("M2", "K", 90), route("M1", "J", 130)],
        days=8,
        move={"max_move_speed": 60, "awareness_level": 3},
        departures=[start("O", 5_000)],
        conflicts=[conflict("O")],
    )
    sim = simulation(sc, seed=4)
    rested = 0
    for _ in range(sc.days):
        sim.step()
        expected = np.zeros(len(sc.places), dtype=np.int64)
        np.add.at(expected, sim.movement._link_src_of_slot, sim.state.resting)
        np.testing.assert_array_equal(sim.resting_at(), expected)
        rested += int(expected.sum())
    assert rested > 0  # the check saw people resting


def test_people_resting_mid_plan_count_towards_a_capacity() -> None:
    sim = cap_sim(100, 0.8)
    sim.state.pop[:] = [10_000, 80]
    sim.state.resting_place[:] = [0, 10]  # 90 at K: half way between 80 and 100
    assert sim.movement._cap_mult()[1] == pytest.approx(0.5)


# ----- soft camp capacity -----------------------------------------------------------------
def cap_sim(capacity: int, buffer: float, *, hasten: int = 1, scaling: float = 1.0) -> Simulation:
    sc = scenario(
        [place("O"), place("K", "camp", capacity=capacity)],
        [route("O", "K", 10)],
        hasten=hasten,
        move={"capacity_buffer": buffer, "capacity_scaling": scaling},
    )
    return simulation(sc)


@pytest.mark.parametrize(
    ("pop", "expected"),
    [(0, 1.0), (79, 1.0), (80, 1.0), (85, 0.75), (90, 0.5), (99, 0.05), (100, 0.0), (250, 0.0)],
)
def test_cap_mult_is_one_below_buffer_zero_at_capacity_linear_between(pop: int, expected: float) -> None:
    sim = cap_sim(100, 0.8)
    sim.state.pop[:] = [10_000, pop]
    cm = sim.movement._cap_mult()
    assert cm[1] == pytest.approx(expected, abs=1e-12)
    assert cm[0] == 1.0  # no capacity: never full


def test_cap_mult_scaling_hasten_and_tiny_capacity() -> None:
    sim = cap_sim(100, 0.5, scaling=2.0)  # cap = 200 -> linear between 100 and 200
    sim.state.pop[:] = [0, 150]
    assert sim.movement._cap_mult()[1] == pytest.approx(0.5)
    sim = cap_sim(1000, 0.5, hasten=10)  # 100 simulated units
    sim.state.pop[:] = [0, 75]
    assert sim.movement._cap_mult()[1] == pytest.approx(0.5)
    sim = cap_sim(5, 0.5, hasten=10)  # floor(5/10) = 0 < 1: unlimited
    sim.state.pop[:] = [0, 10**6]
    assert sim.movement._cap_mult()[1] == 1.0


@pytest.mark.parametrize("k0", [94, 96, 100])
def test_path_to_a_camp_that_looks_full_is_dropped(k0: int) -> None:
    # K (capacity 100, buffer 0.9) holds k0 people from day 0: capMult = 0.6, 0.4, 0.
    # O's movers choose K with weight (1/50)·capMult against T's 1/100; a mover who draws
    # K while capMult < 0.5 stays at O.
    n = 200_000
    sc = scenario(
        [place("O"), place("K", "camp", capacity=100), place("T")],
        [route("O", "K", 40), route("O", "T", 90)],
        days=1,
        move={"default_movechance": 1.0, "max_move_speed": 10},
        spawn={"data_driven": True},
        observations=[observed("K", [(0, k0)])],
        departures=[start("O", n)],
    )
    rec = record(sc, seed=9)
    o, k, t = idx(sc, "O"), idx(sc, "K"), idx(sc, "T")
    assert rec.population[0, k] == k0  # insert_day0
    cm = max(0.0, min(1.0, 1 - (k0 - 90) / 10))
    p_k = (cm / 50) / (cm / 50 + 1 / 100)
    to_k, to_t = int(rec.in_transit[0, k]), int(rec.in_transit[0, t])
    if cm < 0.5:
        assert to_k == 0
        assert_binomial(int(rec.departures[0, o]), n, 1 - p_k, "leavers")
        assert rec.population[0, o] == n - to_t
    else:
        assert rec.departures[0, o] == n
        assert_binomial(to_k, n, p_k, "to K")


@pytest.mark.parametrize("obstacle", [None, "full", "closed"])
def test_a_plan_is_dropped_when_its_next_hop_is_no_longer_possible(obstacle: str | None) -> None:
    # O -250- A -50- K with awareness 2 at 100 km/day: O>A takes 3 days. Planners of O>A>K
    # reach A on day 2; if K has meanwhile filled up, or A-K has closed, they stay at A.
    n = 50_000
    sc = scenario(
        [place("O", "conflict"), place("A", "camp"), place("K", "camp", capacity=100)],
        [route("O", "A", 250), route("A", "K", 50)],
        days=3,
        move={"awareness_level": 2, "max_move_speed": 100, "camp_movechance": 0.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
        closures=[closure("link", "A", "K", 1)] if obstacle == "closed" else [],
    )
    sim = simulation(sc, seed=2)
    sim.step()
    assert int(sim.state.transit.sum()) == n
    via = int(sim.state.transit[sim.world.net.slot_next >= 0].sum())  # on the first hop of O>A>K
    assert 0 < via < n
    if obstacle == "full":
        sim.state.pop[idx(sc, "K")] = 100
    sim.step()
    sim.step()
    expected = {None: [0, n - via, via], "full": [0, n, 100], "closed": [0, n, 0]}[obstacle]
    np.testing.assert_array_equal(sim.state.pop, expected)


def test_a_network_without_routes_keeps_everyone_in_place() -> None:
    sc = scenario(
        [place("O", "conflict"), place("K", "camp")], days=3, departures=[start("O", 100)], conflicts=[conflict("O")]
    )
    rec = record(sc)
    np.testing.assert_array_equal(rec.population[:, 0], [100, 100, 100])
    assert rec.departures.sum() == 0


# ----- travel -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("km", "extra", "days"),
    [
        (50, {}, 1),
        (199, {}, 1),
        (200, {}, 2),  # the hop ends on the first day its covered distance exceeds its length
        (450, {}, 3),
        (1000, {"max_move_speed": 100}, 11),  # per-route speed override
        (87.5, {"mode": "foot"}, 3),  # max_walk_speed 35 km/day
    ],
)
def test_a_hop_takes_floor_distance_over_speed_plus_one_days(km: float, extra: dict[str, Any], days: int) -> None:
    assert days == math.floor(km / extra.get("max_move_speed", 35 if extra else 200)) + 1
    n = 1_000
    sc = scenario(
        [place("O", "conflict"), place("K", "camp")],
        [route("O", "K", km, **extra)],
        days=days + 2,
        move={"max_move_speed": 200, "max_walk_speed": 35, "camp_movechance": 0.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
    )
    rec = record(sc)
    k = idx(sc, "K")
    for t in range(days + 2):
        arrived = t >= days - 1
        assert rec.in_transit[t, k] == (0 if arrived else n), f"day {t}"
        assert rec.population[t, k] == (n if arrived else 0), f"day {t}"
        assert rec.arrivals[t, k] == (n if t == days - 1 else 0), f"day {t}"


@pytest.mark.parametrize(("km1", "km2", "arrive_day"), [(50, 50, 0), (150, 100, 0), (250, 100, 1)])
def test_arriving_with_distance_to_spare_moves_on_the_same_day(km1: float, km2: float, arrive_day: int) -> None:
    # O -km1- M -km2- K at 200 km/day. Everyone leaves O (conflict, chance 1) for M, the only
    # neighbour. Reaching M with distance to spare, each draws M's move chance p again and,
    # if leaving, goes to K (the way back to O weighs 0: conflict_weight 0). So
    # K holds Bin(N, p) on the arrival day. (250, 100): O>M takes 2 days, 50 km to spare.
    n, p = 200_000, 0.4
    sc = scenario(
        [place("O", "conflict"), place("M"), place("K", "camp")],
        [route("O", "M", km1), route("M", "K", km2)],
        days=arrive_day + 2,
        move={"max_move_speed": 200, "default_movechance": p, "camp_movechance": 0.0, "conflict_weight": 0.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
    )
    rec = record(sc, seed=13)
    m, k = idx(sc, "M"), idx(sc, "K")
    t = arrive_day
    assert rec.arrivals[t, m] == n
    first = int(rec.population[t, k])
    assert_binomial(first, n, p, "same-day second hop")
    assert rec.departures[t, m] == first == rec.arrivals[t, k]
    assert rec.population[t, m] == n - first
    # the next day the rest draw again from M
    assert_binomial(int(rec.population[t + 1, k]) - first, n - first, p, "next day")


def test_groups_at_the_same_place_with_the_same_distance_left_are_merged() -> None:
    nodes = np.array([3, 1, 3, 3, 1, 2])
    movers = np.array([5, 7, 0, 4, 1, 9])
    km = np.array([50.0, 0.0, 20.0, 50.0, 0.0, 10.0])
    n, m, k = _merge_groups(nodes, movers, km)
    assert list(zip(n.tolist(), k.tolist(), m.tolist(), strict=True)) == [(1, 0.0, 8), (2, 10.0, 9), (3, 50.0, 9)]


def test_same_day_arrivals_from_several_places_choose_with_the_place_probabilities() -> None:
    # O1 and O2 (conflict, chance 1) each send N people 50 km to M; all reach M with
    # 150 km to spare, draw M's move chance p and choose between K1 (100 km) and K2
    # (300 km, camps that keep everyone) by Flee's weights. The two arriving groups are one population: K1 and K2
    # hold a multinomial of Bin(2N, p) with the exact weights.
    n, p = 150_000, 0.5
    sc = scenario(
        [place("O1", "conflict"), place("O2", "conflict"), place("M"), place("K1", "camp"), place("K2", "camp")],
        [route("O1", "M", 50), route("O2", "M", 50), route("M", "K1", 100), route("M", "K2", 300)],
        days=1,
        move={
            "max_move_speed": 200,
            "default_movechance": p,
            "camp_movechance": 0.0,
            "conflict_weight": 0.0,
            "awareness_level": 1,
        },
        departures=[start("O1", n), start("O2", n)],
        conflicts=[conflict("O1"), conflict("O2")],
    )
    rec = record(sc, seed=31)
    m, k1, k2 = idx(sc, "M"), idx(sc, "K1"), idx(sc, "K2")
    left = int(rec.departures[0, m])
    assert_binomial(left, 2 * n, p, "leaving M")
    r = sc.move_rules
    w = [(r.weight_softening + r.camp_weight) / (r.softening + km) ** r.distance_power for km in (100, 300)]
    w = [x**r.weight_power for x in w]
    chosen = [int(rec.in_transit[0, k1] + rec.population[0, k1]), int(rec.in_transit[0, k2] + rec.population[0, k2])]
    assert sum(chosen) == left
    assert_multinomial(chosen, normalise(w), "choice at M")


def test_no_distance_to_spare_means_no_further_hop_today() -> None:
    # O -120- M1 -100- M2 -10- K at 200 km/day: reaching M2 takes 220 km, none to spare,
    # so nobody can reach K on day 0 however short the last link.
    n, p = 100_000, 0.4
    sc = scenario(
        [place("O", "conflict"), place("M1"), place("M2"), place("K", "camp")],
        [route("O", "M1", 120), route("M1", "M2", 100), route("M2", "K", 10)],
        days=2,
        move={"max_move_speed": 200, "default_movechance": p, "camp_movechance": 0.0, "conflict_weight": 0.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
    )
    rec = record(sc, seed=14)
    m1, m2, k = idx(sc, "M1"), idx(sc, "M2"), idx(sc, "K")
    assert rec.population[0, k] == 0
    assert_binomial(int(rec.population[0, m2]), n, p, "at M2")
    assert rec.population[0, m1] + rec.population[0, m2] == n
    assert rec.population[1, k] > 0


# ----- closures -----------------------------------------------------------------------------
def closure_scenario(kind: str, a: str, b: str) -> Scenario:
    # O (conflict, everyone leaves daily) with same-day links to camps A (country FA) and B (FB)
    return scenario(
        [place("O", "conflict"), place("A", "camp", "FA"), place("B", "camp", "FB")],
        [route("O", "A", 50), route("O", "B", 60)],
        days=8,
        move={"max_move_speed": 200, "camp_movechance": 0.0},
        departures=[start("O", 10_000, 0, 7)],
        conflicts=[conflict("O")],
        closures=[closure(kind, a, b, 2, 5)],
    )


@pytest.mark.parametrize(("kind", "a", "b"), [("link", "O", "A"), ("location", "A", ""), ("country", "FA", "H")])
def test_closure_blocks_paths_from_start_and_reopens_on_end_day(kind: str, a: str, b: str) -> None:
    sc = closure_scenario(kind, a, b)
    world = compile_world(sc)
    net = world.net
    oa, ao, ob = net.link_id("O", "A"), net.link_id("A", "O"), net.link_id("O", "B")
    closed = [2, 3, 4]  # start day 2 .. end day 5 (exclusive)
    for t in range(8):
        assert world.link_open[t, oa] == world.link_open[t, ao] == (t not in closed), f"day {t}"
        assert world.link_open[t, ob]
    rec = record(sc, seed=6)
    i_a, i_b = idx(sc, "A"), idx(sc, "B")
    p_a = (1 / 60) / (1 / 60 + 1 / 70)
    for t in range(8):
        assert rec.arrivals[t, i_a] + rec.arrivals[t, i_b] == 10_000
        if t in closed:
            assert rec.arrivals[t, i_a] == 0
        else:
            assert_binomial(int(rec.arrivals[t, i_a]), 10_000, p_a, f"day {t}")


def test_country_closure_leaves_other_borders_open() -> None:
    sc = scenario(
        [place("H1"), place("H2"), place("F1", country="F"), place("G1", country="G")],
        [route("H1", "H2", 10), route("H2", "F1", 10), route("H1", "G1", 10), route("F1", "G1", 10)],
        days=3,
        closures=[closure("country", "F", "H", 1)],
    )
    world = compile_world(sc)
    net = world.net
    shut = {net.link_id("H2", "F1"), net.link_id("F1", "H2")}
    for e in range(net.n_links):
        assert world.link_open[0, e]
        assert world.link_open[2, e] == (e not in shut)


@pytest.mark.parametrize(("until", "back"), [(None, True), (2, False)])
def test_people_on_a_link_that_closes_go_back_to_its_start(until: int | None, back: bool) -> None:
    # O -450- K at 200 km/day: 3 days, arriving on day 2. The link closes on day 1 (while
    # they are on it); if it is still closed when they arrive they are back at O.
    n = 1_000
    sc = scenario(
        [place("O", "conflict"), place("K", "camp")],
        [route("O", "K", 450)],
        days=4,
        move={"max_move_speed": 200, "camp_movechance": 0.0},
        departures=[start("O", n)],
        conflicts=[conflict("O")],
        closures=[closure("link", "O", "K", 1, until)],
    )
    rec = record(sc)
    o, k = idx(sc, "O"), idx(sc, "K")
    assert rec.in_transit[1, k] == n
    assert rec.in_transit[2, k] == 0
    if back:
        assert rec.population[2, o] == n
        assert rec.population[2, k] == 0
        assert rec.arrivals[2, k] == 0
        assert rec.population[3, o] == n  # and stay: their only path is closed
    else:
        assert rec.population[2, k] == n
        assert rec.arrivals[2, k] == n


def test_camp_closure_turns_the_camp_into_a_town() -> None:
    # K holds 20,000 people from day 0; camps are never left (camp_movechance 0), towns with
    # chance 0.3. From day 2 to day 4 (exclusive) K is a town.
    n, p = 20_000, 0.3
    sc = scenario(
        [place("K", "camp"), place("T")],
        [route("K", "T", 1000)],
        days=6,
        move={"camp_movechance": 0.0, "default_movechance": p, "max_move_speed": 100},
        spawn={"data_driven": True},
        observations=[observed("K", [(0, n)])],
        closures=[closure("camp", "K", "", 2, 4)],
    )
    world = compile_world(sc)
    k = idx(sc, "K")
    assert [int(c) for c in world.camp_kind[:, k]] == [2, 2, 0, 0, 2, 2]  # CAMP, TOWN
    rec = record(sc, seed=17)
    assert rec.departures[[0, 1, 4, 5], k].tolist() == [0, 0, 0, 0]
    assert_binomial(int(rec.departures[2, k]), n, p, "day 2")
    assert_binomial(int(rec.departures[3, k]), int(rec.population[2, k]), p, "day 3")


@pytest.mark.parametrize(("t_depart", "p_k"), [(0, 0.5), (2, 0.2), (4, 0.5)])
def test_closed_camp_loses_its_camp_score(t_depart: int, p_k: float) -> None:
    # O chooses between camps K and J (camp_weight 4) at equal distance; while K is closed
    # (days 2-3) it scores 1 instead of 4.
    n = 100_000
    sc = scenario(
        [place("O", "conflict"), place("K", "camp"), place("J", "camp")],
        [route("O", "K", 100), route("O", "J", 100)],
        days=6,
        move={"camp_weight": 4.0, "max_move_speed": 10},
        departures=[start("O", n, t_depart)],
        conflicts=[conflict("O")],
        closures=[closure("camp", "K", "", 2, 4)],
    )
    rec = record(sc, seed=18)
    k, j = idx(sc, "K"), idx(sc, "J")
    assert_multinomial([rec.in_transit[t_depart, k], rec.in_transit[t_depart, j]], [p_k, 1 - p_k], "camp score")


# ----- conservation ---------------------------------------------------------------------------
KINDS = ["town", "conflict", "camp", "idpcamp", "marker"]


def random_scenario(seed: int) -> Scenario:
    """A small random network exercising every rule at once."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    days = int(rng.integers(30, 60))
    kinds = rng.choice(KINDS, size=n, p=[0.35, 0.2, 0.2, 0.1, 0.15])
    countries = rng.choice(["H", "F", "G"], size=n)
    places = []
    for i in range(n):
        cap = int(rng.integers(1, 400)) if kinds[i] in ("camp", "idpcamp") and rng.random() < 0.7 else None
        places.append(
            place(f"P{i}", str(kinds[i]), str(countries[i]), population=int(rng.integers(0, 5000)), capacity=cap)
        )
    pairs = {(int(rng.integers(0, i)), i) for i in range(1, n)}  # a spanning tree
    for _ in range(int(rng.integers(0, n))):  # and a few more links
        a, b = sorted(int(x) for x in rng.choice(n, 2, replace=False))
        pairs.add((a, b))
    routes = []
    for a, b in sorted(pairs):
        extra: dict[str, Any] = {}
        u = rng.random()
        if u < 0.15:
            extra["mode"] = "foot"
        elif u < 0.3:
            extra["max_move_speed"] = float(rng.uniform(20, 400))
        routes.append(route(f"P{a}", f"P{b}", float(rng.uniform(5, 600)), **extra))
    closures = []
    for _ in range(int(rng.integers(0, 4))):
        t0 = int(rng.integers(0, days))
        t1 = int(rng.integers(t0, days + 1)) if rng.random() < 0.7 else None
        r = routes[int(rng.integers(0, len(routes)))]
        c = rng.integers(0, 4)
        if c == 0:
            closures.append(closure("link", r.a, r.b, t0, t1))
        elif c == 1:
            closures.append(closure("location", r.a, "", t0, t1))
        elif c == 2 and len(set(countries)) > 1:
            ca, cb = sorted({str(x) for x in countries})[:2]
            closures.append(closure("country", ca, cb, t0, t1))
        else:
            camps = [p.name for p in places if p.kind == "camp"]
            if camps:
                closures.append(closure("camp", camps[0], "", t0, t1))
    conflicts = []
    for i in rng.choice(n, size=int(rng.integers(1, 3)), replace=False):
        t0 = int(rng.integers(0, days // 2))
        t1 = int(rng.integers(t0 + 1, days + 1)) if rng.random() < 0.5 else None
        conflicts.append(conflict(f"P{i}", t0, t1, float(rng.uniform(0.2, 2.0))))
    departures = [
        start(f"P{int(rng.integers(0, n))}", float(rng.uniform(0, 300)), int(t0), int(t0) + int(rng.integers(0, 10)))
        for t0 in rng.integers(0, days - 10, size=int(rng.integers(0, 3)))
    ]
    observations = []
    for p in places:
        if p.kind in ("camp", "idpcamp") and rng.random() < 0.8:
            pts = sorted({int(x) for x in rng.integers(0, days, size=3)})
            observations.append(observed(p.name, [(t, float(rng.integers(0, 3000))) for t in pts]))
    move = {
        "awareness_level": int(rng.integers(0, 4)),
        "max_move_speed": float(rng.uniform(50, 400)),
        "max_walk_speed": float(rng.uniform(10, 60)),
        "default_movechance": float(rng.uniform(0.05, 0.9)),
        "camp_movechance": float(rng.uniform(0, 0.2)),
        "capacity_buffer": float(rng.uniform(0.5, 1.0)),
        "camp_weight": float(rng.uniform(0.5, 5)),
        "conflict_weight": float(rng.uniform(0, 1)),
    }
    spawn = {
        "data_driven": bool(rng.random() < 0.8),
        "insert_day0": bool(rng.random() < 0.7),
        "conflict_spawn_decay": [1.0, 0.5, 0.1] if rng.random() < 0.5 else None,
    }
    return scenario(
        places,
        routes,
        days=days,
        move=move,
        spawn=spawn,
        hasten=int(rng.choice([1, 1, 3])),
        closures=closures,
        conflicts=conflicts,
        departures=departures,
        observations=observations,
    )


@pytest.mark.parametrize("seed", range(40))
def test_people_are_never_created_or_lost(seed: int) -> None:
    sc = random_scenario(seed)
    world = compile_world(sc)
    sim = Simulation(world, seed)
    st = sim.state
    total = int(world.day0.sum())
    for t in range(world.days):
        sim.step()
        total += int(st.spawned.sum())
        assert int(st.pop.sum() + st.transit.sum() + st.resting.sum()) == total, f"day {t}"
        assert st.pop.min() >= 0
        assert st.transit.min() >= 0
        assert st.resting.min() >= 0
    # the record alone accounts for everyone: staying somewhere or on the road
    rec = Simulation(world, seed).run()
    expected = world.day0.sum() + np.cumsum(rec.new.sum(axis=1))
    np.testing.assert_array_equal(rec.population.sum(axis=1) + rec.in_transit.sum(axis=1), expected)
    assert (rec.population >= 0).all()
    assert (rec.in_transit >= 0).all()
    assert expected[-1] == total


def test_conservation_sample_is_not_trivial() -> None:
    # the random scenarios really move people, rest mid-plan and meet links closing under them
    moved = rested = caught = 0
    levels: set[int] = set()
    for seed in range(40):
        sc = random_scenario(seed)
        sim = simulation(sc, seed)
        levels.add(sc.move_rules.awareness_level)
        open_ = sim.world.link_open
        slot_link = sim.world.net.slot_link
        for t in range(sc.days):
            if t > 0:
                closing = open_[t - 1] & ~open_[t]
                caught += int(sim.state.transit[closing[slot_link]].sum())
            sim.step()
            moved += int(sim.state.departures.sum())
            rested += int(sim.state.resting.sum())
    assert moved > 10_000
    assert rested > 0
    assert caught > 0
    assert levels == {0, 1, 2, 3}
