"""The three executors give identical members for the same seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from borderflow.ensemble import run_ensemble
from borderflow.ensemble.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from borderflow.ensemble.store import finished, read_member
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
