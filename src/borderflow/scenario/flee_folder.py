"""Reader for Flee / FabFlee scenario folders (see ../shared/reference/flee-format.md).

The folder is converted into a :class:`Scenario`. Anything Flee would act on that borderflow
does not implement is an error naming the setting; anything that has no effect on the
results (logging, unused attribute columns) is carried as a note, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from borderflow.scenario import csvfile
from borderflow.scenario.csvfile import Row
from borderflow.scenario.errors import ScenarioError
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
from borderflow.scenario.yamlfile import load_yaml

# simsetting.yml keys, by section: which model field they set, or why they are accepted.
_MOVE_KEYS = set(MoveRules.model_fields)
_SPAWN_KEYS = {"insert_day0", "sum_from_camps", "conflict_zone_spawning_only", "conflict_spawn_decay"}
# Settings whose value at Flee's default changes nothing; any other value is not implemented.
_NEUTRAL: dict[str, dict[str, Any]] = {
    "move_rules": {
        "avoid_short_stints": False,
        "start_on_foot": False,
        "use_v1_rules": False,
        "stay_close_to_home": False,
        "use_pop_for_loc_weight": False,
        "movechance_pop_scale_factor": 0.0,
        "max_crossing_speed": None,  # any value: crossings are not modelled by Flee 3.1 rules
        "home_distance_power": None,
        "pop_power_for_loc_weight": None,
        "movechance_pop_base": None,
        "ChildrenAvoidHazards": False,
        "BoysTakeRisk": False,
        "MatchCampEthnicity": False,
        "MatchTownEthnicity": False,
        "MatchConflictEthnicity": False,
    },
    "spawn_rules": {
        "take_from_population": False,
        "flood_zone_spawning_only": False,
        "camps_are_sinks": False,
        "read_from_agents_csv_file": False,
    },
    "optimisations": {},
}
_IGNORED_SECTIONS = {"log_levels"}  # output verbosity only
_TOP_LEVEL = {"log_levels", "spawn_rules", "move_rules", "optimisations", "number_of_steps"}


def _kind(row: Row, text: str, conflict_date: int) -> PlaceKind:
    t = text.lower()
    if "camp" in t:
        return "idpcamp" if "idp" in t else "camp"
    if "conflict" in t:
        return "town" if conflict_date > 0 else "conflict"
    if "forward" in t:
        return "forward"
    if "marker" in t:
        return "marker"
    if "town" in t or "default" in t:
        return "town"
    raise row.error(
        f"unknown location_type {text!r}; expected one containing camp, conflict, town, default, forward or marker",
        "location_type",
    )


def _settings(folder: Path) -> tuple[MoveRules, SpawnRules, int, list[str]]:
    path = folder / "simsetting.yml"
    notes: list[str] = []
    if not path.exists():
        notes.append(f"{path}: not found; Flee's default rules used")
        return MoveRules(), SpawnRules(), 1, notes
    data = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(path, None, "expected a mapping of sections (move_rules, spawn_rules, ...)")
    move: dict[str, Any] = {}
    spawn: dict[str, Any] = {}
    hasten = 1
    for section, body in data.items():
        if section not in _TOP_LEVEL:
            raise ScenarioError(path, str(section), f"unknown setting; expected one of {', '.join(sorted(_TOP_LEVEL))}")
        if section == "number_of_steps":
            notes.append(f"{path}: number_of_steps ignored; the period comes from sim_period.csv")
            continue
        if body is None:
            continue
        if not isinstance(body, dict):
            raise ScenarioError(path, str(section), "expected a mapping of settings")
        if section in _IGNORED_SECTIONS:
            notes.append(f"{path}: {section} ignored (Flee output logging; no effect on results)")
            continue
        for key, value in body.items():
            where = f"{section}.{key}"
            if section == "move_rules" and key in _MOVE_KEYS:
                move[key] = value
            elif section == "spawn_rules" and key in _SPAWN_KEYS:
                spawn[key] = value
            elif section == "optimisations" and key == "hasten":
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise ScenarioError(path, where, f"expected a whole number >= 1, found {value!r}")
                hasten = value
            elif key in _NEUTRAL.get(section, {}):
                neutral = _NEUTRAL[section][key]
                if neutral is not None and value != neutral:
                    raise ScenarioError(
                        path,
                        where,
                        f"setting {value!r} is not implemented by borderflow; expected {neutral!r} (Flee's default)",
                    )
                notes.append(f"{path}: {where}={value!r} accepted; it has no effect at this value")
            else:
                raise ScenarioError(path, where, "unknown setting; see docs/flee-compatibility.md")
    try:
        return MoveRules(**move), SpawnRules(**spawn), hasten, notes
    except ValidationError as exc:
        err = exc.errors()[0]
        section = "move_rules" if err["loc"] and err["loc"][0] in _MOVE_KEYS else "spawn_rules"
        loc = ".".join(str(x) for x in err["loc"])
        raise ScenarioError(path, f"{section}.{loc}", f"{err['msg']}; found {err.get('input')!r}") from None


def _period(folder: Path) -> tuple[dt.date, int, Path]:
    inp = folder / "input_csv"
    path = inp / "sim_period.csv"
    if not path.exists():
        path = inp / "conflict_period.csv"
    if not path.exists():
        raise ScenarioError(inp / "sim_period.csv", None, "file not found (nor conflict_period.csv)")
    start: dt.date | None = None
    length: int | None = None
    for row in csvfile.rows(path):
        key = row.cells[0].lower()
        if key == "startdate":
            start = row.date(1, "StartDate")
        elif key == "length":
            length = row.integer(1, "Length")
            if length < 1:
                raise row.error(f"expected a length of at least 1 day, found {length}", "Length")
        else:
            raise row.error(f"unknown key {row.cells[0]!r}; expected StartDate or Length")
    if start is None or length is None:
        raise ScenarioError(path, None, "expected rows StartDate,YYYY-MM-DD and Length,N")
    return start, length, path


def _locations(folder: Path, notes: list[str]) -> tuple[list[Place], list[tuple[str, int]]]:
    path = folder / "input_csv" / "locations.csv"
    header, text_rows = csvfile.header_and_rows(path, header_if=lambda c: c.startswith("#") or c.lower() == "name")
    header = [h.strip('"') for h in header]
    extra = header[8:] if len(header) > 8 else []
    if extra:
        notes.append(f"{path}: attribute column(s) {', '.join(extra)} not used by the movement rules")
    if not text_rows:
        raise ScenarioError(path, None, "no locations; expected at least one data row")
    places: list[Place] = []
    conflict_dates: list[tuple[str, int]] = []
    home = ""
    for row in text_rows:
        if len(row.cells) < 8:
            raise row.error(
                f"expected 8 columns (name, region, country, latitude, longitude, location_type, "
                f"conflict_date, population), found {len(row.cells)}"
            )
        name = row.cell(0, "name")
        if not name:
            raise row.error("empty name", "name")
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
            raise row.error(f"latitude {lat} outside -90..90", "latitude")
        if not -180 <= lon <= 180:
            raise row.error(f"longitude {lon} outside -180..180", "longitude")
        is_camp = kind in ("camp", "idpcamp")
        places.append(
            Place(
                name=name,
                kind=kind,
                country=country,
                region=row.cells[1],
                lat=lat,
                lon=lon,
                population=0 if is_camp else count,
                capacity=(count if count > 0 else None) if is_camp else None,
            )
        )
        if "conflict" in row.cells[5].lower():
            conflict_dates.append((name, conflict_date))
    return places, conflict_dates


def _routes(folder: Path, notes: list[str]) -> list[Route]:
    path = folder / "input_csv" / "routes.csv"
    header, data = csvfile.header_and_rows(path)
    header = [h.strip('"') for h in header]
    if header[:3] != ["name1", "name2", "distance"]:
        raise ScenarioError(
            path, "line 1", f"expected header name1,name2,distance[,forced_redirection,...], found {','.join(header)}"
        )
    known = {"forced_redirection", "max_move_speed"}
    for col in header[3:]:
        if col not in known:
            if col == "walk_probability":
                raise ScenarioError(path, "line 1", "column walk_probability is not implemented by borderflow")
            notes.append(f"{path}: column {col} not used by the movement rules")
    out: list[Route] = []
    for row in data:
        if len(row.cells) < 3:
            raise row.error(f"expected at least 3 columns (name1, name2, distance), found {len(row.cells)}")
        if len(row.cells) > len(header):
            raise row.error(f"expected {len(header)} columns as in the header, found {len(row.cells)}")
        dist = row.number(2, "distance")
        if dist <= 0:
            raise row.error(f"expected a distance in km > 0, found {row.cells[2]!r}", "distance")
        fields: dict[str, Any] = {"a": row.cells[0], "b": row.cells[1], "distance_km": dist}
        for i, col in enumerate(header[3:], start=3):
            if i >= len(row.cells) or row.cells[i] == "":
                continue
            if col == "forced_redirection":
                v = row.integer(i, col)
                if v not in (0, 1, 2):
                    raise row.error(f"expected 0, 1 or 2, found {v}", col)
                fields[col] = v
            elif col == "max_move_speed":
                v2 = row.number(i, col)
                if v2 <= 0:
                    raise row.error(f"expected a speed > 0, found {v2}", col)
                fields[col] = v2
        if fields.get("forced_redirection", 0):
            notes.append(f"{path}:line {row.line}: forced_redirection carried; it has no effect in Flee 3.1's rules")
        try:
            out.append(Route(**fields))
        except ValidationError as exc:
            raise row.error(exc.errors()[0]["msg"]) from None
    return out


def _day_to_date(start: dt.date, day: int) -> dt.date:
    return start + dt.timedelta(days=day)


def _closures(folder: Path, start: dt.date, days: int, notes: list[str]) -> list[Closure]:
    path = folder / "input_csv" / "closures.csv"
    if not path.exists():
        return []
    out: list[Closure] = []
    kinds = {"country", "location", "link", "camp", "idpcamp", "remove_forced_redirection"}
    for row in csvfile.rows(path, required=False):
        if row.cells[0].lower() in ("closure_type", "type"):
            continue
        kind = row.cell(0, "closure_type")
        if kind not in kinds:
            raise row.error(
                f"unknown closure_type {kind!r}; expected one of {', '.join(sorted(kinds))}", "closure_type"
            )
        a = row.cell(1, "name1")
        b = row.cells[2] if len(row.cells) > 2 else ""
        first = row.integer(3, "closure_start")
        last = row.integer(4, "closure_end")
        if not 0 <= first < days:
            raise row.error(f"closure_start day {first} outside the period 0..{days - 1}", "closure_start")
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
        else:
            end = _day_to_date(start, last)
        try:
            out.append(Closure(kind=kind, a=a, b=b, start=_day_to_date(start, first), end=end))
        except ValidationError as exc:
            raise row.error(exc.errors()[0]["msg"]) from None
    return out


def _conflicts(
    folder: Path,
    start: dt.date,
    days: int,
    names: set[str],
    from_locations: list[tuple[str, int]],
    notes: list[str],
) -> list[Conflict]:
    path = folder / "input_csv" / "conflicts.csv"
    if not path.exists():
        # Without conflicts.csv, Flee starts each conflict zone on its conflict_date.
        return [Conflict(place=n, start=_day_to_date(start, d)) for n, d in from_locations if 0 <= d < days]
    header, data = csvfile.header_and_rows(path)
    places = header[1:]
    raw_names = [c.strip() for c in csvfile.read_text(path).splitlines()[0].lstrip("#").split(",")][1:]
    while raw_names and raw_names[-1] == "":
        raw_names.pop()
    places = raw_names
    unknown = {n for n in places if n not in names}
    if len(data) < days:
        raise ScenarioError(path, None, f"{len(data)} day rows; expected one row for each of the {days} simulated days")
    if len(data) > days:
        notes.append(f"{path}: rows after day {days - 1} ignored (outside the period)")
    value = [0.0] * len(places)
    open_at: list[int | None] = [None] * len(places)
    intensity = [0.0] * len(places)
    out: list[Conflict] = []
    for t, row in enumerate(data[:days]):
        day = row.integer(0, "Day")
        if day != t:
            raise row.error(f"expected day {t} (one row per day, in order), found {day}", "Day")
        cells = row.cells[1:]
        while len(cells) > len(places) and cells[-1] == "":
            cells.pop()
        if len(cells) != len(places):
            raise row.error(f"expected {len(places)} values as in the header, found {len(cells)}")
        for j, name in enumerate(places):
            v = row.number(j + 1, name)
            if v < 0:
                raise row.error(f"expected an intensity >= 0, found {v}", name)
            was, now = value[j] > 1e-6, v > 1e-6
            if name in unknown:
                if now:
                    raise row.error(f"conflict at unknown place {name!r}; expected a name from locations.csv", name)
                continue
            if now and not was:
                open_at[j], intensity[j] = t, v
            elif was and not now:
                out.append(
                    Conflict(
                        place=name,
                        start=_day_to_date(start, open_at[j] or 0),
                        end=_day_to_date(start, t),
                        intensity=intensity[j],
                    )
                )
                open_at[j] = None
            value[j] = v
    if unknown:
        notes.append(
            f"{path}: column(s) {', '.join(sorted(unknown))} name no place in locations.csv; all zero, ignored"
        )
    for j, name in enumerate(places):
        if open_at[j] is not None:
            out.append(Conflict(place=name, start=_day_to_date(start, open_at[j] or 0), intensity=intensity[j]))
    out.sort(key=lambda c: (c.start, c.place))
    return out


def _series(path: Path) -> list[tuple[dt.date, float]]:
    points: list[tuple[dt.date, float]] = []
    for row in csvfile.rows(path, required=False):
        if row.cells[0].lower() in ("date", "datetime"):
            continue
        if len(row.cells) < 2 or row.cells[1] == "":
            continue
        d = row.date(0, "date")
        n = row.number(1, "count")
        if n < 0:
            raise row.error(f"expected a count >= 0, found {row.cells[1]!r}", "count")
        if points and d <= points[-1][0]:
            raise row.error(f"date {d} not after the previous one ({points[-1][0]}); expected increasing dates", "date")
        points.append((d, n))
    return points


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
    for row in csvfile.rows(layout):
        name = row.cells[0]
        files = [c for c in row.cells[1:] if c]
        if not files:
            raise row.error("expected a place name followed by one or more observation files")
        parts = []
        for f in files:
            p = src / f
            if not p.exists():
                raise row.error(f"observation file {f!r} not found in {src}")
            parts.append(_series(p))
        nonempty = [p for p in parts if p]
        if not nonempty:
            notes.append(f"{layout}:line {row.line}: {name!r} has no data points; not observed")
            continue
        series = _sum_series(nonempty)
        points = [ObservationPoint(date=d, count=v) for d, v in series]
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


def read_flee_folder(folder: str | Path) -> Scenario:
    """Read a Flee/FabFlee scenario folder into a Scenario."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(
            folder, None, "not a folder; expected a Flee scenario folder with input_csv/ and source_data/"
        )
    if not (folder / "input_csv").is_dir():
        raise ScenarioError(folder / "input_csv", None, "folder not found; expected Flee's input_csv/")
    move, spawn, hasten, notes = _settings(folder)
    start, days, _ = _period(folder)
    places, conflict_dates = _locations(folder, notes)
    names = {p.name for p in places}
    routes = _routes(folder, notes)
    rpath = folder / "input_csv" / "routes.csv"
    for r in routes:
        for end in (r.a, r.b):
            if end not in names:
                raise ScenarioError(
                    rpath, f"route {r.a}-{r.b}", f"unknown place {end!r}; expected a name from locations.csv"
                )
    closures = _closures(folder, start, days, notes)
    conflicts = _conflicts(folder, start, days, names, conflict_dates, notes)
    obs, total, layout = _observations(folder, names, notes)
    obs = _corrections(folder, obs, notes)
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
            spawn_rules=spawn.model_copy(update={"data_driven": True}),
            notes=notes,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ScenarioError(folder, loc or None, str(err["msg"]).removeprefix("Value error, ")) from None
