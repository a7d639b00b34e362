"""Policy comparison with common random numbers: paired differences, decomposition, verdict."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from borderflow.report.compare import compare
from test_border import START, _scenario


def _sc():  # type: ignore[no-untyped-def]
    return _scenario(
        days=20,
        departures=[{"place": "City", "start": START, "end": START + dt.timedelta(days=14), "per_day": 400}],
        border={"city_movechance": 0.3, "sector_weight": 1.0},
        policies={
            "enforce": [{"type": "returns", "places": ["City"], "to": "South", "share_per_day": 0.2}],
            "same": [],
        },
    )


def test_identical_packages_differ_by_nothing() -> None:
    cmp = compare(_sc(), None, "same", seeds=[1, 2])
    assert np.all(cmp.paired("encounters") == 0)
    assert cmp.change_pct() == (0.0, 0.0, 0.0)


def test_enforcement_lowers_encounters_and_says_so() -> None:
    cmp = compare(_sc(), None, "enforce", seeds=[1, 2, 3])
    mean, lo, hi = cmp.change_pct()
    assert mean < 0
    assert lo <= mean <= hi
    d = cmp.decomposition()
    assert d["net_reduction"] == pytest.approx(-cmp.paired("encounters").mean())
    assert cmp.mean("b", "returned_south") > 0
    verdict = cmp.verdict()
    assert verdict.startswith("enforce lowers Southwest encounters over the whole period by ")
    assert "3 paired seeds" in verdict


def test_window_limits_the_count() -> None:
    window = (START, START + dt.timedelta(days=4))
    cmp = compare(_sc(), None, "enforce", seeds=[1], window=window)
    full = compare(_sc(), None, "enforce", seeds=[1])
    assert cmp.outcomes_a[0].encounters + cmp.outcomes_a[0].encounters_after == pytest.approx(
        full.outcomes_a[0].encounters
    )


def test_the_python_api_refuses_a_window_outside_the_period_and_a_negative_seed() -> None:
    import datetime as dt

    import borderflow
    from borderflow.report.compare import compare
    from borderflow.scenario import ScenarioError

    sc = borderflow.load_scenario("caravan-2023")
    with pytest.raises(ScenarioError, match="within the period"):
        compare(sc, "status-quo", "talks-27-dec", [1], (dt.date(2024, 1, 31), dt.date(2024, 1, 1)))
    with pytest.raises(ScenarioError, match=">= 0"):
        borderflow.run(sc, seed=-1)
