"""Validation metrics on small series with values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from borderflow.metrics import averaged_relative_difference, daily_relative_difference, mase, per_place


def test_averaged_relative_difference_by_hand() -> None:
    sim = {"A": [10, 20], "B": [0, 30]}
    obs = {"A": [10, 10], "B": [10, 30]}
    # day 0: (0 + 10) / 20 = 0.5 ; day 1: (10 + 0) / 40 = 0.25
    assert daily_relative_difference(sim, obs).tolist() == [0.5, 0.25]
    assert averaged_relative_difference(sim, obs) == pytest.approx(0.375)


def test_rescaled_scores_only_the_split() -> None:
    obs = {"A": [30, 60], "B": [10, 20]}
    # right split (3:1), totals off by a factor 2 and 0.5: rescaled error is zero
    sim = {"A": [60, 30], "B": [20, 10]}
    assert averaged_relative_difference(sim, obs) > 0.4
    assert averaged_relative_difference(sim, obs, rescaled=True) == pytest.approx(0.0)


def test_zero_observations_use_a_floor_of_one() -> None:
    assert averaged_relative_difference({"A": [3]}, {"A": [0]}) == pytest.approx(3.0)


def test_mase_against_persistence() -> None:
    obs = [0, 10, 20, 30]  # naive one-step error: mean |diff| = 10
    sim = [5, 15, 25, 35]  # mean abs error 5
    assert mase(sim, obs) == pytest.approx(0.5)
    assert math.isnan(mase([1, 2], [4, 4]))


def test_per_place_rows() -> None:
    rows = per_place({"A": np.array([1.0, 3.0])}, {"A": np.array([2.0, 2.0])})
    assert rows[0]["place"] == "A"
    assert rows[0]["mean_abs_error"] == pytest.approx(1.0)
    assert rows[0]["relative_error"] == pytest.approx(0.5)


def test_missing_simulated_place_is_an_error() -> None:
    with pytest.raises(KeyError, match="B"):
        averaged_relative_difference({"A": [1]}, {"A": [1], "B": [1]})
