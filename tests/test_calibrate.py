"""Calibration: it fits what it is asked to, never sees an observation after --fit-until while
fitting, resumes where it stopped, and scores against the naive forecast."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import borderflow
from borderflow.calibrate import calibrate, fit_view, masked
from borderflow.calibrate.fit import RESULT, SCENARIO_FILE, TRIALS
from borderflow.calibrate.scoring import naive_forecast, scaled_error
from borderflow.ensemble.executors import ProcessExecutor
from borderflow.scenario import load_scenario
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.native import scenario_from_data
from ensemble_kit import TINY

FIT_UNTIL = dt.date(2024, 1, 27)  # day 26 of tiny's 40: 27 days fitted, 13 scored
PARAMS = [("departures[0].per_day", 100.0, 400.0), ("move_rules.max_walk_speed", 10.0, 60.0)]
TRUTH = {"departures[0].per_day": 250.5, "move_rules.max_walk_speed": 30.0}  # tiny.yaml's own values


def synthetic(**start: float) -> dict[str, Any]:
    """tiny.yaml observed every day as the mean of 4 of its own runs (seeds other than the
    calibration's), then moved away from the truth by `start` (path -> value)."""
    data: dict[str, Any] = yaml.safe_load(TINY.read_text())
    truth = scenario_from_data(data, "truth")
    runs = [borderflow.run(truth, seed=100 + k) for k in range(4)]
    data["observations"] = [
        {
            "place": place,
            "points": [
                {"date": (truth.start_date + dt.timedelta(days=d)).isoformat(), "count": float(c)}
                for d, c in enumerate(np.mean([r.sim_series(place) for r in runs], axis=0))
            ],
        }
        for place in runs[0].observed_places
    ]
    data["departures"][0]["per_day"] = start.get("per_day", 150.0)
    data["move_rules"]["max_walk_speed"] = start.get("walk", 50.0)
    return data


@pytest.fixture(scope="module")
def syn() -> dict[str, Any]:
    return synthetic()


def test_recovers_known_parameters_from_the_scenarios_own_output(syn: dict[str, Any], tmp_path: Path) -> None:
    """Observations made by the scenario itself with known values; the fit starts elsewhere
    (150 a day, 50 km): the best candidate must land within 10% of each range of the truth, and
    the accepted sets' 90% weighted interval must hold it."""
    result = calibrate(scenario_from_data(syn, "syn"), tmp_path / "c", FIT_UNTIL, PARAMS, budget=64, seeds=1)
    for path, low, high in PARAMS:
        assert abs(result["params"][path] - TRUTH[path]) <= 0.1 * (high - low), (path, result["params"][path])
        interval = result["posterior"]["params"][path]
        assert interval["q05"] <= TRUTH[path] <= interval["q95"], (path, interval)
    out = result["out_of_sample"]
    # the scenario as given (150 a day) forecasts worse than the fitted one, and the fit beats the naive forecast
    assert out["averaged_relative_difference"] < out["scenario_as_given"]["averaged_relative_difference"]
    assert out["mase_vs_naive"] < 1


def garbled(data: dict[str, Any]) -> dict[str, Any]:
    """The same data with every observation after FIT_UNTIL replaced by nonsense."""
    out = json.loads(json.dumps(data, default=str))
    for obs in out["observations"]:
        for k, p in enumerate(obs["points"]):
            if p["date"] > FIT_UNTIL.isoformat():
                p["count"] = 1e9 * (k % 3)
    return out


def test_fitting_never_reads_an_observation_after_fit_until(syn: dict[str, Any], tmp_path: Path) -> None:
    honest, bad = scenario_from_data(syn, "syn"), scenario_from_data(garbled(syn), "syn")
    assert masked(honest.model_dump(mode="json"), FIT_UNTIL) == masked(bad.model_dump(mode="json"), FIT_UNTIL)
    a = calibrate(honest, tmp_path / "a", FIT_UNTIL, PARAMS, budget=8, seeds=2)
    b = calibrate(bad, tmp_path / "b", FIT_UNTIL, PARAMS, budget=8, seeds=2)
    assert (tmp_path / "a" / TRIALS).read_text() == (tmp_path / "b" / TRIALS).read_text()
    assert a["params"] == b["params"]
    saved_a, saved_b = (json.loads((tmp_path / x / RESULT).read_text()) for x in "ab")  # NaN written as null
    assert saved_a["in_sample"] == saved_b["in_sample"]
    assert saved_a["accepted"] == saved_b["accepted"]
    # the scoring after the date does read them: the nonsense shows there, and only there
    assert a["out_of_sample"]["averaged_relative_difference"] != b["out_of_sample"]["averaged_relative_difference"]


def test_fit_view_ends_on_the_fit_date_and_keeps_no_later_observation(syn: dict[str, Any]) -> None:
    view = fit_view(scenario_from_data(masked(syn, FIT_UNTIL), "syn"), FIT_UNTIL)
    assert view.end_date == FIT_UNTIL
    assert max(p.date for o in view.observations for p in o.points) == FIT_UNTIL
    assert all(d.end <= FIT_UNTIL for d in view.departures)


def test_a_stopped_calibration_continues_as_if_never_stopped(syn: dict[str, Any], tmp_path: Path) -> None:
    sc = scenario_from_data(syn, "syn")
    calibrate(sc, tmp_path / "resumed", FIT_UNTIL, PARAMS, budget=8, seeds=1)  # stopped after 8 candidates
    resumed = calibrate(sc, tmp_path / "resumed", FIT_UNTIL, PARAMS, budget=16, seeds=1)
    whole = calibrate(sc, tmp_path / "whole", FIT_UNTIL, PARAMS, budget=16, seeds=1)
    assert (tmp_path / "resumed" / TRIALS).read_text() == (tmp_path / "whole" / TRIALS).read_text()
    assert resumed["params"] == whole["params"]
    with pytest.raises(ScenarioError, match="different calibration"):
        calibrate(sc, tmp_path / "whole", FIT_UNTIL, PARAMS[:1], budget=16, seeds=1)


def test_processes_give_what_one_process_gives(syn: dict[str, Any], tmp_path: Path) -> None:
    sc = scenario_from_data(syn, "syn")
    serial = calibrate(sc, tmp_path / "s", FIT_UNTIL, PARAMS, budget=8, seeds=2)
    ex = ProcessExecutor(2)
    try:
        pooled = calibrate(sc, tmp_path / "p", FIT_UNTIL, PARAMS, budget=8, seeds=2, executor=ex)
    finally:
        ex.close()
    assert (tmp_path / "s" / TRIALS).read_text() == (tmp_path / "p" / TRIALS).read_text()
    assert serial["out_of_sample"] == pooled["out_of_sample"]


def test_the_calibrated_scenario_is_a_plain_scenario_with_its_provenance(syn: dict[str, Any], tmp_path: Path) -> None:
    result = calibrate(scenario_from_data(syn, "syn"), tmp_path / "c", FIT_UNTIL, PARAMS, budget=8, seeds=1)
    path = tmp_path / "c" / SCENARIO_FILE
    text = path.read_text()
    assert text.startswith("# borderflow scenario file")
    assert f"up to {FIT_UNTIL}" in text
    assert "optuna" in text
    sc = load_scenario(path)
    assert sc.departures[0].per_day == pytest.approx(result["params"]["departures[0].per_day"])
    assert sc.move_rules.max_walk_speed == pytest.approx(result["params"]["move_rules.max_walk_speed"])
    saved = json.loads((tmp_path / "c" / RESULT).read_text())
    for key in ("fit_until", "params", "in_sample", "out_of_sample", "accepted"):
        assert key in saved
    for part in ("in_sample", "out_of_sample"):
        assert {"averaged_relative_difference", "averaged_relative_difference_rescaled", "series"} <= set(saved[part])
    assert len(saved["accepted"]) == 4  # 8 candidates, all drawn from the prior: the best half
    assert sum(a["weight"] for a in saved["accepted"]) == pytest.approx(1.0)
    borderflow.results.verify(tmp_path / "c")


def test_naive_forecast_keeps_the_last_fitted_shares_of_each_later_total() -> None:
    obs = {"a": np.array([1.0, 30.0, 60.0, 80.0]), "b": np.array([1.0, 10.0, 40.0, 20.0])}
    naive = naive_forecast(obs, 1)  # shares on day 1: 3/4 and 1/4
    assert naive["a"][2:].tolist() == [75.0, 75.0]
    assert naive["b"][2:].tolist() == [25.0, 25.0]
    assert naive["a"][:2].tolist() == obs["a"][:2].tolist()
    # scaled by itself: 1; a forecast twice as far off: 2
    assert scaled_error(naive, obs, naive) == pytest.approx(1.0)
    worse = {k: obs[k] + 2 * (naive[k] - obs[k]) for k in obs}
    assert scaled_error(worse, obs, naive) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fit-until", "2024-13-01"], "--fit-until"),
        (["--fit-until", "2024-02-09"], "expected a date from 2024-01-02 to 2024-02-08"),
        (["--fit-until", "2024-01-27", "--param", "move_rules.camp_weight"], "PATH=LOW:HIGH"),
        (["--fit-until", "2024-01-27", "--param", "move_rules.nothing=1:2"], "names no field of this scenario"),
        (["--fit-until", "2024-01-27", "--param", "move_rules.default_movechance=0.1:2"], "=2 is refused"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from borderflow.cli import main

    with pytest.raises(SystemExit) as exc:
        _main(main, ["calibrate", str(TINY), "--serial", "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


def test_a_users_file_in_the_output_folder_is_never_replaced(tmp_path: Path) -> None:
    from borderflow.cli import main

    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "calibration.json").write_text("mine")
    with pytest.raises(SystemExit) as exc:
        _main(main, ["calibrate", str(TINY), "--fit-until", "2024-01-27", "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    assert (tmp_path / "o" / "calibration.json").read_text() == "mine"


def _main(main: Any, argv: list[str]) -> None:
    import sys

    old = sys.argv
    sys.argv = ["borderflow", *argv]
    try:
        main()
    finally:
        sys.argv = old


def test_an_ensemble_draws_its_members_from_the_accepted_sets(syn: dict[str, Any], tmp_path: Path) -> None:
    from borderflow.calibrate.fit import accepted_sets
    from borderflow.ensemble import run_ensemble
    from borderflow.ensemble.store import read_manifest

    sc = scenario_from_data(syn, "syn")
    calibrate(sc, tmp_path / "c", FIT_UNTIL, PARAMS, budget=8, seeds=1)
    sets = accepted_sets(tmp_path / "c", sc)
    run_ensemble(sc, 12, tmp_path / "e", parameter_sets=sets)
    members = read_manifest(tmp_path / "e")["members"]
    drawn = [m["values"] for m in members]
    assert all(any(d == values for values, _ in sets) for d in drawn)
    assert len({json.dumps(d, sort_keys=True) for d in drawn}) > 1  # 12 draws from 4 sets
    with pytest.raises(ScenarioError, match="different ensemble"):  # resuming with other sets is refused
        run_ensemble(sc, 12, tmp_path / "e", parameter_sets=sets[:1])


def test_compare_band_spans_the_calibrated_parameters_and_says_so(tmp_path: Path) -> None:
    """caravan-2023 has no observations to fit; a calibration folder naming its rail-watch
    strength stands in for one, with two sets far apart."""
    from borderflow.report.compare import compare

    sc = load_scenario("caravan-2023")
    path = "policies.talks-27-dec[5].share_per_day"
    folder = tmp_path / "cal"
    folder.mkdir()
    accepted = [{"values": {path: v}, "error": 0.1, "weight": 0.5} for v in (0.05, 0.4)]
    (folder / RESULT).write_text(json.dumps({"accepted": accepted}))
    from borderflow.calibrate.fit import accepted_sets

    seeds = [sc.seed + k for k in range(3)]
    plain = compare(sc, "status-quo", "talks-27-dec", seeds)
    spread = compare(sc, "status-quo", "talks-27-dec", seeds, parameter_sets=accepted_sets(folder, sc))
    _, lo0, hi0 = plain.change_pct()
    _, lo1, hi1 = spread.change_pct()
    assert hi1 - lo1 > hi0 - lo0
    assert "calibrated parameter sets" in spread.verdict()
    assert "calibrated" not in plain.verdict()
    (folder / RESULT).write_text(json.dumps({"accepted": [{"values": {"move_rules.nothing": 1}, "weight": 1}]}))
    with pytest.raises(ScenarioError, match="names no field of this scenario"):
        accepted_sets(folder, sc)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sets_are_drawn_in_proportion_to_their_weights(seed: int) -> None:
    from borderflow.ensemble.design import systematic

    picked = systematic([0.5, 0.25, 0.25], 8, seed)
    assert np.bincount(picked, minlength=3).tolist() == [4, 2, 2]
    assert sorted(systematic([1.0, 1.0, 1.0, 1.0, 1.0], 5, seed).tolist()) == [0, 1, 2, 3, 4]


def test_the_command_prints_the_fit_and_where_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli import main

    args = ["calibrate", str(TINY), "--fit-until", "2024-01-27", "--budget", "8", "--seeds", "1", "--serial"]
    _main(main, [*args, "--param", "move_rules.camp_weight=1:4", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    saved = json.loads((tmp_path / "o" / RESULT).read_text())
    assert f"move_rules.camp_weight = {saved['params']['move_rules.camp_weight']:.6g} (was 2)" in out
    assert f"out of sample {saved['out_of_sample']['averaged_relative_difference']:.3f}" in out
    assert str(tmp_path / "o" / SCENARIO_FILE) in out.replace("\n", "")


def test_a_folder_of_other_results_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    from borderflow.results import write_results

    write_results(borderflow.run(load_scenario(TINY)), tmp_path / "r")
    before = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()}
    with pytest.raises(ScenarioError, match="holds other results"):
        calibrate(load_scenario(TINY), tmp_path / "r", FIT_UNTIL, PARAMS, budget=8, seeds=1)
    assert {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()} == before


def test_validate_suite_calibrate_adds_the_out_of_sample_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A suite of a Flee folder that runs and one that is not a scenario: the one that runs is
    calibrated on its first two thirds, and its columns are the calibration's own figures."""
    from borderflow.scenario.flee_folder import read_flee_folder
    from test_bad_input import make_flee_folder, run_cli

    suite = tmp_path / "suite"
    folder = make_flee_folder(suite)
    (suite / "settings_only").mkdir()
    (suite / "settings_only" / "simsetting.yml").write_text("move_rules:\n  awareness_level: 1\n")
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        monkeypatch, capsys, "validate", "--suite", str(suite), "--calibrate", "--budget", "8", "--out", str(out)
    )
    assert code == 0, err
    assert "calibrated" in stdout
    rows = {r["folder"]: r for r in json.loads((out / "suite.json").read_text())}
    sc = read_flee_folder(folder)
    fit_until = sc.start_date + dt.timedelta(days=2 * sc.days // 3 - 1)  # 10 days: 6 fitted, 4 scored
    direct = calibrate(sc, tmp_path / "direct", fit_until, budget=8, seeds=3, seed=0)["out_of_sample"]
    row = rows["tinyflee"]
    assert row["out_of_sample"] == pytest.approx(direct["scenario_as_given"]["averaged_relative_difference"])
    assert row["calibrated_out_of_sample"] == pytest.approx(direct["averaged_relative_difference"])
    assert row["mase_vs_naive"] == pytest.approx(direct["mase_vs_naive"])
    assert row["from_observed_mase_vs_naive"] == pytest.approx(direct["from_observed_state"]["mase_vs_naive"])
    assert rows["settings_only"]["calibrated_out_of_sample"] is None
    header = (out / "suite.csv").read_text().splitlines()[0]
    assert header.endswith(",seconds,out_of_sample,calibrated_out_of_sample,mase_vs_naive,from_observed_mase_vs_naive")
    assert json.loads((out / "manifest.json").read_text())["calibration"] == {"budget": 8, "seeds": 3}
    # without --calibrate the columns are not there; --calibrate without --suite is refused
    code, _, err = run_cli(monkeypatch, capsys, "validate", "--suite", str(suite), "--out", str(tmp_path / "plain"))
    assert code == 0, err
    assert "out_of_sample" not in json.loads((tmp_path / "plain" / "suite.json").read_text())[0]
    code, _, err = run_cli(monkeypatch, capsys, "validate", str(folder), "--calibrate")
    assert code == 2
    assert "--calibrate" in err
    assert len(err.strip().splitlines()) == 1
