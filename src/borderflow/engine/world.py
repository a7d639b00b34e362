"""A scenario compiled for the engine: static arrays and day-by-day schedules.

Everything that does not depend on random draws is worked out here once, so that the
daily step only reads arrays: which links are open, which places are camps or conflict
zones, how many people appear, what was observed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from borderflow.network.graph import BoolArray, FloatArray, IntArray, Network, build_network
from borderflow.scenario.model import Observation, ObservationPoint, Scenario

# Place kinds as small integers for the arrays.
TOWN, CONFLICT, CAMP, IDPCAMP, MARKER = 0, 1, 2, 3, 4
_KIND_CODE = {
    "town": TOWN,
    "conflict": CONFLICT,
    "camp": CAMP,
    "idpcamp": IDPCAMP,
    "marker": MARKER,
    "forward": MARKER,
    # the border system sets these places' move chances itself (engine/border.py)
    "border_city": TOWN,
    "port": TOWN,
    "sector": TOWN,
}


@dataclass(frozen=True)
class World:
    scenario: Scenario
    net: Network
    days: int
    hasten: int
    # static, per place
    foreign: BoolArray
    capacity: FloatArray  # in simulated units; 0 = unlimited
    population: FloatArray  # residents, in simulated units (spawn weights)
    is_marker: BoolArray
    # schedules, (days, places) or (days, links)
    camp_kind: IntArray  # (T, L): CAMP, IDPCAMP or TOWN (non-camps) on each day
    conflict: FloatArray  # (T, L): intensity of an active conflict, 0 if none
    conflict_since: IntArray  # (T, L): day the active conflict began (-1 if none)
    link_open: BoolArray  # (T, E)
    spawn_total: IntArray  # (T,): data-driven new people per day
    departures: FloatArray  # (T, L): expected people setting out each day
    day0: IntArray  # (L,): people in each place on day 0
    # observations
    observed: tuple[str, ...]
    observed_index: IntArray
    obs: FloatArray  # (T, O) observed counts in simulated units


def _interp_days(points: list[ObservationPoint], start: object, days: int, hasten: int) -> FloatArray:
    """Observed series per day, in simulated units; Flee truncates each day to a whole number."""
    import datetime as dt

    assert isinstance(start, dt.date)
    x = np.array([(p.date - start).days for p in points], dtype=np.float64)
    y = np.array([p.count for p in points], dtype=np.float64) / hasten
    t = np.arange(days, dtype=np.float64)
    return np.floor(np.interp(t, x, y))  # np.interp holds the end values outside the points


def _corrected(o: Observation) -> list[ObservationPoint]:
    """Flee 3.1's level-1 registration correction: earlier points scaled to the level-2 count."""
    if o.correction_date is None:
        return o.points
    i = next(k for k, p in enumerate(o.points) if p.date == o.correction_date)
    if i == 0 or o.points[i - 1].count == 0:
        return o.points
    factor = o.points[i].count / o.points[i - 1].count
    return [ObservationPoint(date=p.date, count=p.count * factor) if k < i else p for k, p in enumerate(o.points)]


def compile_world(scenario: Scenario) -> World:
    net = build_network(scenario)
    T, L, E = scenario.days, net.n_places, net.n_links
    h = scenario.hasten
    rules = scenario.move_rules
    places = scenario.places
    home = places[0].country
    kinds = np.array([_KIND_CODE[p.kind] for p in places], dtype=np.int64)
    if rules.default_movechance < 0.005:
        # Flee treats a place people almost never leave as a camp.
        kinds[kinds == TOWN] = CAMP
    capacity = np.array(
        [math.floor(p.capacity / h) * rules.capacity_scaling if p.capacity else 0.0 for p in places],
        dtype=np.float64,
    )
    capacity[capacity < 1] = 0.0

    camp_kind = np.where((kinds == CAMP) | (kinds == IDPCAMP), kinds, TOWN)
    camp_kind = np.repeat(camp_kind[None, :], T, axis=0)
    close_count = np.zeros((T + 1, E), dtype=np.int64)
    by_country = net.country
    for c in scenario.closures:
        t0 = scenario.day_of(c.start)
        t1 = T if c.end is None else min(T, scenario.day_of(c.end))
        if c.kind == "country":
            ca, cb = net.countries.index(c.a), net.countries.index(c.b)
            sc, dc = by_country[net.link_src], by_country[net.link_dst]
            mask = ((sc == ca) & (dc == cb)) | ((sc == cb) & (dc == ca))
        elif c.kind == "location":
            i = net.index[c.a]
            mask = (net.link_src == i) | (net.link_dst == i)
        elif c.kind == "link":
            i, j = net.index[c.a], net.index[c.b]
            mask = ((net.link_src == i) & (net.link_dst == j)) | ((net.link_src == j) & (net.link_dst == i))
        elif c.kind in ("camp", "idpcamp"):
            camp_kind[t0:t1, net.index[c.a]] = TOWN  # the camp turns into a town meanwhile
            continue
        else:  # remove_forced_redirection: no effect under Flee 3.1's movement rules
            continue
        close_count[t0] += mask
        close_count[t1] -= mask
    link_open = np.cumsum(close_count, axis=0)[:T] == 0

    conflict = np.zeros((T, L), dtype=np.float64)
    since = np.full((T, L), -1, dtype=np.int64)
    for k in scenario.conflicts:
        t0 = scenario.day_of(k.start)
        t1 = T if k.end is None else min(T, scenario.day_of(k.end))
        i = net.index[k.place]
        conflict[t0:t1, i] = k.intensity
        since[t0:t1, i] = t0

    observed = tuple(o.place for o in scenario.observations)
    obs = np.zeros((T, len(observed)), dtype=np.float64)
    for j, o in enumerate(scenario.observations):
        obs[:, j] = _interp_days(_corrected(o), scenario.start_date, T, h)
    sr = scenario.spawn_rules
    if sr.empty_camps_on_day0 and T:
        obs -= obs[0]  # the people there on day 0 are left out of the run and of the observations alike

    spawn = np.zeros(T, dtype=np.int64)
    # conflict-driven spawning (engine/conflict_spawning.py) replaces data-driven spawning, as in Flee
    if sr.data_driven and sr.conflict_driven_spawning is None and (observed or scenario.total_observed):
        if sr.sum_from_camps or not scenario.total_observed:
            series = obs.sum(axis=1)
        else:
            series = _interp_days(scenario.total_observed, scenario.start_date, T, h)
            if sr.empty_camps_on_day0:
                series = series - series[0]
        diff = np.diff(series, prepend=0.0 if not sr.insert_day0 else series[0])
        debt = 0.0
        for t in range(T):
            new = diff[t] - debt
            if new < 0:
                debt, new = -new, 0.0
            else:
                debt = 0.0
            spawn[t] = int(new)

    day0 = np.zeros(L, dtype=np.int64)
    if sr.insert_day0 and not sr.empty_camps_on_day0:
        for j, name in enumerate(observed):
            i = net.index[name]
            if kinds[i] in (CAMP, IDPCAMP):
                day0[i] = int(obs[0, j])

    dep = np.zeros((T, L), dtype=np.float64)
    for d in scenario.departures:
        t0, t1 = scenario.day_of(d.start), scenario.day_of(d.end) + 1
        dep[t0:t1, net.index[d.place]] += d.per_day / h

    return World(
        scenario=scenario,
        net=net,
        days=T,
        hasten=h,
        foreign=np.array([p.country != home for p in places], dtype=np.bool_),
        capacity=capacity,
        population=np.array([p.population // h for p in places], dtype=np.float64),
        is_marker=kinds == MARKER,
        camp_kind=camp_kind,
        conflict=conflict,
        conflict_since=since,
        link_open=link_open,
        spawn_total=spawn,
        departures=dep,
        day0=day0,
        observed=observed,
        observed_index=np.array([net.index[n] for n in observed], dtype=np.int64),
        obs=obs,
    )
