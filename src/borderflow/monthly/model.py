"""The monthly model: encounters in sector s, month t = level(t) x share(s) x season(s, month).

Fitted only on the months up to an origin (`fit_monthly(history)` sees nothing else):
seasonal factors from past years (seasonality.py), the level of the seasonally adjusted total
with a damped trend (level.py), and the sectors' shares of it (shares.py). Bands come from
the history's own k-months-ahead errors of the total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.monthly.level import HORIZON, Level, fit_level
from borderflow.monthly.seasonality import SeasonalFactors, fit_seasonality
from borderflow.monthly.series import MonthlySeries
from borderflow.monthly.shares import Shares, fit_shares
from borderflow.network.graph import FloatArray

MIN_MONTHS = 36  # three years: the seasonal factors need whole years on both sides of a trend


@dataclass(frozen=True)
class MonthlyFit:
    """A fit at an origin (its last month) and what it forecasts."""

    history: MonthlySeries
    season: SeasonalFactors
    level: Level
    shares: Shares

    def _months_ahead(self, horizon: int) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
        last = self.history.last.month
        return ((last - 1 + np.arange(1, horizon + 1)) % 12 + 1).astype(np.int64)

    def forecast(self, horizon: int, split: FloatArray | None = None) -> FloatArray:
        """(horizon, sectors) expected encounters for the months after the origin; `split`:
        the sector shares of the origin month from elsewhere (the corridors), instead of the
        fitted shares."""
        shares = self.shares.shares if split is None else self.adjusted_shares(split)
        level = np.exp(self.level.path(horizon))
        out: FloatArray = level[:, None] * shares[None, :] * self.season.of(self._months_ahead(horizon))
        return out

    def adjusted_shares(self, split: FloatArray) -> FloatArray:
        """A sector split of the origin month, seasonally adjusted like the fitted shares."""
        month = np.array([self.history.last.month], dtype=np.int64)
        adjusted = split / self.season.of(month)[0]
        out: FloatArray = adjusted / adjusted.sum()
        return out

    def band(self, horizon: int, low: float = 0.05, high: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """(lower, upper) quantiles: the forecast times the quantiles of the history's own
        k-months-ahead log errors of the total (beyond HORIZON months, those of HORIZON)."""
        mean = self.forecast(horizon)
        lo, hi = np.empty(horizon), np.empty(horizon)
        for k in range(horizon):
            err = self.level.errors[min(k, HORIZON - 1)]
            err = err[np.isfinite(err)]
            lo[k], hi[k] = np.quantile(err, low), np.quantile(err, high)
        lower: FloatArray = mean * np.exp(lo)[:, None]
        upper: FloatArray = mean * np.exp(hi)[:, None]
        return lower, upper


def fit_monthly(history: MonthlySeries) -> MonthlyFit:
    """Fit on every month of `history` (cut it at the origin first: `series.through(month)`)."""
    if len(history.counts) < MIN_MONTHS:
        raise ValueError(f"{len(history.counts)} months of history; expected at least {MIN_MONTHS}")
    season = fit_seasonality(history)
    adjusted = history.counts / season.of(history.calendar_months())
    return MonthlyFit(history, season, fit_level(adjusted.sum(axis=1)), fit_shares(adjusted))
