"""The backtest's report (issue 14 item 1 for `backtest`), and the backtest score on the
first screen of the other reports (or "not backtested"; never an invented one)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from borderflow.record import read_sectors
from borderflow.report.backtest import headline_package, record_sentence, verdict
from borderflow.report.page import e
from test_report import TINY, _cli, check_offline


def _first_screen(text: str) -> str:
    """What comes before the first section heading."""
    return text[: text.index("<h2")]


def _summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    return data


def test_backtest_writes_an_offline_report_listed_in_its_manifest(backtest_folder: Path) -> None:
    text = (backtest_folder / "report.html").read_text(encoding="utf-8")
    check_offline(text)
    manifest = json.loads((backtest_folder / "manifest.json").read_text())
    assert {"report.html", "record.csv"} <= set(manifest["files"])
    assert manifest["scenario_data"]["name"] == "caravan-2023"
    assert "as-enacted" in manifest["scenario_data"]["policies"]  # the run's copy, with what it added
    assert _cli("verify", str(backtest_folder), cwd=backtest_folder.parent).returncode == 0
    # `borderflow report` of the folder writes the same bytes
    first = text.encode()
    proc = _cli("report", str(backtest_folder), cwd=backtest_folder.parent)
    assert proc.returncode == 0, proc.stderr
    assert (backtest_folder / "report.html").read_bytes() == first


def test_the_first_screen_answers_the_question(backtest_folder: Path, cbp_dir: Path) -> None:
    text = (backtest_folder / "report.html").read_text(encoding="utf-8")
    top = _first_screen(text)
    s = _summary(backtest_folder)
    head = headline_package(s)
    assert head == "as-enacted"
    # the verdict with its band, from the decomposition; its origin total is the record's November
    nov = read_sectors(cbp_dir, through=pd.Period("2023-11", freq="M"))
    nov_total = float(nov[nov["month"] == pd.Period("2023-11", freq="M")]["encounters"].sum())
    assert s["origin_total"] == nov_total
    parts = {p["part"].split()[0]: p for p in s["decomposition"][head]}
    sentence = verdict(s, head)
    assert f"x{parts['whole']['p50']:.2f} of November 2023's {nov_total:,.0f} under as-enacted" in sentence
    assert f"p05–p95 x{parts['whole']['p05']:.2f} to x{parts['whole']['p95']:.2f}" in sentence
    assert f"seasonal factors give x{parts['season']['p50']:.2f}" in sentence
    assert (
        f"x{parts['measures']['p50']:.2f} (x{parts['measures']['p05']:.2f} to x{parts['measures']['p95']:.2f})"
        in sentence
    )
    assert f'<div class="answer">{e(sentence)}' in top
    # how the model scored: its record at earlier origins, and December against the record
    assert e(record_sentence(s)) in top
    model = s["past_record"]["scores"][0]
    assert f"{model['wape']:.3f}" in record_sentence(s)
    scores = pd.read_csv(backtest_folder / "scores.csv")
    row = scores[scores["policy"] == head].iloc[0]
    assert (
        f"Against the record for December 2023 (not seen by the fit), as-enacted scored WAPE {row['wape']:.3f}" in top
    )
    for _, naive in scores[scores["policy"].isna()].iterrows():
        assert f"{naive['forecaster']} {naive['wape']:.3f}" in top
    # which inputs are observed, fitted or assumed
    for kind in ("observed", "fitted", "assumption"):
        assert f'<span class="kind k-{kind}">{kind}</span>' in top
    assert "What the answer rests on" in top  # the scenario's inputs by kind


def test_bands_by_sector_and_month_against_the_record(backtest_folder: Path, cbp_dir: Path) -> None:
    text = (backtest_folder / "report.html").read_text(encoding="utf-8")
    forecast = pd.read_csv(backtest_folder / "forecast.csv", dtype={"month": str})
    record = read_sectors(cbp_dir, through=pd.Period("2023-12", freq="M"))
    dec = record[record["month"] == pd.Period("2023-12", freq="M")].set_index("sector")["encounters"]
    sectors = list(dict.fromkeys(forecast["sector"]))
    assert len(sectors) == 9
    assert text.count("<figure id=") == 1 + len(sectors)  # the Southwest total and each sector
    for package in ("status-quo", "talks-27-dec", "as-enacted"):
        start = text.index(f"<h3>{package}: p50")
        section = text[start : text.find("<h3>", start + 4) if text.find("<h3>", start + 4) > 0 else len(text)]
        for sector in sectors:
            row = re.search(rf"<tr><td>{re.escape(e(sector))}</td>(.*?)</tr>", section)
            assert row is not None, (package, sector)
            cells = re.findall(r"<td class=n>(.*?)</td>", row.group(1))
            assert len(cells) == 2  # December, January
            for cell, month in zip(cells, ("2023-12", "2024-01"), strict=True):
                f = forecast[
                    (forecast["policy"] == package) & (forecast["month"] == month) & (forecast["sector"] == sector)
                ]
                p05, p50, p95 = (int(f[c].iloc[0]) for c in ("p05", "p50", "p95"))
                assert cell.startswith(f"{p50:,}<br><span class=note>{p05:,}–{p95:,}</span>")
                if month == "2023-12":  # the record holds December: shown, in or outside the band
                    obs = int(dec[sector])
                    inside = "in band" if p05 <= obs <= p95 else "outside"
                    assert f"record {obs:,}, {inside}" in cell
                else:
                    assert "record" not in cell
    # record.csv is the record: the year up to the origin and the month forecast it holds
    rec = pd.read_csv(backtest_folder / "record.csv", dtype={"month": str})
    assert sorted(set(rec["month"])) == [str(m) for m in pd.period_range("2022-12", "2023-12", freq="M")]
    merged = rec.assign(month=rec["month"].map(lambda m: pd.Period(m, freq="M"))).merge(
        record, on=["month", "sector"], suffixes=("", "_cbp")
    )
    assert len(merged) == len(rec)
    assert (merged["encounters"] == merged["encounters_cbp"].round()).all()


# ----- the score on other reports ---------------------------------------------------------
def test_a_report_without_a_backtest_says_not_backtested(tmp_path: Path) -> None:
    proc = _cli("run", str(TINY), "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    top = _first_screen((tmp_path / "out" / "report.html").read_text())
    assert "<b>Not backtested.</b>" in top
    assert "WAPE" not in top


def test_the_backtest_given_or_found_beside_is_quoted(backtest_folder: Path, tmp_path: Path) -> None:
    proc = _cli("run", "caravan-2023", "--out", "run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "<b>Not backtested.</b>" in _first_screen((tmp_path / "run" / "report.html").read_text())
    s = _summary(backtest_folder)
    model_wape = f"{s['past_record']['scores'][0]['wape']:.3f}"
    # given
    proc = _cli("report", "run", "--backtest", str(backtest_folder), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    top = _first_screen((tmp_path / "run" / "report.html").read_text())
    assert "Not backtested" not in top
    assert '<p class="backtest"><b>Backtest</b>' in top
    assert e(record_sentence(s)) in top
    assert model_wape in top
    assert "fitted through November 2023" in top
    assert _cli("verify", "run", cwd=tmp_path).returncode == 0
    # found beside: a backtest of the same scenario in a sibling folder
    shutil.copytree(backtest_folder, tmp_path / "bt")
    proc = _cli("report", "run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    top = _first_screen((tmp_path / "run" / "report.html").read_text())
    assert "(<code>../bt</code>: fitted through November 2023" in top
    assert e(record_sentence(s)) in top
    # a comparison written beside it quotes it too, with its package's score on the record
    proc = _cli(
        "compare",
        "caravan-2023",
        "-p",
        "status-quo",
        "-p",
        "talks-27-dec",
        "--seeds",
        "1",
        "--out",
        "cmp",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    top = _first_screen((tmp_path / "cmp" / "report.html").read_text())
    scores = pd.read_csv(backtest_folder / "scores.csv")
    talks = scores[scores["policy"] == "talks-27-dec"].iloc[0]
    assert f"talks-27-dec scored WAPE {talks['wape']:.3f}" in top


@pytest.mark.parametrize("which", ["other scenario", "not a backtest", "missing"])
def test_a_wrong_backtest_folder_is_one_line_exit_2(backtest_folder: Path, tmp_path: Path, which: str) -> None:
    assert _cli("run", str(TINY), "--out", "out", cwd=tmp_path).returncode == 0
    before = (tmp_path / "out" / "report.html").read_bytes()
    given = {"other scenario": str(backtest_folder), "not a backtest": "out", "missing": "nothing"}[which]
    proc = _cli("report", "out", "--backtest", given, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "--backtest" in lines[0]
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "report.html").read_bytes() == before


def test_beside_means_a_sibling_backtest_of_the_same_scenario_the_latest_fitted(tmp_path: Path) -> None:
    from borderflow.report.backtest import find_beside

    def fake(name: str, scenario: str, fit_until: str, kind: str = "backtest") -> None:
        d = tmp_path / name
        d.mkdir()
        for f in ("summary.json", "forecast.csv"):
            (d / f).write_text("{}")
        manifest = {"borderflow_version": "0", "kind": kind, "scenario": scenario, "fit_until": fit_until, "files": {}}
        (d / "manifest.json").write_text(json.dumps(manifest))

    (tmp_path / "results").mkdir()
    assert find_beside(tmp_path / "results", "caravan-2023") is None
    fake("a", "caravan-2023", "2023-09")
    fake("b", "caravan-2023", "2023-12")
    fake("c", "other", "2024-01")
    fake("d", "caravan-2023", "2024-02", kind="run")
    fake(".e", "caravan-2023", "2024-03")
    assert find_beside(tmp_path / "results", "caravan-2023") == (tmp_path / "b").absolute()
    assert find_beside(tmp_path / "results", "other") == (tmp_path / "c").absolute()
    assert find_beside(tmp_path / "b", "caravan-2023") == (tmp_path / "a").absolute()  # never itself
