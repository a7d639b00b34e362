"""CBP "Nationwide Encounters" by month, land border region, state, demographic, citizenship
and title of authority (Border Patrol and ports together), Oct 2019 - Sep 2023."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from borderflow.record.months import MONTH_ABBREVIATIONS, Month, count, ordinal, periods
from borderflow.record.table import no_repeats, rows_with_header

NATIONWIDE_FILE = "cbp-nationwide-encounters-fy20-fy23-state.csv"
_COLUMNS = (
    "Fiscal Year",
    "Month Grouping",
    "Month (abbv)",
    "Land Border Region",
    "State",
    "Demographic",
    "Citizenship",
    "Title of Authority",
    "Encounter Count",
)
_KEYS = ("region", "state", "demographic", "citizenship", "title")


def read_nationwide(folder: Path, *, through: Month | None = None) -> pd.DataFrame:
    """Tidy frame (month, region, state, demographic, citizenship, title, encounters), sorted;
    the fiscal year and month abbreviation become a calendar month (OCT-DEC open the fiscal
    year, so fall in the calendar year before it). `through` as in `read_sectors`."""
    path = folder / NATIONWIDE_FILE
    last = None if through is None else ordinal(through)
    seen: dict[tuple[object, ...], int] = {}
    records = []
    for row in rows_with_header(path, _COLUMNS, "CBP nationwide encounters by state"):
        fy = row.integer(0, "Fiscal Year")
        if not 1900 <= fy <= 2199:
            raise row.error(f"fiscal year {fy} out of range; expected 1900 to 2199", "Fiscal Year")
        abbv = row.cell(2, "Month (abbv)").upper()
        if abbv not in MONTH_ABBREVIATIONS:
            raise row.error(f"month {abbv!r}; expected one of {', '.join(MONTH_ABBREVIATIONS)}", "Month (abbv)")
        number = MONTH_ABBREVIATIONS.index(abbv) + 1
        m = (fy - 1 if number >= 10 else fy) * 12 + number - 1
        if last is not None and m > last:
            continue
        keys = tuple(row.cell(i, name) for i, name in zip((3, 4, 5, 6, 7), _COLUMNS[3:8], strict=True))
        for value, name in zip(keys, _COLUMNS[3:8], strict=True):
            if not value:
                raise row.error("empty cell; expected a value", name)
        no_repeats(seen, (m, *keys), row)
        records.append((m, *keys, count(row, 8, "Encounter Count")))
    frame = pd.DataFrame(records, columns=["month", *_KEYS, "encounters"])
    frame["month"] = periods(frame["month"].tolist())
    frame["encounters"] = frame["encounters"].astype("int64")
    return frame.sort_values(["month", *_KEYS], ignore_index=True)
