"""Flee 3.1 and borderflow side by side on every FabFlee folder with observations both run.

    python bench/corpus.py [--shared PATH] [--folders NAME ...] [--jobs N]
                           [--flee-runs 3] [--budget-minutes 20] [--flee-python PATH]

The folders are whatever ``../shared/scenarios/fabflee/`` holds when it runs; nothing is
listed here. Three steps:

1. **Which folders.** borderflow's suite (``borderflow.report.suite``'s ``run_folder``) runs every
   folder at hasten 100: a folder runs in borderflow when its status is ``ran``, and has
   observations when it is scored. Every folder with ``source_data/data_layout.csv`` is
   also run once by Flee 3.1's driver (``flee_driver.py``) over its whole period at hasten
   100 (or its own, if higher): a folder runs in Flee when that run ends with exit 0. A
   folder either tool cannot run is listed with that tool's one-line reason. Documented
   exclusion: a folder whose ``simsetting.yml`` asks for a rule Flee 3.1 reads but never
   applies or does not read (``FLEE31_LACKS``: D-Flee's flood spawning and flood rules, a
   decay interval other than the 30 days 3.1 fixes, ``empty_camps_on_day0``) runs under
   other rules in Flee 3.1,
   so it is listed, not compared.
2. **Which hasten.** The folder's own ``simsetting.yml`` hasten, unless Flee would take
   more than ``--budget-minutes`` at it: Flee's time scales with its agents, so the time at
   hasten h is estimated as the probe's setup plus its loop time x probe hasten / h, and the
   smallest of ``HASTEN_LADDER`` at or above the folder's own whose estimate fits is used,
   by both tools.
3. **The comparison.** ``--flee-runs`` Flee runs (seeds 0..N-1; Flee seeds nothing, so
   these are draws) and borderflow over seeds 0..4, at that hasten, quickest folders
   first; borderflow spawns by Flee 3.1's rule (the change in the ``total`` file,
   ``borderflow_driver.py --spawning flee31``), as Flee 3.1 does whatever a folder says.
   Both are scored by ``borderflow.metrics.averaged_relative_difference`` (normal and
   rescaled). A folder passes when borderflow's mean is within ``BAND`` (0.05) of
   Flee's mean, checked for the normal and the rescaled error separately.

Prints two Markdown tables (compared folders; folders not compared, with the reason) and
writes ``bench/results/corpus.json``; each child's JSON and log go to
``bench/results/raw/corpus/``. Exit status 1 if a comparison run failed or a check FAILed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from borderflow.report.suite import SuiteRow, run_folder, suite_folders
from compare_flee import (
    BORDERFLOW_SEEDS,
    RESULTS,
    ROOT,
    Bench,
    Child,
    compare_errors,
    ensure_flee_python,
    own_hasten,
    warnings,
)

COLLECTION = "fabflee"
PROBE_HASTEN = 100
HASTEN_LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
BAND = 0.05  # borderflow's mean error within this of Flee's mean: pass
# Settings (section.key) whose rule Flee 3.1 lacks, with the value at which that makes no
# difference (None: any value is a rule 3.1 lacks). Flee 3.1 reads the flood keys into its
# settings but no code of it reads them back (grep of flee 3.1); it fixes the decay step
# at 30 days and never reads conflict_spawn_decay_interval.
FLEE31_LACKS: dict[str, Any] = {
    "spawn_rules.flood_driven_spawning": False,
    "spawn_rules.flood_driven_spawn_mode": None,
    "spawn_rules.flood_zone_spawning_only": False,
    "flood_rules": None,
    "move_rules.flood_rules": None,
    "spawn_rules.conflict_spawn_decay_interval": 30,
    "spawn_rules.empty_camps_on_day0": False,  # 3.1 does not read it (its runs' unread_settings)
}


def lacked_settings(folder: Path) -> list[str]:
    """The settings of ``folder``'s simsetting.yml whose rule Flee 3.1 lacks."""
    path = folder / "simsetting.yml"
    try:
        settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # the readers report what is wrong with it
    found = []
    for dotted, harmless in FLEE31_LACKS.items():
        node: Any = settings
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and (harmless is None or node != harmless):
            found.append(dotted if isinstance(node, (dict, list)) else f"{dotted}: {node!r}")
    return found


def last_line(child: Child) -> str:
    """The last non-empty line of a child's log: a traceback's exception line."""
    lines = [ln.strip() for ln in child.log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit {child.returncode}, empty log"


def flee_estimate(probe: Mapping[str, Any], hasten: int) -> float:
    """Flee's seconds at ``hasten`` from its probe: the loop scales with the agents."""
    return float(probe["setup_seconds"]) + float(probe["loop_seconds"]) * int(probe["hasten"]) / hasten


def chosen_hasten(own: int, probe: Mapping[str, Any], budget_seconds: float) -> int:
    """The folder's own hasten, or the smallest of the ladder above it that fits the budget."""
    for hasten in (own, *(h for h in HASTEN_LADDER if h > own)):
        if flee_estimate(probe, hasten) <= budget_seconds:
            return hasten
    return HASTEN_LADDER[-1]


@dataclass
class Folder:
    """One corpus folder: whether each tool runs it and, if both do, the comparison."""

    name: str
    own_hasten: int
    borderflow_status: str
    observed: bool
    flee_reason: str | None = None  # None: Flee 3.1's probe ran it
    flee_probe: dict[str, Any] | None = None
    lacks: list[str] = field(default_factory=list)
    hasten: int | None = None
    estimate_seconds: float | None = None

    def exclusion(self) -> str | None:
        """Why the folder is not compared, or None."""
        reasons = []
        if not self.observed and self.borderflow_status == "ran":
            return "no observations"
        if self.borderflow_status != "ran":
            reasons.append(f"borderflow: {self.borderflow_status}")
        if self.flee_reason is not None:
            reasons.append(f"Flee 3.1: {self.flee_reason}")
        if self.lacks:
            reasons.append(f"Flee 3.1 lacks the rules of {', '.join(self.lacks)}")
        return "; ".join(reasons) or None


def survey(bench: Bench, root: Path, jobs: int, budget_seconds: float, only: Sequence[str]) -> list[Folder]:
    """Step 1 and 2: every folder's status in each tool and, where both run it, its hasten."""
    print(f"borderflow suite over {root} at hasten {PROBE_HASTEN} ...", file=sys.stderr)
    # run_suite's own steps, so that --folders runs only those
    rows: list[SuiteRow] = [
        run_folder(path, hasten=PROBE_HASTEN) for path in suite_folders(root) if not only or path.name in only
    ]
    folders = []
    for row in rows:
        path = root / row.folder
        observed = (
            row.error is not None if row.status == "ran" else (path / "source_data" / "data_layout.csv").is_file()
        )
        try:
            own = own_hasten(path)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, TypeError, ValueError, AttributeError):
            own = 1
        folders.append(Folder(row.folder, own, row.status, observed, lacks=lacked_settings(path)))
    if not folders:
        sys.exit(f"corpus.py: none of {list(only)} is a folder of {root}")

    to_probe = [f for f in folders if f.observed]
    print(f"Flee 3.1 probes ({len(to_probe)} folders with observations) ...", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        probes = {
            f.name: pool.submit(bench.flee, f.name, max(PROBE_HASTEN, f.own_hasten), 0, budget_seconds)
            for f in to_probe
        }
    for f in to_probe:
        child = probes[f.name].result()
        if child.returncode != 0 or child.output is None:
            f.flee_reason = last_line(child)
            continue
        f.flee_probe = {k: child.output[k] for k in ("hasten", "days", "setup_seconds", "loop_seconds", "agent_steps")}
        f.flee_probe["unread_settings"] = child.output.get("unread_settings", [])
        f.hasten = chosen_hasten(f.own_hasten, f.flee_probe, budget_seconds)
        f.estimate_seconds = flee_estimate(f.flee_probe, f.hasten)
    return folders


def compare(bench: Bench, folders: Sequence[Folder], jobs: int, flee_runs: int) -> list[dict[str, Any]]:
    """Step 3: the runs of each compared folder, quickest first, and their figures."""
    cases = sorted((f for f in folders if f.exclusion() is None), key=lambda f: f.estimate_seconds or 0.0)
    print(f"Comparing {[(f.name, f.hasten) for f in cases]}", file=sys.stderr)
    pending: dict[str, tuple[list[Future[Child]], Future[Child]]] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for f in cases:
            assert f.hasten is not None
            pending[f.name] = (
                [pool.submit(bench.flee, f.name, f.hasten, seed) for seed in range(flee_runs)],
                pool.submit(bench.borderflow, f.name, f.hasten, BORDERFLOW_SEEDS),
            )
    rows = []
    for f in cases:
        assert f.hasten is not None
        flee_futures, bf_future = pending[f.name]
        flee_children = [future.result() for future in flee_futures]
        bf = bf_future.result()
        try:
            row = compare_errors(f.name, f.hasten, flee_children, bf)
        except ValueError as exc:  # series the metric cannot score: a driver's bug, one row
            print(f"  {f.name}: cannot score: {exc}", file=sys.stderr)
            failed = {"error": None, "error_rescaled": None, "runs": [], "wall_seconds": None}
            row = {"scenario": f.name, "hasten": f.hasten, "flee": dict(failed), "borderflow": dict(failed)}
            row |= {"diff": None, "observations": None, "scoring_error": str(exc)}
        row["own_hasten"] = f.own_hasten
        row["flee_estimate_seconds"] = f.estimate_seconds
        row["unread_settings"] = (f.flee_probe or {}).get("unread_settings", [])
        row["failures"] = [(c.label, last_line(c)) for c in [*flee_children, bf] if c.failure() is not None]
        if "scoring_error" in row:
            row["failures"].append(("scoring", row["scoring_error"]))
        add_band(row)
        rows.append(row)
    return rows


def add_band(row: dict[str, Any]) -> None:
    """Flee's range over its runs, per-run wall seconds, and the pass/FAIL of each error."""
    flee, bf = row["flee"], row["borderflow"]
    for key in ("error", "error_rescaled"):
        values = [r[key] for r in flee["runs"]]
        flee[f"{key}_range"] = [min(values), max(values)] if values else None
        ok = flee[key] is not None and bf[key] is not None and abs(bf[key] - flee[key]) <= BAND
        row[f"within_band_{key}"] = bool(ok)
    walls = [r["wall_seconds"] for r in flee["runs"]]
    flee["wall_seconds_per_run"] = sum(walls) / len(walls) if walls else None
    runs = bf["runs"]
    bf["wall_seconds_per_seed"] = bf["wall_seconds"] / len(runs) if runs else None


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _spread(summary: Mapping[str, Any], key: str) -> str:
    span = summary.get(f"{key}_range")
    if summary[key] is None or span is None:
        return "n/a"
    return f"{summary[key]:.3f} ({span[0]:.3f}–{span[1]:.3f})"


def _verdict(row: Mapping[str, Any]) -> str:
    return " / ".join("pass" if row[f"within_band_{k}"] else "FAIL" for k in ("error", "error_rescaled"))


def markdown(report: Mapping[str, Any]) -> str:
    """The compared folders, then the folders not compared with the reason."""
    runs = report["settings"]["flee_runs"]
    lines = [
        f"| folder | hasten | Flee 3.1 err, mean ({runs} runs) and range | Flee resc. | borderflow err "
        f"(5 seeds) | borderflow resc. | within {BAND} of Flee's mean (err / resc.) | Flee wall s | "
        "borderflow wall s |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|---:|",
    ]
    for row in report["compared"]:
        f, b = row["flee"], row["borderflow"]
        hasten = str(row["hasten"]) + ("" if row["hasten"] == row["own_hasten"] else f" (own {row['own_hasten']})")
        cells = [
            row["scenario"],
            hasten,
            _spread(f, "error"),
            _spread(f, "error_rescaled"),
            _fmt(b["error"]),
            _fmt(b["error_rescaled"]),
            _verdict(row),
            _fmt(f.get("wall_seconds_per_run"), ".1f"),
            _fmt(b.get("wall_seconds_per_seed"), ".2f"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| folder | not compared because |", "|---|---|"]
    for name, reason in report["not_compared"].items():
        lines.append(f"| {name} | {reason.replace('|', '/')} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--folders", nargs="+", default=[], metavar="NAME", help="only these corpus folders")
    parser.add_argument("--flee-runs", type=int, default=3, help="Flee runs per folder (seeds 0..N-1)")
    parser.add_argument("--jobs", type=int, default=1, help="child processes at once")
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=20.0,
        help="the longest one Flee run may take; a folder whose own hasten needs more runs at a higher one",
    )
    parser.add_argument("--flee-venv", type=Path, default=ROOT / ".venv-flee")
    parser.add_argument("--flee-python", type=Path, default=None, help="an interpreter that has Flee 3.1")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take runs already in bench/results/raw/corpus as done (resume an interrupted bench)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "corpus.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    shared = args.shared.resolve()
    root = shared / "scenarios" / COLLECTION
    if not root.is_dir():
        sys.exit(f"corpus.py: {root} is not a folder; expected the FabFlee corpus (--shared PATH)")
    flee_python = args.flee_python or ensure_flee_python(args.flee_venv)
    raw = RESULTS / "raw" / "corpus"
    (raw / "probe").mkdir(parents=True, exist_ok=True)
    probe_bench = Bench(
        shared=shared, flee_python=flee_python, raw=raw / "probe", collection=COLLECTION, reuse=args.reuse
    )
    bench = Bench(shared=shared, flee_python=flee_python, raw=raw, collection=COLLECTION, reuse=args.reuse)
    budget = args.budget_minutes * 60

    folders = survey(probe_bench, root, args.jobs, budget, args.folders)
    compared = compare(bench, folders, args.jobs, args.flee_runs)
    not_compared = {f.name: reason for f in folders if (reason := f.exclusion()) is not None}
    failures = [f"{row['scenario']}: {label}: {line}" for row in compared for label, line in row["failures"]]
    report: dict[str, Any] = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": list(os.getloadavg()),
        },
        "settings": {
            "corpus": str(root),
            "flee_runs": args.flee_runs,
            "borderflow_seeds": list(BORDERFLOW_SEEDS),
            "jobs": args.jobs,
            "budget_minutes": args.budget_minutes,
            "probe_hasten": PROBE_HASTEN,
            "band": BAND,
            "folders": list(args.folders),
            "reuse": args.reuse,
        },
        "folders": [vars(f) | {"exclusion": f.exclusion()} for f in folders],
        "compared": compared,
        "not_compared": not_compared,
        "warnings": [w for row in compared for w in warnings(row)],
        "failures": failures,
        "seconds": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(markdown(report))
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    missed = [r["scenario"] for r in compared if not (r["within_band_error"] and r["within_band_error_rescaled"])]
    if missed:
        print(f"outside the {BAND} band of Flee's mean: {', '.join(missed)}", file=sys.stderr)
    print(f"Wrote {args.out} ({report['seconds']:.0f} s)", file=sys.stderr)
    return 1 if failures or missed else 0


if __name__ == "__main__":
    sys.exit(main())
