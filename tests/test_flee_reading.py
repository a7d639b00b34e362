"""Flee's reading rules for real folders (../shared/reference/flee-format.md, "Reading real
folders"), each on the tiny valid folder of test_bad_input with one thing changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderflow.engine.world import compile_world
from borderflow.network.graph import build_network
from borderflow.scenario.errors import NotAScenario, NotImplementedSetting, ScenarioError
from borderflow.scenario.flee_folder import read_flee_folder
from test_bad_input import DAYS, LOCATIONS, ROUTES, make_flee_folder


def folder_with(tmp_path: Path, **files: str) -> Path:
    """The tiny folder with files of input_csv/ replaced: `routes=...` writes input_csv/routes.csv."""
    folder = make_flee_folder(tmp_path)
    for stem, text in files.items():
        (folder / "input_csv" / f"{stem}.csv").write_text(text, encoding="utf-8")
    return folder


def test_files_without_header_rows_read_the_same(tmp_path: Path) -> None:
    with_header = read_flee_folder(make_flee_folder(tmp_path / "a"))
    bare = read_flee_folder(
        folder_with(
            tmp_path / "b",
            locations=LOCATIONS.split("\n", 1)[1],
            routes=ROUTES.split("\n", 1)[1],
        )
    )
    assert bare.places == with_header.places
    assert bare.routes == with_header.routes


def test_observation_dates_out_of_order_are_read_as_flee_reads_them(tmp_path: Path) -> None:
    """Flee interpolates day t between the first row dated after t and the row before it in
    the file. Rows (day, count): (0, 0), (4, 400), (2, 100), (8, 800). Days 1-3 lie before
    row 2's day 4: 100, 200, 300. Days 4-7: the first row after them is (8, 800), the row
    before it (2, 100): 100 + 700 x (t - 2) / 6 = 333.3, 450, 566.7, 683.3. From day 8 no row
    is later: the last row's 800."""
    folder = make_flee_folder(tmp_path)
    camp = folder / "source_data" / "camp_one.csv"
    camp.write_text("2020-01-01,0\n2020-01-05,400\n2020-01-03,100\n2020-01-09,800\n", encoding="utf-8")
    sc = read_flee_folder(folder)
    world = compile_world(sc)
    j = world.observed.index("Camp_One")
    np.testing.assert_array_equal(world.obs[:, j], [0, 100, 200, 300, 333, 450, 566, 683, 800, 800])
    [note] = [n for n in sc.notes if "camp_one.csv" in n]
    assert "line 3" in note
    assert "as Flee reads them" in note


def test_a_long_hash_row_names_attribute_columns(tmp_path: Path) -> None:
    locations = LOCATIONS.replace(",population\n", ",population,fatalities\n").replace(",20000\n", ",20000,7\n")
    routes = ROUTES.replace("forced_redirection\n", "forced_redirection,max_move_speed\n").replace(
        "Alpha,Beta,60,0\n", "Alpha,Beta,60,0,15\n"
    )
    sc = read_flee_folder(folder_with(tmp_path, locations=locations, routes=routes))
    assert sc.routes[0].max_move_speed == 15.0  # the 5th column, named by the '#' row
    assert any("fatalities" in n for n in sc.notes)


def test_an_attribute_flee_acts_on_is_named_as_not_implemented(tmp_path: Path) -> None:
    locations = LOCATIONS.replace(",population\n", ",population,capacity_per_day\n").replace(
        "camp,,5000\n", "camp,,5000,40\n"
    )
    with pytest.raises(NotImplementedSetting, match="capacity_per_day"):
        read_flee_folder(folder_with(tmp_path, locations=locations))


def test_duplicate_routes_are_parallel_links_counted_twice(tmp_path: Path) -> None:
    sc = read_flee_folder(folder_with(tmp_path, routes=ROUTES + "Beta,Alpha,60,0\n"))
    assert len(sc.routes) == 5
    net = build_network(sc)
    alpha, beta = net.index["Alpha"], net.index["Beta"]
    # Alpha's only neighbour is Beta, over two links: two paths lead there (Flee counts it twice)
    assert int(np.sum((net.path_origin == alpha) & (net.path_dest == beta))) == 2
    notes = [n for n in sc.notes if "parallel" in n]
    assert len(notes) == 1
    assert "line 6" in notes[0]
    assert "line 2" in notes[0]


def test_a_route_from_a_place_to_itself_is_dropped_with_a_note(tmp_path: Path) -> None:
    sc = read_flee_folder(folder_with(tmp_path, routes=ROUTES + "Gamma,Gamma,5,0\n"))
    assert all(r.a != r.b for r in sc.routes)
    assert len(sc.routes) == 4
    assert any("to itself" in n and "6" in n for n in sc.notes)


def test_duplicate_names_resolve_as_flee_does(tmp_path: Path) -> None:
    # Gamma on lines 4 and 7: routes, closures and observations take line 7, conflicts line 4.
    locations = LOCATIONS + "Gamma,Elsewhere,Homeland,11.2,11.2,town,,700\n"
    closures = "#closure_type,name1,name2,closure_start,closure_end\nlocation,Gamma,Homeland,2,5\n"
    sc = read_flee_folder(folder_with(tmp_path, locations=locations, closures=closures))
    names = [p.name for p in sc.places]
    assert names.count("Gamma") == 1
    assert "Gamma (line 4)" in names
    last = next(p for p in sc.places if p.name == "Gamma")
    assert last.population == 700
    assert last.region == "Elsewhere"
    assert "Gamma" in {r.a for r in sc.routes} | {r.b for r in sc.routes}
    assert all("Gamma (line 4)" not in (r.a, r.b) for r in sc.routes)  # the earlier row is isolated
    assert [c.a for c in sc.closures] == ["Gamma"]
    notes = [n for n in sc.notes if "'Gamma'" in n]
    assert len(notes) == 1
    assert "lines 4, 7" in notes[0]


def test_conflicts_resolve_a_duplicate_name_to_its_first_row(tmp_path: Path) -> None:
    locations = LOCATIONS + "Gamma,Elsewhere,Homeland,11.2,11.2,town,,700\n"
    conflicts = "#Day,Alpha,Gamma\n" + "".join(f"{d},1,{1 if d >= 3 else 0}\n" for d in range(DAYS))
    sc = read_flee_folder(folder_with(tmp_path, locations=locations, conflicts=conflicts))
    assert {c.place for c in sc.conflicts} == {"Alpha", "Gamma (line 4)"}


def test_location_closure_ignores_its_second_name(tmp_path: Path) -> None:
    closures = "#closure_type,name1,name2,closure_start,closure_end\nlocation,Beta,Farland,2,5\n"
    sc = read_flee_folder(folder_with(tmp_path, closures=closures))
    world = compile_world(sc)
    net = world.net
    beta = net.index["Beta"]
    touching = (net.link_src == beta) | (net.link_dst == beta)
    assert not world.link_open[2, touching].any()
    assert world.link_open[2, ~touching].all()
    assert world.link_open[5].all()


def test_country_closure_closes_links_between_the_two_countries_both_ways(tmp_path: Path) -> None:
    sc = read_flee_folder(make_flee_folder(tmp_path))  # country,Homeland,Farland,2,5
    world = compile_world(sc)
    net = world.net
    between = {(net.names[s], net.names[d]) for s, d in zip(net.link_src, net.link_dst, strict=True)}
    closed = {
        (net.names[s], net.names[d])
        for e, (s, d) in enumerate(zip(net.link_src, net.link_dst, strict=True))
        if not world.link_open[3, e]
    }
    assert closed == {("Beta", "Camp_Two"), ("Camp_Two", "Beta")}
    assert closed < between


def test_link_closure_closes_both_ways(tmp_path: Path) -> None:
    closures = "#closure_type,name1,name2,closure_start,closure_end\nlink,Gamma,Camp_One,1,4\n"
    world = compile_world(read_flee_folder(folder_with(tmp_path, closures=closures)))
    net = world.net
    g, c = net.index["Gamma"], net.index["Camp_One"]
    pair = ((net.link_src == g) & (net.link_dst == c)) | ((net.link_src == c) & (net.link_dst == g))
    assert int(pair.sum()) == 2
    assert not world.link_open[1, pair].any()
    assert world.link_open[0, pair].all()
    assert world.link_open[1, ~pair].all()


def test_conflict_names_padded_with_spaces_are_stripped(tmp_path: Path) -> None:
    conflicts = '#Day, Alpha," Gamma "\n' + "".join(f"{d},1,1\n" for d in range(DAYS))
    sc = read_flee_folder(folder_with(tmp_path, conflicts=conflicts))
    assert {c.place for c in sc.conflicts} == {"Alpha", "Gamma"}


def test_conflict_rows_count_days_whatever_the_day_column_says(tmp_path: Path) -> None:
    rows = "".join(f"{d * 7},{1 if d < 4 else 0},0\n" for d in range(DAYS))  # Alpha until day 4
    sc = read_flee_folder(folder_with(tmp_path, conflicts="#Day,Alpha,Gamma\n" + rows))
    (conflict,) = sc.conflicts
    assert (conflict.end - conflict.start).days == 4


@pytest.mark.parametrize(
    ("rel", "text", "name", "nearest"),
    [
        ("input_csv/routes.csv", ROUTES + "Beta,Gamme,10,0\n", "Gamme", "Gamma"),
        (
            "input_csv/closures.csv",
            "#closure_type,name1,name2,closure_start,closure_end\nlocation,Camp_Tow,,1,2\n",
            "Camp_Tow",
            "Camp_Two",
        ),
        (
            "input_csv/closures.csv",
            "#closure_type,name1,name2,closure_start,closure_end\ncountry,Homeland,Farlund,1,2\n",
            "Farlund",
            "Farland",
        ),
        (
            "input_csv/conflicts.csv",
            "#Day,Alpha,Betta\n" + "".join(f"{d},1,1\n" for d in range(DAYS)),
            "Betta",
            "Beta",
        ),
    ],
)
def test_an_unknown_name_is_an_error_with_line_and_nearest_names(
    tmp_path: Path, rel: str, text: str, name: str, nearest: str
) -> None:
    folder = make_flee_folder(tmp_path)
    (folder / rel).write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_flee_folder(folder)
    line = info.value.one_line()
    assert rel.split("/")[-1] in line
    assert "line " in line
    assert name in line
    assert f"nearest known: {nearest}" in line


@pytest.mark.parametrize(
    ("remove", "says"),
    [
        ("simsetting.yml", "simsetting.yml"),
        ("input_csv/locations.csv", "locations.csv"),
        ("input_csv/sim_period.csv", "sim_period.csv"),
        ("source_data/data_layout.csv", "data_layout.csv"),
    ],
)
def test_an_incomplete_folder_is_named_as_not_a_scenario(tmp_path: Path, remove: str, says: str) -> None:
    folder = make_flee_folder(tmp_path)
    (folder / remove).unlink()
    with pytest.raises(NotAScenario) as info:
        read_flee_folder(folder)
    assert says in info.value.one_line()
    assert "expected" in info.value.one_line()


def test_a_multiscale_coupling_is_not_a_scenario(tmp_path: Path) -> None:
    folder = make_flee_folder(tmp_path)
    inp = folder / "input_csv"
    (inp / "locations.csv").rename(inp / "locations-0.csv")
    (inp / "coupled_locations.csv").write_text("Beta\n", encoding="utf-8")
    with pytest.raises(NotAScenario, match="multiscale coupling"):
        read_flee_folder(folder)


def test_a_conflicts_table_short_of_the_period_names_both_lengths(tmp_path: Path) -> None:
    conflicts = "#Day,Alpha\n" + "".join(f"{d},1\n" for d in range(DAYS - 3))
    with pytest.raises(NotAScenario) as info:
        read_flee_folder(folder_with(tmp_path, conflicts=conflicts))
    assert f"after {DAYS - 3} day row" in info.value.problem
    assert f"{DAYS} simulated days" in info.value.problem


def test_a_period_with_no_observations_is_not_a_scenario(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, sim_period="StartDate,2021-01-01\nLength,10\n")
    with pytest.raises(NotAScenario, match="no observation dated within the period"):
        read_flee_folder(folder)


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("spawn_rules", "read_from_agents_csv_file", "True"),
        ("move_rules", "ChildrenAvoidHazards", "True"),
        # D-Flee's flood rules run (tests/test_rules_flood.py); its forecaster does not
        ("move_rules", "flood_rules", "{flood_forecaster: True}"),
    ],
)
def test_settings_not_implemented_are_named(tmp_path: Path, section: str, key: str, value: str) -> None:
    folder = make_flee_folder(tmp_path)
    path = folder / "simsetting.yml"
    text = "\n".join(line for line in path.read_text().splitlines() if key not in line)
    path.write_text(text.replace(f"{section}:\n", f"{section}:\n  {key}: {value}\n"), encoding="utf-8")
    with pytest.raises(NotImplementedSetting) as info:
        read_flee_folder(folder)
    assert info.value.where.startswith(f"{section}.{key}")  # flood_rules: the rule within it


def test_all_unimplemented_settings_are_named_in_one_error(tmp_path: Path) -> None:
    folder = make_flee_folder(tmp_path)
    path = folder / "simsetting.yml"
    text = path.read_text().replace("start_on_foot: False", "use_v1_rules: True")
    path.write_text(text.replace("take_from_population: False", "read_from_agents_csv_file: True"), encoding="utf-8")
    with pytest.raises(NotImplementedSetting) as info:
        read_flee_folder(folder)
    assert set(info.value.where.split(", ")) == {"move_rules.use_v1_rules", "spawn_rules.read_from_agents_csv_file"}


def _with_settings(tmp_path: Path, spawn: str = "", move: str = "") -> Path:
    folder = make_flee_folder(tmp_path)
    path = folder / "simsetting.yml"
    text = path.read_text().replace("  take_from_population: False\n", "").replace("  start_on_foot: False\n", "")
    text = text.replace("spawn_rules:\n", f"spawn_rules:\n{spawn}").replace("move_rules:\n", f"move_rules:\n{move}")
    path.write_text(text, encoding="utf-8")
    return folder


def test_flee_head_spawn_settings_are_read(tmp_path: Path) -> None:
    spawn = (
        "  conflict_spawn_decay_interval: 15\n  take_from_population: True\n"
        "  conflict_driven_spawning:\n    spawn_mode: pop_ratio\n    displaced_per_conflict_day: 0.02\n"
    )
    move = "  start_on_foot: True\n  avoid_short_stints: True\n"
    sc = read_flee_folder(_with_settings(tmp_path, spawn, move))
    sr = sc.spawn_rules
    assert sr.conflict_spawn_decay_interval == 15
    assert sr.take_from_population
    assert sr.conflict_driven_spawning is not None
    assert (sr.conflict_driven_spawning.spawn_mode, sr.conflict_driven_spawning.rate) == ("pop_ratio", 0.02)
    assert sc.move_rules.start_on_foot
    assert sc.move_rules.avoid_short_stints
    assert compile_world(sc).spawn_total.sum() == 0  # conflicts drive spawning, not the observations


def test_a_fractional_constant_rate_is_read_as_flee_reads_it(tmp_path: Path) -> None:
    spawn = "  conflict_driven_spawning:\n    spawn_mode: constant\n    displaced_per_conflict_day: 2.5\n"
    sc = read_flee_folder(_with_settings(tmp_path, spawn))
    assert sc.spawn_rules.conflict_driven_spawning is not None
    assert sc.spawn_rules.conflict_driven_spawning.rate == 2
    assert any("read as 2" in n for n in sc.notes)


def test_conflict_driven_spawning_needs_no_observation_in_the_period(tmp_path: Path) -> None:
    spawn = "  conflict_driven_spawning:\n    spawn_mode: constant\n    displaced_per_conflict_day: 3\n"
    folder = _with_settings(tmp_path, spawn)
    (folder / "input_csv" / "sim_period.csv").write_text("StartDate,2021-01-01\nLength,10\n")
    (folder / "input_csv" / "closures.csv").write_text("#closure_type,name1,name2,closure_start,closure_end\n")
    sc = read_flee_folder(folder)
    assert sc.start_date.year == 2021


@pytest.mark.parametrize(
    ("spawn", "field"),
    [
        ("  conflict_spawn_decay_interval: 0\n", "spawn_rules.conflict_spawn_decay_interval"),
        ("  conflict_driven_spawning:\n    spawn_mode: linear\n", "spawn_rules.conflict_driven_spawning.spawn_mode"),
        ("  conflict_driven_spawning: 5\n", "spawn_rules.conflict_driven_spawning"),
    ],
)
def test_bad_flee_head_spawn_settings_name_the_field(tmp_path: Path, spawn: str, field: str) -> None:
    with pytest.raises(ScenarioError) as info:
        read_flee_folder(_with_settings(tmp_path, spawn))
    assert info.value.where == field
    assert "expected" in info.value.one_line()


def test_validate_suite_writes_one_row_per_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from test_bad_input import run_cli

    suite = tmp_path / "suite"
    make_flee_folder(suite)  # tinyflee: runs
    (suite / "settings_only").mkdir()
    (suite / "settings_only" / "simsetting.yml").write_text("move_rules:\n  awareness_level: 1\n")
    unsupported = make_flee_folder(tmp_path / "x").rename(suite / "on_foot")
    setting = unsupported / "simsetting.yml"
    setting.write_text(setting.read_text().replace("start_on_foot: False", "use_v1_rules: True"))
    out = tmp_path / "out"
    code, stdout, err = run_cli(monkeypatch, capsys, "validate", "--suite", str(suite), "--out", str(out))
    assert code == 0, err
    assert "1 of 3 folders ran" in stdout
    rows = {r["folder"]: r for r in json.loads((out / "suite.json").read_text())}
    assert rows["tinyflee"]["status"] == "ran"
    assert rows["tinyflee"]["days"] == DAYS
    assert rows["tinyflee"]["error"] is not None
    assert rows["settings_only"]["status"] == "not a scenario: input_csv: not found"
    assert rows["on_foot"]["status"] == "unsupported: move_rules.use_v1_rules"
    assert (out / "suite.csv").read_text().splitlines()[0].startswith("folder,status,places,routes,days,people")
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {"suite.csv", "suite.json"}


def test_validate_suite_refuses_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_bad_input import run_cli

    code, _out, err = run_cli(monkeypatch, capsys, "validate", "--suite", str(tmp_path / "none"))
    assert code == 2
    assert "expected a folder of Flee scenario folders" in err
