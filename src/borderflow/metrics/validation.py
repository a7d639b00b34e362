"""Validation metrics: Flee's averaged relative difference, per-place errors and MASE.

All functions take per-place daily series (simulated, observed) of equal length.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

Series = Mapping[str, ArrayLike]


def _stack(sim: Series, obs: Series) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    names = list(obs)
    missing = [n for n in names if n not in sim]
    if missing:
        raise KeyError(f"no simulated series for observed place(s): {', '.join(missing)}")
    s = np.array([np.asarray(sim[n], dtype=np.float64) for n in names]).reshape(len(names), -1)
    o = np.array([np.asarray(obs[n], dtype=np.float64) for n in names]).reshape(len(names), -1)
    if s.shape != o.shape:
        raise ValueError(f"simulated and observed series differ in length: {s.shape} vs {o.shape}")
    return names, s, o


def rescale(sim: NDArray[np.float64], obs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Multiply each day's simulated counts so their total equals the observed total."""
    st, ot = sim.sum(axis=0), obs.sum(axis=0)
    factor = np.divide(ot, st, out=np.ones_like(st), where=st > 0)
    out: NDArray[np.float64] = sim * factor
    return out


def daily_relative_difference(sim: Series, obs: Series, *, rescaled: bool = False) -> NDArray[np.float64]:
    """Per day: sum over places |sim - obs| / max(sum of obs, 1)."""
    _, s, o = _stack(sim, obs)
    if rescaled:
        s = rescale(s, o)
    daily: NDArray[np.float64] = np.abs(s - o).sum(axis=0) / np.maximum(o.sum(axis=0), 1.0)
    return daily


def averaged_relative_difference(sim: Series, obs: Series, rescaled: bool = False) -> float:
    """Flee's headline error: the mean over days of the daily relative difference."""
    return float(daily_relative_difference(sim, obs, rescaled=rescaled).mean())


def mase(sim: ArrayLike, obs: ArrayLike, *, history: ArrayLike | None = None, lag: int = 1) -> float:
    """Mean absolute scaled error: the mean |sim - obs| over the mean absolute change at `lag`
    steps (the error of the naive forecast that repeats the value `lag` steps back).

    The scale comes from `history` when given (the fitted period, Hyndman and Koehler's
    out-of-sample MASE; lag 12 for monthly seasonal data), else from `obs` itself. Below 1:
    better than that naive forecast. NaN where the scale is 0 (the naive forecast is perfect).
    """
    s, o = np.asarray(sim, dtype=np.float64), np.asarray(obs, dtype=np.float64)
    base = o if history is None else np.asarray(history, dtype=np.float64)
    if lag < 1:
        raise ValueError(f"lag {lag}; expected 1 or more")
    naive = np.abs(base[lag:] - base[:-lag]).mean() if len(base) > lag else 0.0
    if naive == 0:
        return float("nan")
    return float(np.abs(s - o).mean() / naive)


def per_place(sim: Series, obs: Series) -> list[dict[str, float | str]]:
    """Per observed place: mean absolute error, its share of the observed mean, and MASE."""
    names, s, o = _stack(sim, obs)
    out: list[dict[str, float | str]] = []
    for n, si, oi in zip(names, s, o, strict=True):
        mae = float(np.abs(si - oi).mean())
        out.append(
            {
                "place": n,
                "mean_abs_error": mae,
                "relative_error": mae / max(float(oi.mean()), 1.0),
                "mase": mase(si, oi),
                "final_simulated": float(si[-1]),
                "final_observed": float(oi[-1]),
            }
        )
    return out


def summary(sim: Series, obs: Series) -> dict[str, float]:
    return {
        "averaged_relative_difference": averaged_relative_difference(sim, obs),
        "averaged_relative_difference_rescaled": averaged_relative_difference(sim, obs, rescaled=True),
        "mean_mase": _finite_mean([float(r["mase"]) for r in per_place(sim, obs)]),
    }


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")
