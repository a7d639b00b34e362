"""Hostile input: every case ends in exit 0 with a correct result, or exit 2 with one line naming
the file, the line or field and what was expected; never a traceback, never a hang.

Extends tests/test_bad_input.py (malformed scenarios) with what a hostile tester tried: YAML
alias bombs and deep nesting, overflowing numbers and dates, bools taken as numbers, control
characters, files outside the scenario folder, CLI options and the Python API. Every case runs
in-process under an alarm, so a regression that hangs fails in seconds instead of blocking.
Limit refusals must also be quick (under a second).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import borderflow
from borderflow.ensemble import run_ensemble
from borderflow.scenario import ScenarioError, load_scenario
from borderflow.scenario.limits import MAX_PATH_HOPS, MAX_SEED, MAX_YAML_ALIAS_NODES, MAX_YAML_DEPTH
from test_bad_border_input import BASE as BORDER_BASE
from test_bad_input import (
    NATIVE,
    Breaker,
    Case,
    append,
    assert_one_line_error,
    make_flee_folder,
    native,
    native_replace,
    replace,
    run_cli,
    write,
)

HANG_SECONDS = 20  # far above any case's run time: reaching it means a hang
LIMIT_SECONDS = 1.0  # a limit refuses in under a second


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in this (main) thread after `seconds`: a hang fails instead of blocking."""

    def fire(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer after {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- native scenario values, field by field -----------------------------------------------

NATIVE_DATA: dict[str, Any] = yaml.safe_load(NATIVE)

# (field as the error names it, path into the data) for numeric fields of the tiny scenario
NUMERIC_FIELDS = [
    ("days", ["days"]),
    ("seed", ["seed"]),
    ("hasten", ["hasten"]),
    ("places[0].population", ["places", 0, "population"]),
    ("places[2].capacity", ["places", 2, "capacity"]),
    ("routes[0].distance_km", ["routes", 0, "distance_km"]),
    ("departures[0].per_day", ["departures", 0, "per_day"]),
    ("conflicts[0].intensity", ["conflicts", 0, "intensity"]),
    ("observations[0].points[1].count", ["observations", 0, "points", 1, "count"]),
    ("move_rules.awareness_level", ["move_rules", "awareness_level"]),
    ("move_rules.max_move_speed", ["move_rules", "max_move_speed"]),
    ("move_rules.camp_movechance", ["move_rules", "camp_movechance"]),
    ("places[1].lat", ["places", 1, "lat"]),
]

# YAML text of values that no numeric field of the scenario accepts (lat accepts -5)
BAD_NUMBERS = {
    "true": "true",
    "false": "false",
    "text": "many",
    "list": "[1, 2]",
    "mapping": "{a: 1}",
    "inf": ".inf",
    "nan": ".nan",
    "negative": "-5",
    "huge-float": "1.0e+300",
    "huge-int": "1" + "0" * 25,
}


def _set(data: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(data))
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
    node[path[-1]] = value
    return data


def native_with(path: list[Any], yaml_value: str) -> Breaker:
    """The tiny native scenario with the value at `path` replaced by the YAML text `yaml_value`."""
    marker = "__HOSTILE__"
    text = yaml.safe_dump(_set(NATIVE_DATA, path, marker), sort_keys=False)
    return native(text.replace(marker, yaml_value))


def _value_cases() -> list[Case]:
    out = []
    for field, path in NUMERIC_FIELDS:
        for label, text in BAD_NUMBERS.items():
            if field == "places[1].lat" and label == "negative":
                continue  # a valid latitude
            out.append(Case(f"native-{field}-{label}", native_with(path, text), "scenario.yaml", field))
    return out


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" if prev else f"{name}: &{name} [x, x, x, x, x, x, x, x, x]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
)
HEAD = "name: bomb\nstart_date: 2024-01-01\ndays: 3\n"


def _bomb(where: str) -> str:
    """A "billion laughs" file whose expansion lands in `where` (9^9 = 387 million strings)."""
    return HEAD + BOMB + f"{where}: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"


def _deep_block(depth: int) -> str:
    return HEAD + "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}leaf\n"


def _complete_graph_data(n: int, awareness: int) -> dict[str, Any]:
    places = [{"name": f"p{i}", "kind": "town", "country": "A"} for i in range(n)]
    routes = [{"a": f"p{i}", "b": f"p{j}", "distance_km": 10} for i in range(n) for j in range(i + 1, n)]
    data = {"name": "dense", "start_date": "2024-01-01", "days": 3, "places": places, "routes": routes}
    data["move_rules"] = {"awareness_level": awareness}
    return data


def _complete_graph(n: int, awareness: int) -> str:
    return yaml.safe_dump(_complete_graph_data(n, awareness), default_flow_style=True, width=10_000)


BORDER_YAML = yaml.safe_dump(BORDER_BASE, sort_keys=False)


def border_with(**change: Any) -> Breaker:
    data = yaml.safe_load(BORDER_YAML)
    for path, value in change.items():
        node = data
        keys = path.split("/")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        node[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return native(yaml.safe_dump(data, sort_keys=False))


def no_border(policy: dict[str, Any]) -> Breaker:
    return native(NATIVE + "policies:\n  p: [" + json.dumps(policy) + "]\ndefault_policy: p\n")


# Limit refusals (timed: under a second each)
LIMIT_CASES = [
    Case(
        "yaml-alias-bomb-in-description",
        native(_bomb("description"), "bomb.yaml"),
        "bomb.yaml",
        "line",
        "aliases repeat",
    ),
    Case("yaml-alias-bomb-in-places", native(_bomb("places"), "bomb.yaml"), "bomb.yaml", "line", "aliases repeat"),
    Case(
        "yaml-alias-bomb-as-key-list",
        native(_bomb("notes"), "bomb.yaml"),
        "bomb.yaml",
        "line",
        str(MAX_YAML_ALIAS_NODES),
    ),
    Case(
        "yaml-50000-brackets", native("a: " + "[" * 50_000 + "]" * 50_000 + "\n"), "scenario.yaml", "line 1", "nesting"
    ),
    Case("yaml-50000-braces", native("a: " + "{b: " * 50_000 + "1" + "}" * 50_000 + "\n"), "scenario.yaml", "line 1"),
    Case("yaml-deep-block", native(_deep_block(MAX_YAML_DEPTH + 5)), "scenario.yaml", "line", str(MAX_YAML_DEPTH)),
    Case("yaml-5000-digit-seed", native(NATIVE + "seed: " + "9" * 5000 + "\n"), "scenario.yaml", "line 21", "digits"),
    Case("yaml-5000-digit-days", native_replace("days: 20", "days: " + "7" * 5000), "scenario.yaml", "line 3"),
    Case("yaml-huge-binary-int", native_replace("days: 20", "days: 0b" + "1" * 4000), "scenario.yaml", "line 3"),
]

HOSTILE_NATIVE = [
    Case(
        "dense-network-awareness-4",
        native(_complete_graph(40, 4), "dense.yaml"),
        "dense.yaml",
        "move_rules.awareness_level",
        str(MAX_PATH_HOPS),
    ),
    # the reported ones
    Case("days-true", native_replace("days: 20", "days: true"), "scenario.yaml", "days", "true"),
    Case("hasten-1e30", native(NATIVE + "hasten: 1.0e+30\n"), "scenario.yaml", "hasten"),
    Case("hasten-1e30-plain", native(NATIVE + "hasten: 1e30\n"), "scenario.yaml", "hasten"),
    Case("hasten-above-limit", native(NATIVE + "hasten: 2000000\n"), "scenario.yaml", "hasten", "1000000"),
    Case(
        "start-date-9999",
        native_replace("start_date: 2024-01-01", "start_date: 9999-12-01"),
        "scenario.yaml",
        "start_date",
    ),
    Case(
        "start-date-0001",
        native_replace("start_date: 2024-01-01", "start_date: 0001-01-01"),
        "scenario.yaml",
        "start_date",
    ),
    Case(
        "start-date-as-number",
        native_replace("start_date: 2024-01-01", "start_date: 20240101"),
        "scenario.yaml",
        "start_date",
        "date",
    ),
    Case(
        "start-date-text", native_replace("start_date: 2024-01-01", "start_date: soon"), "scenario.yaml", "start_date"
    ),
    Case(
        "period-past-2199",
        native_replace("start_date: 2024-01-01", "start_date: 2199-12-25"),
        "scenario.yaml",
        "days",
        "2199-12-31",
    ),
    Case("days-100001", native_replace("days: 20", "days: 100001"), "scenario.yaml", "days"),
    Case("days-zero", native_replace("days: 20", "days: 0"), "scenario.yaml", "days"),
    Case("days-fraction", native_replace("days: 20", "days: 20.5"), "scenario.yaml", "days"),
    Case(
        "closure-end-year-9999",
        native(NATIVE + "closures:\n  - {kind: location, a: Junction, start: 2024-01-05, end: 9999-12-31}\n"),
        "scenario.yaml",
        "closures[0].end",
    ),
    Case(
        "nul-in-scenario-name",
        native_replace("name: tinynative", 'name: "tiny\\0native"'),
        "scenario.yaml",
        "name",
        "U+0000",
    ),
    Case(
        "nul-in-place-name",
        native_replace("name: Junction", 'name: "Junc\\0tion"'),
        "scenario.yaml",
        "places[1].name",
        "U+0000",
    ),
    Case(
        "bell-in-country",
        native_replace("country: B", 'country: "B\\a"'),
        "scenario.yaml",
        "places[2].country",
        "U+0007",
    ),
    Case(
        "escape-in-description",
        native(NATIVE + 'description: "\\e[31mred"\n'),
        "scenario.yaml",
        "description",
        "U+001B",
    ),
    Case("name-201-chars", native_replace("name: tinynative", "name: " + "n" * 201), "scenario.yaml", "name", "200"),
    Case("name-empty", native_replace("name: tinynative", 'name: ""'), "scenario.yaml", "name"),
    Case("name-is-list", native_replace("name: tinynative", "name: [a, b]"), "scenario.yaml", "name"),
    Case(
        "emoji-code-in-place",
        native_replace("  - place: Camp\n", '  - place: ":smile:"\n'),
        "scenario.yaml",
        "observations[0].place",
        "':smile:'",
    ),
    Case(
        "markup-in-place",
        native_replace("  - place: Camp\n", '  - place: "[red]x[/red]"\n'),
        "scenario.yaml",
        "observations[0].place",
        "'[red]x[/red]'",
    ),
    Case(
        "close-port-without-border",
        no_border({"type": "close_port", "ports": ["Camp"]}),
        "scenario.yaml",
        "policies.p[0]",
        "close_port",
    ),
    Case(
        "quota-without-border",
        no_border({"type": "appointment_quota", "factor": 0.5}),
        "scenario.yaml",
        "policies.p[0]",
        "appointment_quota",
    ),
    Case(
        "redeploy-without-border",
        no_border({"type": "redeploy_staff", "ports": ["Camp"], "officers": 3}),
        "scenario.yaml",
        "policies.p[0]",
        "redeploy_staff",
    ),
    Case(
        "close-port-not-a-port",
        border_with(**{"policies": {"p": [{"type": "close_port", "ports": ["City"]}]}}),
        "scenario.yaml",
        "policies.p[0].ports[0]",
        "'City'",
    ),
    Case(
        "processing-1e308",
        border_with(**{"border/ports/0/processing_per_day": 1e308}),
        "scenario.yaml",
        "border.ports[0].processing_per_day",
    ),
    Case(
        "processing-true",
        border_with(**{"border/ports/0/processing_per_day": True}),
        "scenario.yaml",
        "border.ports[0].processing_per_day",
        "true",
    ),
    Case(
        "officers-huge", border_with(**{"border/ports/0/officers": 10**15}), "scenario.yaml", "border.ports[0].officers"
    ),
    Case(
        "appointments-flag-number",
        border_with(**{"border/ports/0/appointments": 1}),
        "scenario.yaml",
        "border.ports[0].appointments",
        "true or false",
    ),
    Case(
        "quota-factor-inf",
        border_with(**{"policies": {"p": [{"type": "appointment_quota", "factor": math.inf}]}}),
        "scenario.yaml",
        "policies.p[0].appointment_quota.factor",  # pydantic names the policy type in the path
    ),
    Case("caravan-size-1e300", border_with(**{"caravans/0/size": 1e300}), "scenario.yaml", "caravans[0].size"),
    Case("caravan-date-9999", border_with(**{"caravans/0/date": "9999-01-01"}), "scenario.yaml", "caravans[0].date"),
    Case(
        "spawn-flag-yes-string",
        native_replace("spawn_rules: {data_driven: false}", "spawn_rules: {data_driven: 'no'}"),
        "scenario.yaml",
        "spawn_rules.data_driven",
        "true or false",
    ),
    Case(
        "spawn-flag-zero",
        native_replace("spawn_rules: {data_driven: false}", "spawn_rules: {data_driven: 0}"),
        "scenario.yaml",
        "spawn_rules.data_driven",
    ),
    Case(
        "forced-redirection-true",
        native_replace("distance_km: 60}", "distance_km: 60, forced_redirection: true}"),
        "scenario.yaml",
        "routes[0].forced_redirection",
    ),
    Case(
        "uncertain-low-true",
        native(NATIVE + "uncertain:\n  - {path: days, distribution: {kind: uniform, low: true, high: 3}}\n"),
        "scenario.yaml",
        "uncertain[0].distribution",
    ),
    Case("policies-not-mapping", native(NATIVE + "policies: [1, 2]\n"), "scenario.yaml", "policies"),
    # YAML itself
    Case("yaml-recursive-alias", native(HEAD + "places: &p [*p]\n"), "scenario.yaml", "line", "cycles"),
    Case("yaml-undefined-alias", native(HEAD + "places: *nothing\n"), "scenario.yaml", "line 4", "YAML"),
    Case("yaml-duplicate-anchor", native(HEAD + "a: &x 1\nb: &x 2\n"), "scenario.yaml", "line", "YAML"),
    Case("yaml-two-documents", native(NATIVE + "---\nname: second\n"), "scenario.yaml", "line", "YAML"),
    Case("yaml-tab-indent", native(NATIVE + "move_rules:\n\tawareness_level: 2\n"), "scenario.yaml", "line", "YAML"),
    Case("yaml-unknown-tag", native(NATIVE + "description: !shout hello\n"), "scenario.yaml", "line 21"),
    Case("yaml-binary-tag", native(NATIVE + "description: !!binary /w==\n"), "scenario.yaml", "description"),
    Case("yaml-set-tag", native(NATIVE + "days: !!set {a, b}\n"), "scenario.yaml", "days"),
    Case("yaml-complex-key", native(NATIVE + "? [a, b]\n: 1\n"), "scenario.yaml", "line"),
    Case("yaml-int-key", native(NATIVE + "1: x\n"), "scenario.yaml", "[1]", "strings"),
    Case("yaml-null-key", native(NATIVE + "null: x\n"), "scenario.yaml", "None"),
    Case(
        "yaml-nested-duplicate-key",
        native_replace("population: 10000}", "population: 10000, population: 5}"),
        "scenario.yaml",
        "line 5",
        "duplicate key",
    ),
    Case(
        "yaml-merge-key-unknown",
        native(NATIVE + "base: &b {x: 1}\nmove_rules: {<<: *b}\n"),
        "scenario.yaml",
        "move_rules.x",
    ),
    # files
    Case("empty-file", native(""), "scenario.yaml", "line 1", "empty"),
    Case("only-comment", native("# nothing here\n"), "scenario.yaml", "line 1", "empty"),
    Case("only-whitespace", native("   \n\n  \n"), "scenario.yaml", "line 1", "empty"),
    Case("scalar-top-level", native("42\n"), "scenario.yaml", "line 1", "mapping"),
    Case("binary-garbage", native(bytes(range(256)) * 4), "scenario.yaml", "line", "UTF-8"),
    Case("nul-bytes", native(b"name: x\x00\x00\n"), "scenario.yaml", "line 1"),
    Case("utf16-file", native(NATIVE.encode("utf-16")), "scenario.yaml", "line 1", "UTF-8"),
    Case("png-header", native(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "scenario.yaml", "line 1", "UTF-8"),
    Case("directory-as-file", lambda tmp: (tmp / "dir.yaml").mkdir() or tmp / "dir.yaml", "dir.yaml", "dir.yaml"),
]


def _flee_write_bytes(rel: str, data: bytes) -> Breaker:
    return write(rel, data)


def _symlink(rel: str, target: Callable[[Path], Path]) -> Breaker:
    def build(tmp: Path) -> Path:
        folder = make_flee_folder(tmp)
        link = folder / rel
        link.unlink(missing_ok=True)
        link.symlink_to(target(tmp))
        return folder

    return build


def _outside_file(tmp: Path) -> Path:
    path = tmp / "outside.csv"
    path.write_text("2020-01-01,0\n2020-01-10,300\n", encoding="utf-8")
    return path


LAYOUT = "source_data/data_layout.csv"
HOSTILE_FLEE = [
    Case(
        "layout-etc-passwd",
        write(LAYOUT, "total,refugees.csv\nCamp_One,../../../../../../../../etc/passwd\n"),
        "data_layout.csv",
        "line 2",
        "outside the scenario folder",
    ),
    Case(
        "layout-absolute-path",
        write(LAYOUT, "total,refugees.csv\nCamp_One,/etc/passwd\n"),
        "data_layout.csv",
        "line 2",
        "outside",
    ),
    Case("layout-parent-file", write(LAYOUT, "total,../../outside.csv\n"), "data_layout.csv", "line 1", "--data-root"),
    Case(
        "layout-symlink-out",
        _symlink("source_data/camp_two.csv", _outside_file),
        "data_layout.csv",
        "line 3",
        "outside",
    ),
    Case("layout-nul-in-name", write(LAYOUT, "total,refugees\x00.csv\n"), "data_layout.csv", "line 1", "U+0000"),
    Case("layout-names-folder", write(LAYOUT, "total,../source_data\n"), "source_data", "folder"),
    Case(
        "start-date-9999",
        write("input_csv/sim_period.csv", "StartDate,9999-12-01\nLength,10\n"),
        "sim_period.csv",
        "line 1",
        "1800-01-01",
    ),
    Case(
        "start-date-1066",
        write("input_csv/sim_period.csv", "StartDate,1066-10-14\nLength,10\n"),
        "sim_period.csv",
        "line 1",
        "out of range",
    ),
    Case(
        "period-past-2199",
        write("input_csv/sim_period.csv", "StartDate,2199-12-25\nLength,10\n"),
        "tinyflee",
        "days",
        "2199-12-31",
    ),
    Case(
        "length-5000-digits",
        write("input_csv/sim_period.csv", "StartDate,2020-01-01\nLength," + "9" * 5000 + "\n"),
        "sim_period.csv",
        "line 2",
        "Length",
    ),
    Case(
        "closure-start-1e15",
        replace("input_csv/closures.csv", "Farland,2,5", "Farland,1000000000000000,5"),
        "closures.csv",
        "line 2",
        "closure_start",
    ),
    Case(
        "population-1e300",
        replace("input_csv/locations.csv", "town,,3000", "town,,1e300"),
        "locations.csv",
        "line 3",
        "population",
    ),
    Case(
        "distance-1e300",
        replace("input_csv/routes.csv", "Alpha,Beta,60", "Alpha,Beta,1e300"),
        "routes.csv",
        "line 2",
        "distance",
    ),
    Case(
        "name-300-chars",
        replace("input_csv/locations.csv", "Gamma,South", "G" * 300 + ",South"),
        "locations.csv",
        "line 4",
        "name",
    ),
    Case(
        "name-control-char",
        replace("input_csv/locations.csv", "Gamma,South", "Gam\x01ma,South"),
        "locations.csv",
        "line 4",
        "U+0001",
    ),
    Case(
        "observation-date-9999",
        write("source_data/camp_one.csv", "2020-01-01,0\n9999-12-31,300\n"),
        "camp_one.csv",
        "line 2",
        "out of range",
    ),
    Case(
        "observation-count-1e300",
        write("source_data/camp_one.csv", "2020-01-01,0\n2020-01-05,1e300\n"),
        "camp_one.csv",
        "line 2",
        "count",
    ),
    Case(
        "simsetting-hasten-1e30",
        replace("simsetting.yml", "hasten: 1", "hasten: 1.0e+30"),
        "simsetting.yml",
        "optimisations.hasten",
    ),
    Case(
        "simsetting-hasten-huge-int",
        replace("simsetting.yml", "hasten: 1", "hasten: 99999999999999999999999"),
        "simsetting.yml",
        "optimisations.hasten",
    ),
    Case(
        "simsetting-hasten-true",
        replace("simsetting.yml", "hasten: 1", "hasten: true"),
        "simsetting.yml",
        "optimisations.hasten",
    ),
    Case(
        "simsetting-awareness-true",
        replace("simsetting.yml", "camp_weight: 2.0", "awareness_level: true"),
        "simsetting.yml",
        "move_rules.awareness_level",
        "true",
    ),
    Case(
        "simsetting-speed-inf",
        replace("simsetting.yml", "max_move_speed: 200.0", "max_move_speed: .inf"),
        "simsetting.yml",
        "move_rules.max_move_speed",
    ),
    Case(
        "simsetting-alias-bomb",
        write("simsetting.yml", BOMB + "move_rules: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"),
        "simsetting.yml",
        "line",
        "aliases",
    ),
    Case(
        "simsetting-deep-nesting",
        write("simsetting.yml", "move_rules: " + "[" * 50_000 + "]" * 50_000 + "\n"),
        "simsetting.yml",
        "line 1",
        "nesting",
    ),
    Case("simsetting-binary", write("simsetting.yml", b"\xff\xfe\x00garbage"), "simsetting.yml", "line 1", "UTF-8"),
    Case(
        "routes-binary",
        _flee_write_bytes("input_csv/routes.csv", bytes(range(128, 256))),
        "routes.csv",
        "line 1",
        "UTF-8",
    ),
    Case(
        "routes-nul-cell", replace("input_csv/routes.csv", "Alpha,Beta,60", "Alpha,Be\x00ta,60"), "routes.csv", "line 2"
    ),
    Case("locations-is-folder", lambda tmp: _folder_instead(tmp, "input_csv/locations.csv"), "locations.csv", "folder"),
    Case(
        "closure-end-1e15",
        replace("input_csv/closures.csv", "Farland,2,5", "Farland,2,1000000000000000"),
        "closures.csv",
        "line 2",
        "closure_end",
    ),
    Case(
        "latitude-huge",
        replace("input_csv/locations.csv", "Beta,North,Homeland,10.5", "Beta,North,Homeland,1e300"),
        "locations.csv",
        "line 3",
        "latitude",
    ),
]


def replace_id(case: Case, prefix: str) -> Case:
    return dataclasses.replace(case, id=prefix + case.id)


def _folder_instead(tmp: Path, rel: str) -> Path:
    folder = make_flee_folder(tmp)
    (folder / rel).unlink()
    (folder / rel).mkdir()
    return folder


CASES: list[Case] = [*_value_cases(), *LIMIT_CASES, *HOSTILE_NATIVE, *(replace_id(c, "flee-") for c in HOSTILE_FLEE)]
LIMIT_IDS = {c.id for c in LIMIT_CASES}


def test_cases_are_distinct_and_many() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(CASES) + len(OK_CASES) + len(CLI_CASES) + len(API_CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_one_clear_line(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BORDERFLOW_DATA_ROOT", "")  # recorded, so --data-root is undone too
    path = case.build(tmp_path)
    t0 = time.perf_counter()
    with alarm(HANG_SECONDS):
        code, out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    elapsed = time.perf_counter() - t0
    assert_one_line_error(code, out, err, case)
    assert not (tmp_path / "out").exists()
    if case.id in LIMIT_IDS:
        assert elapsed < LIMIT_SECONDS, f"limit refused after {elapsed:.2f} s"


# --- inputs that are odd but valid: exit 0, and the same result as the plain version ---------


def _daily(path: Path) -> Any:
    result = borderflow.run(path)
    return result.series("population")


@dataclass(frozen=True)
class Ok:
    id: str
    build: Breaker
    same_as_plain: bool = True  # the result equals the unmodified scenario's
    env_root: bool = False  # declare tmp/shared as a data root


def _with_shared_data(tmp: Path) -> Path:
    """Observation files in a ../shared-style folder beside the scenario, named in data_layout.csv."""
    folder = make_flee_folder(tmp)
    shared = tmp / "shared"
    shared.mkdir()
    for name in ("refugees.csv", "camp_one.csv", "camp_two.csv"):
        (folder / "source_data" / name).rename(shared / name)
    (folder / "source_data" / "data_layout.csv").write_text(
        "total,../../shared/refugees.csv\nCamp_One,../../shared/camp_one.csv\nCamp_Two,../../shared/camp_two.csv\n"
    )
    return folder


def _crlf_flee(tmp: Path) -> Path:
    folder = make_flee_folder(tmp)
    for path in folder.rglob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return folder


def _bom_flee(tmp: Path) -> Path:
    folder = make_flee_folder(tmp)
    for path in [*folder.rglob("*.csv"), folder / "simsetting.yml"]:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return folder


def _inner_symlink(tmp: Path) -> Path:
    folder = make_flee_folder(tmp)
    src = folder / "source_data"
    (src / "camp_two.csv").rename(src / "real_two.csv")
    (src / "camp_two.csv").symlink_to(src / "real_two.csv")
    return folder


OK_CASES = [
    # Flee counts conflicts.csv rows as days whatever the day column says (docs/flee-folders.md)
    Ok("flee-conflicts-day-huge", replace("input_csv/conflicts.csv", "3,1,0", "1e300,1,0")),
    Ok("native-bom", native(b"\xef\xbb\xbf" + NATIVE.encode())),
    Ok("native-crlf", native(NATIVE.replace("\n", "\r\n").encode())),
    Ok("native-quoted-dates", native(NATIVE.replace("2024-01-10", "'2024-01-10'"))),
    Ok("native-integer-float-distance", native_replace("distance_km: 60", "distance_km: 60.0")),
    Ok("native-emoji-description", native(NATIVE + "description: '🌍 caravan ::smile:: [bold]x[/bold]'\n")),
    Ok("native-binary-description", native(NATIVE + "description: !!binary aGVsbG8=\n")),
    Ok("native-set-of-notes", native(NATIVE + "notes: !!set {a, b}\n")),
    Ok(
        "native-unicode-names",
        native(NATIVE.replace("Junction", "Tapachula–Ciudad Hidalgo ñ 東京 عربي")),
        same_as_plain=False,
    ),
    Ok(
        "native-alias-used-sensibly",
        native(NATIVE.replace("- {place: Origin, start: 2024-01-01}", "- &c {place: Origin, start: 2024-01-01}")),
    ),
    Ok("native-max-seed", native(NATIVE + f"seed: {MAX_SEED}\n"), same_as_plain=False),
    Ok("flee-crlf", _crlf_flee),
    Ok("flee-bom", _bom_flee),
    Ok("flee-symlink-inside", _inner_symlink),
    Ok("flee-shared-data-root", _with_shared_data, env_root=True),
    Ok(
        "flee-closure-end-1e9",  # reopens after the period: a date that far on would overflow
        replace("input_csv/closures.csv", "Farland,2,5", "Farland,2,1000000000"),
        same_as_plain=False,
    ),
    Ok(
        "flee-unicode-names",
        append("input_csv/locations.csv", "Ciudad_Hidalgo_ñ_東京,South,Homeland,11.0,11.0,town,,10\n"),
        same_as_plain=False,
    ),
]


@pytest.mark.parametrize("case", OK_CASES, ids=[c.id for c in OK_CASES])
def test_odd_but_valid_input_runs(
    case: Ok, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BORDERFLOW_DATA_ROOT", "")  # recorded, so --data-root is undone too
    path = case.build(tmp_path)
    args = ["--data-root", str(tmp_path / "shared")] if case.env_root else []
    with alarm(HANG_SECONDS):
        code, out, err = run_cli(monkeypatch, capsys, *args, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "Traceback" not in out + err
    assert (tmp_path / "out" / "daily.csv").is_file()
    if case.same_as_plain:
        plain_dir = tmp_path / "plain"
        plain_dir.mkdir()
        plain = native(NATIVE)(plain_dir) if path.is_file() else make_flee_folder(plain_dir)
        assert (_daily(path) == _daily(plain)).all()


def test_shared_data_is_refused_unless_declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BORDERFLOW_DATA_ROOT", "")  # recorded, so --data-root is undone too
    folder = _with_shared_data(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "run", str(folder), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, out, err, Case("undeclared", native(""), "data_layout.csv", "line 1", "outside"))
    monkeypatch.setenv("BORDERFLOW_DATA_ROOT", str(tmp_path / "shared"))
    code, _, err = run_cli(monkeypatch, capsys, "run", str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, err


# --- CLI options -------------------------------------------------------------------------

BIG = "9" * 5000


@dataclass(frozen=True)
class Cli:
    id: str
    args: tuple[str, ...]
    says: str  # a fragment of the one error line
    checks_output_first: bool = False  # the command prepares its output folder before this check


CLI_CASES = [
    Cli("hasten-huge", ("run", "tiny", "--hasten", "99999999999999999999999"), "--hasten"),
    Cli("hasten-zero", ("run", "tiny", "--hasten", "0"), "--hasten"),
    Cli("hasten-negative", ("run", "tiny", "--hasten", "-3"), "--hasten"),
    Cli("hasten-fraction", ("run", "tiny", "--hasten", "1.5"), "--hasten"),
    Cli("hasten-text", ("run", "tiny", "--hasten", "lots"), "--hasten"),
    Cli("seed-5000-digits", ("run", "tiny", "--seed", BIG), "--seed"),
    Cli("seed-negative", ("run", "tiny", "--seed", "-1"), "--seed"),
    Cli("seed-above-int64", ("run", "tiny", "--seed", str(2**63)), "--seed"),
    Cli("seed-text", ("run", "tiny", "--seed", "abc"), "--seed"),
    Cli("validate-seed-huge", ("validate", "tiny", "--seed", BIG), "--seed"),
    Cli("compare-seeds-zero", ("compare", "tiny", "--seeds", "0"), "--seeds"),
    Cli("compare-seeds-huge", ("compare", "tiny", "--seeds", "1000000000"), "--seeds"),
    Cli(
        "compare-window-garbage",
        ("compare", "tiny", "--policy", "none", "--policy", "none", "--window", "x:y"),
        "--window",
    ),
    Cli("ensemble-n-zero", ("ensemble", "tiny", "-n", "0"), "-n"),
    Cli("ensemble-n-huge", ("ensemble", "tiny", "-n", "10000000000"), "-n"),
    Cli("ensemble-seed-huge", ("ensemble", "tiny", "--seed", BIG), "--seed"),
    Cli("sensitivity-n-huge", ("sensitivity", "tiny", "-n", BIG), "-n"),
    Cli("ensemble-workers-huge", ("ensemble", "tiny", "--workers", "100000"), "--workers"),
    Cli("sensitivity-workers-huge", ("sensitivity", "tiny", "--workers", "100000"), "--workers"),
    Cli("ensemble-design-unknown", ("ensemble", "tiny", "--design", "x"), "--design"),
    Cli("ensemble-plot-unknown", ("ensemble", "tiny", "-n", "2", "--plot", ":smile:"), "':smile:'", True),
    Cli("sensitivity-output-markup", ("sensitivity", "tiny", "--output", "[bold]x"), "'[bold]x'", True),
    Cli(
        "compare-window-far",
        ("compare", "tiny", "--policy", "none", "--policy", "none", "--window", "0001-01-01:9999-12-31"),
        "--window",
    ),
    Cli("scenario-nul", ("run", "tiny\x00x"), "NUL"),
    Cli("scenario-missing", ("run", "no/such/scenario.yaml"), "not found"),
    Cli("policy-unknown", ("run", "tiny", "--policy", ":smile:"), "':smile:'"),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_hostile_options_are_one_line(
    case: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = native(NATIVE)(tmp_path)
    args = [str(tiny) if a == "tiny" else a for a in case.args]
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    with alarm(HANG_SECONDS):
        code, out, err = run_cli(monkeypatch, capsys, *args)
    assert time.perf_counter() - t0 < 5  # refused before any run
    assert "Traceback" not in out + err
    assert code == 2, (code, out, err)
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert case.says in lines[0], lines[0]
    if not case.checks_output_first:
        assert not (tmp_path / "results").exists()


def test_validate_json_is_strict_json_even_when_undefined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Constant observations: MASE divides by zero change, so it is NaN; stdout must still parse.
    path = native_replace("{date: 2024-01-20, count: 900}", "{date: 2024-01-20, count: 0}")(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "validate", str(path), "--json", "--out", str(tmp_path / "o"))
    assert code == 0, err

    def refuse(token: str) -> None:
        raise ValueError(f"{token} in JSON")

    data = json.loads(out, parse_constant=refuse)  # strict: NaN/Infinity would raise
    assert data["places"][0]["mase"] is None
    assert "metrics written to" in err
    assert "metrics written to" not in out
    assert "mase" in err  # the note says why
    assert "null" in err


def test_error_lines_print_user_text_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ":smile: [bold]x[/bold] :cross_mark: 1.5 http://x"
    path = native_replace("  - place: Camp\n", f"  - place: {json.dumps(text)}\n")(tmp_path)
    code, _out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert repr(text) in err, err


# --- the Python API ------------------------------------------------------------------------


def _dense_scenario(n: int) -> borderflow.Scenario:
    return load_scenario_data(_complete_graph_data(n, 4))


def load_scenario_data(data: dict[str, Any]) -> borderflow.Scenario:
    from borderflow.scenario.native import scenario_from_data

    return scenario_from_data(data, "api")


@dataclass(frozen=True)
class Api:
    id: str
    call: Callable[[Path], object]
    where: str


def _tiny(tmp: Path) -> Path:
    return native(NATIVE)(tmp)


API_CASES = [
    Api("run-seed-true", lambda t: borderflow.run(_tiny(t), seed=True), "seed"),
    Api("run-seed-negative", lambda t: borderflow.run(_tiny(t), seed=-1), "seed"),
    Api("run-seed-huge", lambda t: borderflow.run(_tiny(t), seed=10**5000), "seed"),
    Api("run-seed-text", lambda t: borderflow.run(_tiny(t), seed="1"), "seed"),  # type: ignore[arg-type]
    Api("run-policy-unknown", lambda t: borderflow.run(_tiny(t), policy="nope"), "policies"),
    Api("run-scenario-int", lambda t: borderflow.run(123), "scenario"),  # type: ignore[arg-type]
    Api("run-scenario-nul", lambda t: borderflow.run("a\x00b"), "scenario"),
    Api("run-alias-bomb", lambda t: borderflow.run(native(_bomb("places"))(t)), "line"),
    Api("run-dense-network", lambda t: borderflow.run(_dense_scenario(40)), "move_rules.awareness_level"),
    Api("load-days-true", lambda t: load_scenario(native_replace("days: 20", "days: true")(t)), "days"),
    Api("data-days-true", lambda t: load_scenario_data({**NATIVE_DATA, "days": True}), "days"),
    Api("data-hasten-huge", lambda t: load_scenario_data({**NATIVE_DATA, "hasten": 10**30}), "hasten"),
    Api(
        "data-place-days-over-limit",
        lambda t: load_scenario_data(
            {
                **NATIVE_DATA,
                "days": 100_000,
                "places": [{"name": f"p{i}"} for i in range(5_001)],
                "routes": [],
                "conflicts": [],
                "departures": [],
                "observations": [],
            }
        ),
        "days",
    ),
    Api("ensemble-n-zero", lambda t: run_ensemble(_tiny(t), 0, t / "e"), "n"),
    Api("ensemble-n-true", lambda t: run_ensemble(_tiny(t), True, t / "e"), "n"),
    Api("ensemble-n-huge", lambda t: run_ensemble(_tiny(t), 10**12, t / "e"), "n"),
    Api("ensemble-seed-negative", lambda t: run_ensemble(_tiny(t), 2, t / "e", seed=-5), "seed"),
    Api("ensemble-seed-overflows", lambda t: run_ensemble(_tiny(t), 5, t / "e", seed=MAX_SEED - 2), "seed"),
]


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_api_raises_one_clear_scenario_error(case: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    with alarm(HANG_SECONDS), pytest.raises(ScenarioError) as info:
        case.call(tmp_path)
    assert time.perf_counter() - t0 < 5
    line = info.value.one_line()
    assert "\n" not in line
    assert len(line) <= 1100
    assert case.where in line, line
    assert "expected" in line.lower(), line
    assert not (tmp_path / "e").exists()


def test_an_exploding_network_is_refused_in_under_a_second() -> None:
    scenario = _dense_scenario(60)  # a complete graph: about 60^5 paths at awareness 4
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"move_rules\.awareness_level"):
        borderflow.run(scenario)
    assert time.perf_counter() - t0 < LIMIT_SECONDS


def _chain(n: int, level: int) -> dict[str, Any]:
    return {
        "name": "chain",
        "start_date": "2024-01-01",
        "days": 2,
        "places": [{"name": f"p{i}"} for i in range(n)],
        "routes": [{"a": f"p{i}", "b": f"p{i + 1}", "distance_km": 5} for i in range(n - 1)],
        "move_rules": {"awareness_level": level},
    }


def test_large_sparse_networks_stay_within_the_path_limit() -> None:
    # A chain of 20,000 places at awareness 4 is far inside the limit: the bound is exact on a
    # network without loops (both directions, 1 to 4 hops, fewer at the ends) and it is not refused.
    from borderflow.network.graph import check_path_limit, path_bound

    n = 20_000
    scenario = load_scenario_data(_chain(n, 4))
    check_path_limit(scenario, "chain")
    src = [i for i in range(n - 1) for i in (i, i + 1)]
    dst = [j for i in range(n - 1) for j in (i + 1, i)]
    rev = [k ^ 1 for k in range(2 * (n - 1))]
    assert path_bound(n, src, dst, rev, [False] * n, 4) == 2 * (4 * n - 10)


@pytest.mark.parametrize("markers", [False, True])
def test_the_path_bound_is_never_below_the_paths_enumerated(markers: bool) -> None:
    # Random networks with loops (and marker places, which use up no awareness level).
    import numpy as np

    from borderflow.network.graph import build_network, path_bound

    rng = np.random.default_rng(7)
    n = 60
    pairs = {tuple(sorted(map(int, rng.choice(n, 2, replace=False)))) for _ in range(150)}
    data = _chain(n, 3)
    data["routes"] = [{"a": f"p{a}", "b": f"p{b}", "distance_km": 5} for a, b in sorted(pairs)]
    if markers:
        for i in range(0, n, 7):
            data["places"][i]["kind"] = "marker"
    net = build_network(load_scenario_data(data))
    src, dst, rev = net.link_src.tolist(), net.link_dst.tolist(), net.link_reverse.tolist()
    is_marker = [p.get("kind") == "marker" for p in data["places"]]
    bound = path_bound(n, src, dst, rev, is_marker, 3)
    assert len(net.path_origin) <= bound <= 3 * len(net.path_origin)


def test_error_lines_are_bounded_for_huge_values(tmp_path: Path) -> None:
    # A value of 100,000 repeated strings (within the alias limit) quoted in an error stays short.
    text = HEAD + "x: &x [" + ", ".join(["abcdefghij"] * 1000) + "]\nplaces: [" + ", ".join(["*x"] * 100) + "]\n"
    path = native(text)(tmp_path)
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert time.perf_counter() - t0 < 5
    assert len(info.value.one_line()) <= 1100


def test_nesting_within_the_limit_is_read() -> None:
    from borderflow.scenario.yamlfile import _Loader

    depth = MAX_YAML_DEPTH - 5
    data = yaml.load("x: " + "[" * depth + "1" + "]" * depth, Loader=_Loader)
    data = data["x"]
    for _ in range(depth - 1):
        data = data[0]
    assert data == [1]
