"""D-Flee's inputs in a Flee folder: flood settings, flood levels and demographic attributes.

Settings (simsetting.yml), in both spellings D-Flee's folders use:

    spawn_rules:
      flood_driven_spawning: true            # older: a switch, with the mode beside it
      flood_driven_spawn_mode: {flood_spawn_mode: pop_ratio, displaced_per_flood_day: [...]}
      # newer: flood_driven_spawning: {spawn_mode: pop_ratio, displaced_per_flood_day: [...]}
      flood_zone_spawning_only: true
      conflict_zone_spawning_only: false
      take_from_population: true
    move_rules:
      max_flood_level: 4                     # also read inside flood_rules
      flood_rules: {flood_movechances: [...], flood_loc_weights: [...]}

Flood levels: input_csv/flood_level.csv, laid out as conflicts.csv (a header `#Day,<place>,...`,
then one row per day; the day column is not read, rows count the days in order), whole
levels from 0. Demographic attributes: input_csv/demographics_<attribute>.csv, a header
`<attribute>,Default,<place>,...` and one row per value with its weight by place.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from borderflow.scenario import csvfile
from borderflow.scenario.csvfile import Row
from borderflow.scenario.errors import (
    NotAScenario,
    NotImplementedSetting,
    ScenarioError,
    short_repr,
    validation_problem,
)
from borderflow.scenario.flood_specs import FloodLevel, FloodSpawning, FloodSpec
from borderflow.scenario.limits import MAX_FLOOD_LEVEL
from borderflow.scenario.yamlfile import load_mapping

# The settings this module reads, by section; flee_folder.py leaves them to it.
FLOOD_KEYS: dict[str, set[str]] = {
    "spawn_rules": {"flood_driven_spawning", "flood_driven_spawn_mode", "flood_zone_spawning_only"},
    "move_rules": {"flood_rules", "max_flood_level"},
}
_MODES = ("constant", "pop_ratio", "poisson")
_SPAWN_BLOCK_KEYS = {"spawn_mode", "flood_spawn_mode", "displaced_per_flood_day"}
# D-Flee's defaults for displaced_per_flood_day, by mode (Flee's SimulationSettings.py)
_DEFAULT_RATES = {"pop_ratio": [0.0, 0.1, 0.2, 0.5, 0.9], "constant": [0, 100, 200, 300, 500]}
_RULE_KEYS = {
    "flood_movechances",
    "flood_loc_weights",
    "flood_link_weights",
    "flood_forecaster",
    "flood_forecaster_timescale",
    "flood_forecaster_end_time",
    "flood_forecaster_weights",
    "flood_awareness_weights",
    "max_flood_level",
}
_FORECASTER_ONLY = ("flood_forecaster_timescale", "flood_forecaster_end_time", "flood_forecaster_weights")
_LEVELS_EXPECTED = "a header #Day,<place>,... and one row per day of whole flood levels (0 = no flood)"
# Flee's rules that read demographic attributes (each reported as not implemented when on)
_DEMOGRAPHIC_RULES = (
    "move_rules.ChildrenAvoidHazards, BoysTakeRisk (age, gender), Match*Ethnicity (ethnicity), "
    "flood_rules.flood_forecaster (floodawareness)"
)


def floods_spawn(settings: dict[Any, Any]) -> bool:
    """Whether simsetting.yml (parsed) switches on flood-driven spawning: its take_from_population
    is then read here (D-Flee requires it)."""
    spawn = settings.get("spawn_rules")
    return isinstance(spawn, dict) and spawn.get("flood_driven_spawning") not in (None, False)


def read_floods(
    folder: Path, names: set[str], start: dt.date, days: int, notes: list[str]
) -> tuple[FloodSpec | None, bool]:
    """The folder's floods (None when no setting switches them on), and whether they drive
    spawning (then observations do not)."""
    path = folder / "simsetting.yml"
    settings = load_mapping(path, "sections", allow_empty=True)
    # _settings (flee_folder.py) has already refused sections that are not mappings
    spawn: dict[Any, Any] = settings.get("spawn_rules") or {}
    move: dict[Any, Any] = settings.get("move_rules") or {}
    spawning = _spawning(path, spawn, notes)
    rules = move.get("flood_rules")
    if rules is not None and not isinstance(rules, dict):
        raise ScenarioError(
            path, "move_rules.flood_rules", f"found {short_repr(rules)}; expected a mapping of settings"
        )
    rules = rules or {}
    top = _max_level(path, move, rules)
    if spawning is None and not rules:
        if top is not None:
            notes.append(f"{path}: move_rules.max_flood_level accepted; no flood rule is on, so it has no effect")
        return None, False
    _check_rules(path, rules, notes)
    movechances = _rate_list(path, "move_rules.flood_rules.flood_movechances", rules.get("flood_movechances"))
    weights = _rate_list(path, "move_rules.flood_rules.flood_loc_weights", rules.get("flood_loc_weights"))
    lists = {"flood_movechances": movechances, "flood_loc_weights": weights}
    if spawning is not None:
        lists["displaced_per_flood_day"] = spawning.displaced_per_flood_day
    levels = _levels(folder, names, start, days, top, {k: v for k, v in lists.items() if v is not None}, notes)
    try:
        spec = FloodSpec(levels=levels, spawning=spawning, movechances=movechances, location_weights=weights)
    except ValidationError as exc:
        raise ScenarioError(path, "move_rules.flood_rules", validation_problem(exc.errors()[0])) from None
    return spec, spawning is not None


def _spawning(path: Path, spawn: dict[Any, Any], notes: list[str]) -> FloodSpawning | None:
    switch = spawn.get("flood_driven_spawning")
    block = spawn.get("flood_driven_spawn_mode")
    zone_only = spawn.get("flood_zone_spawning_only", False)
    if not isinstance(zone_only, bool):
        raise ScenarioError(
            path, "spawn_rules.flood_zone_spawning_only", f"found {short_repr(zone_only)}; expected true or false"
        )
    if switch is None or switch is False:
        idle = [k for k, v in (("flood_driven_spawn_mode", block), ("flood_zone_spawning_only", zone_only)) if v]
        if idle:
            notes.append(
                f"{path}: spawn_rules.{', '.join(idle)} accepted; flood_driven_spawning is off, so no effect (as in Flee)"
            )
        return None
    if switch is not True and not isinstance(switch, dict):
        raise ScenarioError(
            path,
            "spawn_rules.flood_driven_spawning",
            f"found {short_repr(switch)}; expected true (with flood_driven_spawn_mode beside it) "
            "or a mapping {spawn_mode, displaced_per_flood_day}",
        )
    if block is not None and not isinstance(block, dict):
        raise ScenarioError(
            path,
            "spawn_rules.flood_driven_spawn_mode",
            f"found {short_repr(block)}; expected a mapping {{flood_spawn_mode, displaced_per_flood_day}}",
        )
    if not zone_only:
        raise ScenarioError(
            path,
            "spawn_rules.flood_zone_spawning_only",
            "flood_driven_spawning is on but flood_zone_spawning_only is not true, so D-Flee would not spawn "
            "from floods; expected flood_zone_spawning_only: true (and conflict_zone_spawning_only: false)",
        )
    if spawn.get("conflict_zone_spawning_only", True) is not False:
        raise ScenarioError(
            path,
            "spawn_rules.conflict_zone_spawning_only",
            "true (Flee's default) together with flood_zone_spawning_only: true; D-Flee stops on this; "
            "expected conflict_zone_spawning_only: false",
        )
    take = spawn.get("take_from_population", False)
    if take is not True:
        raise ScenarioError(
            path,
            "spawn_rules.take_from_population",
            f"found {short_repr(take)} with flood-driven spawning; D-Flee stops on this (flooded places would "
            "spawn without end); expected take_from_population: true",
        )
    # both spellings: the mode beside the switch (older) or inside it (newer); either key name in either
    given: dict[str, tuple[str, Any]] = {}
    for where, body in (("flood_driven_spawn_mode", block), ("flood_driven_spawning", switch)):
        if not isinstance(body, dict):
            continue
        for key, value in body.items():
            if key not in _SPAWN_BLOCK_KEYS:
                raise ScenarioError(
                    path,
                    f"spawn_rules.{where}.{key}",
                    f"unknown setting {key!r}; expected {', '.join(sorted(_SPAWN_BLOCK_KEYS))}",
                )
            name = "mode" if key in ("spawn_mode", "flood_spawn_mode") else key
            if name in given and given[name][1] != value:
                raise ScenarioError(
                    path,
                    f"spawn_rules.{where}.{key}",
                    f"{short_repr(value)} contradicts {given[name][0]} ({short_repr(given[name][1])}); expected one value",
                )
            given[name] = (f"spawn_rules.{where}.{key}", value)
    where_mode, mode = given.get("mode", ("spawn_rules.flood_driven_spawn_mode.flood_spawn_mode", "pop_ratio"))
    if not isinstance(mode, str) or mode.lower() not in _MODES:
        raise ScenarioError(path, where_mode, f"found {short_repr(mode)}; expected one of {', '.join(_MODES)}")
    mode = mode.lower()
    where_rates, rates = given.get(
        "displaced_per_flood_day",
        (
            "spawn_rules.flood_driven_spawn_mode.displaced_per_flood_day",
            _DEFAULT_RATES.get(mode, _DEFAULT_RATES["constant"]),
        ),
    )
    values = _rate_list(path, where_rates, rates)
    assert values is not None
    try:
        return FloodSpawning(mode=mode, displaced_per_flood_day=values, take_from_population=True)
    except ValidationError as exc:
        raise ScenarioError(path, where_rates, validation_problem(exc.errors()[0])) from None


def _rate_list(path: Path, where: str, value: Any) -> list[float] | None:
    """A list of numbers >= 0 indexed by flood level (None if not given)."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ScenarioError(
            path, where, f"found {short_repr(value)}; expected a list of numbers, one per flood level from 0"
        )
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1e12:
            raise ScenarioError(path, f"{where}[{i}]", f"found {short_repr(v)}; expected a number >= 0")
    return [float(v) for v in value]


def _max_level(path: Path, move: dict[Any, Any], rules: dict[Any, Any]) -> int | None:
    found = [
        (w, v)
        for w, v in (
            ("move_rules.max_flood_level", move.get("max_flood_level")),
            ("move_rules.flood_rules.max_flood_level", rules.get("max_flood_level")),
        )
        if v is not None
    ]
    for where, v in found:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_FLOOD_LEVEL:
            raise ScenarioError(
                path, where, f"found {short_repr(v)}; expected a whole number from 0 to {MAX_FLOOD_LEVEL}"
            )
    if len({v for _, v in found}) > 1:
        raise ScenarioError(
            path, found[1][0], f"{found[1][1]} contradicts {found[0][0]} ({found[0][1]}); expected one value"
        )
    return found[0][1] if found else None


def _check_rules(path: Path, rules: dict[Any, Any], notes: list[str]) -> None:
    for key in rules:
        if key not in _RULE_KEYS:
            raise ScenarioError(
                path,
                f"move_rules.flood_rules.{key}",
                f"unknown flood rule {key!r}; expected one of {', '.join(sorted(_RULE_KEYS))}",
            )
    forecaster = rules.get("flood_forecaster", False)
    if not isinstance(forecaster, bool):
        raise ScenarioError(
            path, "move_rules.flood_rules.flood_forecaster", f"found {short_repr(forecaster)}; expected true or false"
        )
    if forecaster:
        raise NotImplementedSetting(
            path,
            "move_rules.flood_rules.flood_forecaster",
            "not implemented by borderflow yet (each agent weighs forecast flood levels by its own awareness, "
            "drawn from demographics_floodawareness.csv); expected flood_forecaster: false or a folder without it",
        )
    if rules.get("flood_link_weights") is not None:
        raise NotImplementedSetting(
            path,
            "move_rules.flood_rules.flood_link_weights",
            "not implemented (D-Flee does not apply it either); expected a folder without flood_link_weights",
        )
    idle = [k for k in (*_FORECASTER_ONLY, "flood_awareness_weights") if rules.get(k) is not None]
    if idle:
        notes.append(
            f"{path}: move_rules.flood_rules {', '.join(idle)} accepted; without flood_forecaster they have no effect"
        )


def _levels(
    folder: Path,
    names: set[str],
    start: dt.date,
    days: int,
    top: int | None,
    lists: dict[str, list[float]],
    notes: list[str],
) -> list[FloodLevel]:
    """flood_level.csv as runs of days at one level per place."""
    path = folder / "input_csv" / "flood_level.csv"
    if not path.is_file():
        raise ScenarioError(
            path, None, f"file not found (the folder's flood rules are on); expected {_LEVELS_EXPECTED}"
        )
    header, data = _daily_table(path, days, notes)
    highest = top if top is not None else MAX_FLOOD_LEVEL
    limit_by = f"max_flood_level {top}" if top is not None else None
    for key, values in lists.items():
        if len(values) - 1 < highest:
            highest, limit_by = len(values) - 1, f"{key} has {len(values)} value(s), levels 0 to {len(values) - 1}"
    unknown = sorted({n for n in header if n not in names})
    flooded_unknown: dict[str, int] = {}
    current = [0] * len(header)
    since = [0] * len(header)
    out: list[FloodLevel] = []

    def close(j: int, t: int | None) -> None:
        if current[j] > 0 and header[j] in names:
            end = None if t is None else start + dt.timedelta(days=t)
            out.append(
                FloodLevel(place=header[j], start=start + dt.timedelta(days=since[j]), end=end, level=current[j])
            )

    for t, row in enumerate(data[:days]):
        for j, name in enumerate(header):
            level = row.integer(j + 1, name)
            if level < 0:
                raise row.error(f"expected a flood level >= 0, found {level}", name)
            if level > highest:
                raise row.error(
                    f"flood level {level} above the highest the rules cover ({limit_by}); expected 0 to {highest}", name
                )
            if level > 0 and name not in names:
                flooded_unknown[name] = flooded_unknown.get(name, 0) + 1
            if level != current[j]:
                close(j, t)
                current[j], since[j] = level, t
    for j in range(len(header)):
        close(j, None)
    if unknown:
        # D-Flee sets levels only on the places it has, so these columns change nothing there either
        flooded = ", ".join(
            f"{n} (flooded on {flooded_unknown[n]} day(s){_nearest(n, names)})" for n in unknown if n in flooded_unknown
        )
        notes.append(
            f"{path}: column(s) {', '.join(unknown)} name no place in locations.csv; ignored, as D-Flee does"
            + (f"; of them {flooded}" if flooded else "")
        )
    out.sort(key=lambda f: (f.start, f.place))
    return out


def _nearest(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    return f"; nearest known: {', '.join(close)}" if close else ""


def _daily_table(path: Path, days: int, notes: list[str]) -> tuple[list[str], list[Row]]:
    """Header names (stripped) and one row per day, as Flee reads conflicts.csv and flood_level.csv:
    the first row is the header whatever it holds; the day column is not read."""
    lines = list(csvfile.data_lines(path, _LEVELS_EXPECTED))
    header_line, header = lines[0]
    places = header[1:]
    while places and places[-1] == "":
        places.pop()
    if not places:
        raise ScenarioError(path, f"line {header_line}", f"no place names in the header; expected {_LEVELS_EXPECTED}")
    data = [Row(path, n, cells) for n, cells in lines[1:] if not cells[0].startswith("#")]
    if len(data) < days:
        raise NotAScenario(
            path,
            f"line {data[-1].line if data else header_line}",
            f"table ends after {len(data)} day row(s), short of the period; "
            f"expected one row for each of the {days} simulated days (sim_period.csv)",
        )
    if len(data) > days:
        notes.append(f"{path}: rows after day {days - 1} ignored (outside the period)")
    for row in data[:days]:
        cells = row.cells[1:]
        while len(cells) > len(places) and cells[-1] == "":
            cells.pop()
        if len(cells) != len(places):
            raise row.error(f"expected {len(places)} values as in the header, found {len(cells)}")
    return places, data


def read_demographics(folder: Path, names: set[str], notes: list[str]) -> list[str]:
    """Read and check every input_csv/demographics_<attribute>.csv; returns the attributes.

    No rule borderflow implements reads them: the rules that do are reported by name as not
    implemented when a folder switches them on (flee_folder.py, this module)."""
    found: list[str] = []
    for path in sorted((folder / "input_csv").glob("demographics_*.csv")):
        attribute = path.stem.removeprefix("demographics_")
        expected = f"a header {attribute},Default,<place>,... and one row per value with its weights"
        rows = list(csvfile.rows(path, expected=expected))
        head, body = rows[0], rows[1:]
        if head.cells[0] != attribute:
            raise head.error(f"first column {head.cells[0]!r}; expected the attribute's name {attribute!r}", "1")
        columns = head.cells[1:]
        if "Default" not in columns:
            raise head.error("no Default column; expected the weights used for places without their own", "Default")
        if not body:
            raise ScenarioError(path, f"line {head.line}", f"no values; expected {expected}")
        totals = [0.0] * len(columns)
        for row in body:
            if len(row.cells) != len(head.cells):
                raise row.error(f"expected {len(head.cells)} values as in the header, found {len(row.cells)}")
            for j, column in enumerate(columns):
                w = row.number(j + 1, column)
                if w < 0:
                    raise row.error(f"expected a weight >= 0, found {w}", column)
                totals[j] += w
        empty = [c for c, tot in zip(columns, totals, strict=True) if tot <= 0]
        if empty:
            raise ScenarioError(path, f"column {empty[0]}", "weights add up to 0; expected at least one weight > 0")
        places = [c for c in columns if c != "Default"]
        unknown = [c for c in places if c not in names]
        notes.append(
            f"{path}: attribute {attribute!r} read ({len(body)} values; weights for Default and {len(places)} "
            f"place(s){'; ' + ', '.join(unknown[:3]) + ' not in locations.csv' if unknown else ''}); no rule of "
            f"this folder reads it (those that do: {_DEMOGRAPHIC_RULES})"
        )
        found.append(attribute)
    return found
