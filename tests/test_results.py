"""Results: tidy tables, byte-identical output for the same seed, atomic writing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import borderflow
from borderflow.results import verify, write_results

TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"


def test_to_pandas_is_tidy_and_consistent() -> None:
    result = borderflow.run(TINY, seed=1)
    df = result.to_pandas()
    assert list(df.columns) == [
        "date",
        "day",
        "place",
        "population",
        "arrivals",
        "departures",
        "new",
        "in_transit",
        "returned",
        "settled",
        "removed_in_transit",
    ]  # a scenario with caravans adds their `in_caravan` (declared by the caravans' component)
    assert "in_caravan" in borderflow.run("caravan-2023", seed=1).to_pandas().columns
    assert len(df) == result.world.days * len(result.places)
    last = df[df.day == df.day.max()]
    # nobody is lost: everyone who appeared is staying somewhere or on the road
    assert last.population.sum() + last.in_transit.sum() == df.new.sum()


def test_same_seed_gives_byte_identical_parquet(tmp_path: Path) -> None:
    a = write_results(borderflow.run(TINY, seed=11), tmp_path / "a")
    b = write_results(borderflow.run(TINY, seed=11), tmp_path / "b")
    for name in ("daily.parquet", "observed.parquet", "daily.csv", "metrics.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = write_results(borderflow.run(TINY, seed=12), tmp_path / "c")
    assert (a / "daily.parquet").read_bytes() != (c / "daily.parquet").read_bytes()


def test_manifest_records_seed_hash_version_and_timings(tmp_path: Path) -> None:
    out = write_results(borderflow.run(TINY, seed=5), tmp_path / "r")
    manifest = verify(out)
    assert manifest["seed"] == 5
    assert manifest["borderflow_version"] == borderflow.__version__
    assert len(manifest["scenario_hash"]) == 64
    assert {"compile_s", "simulate_s", "write_s"} <= set(manifest["timings_s"])
    df = pd.read_parquet(out / "daily.parquet")
    assert df.population.sum() > 0
    assert json.loads((out / "metrics.json").read_text())["averaged_relative_difference"] >= 0


def test_rewrite_replaces_previous_results_whole(tmp_path: Path) -> None:
    out = tmp_path / "r"
    write_results(borderflow.run(TINY, seed=1), out)
    first = (out / "daily.parquet").read_bytes()
    write_results(borderflow.run(TINY, seed=2), out)
    assert (out / "daily.parquet").read_bytes() != first
    assert verify(out)["seed"] == 2
    assert not list(tmp_path.glob(".r.*")), "no temporary folders left behind"


def _complete_or_previous(out: Path, previous_seed: int | None) -> str:
    if not out.exists():
        assert previous_seed is None
        return "none"
    manifest = verify(out)  # finishes an interrupted commit; raises if any file is half-written or missing
    return "previous" if manifest["seed"] == previous_seed else "new"


@pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")
def test_killed_runs_leave_previous_or_complete_results(tmp_path: Path) -> None:
    """Kill `borderflow run` at many moments; the results folder is never half-written."""
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "borderflow.cli", "run", str(TINY), "--out", str(out), "--seed"]
    subprocess.run([*cmd, "1"], check=True, capture_output=True)
    previous = 1
    seen: set[str] = set()
    rng = np.random.default_rng(0)
    # Measure how long a run takes, then kill at moments spread over that span.
    t0 = time.perf_counter()
    subprocess.run([*cmd, "2"], check=True, capture_output=True)
    span = time.perf_counter() - t0
    previous = 2
    for i in range(12):
        seed = 100 + i
        proc = subprocess.Popen([*cmd, str(seed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(float(rng.uniform(0.3, 1.0)) * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = _complete_or_previous(out, previous)
        seen.add(state)
        if state == "new":
            previous = seed
    assert seen <= {"previous", "new"}
    assert os.listdir(out)
