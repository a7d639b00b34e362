"""Simulated Border Patrol encounters scored against the CBP record by sector and month."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from borderflow.metrics.sector_months import score_sector_months, whole_months
from borderflow.record import SECTOR_FILE, read_sectors
from borderflow.scenario import ScenarioError, load_scenario
from borderflow.scenario.model import Scenario
from test_cli import _cli

HEADER = "fiscal_year,year,month,region,sector,encounters\n"
START = dt.date(2023, 11, 20)  # 60 days: to 18 Jan 2024, so December is the one whole month
DAYS = 60


def test_whole_months_are_those_inside_the_period() -> None:
    assert whole_months(dt.date(2023, 11, 20), dt.date(2024, 1, 18)) == [(2023, 12)]
    assert whole_months(dt.date(2023, 12, 1), dt.date(2024, 1, 31)) == [(2023, 12), (2024, 1)]
    assert whole_months(dt.date(2023, 12, 1), dt.date(2023, 12, 30)) == []
    assert whole_months(dt.date(2024, 2, 1), dt.date(2024, 2, 29)) == [(2024, 2)]  # leap year


def _record(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex([m for m, _, _ in rows], freq="M"),
            "sector": [s for _, s, _ in rows],
            "encounters": [n for _, _, n in rows],
        }
    )


def test_scores_by_month_with_exact_figures() -> None:
    dates = [dt.date(2023, 11, 30) + dt.timedelta(days=t) for t in range(63)]  # 30 Nov to 31 Jan
    # three model sectors; two of them are one sector of the record
    enc = np.zeros((63, 3))
    enc[:, 0], enc[:, 1], enc[:, 2] = 10.0, 2.0, 3.0
    record = _record(
        [
            ("2023-11", "A", 999),  # November is not whole in the run: not scored
            ("2023-12", "A", 400),
            ("2023-12", "B", 100),
            ("2024-01", "A", 300),  # January lacks B in the record: not scored
        ]
    )
    got = score_sector_months(dates, enc, ["a", "b1", "b2"], {"a": "A", "b1": "B", "b2": "B"}, record)
    assert got.months == ("2023-12",)
    assert got.sectors == ("A", "B")
    assert got.simulated.tolist() == [[310.0, 155.0]]  # 31 days x 10; 31 x (2 + 3)
    assert got.observed.tolist() == [[400.0, 100.0]]
    s = got.summary()
    assert s["averaged_relative_difference"] == pytest.approx((90 + 55) / 500)
    assert s["wape"] == pytest.approx((90 + 55) / 500)
    assert s["share_dissimilarity"] == pytest.approx(0.5 * (abs(310 / 465 - 0.8) + abs(155 / 465 - 0.2)))
    assert got.rows()[1] == {"month": "2023-12", "sector": "B", "simulated": 155.0, "observed": 100.0}


def test_a_record_sector_never_mentioned_is_named() -> None:
    with pytest.raises(ValueError, match=r"'a' names 'Tucson AZ', not a sector of the record; expected one of A"):
        score_sector_months(
            [dt.date(2023, 12, 1)], np.zeros((1, 1)), ["a"], {"a": "Tucson AZ"}, _record([("2023-12", "A", 1)])
        )


def _data(**over: Any) -> dict[str, Any]:
    last = START + dt.timedelta(days=DAYS - 1)
    data: dict[str, Any] = {
        "name": "sectors-test",
        "start_date": START.isoformat(),
        "days": DAYS,
        "places": [
            {"name": "City A", "kind": "border_city", "country": "MX"},
            {"name": "City B", "kind": "border_city", "country": "MX"},
            {"name": "West sector", "kind": "sector", "country": "US"},
            {"name": "East sector", "kind": "sector", "country": "US"},
        ],
        "routes": [
            {"a": "City A", "b": "West sector", "distance_km": 10},
            {"a": "City B", "b": "East sector", "distance_km": 10},
        ],
        # each city's only way on is its sector, and everyone moves the day they appear
        "departures": [
            {"place": "City A", "start": START.isoformat(), "end": last.isoformat(), "per_day": 30},
            {"place": "City B", "start": START.isoformat(), "end": last.isoformat(), "per_day": 10},
        ],
        "spawn_rules": {"data_driven": False},
        "border": {
            "sectors": [
                {"place": "West sector", "processing_per_day": 1e6},
                {"place": "East sector", "processing_per_day": 1e6},
            ],
            "cities": [{"place": "City A"}, {"place": "City B"}],
            "city_movechance": 1.0,
        },
        "sector_observations": {"sectors": {"West sector": "Tucson, AZ", "East sector": "Del Rio, TX"}},
    }
    data.update(over)
    return data


def test_scenario_names_only_its_own_sectors() -> None:
    bad = _data(sector_observations={"sectors": {"Nowhere sector": "Tucson, AZ"}})
    with pytest.raises(ValueError, match=r"'Nowhere sector' is not a sector of the border section"):
        Scenario.model_validate(bad)
    with pytest.raises(ValueError, match=r"sectors\n.*at least 1 item"):
        Scenario.model_validate(_data(sector_observations={"sectors": {}}))


def _write_scenario(tmp_path: Path, **over: Any) -> Path:
    import yaml

    path = tmp_path / "sectors.yaml"
    path.write_text(yaml.safe_dump(_data(**over), sort_keys=False))
    return path


def _write_record(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SECTOR_FILE).write_text(HEADER + body, encoding="utf-8")
    return folder


RECORD = (
    '2024,2023,11,Southwest Land Border,"Tucson, AZ",5000\n'
    '2024,2023,11,Southwest Land Border,"Del Rio, TX",5000\n'
    '2024,2023,12,Southwest Land Border,"Tucson, AZ",1000\n'
    '2024,2023,12,Southwest Land Border,"Del Rio, TX",200\n'
    '2024,2023,12,Coastal Border,"Miami, FL",7\n'
    # after the run's last whole month (December): never parsed
    '2024,2024,1,Southwest Land Border,"Tucson, AZ",POISON\n'
    '2024,2024,2,Southwest Land Border,"Del Rio, TX",POISON\n'
)


def test_validate_scores_sectors_by_month_and_reads_nothing_after_the_run(tmp_path: Path) -> None:
    cbp = _write_record(tmp_path / "cbp", RECORD)
    with pytest.raises(ScenarioError, match="POISON"):
        read_sectors(cbp)  # the poisoned rows are there to be read...
    proc = _cli("validate", str(_write_scenario(tmp_path)), "--cbp", str(cbp), "--out", str(tmp_path / "v"))
    assert proc.returncode == 0, proc.stderr  # ...and validate never reads them
    rows = pd.read_csv(tmp_path / "v" / "sector_months.csv")
    # December: 31 days x 30 people a day into the west sector, x 10 into the east
    assert rows.to_dict("records") == [
        {"month": "2023-12", "sector": "Tucson, AZ", "simulated": 930.0, "observed": 1000.0},
        {"month": "2023-12", "sector": "Del Rio, TX", "simulated": 310.0, "observed": 200.0},
    ]
    border = pd.read_csv(tmp_path / "v" / "border.csv", parse_dates=["date"])
    dec = border[(border["kind"] == "sector") & (border["date"].dt.month == 12)]
    assert dec.groupby("facility")["encounters"].sum().to_dict() == {"West sector": 930.0, "East sector": 310.0}
    m = json.loads((tmp_path / "v" / "metrics.json").read_text())["sector_months"]
    assert m["months"] == ["2023-12"]
    assert m["averaged_relative_difference"] == pytest.approx((70 + 110) / 1200)
    assert m["wape"] == pytest.approx((70 + 110) / 1200)
    assert m["share_dissimilarity"] == pytest.approx(0.5 * (abs(0.75 - 1000 / 1200) + abs(0.25 - 200 / 1200)))
    assert "WAPE" in proc.stdout
    assert "sector-share dissimilarity" in proc.stdout


@pytest.mark.parametrize(
    ("over", "record", "says"),
    [
        (
            {"sector_observations": {"sectors": {"West sector": "Tucson AZ"}}},
            RECORD,
            "sector_observations.sectors: 'West sector' names 'Tucson AZ', not a sector of the record",
        ),
        ({"days": 20}, RECORD, "holds no whole calendar month"),
        ({}, RECORD.split("2024,2023,12")[0], "no whole month of the run (2023-11-20 to 2024-01-18) is in the record"),
    ],
)
def test_validate_explains_a_record_it_cannot_use(tmp_path: Path, over: dict[str, Any], record: str, says: str) -> None:
    if "days" in over:
        over["departures"] = []
    cbp = _write_record(tmp_path / "cbp", record)
    proc = _cli("validate", str(_write_scenario(tmp_path, **over)), "--cbp", str(cbp), "--out", str(tmp_path / "v"))
    assert proc.returncode == 2
    assert says in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "v").exists()  # nothing claimed before the record was checked


def test_caravan_2023_names_the_nine_southwest_sectors(cbp_dir: Path) -> None:
    sc = load_scenario("caravan-2023")
    assert sc.sector_observations is not None
    names = set(sc.sector_observations.sectors.values())
    dec = read_sectors(cbp_dir, through=pd.Period("2023-12", freq="M"))
    assert names == set(dec[dec["month"] == pd.Period("2023-12", freq="M")]["sector"])
    assert len(names) == 9
