"""Forecast scores and naive forecasts, each against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from borderflow.metrics import interval_score, mase, share_dissimilarity, wape
from borderflow.monthly import MonthlySeries, carried_forward, last_year_scaled, seasonal_naive


def test_wape_weighs_errors_by_volume() -> None:
    # |110-100| + |0-10| = 20 over 110 observed
    assert wape([[110, 0]], [[100, 10]]) == pytest.approx(20 / 110)
    assert wape([1, 2], [1, 2]) == 0.0
    assert math.isnan(wape([1], [0]))
    with pytest.raises(ValueError, match="differ in shape"):
        wape([1, 2], [1])


def test_share_dissimilarity_is_half_the_share_gap() -> None:
    # shares (0.5, 0.5) vs (0.8, 0.2): half of 0.3 + 0.3
    assert share_dissimilarity([50, 50], [80, 20]) == pytest.approx(0.3)
    # the scale of the totals does not matter, only the split
    assert share_dissimilarity([1, 1], [800, 800]) == 0.0
    # no sector in common: 1; over two months, the mean
    assert share_dissimilarity([[1, 0], [50, 50]], [[0, 1], [80, 20]]) == pytest.approx((1.0 + 0.3) / 2)
    with pytest.raises(ValueError, match="no encounters"):
        share_dissimilarity([0, 0], [1, 1])


def test_interval_score_by_hand() -> None:
    # inside: the width; below by 2 with alpha 0.1: width + 20 x 2; above by 1: width + 20 x 1
    assert interval_score([10], [20], [15], alpha=0.1) == pytest.approx(10)
    assert interval_score([10], [20], [8], alpha=0.1) == pytest.approx(10 + 40)
    assert interval_score([10, 10], [20, 20], [21, 15], alpha=0.1) == pytest.approx(((10 + 20) + 10) / 2)
    with pytest.raises(ValueError, match="upper end is below"):
        interval_score([5], [4], [4])
    with pytest.raises(ValueError, match="alpha"):
        interval_score([1], [2], [1], alpha=1.5)


def test_mase_scaled_by_a_seasonal_history() -> None:
    history = np.array([10, 20, 30, 14, 26, 30])  # lag-3 changes 4, 6, 0: mean 10/3
    assert mase([15, 25], [14, 26], history=history, lag=3) == pytest.approx(1.0 / (10 / 3))
    # without a history, the observations' own day-to-day changes (the original definition)
    assert mase([1, 2, 3], [1, 3, 5]) == pytest.approx(1.0 / 2.0)
    assert math.isnan(mase([1, 2], [1, 1]))


def _series(rows: list[list[float]], first: str = "2022-01") -> MonthlySeries:
    return MonthlySeries(pd.Period(first, freq="M"), ("A", "B"), np.array(rows, dtype=np.float64))


def test_naive_forecasts_by_hand() -> None:
    year = [[10.0 * (m + 1), 5.0] for m in range(12)]  # Jan 2022 - Dec 2022
    history = _series([*year, [40.0, 10.0]])  # Jan 2023: A 40 (x4 on Jan 2022's 10), B 10 (x2)
    assert carried_forward(history, 2).tolist() == [[40, 10], [40, 10]]
    assert seasonal_naive(history, 2).tolist() == [[20, 5], [30, 5]]  # Feb and Mar 2022
    assert last_year_scaled(history, 2).tolist() == [[80, 10], [120, 10]]
    with pytest.raises(ValueError, match="at least 13"):
        last_year_scaled(_series(year), 1)


def test_a_zero_year_ago_leaves_the_ratio_at_one() -> None:
    year = [[0.0, 5.0]] + [[3.0, 5.0]] * 11
    history = _series([*year, [7.0, 5.0]])
    assert last_year_scaled(history, 1).tolist() == [[3.0, 5.0]]
