"""Identification test of issue 13 item 3 (docs/backtest.md): synthetic series with a known
step, then the real December 2023 question. Prints Markdown tables.

    .venv/bin/python scripts/backtest_identification.py [--trials 10] [--cbp DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.backtest.calibration import error_table
from borderflow.backtest.identify import WINDOW, synthetic_trial, total_null
from borderflow.monthly.series import MonthlySeries
from borderflow.record import cbp_folder, read_sectors

EFFECTS = [1.0, 0.9, 0.75, 0.5]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--fit-until", default="2023-12")
    ap.add_argument("--cbp", type=Path, default=None)
    args = ap.parse_args()
    origin = pd.Period(args.fit_until, freq="M")
    record = MonthlySeries.from_frame(read_sectors(cbp_folder(args.cbp), through=origin))
    trials = [t for seed in range(args.trials) for t in synthetic_trial(record, seed, EFFECTS)]
    print(
        f"synthetic: {args.trials} series (record's season, shares and one-month errors through {origin}), "
        "step from T+1, 3 months scored\n"
    )
    print(
        "| true effect | estimates p50 (median over series) | band holds the truth | identified (band excludes no effect) |"
    )
    print("|---|---|---|---|")
    for e in EFFECTS:
        ts = [t for t in trials if t.truth == e]
        mid = float(np.median([t.estimate.effect for t in ts]))
        holds = sum(t.estimate.holds(e) for t in ts)
        ident = sum(t.estimate.identified for t in ts)
        print(f"| {e:.2f} | {mid:.2f} | {holds} of {len(ts)} | {ident} of {len(ts)} |")
    detect = float(np.median([t.estimate.detectable for t in trials]))
    print(f"\nsmallest fall the synthetic data could tell from noise (median): x{detect:.2f}\n")
    horizon = 3
    table = error_table(record, origin - (horizon + WINDOW), horizon)
    null = total_null(table, record, origin, horizon)
    q = np.exp(np.quantile(null, [0.05, 0.5, 0.95]))
    print(
        f"real record through {origin}: the 3-month Southwest total's past errors ({len(null)} origins) "
        f"span x{q[0]:.2f} to x{q[2]:.2f} (median x{q[1]:.2f}); a measure's effect on Jan-Mar is identified "
        f"only if it moves the total below x{q[0]:.2f} or above x{q[2]:.2f} of the status-quo forecast"
    )


if __name__ == "__main__":
    main()
