"""An ensemble killed half-way resumes: no finished member lost, none duplicated, none redone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from borderflow.ensemble import rerun_member, run_ensemble
from borderflow.ensemble.executors import SerialExecutor
from borderflow.ensemble.store import finished, member_path, read_member
from borderflow.scenario.errors import ScenarioError
from ensemble_kit import tiny, write_tiny

N = 60


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "borderflow", "ensemble", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_killed_ensemble_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    scenario = write_tiny(tmp_path)
    out = tmp_path / "ens"
    args = (str(scenario), "-n", str(N), "--seed", "5", "--out", str(out), "--serial")
    proc = _cli(*args)
    deadline = time.monotonic() + 60
    while len(finished(out)) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    ended = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate()
    assert not ended, f"the ensemble ended before the kill (status {proc.returncode}): {stderr}"
    before = finished(out)
    assert 5 <= len(before) < N, "kill landed before or after the ensemble; make it longer"
    stamps = {k: member_path(out, k).stat().st_mtime_ns for k in before}
    data = {k: read_member(out, k) for k in before}

    proc = _cli(*args)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    files = sorted(p.name for p in (out / "members").iterdir())
    assert files == [f"member-{k:06d}.parquet" for k in range(N)]  # complete, no duplicate, no stray temp file
    for k in before:  # the finished members were kept as they were, not redone
        assert member_path(out, k).stat().st_mtime_ns == stamps[k]
        assert read_member(out, k).keys() == data[k].keys()
    manifest = json.loads((out / "manifest.json").read_text())
    assert [m["seed"] for m in manifest["members"]] == list(range(5, 5 + N))

    # The resumed ensemble equals one run in a single go.
    whole = run_ensemble(tiny(), N, tmp_path / "whole", seed=5, executor=SerialExecutor())
    for k in range(N):
        a, b = read_member(out, k), read_member(whole, k)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])


def test_any_member_reruns_alone_from_the_manifest(tmp_path: Path) -> None:
    out = run_ensemble(tiny(), 6, tmp_path / "ens", seed=9)
    for source in (out, out / "manifest.json", json.loads((out / "manifest.json").read_text())):
        again = rerun_member(source, 4)
        stored = read_member(out, 4)
        assert again.keys() == stored.keys()
        for name in stored:
            np.testing.assert_array_equal(again[name], stored[name])
    with pytest.raises(ScenarioError, match="member"):
        rerun_member(out, 6)


def test_a_folder_holding_another_ensemble_is_refused(tmp_path: Path) -> None:
    run_ensemble(tiny(), 3, tmp_path / "ens", seed=1)
    with pytest.raises(ScenarioError, match="different ensemble"):
        run_ensemble(tiny(), 3, tmp_path / "ens", seed=2)


def test_a_damaged_member_file_is_run_again(tmp_path: Path) -> None:
    out = run_ensemble(tiny(), 4, tmp_path / "ens", seed=1)
    good = read_member(out, 2)
    member_path(out, 2).write_bytes(b"not parquet")
    (out / "members" / ".tmp-left-by-a-kill.parquet").write_bytes(b"")
    assert finished(out) == {0, 1, 3}
    run_ensemble(tiny(), 4, out, seed=1)
    assert sorted(p.name for p in (out / "members").iterdir()) == [f"member-{k:06d}.parquet" for k in range(4)]
    np.testing.assert_array_equal(read_member(out, 2)["population_camp_north"], good["population_camp_north"])


def test_the_python_api_takes_a_scenario_file_like_borderflow_run(tmp_path: Path) -> None:
    from borderflow.ensemble import sensitivity

    path = write_tiny(tmp_path)
    out = run_ensemble(str(path), 3, tmp_path / "ens", executor=SerialExecutor(), seed=5)
    assert finished(out) == {0, 1, 2}
    table, runs = sensitivity(path, "population_camp_north:peak", n=2, method="morris")
    assert runs == 2 * (len(tiny().uncertain) + 1)
    assert len(table) == len(tiny().uncertain)


def test_ctrl_c_stops_an_ensemble_with_status_130_and_it_resumes(tmp_path: Path) -> None:
    scenario = write_tiny(tmp_path)
    out = tmp_path / "ens"
    n = 5_000  # far more than finish in the time before the interrupt
    args = (str(scenario), "-n", str(n), "--out", str(out), "--workers", "2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "borderflow", "ensemble", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while len(finished(out)) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()[1]
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole group: workers too
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    done = finished(out)
    assert 5 <= len(done) < n
    for k in done:  # every member on disk is whole
        assert read_member(out, k)


def test_chunked_members_give_the_same_files_as_one_member_a_task(tmp_path: Path) -> None:
    # 7 members in chunks of 3 (the last chunk short) against one member a task: same bytes
    scenario = tiny()
    one = run_ensemble(scenario, 7, tmp_path / "one", seed=11, executor=SerialExecutor(), chunk=1)
    three = run_ensemble(scenario, 7, tmp_path / "three", seed=11, executor=SerialExecutor(), chunk=3)
    assert finished(one) == finished(three) == set(range(7))
    for k in range(7):
        assert member_path(one, k).read_bytes() == member_path(three, k).read_bytes()


def test_chunk_below_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected a whole number of members per task"):
        run_ensemble(tiny(), 3, tmp_path / "zero", seed=11, executor=SerialExecutor(), chunk=0)
