"""Reader for Flee / FabFlee scenario folders (see ../shared/reference/flee-format.md).

The folder is converted into a :class:`Scenario`. Anything Flee would act on that borderflow
does not implement is an error naming the setting; anything that has no effect on the
results (logging, unused attribute columns) is carried as a note, never dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
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
from borderflow.scenario.flee_floods import FLOOD_KEYS, floods_spawn, read_demographics, read_floods
from borderflow.scenario.limits import LAST_DATE, MAX_HASTEN
from borderflow.scenario.model import (
    Closure,
    Conflict,
    MoveRules,
    Observation,
    ObservationPoint,
    Place,
    PlaceKind,
    Route,
    Scenario,
    SpawnRules,
)
from borderflow.scenario.yamlfile import load_mapping

# simsetting.yml keys, by section: which model field they set, or why they are accepted.
_MOVE_KEYS = set(MoveRules.model_fields)
_SPAWN_KEYS = {
    "insert_day0",
    "sum_from_camps",
    "empty_camps_on_day0",
    "conflict_zone_spawning_only",
    "conflict_spawn_decay",
    # Flee's newer spawning settings (engine/conflict_spawning.py); read by _newer_spawn_settings
    "conflict_spawn_decay_interval",
    "conflict_driven_spawning",
    "take_from_population",
}
_ANY = object()  # in _NEUTRAL: no value is neutral (the setting always changes the rules)
# Settings whose value at Flee's default changes nothing; any other value is a rule borderflow
# does not implement yet, reported by name (never silently ignored).
_NEUTRAL: dict[str, dict[str, Any]] = {
    "move_rules": {
        "use_v1_rules": False,
        "stay_close_to_home": False,
        "use_pop_for_loc_weight": False,
        "movechance_pop_scale_factor": 0.0,
        "max_crossing_speed": None,  # any value: crossings are not modelled by Flee 3.1 rules
        "home_distance_power": None,
        "pop_power_for_loc_weight": None,
        "movechance_pop_base": None,
        "ChildrenAvoidHazards": False,  # these five read demographic attributes (flee_floods.py)
        "BoysTakeRisk": False,
        "MatchCampEthnicity": False,
        "MatchTownEthnicity": False,
        "MatchConflictEthnicity": False,
    },
    "spawn_rules": {
        "camps_are_sinks": False,
        "read_from_agents_csv_file": False,
    },
    "optimisations": {},
}
_MAX_DAYS: int = next(m.le for m in Scenario.model_fields["days"].metadata if getattr(m, "le", None) is not None)
_LOCATION_COLUMNS = "name, region, country, latitude, longitude, location_type, conflict_date, population"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IGNORED_SECTIONS = {"log_levels"}  # output verbosity only
_TOP_LEVEL = {"log_levels", "spawn_rules", "move_rules", "optimisations", "number_of_steps"}
# Location attribute columns that Flee's rules act on; other attributes are carried as notes.
_ACTIVE_ATTRIBUTES = {"capacity_per_day", "conflict_intensity"}


def _kind(row: Row, text: str, conflict_date: int) -> PlaceKind:
    t = text.lower()
    if "camp" in t:
        return "idpcamp" if "idp" in t else "camp"
    if "conflict" in t:
        return "town" if conflict_date > 0 else "conflict"
    if "flood" in t:
        return "town"  # D-Flee's flood_zone: a town whose flood level is set day by day (flood_level.csv)
    if "forward" in t:
        return "forward"
    if "marker" in t:
        return "marker"
    if "town" in t or "default" in t:
        return "town"
    raise row.error(
        f"unknown location_type {text!r}; expected one containing camp, conflict, flood, town, default, forward or marker",
        "location_type",
    )


def _not_implemented(path: Path, found: list[tuple[str, Any, Any]]) -> NotImplementedSetting:
    """One error naming every setting whose rule borderflow does not implement."""
    where = ", ".join(w for w, _, _ in found)
    values = "; ".join(f"{w}: {v!r}" for w, v, _ in found)
    defaults = [f"{w}: {d!r}" for w, _, d in found if d is not _ANY]
    expected = f"Flee's defaults ({', '.join(defaults)})" if defaults else "a folder without them"
    return NotImplementedSetting(
        path, where, f"not implemented by borderflow yet ({values}); expected {expected} or a folder without them"
    )


def _settings(folder: Path) -> tuple[MoveRules, SpawnRules, int, list[str]]:
    path = folder / "simsetting.yml"
    notes: list[str] = []
    if not path.is_file():
        raise NotAScenario(
            path, None, "not found: not a complete Flee scenario; expected the folder's rule settings (simsetting.yml)"
        )
    data = load_mapping(path, f"sections ({', '.join(sorted(_TOP_LEVEL))})", allow_empty=True)
    move: dict[str, Any] = {}
    spawn: dict[str, Any] = {}
    hasten = 1
    unsupported: list[tuple[str, Any, Any]] = []
    # D-Flee's keys are read by flee_floods.py; so is take_from_population when floods spawn
    flood_keys = {s: set(FLOOD_KEYS.get(s, ())) for s in _TOP_LEVEL}
    if floods_spawn(data):
        flood_keys["spawn_rules"].add("take_from_population")
    for section, body in data.items():
        if section not in _TOP_LEVEL:
            raise ScenarioError(path, str(section), _unknown(section, _TOP_LEVEL, "section"))
        if section == "number_of_steps":
            notes.append(f"{path}: number_of_steps ignored; the period comes from sim_period.csv")
            continue
        if body is None:
            continue
        if not isinstance(body, dict):
            raise ScenarioError(path, str(section), f"found {short_repr(body)}; expected a mapping of settings")
        if section in _IGNORED_SECTIONS:
            notes.append(f"{path}: {section} ignored (Flee output logging; no effect on results)")
            continue
        for key, value in body.items():
            where = f"{section}.{key}"
            if key in flood_keys[section]:
                continue
            if section == "move_rules" and key in _MOVE_KEYS:
                move[key] = value
            elif section == "spawn_rules" and key in _SPAWN_KEYS:
                spawn[key] = value
            elif section == "optimisations" and key == "hasten":
                if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_HASTEN:
                    raise ScenarioError(
                        path, where, f"expected a whole number from 1 to {MAX_HASTEN}, found {short_repr(value)}"
                    )
                hasten = value
            elif key in _NEUTRAL.get(section, {}):
                neutral = _NEUTRAL[section][key]
                if neutral is _ANY or (neutral is not None and value != neutral):
                    unsupported.append((where, value, neutral))
                else:
                    notes.append(f"{path}: {where}={short_repr(value)} accepted; it has no effect at this value")
            else:
                known = (
                    set(_NEUTRAL.get(section, {}))
                    | flood_keys[section]
                    | {
                        "move_rules": _MOVE_KEYS,
                        "spawn_rules": _SPAWN_KEYS,
                        "optimisations": {"hasten"},
                    }.get(str(section), set())
                )
                raise ScenarioError(path, where, _unknown(key, known, f"{section} setting"))
    if unsupported:
        raise _not_implemented(path, unsupported)
    _newer_spawn_settings(path, spawn, notes)
    try:
        return MoveRules(**move), SpawnRules(**spawn), hasten, notes
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        msg = validation_problem(err)
        if not loc and ": " in msg:
            loc, msg = msg.split(": ", 1)  # the model-wide checks start with the field
        section = "move_rules" if loc.split(".")[0] in _MOVE_KEYS else "spawn_rules"
        raise ScenarioError(path, f"{section}.{loc}", msg) from None


def _newer_spawn_settings(path: Path, spawn: dict[str, Any], notes: list[str]) -> None:
    """Flee's reading of conflict_driven_spawning: a missing spawn_mode is constant, and outside
    pop_ratio the rate is read as a whole number (Flee truncates it, e.g. 2.5 -> 2)."""
    cds = spawn.get("conflict_driven_spawning")
    if not isinstance(cds, dict):
        return  # absent, or not a mapping: the model names what was expected
    rate = cds.get("displaced_per_conflict_day")
    mode = cds.get("spawn_mode", "constant")
    is_pop_ratio = mode == "pop_ratio"
    if not is_pop_ratio and isinstance(rate, float) and rate >= 0 and rate != int(rate):
        notes.append(
            f"{path}: spawn_rules.conflict_driven_spawning.displaced_per_conflict_day {rate} read as {int(rate)}, "
            f"as Flee reads it in {mode} mode"
        )
        spawn["conflict_driven_spawning"] = {**cds, "displaced_per_conflict_day": int(rate)}


def _unknown(key: object, known: set[str], what: str) -> str:
    """'unknown X 'k'; expected one of ... (did you mean ...?)'."""
    close = difflib.get_close_matches(str(key), sorted(known), n=1)
    if close:
        return f"unknown {what} {key!r}; expected a known {what}: did you mean {close[0]!r}?"
    listed = ", ".join(sorted(known)) or "none"
    return f"unknown {what} {key!r}, not implemented by borderflow; expected one of {listed}"


def _period_path(folder: Path) -> Path:
    inp = folder / "input_csv"
    path = inp / "sim_period.csv"
    return path if path.exists() or not (inp / "conflict_period.csv").exists() else inp / "conflict_period.csv"


_INCOMPLETE = "not found: not a complete Flee scenario; expected"


def _check_complete(folder: Path) -> None:
    """A folder that is not one complete scenario, named before any file is read."""
    inp = folder / "input_csv"
    if not inp.is_dir():
        held = ", ".join(sorted(p.name for p in folder.iterdir())[:6]) or "nothing"
        raise NotAScenario(
            inp, None, f"{_INCOMPLETE} Flee's input_csv/ with locations.csv and routes.csv (the folder holds {held})"
        )
    coupled = sorted(
        p.name
        for p in inp.iterdir()
        if p.name == "coupled_locations.csv" or re.fullmatch(r"locations-\d+\.csv", p.name)
    )
    if coupled and not (inp / "locations.csv").exists():
        raise NotAScenario(
            inp,
            None,
            f"a multiscale coupling ({', '.join(coupled)}), not one scenario; "
            "expected a single-scale folder with input_csv/locations.csv",
        )
    needed = (
        (inp / "locations.csv", f"Flee's locations ({_LOCATION_COLUMNS})"),
        (inp / "routes.csv", "Flee's routes (name1, name2, distance[, forced_redirection])"),
        (_period_path(folder), "rows StartDate,YYYY-MM-DD and Length,N (or conflict_period.csv)"),
        (folder / "simsetting.yml", "the folder's rule settings (simsetting.yml)"),
        (folder / "source_data" / "data_layout.csv", "rows total,<file> and <camp>,<file> naming the observations"),
    )
    for path, what in needed:
        if path.exists() and not path.is_file():
            raise NotAScenario(path, None, f"is a folder, not a file; expected {what}")
    missing = [(path, what) for path, what in needed if not path.is_file()]
    if missing:
        (path, what), *others = missing
        also = f" (nor {', '.join(p.relative_to(folder).as_posix() for p, _ in others)})" if others else ""
        raise NotAScenario(path, None, f"not found{also}{_INCOMPLETE.removeprefix('not found')} {what}")


def _period(folder: Path) -> tuple[dt.date, int, Path]:
    path = _period_path(folder)
    start: dt.date | None = None
    length: int | None = None
    for row in csvfile.rows(path, expected="rows StartDate,YYYY-MM-DD and Length,N"):
        key = row.cells[0].lower()
        if key == "startdate":
            start = row.date(1, "StartDate")
        elif key == "length":
            length = row.integer(1, "Length")
            if not 1 <= length <= _MAX_DAYS:
                raise row.error(f"expected a length of 1 to {_MAX_DAYS} days, found {length}", "Length")
        else:
            raise row.error(f"unknown key {row.cells[0]!r}; expected StartDate or Length")
    if start is None or length is None:
        missing = "StartDate" if start is None else "Length"
        raise ScenarioError(path, missing, "row missing; expected rows StartDate,YYYY-MM-DD and Length,N")
    if start + dt.timedelta(days=length - 1) > LAST_DATE:
        raise ScenarioError(
            path, "Length", f"{length} days from {start} end after {LAST_DATE}; expected a period that ends by then"
        )
    return start, length, path


def _nearest(name: str, known: Iterable[str]) -> str:
    """'; nearest known: a, b, c' for an error about a name that matches nothing."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    return f" (nearest known: {', '.join(close)})" if close else ""


@dataclass
class _Names:
    """How Flee resolves names when locations.csv repeats one: routes, closures and
    observations take the last row with the name, conflicts the first. Every earlier row
    is kept under a name of its own, 'NAME (line N)'."""

    places: set[str]
    first: dict[str, str]  # name as written -> the place conflicts resolve it to

    def for_conflicts(self, name: str) -> str | None:
        return self.first.get(name)


def _locations(folder: Path, notes: list[str]) -> tuple[list[Place], list[tuple[str, int]], _Names]:
    path = folder / "input_csv" / "locations.csv"
    attributes, text_rows = csvfile.flee_rows(path, 8, expected=f"Flee's locations ({_LOCATION_COLUMNS})")
    if not text_rows:
        raise ScenarioError(path, "line 2", f"no locations; expected at least one row ({_LOCATION_COLUMNS})")
    named = [a for a in attributes if a]
    active = sorted(
        a
        for i, a in enumerate(attributes, start=8)
        if a in _ACTIVE_ATTRIBUTES and any(len(r.cells) > i and r.cells[i] != "" for r in text_rows)
    )
    if active:
        raise NotImplementedSetting(
            path,
            ", ".join(f"column {a}" for a in active),
            f"location attribute(s) {', '.join(active)} not implemented by borderflow yet; "
            f"expected the 8 columns ({_LOCATION_COLUMNS}) and attributes that no rule reads",
        )
    if named:
        notes.append(f"{path}: attribute column(s) {', '.join(named)} not used by the movement rules")
    lines: dict[str, list[int]] = {}
    for row in text_rows:
        if len(row.cells) < 8:
            raise row.error(f"expected 8 columns ({_LOCATION_COLUMNS}), found {len(row.cells)}")
        name = row.cell(0, "name")
        if not name:
            raise row.error("empty name; expected the location's name", "name")
        lines.setdefault(name, []).append(row.line)
    first: dict[str, str] = {}
    for name, at in lines.items():
        first[name] = name if len(at) == 1 else f"{name} (line {at[0]})"
        if len(at) > 1:
            kept = ", ".join(f"'{name} (line {n})'" for n in at[:-1])
            notes.append(
                f"{path}: name {name!r} on lines {', '.join(map(str, at))}: routes, closures and observations "
                f"use line {at[-1]} and conflicts line {at[0]}, as Flee does; the earlier row(s) kept as {kept}"
            )
    places: list[Place] = []
    conflict_dates: list[tuple[str, int]] = []
    home = ""
    for row in text_rows:
        name = row.cells[0]
        if lines[name][-1] != row.line:
            name = f"{name} (line {row.line})"
        country = row.cells[2] or "unknown"
        home = home or country
        conflict_date = row.integer(6, "conflict_date", allow_empty=0)
        kind = _kind(row, row.cell(5, "location_type"), conflict_date)
        count = row.integer(7, "population", allow_empty=0)
        if count < 0:
            raise row.error(f"expected a count >= 0, found {count}", "population")
        lat = row.number(3, "latitude", allow_empty=0.0)
        lon = row.number(4, "longitude", allow_empty=0.0)
        if not -90 <= lat <= 90:
            raise row.error(f"latitude {lat} out of range; expected -90 to 90", "latitude")
        if not -180 <= lon <= 180:
            raise row.error(f"longitude {lon} out of range; expected -180 to 180", "longitude")
        is_camp = kind in ("camp", "idpcamp")
        try:
            place = Place(
                name=name,
                kind=kind,
                country=country,
                region=row.cells[1],
                lat=lat,
                lon=lon,
                population=0 if is_camp else count,
                capacity=(count if count > 0 else None) if is_camp else None,
            )
        except ValidationError as exc:  # a name too long, or a control character in it
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else ""
            raise row.error(validation_problem(err), field or None) from None
        places.append(place)
        if "conflict" in row.cells[5].lower():
            conflict_dates.append((name, conflict_date))
    return places, conflict_dates, _Names({p.name for p in places}, first)


def _routes(folder: Path, names: set[str], notes: list[str]) -> list[Route]:
    path = folder / "input_csv" / "routes.csv"
    attributes, data = csvfile.flee_rows(
        path, 4, expected="Flee's routes (name1, name2, distance[, forced_redirection])"
    )
    if "walk_probability" in attributes:
        raise NotImplementedSetting(
            path,
            "column walk_probability",
            "route attribute walk_probability not implemented by borderflow yet; "
            "expected name1, name2, distance[, forced_redirection, max_move_speed, ...]",
        )
    unused = [a for a in attributes if a and a != "max_move_speed"]
    if unused:
        notes.append(f"{path}: column(s) {', '.join(unused)} not used by the movement rules")
    speed_at = 4 + attributes.index("max_move_speed") if "max_move_speed" in attributes else None
    out: list[Route] = []
    first_line: dict[frozenset[str], int] = {}
    parallel: list[tuple[int, int]] = []
    to_itself: list[int] = []
    redirected = 0
    for row in data:
        if len(row.cells) < 3:
            raise row.error(f"expected at least 3 columns (name1, name2, distance), found {len(row.cells)}")
        width = 4 + len(attributes)
        if len(row.cells) > width and any(row.cells[width:]):
            raise row.error(
                f"expected {width} columns (name1, name2, distance, forced_redirection"
                f"{''.join(', ' + a for a in attributes)}), found {len(row.cells)}"
            )
        for i, column in ((0, "name1"), (1, "name2")):
            if row.cells[i] not in names:
                raise row.error(
                    f"unknown place {row.cells[i]!r}; expected a name from locations.csv{_nearest(row.cells[i], names)}",
                    column,
                )
        dist = row.number(2, "distance")
        if dist <= 0:
            raise row.error(f"expected a distance in km > 0, found {row.cells[2]!r}", "distance")
        if row.cells[0] == row.cells[1]:
            to_itself.append(row.line)  # leads nowhere: dropped (docs/flee-folders.md)
            continue
        pair = frozenset(row.cells[:2])
        if pair in first_line:
            parallel.append((row.line, first_line[pair]))  # Flee keeps it as a second link
        else:
            first_line[pair] = row.line
        fields: dict[str, Any] = {"a": row.cells[0], "b": row.cells[1], "distance_km": dist}
        if len(row.cells) > 3 and row.cells[3] != "":
            v = row.integer(3, "forced_redirection")
            if v not in (0, 1, 2):
                raise row.error(f"expected 0, 1 or 2, found {v}", "forced_redirection")
            fields["forced_redirection"] = v
            redirected += v != 0
        if speed_at is not None and speed_at < len(row.cells) and row.cells[speed_at] != "":
            v2 = row.number(speed_at, "max_move_speed")
            if v2 <= 0:
                raise row.error(f"expected a speed > 0, found {v2}", "max_move_speed")
            fields["max_move_speed"] = v2
        try:
            out.append(Route(**fields))
        except ValidationError as exc:
            err = exc.errors()[0]
            column = _ROUTE_COLUMNS.get(str(err["loc"][0]), "") if err["loc"] else ""
            raise row.error(validation_problem(err), column or None) from None
    if redirected:
        notes.append(f"{path}: forced_redirection set on {redirected} route(s); no movement rule reads it, as in Flee")
    if parallel:
        line, earlier = parallel[0]
        notes.append(
            f"{path}: {len(parallel)} route(s) repeat a pair of places (first: line {line}, as line {earlier}); "
            "kept as parallel links, each counted in route choice, as Flee does"
        )
    if to_itself:
        notes.append(
            f"{path}: {len(to_itself)} route(s) from a place to itself (line(s) "
            f"{', '.join(map(str, to_itself[:5]))}{', ...' if len(to_itself) > 5 else ''}) dropped: they lead nowhere"
        )
    return out


_ROUTE_COLUMNS = {"a": "name1", "b": "name2", "distance_km": "distance"}


def _day_to_date(start: dt.date, day: int) -> dt.date:
    return start + dt.timedelta(days=day)


def _closures(
    folder: Path, start: dt.date, days: int, places: list[Place], routes: list[Route], notes: list[str]
) -> list[Closure]:
    path = folder / "input_csv" / "closures.csv"
    if not path.exists():
        return []
    names = {p.name for p in places}
    countries = {p.country for p in places}
    links = {frozenset((r.a, r.b)) for r in routes}
    out: list[Closure] = []
    kinds = {"country", "location", "link", "camp", "idpcamp", "remove_forced_redirection"}
    late: list[int] = []
    for row in csvfile.rows(path, required=False):
        if row.cells[0].lower() in ("closure_type", "type"):
            continue
        kind = row.cell(0, "closure_type")
        if kind not in kinds:
            raise row.error(
                f"unknown closure_type {kind!r}; expected one of {', '.join(sorted(kinds))}", "closure_type"
            )
        a = row.cell(1, "name1")
        # Flee reads no second name for location and camp closures (folders put a country there).
        b = row.cells[2] if len(row.cells) > 2 and kind not in ("location", "camp", "idpcamp") else ""
        first = row.integer(3, "closure_start")
        last = row.integer(4, "closure_end")
        if first < 0:
            raise row.error(f"closure_start day {first} before the period; expected a day >= 0", "closure_start")
        for column, value in (("name1", a), ("name2", b)):
            if kind == "country" and value not in countries:
                raise row.error(
                    f"unknown country {value!r}; expected a country from locations.csv{_nearest(value, countries)}",
                    column,
                )
            if kind != "country" and value and value not in names:
                raise row.error(
                    f"unknown place {value!r}; expected a name from locations.csv{_nearest(value, names)}", column
                )
        if kind == "link" and b and frozenset((a, b)) not in links:
            raise row.error(f"no route between {a!r} and {b!r} to close; expected a link from routes.csv")
        if first >= days:
            late.append(row.line)  # Flee would apply it after the period ends: never, here
            continue
        end: dt.date | None
        if last <= first:
            # Flee reopens on the end day before closing on the start day: closed for good.
            end = None
            if last < first:
                notes.append(
                    f"{path}:line {row.line}: closure_end {last} before closure_start; closed from day {first} on"
                )
            else:
                notes.append(
                    f"{path}:line {row.line}: closure_end equals closure_start; Flee closes and reopens the same day, so it has no effect"
                )
                continue
        elif last >= days and (LAST_DATE - start).days < last:
            end = None  # reopens after the period; a day that far on would overflow the calendar
        else:
            end = _day_to_date(start, last)
        try:
            out.append(Closure(kind=kind, a=a, b=b, start=_day_to_date(start, first), end=end))
        except ValidationError as exc:
            raise row.error(validation_problem(exc.errors()[0])) from None
    if late:
        notes.append(
            f"{path}: {len(late)} closure(s) start after the last simulated day (line(s) "
            f"{', '.join(map(str, late[:5]))}{', ...' if len(late) > 5 else ''}); they never take effect"
        )
    return out


def _conflicts(
    folder: Path,
    start: dt.date,
    days: int,
    names: _Names,
    from_locations: list[tuple[str, int]],
    notes: list[str],
) -> list[Conflict]:
    path = folder / "input_csv" / "conflicts.csv"
    if not path.exists():
        # Without conflicts.csv, Flee starts each conflict zone on its conflict_date.
        return [Conflict(place=n, start=_day_to_date(start, d)) for n, d in from_locations if 0 <= d < days]
    expected = "a header #Day,<place>,... and one row per day"
    text = csvfile.read_text(path, expected)
    if not text.strip():
        raise ScenarioError(path, "line 1", f"file is empty; expected {expected}")
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ScenarioError(path, None, f"malformed CSV ({exc}); expected {expected}") from None
    numbered = [(i + 1, [c.strip() for c in cells]) for i, cells in enumerate(table) if any(c.strip() for c in cells)]
    # Flee: the first row is always the header, names stripped of spaces; the day column is
    # not read, rows count the days in order.
    header_line, header = numbered[0]
    places = header[1:]
    while places and places[-1] == "":
        places.pop()
    data = [Row(path, n, cells) for n, cells in numbered[1:] if not cells[0].startswith("#")]
    if len(data) < days:
        raise NotAScenario(
            path,
            f"line {data[-1].line if data else header_line}",
            f"table ends after {len(data)} day row(s), short of the period; "
            f"expected one row for each of the {days} simulated days (sim_period.csv)",
        )
    if len(data) > days:
        notes.append(f"{path}: rows after day {days - 1} ignored (outside the period)")
    resolved = [names.for_conflicts(n) for n in places]
    value = [0.0] * len(places)
    open_at: list[int | None] = [None] * len(places)
    intensity = [0.0] * len(places)
    out: list[Conflict] = []
    for t, row in enumerate(data[:days]):
        cells = row.cells[1:]
        while len(cells) > len(places) and cells[-1] == "":
            cells.pop()
        if len(cells) != len(places):
            raise row.error(f"expected {len(places)} values as in the header, found {len(cells)}")
        for j, name in enumerate(places):
            v = row.number(j + 1, name, allow_empty=0.0)
            if v < 0:
                raise row.error(f"expected an intensity >= 0, found {v}", name)
            was, now = value[j] > 1e-6, v > 1e-6
            place = resolved[j]
            if place is None:
                if now:
                    raise row.error(
                        f"conflict at unknown place {name!r}; expected a name from locations.csv"
                        f"{_nearest(name, names.first)}",
                        name,
                    )
                continue
            if now and not was:
                open_at[j], intensity[j] = t, v
            elif was and not now:
                out.append(
                    Conflict(
                        place=place,
                        start=_day_to_date(start, open_at[j] or 0),
                        end=_day_to_date(start, t),
                        intensity=intensity[j],
                    )
                )
                open_at[j] = None
            value[j] = v
    unknown = sorted({n for n, r in zip(places, resolved, strict=True) if r is None})
    if unknown:
        notes.append(f"{path}: column(s) {', '.join(unknown)} name no place in locations.csv; all zero, ignored")
    for j, place in enumerate(resolved):
        if open_at[j] is not None and place is not None:
            out.append(Conflict(place=place, start=_day_to_date(start, open_at[j] or 0), intensity=intensity[j]))
    out.sort(key=lambda c: (c.start, c.place))
    return out


def _series(path: Path, notes: list[str] | None = None) -> list[tuple[dt.date, float]]:
    """An observation file's points in date order.

    Rows whose date is not after the previous row's are read as Flee reads them (one note):
    see `_as_flee_reads`."""
    points: list[tuple[dt.date, float]] = []
    first_unordered: tuple[int, dt.date, dt.date] | None = None
    for row in csvfile.rows(path, required=False):
        if row.cells[0].lower() in ("date", "datetime"):
            continue
        if len(row.cells) < 2 or row.cells[1] == "":
            continue
        d = row.date(0, "date")
        n = row.number(1, "count")
        if n < 0:
            raise row.error(f"expected a count >= 0, found {row.cells[1]!r}", "count")
        if points and d <= points[-1][0] and first_unordered is None:
            first_unordered = (row.line, d, points[-1][0])
        points.append((d, n))
    if first_unordered is None:
        return points
    line, d, previous = first_unordered
    if notes is not None:
        notes.append(
            f"{path}:line {line}: date {d} not after the previous one ({previous}); dates out of order are read "
            "as Flee reads them: each day takes the first row dated after it and the row before that in the file"
        )
    return _as_flee_reads(points)


def _as_flee_reads(rows: list[tuple[dt.date, float]]) -> list[tuple[dt.date, float]]:
    """Flee's value of a series whose rows are not in date order, as one point a day.

    Flee interpolates day t between row i-1 and row i, where i is the first row (in file
    order) dated after t; before the first row's date the first value holds, and when no row
    is dated after t the last row's value holds. Every row before i is dated at or before t,
    so this is always an interpolation, never an extrapolation. Sampled on every day from
    the first row's date to the latest date, it is a series in date order that gives Flee's
    value on every day."""
    first, latest = rows[0][0], max(d for d, _ in rows)
    out = [(first, rows[0][1])]
    for k in range(1, (latest - first).days + 1):
        t = first + dt.timedelta(days=k)
        value = rows[-1][1]
        for (d0, v0), (d1, v1) in itertools.pairwise(rows):
            if t < d1:
                value = v0 + (v1 - v0) * (t - d0).days / (d1 - d0).days
                break
        out.append((t, value))
    return out


def _interp(points: list[tuple[dt.date, float]], d: dt.date) -> float:
    """Linear interpolation; the first value holds before, the last after."""
    if d <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if d < d1:
            return v0 + (v1 - v0) * (d - d0).days / (d1 - d0).days
    return points[-1][1]


def _sum_series(parts: list[list[tuple[dt.date, float]]]) -> list[tuple[dt.date, float]]:
    dates = sorted({d for p in parts for d, _ in p})
    return [(d, sum(_interp(p, d) for p in parts)) for d in dates]


def _observations(
    folder: Path, names: set[str], notes: list[str]
) -> tuple[list[Observation], list[ObservationPoint] | None, Path]:
    src = folder / "source_data"
    layout = src / "data_layout.csv"
    total: list[ObservationPoint] | None = None
    obs: list[Observation] = []
    seen: dict[str, tuple[int, list[str]]] = {}
    for row in csvfile.rows(layout, expected="rows total,<file> and <camp>,<file>[,<file>...]"):
        name = row.cells[0]
        files = [c for c in row.cells[1:] if c]
        if not files:
            raise row.error("expected a place name followed by one or more observation files")
        if name in seen:
            line, earlier = seen[name]
            if earlier != files:
                raise row.error(
                    f"{name!r} observed again with other files (line {line}: {', '.join(earlier)}); "
                    "expected one row per observed place"
                )
            notes.append(f"{layout}:line {row.line}: repeats line {line} ({name!r}); counted once")
            continue
        seen[name] = (row.line, files)
        parts = []
        for f in files:
            p = _inside(folder, src / f, row, f)
            if not p.exists():
                raise row.error(f"observation file {f!r} not found in {src}; expected a file of YYYY-MM-DD,count rows")
            parts.append(_series(p, notes))
        nonempty = [p for p in parts if p]
        if not nonempty:
            notes.append(f"{layout}:line {row.line}: {name!r} has no data points; not observed")
            continue
        series = _sum_series(nonempty)
        try:
            points = [ObservationPoint(date=d, count=v) for d, v in series]
        except ValidationError as exc:  # e.g. observed counts that add up beyond the limits
            raise row.error(validation_problem(exc.errors()[0])) from None
        if name.lower() == "total":
            total = points
            continue
        if name not in names:
            # Flee scores only the places it simulates and skips such rows; so do we, loudly.
            notes.append(
                f"{layout}:line {row.line}: observed place {name!r} is not in locations.csv; its observations are not used"
            )
            continue
        obs.append(Observation(place=name, points=points, source=", ".join(files)))
    return obs, total, layout


DATA_ROOT_ENV = "BORDERFLOW_DATA_ROOT"


def data_roots() -> list[Path]:
    """Folders the user declares as holding input data besides the scenario's own
    (BORDERFLOW_DATA_ROOT, several separated by the path separator; `--data-root` sets it)."""
    text = os.environ.get(DATA_ROOT_ENV, "")
    return [Path(p).expanduser().resolve() for p in text.split(os.pathsep) if p.strip()]


def _inside(folder: Path, path: Path, row: Row, name: str) -> Path:
    """`path` if it lies, symlinks resolved, inside the scenario folder or a declared data root.

    A scenario from someone else must not read arbitrary files (`../../../../etc/passwd`).
    """
    bad = _CONTROL.search(name)
    if bad:
        raise row.error(f"control character U+{ord(bad.group()):04X} in a file name; expected a plain file name")
    resolved = path.resolve()
    roots = [folder.resolve(), *data_roots()]
    if not any(resolved.is_relative_to(root) for root in roots):
        raise row.error(
            f"observation file {name!r} lies outside the scenario folder; expected a file inside {folder} "
            f"or inside a data root declared with --data-root or {DATA_ROOT_ENV} (see docs/limits.md)"
        )
    return path


def _corrections(folder: Path, obs: list[Observation], notes: list[str]) -> list[Observation]:
    path = folder / "input_csv" / "registration_corrections.csv"
    if not path.exists():
        return obs
    by_name = {o.place: o for o in obs}
    for row in csvfile.rows(path, required=False):
        name = row.cell(0, "name")
        d = row.date(1, "date")
        if name not in by_name:
            raise row.error(f"{name!r} is not an observed place; expected one named in data_layout.csv", "name")
        dates = [p.date for p in by_name[name].points]
        if d not in dates:
            notes.append(f"{path}:line {row.line}: {d} is not an observation date of {name}; no correction")
            continue
        by_name[name] = by_name[name].model_copy(update={"correction_date": d})
    return [by_name[o.place] for o in obs]


def _check_observed_period(
    layout: Path, obs: list[Observation], total: list[ObservationPoint] | None, start: dt.date, days: int
) -> None:
    """Flee's spawning follows the observations: a period none of them falls in has nothing to follow."""
    end = _day_to_date(start, days - 1)
    dates = [p.date for o in obs for p in o.points] + [p.date for p in total or []]
    if not dates:
        raise NotAScenario(
            layout,
            None,
            "no observed counts: nothing drives Flee's spawning; expected camp files of YYYY-MM-DD,count rows",
        )
    if not any(start <= d <= end for d in dates):
        raise NotAScenario(
            layout,
            None,
            f"no observation dated within the period ({start} to {end}; observations run {min(dates)} to "
            f"{max(dates)}), so nothing drives spawning; expected observed counts within the simulated period",
        )


def _note_unused_floods(folder: Path, notes: list[str]) -> None:
    """D-Flee's flood levels in a folder whose settings switch no flood rule on."""
    path = folder / "input_csv" / "flood_level.csv"
    if path.exists():
        notes.append(f"{path}: not read: it feeds D-Flee's flood rules, which no setting of this folder switches on")


def read_flee_folder(folder: str | Path) -> Scenario:
    """Read a Flee/FabFlee scenario folder into a Scenario."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(
            folder, None, "not a folder; expected a Flee scenario folder with input_csv/ and source_data/"
        )
    _check_complete(folder)
    move, spawn, hasten, notes = _settings(folder)
    start, days, _ = _period(folder)
    places, conflict_dates, resolve = _locations(folder, notes)
    written = set(resolve.first)  # names as written: each resolves to the last row with it
    routes = _routes(folder, written, notes)
    closures = _closures(folder, start, days, places, routes, notes)
    floods, flood_spawning = read_floods(folder, written, start, days, notes)
    if floods is None:
        conflicts = _conflicts(folder, start, days, resolve, conflict_dates, notes)
        _note_unused_floods(folder, notes)
    else:
        # D-Flee reads flood levels instead of conflicts: only conflict-type places without a
        # later conflict_date are conflict zones, from the first day
        conflicts = [Conflict(place=n, start=start) for n, d in conflict_dates if d <= 0]
        if (folder / "input_csv" / "conflicts.csv").exists():
            notes.append(f"{folder / 'input_csv' / 'conflicts.csv'}: not read: flood rules are on, as in D-Flee")
    read_demographics(folder, written, notes)
    obs, total, layout = _observations(folder, written, notes)
    obs = _corrections(folder, obs, notes)
    # floods (D-Flee) or conflicts (conflict_driven_spawning) drive spawning: observations only score the run
    if not flood_spawning and spawn.conflict_driven_spawning is None:
        _check_observed_period(layout, obs, total, start, days)
    for o in obs:
        kind = next(p.kind for p in places if p.name == o.place)
        if kind not in ("camp", "idpcamp"):
            notes.append(f"{layout}: observed place {o.place!r} is a {kind}, not a camp")
    try:
        return Scenario(
            name=folder.resolve().name,
            description=f"Imported from the Flee scenario folder {folder}",
            start_date=start,
            days=days,
            hasten=hasten,
            places=places,
            routes=routes,
            closures=closures,
            conflicts=conflicts,
            observations=obs,
            total_observed=total,
            move_rules=move,
            spawn_rules=spawn.model_copy(update={"data_driven": not flood_spawning}),
            floods=floods,
            notes=notes,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        msg = validation_problem(err)
        if not loc and ": " in msg:
            loc, msg = msg.split(": ", 1)  # the whole-scenario checks start with the field
        raise ScenarioError(folder, loc or None, msg) from None
