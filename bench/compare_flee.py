"""Flee 3.1 and borderflow side by side: errors on Flee's validation folders, speed, memory.

    python bench/compare_flee.py [--quick] [--scenarios mali2012 burundi car]
                                 [--flee-runs N] [--jobs N] [--shared PATH]
                                 [--flee-demographics]

Every run is a child process of its own, so that wall time and peak RSS belong to one
tool (each driver reports its own peak, see memory.py):

* Flee runs ``bench/flee_driver.py`` in the Flee venv (``.venv-flee``, made from
  ``bench/flee-requirements.txt`` when missing or out of date);
* borderflow runs ``bench/borderflow_driver.py`` in this interpreter.

Error rows: each folder at its own simsetting.yml hasten (mali2012 10, burundi 1), except
car at 10 for both tools (Flee needs well over half an hour at 1). Flee is scored over
``--flee-runs`` runs (seeds 0..N-1), borderflow over seeds 0..4; both with
``borderflow.metrics.averaged_relative_difference``; borderflow spawns by Flee 3.1's rule
(``borderflow_driver.py --spawning flee31``: the change in the total file). Speed row: mali2012 at hasten 1, one
run of each, run alone after the error rows. Flee runs without its per-agent logging and
without drawing agent demographics (see flee_driver.py): neither changes a count.

Prints the tables (Markdown) and writes ``bench/results/latest.json``; each child's JSON
(with the daily series) and log go to ``bench/results/raw/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

try:
    from borderflow.metrics import averaged_relative_difference
except ImportError as exc:
    sys.exit(f"compare_flee.py: cannot import borderflow.metrics ({exc}); is the project installed here?")

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
REQUIREMENTS = BENCH / "flee-requirements.txt"
RESULTS = BENCH / "results"
SCENARIOS = ("mali2012", "burundi", "car")
HASTEN_OVERRIDE = {"car": 10}  # Flee takes well over half an hour on car at hasten 1
SPEED_CASE = ("mali2012", 1)
QUICK_CASE = ("mali2012", 10)
BORDERFLOW_SEEDS = (0, 1, 2, 3, 4)
OBS_MISMATCH_WARN = 0.01


@dataclass
class Child:
    """One finished child process: its exit code, wall time and JSON output."""

    label: str
    returncode: int
    process_seconds: float
    output: dict[str, Any] | None
    log: Path

    def failure(self) -> str | None:
        if self.returncode == 0 and self.output is not None:
            return None
        tail = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        return f"{self.label}: exit {self.returncode}; log {self.log}: " + " | ".join(tail)


TIMED_OUT = -9  # Child.returncode of a child stopped at its timeout


def run_child(label: str, cmd: Sequence[str], out: Path, timeout: float | None = None, reuse: bool = False) -> Child:
    """Run ``cmd`` (which writes ``out``), its output going to a log beside ``out``;
    a child still running after ``timeout`` seconds is killed and its log says so.
    With ``reuse``, an ``out`` (or, for a failed run, a log) already there is taken as
    this run's (its process seconds are then unknown: NaN)."""
    log = out.with_suffix(".log")
    if reuse and (out.exists() or log.exists()):
        print(f"  {label}: reused {out.name if out.exists() else log.name}", file=sys.stderr)
        if out.exists():
            return Child(label, 0, float("nan"), json.loads(out.read_text(encoding="utf-8")), log)
        stopped = log.read_text(encoding="utf-8", errors="replace").rstrip().endswith(" s")
        return Child(label, TIMED_OUT if stopped else 1, float("nan"), None, log)
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        try:
            proc = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, check=False, timeout=timeout)
            returncode = proc.returncode
        except subprocess.TimeoutExpired:
            returncode = TIMED_OUT
            handle.write(f"\nstopped: still running after {timeout:.0f} s\n")
    seconds = time.perf_counter() - start
    output = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    print(f"  {label}: exit {returncode}, {seconds:.1f} s", file=sys.stderr)
    return Child(label, returncode, seconds, output, log)


def ensure_flee_python(venv: Path) -> Path:
    """The Flee venv's python, (re)installing bench/flee-requirements.txt when needed."""
    python = venv / "bin" / "python"
    stamp = venv / ".bench-requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    print(f"Installing Flee 3.1 into {venv} ...", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]
    subprocess.run(pip, check=True)
    stamp.write_text(digest + "\n")
    return python


def own_hasten(folder: Path) -> int:
    """``optimisations.hasten`` of the folder's simsetting.yml (Flee's default: 1)."""
    path = folder / "simsetting.yml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return int(((settings or {}).get("optimisations") or {}).get("hasten", 1))


@dataclass
class Bench:
    """Where things are and how to start each tool."""

    shared: Path
    flee_python: Path
    raw: Path
    flee_demographics: bool = False
    collection: str = "flee"  # the folder of ../shared/scenarios the scenarios are in
    reuse: bool = False  # take a run whose JSON is already in ``raw`` as done (resume)

    def folder(self, scenario: str) -> Path:
        return self.shared / "scenarios" / self.collection / scenario

    def flee(self, scenario: str, hasten: int, seed: int, timeout: float | None = None) -> Child:
        out = self.raw / f"{scenario}-h{hasten}-flee-seed{seed}.json"
        cmd = [
            str(self.flee_python),
            str(BENCH / "flee_driver.py"),
            str(self.folder(scenario)),
            str(out),
            "--hasten",
            str(hasten),
            "--seed",
            str(seed),
        ]
        if self.flee_demographics:
            cmd.append("--demographics")
        return run_child(f"flee {scenario} h{hasten} seed {seed}", cmd, out, timeout, self.reuse)

    def borderflow(self, scenario: str, hasten: int, seeds: Sequence[int]) -> Child:
        tag = "-".join(map(str, seeds))
        out = self.raw / f"{scenario}-h{hasten}-borderflow-seeds{tag}.json"
        cmd = [
            sys.executable,
            str(BENCH / "borderflow_driver.py"),
            str(self.folder(scenario)),
            str(out),
            "--hasten",
            str(hasten),
            "--seeds",
            *map(str, seeds),
        ]
        return run_child(f"borderflow {scenario} h{hasten} seeds {tag}", cmd, out, reuse=self.reuse)


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def flee_summary(children: Sequence[Child]) -> dict[str, Any]:
    """Flee's errors (mean over runs) and per-run figures."""
    runs = []
    for child in children:
        out = child.output
        if child.failure() or out is None:
            continue
        runs.append(
            {
                "seed": out["seed"],
                "error": averaged_relative_difference(out["sim"], out["obs"]),
                "error_rescaled": averaged_relative_difference(out["sim"], out["obs"], rescaled=True),
                "wall_seconds": out["setup_seconds"] + out["loop_seconds"],
                "loop_seconds": out["loop_seconds"],
                "process_seconds": child.process_seconds,
                "peak_rss_mb": out["peak_rss_kb"] / 1024,
                "start_rss_mb": out["rss_start_kb"] / 1024,
                "agent_steps": out["agent_steps"],
                "agent_steps_per_s": out["agent_steps"] / out["loop_seconds"],
            }
        )
    return {
        "error": _mean([r["error"] for r in runs]),
        "error_rescaled": _mean([r["error_rescaled"] for r in runs]),
        "runs": runs,
    }


def borderflow_summary(child: Child) -> dict[str, Any]:
    """borderflow's errors (mean over seeds, by borderflow's own metrics) and figures."""
    out = child.output
    if child.failure() or out is None:
        return {"error": None, "error_rescaled": None, "runs": []}
    runs = [{k: v for k, v in run.items() if k != "sim"} for run in out["runs"]]
    errors = [r["error"] for r in runs]
    return {
        "error": _mean(errors),
        "error_rescaled": _mean([r["error_rescaled"] for r in runs]),
        "error_seed_range": [min(errors), max(errors)] if errors else None,
        "wall_seconds": out["load_seconds"] + sum(r["run_seconds"] for r in runs),
        "process_seconds": child.process_seconds,
        "peak_rss_mb": out["peak_rss_kb"] / 1024,
        "start_rss_mb": out["rss_start_kb"] / 1024,
        "runs": runs,
    }


def observation_check(flee: Sequence[Child], borderflow: Child) -> dict[str, Any] | None:
    """Do both tools score the same places against the same observed totals?"""
    a = next((c.output for c in flee if c.output), None)
    b = borderflow.output
    if a is None or b is None:
        return None
    common = sorted(set(a["obs"]) & set(b["obs"]))
    total_a = np.sum([np.asarray(a["obs"][n], dtype=float) for n in common], axis=0)
    total_b = np.sum([np.asarray(b["obs"][n], dtype=float) for n in common], axis=0)
    gap = None
    if total_a.shape == total_b.shape:
        gap = float(np.max(np.abs(total_a - total_b) / np.maximum(total_a, 1.0)))
    return {
        "flee_only": sorted(set(a["obs"]) - set(common)),
        "borderflow_only": sorted(set(b["obs"]) - set(common)),
        "flee_days": len(total_a) if common else None,
        "borderflow_days": len(total_b) if common else None,
        "max_daily_gap": gap,
    }


def warnings(row: Mapping[str, Any]) -> list[str]:
    """What makes an error row not like for like."""
    check = row["observations"]
    if check is None:
        return []
    where = f"{row['scenario']} h{row['hasten']}"
    found = []
    if check["flee_only"] or check["borderflow_only"]:
        found.append(
            f"{where}: scored places differ: Flee only {check['flee_only']}, borderflow only {check['borderflow_only']}"
        )
    if check["max_daily_gap"] is None:
        found.append(f"{where}: days differ: Flee {check['flee_days']}, borderflow {check['borderflow_days']}")
    elif check["max_daily_gap"] > OBS_MISMATCH_WARN:
        found.append(f"{where}: observed totals differ by up to {check['max_daily_gap']:.1%} on a day")
    return found


def compare_errors(scenario: str, hasten: int, flee: Sequence[Child], bf: Child) -> dict[str, Any]:
    f, b = flee_summary(flee), borderflow_summary(bf)
    diff = {k: b[k] - f[k] if b[k] is not None and f[k] is not None else None for k in ("error", "error_rescaled")}
    return {
        "scenario": scenario,
        "hasten": hasten,
        "flee": f,
        "borderflow": b,
        "diff": diff,
        "observations": observation_check(flee, bf),
    }


def compare_speed(scenario: str, hasten: int, flee: Child, bf: Child) -> dict[str, Any]:
    f, b = flee_summary([flee]), borderflow_summary(bf)
    fr = f["runs"][0] if f["runs"] else {}
    return {
        "scenario": scenario,
        "hasten": hasten,
        "flee": fr,
        "borderflow": b,
        "speed_ratio": _ratio(fr.get("wall_seconds"), b.get("wall_seconds")),
        "memory_ratio": _ratio(fr.get("peak_rss_mb"), b.get("peak_rss_mb")),
        "memory_growth_ratio": _ratio(_growth(fr), _growth(b)),
    }


def _growth(figures: Mapping[str, Any]) -> float | None:
    """Peak RSS above the RSS after imports: what the simulation itself took, in MB."""
    if "peak_rss_mb" not in figures:
        return None
    return max(float(figures["peak_rss_mb"]) - float(figures["start_rss_mb"]), 0.0)


def _memory(figures: Mapping[str, Any]) -> str:
    growth = _growth(figures)
    return "n/a" if growth is None else f"{figures['peak_rss_mb']:.0f} (+{growth:.0f})"


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _times(value: float | None, spec: str = ".1f") -> str:
    return "n/a" if value is None else f"{value:{spec}}x"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


ERROR_HEADER = (
    "scenario",
    "hasten",
    "Flee err",
    "Flee resc.",
    "borderflow err",
    "borderflow resc.",
    "diff err",
    "diff resc.",
)
SPEED_HEADER = (
    "scenario",
    "hasten",
    "Flee wall s",
    "borderflow wall s",
    "speed ratio",
    "Flee peak RSS MB",
    "borderflow peak RSS MB",
    "memory ratio",
)
ALIGN = "|---|---:|---:|---:|---:|---:|---:|---:|"


def markdown(report: Mapping[str, Any]) -> str:
    """The result tables as Markdown."""
    lines = [_row(ERROR_HEADER), ALIGN]
    for row in report["errors"]:
        f, b, d = row["flee"], row["borderflow"], row["diff"]
        lines.append(
            _row(
                [
                    row["scenario"],
                    str(row["hasten"]),
                    _fmt(f["error"]),
                    _fmt(f["error_rescaled"]),
                    _fmt(b["error"]),
                    _fmt(b["error_rescaled"]),
                    _fmt(d["error"], "+.3f"),
                    _fmt(d["error_rescaled"], "+.3f"),
                ]
            )
        )
    speed = report.get("speed")
    if speed:
        f, b = speed["flee"], speed["borderflow"]
        lines += [
            "",
            _row(SPEED_HEADER),
            ALIGN,
            _row(
                [
                    speed["scenario"],
                    str(speed["hasten"]),
                    _fmt(f.get("wall_seconds"), ".1f"),
                    _fmt(b.get("wall_seconds"), ".2f"),
                    _times(speed["speed_ratio"]),
                    _memory(f),
                    _memory(b),
                    f"{_times(speed['memory_ratio'])} (growth {_times(speed['memory_growth_ratio'], '.0f')})",
                ]
            ),
        ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only mali2012 at hasten 10 with 1 Flee run, no speed row",
    )
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), metavar="NAME")
    parser.add_argument("--flee-runs", type=int, default=1, help="Flee runs per error row")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="error-row processes run at once (the speed row always runs alone)",
    )
    parser.add_argument(
        "--flee-demographics",
        action="store_true",
        help="let Flee draw agent demographics as under FabFlee (~40%% slower on mali2012)",
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--flee-venv", type=Path, default=ROOT / ".venv-flee")
    parser.add_argument(
        "--flee-python",
        type=Path,
        default=None,
        help="use this interpreter for Flee instead of the managed venv",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    flee_runs = 1 if args.quick else args.flee_runs
    scenarios = ["mali2012"] if args.quick else args.scenarios
    bench = Bench(
        shared=args.shared.resolve(),
        flee_python=args.flee_python or ensure_flee_python(args.flee_venv),
        raw=RESULTS / "raw",
        flee_demographics=args.flee_demographics,
    )
    bench.raw.mkdir(parents=True, exist_ok=True)
    missing = [s for s in scenarios if not bench.folder(s).is_dir()]
    if missing:
        sys.exit(f"compare_flee.py: no scenario folder for {missing} under {bench.shared}")

    if args.quick:
        cases = [QUICK_CASE]
    else:
        cases = [(s, HASTEN_OVERRIDE.get(s, own_hasten(bench.folder(s)))) for s in scenarios]
    print(f"Error rows: {cases}", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        pending = {
            case: (
                [pool.submit(bench.flee, *case, seed) for seed in range(flee_runs)],
                pool.submit(bench.borderflow, *case, BORDERFLOW_SEEDS),
            )
            for case in cases
        }
    report: dict[str, Any] = {"errors": [], "speed": None}
    children: list[Child] = []
    for case, (flee_futures, bf_future) in pending.items():
        flee = [future.result() for future in flee_futures]
        children += [*flee, bf_future.result()]
        report["errors"].append(compare_errors(*case, flee, bf_future.result()))

    if not args.quick and SPEED_CASE[0] in scenarios:
        print(f"Speed row: {SPEED_CASE}", file=sys.stderr)
        flee_child = bench.flee(*SPEED_CASE, seed=0)
        bf_child = bench.borderflow(*SPEED_CASE, seeds=[0])
        children += [flee_child, bf_child]
        report["speed"] = compare_speed(*SPEED_CASE, flee_child, bf_child)

    failures = [f for f in (c.failure() for c in children) if f]
    report |= {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "settings": {
            "quick": args.quick,
            "flee_runs": flee_runs,
            "jobs": args.jobs,
            "flee_demographics": args.flee_demographics,
            "borderflow_seeds": list(BORDERFLOW_SEEDS),
            "shared": str(bench.shared),
        },
        "warnings": [w for row in report["errors"] for w in warnings(row)],
        "failures": failures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(markdown(report))
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"Wrote {args.out}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
