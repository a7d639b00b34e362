"""The 43 FabFlee folders of ../shared/scenarios/fabflee: each gets the status its files call
for, and none (nor its files cut short, emptied or in the wrong encoding) gives a traceback.

The expected statuses follow from the reading rules (docs/flee-folders.md), not from a run:
what each folder holds is in the comment beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from borderflow.api import run as run_scenario
from borderflow.report.suite import SuiteRow, run_folder, run_suite, shortened
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.flee_folder import read_flee_folder

HASTEN = 100  # corpus runs only check that each folder runs: 1 unit = 100 people
DAYS = 30  # and only the first 30 days (test-only override; the reading covers the whole period)

FORECASTER = "unsupported: move_rules.flood_rules.flood_forecaster"  # D-Flee's per-agent flood forecasts
NO_INPUT = "not a scenario: input_csv: not found"  # a settings file or observations only
NO_SETTINGS = "not a scenario: simsetting.yml: not found"
NO_PERIOD = "not a scenario: input_csv/sim_period.csv: not found"
MULTISCALE = "not a scenario: input_csv: a multiscale coupling"
SHORT_CONFLICTS = "not a scenario: input_csv/conflicts.csv: table ends after"

EXPECTED: dict[str, str] = {
    "Ethiopia_dflee": "ran",  # D-Flee: flood-driven spawning and flood rules (flood_level.csv)
    "Mozambique_dflee": "ran",  # D-Flee; its conflicts.csv is not read, as in D-Flee
    "Nigeria_dflee": "ran",  # D-Flee; demographics_age/gender.csv read, no rule uses them
    "bangladesh": "ran",  # D-Flee, in its older spelling
    "burundi": "ran",
    "car": "ran",
    "dflee_bangladesh_khulna_dist": FORECASTER,
    "dflee_example": "ran",  # D-Flee's own example: 3 flood zones, 3 towns, 3 camps
    "dflee_weather_example": FORECASTER,
    "ethiopia": "ran",  # conflicts.csv names padded with spaces
    "flee3_validation": NO_INPUT,
    "flee_middle_east_2024": NO_SETTINGS,  # and no source_data/
    "mali-freek": "not a scenario: input_csv/routes.csv: not found",  # only bk-routes.csv
    "mali2012": "ran",
    "mali2017_adm1": "ran",  # empty_camps_on_day0: true, avoid_short_stints: true
    # routes.csv line 13 names Fassala-Mbera, which locations.csv lacks (Flee maps it to its first place)
    "mali2017_adm2": "bad input: input_csv/routes.csv:line 13, column name2: unknown place 'Fassala-Mbera'",
    "mali2022_2024": "ran",  # duplicate routes
    "mali_vis": NO_PERIOD,
    "moo_f1_c1_t3": "ran",
    "moo_f1_c3_t4": "ran",
    "moo_ssudan_H0_3obj": "ran",
    "moo_ssudan_H0_5obj": "ran",
    "moo_ssudan_R0_3obj": "ran",
    "moo_ssudan_R0_5obj": "ran",
    "mscalecity": MULTISCALE,
    "netherlands": NO_SETTINGS,  # and no source_data/data_layout.csv
    "nigeria2016_adm2": SHORT_CONFLICTS,  # 1,887 rows for 2,192 days; its files have no header rows
    "nigeria2019": NO_SETTINGS,
    # conflict_driven_spawning (pop_ratio), take_from_population, start_on_foot, avoid_short_stints
    "nigeria2024": "ran",
    # nigeria2024's settings; refugees.csv line 25 goes back to 2022-08-10 after 2023-07-01,
    # read as Flee reads dates out of order (a note)
    "nigeria2024_scenario1": "ran",
    "nigeria2024_scenario2": "ran",
    "nigeria2024_scenario3": "ran",
    "ssudan-mscale": MULTISCALE,
    "ssudan-mscale-test": MULTISCALE,
    "ssudan_macro_test": NO_PERIOD,
    "ssudan_micro_test": NO_PERIOD,
    "ssudan_whole": "ran",
    # ken-kakuma.csv: 2016-06-05 then 2016-06-02, read as Flee reads dates out of order (a note)
    "ssudan_whole_revised": "ran",
    "ssudan_whole_revised_test": "ran",  # a duplicate location name (Pochalla)
    "syria2017_adm1": SHORT_CONFLICTS,  # 1,571 rows for 1,886 days
    "syria2017_adm2": NO_INPUT,
    "syria2022_2024": "ran",  # duplicate routes; a camp listed twice in data_layout.csv
    "validation": NO_INPUT,
}


@pytest.fixture(scope="module")
def corpus_rows(request: pytest.FixtureRequest) -> dict[str, SuiteRow]:
    root: Path = request.getfixturevalue("fabflee_dir")
    return {r.folder: r for r in run_suite(root, hasten=HASTEN, max_days=DAYS)}


@pytest.fixture(scope="module")
def fabflee_dir() -> Path:  # module scope, for corpus_rows: the fixture of conftest, once
    from conftest import FABFLEE_SCENARIOS, _shared

    return _shared(FABFLEE_SCENARIOS)


def test_the_table_covers_every_folder(fabflee_dir: Path) -> None:
    folders = {p.name for p in fabflee_dir.iterdir() if p.is_dir()}
    assert folders == set(EXPECTED)
    assert len(folders) == 43


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_each_folder_gets_its_expected_status(corpus_rows: dict[str, SuiteRow], folder: str) -> None:
    row = corpus_rows[folder]
    assert row.status.startswith(EXPECTED[folder]), row.status
    if row.status == "ran":
        assert row.places
        assert row.routes is not None
        assert row.days == DAYS or (folder == "dflee_example" and row.days == 11)  # its whole period: 11 days
        assert row.people is not None
        assert row.people > 0
        assert row.error is not None
        assert row.error >= 0


DFLEE_RUNS = ("Ethiopia_dflee", "Mozambique_dflee", "Nigeria_dflee", "bangladesh", "dflee_example")


@pytest.mark.parametrize("folder", DFLEE_RUNS)
def test_flood_folders_displace_people_but_no_more_than_their_flooded_places_hold(
    fabflee_dir: Path, folder: str
) -> None:
    sc = shortened(read_flee_folder(fabflee_dir / folder).with_hasten(HASTEN), DAYS)
    assert sc.floods is not None
    assert sc.floods.spawning is not None
    flooded = {f.place for f in sc.floods.levels}
    held = sum(p.population // HASTEN for p in sc.places if p.name in flooded) * HASTEN
    result = run_scenario(sc, seed=0)
    spawned = int(result.series("new").sum())
    assert 0 < spawned <= held
    left = int(result.series("residents")[-1].sum())
    everyone = sum(p.population // HASTEN for p in sc.places) * HASTEN
    assert left == everyone - spawned  # what the floods displaced left the residents


def test_a_folder_that_runs_reports_every_reading_note_once(fabflee_dir: Path) -> None:
    sc = read_flee_folder(fabflee_dir / "ssudan_whole_revised_test")
    dup = [n for n in sc.notes if "'Pochalla'" in n]
    assert len(dup) == 1
    assert "lines " in dup[0]
    assert len(sc.notes) == len(set(sc.notes))


# --- damaged copies: cut short, emptied, wrong encoding -------------------------------------

DAMAGED_FOLDERS = ("mali2012", "ethiopia", "syria2022_2024", "nigeria2016_adm2", "Nigeria_dflee")
FILES = (
    "simsetting.yml",
    "input_csv/locations.csv",
    "input_csv/routes.csv",
    "input_csv/closures.csv",
    "input_csv/conflicts.csv",
    "input_csv/sim_period.csv",
    "source_data/data_layout.csv",
    "input_csv/flood_level.csv",  # D-Flee's
    "input_csv/demographics_age.csv",
)


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]  # mid-row, usually mid-cell


def _empty(data: bytes) -> bytes:
    return b""


def _latin1(data: bytes) -> bytes:
    return data.replace(b"a", "\u00e4".encode("latin-1"), 1)  # one byte that is not UTF-8


DAMAGES = (_cut, _empty, _latin1)
DAMAGE_IDS = ["cut-short", "emptied", "latin-1"]


def _damage_and_check(src: Path, tmp_path: Path, rel: str, damage: object) -> None:
    """A copy of `src` with `rel` damaged gives one line saying what was expected, or runs."""
    assert callable(damage)
    folder = tmp_path / src.name
    shutil.copytree(src, folder)
    path = folder / rel
    path.write_bytes(damage(path.read_bytes()))
    try:
        read_flee_folder(folder)
    except ScenarioError as exc:
        line = exc.one_line()
        assert "\n" not in line, line
        assert "expected" in line, (rel, line)
    # Reading may also succeed (half a closures file is still closures): then it must run.
    row = run_folder(folder, hasten=HASTEN, max_days=5)
    statuses = ("not a scenario", "unsupported", "bad input")
    assert row.status == "ran" or row.status.split(":")[0] in statuses, (rel, row)


@pytest.mark.parametrize("damage", DAMAGES, ids=DAMAGE_IDS)
@pytest.mark.parametrize("rel", FILES)
@pytest.mark.parametrize("name", DAMAGED_FOLDERS)
def test_damaged_files_give_one_line_never_a_traceback(
    fabflee_dir: Path, tmp_path: Path, name: str, rel: str, damage: object
) -> None:
    src = fabflee_dir / name
    if not (src / rel).is_file():
        pytest.skip(f"{name} has no {rel}")
    _damage_and_check(src, tmp_path, rel, damage)


@pytest.mark.parametrize("damage", DAMAGES, ids=DAMAGE_IDS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_folder_with_a_damaged_file_gives_one_line_never_a_traceback(
    fabflee_dir: Path, tmp_path: Path, name: str, damage: object
) -> None:
    """Every folder of the corpus, not only the five above, with one of its own files damaged
    in each way: the file rotates with the folder's place in the list, so that across the
    corpus every kind of file (settings, inputs, observations, attributes) is met without
    running all 947 files x 3 damages (scripts/damage_sweep.py does that)."""
    src = fabflee_dir / name
    files = sorted(
        str(p.relative_to(src)) for p in src.rglob("*") if p.is_file() and p.suffix in (".csv", ".yml", ".yaml")
    )
    if not files:
        pytest.skip(f"{name} holds no csv or yml file")
    rel = files[sorted(EXPECTED).index(name) % len(files)]
    _damage_and_check(src, tmp_path, rel, damage)


def test_the_conflict_driven_folder_spawns_by_its_rule(fabflee_dir: Path) -> None:
    """nigeria2024 (pop_ratio 0.01, take_from_population): each day each active conflict zone
    spawns floor(0.01 x residents x intensity) and its residents shrink by as many."""
    import numpy as np

    from borderflow.engine.simulation import Simulation
    from borderflow.engine.world import compile_world

    sc = read_flee_folder(fabflee_dir / "nigeria2024").with_hasten(HASTEN)
    world = compile_world(sc.model_copy(update={"days": DAYS}))
    rec = Simulation(world, 0).run()
    residents = world.population.copy()
    for t in range(DAYS):
        expected = np.floor(0.01 * residents * world.conflict[t])
        np.testing.assert_array_equal(rec.new[t], expected)
        residents -= expected
    assert rec.new.sum() > 0
