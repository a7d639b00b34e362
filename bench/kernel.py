"""The compiled movement kernel against the NumPy reference, side by side in one run.

    python bench/kernel.py [--repeats 3] [--shared ../shared] [--out bench/results/kernel.json]

1. Simulation alone (in this process, after a warm-up run of each kernel): mali2012 at
   hasten 1 and caravan-2023, seconds and CPU seconds of `Simulation.run`, best of
   `--repeats`, for `numpy` and `compiled`.
2. End to end, `borderflow run mali2012 --hasten 1 --no-report` as a fresh process, wall
   and CPU seconds (interpreter start-up, imports and writing the results included):
   NumPy; auto and compiled with numba's cache empty (`NUMBA_CACHE_DIR` pointed at a new
   folder: cold) and filled (warm).
Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def simulate(scenario: Any, kernel: str, repeats: int, seed: int = 0) -> dict[str, float]:
    from borderflow.engine.simulation import Simulation
    from borderflow.engine.world import compile_world

    world = compile_world(scenario)
    Simulation(world, seed, kernel=kernel).run()  # warm-up: numba's load, caches
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        Simulation(world, seed, kernel=kernel).run()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return {"wall_s": min(walls), "cpu_s": min(cpus)}


def end_to_end(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{out.stderr[-2000:]}")
    line = next((x for x in out.stdout.splitlines() if x.startswith("simulated in")), "")
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "simulated_line": line,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "kernel.json")
    args = ap.parse_args()

    import borderflow

    mali_dir = args.shared / "scenarios" / "flee" / "mali2012"
    mali = borderflow.load_scenario(mali_dir).with_hasten(1)
    caravan = borderflow.load_scenario("caravan-2023")
    rows: dict[str, Any] = {"cpus": os.cpu_count(), "simulate": {}, "end_to_end": {}}
    for name, sc in (("mali2012 hasten 1", mali), ("caravan-2023", caravan)):
        for kernel in ("numpy", "compiled"):
            rows["simulate"][f"{name} / {kernel}"] = simulate(sc, kernel, args.repeats)
            print(name, kernel, rows["simulate"][f"{name} / {kernel}"], flush=True)

    exe = str(Path(sys.executable).with_name("borderflow"))
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [exe, "run", str(mali_dir), "--hasten", "1", "--no-report", "--seed", "0"]
        base = {**os.environ, "PYTHONWARNINGS": "ignore"}
        cases: list[tuple[str, dict[str, str], bool]] = [
            ("numpy", {"BORDERFLOW_KERNEL": "numpy"}, False),
            ("auto, cache empty (cold)", {"BORDERFLOW_KERNEL": "auto"}, True),
            ("auto, cache filled (warm)", {"BORDERFLOW_KERNEL": "auto"}, False),
            ("compiled, cache empty (cold)", {"BORDERFLOW_KERNEL": "compiled"}, True),
            ("compiled, cache filled (warm)", {"BORDERFLOW_KERNEL": "compiled"}, False),
        ]
        for i, (label, env, cold) in enumerate(cases):
            cache = Path(tmp) / (f"cold{i}" if cold else "numba-cache")
            env = {**base, **env, "NUMBA_CACHE_DIR": str(cache)}
            if not cold and not cache.exists():
                subprocess.run([exe, "compile-kernel"], env=env, capture_output=True, check=True)
            out = Path(tmp) / f"out{i}"
            rows["end_to_end"][label] = end_to_end([*cmd, "--out", str(out)], env)
            print(label, rows["end_to_end"][label], flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("\n| simulation alone | wall s | CPU s |\n|---|---:|---:|")
    for k, v in rows["simulate"].items():
        print(f"| {k} | {v['wall_s']:.3f} | {v['cpu_s']:.3f} |")
    print("\n| `borderflow run mali2012 --hasten 1 --no-report` | wall s | CPU s | simulated |\n|---|---:|---:|---|")
    for k, v in rows["end_to_end"].items():
        print(f"| {k} | {v['wall_s']:.2f} | {v['cpu_s']:.2f} | {v['simulated_line'].split(';')[0]} |")
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
