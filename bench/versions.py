"""Engine speed before and after a change, side by side in one run.

    python bench/versions.py [--before REV] [--members 200] [--repeats 5] [--workers 2]

REV (default: the commit before the engine component protocol) is checked out into a
temporary git worktree; the working tree is "after". Both run with this interpreter and
its installed packages (only `src/` differs), alternating, so the machine's load hits both
alike. Measured for the built-in caravan-2023:

* cold run: `python -m borderflow.cli run --out TMP` as a new process (imports included),
  median of --repeats;
* warm run: `borderflow.run()` again in a process that has run it once, CPU seconds of
  that process, median of 8 runs, in --repeats alternating processes (median of those);
* ensemble member: the same for one ensemble member (`run_member`, talks-27-dec: a
  member's parameters applied, the run, its outputs reduced), the cost an ensemble multiplies;
* ensemble: --members members on --workers local processes, end to end, median of
  --ensembles alternating runs;

each also as CPU seconds of the child processes (workers included), which the load of a
shared machine moves far less than wall time.

Prints a Markdown table and writes `bench/results/versions.json`. Quote the ratios: the
machines are shared and absolute seconds move with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BEFORE = "c31a6c3"  # main before the component protocol (issue 9)

WARM = """
import sys, time, borderflow
sc = borderflow.load_scenario("caravan-2023")
borderflow.run(sc, seed=1)
times = []
for k in range(int(sys.argv[1])):
    t0 = time.process_time(); borderflow.run(sc, seed=2 + k); times.append(time.process_time() - t0)
print(sorted(times)[len(times) // 2])
"""

MEMBER = """
import sys, time
from borderflow.ensemble.members import run_member
from borderflow.ensemble.runner import plan
from borderflow.scenario import load_scenario
sc = load_scenario("caravan-2023")
base = sc.model_dump(mode="json")
members = plan(sc, int(sys.argv[1]) + 1, "lhs", 1)
run_member(base, "talks-27-dec", members[0])
times = []
for m in members[1:]:
    t0 = time.process_time(); run_member(base, "talks-27-dec", m); times.append(time.process_time() - t0)
print(sorted(times)[len(times) // 2])
"""

ENSEMBLE = """
import sys, tempfile, time
from pathlib import Path
from borderflow.ensemble import run_ensemble
from borderflow.ensemble.executors import ProcessExecutor
from borderflow.scenario import load_scenario
sc = load_scenario("caravan-2023")
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    ex = ProcessExecutor(int(sys.argv[2]))
    try:
        run_ensemble(sc, int(sys.argv[1]), Path(tmp) / "ens", executor=ex, seed=1000)
    finally:
        ex.close()
    print(time.perf_counter() - t0)
"""


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}


def _cpu() -> float:
    """CPU seconds of this process's finished children (workers included): unlike wall time,
    hardly moved by what else the shared machine runs."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cold(src: Path, out: Path) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _cpu()
    subprocess.run(
        [sys.executable, "-m", "borderflow.cli", "run", "--out", str(out)],
        env=_env(src),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0, _cpu() - c0


def _script(src: Path, code: str, *args: str) -> tuple[float, float]:
    """The figure the script prints (wall seconds), and the CPU seconds the whole child took."""
    c0 = _cpu()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=_env(src), check=True, capture_output=True, text=True
    )
    return float(proc.stdout.strip().splitlines()[-1]), _cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BEFORE)
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ensembles", type=int, default=3, help="ensemble runs per version, alternating")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bf-versions-") as tmp:
        old = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), args.before], check=True)
        try:
            sources = {"before": old / "src", "after": REPO / "src"}
            cold: dict[str, list[tuple[float, float]]] = {k: [] for k in sources}
            ens: dict[str, list[tuple[float, float]]] = {k: [] for k in sources}
            for i in range(args.repeats):  # alternate, so load changes hit both
                for name, src in sources.items():
                    cold[name].append(_cold(src, Path(tmp) / f"run-{name}-{i}"))
            warm: dict[str, list[float]] = {k: [] for k in sources}
            member: dict[str, list[float]] = {k: [] for k in sources}
            for _ in range(args.repeats):  # in-process CPU per run, alternating processes
                for name, src in sources.items():
                    warm[name].append(_script(src, WARM, "8")[0])
                    member[name].append(_script(src, MEMBER, "8")[0])
            for _ in range(args.ensembles):
                for name, src in sources.items():
                    ens[name].append(_script(src, ENSEMBLE, str(args.members), str(args.workers)))
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], check=False)
    rows: dict[str, Any] = {
        "cold run, wall s (median)": {k: statistics.median(w for w, _ in v) for k, v in cold.items()},
        "cold run, CPU s (median)": {k: statistics.median(c for _, c in v) for k, v in cold.items()},
        "warm run, CPU s (median)": {k: statistics.median(v) for k, v in warm.items()},
        "ensemble member (talks-27-dec), CPU s (median)": {k: statistics.median(v) for k, v in member.items()},
        f"{args.members}-member ensemble, wall s (median)": {
            k: statistics.median(w for w, _ in v) for k, v in ens.items()
        },
        f"{args.members}-member ensemble, CPU s (median)": {
            k: statistics.median(c for _, c in v) for k, v in ens.items()
        },
    }
    print(f"| caravan-2023 | before ({args.before}) | after (working tree) | after / before |")
    print("|---|---|---|---|")
    for label, v in rows.items():
        print(f"| {label} | {v['before']:.3f} | {v['after']:.3f} | {v['after'] / v['before']:.2f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "versions.json").write_text(json.dumps({"before": args.before, **rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
