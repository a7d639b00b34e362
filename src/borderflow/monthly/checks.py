"""Out-of-sample checks of the monthly model against the naive forecasts: each fit sees only
the months up to its origin, and is scored on the months after it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.metrics import interval_score, mase, share_dissimilarity, wape
from borderflow.monthly.corridors import Corridors, fit_corridors, group_mix
from borderflow.monthly.model import fit_monthly
from borderflow.monthly.naive import NAIVE_FORECASTS, SEASON, seasonal_naive
from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

MODEL = "monthly model"
CORRIDOR_MODEL = "monthly model, corridor shares"


@dataclass(frozen=True)
class Scores:
    """One forecaster's scores over the months forecast (sectors x months)."""

    forecaster: str
    wape: float
    share_dissimilarity: float  # mean over the months
    mase_total: float  # the Southwest total, scaled by the history's same-month-last-year error
    interval_score: float | None  # p05-p95 bands, mean over sectors and months (the model only)


@dataclass(frozen=True)
class OutOfSample:
    origin: pd.Period
    months: tuple[pd.Period, ...]
    sectors: tuple[str, ...]
    observed: FloatArray  # (months, sectors)
    forecasts: dict[str, FloatArray]
    scores: tuple[Scores, ...]
    fitted: str  # what the fit chose, in words
    corridors: Corridors | None  # fitted through the origin, when the citizenship series was given


def out_of_sample(
    series: MonthlySeries, origin: pd.Period, horizon: int = 3, citizenship: MonthlySeries | None = None
) -> OutOfSample:
    """Fit through `origin`, forecast the next `horizon` months by sector, score every
    forecaster. With the citizenship series, also the model with the origin month's sector
    split as the corridors fitted through `origin` make it from that month's group mix."""
    history = series.through(origin)
    observed = series.window(origin + 1, horizon)
    fit = fit_monthly(history)
    forecasts = {MODEL: fit.forecast(horizon)}
    corridors = None
    if citizenship is not None:
        who = citizenship.through(origin)
        corridors = fit_corridors(history, who)
        mix = group_mix(who).counts[-1]
        forecasts[CORRIDOR_MODEL] = fit.forecast(horizon, corridors.split(mix))
    forecasts.update({k: f(history, horizon) for k, f in NAIVE_FORECASTS.items()})
    lower, upper = fit.band(horizon)
    total_history = history.counts.sum(axis=1)
    scores = tuple(
        Scores(
            name,
            wape(fc, observed),
            share_dissimilarity(fc, observed),
            mase(fc.sum(axis=1), observed.sum(axis=1), history=total_history, lag=SEASON),
            interval_score(lower, upper, observed, alpha=0.1) if name == MODEL else None,
        )
        for name, fc in forecasts.items()
    )
    months = tuple(origin + k for k in range(1, horizon + 1))
    fitted = (
        f"fitted through {origin}: seasons weighted with a half-life of {fit.season.half_life:g} years, "
        f"the total's pattern kept at {fit.season.total_weight:.2f}; level smoothing {fit.level.alpha:g}, "
        f"trend {fit.level.beta:g}; shares smoothing {fit.shares.weight:g}"
    )
    return OutOfSample(origin, months, series.sectors, observed, forecasts, scores, fitted, corridors)


@dataclass(frozen=True)
class Winter:
    """A rolling-origin fold: fit through December, forecast January-March."""

    origin: pd.Period
    model_wape: float
    seasonal_naive_wape: float
    model_abs_error: float
    seasonal_naive_abs_error: float
    observed: float


def winters(series: MonthlySeries, first: int, last: int, horizon: int = 3) -> list[Winter]:
    """One fold per December of the years `first`..`last` (the months after each must be in
    the record)."""
    out = []
    for year in range(first, last + 1):
        origin = pd.Period(year=year, month=12, freq="M")
        history = series.through(origin)
        observed = series.window(origin + 1, horizon)
        model = fit_monthly(history).forecast(horizon)
        naive = seasonal_naive(history, horizon)
        out.append(
            Winter(
                origin,
                wape(model, observed),
                wape(naive, observed),
                float(np.abs(model - observed).sum()),
                float(np.abs(naive - observed).sum()),
                float(observed.sum()),
            )
        )
    return out
