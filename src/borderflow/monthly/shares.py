"""Sector shares of seasonally adjusted encounters: which corridors people use.

The share forecast is an exponentially weighted mean of past months' shares, its weight
fitted on the history (the one that would have forecast next month's split best, by share
dissimilarity, over the last three years).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.network.graph import FloatArray

WEIGHTS = tuple(np.round(np.arange(0.1, 1.01, 0.1), 2))  # weight of the newest month's split
FIT_MONTHS = 36


@dataclass(frozen=True)
class Shares:
    shares: FloatArray  # (sectors,) summing to 1
    weight: float


def _smooth(p: FloatArray, weight: float) -> FloatArray:
    out = np.empty_like(p)
    out[0] = p[0]
    for t in range(1, len(p)):
        out[t] = weight * p[t] + (1 - weight) * out[t - 1]
    return out


def fit_shares(adjusted: FloatArray) -> Shares:
    """Fit on seasonally adjusted counts (months, sectors) up to the origin."""
    totals = adjusted.sum(axis=1, keepdims=True)
    p = np.divide(adjusted, totals, out=np.full_like(adjusted, 1.0 / adjusted.shape[1]), where=totals > 0)
    first = max(len(p) - FIT_MONTHS, 1)
    best: tuple[float, float] | None = None
    for w in WEIGHTS:
        sm = _smooth(p, float(w))
        miss = 0.5 * np.abs(sm[first - 1 : -1] - p[first:]).sum(axis=1).mean()
        if best is None or miss < best[0]:
            best = (float(miss), float(w))
    assert best is not None
    weight = best[1]
    return Shares(_smooth(p, weight)[-1], weight)
