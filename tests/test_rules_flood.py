"""D-Flee's flood rules on tiny graphs, with expectations worked out by hand: how many people
floods spawn each day and where, what leaves the residents, move chances and destination
weights by flood level; and how a Flee folder's flood inputs are read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import borderflow
from borderflow.scenario.errors import NotAScenario, NotImplementedSetting, ScenarioError
from borderflow.scenario.flee_folder import read_flee_folder
from borderflow.scenario.flood_specs import FloodLevel, FloodSpawning, FloodSpec
from rules_kit import assert_binomial, day, idx, place, route, scenario, start
from test_bad_input import make_flee_folder


def flood(name: str, level: int, t: int = 0, until: int | None = None) -> FloodLevel:
    return FloodLevel(place=name, start=day(t), end=None if until is None else day(until), level=level)


def floods(*levels: FloodLevel, **rules: object) -> FloodSpec:
    return FloodSpec.model_validate({"levels": list(levels), **rules})


# --- spawning: how many, where, and what leaves the residents ----------------------------------

# F: level 1 on days 0-1, level 3 from day 2. G: level 2 on days 1-2 only. H never floods.
RATES = [0.0, 0.1, 0.2, 0.5]
SPAWN_PLACES = [place("F", population=1000), place("G", population=500), place("H", population=800)]
SPAWN_LEVELS = (flood("F", 1, 0, 2), flood("F", 3, 2), flood("G", 2, 1, 3))


def test_pop_ratio_spawns_a_share_of_the_remaining_residents_each_day() -> None:
    sc = scenario(
        SPAWN_PLACES,
        days=5,
        floods=floods(*SPAWN_LEVELS, spawning={"mode": "pop_ratio", "displaced_per_flood_day": RATES}),
    )
    rec = borderflow.run(sc, seed=1).record
    f, g, h = idx(sc, "F"), idx(sc, "G"), idx(sc, "H")
    # F: int(0.1x1000)=100, int(0.1x900)=90, int(0.5x810)=405, int(0.5x405)=202, int(0.5x203)=101
    np.testing.assert_array_equal(rec.new[:, f], [100, 90, 405, 202, 101])
    # G: level 0, int(0.2x500)=100, int(0.2x400)=80, then level 0 again
    np.testing.assert_array_equal(rec.new[:, g], [0, 100, 80, 0, 0])
    np.testing.assert_array_equal(rec.new[:, h], [0, 0, 0, 0, 0])
    # what the floods took left the residents, and nobody else did
    np.testing.assert_array_equal(rec.residents[:, f], [900, 810, 405, 203, 102])
    np.testing.assert_array_equal(rec.residents[:, g], [500, 400, 320, 320, 320])
    np.testing.assert_array_equal(rec.residents[:, h], [800] * 5)
    # no routes: the displaced stay where they appeared
    np.testing.assert_array_equal(rec.population[-1], rec.new.sum(axis=0))


def test_counts_are_in_simulated_units_as_flee_s_agents() -> None:
    sc = scenario(
        SPAWN_PLACES,
        days=3,
        hasten=10,
        floods=floods(*SPAWN_LEVELS, spawning={"displaced_per_flood_day": RATES}),
    )
    result = borderflow.run(sc, seed=1)
    f = idx(sc, "F")
    # 1000 people = 100 units: int(0.1x100)=10 units, int(0.1x90)=9, then level 3: int(0.5x81)=40
    np.testing.assert_array_equal(result.record.new[:, f], [10, 9, 40])
    np.testing.assert_array_equal(result.series("new")[:, f], [100, 90, 400])


def test_constant_spawns_whole_rates_and_never_more_than_remain() -> None:
    sc = scenario(
        [place("F", population=20)],
        days=5,
        floods=floods(flood("F", 1), spawning={"mode": "constant", "displaced_per_flood_day": [0, 7.9]}),
    )
    rec = borderflow.run(sc, seed=1).record
    np.testing.assert_array_equal(rec.new[:, 0], [7, 7, 6, 0, 0])  # int(7.9) = 7 a day, 20 residents in all
    np.testing.assert_array_equal(rec.residents[:, 0], [13, 6, 0, 0, 0])


def test_without_take_from_population_the_residents_stay() -> None:
    sc = scenario(
        [place("F", population=20)],
        days=4,
        floods=floods(
            flood("F", 1),
            spawning={"mode": "constant", "displaced_per_flood_day": [0, 7], "take_from_population": False},
        ),
    )
    rec = borderflow.run(sc, seed=1).record
    np.testing.assert_array_equal(rec.new[:, 0], [7, 7, 7, 7])
    np.testing.assert_array_equal(rec.residents[:, 0], [20] * 4)


def test_poisson_spawns_a_draw_with_the_rate_as_mean() -> None:
    days = 400
    sc = scenario(
        [place("F", population=10**9), place("G", population=10**9)],
        days=days,
        floods=floods(
            flood("F", 1), flood("G", 2), spawning={"mode": "poisson", "displaced_per_flood_day": [0, 50, 2.5]}
        ),
    )
    rec = borderflow.run(sc, seed=4).record
    for name, rate in (("F", 50.0), ("G", 2.5)):
        total = int(rec.new[:, idx(sc, name)].sum())
        # a sum of Poisson draws: mean and variance days x rate
        assert abs(total - days * rate) <= 5 * np.sqrt(days * rate), (name, total)
    assert len(set(rec.new[:, idx(sc, "F")].tolist())) > 10  # drawn, not constant


def test_a_flood_spec_without_flooded_days_changes_no_draw() -> None:
    """Floods draw only in poisson mode and only from their own stream: an idle flood spec leaves
    every count of a run as it was."""
    places = [place("O", population=100), place("A"), place("B", "camp")]
    routes = [route("O", "A", 50), route("A", "B", 80), route("O", "B", 400)]
    base = scenario(places, routes, days=8, departures=[start("O", 1000, 0, 3)])
    idle = base.model_copy(
        update={"floods": floods(spawning={"mode": "poisson", "displaced_per_flood_day": [0, 9]}, movechances=[0.3, 1])}
    )
    a, b = borderflow.run(base, seed=5).record, borderflow.run(idle, seed=5).record
    for name in ("population", "arrivals", "departures", "new", "in_transit"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# --- move chances and destination weights by level -----------------------------------------------


def _leavers(move_levels: list[float], level: int, kind: str = "town", n: int = 100_000) -> tuple[int, int]:
    """People who leave F on day 0 out of n, with F at `level` (a route to G 400 km away)."""
    sc = scenario(
        [place("F", kind), place("G")],
        [route("F", "G", 400)],
        days=1,
        departures=[start("F", n)],
        floods=floods(*([flood("F", level)] if level else []), movechances=move_levels),
    )
    rec = borderflow.run(sc, seed=2).record
    return int(rec.departures[0, idx(sc, "F")]), n


@pytest.mark.parametrize(
    ("level", "kind", "chance"),
    [
        (0, "town", 0.3),  # no flood: the town's own move chance
        (1, "town", 0.4),
        (2, "town", 0.9),
        (2, "camp", 0.9),  # the flood's chance replaces a camp's 0.001 too
    ],
)
def test_move_chance_is_the_flood_level_s(level: int, kind: str, chance: float) -> None:
    left, n = _leavers([0.3, 0.4, 0.9], level, kind)
    assert_binomial(left, n, chance, f"level {level} {kind}")


def _choices(weights: list[float], level: int, **move: object) -> tuple[int, int]:
    """From O, paths to A and to B of the same length; A at `level`. People heading to A and
    to B at the end of day 0 (both hops take two days)."""
    n = 100_000
    sc = scenario(
        [place("O"), place("A"), place("B")],
        [route("O", "A", 400), route("O", "B", 400)],
        days=1,
        move={"default_movechance": 1.0, **move},
        departures=[start("O", n)],
        floods=floods(*([flood("A", level)] if level else []), location_weights=weights),
    )
    rec = borderflow.run(sc, seed=3).record
    return int(rec.in_transit[0, idx(sc, "A")]), int(rec.in_transit[0, idx(sc, "B")])


@pytest.mark.parametrize(
    ("level", "move", "p_a"),
    [
        (0, {}, 0.5),  # no flood: equal pull
        (1, {}, 0.25 / 1.25),  # score 1 x 0.25 against 1
        (2, {}, 0.0),  # weight 0: nobody heads there while another path is open
        (1, {"weight_softening": 1.0}, 1.25 / 3.25),  # (1 + 1 x 0.25) against (1 + 1): the score, not the sum
        (1, {"awareness_level": 0}, 0.5),  # level 0: a random neighbouring link, whatever the scores
    ],
)
def test_destination_weight_is_the_flood_level_s(level: int, move: dict[str, object], p_a: float) -> None:
    to_a, to_b = _choices([1.0, 0.25, 0.0], level, **move)
    assert_binomial(to_a, to_a + to_b, p_a, f"level {level} {move}")


def test_rule_lists_must_cover_every_level_reached() -> None:
    with pytest.raises(ValueError, match=r"movechances: 2 value.*level 3"):
        floods(flood("F", 3), movechances=[0.3, 0.5])
    with pytest.raises(ValueError, match="shares of the residents from 0 to 1"):
        FloodSpawning(mode="pop_ratio", displaced_per_flood_day=[0, 1.5])
    with pytest.raises(ValueError, match="less than or equal to 1000"):
        flood("F", 1001)


# --- reading a Flee folder's flood inputs -------------------------------------------------------

OLD_SPELLING = """\
spawn_rules:
  flood_driven_spawning: True
  flood_zone_spawning_only: True
  conflict_zone_spawning_only: False
  take_from_population: True
  flood_driven_spawn_mode:
    flood_spawn_mode: "pop_ratio"
    displaced_per_flood_day: [0.0, 0.1, 0.2, 0.5]
move_rules:
  max_flood_level: 3
  flood_rules:
    flood_movechances: [0.3, 0.4, 0.7, 1.0]
    flood_loc_weights: [1.0, 0.5, 0.2, 0.0]
"""
NEW_SPELLING = """\
spawn_rules:
  flood_driven_spawning:
    spawn_mode: pop_ratio
    displaced_per_flood_day: [0.0, 0.1, 0.2, 0.5]
  flood_zone_spawning_only: True
  conflict_zone_spawning_only: False
  take_from_population: True
move_rules:
  flood_rules:
    max_flood_level: 3
    flood_movechances: [0.3, 0.4, 0.7, 1.0]
    flood_loc_weights: [1.0, 0.5, 0.2, 0.0]
"""
# Beta: level 1 on days 0-3, 3 on days 4-5, 0 after; Gamma floods from day 8. Flood_Town is a flood_zone.
LEVELS = "#Day, Beta ,Gamma\n" + "".join(
    f"{t},{1 if t < 4 else 3 if t < 6 else 0},{2 if t >= 8 else 0}\n" for t in range(10)
)


def dflee_folder(tmp_path: Path, settings: str = OLD_SPELLING, levels: str = LEVELS, **files: str) -> Path:
    folder = make_flee_folder(tmp_path)
    (folder / "simsetting.yml").write_text(settings, encoding="utf-8")
    (folder / "input_csv" / "flood_level.csv").write_text(levels, encoding="utf-8")
    for name, text in files.items():
        (folder / "input_csv" / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_both_spellings_read_the_same_floods(tmp_path: Path) -> None:
    old = read_flee_folder(dflee_folder(tmp_path / "old"))
    new = read_flee_folder(dflee_folder(tmp_path / "new", NEW_SPELLING))
    assert old.floods is not None
    assert old.floods == new.floods
    assert old.floods.spawning == FloodSpawning(mode="pop_ratio", displaced_per_flood_day=[0, 0.1, 0.2, 0.5])
    assert old.floods.movechances == [0.3, 0.4, 0.7, 1.0]
    assert old.floods.location_weights == [1.0, 0.5, 0.2, 0.0]
    # runs of days at one level, names stripped of spaces as in conflicts.csv
    assert [(f.place, f.start.day, f.end and f.end.day, f.level) for f in old.floods.levels] == [
        ("Beta", 1, 5, 1),
        ("Beta", 5, 7, 3),
        ("Gamma", 9, None, 2),
    ]
    # floods drive spawning instead of observations, and conflicts.csv is not read (as in D-Flee):
    # the one conflict-type place with conflict_date 0 (Alpha) is a conflict zone throughout
    assert old.spawn_rules.data_driven is False
    assert [(c.place, c.start.day, c.end) for c in old.conflicts] == [("Alpha", 1, None)]
    assert any("conflicts.csv: not read" in n for n in old.notes)


def test_a_flood_zone_location_is_a_town_and_a_flee_folder_runs(tmp_path: Path) -> None:
    folder = dflee_folder(tmp_path)  # the tiny folder's places, and Delta, a flood_zone
    text = (folder / "input_csv" / "locations.csv").read_text() + "Delta,South,Homeland,11,11,flood_zone,,400\n"
    (folder / "input_csv" / "locations.csv").write_text(text)
    (folder / "input_csv" / "routes.csv").write_text(
        (folder / "input_csv" / "routes.csv").read_text() + "Delta,Gamma,30,0\n"
    )
    (folder / "input_csv" / "flood_level.csv").write_text(
        "#Day,Delta\n" + "".join(f"{t},{2 if t < 3 else 0}\n" for t in range(10))
    )
    sc = read_flee_folder(folder)
    assert next(p for p in sc.places if p.name == "Delta").kind == "town"
    rec = borderflow.run(sc, seed=1).record
    d = idx(sc, "Delta")
    # int(0.2x400)=80, int(0.2x320)=64, int(0.2x256)=51; nobody else spawns
    np.testing.assert_array_equal(rec.new[:4, d], [80, 64, 51, 0])
    assert rec.new.sum() == 80 + 64 + 51


@pytest.mark.parametrize(
    ("settings", "levels", "where", "says"),
    [
        (
            OLD_SPELLING,
            LEVELS.replace("3,0\n", "4,0\n", 1),
            "flood_level.csv:line 6, column Beta",
            "flood level 4 above",
        ),
        (OLD_SPELLING, LEVELS.replace("3,0\n", "1.5,0\n", 1), "flood_level.csv:line 6, column Beta", "whole number"),
        (OLD_SPELLING, LEVELS.replace("3,0\n", "-1,0\n", 1), "flood_level.csv:line 6, column Beta", ">= 0"),
        (OLD_SPELLING, LEVELS.replace("5,3,0\n", "5,3\n"), "flood_level.csv:line 7", "expected 2 values"),
        (
            OLD_SPELLING.replace("take_from_population: True", "take_from_population: False"),
            LEVELS,
            "simsetting.yml:spawn_rules.take_from_population",
            "expected take_from_population: true",
        ),
        (
            OLD_SPELLING.replace("conflict_zone_spawning_only: False", "conflict_zone_spawning_only: True"),
            LEVELS,
            "spawn_rules.conflict_zone_spawning_only",
            "expected conflict_zone_spawning_only: false",
        ),
        (
            OLD_SPELLING.replace("  flood_driven_spawning: True", "  flood_driven_spawning:\n    spawn_mode: constant"),
            LEVELS,
            "spawn_rules.flood_driven_spawning.spawn_mode",
            "contradicts spawn_rules.flood_driven_spawn_mode.flood_spawn_mode",
        ),
        (
            OLD_SPELLING.replace('"pop_ratio"', "tidal"),
            LEVELS,
            "flood_spawn_mode",
            "expected one of constant, pop_ratio, poisson",
        ),
        (
            OLD_SPELLING.replace("max_flood_level: 3", "max_flood_level: 2"),
            LEVELS,
            "column Beta",
            "(max_flood_level 2)",
        ),
        (
            OLD_SPELLING.replace("flood_movechances", "flood_move_chances"),
            LEVELS,
            "flood_rules.flood_move_chances",
            "unknown flood rule",
        ),
    ],
)
def test_bad_flood_input_is_one_line_naming_where_and_what_was_expected(
    tmp_path: Path, settings: str, levels: str, where: str, says: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        read_flee_folder(dflee_folder(tmp_path, settings, levels))
    line = err.value.one_line()
    assert where in line, line
    assert says in line, line
    assert "expected" in line
    assert "\n" not in line


def test_a_flood_table_shorter_than_the_period_is_named(tmp_path: Path) -> None:
    short = "".join(LEVELS.splitlines(keepends=True)[:8])
    with pytest.raises(NotAScenario, match="table ends after 7 day row"):
        read_flee_folder(dflee_folder(tmp_path, levels=short))


def test_a_missing_flood_table_is_named_when_floods_are_on(tmp_path: Path) -> None:
    folder = dflee_folder(tmp_path)
    (folder / "input_csv" / "flood_level.csv").unlink()
    with pytest.raises(ScenarioError, match=r"flood_level.csv: file not found .*flood rules are on"):
        read_flee_folder(folder)


def test_flood_levels_of_a_place_not_in_locations_are_ignored_with_a_note(tmp_path: Path) -> None:
    levels = "#Day,Beta,Btea\n" + "".join(f"{t},1,2\n" for t in range(10))
    sc = read_flee_folder(dflee_folder(tmp_path, levels=levels))
    note = next(n for n in sc.notes if "Btea" in n)
    assert "flooded on 10 day(s)" in note
    assert "nearest known: Beta" in note
    assert sc.floods is not None
    assert {f.place for f in sc.floods.levels} == {"Beta"}


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ("    flood_forecaster: True\n", "move_rules.flood_rules.flood_forecaster"),
        ("    flood_link_weights: [1, 1, 1, 1]\n", "move_rules.flood_rules.flood_link_weights"),
    ],
)
def test_flood_rules_not_implemented_are_named(tmp_path: Path, extra: str, where: str) -> None:
    with pytest.raises(NotImplementedSetting) as err:
        read_flee_folder(dflee_folder(tmp_path, OLD_SPELLING + extra))
    assert err.value.where == where
    assert "not implemented" in err.value.one_line()


def test_forecaster_settings_without_the_forecaster_are_accepted_with_a_note(tmp_path: Path) -> None:
    extra = "    flood_forecaster: False\n    flood_forecaster_timescale: 5\n    flood_awareness_weights: [0, 0.5, 1]\n"
    sc = read_flee_folder(dflee_folder(tmp_path, OLD_SPELLING + extra))
    assert any("flood_forecaster_timescale, flood_awareness_weights accepted" in n for n in sc.notes)


# --- demographic attribute files --------------------------------------------------------------

AGE = "age,Default,Beta\n0,0.5,0.2\n1,0.5,0.8\n"


def test_demographic_files_are_read_and_reported(tmp_path: Path) -> None:
    sc = read_flee_folder(dflee_folder(tmp_path, demographics_age=AGE, demographics_gender="gender,Default\nmale,1\n"))
    age = next(n for n in sc.notes if "demographics_age.csv" in n)
    assert "attribute 'age' read (2 values; weights for Default and 1 place(s))" in age
    assert "ChildrenAvoidHazards" in age  # the rules that would read it
    assert any("attribute 'gender' read" in n for n in sc.notes)


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("years,Default\n0,1\n", "line 1, column 1", "expected the attribute's name 'age'"),
        ("age,Beta\n0,1\n", "line 1, column Default", "no Default column"),
        ("age,Default\n0,-1\n1,2\n", "line 2, column Default", "weight >= 0"),
        ("age,Default\n0,x\n", "line 2, column Default", "expected a number"),
        ("age,Default,Beta\n0,1\n", "line 2", "expected 3 values"),
        ("age,Default\n0,0\n", "column Default", "weights add up to 0"),
        ("age,Default\n", "line 1", "no values"),
    ],
)
def test_bad_demographic_files_are_one_line(tmp_path: Path, text: str, where: str, says: str) -> None:
    with pytest.raises(ScenarioError) as err:
        read_flee_folder(dflee_folder(tmp_path, demographics_age=text))
    line = err.value.one_line()
    assert "demographics_age.csv" in line, line
    assert where in line, line
    assert says in line, line


def test_a_rule_that_reads_demographics_is_named_as_not_implemented(tmp_path: Path) -> None:
    settings = OLD_SPELLING.replace("move_rules:\n", "move_rules:\n  ChildrenAvoidHazards: True\n")
    with pytest.raises(NotImplementedSetting, match="ChildrenAvoidHazards"):
        read_flee_folder(dflee_folder(tmp_path, settings, demographics_age=AGE))


RULES_ONLY = """\
spawn_rules:
  take_from_population: False
move_rules:
  flood_rules:
    flood_movechances: [0.3, 0.4, 0.7, 1.0]
"""


def test_flood_rules_without_flood_spawning_keep_spawning_from_observations(tmp_path: Path) -> None:
    sc = read_flee_folder(dflee_folder(tmp_path, RULES_ONLY))
    assert sc.floods is not None
    assert sc.floods.spawning is None
    assert sc.floods.movechances == [0.3, 0.4, 0.7, 1.0]
    assert sc.spawn_rules.data_driven is True


def test_take_from_population_without_flood_spawning_goes_to_the_conflict_rules(tmp_path: Path) -> None:
    """Without flood spawning, take_from_population is Flee's conflict-zone rule
    (engine/conflict_spawning.py), not the flood component's."""
    settings = RULES_ONLY.replace("take_from_population: False", "take_from_population: True")
    sc = read_flee_folder(dflee_folder(tmp_path, settings))
    assert sc.spawn_rules.take_from_population is True
    assert sc.floods is not None
    assert sc.floods.spawning is None
