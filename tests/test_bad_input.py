"""Malformed scenarios: each gives one line naming the file, the line or field and what was
expected, exit status 2 and no traceback.

Each Flee case starts from a tiny valid Flee folder made here and breaks one thing; each
native case writes a small YAML file. The CLI is called in-process (fast) with its output
captured.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from borderflow import cli
from borderflow.scenario import yamlfile

# --- a tiny valid Flee folder ---------------------------------------------------------------

LOCATIONS = """\
#name,region,country,latitude,longitude,location_type,conflict_date,population
Alpha,North,Homeland,10.0,10.0,conflict_zone,0,20000
Beta,North,Homeland,10.5,10.5,town,,3000
Gamma,South,Homeland,11.0,11.0,town,,1000
Camp_One,East,Nextdoor,12.0,11.0,camp,,5000
Camp_Two,West,Farland,11.0,12.5,camp,,
"""

ROUTES = """\
#name1,name2,distance,forced_redirection
Alpha,Beta,60,0
Beta,Gamma,90,0
Gamma,Camp_One,120,0
Beta,Camp_Two,300,0
"""

DAYS = 10

FLEE_FILES: dict[str, str] = {
    "simsetting.yml": """\
log_levels:
  agent: 0
spawn_rules:
  insert_day0: True
  take_from_population: False
move_rules:
  max_move_speed: 200.0
  camp_weight: 2.0
  start_on_foot: False
optimisations:
  hasten: 1
""",
    "input_csv/locations.csv": LOCATIONS,
    "input_csv/routes.csv": ROUTES,
    "input_csv/sim_period.csv": f"StartDate,2020-01-01\nLength,{DAYS}\n",
    "input_csv/conflicts.csv": "#Day,Alpha,Gamma\n" + "".join(f"{d},1,0\n" for d in range(DAYS)),
    "input_csv/closures.csv": "#closure_type,name1,name2,closure_start,closure_end\ncountry,Homeland,Farland,2,5\n",
    "source_data/data_layout.csv": "total,refugees.csv\nCamp_One,camp_one.csv\nCamp_Two,camp_two.csv\n",
    "source_data/refugees.csv": "Date,Refugee_numbers\n2020-01-01,0\n2020-01-10,900\n",
    "source_data/camp_one.csv": "#DateTime,count\n2020-01-01,0\n2020-01-05,300\n2020-01-10,600\n",
    "source_data/camp_two.csv": "2020-01-01,0\n2020-01-10,300\n",
}


def make_flee_folder(root: Path) -> Path:
    """A minimal valid Flee scenario folder: 5 locations (a conflict zone, 2 towns, 2 camps)."""
    folder = root / "tinyflee"
    for rel, text in FLEE_FILES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


# --- a tiny valid native scenario ------------------------------------------------------------

NATIVE = """\
name: tinynative
start_date: 2024-01-01
days: 20
places:
  - {name: Origin, kind: conflict, country: A, population: 10000}
  - {name: Junction, kind: town, country: A}
  - {name: Camp, kind: camp, country: B, capacity: 4000}
routes:
  - {a: Origin, b: Junction, distance_km: 60}
  - {a: Junction, b: Camp, distance_km: 120}
conflicts:
  - {place: Origin, start: 2024-01-01}
departures:
  - {place: Origin, start: 2024-01-01, end: 2024-01-10, per_day: 100}
observations:
  - place: Camp
    points:
      - {date: 2024-01-01, count: 0}
      - {date: 2024-01-20, count: 900}
spawn_rules: {data_driven: false}
"""


# --- ways of breaking a scenario -------------------------------------------------------------

Breaker = Callable[[Path], Path]  # given tmp_path, make a broken scenario and return its path


def flee(change: Callable[[Path], None]) -> Breaker:
    def build(tmp: Path) -> Path:
        folder = make_flee_folder(tmp)
        change(folder)
        return folder

    return build


def remove(rel: str) -> Breaker:
    def change(folder: Path) -> None:
        path = folder / rel
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

    return flee(change)


def replace(rel: str, old: str, new: str) -> Breaker:
    def change(folder: Path) -> None:
        path = folder / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return flee(change)


def write(rel: str, content: str | bytes) -> Breaker:
    def change(folder: Path) -> None:
        path = folder / rel
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return flee(change)


def append(rel: str, text: str) -> Breaker:
    def change(folder: Path) -> None:
        path = folder / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return flee(change)


def native(text: str | bytes, name: str = "scenario.yaml") -> Breaker:
    def build(tmp: Path) -> Path:
        path = tmp / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return build


def native_replace(old: str, new: str) -> Breaker:
    assert old in NATIVE, old
    return native(NATIVE.replace(old, new, 1))


@dataclass(frozen=True)
class Case:
    id: str
    build: Breaker
    file: str  # the file name the message must name
    where: str  # the line or field it must name
    says: str = ""  # a further fragment the message must contain


CASES: list[Case] = [
    # files and folders
    Case("missing-routes-csv", remove("input_csv/routes.csv"), "routes.csv", "input_csv/routes.csv", "not found"),
    Case("missing-locations-csv", remove("input_csv/locations.csv"), "locations.csv", "input_csv/locations.csv"),
    Case("missing-input-csv-folder", remove("input_csv"), "input_csv", "input_csv", "not found"),
    Case("missing-sim-period", remove("input_csv/sim_period.csv"), "sim_period.csv", "input_csv/sim_period.csv"),
    Case("missing-data-layout", remove("source_data/data_layout.csv"), "data_layout.csv", "source_data"),
    Case(
        "missing-observation-file",
        remove("source_data/camp_two.csv"),
        "data_layout.csv",
        "line 3",
        "camp_two.csv",
    ),
    Case("empty-routes-csv", write("input_csv/routes.csv", ""), "routes.csv", "line 1", "empty"),
    Case("empty-locations-csv", write("input_csv/locations.csv", "\n"), "locations.csv", "line 1", "empty"),
    Case(
        "latin1-locations",
        write("input_csv/locations.csv", LOCATIONS.replace("Gamma,South", "Gamma,Sür").encode("latin-1")),
        "locations.csv",
        "line 4",
        "UTF-8",
    ),
    # columns
    Case(
        "locations-missing-column",
        replace(
            "input_csv/locations.csv", "Beta,North,Homeland,10.5,10.5,town,,3000", "Beta,North,Homeland,10.5,town,,3000"
        ),
        "locations.csv",
        "line 3",
        "8 columns",
    ),
    Case(
        "routes-missing-distance-column",
        write("input_csv/routes.csv", "#name1,name2\nAlpha,Beta\n"),
        "routes.csv",
        "line 2",
        "distance",
    ),
    Case(
        "routes-row-short",
        replace("input_csv/routes.csv", "Beta,Gamma,90,0", "Beta,Gamma"),
        "routes.csv",
        "line 3",
        "3 columns",
    ),
    Case(
        "routes-extra-column",
        replace("input_csv/routes.csv", "Beta,Gamma,90,0", "Beta,Gamma,90,0,7"),
        "routes.csv",
        "line 3",
        "4 columns",
    ),
    Case(
        "routes-unknown-column",
        replace(
            "input_csv/routes.csv",
            "#name1,name2,distance,forced_redirection",
            "#name1,name2,distance,forced_redirection,walk_probability",
        ),
        "routes.csv",
        "column walk_probability",
        "not implemented",
    ),
    Case(
        "conflicts-wrong-value-count",
        replace("input_csv/conflicts.csv", "3,1,0", "3,1,0,1"),
        "conflicts.csv",
        "line 5",
        "2 values",
    ),
    Case(
        "conflicts-too-few-days",
        write("input_csv/conflicts.csv", "#Day,Alpha\n0,1\n1,1\n"),
        "conflicts.csv",
        "line 3",
        "10",
    ),
    # values
    Case(
        "route-unknown-place",
        replace("input_csv/routes.csv", "Beta,Gamma,90", "Beta,Gama,90"),
        "routes.csv",
        "line 3",
        "Gama",
    ),
    Case(
        "negative-distance",
        replace("input_csv/routes.csv", "Alpha,Beta,60", "Alpha,Beta,-60"),
        "routes.csv",
        "line 2",
        "distance",
    ),
    Case(
        "non-numeric-distance",
        replace("input_csv/routes.csv", "Alpha,Beta,60", "Alpha,Beta,sixty"),
        "routes.csv",
        "line 2",
        "sixty",
    ),
    Case(
        "nan-distance",
        replace("input_csv/routes.csv", "Alpha,Beta,60", "Alpha,Beta,nan"),
        "routes.csv",
        "line 2",
        "finite",
    ),
    Case(
        "inf-population",
        replace("input_csv/locations.csv", "conflict_zone,0,20000", "conflict_zone,0,inf"),
        "locations.csv",
        "line 2",
        "finite",
    ),
    Case(
        "negative-population",
        replace("input_csv/locations.csv", "town,,3000", "town,,-3000"),
        "locations.csv",
        "line 3",
        "population",
    ),
    Case(
        "fractional-population",
        replace("input_csv/locations.csv", "town,,3000", "town,,3000.5"),
        "locations.csv",
        "line 3",
        "whole number",
    ),
    Case(
        "unknown-location-type",
        replace(
            "input_csv/locations.csv", "Gamma,South,Homeland,11.0,11.0,town", "Gamma,South,Homeland,11.0,11.0,village"
        ),
        "locations.csv",
        "line 4",
        "village",
    ),
    Case(
        "latitude-out-of-range",
        replace("input_csv/locations.csv", "Beta,North,Homeland,10.5", "Beta,North,Homeland,100.5"),
        "locations.csv",
        "line 3",
        "latitude",
    ),
    Case(
        "locations-header-only",
        write("input_csv/locations.csv", LOCATIONS.splitlines()[0] + "\n"),
        "locations.csv",
        "line 2",
        "no locations",
    ),
    Case(
        "conflict-at-unknown-place",
        write("input_csv/conflicts.csv", "#Day,Alpha,Atlantis\n" + "".join(f"{d},1,1\n" for d in range(DAYS))),
        "conflicts.csv",
        "line 2",
        "Atlantis",
    ),
    Case(
        "registration-correction-unknown-camp",
        write("input_csv/registration_corrections.csv", "Camp_Three,2020-01-05,normalize\n"),
        "registration_corrections.csv",
        "line 1",
        "Camp_Three",
    ),
    # the period and dates
    Case(
        "sim-period-bad-date",
        write("input_csv/sim_period.csv", "StartDate,01/01/2020\nLength,10\n"),
        "sim_period.csv",
        "line 1",
        "YYYY-MM-DD",
    ),
    Case(
        "sim-period-unknown-key",
        write("input_csv/sim_period.csv", "StartDate,2020-01-01\nDuration,10\n"),
        "sim_period.csv",
        "line 2",
        "Length",
    ),
    Case(
        "sim-period-no-length",
        write("input_csv/sim_period.csv", "StartDate,2020-01-01\n"),
        "sim_period.csv",
        "Length",
    ),
    Case(
        "sim-period-zero-length",
        write("input_csv/sim_period.csv", "StartDate,2020-01-01\nLength,0\n"),
        "sim_period.csv",
        "line 2",
    ),
    Case(
        "closure-start-before-the-period",
        replace("input_csv/closures.csv", "country,Homeland,Farland,2,5", "country,Homeland,Farland,-2,5"),
        "closures.csv",
        "line 2",
        "closure_start",
    ),
    Case(
        "sim-period-too-long",
        write("input_csv/sim_period.csv", "StartDate,2020-01-01\nLength,10000000\n"),
        "sim_period.csv",
        "line 2",
        "Length",
    ),
    Case(
        "closure-unknown-place",
        replace("input_csv/closures.csv", "country,Homeland,Farland", "location,Atlantis,"),
        "closures.csv",
        "line 2",
        "Atlantis",
    ),
    Case(
        "closure-unknown-type",
        replace("input_csv/closures.csv", "country,Homeland", "border,Homeland"),
        "closures.csv",
        "line 2",
        "border",
    ),
    Case(
        "closure-unknown-country",
        replace("input_csv/closures.csv", "country,Homeland,Farland", "country,Homeland,Narnia"),
        "closures.csv",
        "line 2",
        "Narnia",
    ),
    Case(
        "closure-unknown-link",
        replace("input_csv/closures.csv", "country,Homeland,Farland", "link,Alpha,Camp_Two"),
        "closures.csv",
        "line 2",
        "route",
    ),
    Case(
        "closure-non-integer-day",
        replace("input_csv/closures.csv", "Farland,2,5", "Farland,two,5"),
        "closures.csv",
        "line 2",
        "closure_start",
    ),
    Case(
        "observation-bad-date",
        write("source_data/camp_one.csv", "2020-01-01,0\n5 Jan 2020,300\n"),
        "camp_one.csv",
        "line 2",
        "YYYY-MM-DD",
    ),
    Case(
        "observation-negative-count",
        write("source_data/camp_one.csv", "2020-01-01,0\n2020-01-05,-300\n"),
        "camp_one.csv",
        "line 2",
        "count",
    ),
    # simsetting.yml
    Case(
        "simsetting-unknown-key",
        replace("simsetting.yml", "camp_weight:", "camp_wieght:"),
        "simsetting.yml",
        "move_rules.camp_wieght",
        "camp_weight",
    ),
    Case(
        "simsetting-unknown-section",
        append("simsetting.yml", "movement_rules:\n  x: 1\n"),
        "simsetting.yml",
        "movement_rules",
    ),
    Case(
        "simsetting-agents-from-csv",
        replace("simsetting.yml", "take_from_population: False", "read_from_agents_csv_file: True"),
        "simsetting.yml",
        "spawn_rules.read_from_agents_csv_file",
        "not implemented",
    ),
    Case(
        "simsetting-hasten-not-integer",
        replace("simsetting.yml", "hasten: 1", "hasten: 2.5"),
        "simsetting.yml",
        "optimisations.hasten",
        "2.5",
    ),
    Case(
        "simsetting-bad-value",
        replace("simsetting.yml", "max_move_speed: 200.0", "max_move_speed: fast"),
        "simsetting.yml",
        "move_rules.max_move_speed",
        "fast",
    ),
    Case(
        "simsetting-not-mapping",
        write("simsetting.yml", "- move_rules\n- spawn_rules\n"),
        "simsetting.yml",
        "line 1",
        "mapping",
    ),
    Case(
        "simsetting-invalid-yaml",
        replace("simsetting.yml", "  camp_weight: 2.0", "  camp_weight: [2.0"),
        "simsetting.yml",
        "line",
        "YAML",
    ),
    Case(
        "simsetting-duplicate-key",
        replace("simsetting.yml", "  camp_weight: 2.0\n", "  camp_weight: 2.0\n  camp_weight: 3.0\n"),
        "simsetting.yml",
        "line 9",
        "duplicate key 'camp_weight'",
    ),
    # native YAML
    Case(
        "native-observation-unknown-place",
        native_replace("  - place: Camp\n", "  - place: Camp Nord\n"),
        "scenario.yaml",
        "observations[0].place",
        "Camp Nord",
    ),
    Case(
        "native-departure-outside-period",
        native_replace("end: 2024-01-10", "end: 2024-03-10"),
        "scenario.yaml",
        "departures[0].end",
        "2024-03-10",
    ),
    Case(
        "native-unknown-key",
        native_replace("population: 10000", "popultion: 10000"),
        "scenario.yaml",
        "places[0].popultion",
        "population",
    ),
    Case(
        "native-unknown-top-level-key",
        native(NATIVE + "obsevations: []\n"),
        "scenario.yaml",
        "obsevations",
        "observations",
    ),
    Case(
        "native-duplicate-key",
        native(NATIVE + "days: 30\n"),
        "scenario.yaml",
        "line 21",
        "duplicate key 'days'",
    ),
    Case(
        "native-python-name-tag",
        native_replace("days: 20", "days: !!python/name:os.system ''"),
        "scenario.yaml",
        "line 3",
        "python/name",
    ),
    Case(
        "native-closure-ends-before-start",
        native(NATIVE + "closures:\n  - {kind: location, a: Junction, start: 2024-01-10, end: 2024-01-05}\n"),
        "scenario.yaml",
        "closures[0]",
        "before it starts",
    ),
    Case(
        "native-file-not-found",
        lambda tmp: tmp / "nosuch.yaml",
        "nosuch.yaml",
        "nosuch.yaml",
        "not found",
    ),
    Case("native-not-mapping", native("- just\n- a list\n"), "scenario.yaml", "line 1", "mapping"),
    Case("native-empty-file", native(""), "scenario.yaml", "line 1", "empty"),
    Case(
        "native-invalid-yaml",
        native_replace("  - {name: Junction, kind: town, country: A}", "  - {name: Junction, kind: town, country: A"),
        "scenario.yaml",
        "line",
        "YAML",
    ),
    Case(
        "native-python-object-tag",
        native(NATIVE + "description: !!python/object/apply:os.system ['echo pwned']\n"),
        "scenario.yaml",
        "line 21",
        "python/object",
    ),
    Case(
        "native-latin1",
        native(NATIVE.replace("name: tinynative", "name: tinynatïve").encode("latin-1")),
        "scenario.yaml",
        "line 1",
        "UTF-8",
    ),
    Case(
        "native-bad-date",
        native_replace("start_date: 2024-01-01", "start_date: 01/01/2024"),
        "scenario.yaml",
        "start_date",
        "01/01/2024",
    ),
    Case(
        "native-unknown-kind",
        native_replace("kind: town", "kind: village"),
        "scenario.yaml",
        "places[1].kind",
        "village",
    ),
    Case(
        "native-negative-population",
        native_replace("population: 10000", "population: -10"),
        "scenario.yaml",
        "places[0].population",
        "-10",
    ),
    Case(
        "native-nan-distance",
        native_replace("distance_km: 60", "distance_km: .nan"),
        "scenario.yaml",
        "routes[0].distance_km",
        "nan",
    ),
    Case(
        "native-duplicate-place",
        native_replace("name: Junction", "name: Origin"),
        "scenario.yaml",
        "places[1].name",
        "Origin",
    ),
    Case(
        "native-route-to-itself",
        native_replace("{a: Junction, b: Camp,", "{a: Camp, b: Camp,"),
        "scenario.yaml",
        "routes[1]",
        "itself",
    ),
    Case(
        "native-missing-key",
        native_replace("days: 20\n", ""),
        "scenario.yaml",
        "days",
        "missing",
    ),
    Case(
        "native-observation-decreasing-dates",
        native_replace("{date: 2024-01-20, count: 900}", "{date: 2023-12-20, count: 900}"),
        "scenario.yaml",
        "observations[0].points",
        "increasing",
    ),
]


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Call the CLI in-process; returns (exit status, stdout, stderr)."""
    monkeypatch.setenv("COLUMNS", "80")  # narrow on purpose: the error line must not wrap
    monkeypatch.setattr(sys, "argv", ["borderflow", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str, case: Case) -> None:
    assert "Traceback" not in out + err
    assert code == 2, (code, out, err)
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0].strip(), err
    line = lines[0]
    assert line.startswith("error: "), line
    assert case.file in line, line
    assert case.where in line, line
    assert "expected" in line.lower(), line
    assert case.says in line, line


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_clear_line(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.build(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, out, err, case)
    assert not (tmp_path / "out").exists()


def test_cases_are_distinct() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 30


def test_oversized_yaml_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = native(NATIVE)(tmp_path)
    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 100)
    code, out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, out, err, Case("oversized", native(""), "scenario.yaml", "line", "100 bytes"))


def test_import_flee_reports_bad_input_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = replace("input_csv/routes.csv", "Alpha,Beta,60", "Alpha,Beta,-60")(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "import-flee", str(folder), "-o", str(tmp_path / "x.yaml"))
    assert_one_line_error(code, out, err, Case("import", native(""), "routes.csv", "line 2", "distance"))
    assert not (tmp_path / "x.yaml").exists()


def test_valid_tiny_flee_folder_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_flee_folder(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "run", str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "Traceback" not in out + err
    assert (tmp_path / "out").is_dir()
    assert "error" not in err


def test_valid_tiny_native_file_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = native(NATIVE)(tmp_path)
    code, _out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out").is_dir()


def test_brackets_in_values_are_printed_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = native_replace("{a: Junction, b: Camp,", '{a: Junction, b: "[/bold]",')(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, out, err, Case("brackets", native(""), "scenario.yaml", "routes[1].b", "'[/bold]'"))
