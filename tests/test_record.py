"""The CBP record readers: tidy frames from the real files, and one clear line for bad ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from borderflow.record import (
    NATIONWIDE_FILE,
    SECTOR_FILE,
    Month,
    cbp_folder,
    read_citizenship,
    read_nationwide,
    read_sectors,
)
from borderflow.scenario.errors import ScenarioError

SECTOR_HEADER = "fiscal_year,year,month,region,sector,encounters\n"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_sectors_are_a_tidy_frame(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        SECTOR_FILE,
        SECTOR_HEADER + '2024,2023,10,Southwest Land Border,"Tucson, AZ",55220\n'
        '2024,2023,10,Coastal Border,"Miami, FL",900\n'
        '2023,2023,9,Southwest Land Border,"Tucson, AZ",51000\n',
    )
    frame = read_sectors(folder)
    assert list(frame.columns) == ["month", "region", "sector", "encounters"]
    assert [str(m) for m in frame["month"]] == ["2023-09", "2023-10"]  # sorted, Miami left out
    assert frame["encounters"].tolist() == [51000, 55220]
    assert len(read_sectors(folder, region=None)) == 3


def test_nothing_after_through_is_read(tmp_path: Path) -> None:
    """A poisoned row after `through` (a count that is not a number) is never parsed."""
    folder = _write(
        tmp_path,
        SECTOR_FILE,
        SECTOR_HEADER + '2023,2023,9,Southwest Land Border,"Tucson, AZ",51000\n'
        '2024,2023,10,Southwest Land Border,"Tucson, AZ",POISON\n',
    )
    frame = read_sectors(folder, through=Month("2023-09"))
    assert frame["encounters"].tolist() == [51000]
    with pytest.raises(ScenarioError, match=r"line 3, column encounters: expected a number, found 'POISON'"):
        read_sectors(folder)


@pytest.mark.parametrize(
    ("body", "where", "expected"),
    [
        ("fiscal_year,year,month,sector,encounters\n", "line 1", "expected the columns fiscal_year,year"),
        (SECTOR_HEADER + '2024,2023,13,Southwest Land Border,"Tucson, AZ",1\n', "line 2, column month", "1 to 12"),
        (SECTOR_HEADER + '2023,2023,10,Southwest Land Border,"Tucson, AZ",1\n', "line 2, column fiscal_year", "2024"),
        (
            SECTOR_HEADER + '2024,2023,10,Southwest Land Border,"Tucson, AZ",-5\n',
            "line 2, column encounters",
            "0 or more",
        ),
        (SECTOR_HEADER + "2024,2023,10,Southwest Land Border,,5\n", "line 2, column sector", "expected a sector"),
        (SECTOR_HEADER + "2024,2023,10,Southwest Land Border\n", "line 2", "expected 6"),
        (
            SECTOR_HEADER + '2024,2023,10,Southwest Land Border,"Tucson, AZ",1\n'
            '2024,2023,10,Southwest Land Border,"Tucson, AZ",2\n',
            "line 3",
            "also on line 2",
        ),
    ],
)
def test_bad_sector_rows_name_file_line_and_field(tmp_path: Path, body: str, where: str, expected: str) -> None:
    folder = _write(tmp_path, SECTOR_FILE, body)
    with pytest.raises(ScenarioError) as err:
        read_sectors(folder)
    line = err.value.one_line()
    assert line.startswith(f"{folder / SECTOR_FILE}:{where}:"), line
    assert expected in line
    assert "\n" not in line


def test_missing_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        read_citizenship(tmp_path)
    with pytest.raises(ScenarioError, match="not a folder"):
        cbp_folder(tmp_path / "nowhere")
    monkeypatch.setenv("BORDERFLOW_CBP", "")
    monkeypatch.setenv("BORDERFLOW_DATA_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no ../shared from here either
    with pytest.raises(ScenarioError, match="--data-root"):
        cbp_folder()
    _write(tmp_path / "data" / "cbp", SECTOR_FILE, SECTOR_HEADER)
    assert cbp_folder() == tmp_path / "data" / "cbp"


def test_nationwide_months_follow_the_fiscal_year(tmp_path: Path) -> None:
    header = (
        "Fiscal Year,Month Grouping,Month (abbv),Land Border Region,State,Demographic,Citizenship,"
        "Title of Authority,Encounter Count\n"
    )
    folder = _write(
        tmp_path,
        NATIONWIDE_FILE,
        header + "2023,FYTD,OCT,Southwest Land Border,TX,Single Adults,MEXICO,Title 8,7\n"
        "2023,FYTD,SEP,Southwest Land Border,TX,Single Adults,MEXICO,Title 8,9\n"
        "2024,FYTD,OCT,Southwest Land Border,TX,Single Adults,MEXICO,Title 8,POISON\n",
    )
    frame = read_nationwide(folder, through=Month("2023-09"))  # October 2023 opens FY2024: not read
    assert [str(m) for m in frame["month"]] == ["2022-10", "2023-09"]
    _write(
        tmp_path, NATIONWIDE_FILE, header + "2023,FYTD,MAI,Southwest Land Border,TX,Single Adults,MEXICO,Title 8,9\n"
    )
    with pytest.raises(ScenarioError, match=r"line 2, column Month \(abbv\): month 'MAI'; expected one of JAN"):
        read_nationwide(folder)


# ----- the real files (../shared; skipped without it, except in CI) ------------------------------
def test_real_sector_series_matches_source(cbp_dir: Path) -> None:
    frame = read_sectors(cbp_dir)
    assert frame["sector"].nunique() == 9
    dec = frame[frame["month"] == pd.Period("2023-12", freq="M")].set_index("sector")["encounters"]
    # the December 2023 figures SOURCE.md quotes
    assert dec["Tucson, AZ"] == 80180
    assert dec["Del Rio, TX"] == 71050
    assert dec.sum() == 249740
    months = frame.groupby("sector")["month"].agg(["min", "max", "count"])
    assert (months["count"] == 291).all()  # Oct 1999 - Dec 2023, every sector, no gap


def test_real_citizenship_and_nationwide(cbp_dir: Path) -> None:
    cit = read_citizenship(cbp_dir, through=Month("2023-09"))
    assert str(cit["month"].max()) == "2023-09"
    sectors = read_sectors(cbp_dir, through=Month("2023-09"))
    # both series count the same Southwest Border Patrol encounters (rounded to tens)
    by_cit = cit.groupby("month")["encounters"].sum()
    by_sector = sectors.groupby("month")["encounters"].sum()
    assert ((by_cit - by_sector).abs() / by_sector).max() < 0.02
    nation = read_nationwide(cbp_dir)
    sw = nation[nation["region"] == "Southwest Land Border"].groupby("month")["encounters"].sum()
    assert sw[pd.Period("2023-09", freq="M")] == 269735  # CBP's published September 2023 total
