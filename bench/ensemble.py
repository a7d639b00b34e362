"""Ensemble speed: a 1,000-member ensemble of caravan-2023, and the Dask path's overhead.

    python bench/ensemble.py [--members 1000] [--compare 200] [--workers 2] [--policy P]

1. ``--members`` members of caravan-2023 (its default policy package unless ``--policy``)
   on local processes (``--workers``, default 2: the bench machine's cores), streamed to
   Parquet in a temporary folder, then reduced to quantile bands. Target: <= 120 s for
   1,000 members on 2 cores.
2. The same ``--compare`` members run side by side, in this one run, on local processes
   and on a Dask LocalCluster of as many worker processes (one thread each). The overhead
   is the ratio of wall times, Dask / processes, with and without starting the cluster.

Prints a Markdown table and writes ``bench/results/ensemble.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from borderflow.ensemble import bands, run_ensemble
from borderflow.ensemble.executors import DaskExecutor, Executor, ProcessExecutor
from borderflow.ensemble.store import finished
from borderflow.scenario import load_scenario

RESULTS = Path(__file__).resolve().parent / "results"


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(make: Callable[[], Executor], n: int, folder: Path, policy: str | None) -> dict[str, float]:
    scenario = load_scenario("caravan-2023")
    c0 = _children_cpu()
    t0 = time.perf_counter()
    executor = make()
    t1 = time.perf_counter()
    try:
        run_ensemble(scenario, n, folder, policy=policy, executor=executor, seed=1000)
    finally:
        t2 = time.perf_counter()
        executor.close()
    assert finished(folder) == set(range(n))
    # CPU seconds of the worker processes (counted once they have ended): what a loaded machine moves least
    return {"start_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0, "workers_cpu_s": _children_cpu() - c0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--compare", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--policy", default=None)
    ap.add_argument(
        "--kernels",
        default="compiled",
        help="movement kernels to time the big ensemble with, comma-separated (numpy,compiled); "
        "compiled needs numba's cache: `borderflow compile-kernel` first",
    )
    args = ap.parse_args()
    w = args.workers
    out: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "workers": w,
        "policy": args.policy,
    }
    with tempfile.TemporaryDirectory(prefix="bf-ensemble-bench-") as tmp:
        root = Path(tmp)
        out["by_kernel"] = {}
        for kernel in args.kernels.split(","):
            os.environ["BORDERFLOW_KERNEL"] = kernel  # the worker processes inherit it
            big = _timed(lambda: ProcessExecutor(w), args.members, root / f"big-{kernel}", args.policy)
            t = time.perf_counter()
            b = bands(root / f"big-{kernel}")
            big["reduce_s"] = time.perf_counter() - t
            big["series"] = len(b)
            out["by_kernel"][kernel] = {"members": args.members, **big}
            out["ensemble"] = out["by_kernel"][kernel]
            print(
                f"{args.members} members on {w} processes, {kernel} kernel: {big['total_s']:.1f} s "
                f"({big['workers_cpu_s']:.1f} s of the workers' CPU)",
                flush=True,
            )
        os.environ.pop("BORDERFLOW_KERNEL", None)
        if args.compare <= 0:
            _report_kernels(out, w)
            return

        procs = _timed(lambda: ProcessExecutor(w), args.compare, root / "procs", args.policy)
        dask = _timed(lambda: DaskExecutor("local", w), args.compare, root / "dask", args.policy)
        out["compare"] = {
            "members": args.compare,
            "processes": procs,
            "dask_local": dask,
            "ratio_run": dask["run_s"] / procs["run_s"],
            "ratio_total": dask["total_s"] / procs["total_s"],
        }
    out["peak_rss_mb_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ensemble.json").write_text(json.dumps(out, indent=1))
    e, c = out["ensemble"], out["compare"]
    print()
    print(f"ensemble of caravan-2023 ({out['machine']}; policy {args.policy or 'default'})")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| {e['members']} members, {w} worker processes, wall s (target <= 120) | {e['total_s']:.1f} |")
    print(f"| per member, s (x {w} workers) | {e['total_s'] / e['members'] * w:.3f} |")
    print(f"| bands of {e['series']} series over {e['members']} members, s | {e['reduce_s']:.2f} |")
    print(
        f"| {c['members']} members on processes, wall s (start-up + run) | {c['processes']['start_s']:.1f} + {c['processes']['run_s']:.1f} |"
    )
    print(
        f"| {c['members']} members on Dask LocalCluster, wall s (start-up + run) | {c['dask_local']['start_s']:.1f} + {c['dask_local']['run_s']:.1f} |"
    )
    print(f"| Dask / processes, run only | {c['ratio_run']:.3f} |")
    print(f"| Dask / processes, with start-up | {c['ratio_total']:.3f} |")
    print(f"| peak RSS of the parent process, MB | {out['peak_rss_mb_parent']:.0f} |")


def _report_kernels(out: dict[str, Any], w: int) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ensemble.json").write_text(json.dumps(out, indent=1))
    print(f"\n| caravan-2023, {w} worker processes | members | wall s | workers' CPU s | CPU s per member |")
    print("|---|---:|---:|---:|---:|")
    for kernel, e in out["by_kernel"].items():
        per = e["workers_cpu_s"] / e["members"]
        print(f"| {kernel} kernel | {e['members']} | {e['total_s']:.1f} | {e['workers_cpu_s']:.1f} | {per:.3f} |")


if __name__ == "__main__":
    main()
