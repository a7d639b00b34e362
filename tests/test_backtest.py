"""Backtests: blind to the record after --fit-until, bands calibrated exactly as documented."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflow.backtest.calibration import HIGH, LOW, WINDOW, ErrorTable, band_from, coverage, error_table
from borderflow.backtest.forecast import combine
from borderflow.monthly import MonthlySeries
from borderflow.record import SECTOR_FILE, read_sectors

PATTERN = np.array([0.8, 0.9, 1.2, 1.3, 1.2, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 0.9])
SECTORS = ("A", "B", "C")


def _seasonal(years: int, noise: float = 0.0, seed: int = 0) -> MonthlySeries:
    season = np.tile(PATTERN / np.exp(np.log(PATTERN).mean()), years)
    counts = (10_000 * season)[:, None] * np.array([0.6, 0.3, 0.1])[None, :]
    if noise:
        counts = counts * np.exp(np.random.default_rng(seed).normal(0, noise, counts.shape))
    return MonthlySeries(pd.Period("2005-01", freq="M"), SECTORS, counts)


def test_known_errors_are_only_those_observed_by_the_month() -> None:
    """Error of origin index i at horizon h is i*10 + h: known_at keeps exactly origin + h <= month."""
    first = pd.Period("2010-01", freq="M")
    n, horizon = 120, 3
    errors = np.array([[[i * 10 + h] * 2 for h in range(1, horizon + 1)] for i in range(n)], dtype=np.float64)
    table = ErrorTable(first, errors, np.ones_like(errors))
    month = first + 100
    known = table.known_at(month)
    assert known.shape == (WINDOW, horizon, 2)
    for k in range(WINDOW):
        i = 100 - WINDOW + k  # origin index of row k
        for h in range(1, horizon + 1):
            if i + h <= 100:
                assert known[k, h - 1, 0] == i * 10 + h
            else:
                assert np.isnan(known[k, h - 1]).all()


def test_band_quantiles_are_the_errors_quantiles() -> None:
    known = np.arange(100, dtype=np.float64).reshape(100, 1, 1)
    band = band_from(known)
    assert band.low[0, 0] == pytest.approx(np.quantile(np.arange(100), LOW))  # 4.95
    assert band.high[0, 0] == pytest.approx(np.quantile(np.arange(100), HIGH))  # 94.05
    assert band.mid[0, 0] == pytest.approx(49.5)
    with pytest.raises(ValueError, match="at least 2"):
        band_from(np.full((5, 1, 1), np.nan))


def test_combine_multiplies_the_model_by_errors_and_ratios() -> None:
    model = np.full((1, 1), 1000.0)
    e = np.log(np.array([0.5, 1.0, 2.0]))
    band = band_from(np.repeat(e[:, None, None], 1, axis=1))
    sq = combine(model, band, None)
    assert sq.p50[0, 0] == pytest.approx(1000.0)  # the model's path: no median correction
    assert sq.p05[0, 0] == pytest.approx(1000 * np.exp(np.quantile(e, LOW)))
    assert sq.p95[0, 0] == pytest.approx(1000 * np.exp(np.quantile(e, HIGH)))
    policy = combine(model, band, np.full((1, 1, 1), 0.5))  # one member: the same quantile positions
    assert policy.p50[0, 0] == pytest.approx(500.0)
    assert policy.p95[0, 0] == pytest.approx(0.5 * sq.p95[0, 0])


def test_a_series_the_model_represents_has_zero_errors() -> None:
    series = _seasonal(9)
    table = error_table(series, series.last - 30, 3)
    finite = table.errors[np.isfinite(table.errors)]
    assert finite.size > 0
    np.testing.assert_allclose(finite, 0.0, atol=1e-6)


def test_the_band_holds_about_ninety_percent_of_iid_noise() -> None:
    """Lognormal noise of sd 0.1 around a fixed season: out-of-sample coverage near 0.90."""
    series = _seasonal(16, noise=0.1, seed=3)
    table = error_table(series, series.last - 100, 2)
    cov = coverage(table, series.last)
    assert cov.origins == 36
    assert 0.82 <= cov.overall <= 0.97


def _poison(src: Path, dst: Path, after: tuple[int, int]) -> None:
    """The sector file with every row after (year, month) given an absurd count."""
    with open(src / SECTOR_FILE, newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        if (int(row[1]), int(row[2])) > after:
            row[5] = "987654321"
    dst.mkdir()
    with open(dst / SECTOR_FILE, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _backtest(cbp: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "borderflow.cli",
            "backtest",
            "caravan-2023",
            "--cbp",
            str(cbp),
            "--out",
            str(out),
            "--members",
            "2",
            "--workers",
            "1",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_no_month_after_fit_until_is_read(cbp_dir: Path, tmp_path: Path) -> None:
    """Poisoned record after --fit-until: the forecast is byte-identical; only the scores differ."""
    _poison(cbp_dir, tmp_path / "poisoned", (2023, 9))
    args = ("--fit-until", "2023-09-30", "--until", "2023-11")
    clean = _backtest(cbp_dir, tmp_path / "clean", *args)
    assert clean.returncode == 0, clean.stderr
    bad = _backtest(tmp_path / "poisoned", tmp_path / "bad", *args, "--no-report")
    assert bad.returncode == 0, bad.stderr
    assert (tmp_path / "clean" / "report.html").is_file()
    assert not (tmp_path / "bad" / "report.html").exists()  # --no-report
    assert "report:" not in bad.stdout
    forecast = (tmp_path / "clean" / "forecast.csv").read_bytes()
    assert forecast == (tmp_path / "bad" / "forecast.csv").read_bytes()
    assert (tmp_path / "clean" / "scores.csv").read_bytes() != (tmp_path / "bad" / "scores.csv").read_bytes()
    assert pd.read_csv(tmp_path / "clean" / "scores.csv").columns[0] == "policy"
    table = pd.read_csv(tmp_path / "clean" / "forecast.csv")
    assert list(table.columns) == ["policy", "month", "sector", "p05", "p50", "p95"]
    assert set(table["month"]) == {"2023-10", "2023-11"}
    assert set(table["policy"]) == {"status-quo", "talks-27-dec", "as-enacted"}
    assert table["sector"].nunique() == 9
    assert (table["p05"] <= table["p50"]).all()
    assert (table["p50"] <= table["p95"]).all()
    # before the engine's period (December 2023) the packages have not started: same forecast
    by = table.set_index(["policy", "month", "sector"])
    np.testing.assert_array_equal(by.loc["talks-27-dec"].to_numpy(), by.loc["status-quo"].to_numpy())


def test_bad_dates_are_one_line_exit_2(cbp_dir: Path, tmp_path: Path) -> None:
    done = _backtest(cbp_dir, tmp_path / "x", "--fit-until", "2023-12", "--until", "2023-11")
    assert done.returncode == 2
    assert "--until" in done.stderr
    assert not (tmp_path / "x").exists()


def test_an_effect_is_identified_only_outside_the_null_band() -> None:
    from borderflow.backtest.identify import estimate

    null = np.log(np.linspace(0.7, 1.3, 101))  # past 3-month errors: x0.7 to x1.3
    forecast = np.full((3, 2), 100.0)
    small = estimate(forecast, forecast * 0.9, null)
    assert not small.identified
    assert small.holds(0.9)
    large = estimate(forecast, forecast * 0.5, null)
    assert large.identified
    assert large.holds(0.5)
    assert large.high == pytest.approx(0.5 / np.quantile(np.linspace(0.7, 1.3, 101), 0.05), rel=1e-3)


def test_synthetic_steps_scale_the_estimate(cbp_dir: Path) -> None:
    """On one synthetic series the estimates of steps of different sizes differ by exactly the
    steps (the fit never sees the months after T), and a step to a tenth is identified."""
    from borderflow.backtest.identify import synthetic_trial

    record = MonthlySeries.from_frame(read_sectors(cbp_dir, through=pd.Period("2023-12", freq="M")))
    none, tenth = synthetic_trial(record, 0, [1.0, 0.1])
    assert tenth.estimate.effect == pytest.approx(none.estimate.effect * 0.1, rel=1e-2)  # counts are rounded
    assert tenth.estimate.identified
    assert tenth.estimate.holds(0.1)


def test_too_short_a_record_is_one_line_exit_2(cbp_dir: Path, tmp_path: Path) -> None:
    done = _backtest(cbp_dir, tmp_path / "x", "--fit-until", "2002-01", "--until", "2002-03")
    assert done.returncode == 2
    assert "expected at least 96" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()


def test_as_enacted_is_the_talks_plus_shelby_park_with_the_talks_draws() -> None:
    from borderflow.backtest.effect import _aliases
    from borderflow.backtest.enacted import ENACTED, TALKS, enacted_packages
    from borderflow.scenario import load_scenario

    sc = load_scenario("caravan-2023")
    extra = enacted_packages(sc)
    data = sc.model_dump(mode="json")
    talks = data["policies"][TALKS]
    assert extra[ENACTED][: len(talks)] == talks
    assert extra[ENACTED][-1]["type"] == "close_route"
    assert extra[ENACTED][-1]["start"] == "2024-01-10"
    data["policies"][ENACTED] = extra[ENACTED]
    values = {"policies.talks-27-dec[5].share_per_day": 0.3, "caravans[0].size": 5000.0}
    assert _aliases(values, extra, data) == {"policies.as-enacted[5].share_per_day": 0.3}


def test_calendar_correction_is_the_median_total_error_of_the_same_month() -> None:
    """Origins 12, 24, 36 months before T carry total errors log 0.5, log 0.8, log 2 at every
    horizon (all sectors alike): the correction is their median, log 0.8; other origins do not count."""
    from borderflow.backtest.calibration import calendar_correction

    first = pd.Period("2010-01", freq="M")
    errors = np.zeros((60, 3, 2))
    at = first + 50
    for k, f in zip((1, 2, 3), (0.5, 0.8, 2.0), strict=True):
        errors[50 - 12 * k] = np.log(f)
    errors[49] = np.log(10.0)  # not the same calendar month: ignored
    table = ErrorTable(first, errors, np.full_like(errors, 100.0))
    np.testing.assert_allclose(calendar_correction(table, at, years=3), np.log(0.8))
    np.testing.assert_allclose(calendar_correction(table, at, years=1), np.log(0.5))
