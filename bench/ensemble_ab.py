"""Before/after: the same ensemble from two installs of borderflow, timed in one run and compared byte for byte.

    python bench/ensemble_ab.py --before /path/to/other/.venv/bin/python [-n 200] [--workers 2] [--rounds 2]

Runs `borderflow ensemble caravan-2023 -n N --workers W --seed 1000 --no-report` with the
`--before` interpreter (e.g. a checkout of main) and with this one (`--after`, default: the
interpreter running this script), alternating, `--rounds` times each, every run a fresh child
process in a temporary folder. Per run it reports the wall seconds and the CPU seconds of the
child and its workers (getrusage of the children), and the load average before it started.
Then it checks that every member's Parquet file is byte-identical between the two installs
(exit 1 if any differs). Both installs should have numba's kernel cache (`borderflow
compile-kernel`), or neither, for a fair comparison, and the `--before` install must not
change while this runs (pin it to a commit: bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(python: str, n: int, workers: int, out: Path, scenario: str) -> dict[str, float]:
    cmd = [python, "-m", "borderflow", "ensemble", scenario, "-n", str(n), "--workers", str(workers)]
    cmd += ["--seed", "1000", "--no-report", "--out", str(out)]
    load = os.getloadavg()[0]
    c0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": _children_cpu() - c0, "load": load}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="python of the install to compare against")
    ap.add_argument("--after", default=sys.executable)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--scenario", default="caravan-2023")
    args = ap.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="bf-ensemble-ab-") as tmp:
        root = Path(tmp)
        for r in range(args.rounds):
            for label, python in (("before", args.before), ("after", args.after)):
                m = _run(python, args.n, args.workers, root / f"{label}-{r}", args.scenario)
                runs[label].append(m)
                print(f"{label} round {r}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, load {m['load']:.1f}")
        print(f"\n| {args.scenario}, {args.n} members, {args.workers} workers | wall s (median) | CPU s (median) |")
        print("|---|---:|---:|")
        for label, ms in runs.items():
            wall = statistics.median(m["wall_s"] for m in ms)
            cpu = statistics.median(m["cpu_s"] for m in ms)
            print(f"| {label} | {wall:.1f} | {cpu:.1f} |")
        a, b = root / "before-0" / "members", root / "after-0" / "members"
        names = sorted(p.name for p in a.glob("member-*.parquet"))
        differ = [x for x in names if (a / x).read_bytes() != (b / x).read_bytes()]
        if sorted(p.name for p in b.glob("member-*.parquet")) != names or len(names) != args.n:
            print("the two installs wrote different sets of member files")
            return 1
        print(f"\n{len(names)} member files compared byte for byte: {len(differ)} differ")
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
