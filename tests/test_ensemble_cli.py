"""The ensemble and sensitivity commands: outputs, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ensemble_kit import UNCERTAIN, write_tiny
from test_bad_input import Case, assert_one_line_error, run_cli


def test_ensemble_writes_members_bands_and_a_band_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_tiny(tmp_path)
    out = tmp_path / "ens"
    code, stdout, err = run_cli(
        monkeypatch,
        capsys,
        "ensemble",
        str(scenario),
        "-n",
        "6",
        "--serial",
        "--out",
        str(out),
        "--plot",
        "population_camp_north",
    )
    assert code == 0, err
    assert (out / "bands.csv").is_file()
    assert len(list((out / "members").glob("member-*.parquet"))) == 6
    png = out / "bands-population_camp_north.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in stdout.replace("\n", "")
    code, stdout, err = run_cli(monkeypatch, capsys, "ensemble", str(scenario), "--out", str(out), "--member", "3")
    assert code == 0, err
    assert "identical" in stdout


def test_sensitivity_prints_a_ranked_table_and_saves_a_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_tiny(tmp_path)
    code, stdout, err = run_cli(
        monkeypatch,
        capsys,
        "sensitivity",
        str(scenario),
        "--output",
        "population_camp_north:peak",
        "--method",
        "morris",
        "-n",
        "4",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "sa"),
    )
    assert code == 0, err
    assert "mu_star" in stdout
    assert "Camp North capacity" in stdout
    assert (tmp_path / "sa" / "ranking.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "sa" / "ranking.csv").is_file()


BAD: list[tuple[str, list[dict[str, Any]], str, str]] = [
    (
        "unknown path",
        [{"path": "departures[0].per_hour", "distribution": {"kind": "uniform", "low": 1, "high": 2}}],
        "uncertain[0].path",
        "names no field",
    ),
    (
        "non-numeric field",
        [{"path": "places[0].country", "distribution": {"kind": "uniform", "low": 1, "high": 2}}],
        "uncertain[0].path",
        "expected a numeric field",
    ),
    (
        "sampled value the scenario rejects",
        [{"path": "places[3].capacity", "distribution": {"kind": "normal", "mean": -5000, "sd": 10}}],
        "places[3].capacity",
        "sampled places[3].capacity = -",
    ),
]


@pytest.mark.parametrize(("label", "uncertain", "where", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_uncertain_input_is_one_line_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    label: str,
    uncertain: list[dict[str, Any]],
    where: str,
    says: str,
) -> None:
    scenario = write_tiny(tmp_path, uncertain)
    sensitivity = ["sensitivity", str(scenario), "-n", "2", "--output", "population_camp_north:peak"]
    for args in (["ensemble", str(scenario), "-n", "2", "--workers", "1"], sensitivity):
        code, out, err = run_cli(monkeypatch, capsys, *args, "--out", str(tmp_path / "out"))
        assert_one_line_error(
            code, out, err, Case(label, lambda p: p, scenario.name if "sampled" not in says else "member", where, says)
        )


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["ensemble", "--design", "grid"], "--design"),
        (["ensemble", "--dask", "nowhere"], "--dask"),
        (["ensemble", "--policy", "nope"], "--policy"),
        (["sensitivity", "--method", "fast"], "--method"),
        (["sensitivity", "--output", "nothing:total"], "--output"),
    ],
)
def test_bad_options_are_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], where: str
) -> None:
    scenario = write_tiny(tmp_path, UNCERTAIN)
    code, _, err = run_cli(
        monkeypatch, capsys, args[0], str(scenario), *args[1:], "-n", "2", "--out", str(tmp_path / "o")
    )
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert where in err


@pytest.mark.parametrize("name", ["caravan-2023", "tiny"])
def test_series_names_are_known_before_a_run(name: str, tmp_path: Path) -> None:
    import borderflow
    from borderflow.ensemble.members import outputs, series_names

    sc = borderflow.load_scenario(write_tiny(tmp_path) if name == "tiny" else name)
    assert series_names(sc) == list(outputs(borderflow.run(sc, seed=1)))


def test_an_unknown_plot_series_is_refused_before_any_member_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_tiny(tmp_path)
    out = tmp_path / "ens"
    code, _, err = run_cli(
        monkeypatch, capsys, "ensemble", str(scenario), "-n", "3", "--serial", "--out", str(out), "--plot", "bogus"
    )
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "--plot" in err
    assert "population_camp_north" in err  # says what would do
    assert not (out / "members").exists()
