from __future__ import annotations

from pathlib import Path

import numpy as np

import borderflow


def test_builtin_scenario_runs_and_conserves_people() -> None:
    result = borderflow.run(seed=1)
    rec = result.record
    # everyone who ever appeared is either staying somewhere or on the road
    total_new = rec.spawned.sum()
    assert total_new > 0
    assert rec.population[-1].sum() + rec.in_transit[-1].sum() == total_new


def test_mali2012_loads_and_scores(flee_dir: Path) -> None:
    sc = borderflow.load_scenario(flee_dir / "mali2012")
    result = borderflow.run(sc, seed=0)
    m = result.metrics()
    assert 0.0 < m["averaged_relative_difference"] < 1.0
    assert np.isfinite(m["averaged_relative_difference_rescaled"])
