"""Scores of a forecast against what was then observed (monthly counts, by sector and month).

Each takes arrays of the same shape; sectors, where they matter, run along the last axis.
MASE is in `validation.py` (one definition, with a history and a lag for seasonal series).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _pair(forecast: ArrayLike, observed: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    f, o = np.asarray(forecast, dtype=np.float64), np.asarray(observed, dtype=np.float64)
    if f.shape != o.shape:
        raise ValueError(f"forecast and observations differ in shape: {f.shape} vs {o.shape}")
    return f, o


def wape(forecast: ArrayLike, observed: ArrayLike) -> float:
    """Weighted absolute percentage error: sum |forecast - observed| / sum |observed| over
    every cell (so large sectors and months weigh most). NaN when nothing was observed."""
    f, o = _pair(forecast, observed)
    total = float(np.abs(o).sum())
    return float(np.abs(f - o).sum()) / total if total > 0 else float("nan")


def share_dissimilarity(forecast: ArrayLike, observed: ArrayLike) -> float:
    """Half the sum over sectors (the last axis) of |forecast share - observed share|: the share
    of encounters that would have to move between sectors to turn one split into the other
    (0 = same split, 1 = no sector in common). Over several rows (months), their mean."""
    f, o = _pair(forecast, observed)
    f2, o2 = np.atleast_2d(f), np.atleast_2d(o)
    fs, os_ = f2.sum(axis=-1, keepdims=True), o2.sum(axis=-1, keepdims=True)
    if (fs <= 0).any() or (os_ <= 0).any():
        raise ValueError("a row with no encounters has no split; expected positive totals")
    return float((0.5 * np.abs(f2 / fs - o2 / os_).sum(axis=-1)).mean())


def interval_score(lower: ArrayLike, upper: ArrayLike, observed: ArrayLike, alpha: float = 0.1) -> float:
    """Gneiting and Raftery's (2007) interval score of central (1 - alpha) intervals, mean over
    cells: the width, plus 2/alpha times how far an observation falls outside. Lower is better;
    alpha = 0.1 scores p05-p95 bands."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha {alpha}; expected 0 < alpha < 1")
    lo, hi = _pair(lower, upper)
    _, y = _pair(lower, observed)
    if (hi < lo).any():
        raise ValueError("an interval whose upper end is below its lower end; expected lower <= upper")
    below, above = np.maximum(lo - y, 0.0), np.maximum(y - hi, 0.0)
    return float((hi - lo + (2.0 / alpha) * (below + above)).mean())
