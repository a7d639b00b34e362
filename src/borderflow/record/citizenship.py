"""Southwest Border Patrol encounters by month and citizenship (who comes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from borderflow.record.months import Month, calendar_month, count, fiscal_year, ordinal, periods
from borderflow.record.table import no_repeats, rows_with_header

CITIZENSHIP_FILE = "usbp-monthly-by-citizenship-southwest-fy2000-dec2023.csv"
_COLUMNS = ("fiscal_year", "year", "month", "citizenship", "encounters")


def read_citizenship(folder: Path, *, through: Month | None = None) -> pd.DataFrame:
    """Tidy frame (month, citizenship, encounters), sorted; `through` as in `read_sectors`."""
    path = folder / CITIZENSHIP_FILE
    last = None if through is None else ordinal(through)
    seen: dict[tuple[object, ...], int] = {}
    records = []
    for row in rows_with_header(path, _COLUMNS, "Southwest Border Patrol encounters by month and citizenship"):
        m = calendar_month(row, 1, 2)
        if last is not None and m > last:
            continue
        fy = row.integer(0, "fiscal_year")
        if fy != fiscal_year(m):
            raise row.error(
                f"fiscal year {fy} for {m // 12}-{m % 12 + 1:02d}; expected {fiscal_year(m)} (October opens a year)",
                "fiscal_year",
            )
        citizenship = row.cell(3, "citizenship")
        if not citizenship:
            raise row.error("empty citizenship; expected a country name such as 'Mexico'", "citizenship")
        no_repeats(seen, (m, citizenship), row)
        records.append((m, citizenship, count(row, 4, "encounters")))
    frame = pd.DataFrame(records, columns=["month", "citizenship", "encounters"])
    frame["month"] = periods(frame["month"].tolist())
    frame["encounters"] = frame["encounters"].astype("int64")
    return frame.sort_values(["month", "citizenship"], ignore_index=True)
