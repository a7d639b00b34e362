"""Monthly seasonal factors, fitted on past years and shrunk toward no seasonality.

Multiplicative: log counts minus their centred 2x12 moving average (the trend) leave each
month's seasonal deviation; their weighted mean over past years is the month's log factor,
recent years weighing more (weight halves every `half_life` years). The Southwest total's
factors come first; each sector's own pattern is the mean of its deviation from the total's.
Both are shrunk toward zero by an empirical-Bayes weight (1 - noise variance / spread of the
monthly means, clipped at 0): a pattern the years do not agree on counts for little.

The half-life is fitted, not set: the record's seasons drift as who comes changes (the strong
spring peak of Mexican adults before 2016 faded as families from further south came), so
each candidate is scored on how well factors from the years before each of the last
`CHECK_YEARS` years of the history would have predicted that year's deviations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

SEASON = 12
HALF_LIVES = (1.0, 2.0, 4.0, 8.0, np.inf)  # years; inf: every past year weighs the same
CHECK_YEARS = 3  # years of the history that score the half-lives


@dataclass(frozen=True)
class SeasonalFactors:
    """Multiplicative factors (12, sectors) by calendar month (row 0 = January); their
    geometric mean over the year is 1 for the total and every sector."""

    factors: FloatArray
    half_life: float  # years; the fitted weight decay of past years
    total_weight: float  # the shrinkage weight of the total's pattern (0: none kept, 1: all)
    sector_weights: FloatArray  # (sectors,) the same for each sector's own deviation

    def of(self, calendar_months: np.ndarray[tuple[int], np.dtype[np.int64]]) -> FloatArray:
        """(len(months), sectors) factors for calendar months 1-12."""
        out: FloatArray = self.factors[calendar_months - 1]
        return out


def _log(counts: FloatArray) -> FloatArray:
    out: FloatArray = np.log(np.maximum(counts, 1.0))  # a month of 0 is treated as 1 (logs of counts)
    return out


def _deviations(logs: FloatArray) -> FloatArray:
    """log minus the centred 2x12 moving average; NaN where the average is not defined."""
    n = len(logs)
    out = np.full_like(logs, np.nan)
    weights = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
    for t in range(SEASON // 2, n - SEASON // 2):
        out[t] = logs[t] - weights @ logs[t - SEASON // 2 : t + SEASON // 2 + 1]
    return out


def _shrunk_means(
    dev: FloatArray, months: np.ndarray[tuple[int], np.dtype[np.int64]], age: FloatArray, half_life: float
) -> tuple[FloatArray, float]:
    """Per calendar month, the weighted mean deviation (centred over the year) and its
    shrinkage weight; `age` in years of each row, NaN deviations left out."""
    means, noise = np.zeros(SEASON), np.zeros(SEASON)
    for m in range(1, SEASON + 1):
        rows = (months == m) & np.isfinite(dev)
        if not rows.any():
            noise[m - 1] = np.inf
            continue
        d, w = dev[rows], 0.5 ** (age[rows] / half_life)
        means[m - 1] = float(np.average(d, weights=w))
        n_eff = w.sum() ** 2 / (w**2).sum()
        noise[m - 1] = (
            float(np.average((d - means[m - 1]) ** 2, weights=w)) / max(n_eff - 1, 1e-9) if len(d) > 1 else np.inf
        )
    means -= means.mean()
    spread = float((means**2).mean())
    weight = 0.0 if spread == 0 or not np.isfinite(noise).all() else max(0.0, 1.0 - float(noise.mean()) / spread)
    out: FloatArray = means * weight
    return out, weight


def _half_life(total_dev: FloatArray, months: np.ndarray[tuple[int], np.dtype[np.int64]]) -> float:
    """The half-life whose factors best predicted each of the last CHECK_YEARS years of
    deviations from the years before it (least squares); inf when there are too few years."""
    defined = np.flatnonzero(np.isfinite(total_dev))
    end = int(defined[-1]) + 1 if len(defined) else 0
    starts = [end - SEASON * k for k in range(CHECK_YEARS, 0, -1)]
    if not defined.size or starts[0] - int(defined[0]) < 2 * SEASON:
        return float(np.inf)
    best: tuple[float, float] | None = None
    for hl in HALF_LIVES:
        sse = 0.0
        for start in starts:
            past = np.where(np.arange(len(total_dev)) < start, total_dev, np.nan)
            age = (start - np.arange(len(total_dev))) / SEASON
            factors, _ = _shrunk_means(past, months, age, hl)
            block = slice(start, start + SEASON)
            sse += float(np.nansum((total_dev[block] - factors[months[block] - 1]) ** 2))
        if best is None or sse < best[0]:
            best = (sse, hl)
    assert best is not None
    return best[1]


def fit_seasonality(history: MonthlySeries) -> SeasonalFactors:
    """Factors from the months of `history` (no later)."""
    months = history.calendar_months()
    logs = _log(history.counts)
    total_dev = _deviations(_log(history.counts.sum(axis=1)))
    half_life = _half_life(total_dev, months)
    age = (len(months) - 1 - np.arange(len(months))) / SEASON
    total, w_total = _shrunk_means(total_dev, months, age, half_life)
    own = np.zeros((SEASON, logs.shape[1]))
    w_sector = np.zeros(logs.shape[1])
    for s in range(logs.shape[1]):
        own[:, s], w_sector[s] = _shrunk_means(_deviations(logs[:, s]) - total_dev, months, age, half_life)
    return SeasonalFactors(np.exp(total[:, None] + own), half_life, w_total, w_sector)
