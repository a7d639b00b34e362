"""The scenario model: typed, validated, and strict (unknown keys are errors).

A scenario is pure data: places, routes, dated events, observations, rule parameters and
the seed. Readers (native YAML, Flee folders) build it; the engine compiles it to arrays.
Every default is declared once, here, with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from borderflow.scenario.border_specs import BorderSpec
from borderflow.scenario.caravan_specs import CaravanSpec
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.flood_specs import FloodSpec
from borderflow.scenario.inflow_specs import CorridorSpec, InflowSeasonality
from borderflow.scenario.limits import LAST_DATE, MAX_HASTEN, MAX_PLACE_DAYS, MAX_PLACES, MAX_ROUTES, MAX_SEED, Plain
from borderflow.scenario.policy_specs import AnyPolicy
from borderflow.scenario.record_specs import SectorObservations
from borderflow.scenario.uncertainty_specs import UncertainParameter, numeric_field_problem


class Strict(Plain):
    """Base for every scenario object: unknown keys rejected, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]

# Kinds of place. Movement rules read these; see docs/scenario-reference.md.
PlaceKind = Literal["conflict", "town", "camp", "idpcamp", "marker", "forward", "border_city", "port", "sector"]


class Place(Strict):
    """A node of the route network."""

    name: Name
    kind: PlaceKind = Field(
        "town",
        description="town: people stay or move on; conflict: a source of displacement while a Conflict is active; "
        "camp/idpcamp: a destination with low move chance; marker/forward: pass-through points; "
        "border_city/port/sector: the border system (see the border section)",
    )
    country: str = Field("unknown", description='places outside the home country are "foreign"')
    region: str = ""
    lat: FiniteFloat | None = Field(default=None, ge=-90, le=90)
    lon: FiniteFloat | None = Field(default=None, ge=-180, le=180)
    population: Annotated[int, Field(ge=0)] = Field(0, description="residents (spawn weight in conflict zones)")
    capacity: Annotated[int, Field(ge=0)] | None = Field(None, description="camp capacity in people; None = unlimited")
    source: str | None = Field(None, description="where the figures come from (free text)")


TravelMode = Literal["foot", "road", "rail", "any"]


class ModeShare(Strict):
    """One travel mode on a route and the share of travellers who use it."""

    mode: Literal["foot", "road", "rail"]
    share: Probability = Field(description="share of the people entering the route who use this mode")
    speed: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="km/day; none = the rules' speed for the mode"
    )


class Route(Strict):
    """A two-way link between two places."""

    a: Name
    b: Name
    distance_km: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    mode: TravelMode = Field(
        "any", description="the one travel mode (foot: max_walk_speed, rail: rail_speed, road/any: max_move_speed)"
    )
    modes: list[ModeShare] | None = Field(
        None, description="several travel modes with their shares (instead of `mode`); shares add up to 1"
    )
    max_move_speed: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="km/day override"
    )
    forced_redirection: Literal[0, 1, 2] = Field(
        0, description="carried from Flee folders; no effect in Flee 3.1 rules"
    )
    source: str | None = None

    @model_validator(mode="after")
    def _distinct_ends(self) -> Route:
        if self.a == self.b:
            raise ValueError(f"route from {self.a!r} to itself; expected two different places")
        if self.modes is not None:
            if self.mode != "any":
                raise ValueError("give either `mode` or `modes`, not both")
            names = [m.mode for m in self.modes]
            if len(set(names)) != len(names) or not names:
                raise ValueError("modes: expected each travel mode at most once")
            total = sum(m.share for m in self.modes)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"modes: shares add up to {total:g}; expected 1")
        return self

    def mode_shares(self) -> list[tuple[str, float, float | None]]:
        """(mode, share, speed override) for each mode of this route."""
        if self.modes is not None:
            return [(m.mode, m.share, m.speed) for m in self.modes]
        return [(self.mode, 1.0, self.max_move_speed)]


ClosureKind = Literal["country", "location", "link", "camp", "idpcamp", "remove_forced_redirection"]


class Closure(Strict):
    """A dated closure, applied on `start` and reversed on `end` (None = never reversed)."""

    kind: ClosureKind
    a: Name
    b: str = Field("", description="second country/place for country and link closures")
    start: dt.date = Field(description="day the closure takes effect")
    end: dt.date | None = Field(None, description="day it is reversed (none = never)")
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Closure:
        if self.kind in ("country", "link", "remove_forced_redirection") and not self.b:
            raise ValueError(f"a {self.kind} closure with no 'b'; expected both 'a' and 'b'")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"closure ends ({self.end}) before it starts ({self.start}); expected end >= start")
        return self


class Conflict(Strict):
    """A place is a conflict zone from `start` until `end` (exclusive; None = to the end)."""

    place: Name
    start: dt.date = Field(description="first day of the conflict")
    end: dt.date | None = Field(None, description="first day without it (none = to the end)")
    intensity: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Conflict:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"conflict ends ({self.end}) on or before it starts ({self.start}); expected end > start")
        return self


class Departure(Strict):
    """People setting out from a place: `per_day` new people each day from start to end."""

    place: Name
    start: dt.date
    end: dt.date = Field(description="last day of departures (inclusive)")
    per_day: NonNegFloat = Field(description="expected people a day; fractional parts are drawn at random")
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Departure:
        if self.end < self.start:
            raise ValueError(f"departure ends ({self.end}) before it starts ({self.start}); expected end >= start")
        return self


class ObservationPoint(Strict):
    date: dt.date
    count: NonNegFloat


class Observation(Strict):
    """Observed counts at one place (linearly interpolated between points)."""

    place: Name
    points: Annotated[list[ObservationPoint], Field(min_length=1)]
    # Level-1 registration correction date (Flee's registration_corrections.csv).
    correction_date: dt.date | None = None
    source: str | None = None

    @field_validator("points")
    @classmethod
    def _sorted(cls, points: list[ObservationPoint]) -> list[ObservationPoint]:
        dates = [p.date for p in points]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("observation dates out of order or repeated; expected strictly increasing dates")
        return points


class MoveRules(Strict):
    """Flee's movement rules; names and defaults follow Flee's simsetting.yml."""

    max_move_speed: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(360.0, description="km a day on a link")
    max_walk_speed: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(35.0, description="km a day on foot")
    rail_speed: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="km a day by freight rail (none = max_move_speed)"
    )
    foreign_weight: NonNegFloat = Field(1.0, description="score factor for places in another country")
    camp_weight: NonNegFloat = Field(1.0, description="score factor for camps")
    conflict_weight: NonNegFloat = Field(1.0 / math.sqrt(10.0), description="score base for conflict zones")
    conflict_movechance: Probability = Field(1.0, description="daily chance of leaving a conflict zone")
    camp_movechance: Probability = Field(0.001, description="daily chance of leaving a camp")
    idpcamp_movechance: Probability = Field(0.1, description="daily chance of leaving an IDP camp")
    default_movechance: Probability = Field(0.3, description="daily chance of leaving a town")
    awareness_level: Annotated[int, Field(ge=0)] = Field(
        1, description="links deep a route may look (any level; the cost limit is on paths, see docs/limits.md)"
    )
    capacity_buffer: Probability = Field(0.9, description="share of capacity where a camp starts to look full")
    capacity_scaling: NonNegFloat = Field(1.0, description="multiplies every camp capacity")
    softening: NonNegFloat = Field(10.0, description="km added to every route length")
    weight_softening: NonNegFloat = Field(0.0, description="added to every destination score")
    weight_power: NonNegFloat = Field(1.0, description="exponent on route weights")
    distance_power: NonNegFloat = Field(1.0, description="exponent on route length")
    start_on_foot: bool = Field(
        False, description="people walk (max_walk_speed) the first link they take after they appear (Flee)"
    )
    avoid_short_stints: bool = Field(
        False,
        description="people who reach a town at the end of their plan having covered less than max_move_speed "
        "that day go on (move chance 1); see docs/flee-folders.md for how this differs from Flee",
    )


class ConflictDrivenSpawning(Strict):
    """Flee's conflict-driven spawning: every day, each active conflict zone spawns
    `rate x intensity` people (constant), `rate x residents x intensity` (pop_ratio), or a
    Poisson draw with mean `rate x intensity` (poisson); whole people, truncated."""

    spawn_mode: Literal["constant", "pop_ratio", "poisson"] = Field(
        "constant", description="constant, pop_ratio or poisson (Flee's spawn_mode)"
    )
    displaced_per_conflict_day: NonNegFloat | None = Field(
        None,
        description="the rate: people a day (constant, poisson; in simulated units, as Flee does not divide it "
        "by hasten) or share of residents a day (pop_ratio); none = Flee's default (500, or 0.01 for pop_ratio)",
    )

    @field_validator("spawn_mode", mode="before")
    @classmethod
    def _poisson_any_case(cls, value: object) -> object:
        # Flee compares the Poisson mode case-insensitively (its own comment spells it "Poisson")
        return "poisson" if isinstance(value, str) and value.lower() == "poisson" else value

    @property
    def rate(self) -> float:
        if self.displaced_per_conflict_day is not None:
            return self.displaced_per_conflict_day
        return 0.01 if self.spawn_mode == "pop_ratio" else 500.0  # Flee's defaults


class SpawnRules(Strict):
    """How new people enter: Flee's data-driven spawning, or explicit departures."""

    insert_day0: bool = Field(True, description="camps start with their observed day-0 count")
    sum_from_camps: bool = Field(True, description="daily new people = change in the sum of observed camps")
    empty_camps_on_day0: bool = Field(
        False,
        description="start with nobody in the camps: every observed series (camps and total) is counted from "
        "its day-0 value (obs(t) - obs(0)) for spawning and scoring, and no one is placed on day 0 (Flee's newer "
        "releases)",
    )
    conflict_zone_spawning_only: bool = Field(
        True,
        description="new people appear only in conflict zones; under Flee 3.1's rules only conflict zones "
        "have a spawn weight either way, so False changes nothing",
    )
    conflict_spawn_decay: list[NonNegFloat] | None = Field(
        None, description="factor per `conflict_spawn_decay_interval` days since a conflict began"
    )
    conflict_spawn_decay_interval: Annotated[int, Field(ge=1, le=100_000)] = Field(
        30, description="days per step of `conflict_spawn_decay` (Flee 3.1 fixed it at 30)"
    )
    data_driven: bool = Field(True, description="spawn from observations (Flee); False: only `departures`")
    conflict_driven_spawning: ConflictDrivenSpawning | None = Field(
        None,
        description="each conflict zone spawns people every day by its intensity (Flee's newer mode); "
        "replaces data-driven spawning, as in Flee",
    )
    take_from_population: bool = Field(
        False, description="people spawned at a conflict zone leave its resident population (spawn weights, pop_ratio)"
    )


def _no_contradictions(pkg: str, specs: list[AnyPolicy], first: dt.date, last: dt.date) -> None:
    """Two levers that set the same thing over overlapping days contradict each other."""
    seen: dict[tuple[str, str], list[tuple[int, dt.date, dt.date]]] = {}
    for i, spec in enumerate(specs):
        if spec.type not in ("appointment_quota", "redeploy_staff", "dissolve_caravan"):
            continue
        targets = getattr(spec, "ports", None) or [getattr(spec, "caravan", "")]
        lo, hi = spec.start or first, spec.end or last
        for target in targets:
            for j, lo2, hi2 in seen.get((spec.type, target), []):
                if lo <= hi2 and lo2 <= hi:
                    raise ValueError(
                        f"policies.{pkg}[{i}]: {spec.type} overlaps policies.{pkg}[{j}] "
                        f"({max(lo, lo2)} to {min(hi, hi2)}); expected one setting at a time"
                    )
            seen.setdefault((spec.type, target), []).append((i, lo, hi))


class Scenario(Strict):
    """A whole scenario: everything one run needs besides the seed override."""

    schema_version: Literal[1] = 1
    name: Name = Field(description="short name, used for the results folder")
    description: str = Field("", description="what the scenario represents")
    start_date: dt.date = Field(description="the first simulated day")
    days: Annotated[int, Field(ge=1, le=100_000)] = Field(description="number of simulated days")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(0, description="default random seed (a run may override it)")
    hasten: Annotated[int, Field(ge=1, le=MAX_HASTEN)] = Field(
        1, description="1 simulated unit = hasten people (Flee's scale-down)"
    )
    places: Annotated[list[Place], Field(min_length=1, max_length=MAX_PLACES)] = Field(
        description="the nodes; names must be unique"
    )
    routes: Annotated[list[Route], Field(max_length=MAX_ROUTES)] = Field(
        [], description="two-way links between places; two routes between the same places are parallel links"
    )
    closures: list[Closure] = Field([], description="dated closures of links, places, borders or camps")
    conflicts: list[Conflict] = Field([], description="dated conflict periods (drive data-driven spawning)")
    departures: list[Departure] = Field([], description="people setting out from places on given days")
    observations: list[Observation] = Field([], description="observed counts to validate against")
    total_observed: list[ObservationPoint] | None = Field(None, description="Flee's refugees.csv (all displaced)")
    sector_observations: SectorObservations | None = Field(
        None, description="Border Patrol encounters by sector and month in the CBP record (see SectorObservations)"
    )
    move_rules: MoveRules = Field(MoveRules(), description="movement rules (Flee's names and defaults)")
    spawn_rules: SpawnRules = Field(SpawnRules(), description="how new people enter")
    inflow_seasonality: InflowSeasonality | None = Field(
        None, description="a monthly factor on the people who set out (see InflowSeasonality)"
    )
    corridors: list[CorridorSpec] = Field(
        [], description="where origin groups' new people enter the network (see CorridorSpec)"
    )
    caravans: list[CaravanSpec] = Field([], description="groups that walk a route together (see CaravanSpec)")
    floods: FloodSpec | None = Field(None, description="flood levels by place and day and D-Flee's flood rules")
    border: BorderSpec | None = Field(None, description="ports, sectors, border cities and staff (see Border*)")
    policies: dict[Name, list[AnyPolicy]] = Field(
        {}, description="named policy packages: lists of dated policy components (see Policies below)"
    )
    default_policy: Name | None = Field(
        None, description="the policy package a run uses when none is named ('none' = no package)"
    )
    uncertain: list[UncertainParameter] = Field(
        [], description="fields whose values are uncertain, with their distributions (sampled by ensembles)"
    )
    notes: list[str] = Field([], description="what readers could not carry over (reported, never silent)")

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        if self.end_date > LAST_DATE:
            raise ValueError(f"days: the period ends on {self.end_date}; expected it to end by {LAST_DATE}")
        if self.days * len(self.places) > MAX_PLACE_DAYS:
            raise ValueError(
                f"days: {self.days} days x {len(self.places)} places = {self.days * len(self.places)} place-days; "
                f"expected at most {MAX_PLACE_DAYS} (see docs/limits.md)"
            )
        names = [p.name for p in self.places]
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise ValueError(f"places[{i}].name: duplicate place name {n!r}; expected unique names")
            seen.add(n)
        countries = {p.country for p in self.places}
        end = self.end_date

        def need_place(field: str, name: str) -> None:
            if name not in seen:
                raise ValueError(f"{field}: unknown place {name!r}; expected one of the places")

        def need_in_period(field: str, d: dt.date | None) -> None:
            if d is not None and not (self.start_date <= d <= end):
                raise ValueError(f"{field}: date {d} outside the simulated period; expected {self.start_date} to {end}")

        pairs: set[frozenset[str]] = set()
        for i, r in enumerate(self.routes):
            need_place(f"routes[{i}].a", r.a)
            need_place(f"routes[{i}].b", r.b)
            pairs.add(frozenset((r.a, r.b)))  # a repeated pair is a parallel link, as in Flee
        for i, c in enumerate(self.closures):
            if c.kind == "country":
                for fld, v in (("a", c.a), ("b", c.b)):
                    if v not in countries:
                        raise ValueError(
                            f"closures[{i}].{fld}: unknown country {v!r}; expected a country of the places"
                        )
            else:
                need_place(f"closures[{i}].a", c.a)
                if c.b:
                    need_place(f"closures[{i}].b", c.b)
            if c.kind == "link" and frozenset((c.a, c.b)) not in pairs:
                raise ValueError(
                    f"closures[{i}]: no route between {c.a!r} and {c.b!r} to close; expected one of the routes"
                )
            need_in_period(f"closures[{i}].start", c.start)
        for i, k in enumerate(self.conflicts):
            need_place(f"conflicts[{i}].place", k.place)
            need_in_period(f"conflicts[{i}].start", k.start)
        for i, d in enumerate(self.departures):
            need_place(f"departures[{i}].place", d.place)
            need_in_period(f"departures[{i}].start", d.start)
            need_in_period(f"departures[{i}].end", d.end)
        obs_seen: set[str] = set()
        for i, o in enumerate(self.observations):
            need_place(f"observations[{i}].place", o.place)
            if o.place in obs_seen:
                raise ValueError(f"observations[{i}].place: {o.place!r} observed twice; expected one entry per place")
            obs_seen.add(o.place)
        self._check_border(need_place)
        if self.inflow_seasonality is not None:
            for j, name in enumerate(self.inflow_seasonality.places):
                need_place(f"inflow_seasonality.places[{j}]", name)
        groups: set[str] = set()
        for i, cor in enumerate(self.corridors):
            for name in cor.places_named():
                need_place(f"corridors[{i}]", name)
            if cor.group in groups:
                raise ValueError(f"corridors[{i}].group: {cor.group!r} used twice; expected one entry per group")
            groups.add(cor.group)
        for i, f in enumerate(self.floods.levels if self.floods else []):
            need_place(f"floods.levels[{i}].place", f.place)
            need_in_period(f"floods.levels[{i}].start", f.start)
        caravan_names: set[str] = set()
        for i, cv in enumerate(self.caravans):
            need_place(f"caravans[{i}].leaves", cv.leaves)
            for j, stop in enumerate(cv.route):
                need_place(f"caravans[{i}].route[{j}]", stop)
            for j, (x, y) in enumerate(itertools.pairwise(cv.route)):
                if frozenset((x, y)) not in pairs:
                    raise ValueError(
                        f"caravans[{i}].route[{j + 1}]: no route between {x!r} and {y!r}; expected neighbours"
                    )
            need_in_period(f"caravans[{i}].date", cv.date)
            if cv.name in caravan_names:
                raise ValueError(f"caravans[{i}].name: {cv.name!r} used twice; expected unique names")
            caravan_names.add(cv.name)
        for pkg, specs in self.policies.items():
            for i, spec in enumerate(specs):
                for n in spec.places_named():
                    need_place(f"policies.{pkg}[{i}]", n)
                if spec.start is not None:
                    need_in_period(f"policies.{pkg}[{i}].start", spec.start)
                self._check_requirements(f"policies.{pkg}[{i}]", spec, caravan_names)
            _no_contradictions(pkg, specs, self.start_date, self.end_date)
        if self.default_policy is not None and self.default_policy not in self.policies:
            raise ValueError(f"default_policy: no package {self.default_policy!r}; expected one of the policies")
        if self.uncertain:
            data = self.model_dump(mode="json", exclude={"uncertain", "notes"})
            for i, u in enumerate(self.uncertain):
                if (problem := numeric_field_problem(data, u.path)) is not None:
                    raise ValueError(f"uncertain[{i}].path: {problem}")
        return self

    def package(self, policy: str | None, option: str = "policy") -> str | None:
        """The policy package a run uses: None = `default_policy`, "none" = no package (None is
        returned); a name the scenario does not define is a ScenarioError naming `option`."""
        policy = self.default_policy if policy is None else policy
        if policy is None or policy == "none":
            return None
        if policy not in self.policies:
            known = ", ".join(self.policies) or "none defined"
            raise ScenarioError(self.name, option, f"no policy package {policy!r}; expected one of: {known}")
        return policy

    def _check_requirements(self, field: str, spec: AnyPolicy, caravans: set[str]) -> None:
        """What a lever declares it needs of the scenario (its `requires`), and the ports and
        caravans it names, exist."""
        sections = {"border": self.border is not None, "caravans": bool(self.caravans)}
        for need in sorted(spec.requires):
            if not sections[need]:
                raise ValueError(f"{field}: {spec.type} acts on the {need}; expected a scenario with a {need} section")
        known = [p.place for p in self.border.ports] if self.border is not None else []
        for j, port in enumerate(spec.ports_named()):
            if port not in known:
                raise ValueError(
                    f"{field}.ports[{j}]: {port!r} is not a port of the border section; expected one of {', '.join(known) or 'none'}"
                )
        for name in spec.caravans_named():
            if name not in caravans:
                raise ValueError(f"{field}.caravan: unknown caravan {name!r}; expected one of the caravans")

    def _check_border(self, need_place: Callable[[str, str], None]) -> None:
        kinds = {p.name: p.kind for p in self.places}
        b = self.border
        if b is not None:
            for field, name, kind in b.places_named():
                need_place(field, name)
                if kind and kinds[name] != kind:
                    raise ValueError(f"{field}: {name!r} is a {kinds[name]}; expected a place of kind {kind}")
        declared = {
            "port": {p.place for p in b.ports} if b else set(),
            "sector": {s.place for s in b.sectors} if b else set(),
        }
        for i, port in enumerate(b.ports if b else []):
            if port.sector not in declared["sector"]:
                raise ValueError(
                    f"border.ports[{i}].sector: {port.sector!r} has no entry in border.sectors; expected a sector for every port"
                )
        for i, p in enumerate(self.places):
            if p.kind in declared and p.name not in declared[p.kind]:
                section = "ports" if p.kind == "port" else "sectors"
                raise ValueError(f"places[{i}]: {p.kind} {p.name!r} has no entry in border.{section}; expected one")
        observed = self.sector_observations
        if observed is not None:
            for model_sector in observed.sectors:
                if model_sector not in declared["sector"]:
                    raise ValueError(
                        f"sector_observations.sectors: {model_sector!r} is not a sector of the border section; "
                        f"expected one of {', '.join(sorted(declared['sector'])) or 'none (no border section)'}"
                    )
        if b is None:
            return
        for section in ("ports", "sectors", "cities"):
            names = [x.place for x in getattr(b, section)]
            dup = {n for n in names if names.count(n) > 1}
            if dup:
                raise ValueError(f"border.{section}: {sorted(dup)[0]!r} listed twice")

    @property
    def end_date(self) -> dt.date:
        """The last simulated day."""
        return self.start_date + dt.timedelta(days=self.days - 1)

    def day_of(self, d: dt.date) -> int:
        """Days since the start date."""
        return (d - self.start_date).days

    def with_hasten(self, hasten: int) -> Scenario:
        """A copy simulated with `hasten` people per simulated unit."""
        return self.model_copy(update={"hasten": hasten})

    def with_seed(self, seed: int) -> Scenario:
        return self.model_copy(update={"seed": seed})

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON form (seed excluded): identifies the inputs."""
        data = self.model_dump_json(exclude={"seed"})
        return hashlib.sha256(data.encode()).hexdigest()
