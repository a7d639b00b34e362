"""Writing results atomically: a results folder is either the previous one or the complete new one.

Files are written into a hidden sibling folder; the manifest (with every file's SHA-256)
is written last; then the folder is swapped in with renames. An interrupted swap is
repaired on the next write or read (the previous folder is put back).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderflow import __version__
from borderflow.results.result import Result
from borderflow.scenario.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_table(df: pd.DataFrame, folder: Path, stem: str) -> list[str]:
    import pyarrow as pa  # imported when writing: a run in memory does not need it
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    # No creation timestamps or pandas metadata: same inputs give byte-identical files.
    table = table.replace_schema_metadata(None)
    pq.write_table(table, folder / f"{stem}.parquet", compression="zstd")
    df.to_csv(folder / f"{stem}.csv", index=False, lineterminator="\n")
    return [f"{stem}.parquet", f"{stem}.csv"]


def recover(out: Path) -> None:
    """Finish or undo an interrupted swap left by a crash."""
    old = out.with_name(f".{out.name}.old")
    if old.exists():
        if out.exists() and (out / MANIFEST).exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            if out.exists():
                shutil.rmtree(out, ignore_errors=True)
            os.replace(old, out)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def writable_folder(path: str | Path, option: str = "--out") -> Path:
    """Create `path` if needed and check that files can be made in it, before any work is
    done (a ScenarioError naming the option otherwise)."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        raise ScenarioError(
            str(folder), option, f"cannot write there ({exc.strerror or exc}); expected a folder you can write to"
        ) from None
    return folder


def write_results(result: Result, out: str | Path, *, extra: dict[str, Any] | None = None) -> Path:
    """Write daily tables, the observed comparison, metrics and the manifest to `out`."""
    out = Path(out).resolve()
    writable_folder(out.parent)
    recover(out)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        t0 = time.perf_counter()
        files = _write_table(result.to_pandas(), tmp, "daily")
        if result.caravans is not None:
            files += _write_table(result.caravan_table(), tmp, "caravans")
        if result.border is not None:
            files += _write_table(result.border_table(), tmp, "border")
        metrics = result.metrics()
        if metrics:
            files += _write_table(result.observed_table(), tmp, "observed")
            import pandas as pd

            places = pd.DataFrame(metrics["places"])
            places.to_csv(tmp / "metrics.csv", index=False, lineterminator="\n")
            (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
            files += ["metrics.csv", "metrics.json"]
        timings = {**result.timings, "write_s": time.perf_counter() - t0}
        sc = result.world.scenario
        manifest = {
            "borderflow_version": __version__,
            "scenario": sc.name,
            "scenario_hash": sc.content_hash(),
            "seed": result.seed,
            "policy": result.policy,
            "hasten": sc.hasten,
            "start_date": sc.start_date.isoformat(),
            "days": sc.days,
            "python": platform.python_version(),
            "timings_s": {k: round(v, 6) for k, v in timings.items()},
            "files": {f: _sha256(tmp / f) for f in files},
            **(extra or {}),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for f in [*files, MANIFEST]:
            with open(tmp / f, "rb") as fh:
                os.fsync(fh.fileno())
        old = out.with_name(f".{out.name}.old")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def verify(out: str | Path) -> dict[str, Any]:
    """Check a results folder against its manifest; returns the manifest."""
    out = Path(out)
    manifest: dict[str, Any] = json.loads((out / MANIFEST).read_text())
    for name, digest in manifest["files"].items():
        if _sha256(out / name) != digest:
            raise ValueError(f"{out / name}: content does not match the manifest")
    return manifest
