"""Helpers for the rule tests: tiny scenarios built in code, and stated statistical bounds.

Every statistical check here is two-sided at 5 standard deviations (a false alarm once in
~1.7 million checks) and every run uses a fixed seed, so the tests are deterministic; the
sample sizes are chosen so that a wrong rule lands far outside the bound.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from borderflow.engine.simulation import Simulation
from borderflow.engine.world import compile_world
from borderflow.scenario.model import (
    Closure,
    Conflict,
    Departure,
    MoveRules,
    Observation,
    ObservationPoint,
    Place,
    Route,
    Scenario,
    SpawnRules,
)

START = dt.date(2024, 1, 1)
Z = 5.0  # standard deviations allowed by every statistical check


def day(t: int) -> dt.date:
    """The date of simulated day t."""
    return START + dt.timedelta(days=t)


def place(name: str, kind: str = "town", country: str = "H", **kw: Any) -> Place:
    return Place.model_validate({"name": name, "kind": kind, "country": country, **kw})


def route(a: str, b: str, km: float, **kw: Any) -> Route:
    return Route.model_validate({"a": a, "b": b, "distance_km": km, **kw})


def start(place_name: str, n: float, t: int = 0, until: int | None = None) -> Departure:
    """`n` people setting out from a place on day t (to `until`, inclusive)."""
    return Departure(place=place_name, start=day(t), end=day(t if until is None else until), per_day=n)


def conflict(place_name: str, t: int = 0, until: int | None = None, intensity: float = 1.0) -> Conflict:
    return Conflict(place=place_name, start=day(t), end=None if until is None else day(until), intensity=intensity)


def closure(kind: str, a: str, b: str = "", t: int = 0, until: int | None = None) -> Closure:
    return Closure.model_validate(
        {"kind": kind, "a": a, "b": b, "start": day(t), "end": None if until is None else day(until)}
    )


def observed(place_name: str, points: Sequence[tuple[int, float]]) -> Observation:
    return Observation(place=place_name, points=[ObservationPoint(date=day(t), count=c) for t, c in points])


def scenario(
    places: Sequence[Place],
    routes: Sequence[Route] = (),
    *,
    days: int = 5,
    move: dict[str, Any] | None = None,
    spawn: dict[str, Any] | None = None,
    **kw: Any,
) -> Scenario:
    """A scenario from parts; by default nobody appears except through `departures`."""
    spawn_rules = {"data_driven": False, **(spawn or {})}
    return Scenario(
        name="rules",
        start_date=START,
        days=days,
        places=list(places),
        routes=list(routes),
        move_rules=MoveRules.model_validate(move or {}),
        spawn_rules=SpawnRules.model_validate(spawn_rules),
        **kw,
    )


def simulation(sc: Scenario, seed: int = 0) -> Simulation:
    return Simulation(compile_world(sc), seed)


def idx(sim_or_sc: Simulation | Scenario, name: str) -> int:
    names = sim_or_sc.world.net.names if isinstance(sim_or_sc, Simulation) else [p.name for p in sim_or_sc.places]
    return list(names).index(name)


# ----- statistical bounds ----------------------------------------------------------------
def assert_binomial(k: int, n: int, p: float, what: str = "") -> None:
    """k successes out of n within Z standard deviations of n·p (exact when p is 0 or 1)."""
    mean, sd = n * p, math.sqrt(n * p * (1.0 - p))
    assert abs(k - mean) <= Z * sd + 1e-9, f"{what}: {k} of {n}, expected {mean:.1f} ± {Z * sd:.1f}"


def binomial_ok(k: int, n: int, p: float) -> bool:
    return abs(k - n * p) <= Z * math.sqrt(n * p * (1.0 - p)) + 1e-9


def chi2_bound(df: int, z: float = Z) -> float:
    """Upper z-sigma quantile of a chi-square with df degrees (Wilson-Hilferty approximation)."""
    a = 2.0 / (9.0 * df)
    return float(df * (1.0 - a + z * math.sqrt(a)) ** 3)


def multinomial_ok(counts: ArrayLike, probs: ArrayLike) -> bool:
    """Pearson's chi-square of counts against exact probabilities, within the z-sigma quantile."""
    c = np.asarray(counts, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    n = c.sum()
    if np.any((p == 0) & (c > 0)):
        return False
    pos = p > 0
    stat = float(((c[pos] - n * p[pos]) ** 2 / (n * p[pos])).sum())
    return stat <= chi2_bound(max(int(pos.sum()) - 1, 1))


def assert_multinomial(counts: ArrayLike, probs: ArrayLike, what: str = "") -> None:
    """Each category within Z sd of its binomial mean, and the chi-square within its bound."""
    c = np.asarray(counts, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    assert abs(p.sum() - 1.0) < 1e-12
    n = int(c.sum())
    for j in range(len(c)):
        assert_binomial(int(c[j]), n, float(p[j]), f"{what} category {j}")
    assert multinomial_ok(c, p), f"{what}: counts {c.tolist()} vs probabilities {np.round(p, 5).tolist()}"


def normalise(w: ArrayLike) -> np.ndarray[Any, np.dtype[np.float64]]:
    a = np.asarray(w, dtype=np.float64)
    out: np.ndarray[Any, np.dtype[np.float64]] = a / a.sum()
    return out
