"""Calibration on Flee's validation folders: fit on the first two thirds, score the last third.

    python bench/calibrate.py [--scenarios mali2012 burundi car] [--budget N] [--seeds K]
                              [--workers 2] [--flee-runs 3] [--shared PATH]

For each folder (mali2012 at its own hasten 10; burundi and car at hasten 10, where Flee 3.1
runs in minutes), `borderflow calibrate` runs as a child process with the default parameter
set (the movement rules, docs/calibration.md), --fit-until the last day of the first two
thirds of the period. Its wall time and the CPU time of it and its workers are measured,
with the machine's load average around it (the machine is shared).

Flee 3.1 is run `--flee-runs` times (seeds 0..N-1) with each folder's own simsetting.yml
(its hand-set rules: the settings Flee's users publish) by bench/flee_driver.py in the Flee
venv (see compare_flee.py), and scored over the same last third with the same metric.

Prints a Markdown table and writes bench/results/calibrate-<scenario>.json; the calibration
folders go to bench/results/calibrate/<scenario>/ (made afresh each time, so the time is a
whole calibration's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from borderflow.metrics import averaged_relative_difference
from borderflow.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SCENARIOS = ("mali2012", "burundi", "car")
HASTEN = {"burundi": 10, "car": 10}  # Flee 3.1 needs 10 minutes (burundi) to over half an hour (car) at 1
# candidates and seeds per candidate: mali2012 as the 10-minute target states it; the longer
# periods (burundi 396 days, car 820) get half the candidates and 3 seeds on the shared machine
PLAN = {"mali2012": (96, 5), "burundi": (48, 3), "car": (48, 3)}


def fit_until(folder: Path, hasten: int | None) -> tuple[dt.date, int, int]:
    """The last day of the first two thirds, the first scored day's index and the period's length."""
    sc = load_scenario(folder)
    fitted = 2 * sc.days // 3
    return sc.start_date + dt.timedelta(days=fitted - 1), fitted, sc.days


def run_calibration(folder: Path, hasten: int | None, until: dt.date, args: argparse.Namespace) -> dict[str, Any]:
    out = RESULTS / "calibrate" / folder.name
    shutil.rmtree(out, ignore_errors=True)  # the bench's own folder: a fresh calibration, timed whole
    cmd = [sys.executable, "-m", "borderflow.cli", "calibrate", str(folder), "--fit-until", until.isoformat()]
    budget, seeds = PLAN.get(folder.name, (96, 5))
    budget, seeds = args.budget or budget, args.seeds or seeds
    cmd += ["--budget", str(budget), "--seeds", str(seeds), "--workers", str(args.workers)]
    cmd += ["--out", str(out)]
    if hasten is not None:
        cmd += ["--hasten", str(hasten)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"calibrate {folder.name} failed ({proc.returncode}): {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads((out / "calibration.json").read_text())
    return {
        "budget": budget,
        "seeds": seeds,
        "command": " ".join(cmd[2:]),
        "wall_s": wall,
        "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "stdout": proc.stdout,
        "calibration": result,
    }


def flee_errors(folder: Path, hasten: int, first_out: int, runs: int, flee_python: Path) -> list[float]:
    """Flee 3.1's averaged relative difference over the scored days, one per run (seeds 0..runs-1)."""
    errors = []
    for seed in range(runs):
        out = RESULTS / "raw" / f"calibrate-flee-{folder.name}-h{hasten}-s{seed}.json"
        if not out.exists():
            cmd = [str(flee_python), str(BENCH / "flee_driver.py"), str(folder), str(out)]
            subprocess.run([*cmd, "--hasten", str(hasten), "--seed", str(seed)], check=True, capture_output=True)
        data = json.loads(out.read_text())
        sim = {k: np.asarray(v, dtype=np.float64)[first_out:] for k, v in data["sim"].items()}
        obs = {k: np.asarray(v, dtype=np.float64)[first_out:] for k, v in data["obs"].items()}
        errors.append(averaged_relative_difference(sim, obs))
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--budget", type=int, default=None, help="candidates (default: PLAN)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per candidate (default: PLAN)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--flee-runs", type=int, default=3, help="0: leave Flee's column empty")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args(argv)
    flee_python = None
    if args.flee_runs:
        sys.path.insert(0, str(BENCH))
        from compare_flee import ensure_flee_python

        flee_python = ensure_flee_python(ROOT / ".venv-flee")
    rows = []
    for name in args.scenarios:
        folder = args.shared / "scenarios" / "flee" / name
        hasten = HASTEN.get(name)
        until, first_out, days = fit_until(folder, hasten)
        row: dict[str, Any] = {"scenario": name, "hasten": hasten or load_scenario(folder).hasten}
        row.update(fit_until=until.isoformat(), fitted_days=first_out, scored_days=days - first_out)
        row.update(run_calibration(folder, hasten, until, args))
        if flee_python is not None:
            row["flee_errors"] = flee_errors(folder, row["hasten"], first_out, args.flee_runs, flee_python)
        rows.append(row)
        (RESULTS / f"calibrate-{name}.json").write_text(json.dumps(row, indent=1), encoding="utf-8")
        print(_line(row), flush=True)
    print(markdown(rows))
    return 0


def _line(row: dict[str, Any]) -> str:
    oos = row["calibration"]["out_of_sample"]
    return (
        f"{row['scenario']}: out of sample {oos['averaged_relative_difference']:.3f}, wall {row['wall_s']:.0f} s, "
        f"cpu {row['cpu_s']:.0f} s, load {row['load_before'][0]:.1f} -> {row['load_after'][0]:.1f}"
    )


def markdown(rows: list[dict[str, Any]]) -> str:
    head = (
        "| scenario | hasten | fitted / scored days | candidates x seeds | Flee 3.1 (own settings) | borderflow, scenario as given | "
        "borderflow, calibrated | naive forecast | MASE vs naive | calibrated, from the observed state | its MASE vs naive | "
        "calibration wall / CPU s (load) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        oos = r["calibration"]["out_of_sample"]
        flee = f"{np.mean(r['flee_errors']):.3f}" if r.get("flee_errors") else "not run"
        lines.append(
            f"| {r['scenario']} | {r['hasten']} | {r['fitted_days']} / {r['scored_days']} | "
            f"{r['budget']} x {r['seeds']} | {flee} | "
            f"{oos['scenario_as_given']['averaged_relative_difference']:.3f} | "
            f"{oos['averaged_relative_difference']:.3f} | {oos['naive']['averaged_relative_difference']:.3f} | "
            f"{oos['mase_vs_naive']:.2f} | {_from_observed(oos)} | "
            f"{r['wall_s']:.0f} / {r['cpu_s']:.0f} ({r['load_before'][0]:.1f}) |"
        )
    return "\n".join(lines)


def _from_observed(oos: dict[str, Any]) -> str:
    """The forecast from the observed state on the fit date: error and MASE vs naive."""
    reset = oos.get("from_observed_state")
    if reset is None:
        return "not run | not run"
    return f"{reset['averaged_relative_difference']:.3f} | {reset['mase_vs_naive']:.2f}"


def rescore(names: list[str]) -> None:
    """Re-read each scenario's calibration.json into its bench row (after a resumed calibration
    added scores; the candidates, wall and CPU times are the original run's) and print the table."""
    rows = []
    for name in names:
        path = RESULTS / f"calibrate-{name}.json"
        row = json.loads(path.read_text())
        row["calibration"] = json.loads((RESULTS / "calibrate" / name / "calibration.json").read_text())
        path.write_text(json.dumps(row, indent=1), encoding="utf-8")
        rows.append(row)
    print(markdown(rows))


if __name__ == "__main__":
    sys.exit(main())
