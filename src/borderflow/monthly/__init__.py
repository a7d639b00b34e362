"""A monthly model of Southwest Border Patrol encounters by sector, fitted to the CBP record,
the naive forecasts it must beat, and the out-of-sample checks that say whether it does.

Data flows one way: record (tidy frames) -> `MonthlySeries` (months x sectors) -> a fit on
the months up to an origin -> forecasts of the next months -> scores (borderflow.metrics).
"""

from borderflow.monthly.model import MonthlyFit, fit_monthly
from borderflow.monthly.naive import NAIVE_FORECASTS, carried_forward, last_year_scaled, seasonal_naive
from borderflow.monthly.series import MonthlySeries

__all__ = [
    "NAIVE_FORECASTS",
    "MonthlyFit",
    "MonthlySeries",
    "carried_forward",
    "fit_monthly",
    "last_year_scaled",
    "seasonal_naive",
]
