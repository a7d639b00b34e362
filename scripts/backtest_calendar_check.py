"""The check behind the backtest's calendar correction (docs/backtest.md): the monthly model's
3-month forecasts at every origin from January 2010, raw and corrected by the median past
error from the same calendar month's origins (K years; the Southwest total's error, or each
sector's), each correction using only errors known at its origin. Prints pooled WAPE by period.

    .venv/bin/python scripts/backtest_calendar_check.py [--cbp DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.backtest.calibration import error_table
from borderflow.monthly.series import MonthlySeries
from borderflow.record import cbp_folder, read_sectors

H = 3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cbp", type=Path, default=None)
    args = ap.parse_args()
    series = MonthlySeries.from_frame(read_sectors(cbp_folder(args.cbp)))
    first = series.first + 35
    table = error_table(series, first, H)
    e, f = table.errors, table.forecasts
    results: dict[str, list[tuple[pd.Period, float, float]]] = {}
    for i in range(len(e)):
        origin = first + i
        if origin < pd.Period("2010-01", freq="M") or origin + H > series.last:
            continue
        observed = series.window(origin + 1, H)
        cands = {"raw": f[i]}
        for k in (5, 8, 12):
            idx = [i - 12 * j for j in range(1, k + 1) if i - 12 * j >= 0]
            cands[f"sector K={k}"] = f[i] * np.exp(np.nanmedian(e[idx], axis=0))
            total = np.log((np.exp(e[idx]) * f[idx]).sum(axis=2) / f[idx].sum(axis=2))
            cands[f"total K={k}"] = f[i] * np.exp(np.nanmedian(total, axis=0))[:, None]
        for name, fc in cands.items():
            results.setdefault(name, []).append((origin, float(np.abs(fc - observed).sum()), float(observed.sum())))
    periods: dict[str, Callable[[pd.Period], bool]] = {
        "2010-01 to 2023-09": lambda o: True,
        "2016-01 to 2023-09": lambda o: o.year >= 2016,
        "2020-10 to 2023-09": lambda o: o >= pd.Period("2020-10", freq="M"),
        "December origins": lambda o: o.month == 12,
    }
    print("| correction | " + " | ".join(periods) + " |")
    print("|---|" + "---|" * len(periods))
    for name, rows in results.items():
        cells = []
        for keep in periods.values():
            sel = [r for r in rows if keep(r[0])]
            cells.append(f"{sum(r[1] for r in sel) / sum(r[2] for r in sel):.3f} ({len(sel)})")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
