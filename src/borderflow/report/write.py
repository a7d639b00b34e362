"""Writing reports and comparison folders, by the output policy of `results.folder`.

A report inside a results folder is one more file of that folder: written atomically and
listed with its SHA-256 in the folder's manifest, so `verify` checks it and writing again
replaces it. A report written elsewhere (`--out FILE`) replaces only a report borderflow
wrote (its first line says so), never a user's file.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from borderflow import __version__
from borderflow.files import write_file_atomically, write_problem
from borderflow.report.compare import Comparison, change
from borderflow.report.layers import mean_layers
from borderflow.report.page import MARK
from borderflow.results.folder import MANIFEST, OutputFolder, claim, read_manifest_of, sha256
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario

REPORT = "report.html"


def add_report(folder: Path, backtest: Path | None = None) -> Path:
    """Render the report of `folder` (a staging folder or one claimed) into it and list it in
    its manifest."""
    from borderflow.report.html_report import render

    text = render(folder, backtest)
    write_file_atomically(folder / REPORT, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    _record(folder, REPORT)
    return folder / REPORT


def _record(folder: Path, name: str) -> None:
    manifest = read_manifest_of(folder)
    if manifest is None:  # a bug: the caller checked or wrote it
        raise RuntimeError(f"{folder} has no manifest")
    manifest["files"] = {**manifest.get("files", {}), name: sha256(folder / name)}
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    write_file_atomically(folder / MANIFEST, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_report(results: str | Path, out: str | Path | None = None, backtest: str | Path | None = None) -> Path:
    """The report of a results folder: into the folder (default) or into the file `out`.
    `backtest`: a backtest folder whose score the first screen quotes."""
    from borderflow.report.html_report import render

    results = Path(results)
    given = None if backtest is None else Path(backtest)
    if given is not None:
        from borderflow.report.backtest import read_backtest

        read_backtest(given, "--backtest")  # before any work
    if out is None:
        if not results.is_dir() or read_manifest_of(results) is None:
            render(results)  # the one-line error for a missing or foreign folder
        with claim(results, "RESULTS") as folder:
            return add_report(folder.path, given)
    target = check_report_target(out)
    text = render(results, given)
    return write_file_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def check_report_target(path: str | Path, option: str = "--out") -> Path:
    """Refuse, before any work, to write a report over anything borderflow did not write."""
    path = Path(path)
    expected = "expected a new file name, or a report borderflow wrote"
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ScenarioError(path, option, f"cannot be used ({exc.strerror or exc}); {expected}") from None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(path, option, f"is not a regular file (a folder, link or device); {expected}")
        with open(path, "rb") as fh:
            first = fh.read(len(MARK))
        if first != MARK.encode():
            raise ScenarioError(path, option, f"is a file borderflow did not write; {expected}")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise ScenarioError(path, option, f"cannot be written (no folder {parent}); {expected}")
    if (problem := write_problem(parent)) is not None:
        raise ScenarioError(path, option, f"cannot be written ({problem.strerror or problem}); {expected}")
    return path


def write_comparison(cmp: Comparison, scenario: Scenario, out: OutputFolder, report: bool = True) -> Path:
    """A comparison's folder: comparison.json (verdict, table, decomposition, daily values of
    every run), the report, and the manifest."""
    runs: dict[str, list[dict[str, Any]]] = {}
    means: dict[str, dict[str, Any]] = {}
    for name, outcomes in ((cmp.a, cmp.outcomes_a), (cmp.b, cmp.outcomes_b)):
        layers = [o.layers for o in outcomes if o.layers is not None]
        runs[name] = [x.to_json(light=True) for x in layers]
        means[name] = mean_layers(layers).to_json()
    mean, lo, hi = cmp.change_pct()
    data = {
        "a": cmp.a,
        "b": cmp.b,
        "seeds": cmp.seeds,
        "window": None if cmp.window is None else [d.isoformat() for d in cmp.window],
        "start": cmp.start.isoformat(),
        "days": cmp.days,
        "verdict": cmp.verdict(),
        "change_pct": {"mean": mean, "min": lo, "max": hi},
        "decomposition": cmp.decomposition(),
        "table": [
            {"label": label, "a": x, "b": y, "change": change_text}
            for section in cmp.rows()
            for label, x, y, _ in section
            for change_text in [change(x, y)]
        ],
        "runs": runs,
        "mean": means,
    }
    with out.replace() as tmp:
        (tmp / "comparison.json").write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        manifest = {
            "borderflow_version": __version__,
            "kind": "compare",
            "scenario": scenario.name,
            "scenario_hash": scenario.content_hash(),
            "scenario_data": scenario.model_dump(mode="json"),
            "policies": [cmp.a, cmp.b],
            "seeds": cmp.seeds,
            "files": {"comparison.json": sha256(tmp / "comparison.json")},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if report:
            add_report(tmp)
    return out.path
