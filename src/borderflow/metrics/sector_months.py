"""Simulated Border Patrol encounters against the record, by sector and calendar month.

Pure: takes the run's daily encounters per model sector and the record as a tidy frame
(month, sector, encounters; borderflow.record.read_sectors) and returns the matched table
and its scores. Only whole calendar months inside the run's period are scored, and only
months where the record holds every matched sector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from borderflow.metrics.forecast import share_dissimilarity, wape

if TYPE_CHECKING:
    import pandas as pd


def whole_months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """(year, month) of every calendar month lying wholly within first..last (both included)."""
    y, m = (first.year, first.month) if first.day == 1 else _next(first.year, first.month)
    out: list[tuple[int, int]] = []
    while True:
        ny, nm = _next(y, m)
        if dt.date(ny, nm, 1) - dt.timedelta(days=1) > last:
            return out
        out.append((y, m))
        y, m = ny, nm


def _next(y: int, m: int) -> tuple[int, int]:
    return (y + 1, 1) if m == 12 else (y, m + 1)


@dataclass(frozen=True)
class SectorMonths:
    """Simulated and observed encounters, (months, record sectors) each, and the scores."""

    months: tuple[str, ...]  # 'YYYY-MM'
    sectors: tuple[str, ...]  # the record's sector names, in the scenario's order
    simulated: NDArray[np.float64]
    observed: NDArray[np.float64]

    def rows(self) -> list[dict[str, Any]]:
        """One row per month and sector: month, sector, simulated, observed."""
        return [
            {
                "month": m,
                "sector": s,
                "simulated": float(self.simulated[i, j]),
                "observed": float(self.observed[i, j]),
            }
            for i, m in enumerate(self.months)
            for j, s in enumerate(self.sectors)
        ]

    def relative_differences(self) -> NDArray[np.float64]:
        """Per month: sum over sectors of |simulated - observed| / the month's observed total
        (Flee's daily relative difference, by month)."""
        out: NDArray[np.float64] = np.abs(self.simulated - self.observed).sum(axis=1) / np.maximum(
            self.observed.sum(axis=1), 1.0
        )
        return out

    def share_dissimilarities(self) -> list[float]:
        """Per month: half the sum of |simulated share - observed share| (NaN if either is empty)."""
        out = []
        for s, o in zip(self.simulated, self.observed, strict=True):
            out.append(share_dissimilarity(s, o) if s.sum() > 0 and o.sum() > 0 else float("nan"))
        return out

    def summary(self) -> dict[str, Any]:
        """The scores (means over months) with the per-month breakdown, for metrics.json."""
        rel, dis = self.relative_differences(), self.share_dissimilarities()
        finite = [d for d in dis if np.isfinite(d)]
        return {
            "months": list(self.months),
            "sectors": list(self.sectors),
            "averaged_relative_difference": float(rel.mean()),
            "wape": wape(self.simulated, self.observed),
            "share_dissimilarity": float(np.mean(finite)) if finite else float("nan"),
            "per_month": [
                {
                    "month": m,
                    "simulated": float(self.simulated[i].sum()),
                    "observed": float(self.observed[i].sum()),
                    "relative_difference": float(rel[i]),
                    "share_dissimilarity": dis[i],
                }
                for i, m in enumerate(self.months)
            ],
            "rows": self.rows(),
        }


def scored_months(
    first: dt.date, last: dt.date, matched: Mapping[str, str], record: pd.DataFrame
) -> list[tuple[int, int]]:
    """The months a run from `first` to `last` is scored on: whole calendar months of the run
    for which the record holds every matched sector. Raises ValueError naming a record sector
    the record never mentions."""
    known = set(record["sector"])
    for model_sector, name in matched.items():
        if name not in known:
            raise ValueError(
                f"{model_sector!r} names {name!r}, not a sector of the record; expected one of "
                f"{', '.join(sorted(known)) or 'none (the record holds no rows for the region)'}"
            )
    held = set(zip(_ordinals(record), record["sector"], strict=True))
    return [(y, m) for y, m in whole_months(first, last) if all((y * 12 + m - 1, n) in held for n in matched.values())]


def _ordinals(record: pd.DataFrame) -> list[int]:
    return [int(p.year) * 12 + int(p.month) - 1 for p in record["month"]]


def score_sector_months(
    dates: Sequence[dt.date],
    encounters: NDArray[np.float64],
    model_sectors: Sequence[str],
    matched: Mapping[str, str],
    record: pd.DataFrame,
) -> SectorMonths:
    """Match the run's daily encounters (days, model sectors) to the record by month.

    `matched`: model sector -> record sector name; `record`: (month, sector, encounters)
    rows (any other columns ignored). Months as `scored_months`."""
    names = list(dict.fromkeys(matched.values()))
    months = scored_months(dates[0], dates[-1], matched, record)
    observed = dict(zip(zip(_ordinals(record), record["sector"], strict=True), record["encounters"], strict=True))
    day_month = np.array([d.year * 12 + d.month - 1 for d in dates])
    column = {s: j for j, s in enumerate(model_sectors)}
    sim = np.zeros((len(months), len(names)))
    obs = np.zeros((len(months), len(names)))
    for i, (y, m) in enumerate(months):
        key = y * 12 + m - 1
        in_month = day_month == key
        for model_sector, name in matched.items():
            sim[i, names.index(name)] += float(encounters[in_month, column[model_sector]].sum())
        obs[i] = [float(observed[(key, name)]) for name in names]
    return SectorMonths(
        months=tuple(f"{y:04d}-{m:02d}" for y, m in months), sectors=tuple(names), simulated=sim, observed=obs
    )
