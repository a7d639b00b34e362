"""Calendar months as the record counts them: `pandas.Period` of frequency M."""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.scenario.csvfile import Row

Month = pd.Period

MONTH_ABBREVIATIONS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def month(text: str) -> Month:
    """'2023-09' (or a Period) as a month; ValueError otherwise."""
    try:
        return pd.Period(text, freq="M")
    except (ValueError, TypeError):
        raise ValueError(f"expected a month YYYY-MM, found {text!r}") from None


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included."""
    return list(pd.period_range(first, last, freq="M"))


def fiscal_year(m: int) -> int:
    """The US federal fiscal year of a whole-number month: October opens the next year's."""
    year, number = divmod(m, 12)
    return year + (1 if number + 1 >= 10 else 0)


def ordinal(m: Month) -> int:
    """A month as a whole number (months since year 0), cheap to compare and store per row."""
    return int(m.year) * 12 + int(m.month) - 1


def periods(ordinals: list[int]) -> pd.PeriodIndex:
    """Whole-number months (see `ordinal`) back as months, all at once."""
    years, months = divmod(np.asarray(ordinals, dtype=np.int64), 12)
    index: pd.PeriodIndex = pd.PeriodIndex.from_fields(year=years, month=months + 1, freq="M")  # type: ignore[attr-defined]  # missing from pandas-stubs
    return index


def calendar_month(row: Row, year_col: int, month_col: int) -> int:
    """The row's (year, month) cells as a whole-number month (see `ordinal`); errors name the
    line and column."""
    year = row.integer(year_col, "year")
    if not 1900 <= year <= 2199:
        raise row.error(f"year {year} out of range; expected a year from 1900 to 2199", "year")
    number = row.integer(month_col, "month")
    if not 1 <= number <= 12:
        raise row.error(f"month {number} out of range; expected 1 to 12", "month")
    return year * 12 + number - 1


def count(row: Row, col: int, name: str) -> int:
    """A non-negative whole count; errors name the line and column."""
    value = row.integer(col, name)
    if value < 0:
        raise row.error(f"negative count {value}; expected a count of 0 or more", name)
    return value
