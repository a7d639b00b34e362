"""The command line: run, validate, import-flee, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import borderflow
from borderflow.results import verify

TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "borderflow.cli", *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_help_reads_well() -> None:
    proc = _cli("--help")
    assert proc.returncode == 0
    for command in ("run", "validate", "import-flee", "schema"):
        assert command in proc.stdout


def test_run_writes_results_and_says_where(tmp_path: Path) -> None:
    proc = _cli("run", str(TINY), "--seed", "3", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert str(tmp_path / "out") in proc.stdout
    assert verify(tmp_path / "out")["seed"] == 3


def test_validate_prints_metrics_and_writes_them(tmp_path: Path) -> None:
    proc = _cli("validate", str(TINY), "--out", str(tmp_path / "v"))
    assert proc.returncode == 0, proc.stderr
    assert "averaged relative difference" in proc.stdout
    metrics = json.loads((tmp_path / "v" / "metrics.json").read_text())
    assert {"averaged_relative_difference", "averaged_relative_difference_rescaled", "places"} <= set(metrics)


def test_schema_is_json_schema_of_the_scenario() -> None:
    proc = _cli("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema["title"] == "Scenario"
    assert "places" in schema["properties"]


def test_import_flee_round_trips(flee_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "mali.yaml"
    proc = _cli("import-flee", str(flee_dir / "mali2012"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(out.read_text())
    assert data["hasten"] == 10
    native = borderflow.load_scenario(out)
    folder = borderflow.load_scenario(flee_dir / "mali2012")
    assert native.model_dump() == folder.model_dump()
    a = borderflow.run(native, seed=4).record.population
    b = borderflow.run(folder, seed=4).record.population
    assert (a == b).all()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", str(TINY), "--seed", "abc"], "'--seed'"),
        (["ensemble", str(TINY), "-n", "0"], "'-n'"),
        (["compare", "caravan-2023", "--window", "bad"], "'--window'"),
        (["run", str(TINY), "--nope"], "--nope"),
        (["frobnicate"], "frobnicate"),
        (["run", str(TINY), "--seed", "-5"], "'--seed'"),
        (["compare", "caravan-2023", "--seeds", "0"], "'--seeds'"),
        (["compare", "caravan-2023", "--window", "2025-01-01:2025-02-01"], "--window"),
        (["compare", "caravan-2023", "--window", "2024-01-31:2024-01-01"], "--window"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], says: str) -> None:
    proc = _cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert says in lines[0], lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["run", str(TINY)],
        ["ensemble", "caravan-2023", "-n", "2", "--serial"],
        ["sensitivity", "caravan-2023", "-n", "2", "--method", "morris"],
    ],
    ids=["run", "ensemble", "sensitivity"],
)
def test_an_out_folder_that_cannot_be_made_is_one_line_exit_2_before_any_work(tmp_path: Path, args: list[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = _cli(*args, "--out", str(blocker / "results"))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "--out" in lines[0]
    assert "expected a new folder" in lines[0]
