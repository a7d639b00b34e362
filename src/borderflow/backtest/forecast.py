"""The backtest forecast: status quo from the monthly model fitted up to the origin, its band
from the model's own past errors, and each package as status quo times the engine's effect.

For sector s, month h ahead and package P, the forecast's log is
    log model[h, s] + e + log r
with e drawn from the known past errors at horizon h in sector s (calibration.py) and r from
the members' ratios of P to status quo (effect.py). Every pair (e, r) counts once: the p05,
p50 and p95 are quantiles of that finite set, no random numbers, so the same inputs give
the same bytes. The p50 is the model's mean path times the members' median ratio, not
corrected by the median past error: over the 36 origins before December 2023 the correction
made the WAPE worse (0.285 against 0.262, `borderflow backtest` prints both), so the past
errors set the band only. Status quo has r = 1: its band is the past errors' band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.backtest.calibration import Band
from borderflow.backtest.effect import Effect
from borderflow.network.graph import FloatArray


@dataclass(frozen=True)
class PackageForecast:
    package: str
    p05: FloatArray  # (months, sectors)
    p50: FloatArray
    p95: FloatArray


def combine(model: FloatArray, band: Band, ratios: FloatArray | None) -> PackageForecast:
    """Quantiles of model x exp(e) x r over every known error e and member ratio r.
    `ratios`: (members, months, sectors), or None for status quo."""
    horizon, sectors = model.shape
    out = np.empty((3, horizon, sectors))
    for h in range(horizon):
        for s in range(sectors):
            e = band.samples[h][s]
            r = np.zeros(1) if ratios is None else np.log(np.maximum(ratios[:, h, s], 1e-9))
            logs = (e[:, None] + r[None, :]).ravel()
            lo, hi = np.quantile(logs, (band.tail, 1 - band.tail))
            mid = float(np.median(r))
            out[:, h, s] = model[h, s] * np.exp([min(lo, mid), mid, max(hi, mid)])
    return PackageForecast("", out[0], out[1], out[2])


def forecasts(model: FloatArray, band: Band, effect: Effect) -> list[PackageForecast]:
    """One forecast per package of the effect (status quo first). Status quo goes through the
    same quantiles with its ratios of 1, so a package identical to it (before it starts) gives
    the same numbers."""
    out = []
    for package in effect.packages:
        f = combine(model, band, effect.ratios[package])
        out.append(PackageForecast(package, f.p05, f.p50, f.p95))
    return out


def frame(results: list[PackageForecast], months: list[pd.Period], sectors: tuple[str, ...]) -> pd.DataFrame:
    """The forecast table: policy, month (YYYY-MM), sector, p05, p50, p95 (encounters, rounded
    to whole people: the record counts people)."""
    rows = []
    for f in results:
        for i, m in enumerate(months):
            for j, s in enumerate(sectors):
                rows.append((f.package, str(m), s, *(round(float(x[i, j])) for x in (f.p05, f.p50, f.p95))))
    return pd.DataFrame(rows, columns=["policy", "month", "sector", "p05", "p50", "p95"])
