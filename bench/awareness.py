"""Cost of route choice by awareness level: paths, build time, run time and peak memory.

    python bench/awareness.py [--shared ../shared] [--folders ssudan_whole netherlands ...]
                              [--levels 1 2 3 4 5 6 7 8] [--days 30] [--timeout 600]

Each (folder, level) runs in its own process, so its peak memory (`VmHWM`, see memory.py)
is its own. A folder is read where it lies, under `SHARED/scenarios/fabflee/` (or
`SHARED/scenarios/flee/`), and its `awareness_level` overridden. A folder that borderflow
cannot run as a whole (no simsetting.yml, or settings handled elsewhere) is measured on its
network alone: its places and routes, with 100 people setting out from every place that is
not a camp on every day. The run covers the first --days days.

Prints a Markdown table (the one in docs/limits.md) and writes `bench/results/awareness.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
FOLDERS = ["mali2012", "car", "ssudan_whole", "syria2022_2024", "nigeria2024", "netherlands"]


def _folder(shared: Path, name: str) -> Path:
    for corpus in ("fabflee", "flee"):
        path = shared / "scenarios" / corpus / name
        if path.is_dir():
            return path
    raise SystemExit(f"{name}: no such folder under {shared}/scenarios/{{fabflee,flee}}")


def _scenario(folder: Path, level: int, days: int) -> tuple[Any, str]:
    """The folder's scenario at `level` and at most `days` days, and how it was read."""
    from borderflow.scenario import ScenarioError
    from borderflow.scenario.flee_folder import _locations, _routes, read_flee_folder
    from borderflow.scenario.model import Departure, Scenario

    try:
        sc = read_flee_folder(folder)
        how = "whole folder"
    except ScenarioError as exc:
        notes: list[str] = []
        places, _, resolve = _locations(folder, notes)
        routes = _routes(folder, set(resolve.first), notes)
        start = dt.date(2024, 1, 1)
        departures = [
            Departure(place=p.name, start=start, end=start + dt.timedelta(days=days - 1), per_day=100)
            for p in places
            if p.kind not in ("camp", "idpcamp")
        ]
        sc = Scenario(
            name=folder.name, start_date=start, days=days, places=places, routes=routes, departures=departures
        )
        sc = sc.model_copy(update={"spawn_rules": sc.spawn_rules.model_copy(update={"data_driven": False})})
        how = f"network only ({str(exc).split(': ')[-1][:60]})"
    move = sc.move_rules.model_copy(update={"awareness_level": level})
    return sc.model_copy(update={"move_rules": move, "days": min(days, sc.days)}), how


def one(folder: Path, level: int, days: int) -> dict[str, Any]:
    """Measure one (folder, level) in this process."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from borderflow.engine.simulation import Simulation
    from borderflow.engine.world import compile_world
    from borderflow.network.graph import build_network, path_bounds
    from borderflow.scenario import ScenarioError
    from memory import peak_rss_kb, rss_kb

    sc, how = _scenario(folder, level, days)
    base_mb = rss_kb() / 1024
    out: dict[str, Any] = {"folder": folder.name, "level": level, "read": how, "places": len(sc.places)}
    out["routes"] = len(sc.routes)
    t0 = time.perf_counter()
    out["bound"], out["hop_bound"] = path_bounds(sc)
    out["bound_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        net = build_network(sc)
    except ScenarioError as exc:
        out["refused"] = str(exc)
        out["peak_mb"] = peak_rss_kb() / 1024 - base_mb
        return out
    out["build_s"] = time.perf_counter() - t0
    out["paths"] = len(net.path_km)
    out["slots"] = len(net.slot_link)
    out["max_paths_per_place"] = int(net.origin_count.max(initial=0))
    t0 = time.perf_counter()
    sim = Simulation(compile_world(sc), 0)
    sim.run()
    out["days"] = sc.days
    out["run_s"] = time.perf_counter() - t0
    out["peak_mb"] = peak_rss_kb() / 1024 - base_mb
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--folders", nargs="+", default=FOLDERS)
    ap.add_argument("--levels", nargs="+", type=int, default=list(range(1, 9)))
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--one", nargs=2, metavar=("FOLDER", "LEVEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(Path(args.one[0]), int(args.one[1]), args.days)))
        return
    rows: list[dict[str, Any]] = []
    print("| folder | places | routes | level | paths (bound) | slots | build s | run s | s/day | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.folders:
        folder = _folder(args.shared, name)
        for level in args.levels:
            cmd = [sys.executable, __file__, "--one", str(folder), str(level), "--days", str(args.days)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=False)
            except subprocess.TimeoutExpired:
                row: dict[str, Any] = {"folder": name, "level": level, "timeout_s": args.timeout}
                print(f"| {name} | | | {level} | timed out after {args.timeout:.0f} s | | | | | |", flush=True)
                rows.append(row)
                break
            if done.returncode != 0:
                print(f"| {name} | | | {level} | failed: {done.stderr.strip().splitlines()[-1][:80]} | | | | | |")
                break
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            if "refused" in row:
                print(
                    f"| {name} | {row['places']} | {row['routes']} | {level} | refused ({row['bound']:.3g}) "
                    f"| | | | | {row['peak_mb']:.0f} |",
                    flush=True,
                )
                break
            print(
                f"| {name} | {row['places']} | {row['routes']} | {level} | {row['paths']:,} ({row['bound']:.3g}) "
                f"| {row['slots']:,} | {row['build_s']:.2f} | {row['run_s']:.2f} | {row['run_s'] / row['days']:.3f} "
                f"| {row['peak_mb']:.0f} |",
                flush=True,
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "awareness.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
