"""The common shape of the record's CSV files: a fixed header, then rows keyed by month."""

from __future__ import annotations

from pathlib import Path

from borderflow.scenario.csvfile import Row, header_and_rows
from borderflow.scenario.errors import ScenarioError


def rows_with_header(path: Path, columns: tuple[str, ...], what: str) -> list[Row]:
    """Data rows of `path` after a header that names exactly `columns` (case and spaces aside)."""
    header, data = header_and_rows(path, expected=f"{what} with the header {','.join(columns)}")
    expected = [c.lower() for c in columns]
    if header != expected:
        raise ScenarioError(
            path,
            "line 1",
            f"header {','.join(header)!r}; expected the columns {','.join(columns)} ({what}, see SOURCE.md)",
        )
    for row in data:
        if len(row.cells) != len(columns):
            raise row.error(f"{len(row.cells)} cells; expected {len(columns)} ({','.join(columns)})")
    return data


def no_repeats(seen: dict[tuple[object, ...], int], key: tuple[object, ...], row: Row) -> None:
    """A key (month and what it counts) given twice is an error naming both lines."""
    if key in seen:
        raise row.error(f"{' / '.join(str(k) for k in key)} also on line {seen[key]}; expected each once")
    seen[key] = row.line
