"""Identification: can the record tell a policy's effect from the model's usual error?

After an origin T, the effect of a measure on the months T+1..T+H is estimated as
    d = log(observed total / status-quo forecast total)
and its band is d minus the quantiles of the same statistic at earlier origins, where no
measure acted: null[o] = log(sum observed / sum forecast) over the H months after o, for the
origins whose H months were known at T (the past errors, calibration.py). The effect is
*identified* when its band excludes 0 (no effect), else the data cannot tell it from noise;
the smallest fall the data could detect is the null's lower quantile.

`synthetic_trial` checks this on a series whose truth is known: the record's fitted season and
shares, a level that walks with the record's own one-month errors, sector noise from the same
errors, and a step of known size from T+1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.backtest.calibration import COVERAGE_ORIGINS, WINDOW, ErrorTable, error_table
from borderflow.monthly.model import fit_monthly
from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

TAIL = 0.05


def total_null(table: ErrorTable, series: MonthlySeries, at: pd.Period, horizon: int) -> FloatArray:
    """Log errors of the H-month Southwest total at the last WINDOW origins whose H months are
    known at `at` (`series` cut at `at`)."""
    out = []
    for k in range(WINDOW, 0, -1):
        o = at - horizon - k + 1
        i = int((o - table.first).n)
        if i < 0 or i >= len(table.forecasts):
            continue
        fc = table.forecasts[i, :horizon]
        if not np.isfinite(fc).all():
            continue
        obs = series.through(at).window(o + 1, horizon)
        out.append(float(np.log(obs.sum() / fc.sum())))
    return np.array(out)


@dataclass(frozen=True)
class Estimate:
    effect: float  # factor (observed / status quo), p50
    low: float  # p05 of the factor
    high: float  # p95
    identified: bool  # the band excludes 1 (no effect)
    detectable: float  # the smallest fall (factor) the data tell from noise: exp(null's p05)

    def holds(self, truth: float) -> bool:
        return self.low <= truth <= self.high


def estimate(forecast: FloatArray, observed: FloatArray, null: FloatArray) -> Estimate:
    """The effect over the months forecast, with its band from the null errors."""
    d = float(np.log(observed.sum() / forecast.sum()))
    q_lo, q_mid, q_hi = (float(np.quantile(null, q)) for q in (TAIL, 0.5, 1 - TAIL))
    low, mid, high = np.exp(d - q_hi), np.exp(d - q_mid), np.exp(d - q_lo)
    return Estimate(float(mid), float(low), float(high), not low <= 1.0 <= high, float(np.exp(q_lo)))


def synthetic_series(record: MonthlySeries, months: int, seed: int, level: float = 150_000.0) -> MonthlySeries:
    """A series with the record's fitted season and shares and the record's own noise: the
    level walks with resampled one-month errors of the total, each sector adds the rest of its
    one-month error (not cumulated)."""
    fit = fit_monthly(record)
    table = error_table(record, record.last - WINDOW - 1, 1)
    rows = table.errors[:, 0][np.isfinite(table.errors[:, 0]).all(axis=1)]
    shares = fit.shares.shares
    rng = np.random.default_rng(seed)
    picks = rows[rng.integers(0, len(rows), size=months)]
    total_shock = np.log((np.exp(picks) * shares).sum(axis=1))
    walk = np.cumsum(total_shock) - total_shock[0]
    first = pd.Period("2000-01", freq="M")
    cal = (np.arange(months) % 12) + 1
    base = level * shares[None, :] * fit.season.of(cal.astype(np.int64))
    counts = base * np.exp(walk[:, None] + picks - total_shock[:, None])
    return MonthlySeries(first, record.sectors, np.maximum(np.round(counts), 0.0))


@dataclass(frozen=True)
class Trial:
    seed: int
    truth: float
    estimate: Estimate


def synthetic_trial(record: MonthlySeries, seed: int, effects: list[float], horizon: int = 3) -> list[Trial]:
    """One synthetic series, a step of each size in `effects` (factors) from T+1; the fit and
    its past errors see only the months up to T."""
    n = 36 + horizon + COVERAGE_ORIGINS + WINDOW + 24
    series = synthetic_series(record, n + horizon, seed)
    origin = series.first + (n - 1)
    history = series.through(origin)
    table = error_table(history, origin - (horizon + WINDOW), horizon)
    null = total_null(table, history, origin, horizon)
    forecast = fit_monthly(history).forecast(horizon)
    after = series.window(origin + 1, horizon)
    return [Trial(seed, e, estimate(forecast, after * e, null)) for e in effects]
