"""Monthly counts by sector as one array: the shape every forecast here reads and returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.network.graph import FloatArray


@dataclass(frozen=True)
class MonthlySeries:
    """Counts (months, sectors) for consecutive months from `first`."""

    first: pd.Period
    sectors: tuple[str, ...]
    counts: FloatArray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, column: str = "sector", *, absent_is_zero: bool = False) -> MonthlySeries:
        """From a tidy frame (month, <column>, encounters). A month with no row at all is an
        error (the record has no gaps), never a silent zero; a month without some <column> is
        too, unless `absent_is_zero` (the citizenship file lists only the citizenships met)."""
        wide = frame.pivot_table(index="month", columns=column, values="encounters", aggfunc="sum")
        if wide.empty:
            raise ValueError("no months in the record; expected at least one")
        full = pd.period_range(wide.index.min(), wide.index.max(), freq="M")
        wide = wide.reindex(full)
        empty = wide.isna().all(axis=1)
        if empty.any():
            raise ValueError(f"no row for {wide.index[empty][0]}; expected every month from {full[0]} to {full[-1]}")
        if absent_is_zero:
            wide = wide.fillna(0.0)
        if wide.isna().to_numpy().any():
            where = wide.index[wide.isna().any(axis=1)][0]
            raise ValueError(f"no count for some {column} in {where}; expected every month for every {column}")
        return cls(full[0], tuple(str(c) for c in wide.columns), wide.to_numpy(dtype=np.float64))

    @property
    def months(self) -> pd.PeriodIndex:
        return pd.period_range(self.first, periods=len(self.counts), freq="M")

    @property
    def last(self) -> pd.Period:
        return self.first + (len(self.counts) - 1)

    def position(self, month: pd.Period) -> int:
        """Row of `month` (an error outside the series)."""
        k = int((month - self.first).n)
        if not 0 <= k < len(self.counts):
            raise ValueError(f"{month} outside the record ({self.first} to {self.last})")
        return k

    def through(self, month: pd.Period) -> MonthlySeries:
        """The months up to and including `month`: all a fit made then may see."""
        return MonthlySeries(self.first, self.sectors, self.counts[: self.position(month) + 1])

    def window(self, first: pd.Period, months: int) -> FloatArray:
        """`months` rows from `first`."""
        k = self.position(first)
        if k + months > len(self.counts):
            raise ValueError(f"{months} months from {first} run past the record's end ({self.last})")
        out: FloatArray = self.counts[k : k + months]
        return out

    def calendar_months(self) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
        """Calendar month (1-12) of each row."""
        return ((self.first.month - 1 + np.arange(len(self.counts))) % 12 + 1).astype(np.int64)
