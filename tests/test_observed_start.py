"""A forecast that starts from an observed state: on the reset day the observed places hold
their observations; before it the run is the run without the reset."""

from __future__ import annotations

import numpy as np

import borderflow
from borderflow.engine.observed_start import StateReset
from borderflow.scenario import load_scenario
from ensemble_kit import TINY


def test_the_reset_day_holds_the_given_counts_and_the_days_before_are_untouched() -> None:
    sc = load_scenario(TINY)
    plain = borderflow.run(sc, seed=3)
    day = 20
    counts = {"Camp North": 1234.0, "Camp East": 7.0, "Village": 50.0}
    reset = borderflow.run(sc, seed=3, reset=StateReset(day, counts))
    for place, count in counts.items():
        assert plain.sim_series(place)[day] != count  # the reset changes something
        assert reset.sim_series(place)[day] == count
        assert np.array_equal(reset.sim_series(place)[:day], plain.sim_series(place)[:day])
    # people on the road are the simulation's: the places not named are untouched that day
    assert reset.sim_series("Junction")[day] == plain.sim_series("Junction")[day]
    assert not np.array_equal(reset.sim_series("Camp North")[day:], plain.sim_series("Camp North")[day:])
