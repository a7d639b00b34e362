"""Writing a run's results: daily tables, the observed comparison, metrics and a manifest.

Where they may go and how they replace earlier results is `results.folder`'s policy:
the previous results or the complete new ones, never a user's file touched.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderflow import __version__
from borderflow.metrics.sector_months import SectorMonths
from borderflow.results.folder import MANIFEST, OutputFolder, claim, sha256
from borderflow.results.result import Result

if TYPE_CHECKING:
    import pandas as pd


def _write_table(df: pd.DataFrame, folder: Path, stem: str) -> list[str]:
    import pyarrow as pa  # imported when writing: a run in memory does not need it
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    # No creation timestamps or pandas metadata: same inputs give byte-identical files.
    table = table.replace_schema_metadata(None)
    pq.write_table(table, folder / f"{stem}.parquet", compression="zstd")
    df.to_csv(folder / f"{stem}.csv", index=False, lineterminator="\n")
    return [f"{stem}.parquet", f"{stem}.csv"]


def write_results(
    result: Result,
    out: str | Path | OutputFolder,
    *,
    extra: dict[str, Any] | None = None,
    report: bool = False,
    sector_months: SectorMonths | None = None,
) -> Path:
    """Write daily tables, the observed comparison, metrics and the manifest to `out` (a path,
    checked against the output policy, or a folder already claimed); with `report`, also the
    HTML report (report.html), in the same transaction. With `sector_months` (the run scored
    against the CBP record), also sector_months.csv and `sector_months` in metrics.json."""
    folder = out if isinstance(out, OutputFolder) else claim(out)
    try:
        with folder.replace() as tmp:
            t0 = time.perf_counter()
            files = _write_table(result.to_pandas(), tmp, "daily")
            if result.caravans is not None:
                files += _write_table(result.caravan_table(), tmp, "caravans")
            if result.border is not None:
                files += _write_table(result.border_table(), tmp, "border")
            if result.world.net.n_links:
                files += _write_table(result.route_table(), tmp, "routes")
            metrics = result.metrics()
            import pandas as pd

            if metrics:
                files += _write_table(result.observed_table(), tmp, "observed")
                places = pd.DataFrame(metrics["places"])
                places.to_csv(tmp / "metrics.csv", index=False, lineterminator="\n")
                files.append("metrics.csv")
            if sector_months is not None:
                rows = pd.DataFrame(sector_months.rows(), columns=["month", "sector", "simulated", "observed"])
                rows.to_csv(tmp / "sector_months.csv", index=False, lineterminator="\n")
                metrics["sector_months"] = sector_months.summary()
                files.append("sector_months.csv")
            if metrics:
                (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
                files.append("metrics.json")
            timings = {**result.timings, "write_s": time.perf_counter() - t0}
            sc = result.world.scenario
            manifest = {
                "borderflow_version": __version__,
                "kind": "run",
                "scenario": sc.name,
                "scenario_hash": sc.content_hash(),
                "seed": result.seed,
                "policy": result.policy,
                "hasten": sc.hasten,
                "scenario_data": sc.model_dump(mode="json"),  # what the report shows of the inputs
                "start_date": sc.start_date.isoformat(),
                "days": sc.days,
                "python": platform.python_version(),
                "timings_s": {k: round(v, 6) for k, v in timings.items()},
                "files": {f: sha256(tmp / f) for f in files},
                **(extra or {}),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            if report:
                from borderflow.report.write import add_report  # the report sits at the edge

                add_report(tmp)
    finally:
        if folder is not out:
            folder.close()
    return folder.path
