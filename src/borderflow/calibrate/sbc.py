"""Simulation-based calibration: do the accepted sets' 90% intervals hold 90% of known truths?

For each truth k: draw the fitted parameters from the prior (uniform on their ranges), run the
small synthetic scenario below with them and a seed no calibration uses, take its daily camp
counts as the observations, calibrate on the days up to FIT_UNTIL, and check for each
parameter whether the accepted sets' weighted 5%-95% interval holds the drawn value. A
posterior holds it about 90% of the time; a list of good guesses (the best 10% of candidates,
equally weighted, as calibrations kept before) holds it less often. Both are scored on the
same candidates, so they differ only in how the sets are chosen.

Everything is seeded from the truth's number and `seed`: the same call gives the same figure.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from borderflow.api import run
from borderflow.calibrate.fit import calibrate, read_trials
from borderflow.calibrate.parameters import FitParameter
from borderflow.calibrate.posterior import draw_prior, weighted_quantile
from borderflow.ensemble.executors import Executor, SerialExecutor
from borderflow.scenario.native import scenario_from_data

START = dt.date(2024, 1, 1)
DAYS = 40
FIT_UNTIL = START + dt.timedelta(days=29)  # 30 days fitted
OBSERVED = ("Camp North", "Camp East")
OBSERVATION_SEED = 10_000  # + the truth's number: the observations' own draws, never a calibration's
PRIOR: tuple[tuple[str, float, float], ...] = (
    ("departures[0].per_day", 100.0, 400.0),  # people leaving the origin each day
    ("move_rules.default_movechance", 0.05, 1.0),  # daily chance of leaving a town
    ("move_rules.max_walk_speed", 10.0, 60.0),  # km a day on foot
)
TOP_SHARE, TOP_MIN = 0.1, 5  # the old rule, for comparison: the best 10% of candidates, at least 5


def scenario_data() -> dict[str, Any]:
    """Two origins' worth of people walking and riding to two camps over 40 days, with a
    closure: small enough that a calibration of 48 candidates takes a second or two."""
    return {
        "name": "sbc",
        "description": "Synthetic scenario for simulation-based calibration.",
        "start_date": START.isoformat(),
        "days": DAYS,
        "seed": 1,
        "places": [
            {"name": "Origin", "kind": "conflict", "country": "A", "lat": 0.0, "lon": 0.0, "population": 50000},
            {"name": "Village", "kind": "town", "country": "A", "lat": 0.5, "lon": 0.5, "population": 2000},
            {"name": "Junction", "kind": "town", "country": "A", "lat": 1.0, "lon": 1.0},
            {"name": "Camp North", "kind": "camp", "country": "B", "lat": 2.0, "lon": 1.0, "capacity": 4000},
            {"name": "Camp East", "kind": "camp", "country": "C", "lat": 1.0, "lon": 2.5},
        ],
        "routes": [
            {"a": "Origin", "b": "Village", "distance_km": 60},
            {"a": "Village", "b": "Junction", "distance_km": 90},
            {"a": "Origin", "b": "Junction", "distance_km": 170},
            {"a": "Junction", "b": "Camp North", "distance_km": 120},
            {"a": "Junction", "b": "Camp East", "distance_km": 310, "mode": "foot"},
        ],
        "closures": [{"kind": "link", "a": "Junction", "b": "Camp East", "start": "2024-01-10", "end": "2024-01-20"}],
        "conflicts": [{"place": "Origin", "start": START.isoformat(), "intensity": 1.0}],
        "departures": [{"place": "Origin", "start": START.isoformat(), "end": "2024-01-30", "per_day": 250.0}],
        "spawn_rules": {"data_driven": False},
        "move_rules": {"max_move_speed": 200, "max_walk_speed": 30, "camp_weight": 2.0},
    }


def observed_scenario(truth: dict[str, float], seed: int) -> dict[str, Any]:
    """The scenario with `truth` set, observed every day from one run with `seed`."""
    from borderflow.ensemble.members import Member, member_scenario

    full = scenario_from_data(scenario_data(), "sbc").model_dump(mode="json")
    sc = member_scenario(full, Member(0, seed, truth))
    result = run(sc, seed=seed)
    data = scenario_data()  # the values given to calibrate are the scenario's defaults, not the truth
    data["observations"] = [
        {
            "place": place,
            "points": [
                {"date": (START + dt.timedelta(days=d)).isoformat(), "count": float(c)}
                for d, c in enumerate(result.sim_series(place))
            ],
        }
        for place in OBSERVED
    ]
    return data


def _top_interval(trials: Sequence[dict[str, Any]], path: str) -> tuple[float, float]:
    """The old rule's 90% interval: the best 10% of all candidates (at least 5), equal weights."""
    ranked = sorted(trials, key=lambda t: (t["error"], t["number"]))
    top = ranked[: min(len(ranked), max(TOP_MIN, math.ceil(TOP_SHARE * len(ranked))))]
    x = [float(t["values"][path]) for t in top]
    w = [1.0] * len(x)
    return weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)


def one_truth(budget: int, seeds: int, seed: int, k: int) -> dict[str, Any]:
    """Truth k: drawn, observed, calibrated; per parameter the truth and both 90% intervals."""
    fitted = [FitParameter(p, lo, hi) for p, lo, hi in PRIOR]
    truth = draw_prior(fitted, 1, np.random.default_rng([seed, k]))[0]
    data = observed_scenario(truth, OBSERVATION_SEED + seed + k)
    with tempfile.TemporaryDirectory(prefix="borderflow-sbc-") as tmp:
        result = calibrate(
            scenario_from_data(data, f"sbc truth {k}"),
            Path(tmp) / "c",
            FIT_UNTIL,
            list(PRIOR),
            budget=budget,
            seeds=seeds,
            seed=seed,
        )
        trials = read_trials(Path(tmp) / "c")
    rows = []
    for p in fitted:
        post = result["posterior"]["params"][p.path]
        top = _top_interval(trials, p.path)
        rows.append(
            {
                "path": p.path,
                "truth": truth[p.path],
                "interval": [post["q05"], post["q95"]],
                "top10_interval": list(top),
                "range": [p.low, p.high],
            }
        )
    return {"truth": k, "params": rows, "effective_sample_size": result["posterior"]["effective_sample_size"]}


def _truth_item(args: tuple[int, int, int, int]) -> dict[str, Any]:
    budget, seeds, seed, k = args
    return one_truth(budget, seeds, seed, k)


def coverage(rows: Sequence[dict[str, Any]], key: str = "interval") -> tuple[float, float]:
    """Share of (truth, parameter) pairs whose interval holds the truth, and the intervals'
    mean width as a share of the parameter's range."""
    held, widths = [], []
    for r in rows:
        for p in r["params"]:
            lo, hi = p[key]
            held.append(lo <= p["truth"] <= hi)
            widths.append((hi - lo) / (p["range"][1] - p["range"][0]))
    return float(np.mean(held)), float(np.mean(widths))


def sbc(
    truths: int,
    budget: int,
    *,
    seeds: int = 1,
    seed: int = 0,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run `truths` truths (in parallel on `executor`); the coverage of the accepted sets'
    90% intervals and of the old top-10% rule's, with the per-truth rows."""
    executor = executor or SerialExecutor()
    rows = []
    for row in executor.imap_unordered(_truth_item, [(budget, seeds, seed, k) for k in range(truths)]):
        rows.append(row)
        if progress:
            progress(len(rows), truths)
    rows.sort(key=lambda r: r["truth"])
    cov, width = coverage(rows)
    top_cov, top_width = coverage(rows, "top10_interval")
    return {
        "truths": truths,
        "budget": budget,
        "seeds": seeds,
        "seed": seed,
        "parameters": [{"path": p, "low": lo, "high": hi} for p, lo, hi in PRIOR],
        "checks": truths * len(PRIOR),
        "coverage_90": cov,
        "width_90": width,
        "top10_coverage_90": top_cov,
        "top10_width_90": top_width,
        "rows": rows,
    }
