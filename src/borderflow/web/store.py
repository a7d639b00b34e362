"""Runs on disk and the worker that runs them.

Each run is a folder `<runs dir>/<id>/` holding `run.json` (the request, status, progress,
summary; rewritten atomically) and `results/`, a results folder written by `results` (a run)
or `ensemble` (members), with the report. A restarted server lists every run again; a run
that was queued or running when the server stopped is marked failed, never lost in silence.

Runs go one at a time through one worker thread: a run's failure (bad data, a bug, a full
disk) marks that run failed with its message and never reaches the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import secrets
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from borderflow.files import write_file_atomically
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario
from borderflow.web.compose import BadRequest, compose
from borderflow.web.models import MAX_QUEUED, RunInfo, RunRequest

RUN_FILE = "run.json"
RESULTS = "results"
CHARTS_LOCK = threading.Lock()  # matplotlib's pyplot is not thread-safe: one chart at a time


class TooBusy(RuntimeError):
    """Too many runs queued (429)."""


class UnknownRun(KeyError):
    """No run with this id (404)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class RunStore:
    """The runs under one folder, and the worker thread that runs them."""

    def __init__(self, root: Path, max_queued: int = MAX_QUEUED, warm_up: bool = True) -> None:
        self.root = root
        self.max_queued = max_queued
        self._lock = threading.Lock()
        self._runs: dict[str, dict[str, Any]] = {}
        self._started: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="borderflow-run")
        self._load()
        if warm_up:
            self._pool.submit(self._warm_up)

    # ----- on disk ---------------------------------------------------------------------
    def _load(self) -> None:
        for folder in sorted(self.root.iterdir()) if self.root.is_dir() else []:
            path = folder / RUN_FILE
            if not path.is_file():
                continue  # not ours: left alone
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                RunInfo.model_validate(data)
            except (OSError, ValueError):
                continue
            if data["status"] in ("queued", "running"):
                data.update(
                    status="failed",
                    message="the server stopped before this run finished; run it again",
                    finished=_now(),
                )
                self._write(data)
            self._runs[data["id"]] = data

    def _write(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, indent=1, allow_nan=False) + "\n"
        write_file_atomically(self.root / data["id"] / RUN_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def _update(self, run_id: str, **changes: Any) -> None:
        with self._lock:
            data = self._runs[run_id]
            data.update(changes)
            snapshot = json.loads(json.dumps(data))
        self._write(snapshot)

    # ----- the API's verbs -------------------------------------------------------------
    def submit(self, req: RunRequest) -> dict[str, Any]:
        """Check the request (BadRequest), queue the run (TooBusy when full) and return it."""
        scenario, package = compose(req)
        with self._lock:
            active = sum(1 for r in self._runs.values() if r["status"] in ("queued", "running"))
            if active >= self.max_queued:
                raise TooBusy(f"{active} runs are queued or running; expected at most {self.max_queued}: wait for one")
            run_id = f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
            data: dict[str, Any] = {
                "id": run_id,
                "status": "queued",
                "progress": 0.0,
                "stage": "queued",
                "message": None,
                "request": req.model_dump(mode="json"),
                "created": _now(),
                "finished": None,
                "seconds": None,
                "summary": None,
            }
            self._runs[run_id] = data
            self._started[run_id] = time.perf_counter()
        (self.root / run_id).mkdir(parents=True)
        self._write(data)
        self._pool.submit(self._execute, run_id, scenario, package, req.members)
        return self.get(run_id)

    def get(self, run_id: str) -> dict[str, Any]:
        with self._lock:
            if run_id not in self._runs:
                raise UnknownRun(run_id)
            copy: dict[str, Any] = json.loads(json.dumps(self._runs[run_id]))
            return copy

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            ids = sorted(self._runs, reverse=True)
        return [self.get(i) for i in ids]

    def results(self, run_id: str) -> Path:
        """The results folder of a finished run."""
        data = self.get(run_id)
        if data["status"] != "done":
            raise BadRequest(f"run {run_id} is {data['status']}; expected a finished run")
        return self.root / run_id / RESULTS

    def zip(self, run_id: str) -> bytes:
        folder = self.results(run_id)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    z.write(path, f"{run_id}/{path.relative_to(folder).as_posix()}")
            z.write(self.root / run_id / RUN_FILE, f"{run_id}/{RUN_FILE}")
        return buf.getvalue()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # ----- the worker ------------------------------------------------------------------
    def _execute(self, run_id: str, scenario: Scenario, package: str | None, members: int) -> None:
        try:
            self._update(run_id, status="running", stage="simulating", progress=0.05)
            out = self.root / run_id / RESULTS
            if members == 1:
                summary = self._one(run_id, scenario, package, out)
            else:
                summary = self._ensemble(run_id, scenario, package, members, out)
            self._update(run_id, status="done", stage="done", progress=1.0, summary=summary, **self._end(run_id))
        except Exception as exc:  # the run fails, the server goes on
            message = exc.one_line() if isinstance(exc, ScenarioError) else f"{type(exc).__name__}: {exc}"
            self._update(run_id, status="failed", stage="failed", message=message, **self._end(run_id))

    def _warm_up(self) -> None:
        """A short run of the first scenario into a temporary folder, so that the first run asked
        for answers as fast as the next (imports, matplotlib's fonts, pyarrow's writers)."""
        import tempfile

        from borderflow.scenario import BUILTIN

        with contextlib.suppress(Exception), tempfile.TemporaryDirectory(prefix="borderflow-warm-up-") as tmp:
            scenario, package = compose(RunRequest(scenario=next(iter(BUILTIN)), days=3))
            self._one(None, scenario, package, Path(tmp) / RESULTS)

    def _end(self, run_id: str) -> dict[str, Any]:
        return {"finished": _now(), "seconds": round(time.perf_counter() - self._started.get(run_id, 0.0), 3)}

    def _one(self, run_id: str | None, scenario: Scenario, package: str | None, out: Path) -> dict[str, Any]:
        from borderflow.api import run as run_scenario
        from borderflow.ensemble.members import outputs
        from borderflow.report.write import add_report
        from borderflow.results.folder import claim
        from borderflow.results.writer import write_results

        result = run_scenario(scenario, policy=package or "none")
        if run_id is not None:
            self._update(run_id, stage="writing results", progress=0.5)
        with claim(out) as folder:
            write_results(result, folder)
            if run_id is not None:
                self._update(run_id, stage="writing the report", progress=0.75)
            with CHARTS_LOCK:
                add_report(folder.path)
        return summarise(scenario, [outputs(result)], result.seed, result.timings)

    def _ensemble(self, run_id: str, scenario: Scenario, package: str | None, n: int, out: Path) -> dict[str, Any]:
        from borderflow.ensemble.runner import run_ensemble
        from borderflow.ensemble.store import finished, read_member
        from borderflow.report.write import add_report

        def progress(done: int, total: int) -> None:
            self._update(run_id, stage=f"{done} of {total} members", progress=0.05 + 0.8 * done / max(total, 1))

        path = run_ensemble(scenario, n, out, policy=package or "none", progress=progress)
        self._update(run_id, stage="writing the report", progress=0.9)
        with CHARTS_LOCK:
            add_report(path)
        series = [read_member(path, k) for k in sorted(finished(path))]
        return summarise(scenario, series, scenario.seed, {})


def summarise(
    scenario: Scenario, members: list[dict[str, Any]], seed: int, timings: dict[str, float]
) -> dict[str, Any]:
    """What the app shows of a run: daily series (the mean over members) and their totals,
    with the lowest and highest member's total."""
    names = list(members[0]) if members else []
    series: dict[str, list[float]] = {}
    totals: dict[str, dict[str, float]] = {}
    for name in names:
        stack = np.asarray([m[name] for m in members], dtype=np.float64)
        series[name] = np.round(stack.mean(axis=0), 2).tolist()
        sums = stack.sum(axis=1)
        totals[name] = {"mean": float(sums.mean()), "min": float(sums.min()), "max": float(sums.max())}
    return {
        "scenario": scenario.name,
        "start_date": scenario.start_date.isoformat(),
        "days": scenario.days,
        "seed": seed,
        "members": len(members),
        "series": series,
        "totals": totals,
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
    }
