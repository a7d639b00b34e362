"""An ensemble on disk: a manifest and one Parquet file per member, each written atomically.

Resuming skips members whose file is there and readable, so an interrupted ensemble loses
no finished member and duplicates none. The manifest names every file borderflow writes
in the folder (by pattern while members arrive, by SHA-256 once the ensemble is complete),
so the folder can be written again and verified like any results folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from borderflow import faults
from borderflow.files import TEMPORARY_PREFIX, write_file_atomically
from borderflow.results.folder import MANIFEST, sha256
from borderflow.scenario.errors import ScenarioError

# What an ensemble folder may hold besides the files its manifest lists with their digests.
PATTERNS = ["members/member-*.parquet", "rerun-member-*.parquet", "bands.csv", "bands-*.png"]


def member_path(out: Path, index: int) -> Path:
    return out / "members" / f"member-{index:06d}.parquet"


def write_member(out: Path, index: int, series: dict[str, NDArray[np.float64]], name: str | None = None) -> Path:
    """Write a member's series atomically (a temporary file renamed into place); returns its path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = member_path(out, index) if name is None else out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({"day": np.arange(len(next(iter(series.values())))), **series})

    def fill(tmp: Path) -> None:
        pq.write_table(table.replace_schema_metadata(None), tmp)
        faults.sigint_at("write")  # half-written: only the temporary file exists

    return write_file_atomically(path, fill)


def read_member(out: Path, index: int, columns: list[str] | None = None) -> dict[str, NDArray[np.float64]]:
    import pyarrow.parquet as pq

    table = pq.read_table(member_path(out, index), columns=columns)
    return {name: table.column(name).to_numpy() for name in table.column_names if name != "day"}


def finished(out: Path) -> set[int]:
    """Members whose file is there and readable. Files are only ever renamed into place whole,
    so a member killed mid-write has no file; one damaged some other way is not counted, and
    its member runs again (the new file replaces it)."""
    import pyarrow.parquet as pq

    folder = out / "members"
    if not folder.is_dir():
        return set()
    done = set()
    for p in folder.glob("member-*.parquet"):
        try:
            pq.read_metadata(p)
        except Exception:
            continue
        done.add(int(p.stem.split("-")[1]))
    return done


def remove_leftovers(out: Path) -> None:
    """Remove temporary files left by a killed run (call before resuming, never while running)."""
    for tmp in (out / "members").glob(f"{TEMPORARY_PREFIX}*"):
        tmp.unlink(missing_ok=True)


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """Write the ensemble's manifest, or check that the one there describes the same ensemble."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / MANIFEST
    if path.exists():
        old = json.loads(path.read_text())
        keys = ("scenario_hash", "policy", "design", "base_seed", "n", "parameter_sets")
        if any(old.get(k) != manifest.get(k) for k in keys):
            raise ScenarioError(
                path,
                None,
                "holds a different ensemble (scenario, policy, design, seed, size or calibrated sets); "
                "expected the same one to resume, or another --out folder",
            )
        return
    _write_json(path, {**manifest, "kind": "ensemble", "patterns": PATTERNS, "files": {}})


def write_set_manifest(root: Path, folders: list[str], version: str) -> None:
    """The manifest of a folder holding one ensemble per policy package (and their plots)."""
    old = json.loads((root / MANIFEST).read_text()) if (root / MANIFEST).is_file() else {}
    known = [f for f in old.get("folders", []) if f not in folders]
    manifest = {
        **old,
        "borderflow_version": version,
        "kind": "ensembles",
        "folders": known + folders,
        "patterns": ["bands-*.png"],
        "files": old.get("files", {}),
    }
    _write_json(root / MANIFEST, manifest)


def record_files(out: Path, names: list[str]) -> None:
    """Add the SHA-256 of each named file (relative to `out`) to the manifest, for `verify`."""
    path = out / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["files"] = {**manifest.get("files", {}), **{n: sha256(out / n) for n in names}}
    _write_json(path, manifest)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    def dump(tmp: Path) -> None:
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)

    write_file_atomically(path, dump)


def read_manifest(out: Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    if not path.exists():
        raise ScenarioError(path, None, "not found; expected an ensemble folder written by `borderflow ensemble`")
    data: dict[str, Any] = json.loads(path.read_text())
    return data
