"""A backtest from the months up to an origin: status quo, its calibrated band, each package."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from borderflow.backtest.calibration import (
    COVERAGE_ORIGINS,
    MAX_HORIZON,
    WINDOW,
    Band,
    Coverage,
    ErrorTable,
    band_from,
    choose_tail,
    error_table,
)
from borderflow.backtest.effect import Effect, policy_effect
from borderflow.backtest.enacted import enacted_packages
from borderflow.backtest.forecast import PackageForecast, forecasts
from borderflow.backtest.scores import PastRecord, past_record
from borderflow.ensemble.executors import Executor
from borderflow.monthly.model import MonthlyFit, fit_monthly
from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray
from borderflow.scenario.model import Scenario


@dataclass(frozen=True)
class Backtest:
    origin: pd.Period
    months: list[pd.Period]
    sectors: tuple[str, ...]
    fit: MonthlyFit
    model: FloatArray  # (months, sectors) the monthly model's mean path
    band: Band
    table: ErrorTable
    coverage: Coverage  # of the band chosen
    plain_coverage: Coverage  # of the plain 5%-95% quantiles of past errors
    past: PastRecord
    effect: Effect
    results: list[PackageForecast]


def run_backtest(
    scenario: Scenario,
    history: MonthlySeries,
    until: pd.Period,
    members: int,
    executor: Executor | None = None,
    status_quo: str | None = None,
) -> Backtest:
    """`history` ends at the origin (the caller cuts it: nothing later is passed in)."""
    origin = history.last
    horizon = int((until - origin).n)
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"{horizon} months from {origin} to {until}; expected 1 to {MAX_HORIZON}")
    months = list(pd.period_range(origin + 1, until, freq="M"))
    fit = fit_monthly(history)
    model = fit.forecast(horizon)
    table = error_table(history, origin - (horizon + COVERAGE_ORIGINS + WINDOW), horizon)
    plain, cover = choose_tail(table, origin)
    band = band_from(table.known_at(origin), cover.tail)
    past = past_record(table, history, origin, COVERAGE_ORIGINS, cover.tail)
    base = status_quo or scenario.default_policy or next(iter(scenario.policies))
    extra = enacted_packages(scenario)
    packages = [p for p in scenario.policies if p != base] + list(extra)
    effect = policy_effect(scenario, months, history.sectors, base, packages, members, executor, extra)
    return Backtest(
        origin,
        months,
        history.sectors,
        fit,
        model,
        band,
        table,
        cover,
        plain,
        past,
        effect,
        forecasts(model, band, effect),
    )
