"""Calibration: fit numeric fields to the observations up to a date, score the days after it.

Candidates come from optuna's TPE sampler through its ask-and-tell interface, so the runs
go to the ensemble executors (serial, processes, Dask) and borderflow keeps the loop:
batches of BATCH candidates, each run with the same K seeds (common random numbers: two
candidates differ by their values, not by their draws), scored by Flee's averaged relative
difference over the fitted days, mean over the seeds. The sampler is seeded again before
each batch from the calibration's seed and the number of candidates already scored, so a
calibration stopped and run again continues exactly where it would have been.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from borderflow import __version__, interrupts
from borderflow.api import run
from borderflow.calibrate.parameters import FitParameter, numeric_value, resolve
from borderflow.calibrate.posterior import (
    MIXTURE_PER_BATCH,
    STARTUP,
    accepted,
    draw_mixture,
    draw_prior,
    summary,
)
from borderflow.calibrate.scoring import Series, naive_forecast, naive_score, score, span
from borderflow.calibrate.split import check_fit_until, fit_view, fitted_days, masked
from borderflow.engine.observed_start import StateReset
from borderflow.ensemble.executors import Executor, SerialExecutor
from borderflow.ensemble.members import Member, member_scenario
from borderflow.files import write_file_atomically
from borderflow.metrics import validation
from borderflow.results.folder import MANIFEST, OutputFolder, claim, read_manifest_of, sha256
from borderflow.scenario import load_scenario
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario
from borderflow.scenario.native import scenario_to_yaml

BATCH = 8  # candidates scored at once (fixed: the result does not depend on the workers)
METHOD = "ABC importance sampling (prior, TPE and a known-density mixture)"  # in the manifest: resume the same kind
TRIALS = "trials.json"
RESULT = "calibration.json"
SCENARIO_FILE = "calibrated.yaml"
Values = dict[str, float]


def calibrate(
    scenario: Scenario | str | Path,
    out: str | Path | OutputFolder,
    fit_until: dt.date,
    params: list[tuple[str, float, float]] | None = None,
    *,
    policy: str | None = None,
    budget: int = 100,
    seeds: int = 3,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Fit `params` (PATH, LOW, HIGH; None = the default set) to the observations up to
    `fit_until` with `budget` candidates of `seeds` runs each, into `out` (resuming what is
    there); returns calibration.json's content."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not isinstance(out, OutputFolder):
        with claim(out) as folder:
            return calibrate(
                scenario,
                folder,
                fit_until,
                params,
                policy=policy,
                budget=budget,
                seeds=seeds,
                seed=seed,
                executor=executor,
                progress=progress,
            )
    if not scenario.observations:
        raise ScenarioError(scenario.name, "observations", "none; expected observed counts to fit to")
    check_fit_until(scenario, fit_until)
    policy = scenario.package(policy, "--policy") or "none"
    for name, value, low in (("--budget", budget, 1), ("--seeds", seeds, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 100_000:
            raise ScenarioError(None, name, f"{value!r}; expected a whole number from {low} to 100000")
    fitted = resolve(scenario, params)
    base = scenario.seed if seed is None else seed
    run_seeds = [base + k for k in range(seeds)]
    data = scenario.model_dump(mode="json")
    fit_data = masked(data, fit_until)
    view = fit_view(member_scenario(fit_data, Member(0, base, {})), fit_until)
    if not view.observations:
        raise ScenarioError(scenario.name, "--fit-until", f"{fit_until}: no observation on or before it to fit to")
    settings = {
        "fit_view_hash": view.content_hash(),  # what fitting sees: the observations up to fit_until only
        "fit_until": fit_until.isoformat(),
        "policy": policy,
        "parameters": [p.to_json() for p in fitted],
        "seeds": run_seeds,
        "method": METHOD,
    }
    _start(out.path, scenario, settings)
    executor = executor or SerialExecutor()
    trials = _search(fit_data, fit_until, policy, fitted, run_seeds, budget, base, out.path, executor, progress)
    interrupts.check()
    result = _finish(scenario, fit_data, fit_until, policy, fitted, run_seeds, budget, trials, executor)
    calibrated = member_scenario(data, Member(0, base, result["params"]))
    calibrated = calibrated.model_copy(update={"name": _calibrated_name(scenario.name)})
    first, rest = scenario_to_yaml(calibrated).split("\n", 1)  # the first line says borderflow wrote it
    text = f"{first}\n{_provenance(scenario, result)}{rest}"
    write_file_atomically(out.path / SCENARIO_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    write_file_atomically(out.path / RESULT, lambda tmp: _dump(tmp, result))
    _record(out.path, [TRIALS, SCENARIO_FILE, RESULT])
    return result


def library_version() -> str:
    import optuna

    return str(optuna.__version__)


# --- the search -------------------------------------------------------------------------


def fit_error(
    fit_data: dict[str, Any], fit_until: dt.date, policy: str, item: tuple[int, int, Values]
) -> tuple[int, int, float]:
    """One candidate with one seed on the fitted days: (candidate, seed, averaged relative
    difference). A top-level function, so process pools and Dask can ship it."""
    number, seed, values = item
    sim, obs = _observed(fit_data, fit_until, policy, seed, values)
    return number, seed, validation.averaged_relative_difference(sim, obs)


def _observed(
    data: dict[str, Any],
    fit_until: dt.date | None,
    policy: str,
    seed: int,
    values: Values,
    reset: StateReset | None = None,
) -> tuple[Series, Series]:
    """Simulated and observed series of one run (the fit view's when `fit_until` is given;
    started from an observed state with `reset`)."""
    sc = member_scenario(data, Member(0, seed, values))
    if fit_until is not None:
        sc = fit_view(sc, fit_until)
    result = run(sc, seed=seed, policy=policy, reset=reset)
    names = result.observed_places
    sim = {n: result.sim_series(n).astype(np.float64) for n in names}
    return sim, {n: result.obs_series(n) for n in names}


def _observed_item(
    data: dict[str, Any], fit_until: dt.date | None, policy: str, item: tuple[int, Values, StateReset | None]
) -> tuple[int, Series, Series]:
    seed, values, reset = item
    return (seed, *_observed(data, fit_until, policy, seed, values, reset))


def _search(
    fit_data: dict[str, Any],
    fit_until: dt.date,
    policy: str,
    fitted: list[FitParameter],
    run_seeds: list[int],
    budget: int,
    base: int,
    folder: Path,
    executor: Executor,
    progress: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    """Scored candidates (values, error per seed, mean), resumed from the folder's trials.json."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions: dict[str, optuna.distributions.BaseDistribution] = {
        p.path: optuna.distributions.IntDistribution(int(p.low), int(p.high))
        if p.integer
        else optuna.distributions.FloatDistribution(p.low, p.high)
        for p in fitted
    }
    trials = read_trials(folder)[:budget]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna flags its multivariate TPE as experimental
        study = optuna.create_study(direction="minimize")
        for t in trials:
            study.add_trial(
                optuna.trial.create_trial(params=t["values"], distributions=distributions, value=t["error"])
            )
        fn = functools.partial(fit_error, fit_data, fit_until, policy)
        total = budget * len(run_seeds)
        if progress:
            progress(len(trials) * len(run_seeds), total)
        while len(trials) < budget:
            k = min(BATCH, budget - len(trials))
            rng = np.random.default_rng([base, len(trials)])  # the batch's own stream: resuming redraws it
            n_prior = min(k, max(0, STARTUP - len(trials)))
            batch: list[dict[str, Any]] = [{"source": "prior", "values": v} for v in draw_prior(fitted, n_prior, rng)]
            asked: list[optuna.trial.Trial] = []
            if k > n_prior:
                n_mix = min(MIXTURE_PER_BATCH, k - n_prior)
                study.sampler = optuna.samplers.TPESampler(
                    seed=base + len(trials), n_startup_trials=STARTUP, multivariate=True, constant_liar=True
                )
                asked = [study.ask(distributions) for _ in range(k - n_prior - n_mix)]
                batch += [{"source": "tpe", "values": {p: float(v) for p, v in t.params.items()}} for t in asked]
                centre = _best(trials)["values"] if trials else None
                if centre is None:  # nothing scored yet (a budget below STARTUP never gets here)
                    batch += [{"source": "prior", "values": v} for v in draw_prior(fitted, n_mix, rng)]
                else:
                    centre = {p: float(v) for p, v in centre.items()}
                    drawn = draw_mixture(fitted, centre, n_mix, rng)
                    batch += [{"source": "mixture", "values": v, "centre": centre} for v in drawn]
            for cand in batch:
                cand["values"] = {p.path: _typed(p, cand["values"][p.path]) for p in fitted}
            errors: dict[int, dict[int, float]] = {i: {} for i in range(len(batch))}
            items = [
                (i, s, {p: float(v) for p, v in c["values"].items()}) for i, c in enumerate(batch) for s in run_seeds
            ]
            for i, s, err in executor.imap_unordered(fn, items):
                errors[i][s] = err
                if progress:
                    progress(len(trials) * len(run_seeds) + sum(len(e) for e in errors.values()), total)
                interrupts.check()
            tpe = iter(asked)
            for i, cand in enumerate(batch):
                per_seed = [errors[i][s] for s in run_seeds]
                mean = float(np.mean(per_seed))
                if cand["source"] == "tpe":
                    study.tell(next(tpe), mean)
                else:
                    study.add_trial(
                        optuna.trial.create_trial(params=cand["values"], distributions=distributions, value=mean)
                    )
                trials.append({"number": len(trials), **cand, "errors": per_seed, "error": mean})
            write_file_atomically(folder / TRIALS, lambda tmp: _dump(tmp, {"trials": trials}))
    return trials


def read_trials(folder: Path) -> list[dict[str, Any]]:
    path = folder / TRIALS
    if not path.is_file():
        return []
    try:
        trials: list[dict[str, Any]] = json.loads(path.read_text())["trials"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ScenarioError(
            path, None, "is not a trials file borderflow wrote; expected another --out folder"
        ) from None
    return trials


# --- scoring the best candidate ---------------------------------------------------------


def _best(trials: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The candidate with the lowest mean error (the first scored among equals)."""
    return min(trials, key=lambda t: (t["error"], t["number"]))


def _typed(p: FitParameter, value: float) -> float | int:
    """A value as optuna's distribution holds it: whole numbers for integer fields."""
    return round(value) if p.integer else float(value)


def _finish(
    scenario: Scenario,
    fit_data: dict[str, Any],
    fit_until: dt.date,
    policy: str,
    fitted: list[FitParameter],
    run_seeds: list[int],
    budget: int,
    trials: list[dict[str, Any]],
    executor: Executor,
) -> dict[str, Any]:
    """calibration.json: the best candidate scored in sample (the fitted days, as the fit saw
    them) and out of sample (the full scenario, the days after fit_until), beside the naive
    forecast and the scenario's own values."""
    best = _best(trials)
    sets = accepted(trials, fitted)
    values: Values = {k: float(v) for k, v in best["values"].items()}
    data = scenario.model_dump(mode="json")
    first_out = fitted_days(scenario, fit_until)

    def runs(
        source: dict[str, Any], until: dt.date | None, vals: Values, reset: StateReset | None = None
    ) -> tuple[list[Series], Series]:
        fn = functools.partial(_observed_item, source, until, policy)
        done = sorted(executor.imap_unordered(fn, [(s, vals, reset) for s in run_seeds]), key=lambda r: r[0])
        return [sim for _, sim, _ in done], done[0][2]

    sims_in, obs_in = runs(fit_data, fit_until, values)
    sims_full, obs_full = runs(data, None, values)
    sims_own, _ = runs(data, None, {})
    # the forecast from the observed state starts where the naive forecast does: the observed
    # series as scored (registration corrections applied), on the last fitted day
    start = {n: float(obs_full[n][first_out - 1]) for n in obs_full}
    sims_reset, _ = runs(data, None, values, StateReset(first_out - 1, start))
    days = scenario.days
    reference = span(naive_forecast(obs_full, first_out - 1), first_out, days)
    obs_out = span(obs_full, first_out, days)
    return {
        "borderflow_version": __version__,
        "library": {"name": "optuna", "version": library_version(), "sampler": "TPE (multivariate)"},
        "method": METHOD,
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "policy": policy,
        "fit_until": fit_until.isoformat(),
        "fitted_days": first_out,
        "scored_days": days - first_out,
        "seeds": run_seeds,
        "budget": budget,
        "evaluated": len(trials),
        "parameters": [p.to_json() for p in fitted],
        "params": values,
        "scenario_values": {p.path: float(numeric_value(data, p.path, scenario.name)) for p in fitted},
        "in_sample": score(sims_in, obs_in),
        "out_of_sample": {
            **score([span(s, first_out, days) for s in sims_full], obs_out, reference),
            "naive": naive_score(obs_out, reference),
            "scenario_as_given": score([span(s, first_out, days) for s in sims_own], obs_out, reference),
            "from_observed_state": score([span(s, first_out, days) for s in sims_reset], obs_out, reference),
        },
        "accepted": sets,
        "posterior": summary(sets, fitted),
    }


# --- the folder -------------------------------------------------------------------------


def _start(folder: Path, scenario: Scenario, settings: dict[str, Any]) -> None:
    """Write the folder's manifest, or check that the one there is this calibration's (resume)."""
    old = read_manifest_of(folder)
    if old is not None and old.get("kind") != "calibration":
        raise ScenarioError(
            folder / MANIFEST,
            None,
            f"holds other results ({old.get('kind', 'a run')}); expected a calibration to resume, or another --out folder",
        )
    if old is not None:
        if any(old.get(k) != v for k, v in settings.items()):
            raise ScenarioError(
                folder / MANIFEST,
                None,
                "holds a different calibration (scenario, observations up to --fit-until, policy, parameters or "
                "seeds); expected the same one to resume, or another --out folder",
            )
        return
    manifest = {
        "borderflow_version": __version__,
        "kind": "calibration",
        "scenario": scenario.name,
        **settings,
        "patterns": [TRIALS, RESULT, SCENARIO_FILE],
        "files": {},
    }
    write_file_atomically(folder / MANIFEST, lambda tmp: _dump(tmp, manifest))


def _record(folder: Path, names: list[str]) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"] = {n: sha256(folder / n) for n in names}
    write_file_atomically(folder / MANIFEST, lambda tmp: _dump(tmp, manifest))


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(_finite(data), indent=1, sort_keys=True, allow_nan=False) + "\n")


def _finite(value: Any) -> Any:
    """NaN (e.g. MASE where observations never change) as null: strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _calibrated_name(name: str) -> str:
    return f"{name[:100]}-calibrated"


def _provenance(scenario: Scenario, result: dict[str, Any]) -> str:
    """Comment lines after the scenario file's first line: what was fitted, on what, the score."""
    out = result["out_of_sample"]
    lines = [
        f"calibrated from {scenario.name} (content hash {result['scenario_hash'][:16]}) by borderflow "
        f"{result['borderflow_version']} with optuna {result['library']['version']} (TPE)",
        f"fitted to the observations up to {result['fit_until']} ({result['fitted_days']} days), "
        f"{result['evaluated']} candidates x {len(result['seeds'])} seeds {result['seeds']}, policy {result['policy']}",
        *(f"  {k} = {v:.6g} (was {result['scenario_values'][k]:.6g})" for k, v in result["params"].items()),
        f"in-sample averaged relative difference {result['in_sample']['averaged_relative_difference']:.4f}; "
        f"out of sample ({result['scored_days']} days) {out['averaged_relative_difference']:.4f}, "
        f"naive forecast {out['naive']['averaged_relative_difference']:.4f}, MASE vs naive {out['mase_vs_naive']:.3f}",
        "details: calibration.json beside this file",
    ]
    return "".join(f"# {line}\n" for line in lines)


def accepted_sets(folder: str | Path, scenario: Scenario) -> list[tuple[Values, float]]:
    """A calibration folder's accepted parameter sets and weights, for ensembles and comparisons
    to draw from; each path must name a numeric field of `scenario` (else a ScenarioError)."""
    path = Path(folder) / RESULT
    try:
        saved = json.loads(path.read_text())
        sets = [({k: float(v) for k, v in a["values"].items()}, float(a["weight"])) for a in saved["accepted"]]
    except FileNotFoundError:
        raise ScenarioError(path, None, "not found; expected a folder written by `borderflow calibrate`") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ScenarioError(path, None, "is not a calibration borderflow wrote; expected calibration.json") from None
    data = scenario.model_dump(mode="json")
    for p in {p for values, _ in sets for p in values}:
        numeric_value(data, p, scenario.name, "--from-calibration")
    return sets
