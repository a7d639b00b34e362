"""The record a scenario names in `sector_observations`, read for `borderflow validate`.

Only the months a run can be scored on are read: rows after the run's last whole month are
skipped before their counts are parsed (see `read_sectors`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from borderflow.metrics.sector_months import scored_months, whole_months
from borderflow.record.months import Month
from borderflow.record.sectors import SECTOR_FILE, read_sectors
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario


def sector_record(scenario: Scenario, folder: Path, source: str | Path | None = None) -> pd.DataFrame:
    """The record's monthly sector series for the scenario's `sector_observations`, through
    the run's last whole month; one clear error (naming `source`, the scenario) when the run
    holds no whole month, a named sector is not in the record, or no month can be scored."""
    spec = scenario.sector_observations
    where = source if source is not None else scenario.name
    if spec is None:
        raise ScenarioError(where, "sector_observations", "none; expected the sectors to match to the CBP record")
    first, last = scenario.start_date, scenario.end_date
    months = whole_months(first, last)
    if not months:
        raise ScenarioError(
            where,
            "sector_observations",
            f"the run ({first} to {last}) holds no whole calendar month; expected a period covering at least one",
        )
    y, m = months[-1]
    record = read_sectors(folder, region=spec.region, through=Month(f"{y:04d}-{m:02d}", freq="M"))
    try:
        scored = scored_months(first, last, spec.sectors, record)
    except ValueError as exc:
        raise ScenarioError(where, "sector_observations.sectors", f"{exc} (in {folder / SECTOR_FILE})") from None
    if not scored:
        held = f"{record['month'].min()} to {record['month'].max()}" if len(record) else "no months"
        raise ScenarioError(
            where,
            "sector_observations",
            f"no whole month of the run ({first} to {last}) is in the record ({held} for {spec.region}); "
            "expected an overlap",
        )
    return record
