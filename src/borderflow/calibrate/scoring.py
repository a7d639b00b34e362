"""Scores of a calibration: the metrics `validate` prints, on a span of days, averaged over
seeds; the naive forecast a user could make without a model, and the error scaled by it.

The naive forecast for a day after the fit date: each observed place keeps its share of the
observed total on the last fitted day, times the observed total of that day (Flee-style
spawning follows the observed totals, so a model must beat this to add anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from borderflow.metrics import validation

Series = dict[str, NDArray[np.float64]]


def span(series: Series, first: int, stop: int) -> Series:
    """Days first .. stop - 1 of every series."""
    return {k: np.asarray(v, dtype=np.float64)[first:stop] for k, v in series.items()}


def naive_forecast(obs: Series, last_fitted: int) -> Series:
    """Every day after `last_fitted`: the place's share of the observed total that day x the
    observed total of the day forecast. Days up to `last_fitted` are left as observed."""
    names = list(obs)
    stacked = np.array([np.asarray(obs[n], dtype=np.float64) for n in names])
    total_then = stacked[:, last_fitted].sum()
    shares = stacked[:, last_fitted] / total_then if total_then > 0 else np.full(len(names), 1.0 / len(names))
    forecast = stacked.copy()
    forecast[:, last_fitted + 1 :] = shares[:, None] * stacked[:, last_fitted + 1 :].sum(axis=0)[None, :]
    return {n: forecast[i] for i, n in enumerate(names)}


def scaled_error(sim: Series, obs: Series, reference: Series) -> float:
    """Absolute error summed over places and days, divided by the reference forecast's (below 1:
    better than the reference). NaN when the reference is exact."""
    err = sum(float(np.abs(sim[n] - obs[n]).sum()) for n in obs)
    ref = sum(float(np.abs(reference[n] - obs[n]).sum()) for n in obs)
    return err / ref if ref > 0 else float("nan")


def score(sims: Sequence[Series], obs: Series, reference: Series | None = None) -> dict[str, Any]:
    """The metrics `validate` prints, each the mean over the runs (one per seed), with per-series
    errors; with a reference forecast, also the error scaled by it (overall and per series)."""
    per_run = []
    for sim in sims:
        m: dict[str, Any] = {**validation.summary(sim, obs), "series": validation.per_place(sim, obs)}
        if reference is not None:
            m["mase_vs_naive"] = scaled_error(sim, obs, reference)
            for row in m["series"]:
                place = str(row["place"])
                row["mase_vs_naive"] = scaled_error({place: sim[place]}, {place: obs[place]}, {place: reference[place]})
        per_run.append(m)
    out: dict[str, Any] = {k: _mean([r[k] for r in per_run]) for k in per_run[0] if k != "series"}
    out["seeds"] = len(per_run)
    out["series"] = [
        {
            "place": row["place"],
            **{k: _mean([r["series"][i][k] for r in per_run]) for k in row if k != "place"},
        }
        for i, row in enumerate(per_run[0]["series"])
    ]
    return out


def naive_score(obs: Series, reference: Series) -> dict[str, Any]:
    """The naive forecast scored like a model (its MASE against itself is 1 by definition)."""
    return {
        **validation.summary(reference, obs),
        "series": validation.per_place(reference, obs),
    }


def _mean(values: Sequence[Any]) -> float:
    arr = np.asarray(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    return float(finite.mean()) if len(finite) else float("nan")
