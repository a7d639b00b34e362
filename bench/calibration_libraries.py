"""Which fitting library: optuna (TPE, and random search as the floor) against pyabc (ABC-SMC).

    python bench/calibration_libraries.py [--budget 200] [--repeats 3]

The problem: tests/data/tiny.yaml observed every day as the mean of 4 of its own runs, two
parameters to recover (departures[0].per_day in 100..400, truth 250.5; max_walk_speed in
10..60, truth 30), each candidate run with one fixed seed, scored by the averaged relative
difference over the first 27 days. Every method gets the same number of simulations. Reported
per method: the distance of its point estimate to the truth (in shares of each range, the
larger of the two), the in-sample error of that estimate, and the wall time (one process).

pyabc is not a dependency of borderflow: install it beside borderflow to run its rows
(`pip install pyabc==0.13.0`); without it they are skipped. The figures and the choice are
in docs/calibration.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from borderflow.calibrate import calibrate, masked  # noqa: E402
from borderflow.calibrate.fit import fit_error  # noqa: E402
from borderflow.scenario.native import scenario_from_data  # noqa: E402
from test_calibrate import FIT_UNTIL, PARAMS, TRUTH, synthetic  # noqa: E402

SEED = 7


def miss(values: dict[str, float]) -> float:
    return max(abs(values[p] - TRUTH[p]) / (hi - lo) for p, lo, hi in PARAMS)


def error_of(data: dict[str, Any], values: dict[str, float]) -> float:
    return fit_error(masked(data, FIT_UNTIL), FIT_UNTIL, "none", (0, SEED, values))[2]


def optuna_row(data: dict[str, Any], budget: int, repeat: int, sampler: str) -> dict[str, Any]:
    import borderflow.calibrate.fit as fit

    saved = fit.STARTUP
    if sampler == "random":
        fit.STARTUP = budget  # TPE's start-up phase is uniform sampling: all of it is random search
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            sc = scenario_from_data(data, "syn")
            r = calibrate(sc, Path(tmp) / "c", FIT_UNTIL, PARAMS, budget=budget, seeds=1, seed=SEED + 1000 * repeat)
            wall = time.perf_counter() - t0
    finally:
        fit.STARTUP = saved
    # the calibration's seed moves with the repeat; score every estimate with the same seed
    return {"values": r["params"], "wall_s": wall}


def pyabc_row(data: dict[str, Any], budget: int, repeat: int) -> dict[str, Any] | None:
    try:
        import pyabc
    except ImportError:
        return None
    masked_data = masked(data, FIT_UNTIL)
    names = {f"p{i}": p for i, (p, _, _) in enumerate(PARAMS)}
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", lo, hi - lo) for i, (_, lo, hi) in enumerate(PARAMS)})

    def model(par: dict[str, float]) -> dict[str, float]:
        values = {names[k]: float(par[k]) for k in names}
        return {"error": fit_error(masked_data, FIT_UNTIL, "none", (0, SEED, values))[2]}

    def distance(x: dict[str, float], x0: dict[str, float]) -> float:
        return float(x["error"])

    population = 40
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        abc = pyabc.ABCSMC(
            model, prior, distance, population_size=population, sampler=pyabc.sampler.SingleCoreSampler()
        )
        np.random.seed(repeat)  # noqa: NPY002 - pyabc draws from numpy's global generator
        abc.new(f"sqlite:///{tmp}/abc.db", {"error": 0.0})
        history = abc.run(max_total_nr_simulations=budget)
        wall = time.perf_counter() - t0
        frame, weights = history.get_distribution()
        simulations = int(history.total_nr_simulations)
    mean = {names[k]: float(np.average(frame[k], weights=weights)) for k in names}
    return {"values": mean, "wall_s": wall, "simulations": simulations}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    data = synthetic()
    rows: dict[str, list[dict[str, Any]]] = {"optuna TPE": [], "optuna random": [], "pyabc ABC-SMC": []}
    for k in range(args.repeats):
        rows["optuna TPE"].append(optuna_row(data, args.budget, k, "tpe"))
        rows["optuna random"].append(optuna_row(data, args.budget, k, "random"))
        abc = pyabc_row(data, args.budget, k)
        if abc is not None:
            rows["pyabc ABC-SMC"].append(abc)
    print(
        f"| method ({args.budget} simulations, {args.repeats} repeats) | miss (share of range) | in-sample error | wall s |"
    )
    print("|---|---:|---:|---:|")
    for method, runs in rows.items():
        if not runs:
            print(f"| {method} | not installed | | |")
            continue
        misses = [miss(r["values"]) for r in runs]
        errors = [error_of(data, r["values"]) for r in runs]
        walls = [r["wall_s"] for r in runs]
        print(
            f"| {method} | {np.mean(misses):.3f} (max {max(misses):.3f}) | {np.mean(errors):.4f} | "
            f"{np.mean(walls):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
