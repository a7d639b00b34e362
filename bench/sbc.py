"""Simulation-based calibration of `borderflow calibrate`'s accepted sets.

    python bench/sbc.py [--truths 40] [--budget 48] [--seeds 1] [--seed 0] [--workers 2]

Draws `--truths` truths of three parameters from their prior, observes the small synthetic
scenario of src/borderflow/calibrate/sbc.py run with each, calibrates with `--budget`
candidates of `--seeds` runs, and counts how often the accepted sets' weighted 90% interval
holds the truth (a posterior: about 0.9), beside the old rule (the best 10% of candidates,
equal weights) scored on the same candidates. Prints the figures with a binomial 95%
interval for the coverage, and writes bench/results/sbc.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from scipy.stats import beta

from borderflow.calibrate.sbc import sbc
from borderflow.ensemble.executors import ProcessExecutor

RESULTS = Path(__file__).resolve().parent / "results"


def clopper_pearson(held: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval for a share of held / n."""
    a = (1 - level) / 2
    lo = float(beta.ppf(a, held, n - held + 1)) if held > 0 else 0.0
    hi = float(beta.ppf(1 - a, held + 1, n - held)) if held < n else 1.0
    return lo, hi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truths", type=int, default=40)
    parser.add_argument("--budget", type=int, default=48)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    t0 = time.perf_counter()
    ex = ProcessExecutor(args.workers)
    try:
        result = sbc(args.truths, args.budget, seeds=args.seeds, seed=args.seed, executor=ex)
    finally:
        ex.close()
    wall = time.perf_counter() - t0
    n = result["checks"]
    held = round(result["coverage_90"] * n)
    lo, hi = clopper_pearson(held, n)
    result.update(wall_s=wall, load_before=load, coverage_95ci=[lo, hi])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sbc.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.truths} truths x {len(result['parameters'])} parameters, {args.budget} candidates x {args.seeds} "
        f"seed(s): 90% intervals hold {held} of {n} truths, coverage {result['coverage_90']:.2f} "
        f"(95% CI {lo:.2f}-{hi:.2f}), mean width {result['width_90']:.2f} of the range; "
        f"old top-10% sets: coverage {result['top10_coverage_90']:.2f}, width {result['top10_width_90']:.2f}; "
        f"wall {wall:.0f} s (load {load[0]:.1f})"
    )
    for p in result["parameters"]:
        rows = [q for r in result["rows"] for q in r["params"] if q["path"] == p["path"]]
        cov = sum(q["interval"][0] <= q["truth"] <= q["interval"][1] for q in rows) / len(rows)
        top = sum(q["top10_interval"][0] <= q["truth"] <= q["top10_interval"][1] for q in rows) / len(rows)
        print(f"  {p['path']}: coverage {cov:.2f} (top-10% sets {top:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
