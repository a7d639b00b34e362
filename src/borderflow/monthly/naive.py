"""Naive forecasts a planner could make without a model, each from the months up to an origin.

Each returns (horizon, sectors) counts for the months after the last one given.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

SEASON = 12  # months in a year


def carried_forward(history: MonthlySeries, horizon: int) -> FloatArray:
    """Every sector's last month, repeated."""
    out: FloatArray = np.repeat(history.counts[-1:], horizon, axis=0)
    return out


def seasonal_naive(history: MonthlySeries, horizon: int) -> FloatArray:
    """Each month as the same month a year earlier (horizon at most a year)."""
    y = history.counts
    _need(history, SEASON, horizon)
    out: FloatArray = y[len(y) - SEASON : len(y) - SEASON + horizon].copy()
    return out


def last_year_scaled(history: MonthlySeries, horizon: int) -> FloatArray:
    """Each month as the same month a year earlier times the sector's year-on-year ratio of the
    last month (last month / the same month a year before; 1 where that was 0)."""
    y = history.counts
    _need(history, SEASON + 1, horizon)
    now, year_ago = y[-1], y[-1 - SEASON]
    ratio = np.divide(now, year_ago, out=np.ones_like(now), where=year_ago > 0)
    out: FloatArray = seasonal_naive(history, horizon) * ratio
    return out


def _need(history: MonthlySeries, months: int, horizon: int) -> None:
    if len(history.counts) < months:
        raise ValueError(f"{len(history.counts)} months of history; expected at least {months}")
    if not 1 <= horizon <= SEASON:
        raise ValueError(f"horizon {horizon}; expected 1 to {SEASON} months")


NaiveForecast = Callable[[MonthlySeries, int], FloatArray]
NAIVE_FORECASTS: dict[str, NaiveForecast] = {
    "last month carried forward": carried_forward,
    "last year scaled by the year-on-year ratio": last_year_scaled,
    "seasonal naive (same month last year)": seasonal_naive,
}
