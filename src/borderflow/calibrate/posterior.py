"""Accepted parameter sets that behave like a posterior: ABC by importance sampling.

The search mixes three kinds of candidates (`source` in trials.json):

- `prior`: the first STARTUP candidates, drawn from the prior (uniform on each range; whole
  numbers for integer fields);
- `tpe`: per batch, TPE_PER_BATCH proposals of optuna's TPE, which find the best region fast
  but whose sampling density is not known;
- `mixture`: per batch, MIXTURE_PER_BATCH draws from a proposal whose density is known: with
  probability DEFENSIVE the prior, otherwise a normal of SCALE x range around the best
  candidate so far (truncated to the ranges; for integer fields its mass on each whole number).

Only candidates of known density enter the posterior. Each is weighted prior density over
proposal density, where the proposal is the mixture of every proposal used, each in
proportion to the candidates it gave (the balance heuristic of multiple importance sampling:
weights are bounded by 1 / DEFENSIVE, so no single candidate dominates). The accepted sets
are the best ACCEPT_SHARE of those candidates by their error over the fitted days (an ABC
tolerance: the error of the worst accepted), with their weights normalised: a weighted
sample of the prior restricted to the parameters that fit that well. TPE's candidates only
move the centre of the mixture towards the best fit, and may be the fitted values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from borderflow.calibrate.parameters import FitParameter

STARTUP = 16  # candidates drawn from the prior before any proposal
TPE_PER_BATCH = 5  # of each batch of 8: proposals of optuna's TPE (density unknown) ...
MIXTURE_PER_BATCH = 3  # ... and draws from the known-density mixture
DEFENSIVE = 0.5  # the mixture's share of the prior (bounds every weight by 1 / DEFENSIVE)
SCALE = 0.15  # the mixture's normal: standard deviation as a share of each range
ACCEPT_SHARE = 0.5  # the best half of the known-density candidates is accepted
KNOWN = ("prior", "mixture")  # sources whose proposal density is known
LEVELS = (0.05, 0.5, 0.95)  # reported weighted quantiles (the 90% interval and the median)

Values = dict[str, float]


def prior_density(fitted: Sequence[FitParameter], values: Values) -> float:
    """The uniform prior's density (mass for integer fields) at `values`; 0 outside the ranges."""
    d = 1.0
    for p in fitted:
        x = float(values[p.path])
        if not p.low <= x <= p.high:
            return 0.0
        d /= (p.high - p.low + 1.0) if p.integer else (p.high - p.low)
    return d


def draw_prior(fitted: Sequence[FitParameter], n: int, rng: np.random.Generator) -> list[Values]:
    """n draws from the prior."""
    out = []
    for _ in range(n):
        out.append(
            {
                p.path: float(rng.integers(int(p.low), int(p.high) + 1))
                if p.integer
                else float(rng.uniform(p.low, p.high))
                for p in fitted
            }
        )
    return out


def _normal_mass(p: FitParameter, centre: float, x: float) -> float:
    """The truncated normal's density at x (integer fields: its mass on the whole number x)."""
    sd = SCALE * (p.high - p.low)
    if p.integer:
        grid = np.arange(int(p.low), int(p.high) + 1, dtype=np.float64)
        pdf = np.exp(-0.5 * ((grid - centre) / sd) ** 2)
        return float(pdf[round(x) - int(p.low)] / pdf.sum())
    z = float(ndtr((p.high - centre) / sd) - ndtr((p.low - centre) / sd))
    return math.exp(-0.5 * ((x - centre) / sd) ** 2) / (sd * math.sqrt(2 * math.pi) * z)


def mixture_density(fitted: Sequence[FitParameter], centre: Values, values: Values) -> float:
    """The density of the known proposal around `centre` at `values`."""
    local = 1.0
    for p in fitted:
        local *= _normal_mass(p, float(centre[p.path]), float(values[p.path]))
    return DEFENSIVE * prior_density(fitted, values) + (1 - DEFENSIVE) * local


def draw_mixture(fitted: Sequence[FitParameter], centre: Values, n: int, rng: np.random.Generator) -> list[Values]:
    """n draws from the known proposal around `centre`."""
    out = []
    for _ in range(n):
        if rng.random() < DEFENSIVE:
            out.extend(draw_prior(fitted, 1, rng))
            continue
        values: Values = {}
        for p in fitted:
            c, sd = float(centre[p.path]), SCALE * (p.high - p.low)
            if p.integer:
                grid = np.arange(int(p.low), int(p.high) + 1, dtype=np.float64)
                pdf = np.exp(-0.5 * ((grid - c) / sd) ** 2)
                values[p.path] = float(rng.choice(grid, p=pdf / pdf.sum()))
            else:  # inverse CDF of the normal truncated to the range
                lo, hi = float(ndtr((p.low - c) / sd)), float(ndtr((p.high - c) / sd))
                x = c + sd * float(ndtri(lo + (hi - lo) * rng.random()))
                values[p.path] = min(max(x, p.low), p.high)
        out.append(values)
    return out


def importance_weights(trials: Sequence[dict[str, Any]], fitted: Sequence[FitParameter]) -> list[float]:
    """Prior density over the pooled proposal density, for each known-density candidate (in
    order; other candidates are skipped). The pool mixes the prior and every mixture centre,
    each in proportion to the candidates it gave."""
    known = [t for t in trials if t.get("source") in KNOWN]
    if not known:
        return []
    n_prior = sum(t["source"] == "prior" for t in known)
    centres: dict[str, tuple[Values, int]] = {}
    for t in known:
        if t["source"] == "mixture":
            key = repr(sorted(t["centre"].items()))
            centre, count = centres.get(key, (t["centre"], 0))
            centres[key] = (centre, count + 1)
    total = len(known)
    out = []
    for t in known:
        values = {k: float(v) for k, v in t["values"].items()}
        prior = prior_density(fitted, values)
        pooled = n_prior / total * prior + sum(
            count / total * mixture_density(fitted, centre, values) for centre, count in centres.values()
        )
        out.append(prior / pooled if pooled > 0 else 0.0)
    return out


def accepted(trials: Sequence[dict[str, Any]], fitted: Sequence[FitParameter]) -> list[dict[str, Any]]:
    """The best ACCEPT_SHARE of the known-density candidates by error, with their importance
    weights normalised to sum to 1 (best first)."""
    known = [t for t in trials if t.get("source") in KNOWN]
    weights = importance_weights(trials, fitted)
    ranked = sorted(zip(known, weights, strict=True), key=lambda tw: (tw[0]["error"], tw[0]["number"]))
    kept = ranked[: max(1, math.ceil(ACCEPT_SHARE * len(ranked)))] if ranked else []
    total = sum(w for _, w in kept)
    return [
        {"values": t["values"], "error": t["error"], "number": t["number"], "weight": w / total if total > 0 else 0.0}
        for t, w in kept
    ]


def weighted_quantile(x: Sequence[float], w: Sequence[float], q: float) -> float:
    """The q-quantile of the weighted sample: the smallest x whose cumulative weight reaches q."""
    xs = np.asarray(x, dtype=np.float64)
    order = np.argsort(xs, kind="stable")
    ws: NDArray[np.float64] = np.asarray(w, dtype=np.float64)[order]
    cum = np.cumsum(ws) / ws.sum()
    k = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(xs[order][min(k, len(xs) - 1)])


def summary(sets: Sequence[dict[str, Any]], fitted: Sequence[FitParameter]) -> dict[str, Any]:
    """Per fitted path: weighted mean and the LEVELS quantiles of the accepted sets; and their
    effective sample size (sum of weights squared over the sum of squared weights)."""
    w = [float(a["weight"]) for a in sets]
    ess = sum(w) ** 2 / sum(x * x for x in w) if w and sum(w) > 0 else 0.0
    out: dict[str, Any] = {"accepted": len(sets), "effective_sample_size": ess, "params": {}}
    for p in fitted:
        x = [float(a["values"][p.path]) for a in sets]
        if not x:
            continue
        out["params"][p.path] = {
            "mean": float(np.average(x, weights=w)),
            **{f"q{round(100 * q):02d}": weighted_quantile(x, w, q) for q in LEVELS},
        }
    return out
