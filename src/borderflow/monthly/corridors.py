"""Corridors from the record: which sectors each origin group's people are met in.

The sector series and the citizenship series count the same Southwest encounters, one by
where, one by who. Over a window of months, each sector's count is regressed on the groups'
counts with non-negative coefficients (NNLS): coefficient (g, s) is the share of group g's
people met in sector s. Normalised per group, that is the corridor matrix P(sector | group),
what the engine's `corridors` component takes; the sector split it implies for a month is the
month's group mix times the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray

WINDOW = 24  # months the corridors are fitted on: two years, so a season does not pass for a corridor
TOP_GROUPS = 8  # citizenships named on their own (by encounters over the window); the rest are "other"


@dataclass(frozen=True)
class Corridors:
    groups: tuple[str, ...]
    sectors: tuple[str, ...]
    matrix: FloatArray  # (groups, sectors): share of each group's people met in each sector; rows sum to 1 (or 0)
    fit_error: float  # share dissimilarity of the fitted split over the window (mean over months)

    def split(self, group_counts: FloatArray) -> FloatArray:
        """The sector split (shares) implied by a group mix (counts per group)."""
        counts = group_counts @ self.matrix
        total = counts.sum()
        out: FloatArray = counts / total if total > 0 else np.full(len(self.sectors), 1.0 / len(self.sectors))
        return out


def group_mix(citizenship: MonthlySeries, last_months: int = WINDOW) -> MonthlySeries:
    """The citizenship series with the TOP_GROUPS largest citizenships over its last months kept
    and the rest summed as 'other'."""
    recent = citizenship.counts[-last_months:].sum(axis=0)
    top = np.argsort(-recent, kind="stable")[:TOP_GROUPS]
    rest = np.setdiff1d(np.arange(len(citizenship.sectors)), top)
    counts = np.column_stack([citizenship.counts[:, top], citizenship.counts[:, rest].sum(axis=1)])
    names = (*(citizenship.sectors[i] for i in top), "other")
    return MonthlySeries(citizenship.first, names, counts)


def fit_corridors(sectors: MonthlySeries, citizenship: MonthlySeries, window: int = WINDOW) -> Corridors:
    """Corridors fitted on the last `window` months both series hold (cut both at the origin first)."""
    if sectors.last != citizenship.last or sectors.first > citizenship.last:
        raise ValueError(
            f"the series end in different months ({sectors.last} and {citizenship.last}); expected the same origin"
        )
    groups = group_mix(citizenship, window)
    n = min(window, len(sectors.counts), len(groups.counts))
    x, y = groups.counts[-n:], sectors.counts[-n:]
    coef = np.column_stack([nnls(x, y[:, s])[0] for s in range(y.shape[1])])
    rows = coef.sum(axis=1, keepdims=True)
    matrix = np.divide(coef, rows, out=np.zeros_like(coef), where=rows > 0)
    fitted = x @ coef
    fit_p = fitted / np.maximum(fitted.sum(axis=1, keepdims=True), 1e-12)
    obs_p = y / y.sum(axis=1, keepdims=True)
    error = float((0.5 * np.abs(fit_p - obs_p).sum(axis=1)).mean())
    return Corridors(groups.sectors, sectors.sectors, matrix, error)
