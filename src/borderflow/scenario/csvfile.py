"""Reading small CSV files with line numbers, so that every error can point at a line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.limits import FIRST_DATE, LAST_DATE, MAX_NUMBER

MAX_FILE_BYTES = 64 * 1024 * 1024  # a scenario CSV larger than this is surely a mistake


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based line number and stripped cells."""

    path: Path
    line: int
    cells: list[str]

    def error(self, problem: str, column: str | None = None) -> ScenarioError:
        where = f"line {self.line}" + (f", column {column}" if column else "")
        return ScenarioError(self.path, where, problem)

    def cell(self, index: int, column: str) -> str:
        if index >= len(self.cells):
            raise self.error(f"missing value; expected {index + 1} columns, found {len(self.cells)}", column)
        return self.cells[index]

    def number(self, index: int, column: str, *, allow_empty: float | None = None) -> float:
        text = self.cell(index, column)
        if text == "" and allow_empty is not None:
            return allow_empty
        try:
            value = float(text)
        except ValueError:
            raise self.error(f"expected a number, found {text!r}", column) from None
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, found {text!r}", column)
        if abs(value) > MAX_NUMBER:
            raise self.error(f"expected a number of at most {MAX_NUMBER:.0e} in size, found {text!r}", column)
        return value

    def integer(self, index: int, column: str, *, allow_empty: int | None = None) -> int:
        text = self.cell(index, column)
        if text == "" and allow_empty is not None:
            return allow_empty
        value = self.number(index, column)
        if value != int(value):
            raise self.error(f"expected a whole number, found {text!r}", column)
        return int(value)

    def date(self, index: int, column: str) -> dt.date:
        text = self.cell(index, column)
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise self.error(f"expected a date YYYY-MM-DD, found {text!r}", column) from None
        if not FIRST_DATE <= value <= LAST_DATE:
            raise self.error(f"date {value} out of range; expected a date from {FIRST_DATE} to {LAST_DATE}", column)
        return value


def too_large(path: Path, limit: int) -> ScenarioError:
    """The error for a file over `limit` bytes, pointing at the line where the limit is passed."""
    with path.open("rb") as fh:
        head = fh.read(limit + 1)
    line = head[:limit].count(b"\n") + 1
    return ScenarioError(
        path,
        f"line {line}",
        f"file is {path.stat().st_size} bytes, refused from here on; expected a file of at most {limit} bytes",
    )


def read_text(path: Path, expected: str = "a scenario file here") -> str:
    """The file's text, decoded as UTF-8 (a BOM is allowed); clear errors otherwise.

    `expected` says what the file should hold, for the error when it is missing.
    """
    if not path.exists():
        raise ScenarioError(path, None, f"file not found; expected {expected}")
    if not path.is_file():
        raise ScenarioError(path, None, f"found a folder; expected {expected}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise too_large(path, MAX_FILE_BYTES)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            path, f"line {line}", f"byte 0x{raw[exc.start]:02x} is not UTF-8; expected UTF-8 text"
        ) from None


def rows(path: Path, *, required: bool = True, expected: str = "CSV rows") -> Iterator[Row]:
    """Data rows of a CSV file: blank rows and rows whose first cell starts with '#' skipped."""
    text = read_text(path, expected)
    if required and not text.strip():
        raise ScenarioError(path, "line 1", f"file is empty; expected {expected}")
    reader = csv.reader(io.StringIO(text))
    try:
        for cells in reader:
            stripped = [c.strip() for c in cells]
            if not any(stripped):
                continue
            if stripped[0].startswith("#"):
                continue
            yield Row(path, reader.line_num, stripped)
    except csv.Error as exc:
        raise ScenarioError(path, f"line {reader.line_num}", f"malformed CSV ({exc})") from None


def data_lines(path: Path, expected: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of every row with a non-empty cell; errors name the
    file and line."""
    text = read_text(path, expected)
    if not text.strip():
        raise ScenarioError(path, "line 1", f"file is empty; expected {expected}")
    reader = csv.reader(io.StringIO(text))
    try:
        for cells in reader:
            stripped = [c.strip() for c in cells]
            if any(stripped):
                yield reader.line_num, stripped
    except csv.Error as exc:
        raise ScenarioError(path, f"line {reader.line_num}", f"malformed CSV ({exc})") from None


def flee_rows(path: Path, positional: int, expected: str) -> tuple[list[str], list[Row]]:
    """Rows of a Flee input file read by Flee's own rule, and the names of its attribute columns.

    A row is skipped when it is empty or its first cell starts with '#'; there is no other
    header detection, so a file may have no header at all. The first skipped '#' row with
    more than `positional` cells names the attribute columns after the positional ones.
    """
    attributes: list[str] | None = None
    data: list[Row] = []
    for line, cells in data_lines(path, expected):
        if cells[0].startswith("#"):
            if attributes is None and len(cells) > positional:
                attributes = [c.lstrip("#").strip().strip('"').strip() for c in cells[positional:]]
            continue
        data.append(Row(path, line, cells))
    return attributes or [], data


def header_and_rows(
    path: Path, header_if: Callable[[str], bool] | None = None, expected: str = "a header row and data rows"
) -> tuple[list[str], list[Row]]:
    """The header (first row, '#' allowed, lower-cased) and the data rows after it.

    With `header_if`, the first row is a header only if its first cell passes the test;
    otherwise the header is empty and every row is data. `expected` says what the file holds.
    """
    header: list[str] | None = None
    data: list[Row] = []
    for line, cells in data_lines(path, expected):
        if header is None:
            if header_if is None or header_if(cells[0]):
                header = [c.lstrip("#").strip().lower() for c in cells]
                continue
            header = []
        if cells[0].startswith("#"):
            continue
        data.append(Row(path, line, cells))
    return header or [], data
