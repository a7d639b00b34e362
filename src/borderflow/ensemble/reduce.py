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


def series_names(out: Path) -> list[str]:
    done = sorted(finished(out))
    if not done:
        return []
    return list(read_member(out, done[0]))


def bands(out: str | Path, series: list[str] | None = None) -> dict[str, NDArray[np.float64]]:
    """Per series name, its (5 quantiles, days) band over the finished members."""
    out = Path(out)
    done = sorted(finished(out))
    names = series or series_names(out)
    result: dict[str, NDArray[np.float64]] = {}
    for name in names:
        stack = np.stack([read_member(out, k, [name])[name] for k in done])
        result[name] = quantile_bands(stack)
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
