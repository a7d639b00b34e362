"""`borderflow validate --suite DIR`: every scenario folder in DIR, one row each.

Each folder either runs (and is scored where it has observations), or is named as not a
scenario (why) or as unsupported (which settings); other bad input gives its one-line
error. No folder stops the suite.

With a calibration plan (`validate --suite DIR --calibrate`), each folder that ran and has
observations is also calibrated on the first two thirds of its period (the default
parameters, docs/calibration.md) and scored on the last third: the scenario as given, the
calibrated scenario, and the calibrated error over the naive forecast's (MASE vs naive),
free-running and from the observed state on the fit date (docs/calibration.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from borderflow import __version__
from borderflow.api import run as run_scenario
from borderflow.ensemble.executors import Executor
from borderflow.results.folder import MANIFEST, OutputFolder, sha256
from borderflow.scenario.errors import NotAScenario, NotImplementedSetting, ScenarioError
from borderflow.scenario.flee_folder import read_flee_folder
from borderflow.scenario.model import Scenario

COLUMNS = ("folder", "status", "places", "routes", "days", "people", "error", "error_rescaled", "seconds")
CALIBRATION_COLUMNS = ("out_of_sample", "calibrated_out_of_sample", "mase_vs_naive", "from_observed_mase_vs_naive")
FIT_SHARE = (2, 3)  # calibrated on the first two thirds of the period, scored on the last third


@dataclass(frozen=True)
class CalibrationPlan:
    """How `--calibrate` fits each folder: candidates, seeds per candidate, where runs go."""

    budget: int = 48
    seeds: int = 3
    executor: Executor | None = None


@dataclass(frozen=True)
class SuiteRow:
    """One folder's outcome; the figures are None where the folder did not run."""

    folder: str
    status: str  # "ran", "not a scenario: why", "unsupported: settings", "bad input: the error"
    places: int | None = None
    routes: int | None = None
    days: int | None = None
    people: int | None = None  # everyone who entered: spawned plus day-0 camp counts
    error: float | None = None  # Flee's averaged relative difference, where observed
    error_rescaled: float | None = None
    seconds: float = 0.0
    out_of_sample: float | None = None  # the scenario as given, averaged relative difference on the last third
    calibrated_out_of_sample: float | None = None  # the calibrated scenario's, on the same days
    mase_vs_naive: float | None = None  # calibrated absolute error over the naive forecast's (below 1: better)
    from_observed_mase_vs_naive: float | None = None  # the same, forecast from the observed state on the fit date


def status_of(exc: ScenarioError, folder: Path) -> str:
    """The status line for a folder that did not run."""
    if isinstance(exc, NotImplementedSetting):
        return f"unsupported: {exc.where}"
    source = exc.source or ""
    try:
        rel = Path(source).relative_to(folder).as_posix()
    except ValueError:
        rel = Path(source).name
    if isinstance(exc, NotAScenario):
        why = exc.problem.split(";")[0].removesuffix(": not a complete Flee scenario")
        return f"not a scenario: {rel}: {why}" if rel not in ("", ".") else f"not a scenario: {why}"
    where = f":{exc.where}" if exc.where else ""
    return f"bad input: {rel}{where}: {exc.problem}"


def shortened(scenario: Scenario, days: int) -> Scenario:
    """The scenario's first `days` days only (for quick checks): events after them dropped."""
    if days >= scenario.days:
        return scenario
    end = scenario.start_date + dt.timedelta(days=days - 1)
    data = scenario.model_dump()
    data["days"] = days
    data["closures"] = [c for c in data["closures"] if c["start"] <= end]
    data["conflicts"] = [c for c in data["conflicts"] if c["start"] <= end]
    if data["floods"] is not None:
        data["floods"]["levels"] = [f for f in data["floods"]["levels"] if f["start"] <= end]
    return Scenario.model_validate(data)


def calibrated_scores(sc: Scenario, plan: CalibrationPlan, seed: int) -> dict[str, float | None]:
    """Calibrate on the first FIT_SHARE of the period (in a temporary folder) and score the
    rest: the three calibration columns."""
    from borderflow.calibrate.fit import calibrate

    fit_until = sc.start_date + dt.timedelta(days=max(1, FIT_SHARE[0] * sc.days // FIT_SHARE[1] - 1))
    with tempfile.TemporaryDirectory(prefix="borderflow-suite-") as tmp:
        result = calibrate(
            sc, Path(tmp) / "c", fit_until, budget=plan.budget, seeds=plan.seeds, seed=seed, executor=plan.executor
        )
    oos: dict[str, Any] = result["out_of_sample"]
    return {
        "out_of_sample": _number(oos["scenario_as_given"]["averaged_relative_difference"]),
        "calibrated_out_of_sample": _number(oos["averaged_relative_difference"]),
        "mase_vs_naive": _number(oos["mase_vs_naive"]),
        "from_observed_mase_vs_naive": _number(oos["from_observed_state"]["mase_vs_naive"]),
    }


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def run_folder(
    folder: Path,
    *,
    hasten: int | None = None,
    seed: int = 0,
    max_days: int | None = None,
    calibration: CalibrationPlan | None = None,
) -> SuiteRow:
    """Read and run one folder (and calibrate it, with a plan); bad input becomes its status,
    never an exception."""
    t0 = time.perf_counter()
    try:
        sc = read_flee_folder(folder)
        if hasten is not None:
            sc = sc.with_hasten(hasten)
        if max_days is not None:
            sc = shortened(sc, max_days)  # test-only: the whole corpus in seconds
        result = run_scenario(sc, seed=seed)
    except ScenarioError as exc:
        return SuiteRow(folder.name, status_of(exc, folder), seconds=time.perf_counter() - t0)
    world = result.world
    people = int(result.series("new").sum() + world.day0.sum() * world.hasten)
    error = rescaled = None
    if result.observed_places:
        m = result.metrics()
        error, rescaled = float(m["averaged_relative_difference"]), float(m["averaged_relative_difference_rescaled"])
    seconds = time.perf_counter() - t0
    scores: dict[str, float | None] = {}
    if calibration is not None and result.observed_places:
        try:
            scores = calibrated_scores(sc, calibration, seed)
        except ScenarioError:
            scores = {}  # too short to split, or no observation in the first two thirds: the columns stay empty
    return SuiteRow(
        folder.name,
        "ran",
        places=len(sc.places),
        routes=len(sc.routes),
        days=sc.days,
        people=people,
        error=error,
        error_rescaled=rescaled,
        seconds=seconds,
        **scores,
    )


def suite_folders(root: Path) -> list[Path]:
    """The folders of `root`, by name (files beside them, such as SOURCE.md, are not scenarios)."""
    if not root.is_dir():
        raise ScenarioError(root, None, "not a folder; expected a folder of Flee scenario folders")
    folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if not folders:
        raise ScenarioError(root, None, "holds no folders; expected a folder of Flee scenario folders")
    return folders


def run_suite(
    root: Path,
    *,
    hasten: int | None = None,
    seed: int = 0,
    max_days: int | None = None,
    on_folder: Callable[[str], None] | None = None,
    calibration: CalibrationPlan | None = None,
) -> list[SuiteRow]:
    """Every folder of `root`, in name order; `on_folder` is called after each (progress)."""
    rows = []
    for folder in suite_folders(root):
        rows.append(run_folder(folder, hasten=hasten, seed=seed, max_days=max_days, calibration=calibration))
        if on_folder is not None:
            on_folder(folder.name)
    return rows


def _cell(value: object) -> object:
    if isinstance(value, float):
        return "" if math.isnan(value) else round(value, 4)
    return "" if value is None else value


def columns(calibrated: bool) -> tuple[str, ...]:
    """The table's columns (the calibration's only when the suite was calibrated)."""
    return COLUMNS + CALIBRATION_COLUMNS if calibrated else COLUMNS


def row_json(row: SuiteRow, calibrated: bool) -> dict[str, object]:
    out = asdict(row)
    return out if calibrated else {k: v for k, v in out.items() if k not in CALIBRATION_COLUMNS}


def write_suite(
    rows: list[SuiteRow],
    folder: OutputFolder,
    *,
    root: Path,
    hasten: int | None,
    seed: int,
    calibration: CalibrationPlan | None = None,
) -> Path:
    """suite.csv, suite.json and the manifest, written under the output-folder policy."""
    calibrated = calibration is not None
    with folder.replace() as tmp:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns(calibrated))
        for r in rows:
            writer.writerow([_cell(getattr(r, c)) for c in columns(calibrated)])
        (tmp / "suite.csv").write_text(buf.getvalue(), encoding="utf-8")
        data = [row_json(r, calibrated) for r in rows]
        (tmp / "suite.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        files = ["suite.csv", "suite.json"]
        manifest = {
            "borderflow_version": __version__,
            "kind": "suite",
            "suite": str(root),
            "hasten": hasten,
            "seed": seed,
            "calibration": calibration and {"budget": calibration.budget, "seeds": calibration.seeds},
            "folder_count": len(rows),
            "ran": sum(r.status == "ran" for r in rows),
            "python": platform.python_version(),
            "files": {f: sha256(tmp / f) for f in files},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return folder.path
