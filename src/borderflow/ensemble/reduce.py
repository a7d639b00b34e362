"""Quantile bands over members, read from disk one series at a time (memory bounded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from borderflow.ensemble.store import finished, read_member

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantile_bands(values: NDArray[np.float64], quantiles: tuple[float, ...] = QUANTILES) -> NDArray[np.float64]:
    """(members, days) -> (quantiles, days)."""
    out: NDArray[np.float64] = np.quantile(values, quantiles, axis=0)
    return out


def stored_series(out: Path) -> list[str]:
    """The series names in the first finished member file (all members hold the same)."""
    done = sorted(finished(out))
    if not done:
        return []
    return list(read_member(out, done[0]))


def bands(out: str | Path, series: list[str] | None = None, memory_mb: float = 256.0) -> dict[str, NDArray[np.float64]]:
    """Per series name, its (5 quantiles, days) band over the finished members.

    Exact quantiles need every member's value of a day, so series are reduced in groups
    that fit in `memory_mb` (members x days x 8 bytes each); each group is one pass over the
    member files reading only its columns. Whatever N, at most one group is in memory.
    """
    out = Path(out)
    done = sorted(finished(out))
    names = series or stored_series(out)
    if not done or not names:
        return {}
    days = len(read_member(out, done[0], names[:1])[names[0]])
    per_series = max(len(done) * days * 8, 1)
    group = max(1, int(memory_mb * 2**20 // per_series))
    result: dict[str, NDArray[np.float64]] = {}
    for start in range(0, len(names), group):
        chunk = names[start : start + group]
        stack = {name: np.empty((len(done), days)) for name in chunk}
        for row, k in enumerate(done):
            for name, values in read_member(out, k, chunk).items():
                stack[name][row] = values
        for name in chunk:
            result[name] = quantile_bands(stack.pop(name))
    return result


def bands_table(out: str | Path, series: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Tidy table: series, day, q05, q25, q50, q75, q95."""
    import pandas as pd

    frames = []
    for name, b in bands(out, series).items():
        frames.append(
            pd.DataFrame(
                {
                    "series": name,
                    "day": np.arange(b.shape[1]),
                    **{f"q{int(q * 100):02d}": b[i] for i, q in enumerate(QUANTILES)},
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
