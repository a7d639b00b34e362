"""Stress Ctrl-C: interrupt `borderflow ensemble` at random moments, many times, and count
hangs and swallowed interrupts (issue 8). Not part of the test suite (it takes minutes).

Each trial starts the command in its own session (a process group, as a terminal's
foreground job), waits a random delay (from the start, covering start-up; or, for a share
of the trials, from the first member it writes, so the run is covered however slow the
start), sends SIGINT to the whole group as a terminal does, and waits. Outcomes:

  ok        exit 130 and exactly one line on stderr (the "interrupted" line)
  hang      no exit within --hang seconds (the group is then killed)
  swallowed exit 0 although the interrupt came while it was running
  noisy     exit 130 but more than that one line (a traceback, worker logs)
  python    the interrupt came during Python's own start-up, before any borderflow code
            ran (Python ends with its own traceback, or is killed by SIGINT): out of reach
  other     any other status
  early     the command ended before the interrupt was sent (the trial is not counted)

Trials of one kind share one ensemble folder, so each trial also resumes the previous
ones; at the end every member file must be readable and no temporary file is left.
Meanwhile --busy processes spin to keep the CPUs busy.

    python scripts/stress_interrupts.py --trials 150 --kinds processes,dask
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from borderflow.ensemble.store import finished, read_member  # noqa: E402
from borderflow.interrupts import MESSAGE  # noqa: E402
from ensemble_kit import write_tiny  # noqa: E402

# What Python prints when a Ctrl-C lands in its start-up (site, runpy), before our code runs.
PYTHON_START = ("init_import_site", "Could not import runpy module")
KINDS = {"processes": ["--workers", "2"], "dask": ["--workers", "2", "--dask", "local"]}


def trial(scenario: Path, out: Path, kind: str, delay: float, hang: float, n: int, mid_run: bool) -> dict[str, object]:
    """One interrupt: `delay` seconds after the start, or (mid_run) after the first new member."""
    before = len(finished(out))
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "borderflow",
                "ensemble",
                str(scenario),
                "-n",
                str(n),
                "--seed",
                "1",
                "--out",
                str(out),
            ]
            + KINDS[kind],
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
            start_new_session=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        try:
            if mid_run:  # a busy machine can make start-up longer than any fixed delay
                while len(finished(out)) == before and proc.poll() is None:
                    time.sleep(0.05)
            time.sleep(delay)
        except BaseException:  # the stress run itself interrupted: leave nothing running
            _kill_group(proc.pid)
            raise
        if proc.poll() is not None:
            return {"outcome": "early", "status": proc.returncode, "delay": delay}
        os.killpg(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        try:
            status = proc.wait(timeout=hang)
        except subprocess.TimeoutExpired:
            status = None
        took = time.monotonic() - sent
        leftover = _kill_group(proc.pid)  # workers that outlived the parent count as a fault too
        if status is None:
            proc.wait()
        err.seek(0)
        stderr = err.read()
    lines = [line for line in stderr.splitlines() if line.strip()]
    if status is None:
        outcome = "hang"
    elif status != 130 and (any(m in stderr for m in PYTHON_START) or (status == -2 and not stderr)):
        outcome = "python"
    elif status == 0:
        outcome = "swallowed"
    elif status == 130:
        outcome = "ok" if lines == [MESSAGE] else "noisy"
    else:
        outcome = "other"
    return {
        "outcome": outcome,
        "status": status,
        "delay": round(delay, 3),
        "exit_seconds": round(took, 3),
        "landed": "run" if len(finished(out)) > before else "start-up",
        "leftover_processes": leftover,
        "stderr": stderr[-2000:] if outcome != "ok" else "",
    }


def _kill_group(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    time.sleep(0.5)  # the parent has exited; give its workers a moment before calling them left over
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=150, help="interrupts per kind")
    ap.add_argument("--kinds", default="processes,dask")
    ap.add_argument("--max-delay", type=float, default=8.0, help="delays are uniform in [0, this] seconds")
    ap.add_argument("--mid-run", type=float, default=0.5, help="share of trials timed from the first new member")
    ap.add_argument("--hang", type=float, default=60.0, help="seconds after the SIGINT that count as a hang")
    ap.add_argument("--busy", type=int, default=os.cpu_count() or 1, help="CPU-burning processes meanwhile")
    ap.add_argument("-n", type=int, default=20_000, help="members: far more than any trial finishes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log", type=Path, help="write every trial as a JSON line here")
    args = ap.parse_args()

    # Started from a script or a non-interactive shell's background job, this process may have
    # SIGINT ignored, which its children would inherit (Python then never sees a Ctrl-C during
    # its start-up): give them the default a terminal gives.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rng = random.Random(args.seed)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    totals: dict[str, dict[str, int]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            scenario = write_tiny(Path(tmp))
            for kind in args.kinds.split(","):
                out = Path(tmp) / f"ens-{kind}"
                counts = totals.setdefault(kind, {})
                exits: list[float] = []
                for i in range(args.trials):
                    mid_run = rng.random() < args.mid_run
                    delay = rng.uniform(0, 3.0 if mid_run else args.max_delay)
                    r = trial(scenario, out, kind, delay, args.hang, args.n, mid_run)
                    r.update(kind=kind, trial=i, mid_run=mid_run)
                    for key in (str(r["outcome"]), f"landed in {r.get('landed', '-')}"):
                        counts[key] = counts.get(key, 0) + 1
                    counts["leftover processes"] = counts.get("leftover processes", 0) + bool(
                        r.get("leftover_processes")
                    )
                    if "exit_seconds" in r:
                        exits.append(float(str(r["exit_seconds"])))
                    if args.log:
                        with args.log.open("a") as fh:
                            fh.write(json.dumps(r) + "\n")
                    if r["outcome"] not in ("ok", "early"):
                        print(
                            f"{kind} trial {i}: {r['outcome']} (status {r['status']}, delay {r['delay']})\n{r['stderr']}"
                        )
                done = finished(out)
                files = list((out / "members").glob("*"))
                unreadable = sum(1 for k in done if not read_member(out, k)) + sum(
                    1 for p in files if p.name.startswith("member-") and int(p.stem.split("-")[1]) not in done
                )
                counts["members on disk"] = len(done)
                counts["unreadable or temporary files"] = unreadable + sum(
                    1 for p in files if p.name.startswith(".tmp-")
                )
                if exits:
                    counts["exit seconds median x1000"] = round(1000 * statistics.median(exits))
                    counts["exit seconds max x1000"] = round(1000 * max(exits))
                print(kind, json.dumps(counts, sort_keys=True), flush=True)
    finally:
        for b in burners:
            b.kill()
            b.wait()
    print(json.dumps(totals, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
