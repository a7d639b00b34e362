"""The three executors give identical members for the same seeds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from borderflow.ensemble import run_ensemble
from borderflow.ensemble.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from borderflow.ensemble.store import finished, read_member
from borderflow.scenario.errors import ScenarioError
from ensemble_kit import tiny

N = 8


def _members(folder: Path) -> dict[int, dict[str, np.ndarray]]:
    assert finished(folder) == set(range(N))
    return {k: read_member(folder, k) for k in range(N)}


def test_serial_processes_and_dask_give_identical_members(tmp_path: Path) -> None:
    sc = tiny()
    run_ensemble(sc, N, tmp_path / "serial", executor=SerialExecutor(), seed=11)
    procs = ProcessExecutor(workers=2)
    try:
        run_ensemble(sc, N, tmp_path / "processes", executor=procs, seed=11)
    finally:
        procs.close()
    dask = DaskExecutor("local", workers=2)  # a real LocalCluster: 2 worker processes
    try:
        run_ensemble(sc, N, tmp_path / "dask", executor=dask, seed=11)
    finally:
        dask.close()
    serial = _members(tmp_path / "serial")
    for other in ("processes", "dask"):
        got = _members(tmp_path / other)
        for k in range(N):
            assert serial[k].keys() == got[k].keys()
            for name in serial[k]:
                np.testing.assert_array_equal(serial[k][name], got[k][name], err_msg=f"{other} member {k} {name}")
    # The members differ from one another (different seeds and parameters), so the check has teeth.
    assert not np.array_equal(serial[0]["population_camp_north"], serial[1]["population_camp_north"])


def _wait_for(path: Path, proc: subprocess.Popen[bytes], what: str, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.is_file() and path.stat().st_size > 0:
            return
        assert proc.poll() is None, f"{what} exited with status {proc.returncode}"
        time.sleep(0.2)
    raise AssertionError(f"{what} did not start within {seconds:.0f} s")


def test_dask_joins_a_running_scheduler_by_address(tmp_path: Path) -> None:
    # As on a cluster: a scheduler and a worker started as processes of their own (the
    # `dask scheduler` / `dask worker` programs), joined by address over TCP.
    sfile = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__DIAGNOSTICS__NVML": "False"}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
         "--dashboard-address", ":0", "--scheduler-file", str(sfile)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    worker: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(sfile, scheduler, "dask scheduler")
        address = json.loads(sfile.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1",
             "--no-dashboard", "--local-directory", str(tmp_path / "worker")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        sc = tiny()
        run_ensemble(sc, N, tmp_path / "serial", executor=SerialExecutor(), seed=11)
        remote = DaskExecutor(address)
        try:
            remote.wait_for_workers(1, timeout=60)  # fail, not hang, if the worker cannot join
            run_ensemble(sc, N, tmp_path / "remote", executor=remote, seed=11)
        finally:
            remote.close()
        serial, got = _members(tmp_path / "serial"), _members(tmp_path / "remote")
        for k in range(N):
            for name in serial[k]:
                np.testing.assert_array_equal(serial[k][name], got[k][name], err_msg=f"remote member {k} {name}")
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_an_address_where_no_scheduler_answers_is_a_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    with pytest.raises(ScenarioError, match="no Dask scheduler answered"):
        DaskExecutor(f"tcp://127.0.0.1:{port}", timeout="2s")
