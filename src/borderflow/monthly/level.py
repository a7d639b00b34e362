"""The level of seasonally adjusted Southwest encounters: a damped local trend on the log scale
(Holt's method), its smoothing fitted on the history by least squares over 1-3-month-ahead
forecasts: a small grid, no optimiser (the calibration engine is elsewhere)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from borderflow.network.graph import FloatArray

ALPHAS = tuple(np.round(np.arange(0.1, 1.01, 0.1), 2))  # weight of the newest month in the level
BETAS = (0.0, 0.1, 0.2, 0.3)  # weight of the newest change in the trend (0: no trend)
DAMPING = 0.8  # a trend fades by this factor each month ahead: a surge is not extrapolated for ever
FIT_MONTHS = 60  # the fit scores the forecasts made over the last five years of the history
HORIZON = 3


@dataclass(frozen=True)
class Level:
    """Level and trend (log scale) at the last month, the smoothing chosen, and the history's
    own k-months-ahead log errors (k = 1..HORIZON) under it."""

    level: float
    trend: float
    alpha: float
    beta: float
    errors: FloatArray  # (HORIZON, n) log(observed / forecast) over the fitted months

    def path(self, horizon: int) -> FloatArray:
        """Log level for 1..horizon months ahead."""
        damp = np.cumsum(DAMPING ** np.arange(1, horizon + 1))
        out: FloatArray = self.level + damp * self.trend
        return out


def _run(z: FloatArray, alpha: float, beta: float) -> tuple[FloatArray, FloatArray]:
    """Level and trend after each month."""
    lev, tr = np.empty(len(z)), np.empty(len(z))
    lev[0], tr[0] = z[0], 0.0
    for t in range(1, len(z)):
        expected = lev[t - 1] + DAMPING * tr[t - 1]
        lev[t] = alpha * z[t] + (1 - alpha) * expected
        tr[t] = beta * (lev[t] - lev[t - 1]) + (1 - beta) * DAMPING * tr[t - 1]
    return lev, tr


def _errors(z: FloatArray, lev: FloatArray, tr: FloatArray, first: int) -> FloatArray:
    """(HORIZON, months) errors of the forecasts made from each month >= first - 1."""
    damp = np.cumsum(DAMPING ** np.arange(1, HORIZON + 1))
    out = np.full((HORIZON, len(z)), np.nan)
    for t in range(max(first - 1, 0), len(z) - 1):
        for k in range(1, HORIZON + 1):
            if t + k < len(z):
                out[k - 1, t + k] = z[t + k] - (lev[t] + damp[k - 1] * tr[t])
    return out


def fit_level(adjusted: FloatArray) -> Level:
    """Fit on seasonally adjusted totals (one value a month, up to the origin)."""
    z = np.log(np.maximum(adjusted, 1.0))
    first = max(len(z) - FIT_MONTHS, 1)
    best: tuple[float, float, float] | None = None
    for alpha, beta in itertools.product(ALPHAS, BETAS):
        lev, tr = _run(z, float(alpha), beta)
        err = _errors(z, lev, tr, first)[:, first:]
        sse = float(np.nansum(err**2))
        if best is None or sse < best[0]:
            best = (sse, float(alpha), beta)
    assert best is not None
    _, alpha, beta = best
    lev, tr = _run(z, alpha, beta)
    err = _errors(z, lev, tr, first)[:, first:]
    return Level(float(lev[-1]), float(tr[-1]), alpha, beta, err)
