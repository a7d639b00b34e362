"""Bands calibrated on the monthly model's own past errors (rolling origin).

For every past origin o (a fit that saw the months up to o only), the log error of its
forecast h months ahead in sector s is e[o, h, s] = log(observed / forecast) (counts floored
at 1). An error is *known* at month T once o + h <= T: the band of a forecast made at T uses
only known errors of the last `WINDOW` origins, so the band, like the forecast, reads nothing
after T. Quantiles of those errors by horizon and sector give the p05-p95 band; its
historical coverage is checked the same way at earlier origins (each band built only from
errors known at its own origin). Errors drift (a calm year, then a surge), so the plain
5%/95% quantiles of past errors hold less than 90% of what follows; the band is therefore
built from the least extreme quantiles in TAILS (5%/95%, 4%/96%, ...) whose out-of-sample
coverage at the earlier origins reached 90%: a split-conformal step, also from data before T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.monthly.model import MIN_MONTHS, fit_monthly
from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

WINDOW = 60  # origins (months) whose errors calibrate a band: five years, enough for 5% tails by sector
COVERAGE_ORIGINS = 36  # earlier origins at which the band's coverage is checked out of sample
MAX_HORIZON = 12  # months ahead a backtest may forecast
LOW, HIGH = 0.05, 0.95
TARGET = 0.90  # the p05-p95 band should hold this share of past outcomes
TAILS = (0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01)  # tail probabilities tried, narrowest band first


@dataclass(frozen=True)
class ErrorTable:
    """Log errors e[o, h-1, s] of the fits at consecutive origins from `first` (NaN where the
    month forecast lies after the series' last month)."""

    first: pd.Period
    errors: FloatArray  # (origins, horizon, sectors)
    forecasts: FloatArray  # (origins, horizon, sectors): each fit's own forecast (the model's mean path)

    @property
    def horizon(self) -> int:
        return int(self.errors.shape[1])

    def known_at(self, month: pd.Period, window: int = WINDOW) -> FloatArray:
        """(origins, horizon, sectors): the errors known at `month` (origin + h <= month) of the
        last `window` origins before it; NaN elsewhere."""
        n = len(self.errors)
        out = np.full((window, self.horizon, self.errors.shape[2]), np.nan)
        for k in range(window):
            o = month - (window - k)  # the window's origins: month - window .. month - 1
            i = int((o - self.first).n)
            if not 0 <= i < n:
                continue
            for h in range(1, self.horizon + 1):
                if o + h <= month:
                    out[k, h - 1] = self.errors[i, h - 1]
        return out


def error_table(series: MonthlySeries, first: pd.Period, horizon: int) -> ErrorTable:
    """Fit at every origin from `first` to the series' last month but one; each fit sees
    only the months up to its origin (`series.through`)."""
    earliest = series.first + (MIN_MONTHS - 1)
    first = max(first, earliest)
    last = series.last - 1
    n = max(int((last - first).n) + 1, 0)
    errors = np.full((n, horizon, len(series.sectors)), np.nan)
    forecasts = np.full_like(errors, np.nan)
    logs = np.log(np.maximum(series.counts, 1.0))
    for i in range(n):
        origin = first + i
        fc = fit_monthly(series.through(origin)).forecast(horizon)
        forecasts[i] = fc
        k = series.position(origin)
        ahead = min(horizon, len(series.counts) - 1 - k)
        errors[i, :ahead] = logs[k + 1 : k + 1 + ahead] - np.log(np.maximum(fc[:ahead], 1.0))
    return ErrorTable(first, errors, forecasts)


@dataclass(frozen=True)
class Band:
    """Log-error quantiles (horizon, sectors) and every known error behind them."""

    low: FloatArray
    mid: FloatArray
    high: FloatArray
    samples: list[list[FloatArray]]  # [h][s]: the known errors (finite), the empirical distribution
    tail: float = LOW  # the band is the (tail, 1 - tail) quantiles

    @property
    def counts(self) -> np.ndarray[tuple[int, int], np.dtype[np.int64]]:
        return np.array([[len(x) for x in row] for row in self.samples], dtype=np.int64)


def band_from(known: FloatArray, tail: float = LOW) -> Band:
    """Quantiles by horizon and sector of known errors (origins, horizon, sectors)."""
    _, horizon, sectors = known.shape
    samples = [[known[:, h, s][np.isfinite(known[:, h, s])] for s in range(sectors)] for h in range(horizon)]
    for h in range(horizon):
        for s in range(sectors):
            if len(samples[h][s]) < 2:
                raise ValueError(
                    f"{len(samples[h][s])} known errors {h + 1} months ahead; expected at least 2 "
                    f"(a longer record before the origin)"
                )
    low, mid, high = (
        np.array([[float(np.quantile(samples[h][s], q)) for s in range(sectors)] for h in range(horizon)])
        for q in (tail, 0.5, 1 - tail)
    )
    return Band(low, mid, high, samples, tail)


@dataclass(frozen=True)
class Coverage:
    """Out-of-sample coverage of the p05-p95 band at earlier origins, by horizon."""

    origins: int
    tail: float
    by_horizon: FloatArray  # share of (origin, sector) cells inside the band, per horizon
    overall: float


def coverage(table: ErrorTable, at: pd.Period, origins: int = COVERAGE_ORIGINS, tail: float = LOW) -> Coverage:
    """At each of the `origins` months before `at` whose errors are all known at `at`, the band
    built from the errors known at that origin, checked against that origin's own errors."""
    inside = np.zeros(table.horizon)
    cells = np.zeros(table.horizon)
    used = 0
    for k in range(origins, 0, -1):
        origin = at - table.horizon - k + 1  # origin + horizon <= at: its errors are all known at `at`
        i = int((origin - table.first).n)
        if i < 0:
            continue
        known = table.known_at(origin)
        try:
            band = band_from(known, tail)
        except ValueError:
            continue
        e = table.errors[i]
        ok = np.isfinite(e)
        inside += ((e >= band.low) & (e <= band.high) & ok).sum(axis=1)
        cells += ok.sum(axis=1)
        used += 1
    by_h = np.divide(inside, cells, out=np.full(table.horizon, np.nan), where=cells > 0)
    overall = float(inside.sum() / cells.sum()) if cells.sum() else float("nan")
    return Coverage(used, tail, by_h, overall)


def choose_tail(table: ErrorTable, at: pd.Period, origins: int = COVERAGE_ORIGINS) -> tuple[Coverage, Coverage]:
    """The coverage of the plain 5%-95% band and of the band chosen: the first of TAILS whose
    coverage at the earlier origins reached TARGET (else the last)."""
    plain = coverage(table, at, origins, TAILS[0])
    for tail in TAILS:
        cov = plain if tail == TAILS[0] else coverage(table, at, origins, tail)
        if cov.overall >= TARGET:
            return plain, cov
    return plain, cov
