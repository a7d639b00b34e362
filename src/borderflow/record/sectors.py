"""Border Patrol encounters by month and sector (OHSS "KHSM Encounters (USBP)", FY2000 on)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from borderflow.record.months import Month, calendar_month, count, fiscal_year, ordinal, periods
from borderflow.record.table import no_repeats, rows_with_header

SECTOR_FILE = "usbp-monthly-by-sector-fy2000-dec2023.csv"
SOUTHWEST = "Southwest Land Border"
_COLUMNS = ("fiscal_year", "year", "month", "region", "sector", "encounters")


def read_sectors(folder: Path, *, region: str | None = SOUTHWEST, through: Month | None = None) -> pd.DataFrame:
    """Tidy frame (month, region, sector, encounters), one row per month and sector, sorted.

    `region`: keep only this region (None: all); `through`: the last month read, later rows
    are skipped before their counts are parsed."""
    path = folder / SECTOR_FILE
    last = None if through is None else ordinal(through)
    seen: dict[tuple[object, ...], int] = {}
    records = []
    for row in rows_with_header(path, _COLUMNS, "Border Patrol encounters by month and sector"):
        m = calendar_month(row, 1, 2)
        if last is not None and m > last:
            continue
        fy = row.integer(0, "fiscal_year")
        if fy != fiscal_year(m):
            raise row.error(
                f"fiscal year {fy} for {m // 12}-{m % 12 + 1:02d}; expected {fiscal_year(m)} (October opens a year)",
                "fiscal_year",
            )
        where, sector = row.cell(3, "region"), row.cell(4, "sector")
        if not sector:
            raise row.error("empty sector; expected a sector name such as 'Del Rio, TX'", "sector")
        if region is not None and where != region:
            continue
        no_repeats(seen, (m, sector), row)
        records.append((m, where, sector, count(row, 5, "encounters")))
    frame = pd.DataFrame(records, columns=["month", "region", "sector", "encounters"])
    frame["month"] = periods(frame["month"].tolist())
    frame["encounters"] = frame["encounters"].astype("int64")
    return frame.sort_values(["month", "sector"], ignore_index=True)
