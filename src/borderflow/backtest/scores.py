"""Scores of a backtest forecast: against the record where it has the months, and the model's
own record at earlier origins (what a reader can expect of it before the months are known)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.backtest.calibration import ErrorTable, band_from
from borderflow.metrics import interval_score, share_dissimilarity, wape
from borderflow.monthly.naive import carried_forward, last_year_scaled, seasonal_naive
from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

CARRIED = "last month carried forward"
LAST_YEAR = "same months a year earlier, scaled"
SAME_MONTHS = "same months a year earlier"
MODEL = "monthly model p50 (its mean path)"
CORRECTED = "monthly model x its median past error"


@dataclass(frozen=True)
class Score:
    forecaster: str
    wape: float
    share_dissimilarity: float
    total_error: float  # (forecast total - observed total) / observed total, over all months
    interval_score: float | None  # p05-p95, mean over cells
    coverage: float | None  # share of cells inside p05-p95

    def as_dict(self) -> dict[str, float | str | None]:
        return {
            "forecaster": self.forecaster,
            "wape": self.wape,
            "share_dissimilarity": self.share_dissimilarity,
            "total_error": self.total_error,
            "interval_score": self.interval_score,
            "coverage": self.coverage,
        }


def score(
    name: str, observed: FloatArray, p50: FloatArray, p05: FloatArray | None = None, p95: FloatArray | None = None
) -> Score:
    total = float(observed.sum())
    interval = cover = None
    if p05 is not None and p95 is not None:
        interval = interval_score(p05, p95, observed, alpha=0.1)
        cover = float(((observed >= p05) & (observed <= p95)).mean())
    return Score(
        name,
        wape(p50, observed),
        share_dissimilarity(p50, observed),
        (float(p50.sum()) - total) / total,
        interval,
        cover,
    )


def naive(history: MonthlySeries, horizon: int) -> dict[str, FloatArray]:
    """The naive forecasts a backtest must beat, from the months up to the origin."""
    return {
        CARRIED: carried_forward(history, horizon),
        LAST_YEAR: last_year_scaled(history, horizon),
        SAME_MONTHS: seasonal_naive(history, horizon),
    }


@dataclass(frozen=True)
class PastRecord:
    """Pooled scores over earlier origins, each forecast made with what was known then."""

    first: pd.Period
    last: pd.Period
    origins: int
    scores: tuple[Score, ...]
    wins: dict[str, float]  # share of origins where the model's p50 beat each naive forecast on WAPE


def past_record(table: ErrorTable, series: MonthlySeries, at: pd.Period, origins: int, tail: float) -> PastRecord:
    """Every origin o with o + horizon <= at among the last `origins`: the model's p50 and its
    band (errors known at o), the p50 corrected by the median past error, the naive forecasts, scored on the months after o
    (all known at `at`; `series` may hold more, it is cut at `at`)."""
    series = series.through(at)
    h = table.horizon
    obs_all: list[FloatArray] = []
    per: dict[str, list[FloatArray]] = {}
    lows: list[FloatArray] = []
    highs: list[FloatArray] = []
    wape_by_origin: dict[str, list[float]] = {}
    used: list[pd.Period] = []
    for k in range(origins, 0, -1):
        origin = at - h - k + 1
        i = int((origin - table.first).n)
        if i < 0:
            continue
        try:
            band = band_from(table.known_at(origin), tail)
        except ValueError:
            continue
        used.append(origin)
        raw = table.forecasts[i]
        observed = series.window(origin + 1, h)
        history = series.through(origin)
        cands = {MODEL: raw, CORRECTED: raw * np.exp(band.mid), **naive(history, h)}
        for name, f in cands.items():
            per.setdefault(name, []).append(f)
            wape_by_origin.setdefault(name, []).append(wape(f, observed))
        lows.append(raw * np.exp(band.low))
        highs.append(raw * np.exp(band.high))
        obs_all.append(observed)
    if not used:
        raise ValueError(f"no earlier origin with a calibrated band before {at}; expected a longer record")
    obs = np.concatenate(obs_all)
    out = []
    for name, fs in per.items():
        f = np.concatenate(fs)
        if name == MODEL:
            out.append(score(name, obs, f, np.concatenate(lows), np.concatenate(highs)))
        else:
            out.append(score(name, obs, f))
    ref = np.array(wape_by_origin[MODEL])
    wins = {n: float((ref < np.array(w)).mean()) for n, w in wape_by_origin.items() if n != MODEL}
    return PastRecord(used[0], used[-1], len(used), tuple(out), wins)
