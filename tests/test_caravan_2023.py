"""The built-in scenario: what the issue asks it to show (calibration checks, not validation)."""

from __future__ import annotations

import datetime as dt
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import borderflow


def _encounters(r: borderflow.Result) -> np.ndarray:
    assert r.border is not None
    a = r.border.arrays
    return a["sector_encounters"].sum(axis=1) + a["port_processed"].sum(axis=1)


def test_size_and_contents() -> None:
    sc = borderflow.load_scenario("caravan-2023")
    kinds = [p.kind for p in sc.places]
    assert len(sc.places) >= 40
    assert kinds.count("border_city") >= 11
    assert kinds.count("port") >= 12
    assert kinds.count("sector") == 9
    assert {"status-quo", "talks-27-dec"} <= set(sc.policies)
    assert sc.caravans[0].leaves == "Tapachula"
    # every figure says where it comes from
    assert all(p.source for p in sc.places)
    assert all(r.source for r in sc.routes)
    assert all(s.source for pkg in sc.policies.values() for s in pkg)


@pytest.mark.parametrize("seed", [1, 2])
def test_talks_dissolve_the_caravan_at_mapastepec_on_day_9(seed: int) -> None:
    r = borderflow.run("caravan-2023", seed=seed, policy="talks-27-dec")
    assert r.caravans is not None
    start = r.dates.index(r.world.scenario.caravans[0].date)
    alive = np.flatnonzero(r.caravans.size[:, 0] > 0)
    assert alive[-1] - start == 8  # last day as a caravan: 1 Jan; dissolved on day 9, 2 Jan
    assert r.places[r.caravans.place[alive[-1], 0]] == "Mapastepec"


@pytest.mark.parametrize("seed", [1, 2])
def test_talks_lower_encounters_against_the_status_quo_with_common_random_numbers(seed: int) -> None:
    # the same seed: both packages share their random numbers, so the difference is the talks' effect
    # (its size is set by the package's assumed strengths: README, "Which inputs set this")
    talks = _encounters(borderflow.run("caravan-2023", seed=seed, policy="talks-27-dec"))
    quo = _encounters(borderflow.run("caravan-2023", seed=seed, policy="status-quo"))
    first = 26  # 27 Dec, the talks' first day: the packages are the same levers before it
    np.testing.assert_array_equal(talks[:first], quo[:first])
    assert talks[-10:].mean() < quo[-10:].mean()
    assert 8000 <= quo[:31].mean() <= 11000  # December: CBP's >8,000 a day (9,743 on average)


def test_run_with_no_argument_is_quick(tmp_path: Path) -> None:
    # CPU time of the child, not wall time: a busy shared machine must not fail this test
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "borderflow.cli", "run"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 0, proc.stderr
    assert "results in" in proc.stdout
    assert took <= 10.0


def test_ports_close_only_as_recorded() -> None:
    """No staffing rule: the one whole closure is Lukeville's, from 4 Dec (recorded); Del Rio and
    Eagle Pass, which the unfitted rule closed on 17 Dec, stay open (partial closures are capacity
    factors, not closures)."""
    sc = borderflow.load_scenario("caravan-2023")
    assert sc.border is not None
    assert sc.border.staff_rule is None
    r = borderflow.run(sc, policy="status-quo")
    assert r.border is not None
    closed = r.border.arrays["port_closed"].astype(bool)
    ports = list(r.border.ports)
    lukeville = ports.index("Lukeville AZ")
    assert r.dates[int(np.flatnonzero(closed[:, lukeville])[0])] == dt.date(2023, 12, 4)
    assert closed[r.dates.index(dt.date(2023, 12, 4)) :, lukeville].all()
    others = np.delete(closed, lukeville, axis=1)
    assert not others.any()
