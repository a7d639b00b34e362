"""The change from the origin month to the months forecast, split into parts that multiply:

    package / origin = (fitted level now / origin month) x season x (level's trend) x measures

- season: the monthly model's seasonal factors of the months ahead over the origin month's,
  weighted by the fitted sector shares; its band is the spread (p05-p95) of the same change
  in each of the last SEASON_YEARS years' detrended record (what one year's season did);
- level: the fitted level's damped trend, and how far the origin month sat from the fitted
  level (a month above its level is expected to fall back);
- measures: the engine's effect on the Southwest total (members' ratios, p05-p95).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.backtest.run import Backtest
from borderflow.monthly.seasonality import _deviations
from borderflow.monthly.series import MonthlySeries

SEASON_YEARS = 10


@dataclass(frozen=True)
class Part:
    name: str
    p50: float  # factor (1 = no change)
    p05: float | None
    p95: float | None

    def as_dict(self) -> dict[str, float | str | None]:
        return {"part": self.name, "p50": self.p50, "p05": self.p05, "p95": self.p95}


def season_years(history: MonthlySeries, horizon: int) -> list[float]:
    """The detrended total's change from each past same calendar month to the mean of the
    `horizon` months after it, for the last SEASON_YEARS years where it is defined."""
    dev = _deviations(np.log(np.maximum(history.counts.sum(axis=1), 1.0)))
    out = []
    for k in range(len(dev) - 1 - 12, -1, -12):
        ahead = dev[k + 1 : k + 1 + horizon]
        if len(ahead) < horizon or not np.isfinite(dev[k]) or not np.isfinite(ahead).all():
            continue
        out.append(float(np.exp(ahead - dev[k]).mean()))
        if len(out) == SEASON_YEARS:
            break
    return out


def decompose(bt: Backtest, package: str, observed_origin: float) -> list[Part]:
    """Parts of the change from the origin month (its observed Southwest total) to the mean of
    the months forecast under `package`."""
    fit = bt.fit
    h = len(bt.months)
    shares = fit.shares.shares
    origin_month = np.array([fit.history.last.month], dtype=np.int64)
    ahead = np.array([m.month for m in bt.months], dtype=np.int64)
    f_origin = float(shares @ fit.season.of(origin_month)[0])
    f_ahead = fit.season.of(ahead) @ shares
    level_now = float(np.exp(fit.level.level))
    path = np.exp(fit.level.path(h))
    season = float((f_ahead * path).mean() / path.mean() / f_origin)
    trend = float(path.mean() / level_now)
    start = level_now * f_origin / observed_origin
    years = season_years(fit.history, h)
    s05, s95 = (float(np.quantile(years, q)) for q in (0.05, 0.95)) if len(years) >= 3 else (None, None)
    model = bt.model
    r = bt.effect.ratios[package]  # (members, months, sectors)
    total = (r * model[None]).sum(axis=(1, 2)) / model.sum()
    measures = Part("measures (engine effect on the total)", *(float(np.quantile(total, q)) for q in (0.5, 0.05, 0.95)))
    return [
        Part("origin month vs its fitted level", start, None, None),
        Part("season", season, s05, s95),
        Part("level trend", trend, None, None),
        measures,
    ]
