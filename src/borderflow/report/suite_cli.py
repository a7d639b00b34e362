"""The suite's console side: a progress bar on stderr, the table on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from borderflow.report.suite import CalibrationPlan, SuiteRow, columns, row_json, run_suite, suite_folders, write_suite
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


def suite_table(rows: list[SuiteRow], title: str, calibrated: bool = False) -> Table:
    table = Table(title=title)
    for c in columns(calibrated):
        table.add_column(c.replace("_", " "), justify="left" if c in ("folder", "status") else "right")
    for r in rows:
        table.add_row(*(_fmt(r, c) for c in columns(calibrated)))
    return table


def validate_suite(
    root: Path,
    out: Path | None,
    hasten: int | None,
    seed: int,
    as_json: bool,
    stdout: Console,
    stderr: Console,
    *,
    calibrate_budget: int | None = None,
) -> None:
    from borderflow.ensemble.executors import make_executor

    folders = suite_folders(root)  # a bad DIR is refused before the output folder is claimed
    target = out if out is not None else Path("results") / f"suite-{root.resolve().name}"
    calibrated = calibrate_budget is not None
    with claim(target) as claimed:  # before any work
        executor = make_executor("processes", None, None) if calibrated else None
        plan = CalibrationPlan(budget=calibrate_budget, executor=executor) if calibrate_budget is not None else None
        try:
            rows = _run(root, folders, hasten, seed, plan, stderr)
        finally:
            if executor is not None:
                executor.close()
        folder = write_suite(rows, claimed, root=root, hasten=hasten, seed=seed, calibration=plan)
    ran = sum(r.status == "ran" for r in rows)
    if as_json:
        stdout.print_json(json.dumps([row_json(r, calibrated) for r in rows]))
    else:
        stdout.print(suite_table(rows, f"{root.name}: {ran} of {len(rows)} folders ran", calibrated))
    stdout.print(f"{ran} of {len(rows)} folders ran; table in {shown(folder)}/suite.csv", highlight=False)
    if plan is not None:
        stdout.print(
            f"calibrated on the first two thirds of each period ({plan.budget} candidates x {plan.seeds} seeds), "
            "scored on the last third: averaged relative difference as given and calibrated, MASE vs the naive "
            "forecast (below 1: better)",
            highlight=False,
        )


def _run(
    root: Path, folders: list[Path], hasten: int | None, seed: int, plan: CalibrationPlan | None, stderr: Console
) -> list[SuiteRow]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as progress:
        task = progress.add_task(f"validating {len(folders)} folders", total=len(folders))
        return run_suite(
            root, hasten=hasten, seed=seed, on_folder=lambda name: progress.advance(task), calibration=plan
        )
