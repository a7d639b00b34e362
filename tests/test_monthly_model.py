"""The monthly model: exact on series it can represent, blind to months after its origin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflow.monthly import MonthlySeries, fit_monthly
from borderflow.monthly.checks import MODEL, out_of_sample, winters
from borderflow.record import read_sectors

PATTERN = np.array([0.8, 0.9, 1.2, 1.3, 1.2, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 0.9])


def _synthetic(years: int, shares: tuple[float, ...] = (0.6, 0.3, 0.1), growth: float = 1.0) -> MonthlySeries:
    n = 12 * years
    level = 10_000 * growth ** np.arange(n)
    season = np.tile(PATTERN / np.exp(np.log(PATTERN).mean()), years)
    counts = (level * season)[:, None] * np.array(shares)[None, :]
    return MonthlySeries(pd.Period("2010-01", freq="M"), ("A", "B", "C"), counts)


def test_a_steady_seasonal_series_is_forecast_exactly() -> None:
    """Level, shares and season fixed: the forecast is the next year's months, to the unit."""
    series = _synthetic(8)
    origin = pd.Period("2016-09", freq="M")
    fit = fit_monthly(series.through(origin))
    np.testing.assert_allclose(fit.forecast(3), series.window(origin + 1, 3), rtol=1e-6)
    assert fit.season.total_weight == pytest.approx(1.0)
    np.testing.assert_allclose(fit.shares.shares, [0.6, 0.3, 0.1])


def test_no_month_after_the_origin_changes_the_fit() -> None:
    series = _synthetic(8)
    origin = pd.Period("2015-12", freq="M")
    poisoned = series.counts.copy()
    poisoned[series.position(origin) + 1 :] *= 50.0
    other = MonthlySeries(series.first, series.sectors, poisoned)
    a, b = fit_monthly(series.through(origin)), fit_monthly(other.through(origin))
    np.testing.assert_array_equal(a.forecast(3), b.forecast(3))


def test_noise_without_a_season_is_shrunk_away() -> None:
    rng = np.random.default_rng(5)
    counts = 10_000 * np.exp(rng.normal(0, 0.05, size=(96, 2)))
    fit = fit_monthly(MonthlySeries(pd.Period("2010-01", freq="M"), ("A", "B"), counts))
    assert np.abs(np.log(fit.season.factors)).max() < 0.05  # raw monthly means of noise would be larger
    lower, upper = fit.band(3)
    assert (lower < fit.forecast(3)).all()
    assert (fit.forecast(3) < upper).all()


def test_too_short_a_history_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 36"):
        fit_monthly(_synthetic(2))


def test_checks_on_the_record(cbp_dir: Path) -> None:
    """The out-of-sample check runs on the real series and scores every forecaster."""
    series = MonthlySeries.from_frame(read_sectors(cbp_dir))
    result = out_of_sample(series, pd.Period("2023-09", freq="M"))
    assert [str(m) for m in result.months] == ["2023-10", "2023-11", "2023-12"]
    assert result.observed.sum() == pytest.approx(188760 + 191110 + 249740)
    names = [s.forecaster for s in result.scores]
    assert names[0] == MODEL
    assert len(names) == 4
    folds = winters(series, 2016, 2022)
    assert len(folds) == 7
    assert all(f.observed > 0 for f in folds)


def test_record_check_command(cbp_dir: Path) -> None:
    """`borderflow record-check` prints the three tables; a record too short is one line, exit 2."""
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "borderflow.cli", "record-check", "--cbp", str(cbp_dir), *args],
            capture_output=True,
            text=True,
            check=False,
        )

    proc = cli("--fit-until", "2023-09", "--first-winter", "2016")
    assert proc.returncode == 0, proc.stderr
    for text in ("fit through 2023-09", "last year scaled", "Tucson, AZ", "(7 winters)", "all winters (pooled)"):
        assert text in proc.stdout
    bad = cli("--origins", "2001-01:2002-01")
    assert bad.returncode == 2
    assert "FIRST from 2002-09" in bad.stderr
    assert bad.stdout == ""  # checked before any work
    late = cli("--fit-until", "2023-12")
    assert late.returncode == 2
    assert late.stderr.count("\n") == 1
    assert "the record ends 2023-12; expected months up to 2024-03" in late.stderr


def test_corridors_are_recovered_from_who_and_where() -> None:
    """Two groups with known corridors and a changing mix: NNLS finds the corridors exactly."""
    from borderflow.monthly.corridors import fit_corridors

    rng = np.random.default_rng(2)
    months = 30
    who = rng.uniform(1_000, 9_000, size=(months, 2))  # group counts, mix changing month to month
    truth = np.array([[0.7, 0.3, 0.0], [0.0, 0.2, 0.8]])
    where = who @ truth
    first = pd.Period("2020-01", freq="M")
    cor = fit_corridors(
        MonthlySeries(first, ("A", "B", "C"), where), MonthlySeries(first, ("north", "south"), who), window=24
    )
    by_group = dict(zip(cor.groups, cor.matrix, strict=False))
    np.testing.assert_allclose(by_group["north"], truth[0], atol=1e-9)
    np.testing.assert_allclose(by_group["south"], truth[1], atol=1e-9)
    assert cor.fit_error == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(cor.split(np.array([1.0, 1.0, 0.0])), truth.sum(axis=0) / 2, atol=1e-9)
