"""A day costs the same for a thousand or ten million people (counts, not agents)."""

from __future__ import annotations

import time

import borderflow
from borderflow.scenario.native import scenario_from_data
from ensemble_kit import tiny_data


def _year(people: int) -> borderflow.Scenario:
    data = tiny_data([])
    data["days"] = 365
    data["observations"] = []
    data["closures"] = []
    data["departures"] = [{"place": "Origin", "start": "2024-01-01", "end": "2024-12-30", "per_day": people / 365}]
    return scenario_from_data(data, "tiny, one year")


def _seconds(sc: borderflow.Scenario) -> float:
    best = float("inf")
    for seed in range(3):
        t0 = time.perf_counter()
        borderflow.run(sc, seed=seed)
        best = min(best, time.perf_counter() - t0)
    return best


def test_ten_million_people_cost_about_what_a_thousand_do() -> None:
    small, big = _year(1_000), _year(10_000_000)
    r = borderflow.run(big, seed=0)
    # all of them appear: 27,397.26 a day, the fraction rounded at random (sd ~ 9 over the year)
    assert abs(int(r.record.new.sum()) - 10_000_000) < 100
    # An engine with per-person work would take ~10,000x longer; counts moved with binomial
    # and multinomial draws cost the same (a loose bound: the machine is shared).
    assert _seconds(big) < 3 * _seconds(small) + 0.05
