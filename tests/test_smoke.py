from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import borderflow


@pytest.mark.parametrize("policy", ["none", "status-quo", "talks-27-dec"])
def test_builtin_scenario_runs_and_conserves_people(policy: str) -> None:
    result = borderflow.run(seed=1, policy=policy)
    rec = result.record
    # everyone who ever appeared is staying somewhere, on the road, walking with the caravan,
    # or has left the flow (processed at the border and admitted or released, or settled)
    total_new = rec.new.sum()
    assert total_new > 0
    still_here = rec.population[-1].sum() + rec.in_transit[-1].sum() + rec.in_caravan[-1].sum()
    assert still_here + rec.settled.sum() == total_new


def test_mali2012_loads_and_scores(flee_dir: Path) -> None:
    sc = borderflow.load_scenario(flee_dir / "mali2012")
    result = borderflow.run(sc, seed=0)
    m = result.metrics()
    assert 0.0 < m["averaged_relative_difference"] < 1.0
    assert np.isfinite(m["averaged_relative_difference_rescaled"])
