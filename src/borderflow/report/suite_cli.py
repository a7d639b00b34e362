"""The suite's console side: a progress bar on stderr, the table on stdout."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from borderflow.report.suite import COLUMNS, SuiteRow, run_suite, suite_folders, write_suite
from borderflow.results.folder import claim, shown


def _fmt(row: SuiteRow, column: str) -> str:
    value = getattr(row, column)
    if value is None:
        return ""
    if column == "seconds":
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def suite_table(rows: list[SuiteRow], title: str) -> Table:
    table = Table(title=title)
    for c in COLUMNS:
        table.add_column(c.replace("_", " "), justify="left" if c in ("folder", "status") else "right")
    for r in rows:
        table.add_row(*(_fmt(r, c) for c in COLUMNS))
    return table


def validate_suite(
    root: Path, out: Path | None, hasten: int | None, seed: int, as_json: bool, stdout: Console, stderr: Console
) -> None:
    folders = suite_folders(root)  # a bad DIR is refused before the output folder is claimed
    target = out if out is not None else Path("results") / f"suite-{root.resolve().name}"
    with claim(target) as claimed:  # before any work
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        ) as progress:
            task = progress.add_task(f"validating {len(folders)} folders", total=len(folders))
            rows = run_suite(root, hasten=hasten, seed=seed, on_folder=lambda name: progress.advance(task))
        folder = write_suite(rows, claimed, root=root, hasten=hasten, seed=seed)
    ran = sum(r.status == "ran" for r in rows)
    if as_json:
        stdout.print_json(json.dumps([asdict(r) for r in rows]))
    else:
        stdout.print(suite_table(rows, f"{root.name}: {ran} of {len(rows)} folders ran"))
    stdout.print(f"{ran} of {len(rows)} folders ran; table in {shown(folder)}/suite.csv", highlight=False)
