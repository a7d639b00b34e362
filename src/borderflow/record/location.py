"""Where the CBP files are: an explicit folder, else a declared data root, else ../shared."""

from __future__ import annotations

import os
from pathlib import Path

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.flee_folder import data_roots

CBP_FOLDER_ENV = "BORDERFLOW_CBP"  # a folder holding the CBP files themselves
_UNDER_ROOT = (Path("data") / "cbp", Path("cbp"), Path())  # where a data root (e.g. ../shared) keeps them
_MARKER = "usbp-monthly-by-sector-fy2000-dec2023.csv"  # a data root holds the record if it holds this file


def cbp_folder(explicit: Path | None = None) -> Path:
    """The folder of CBP files: `explicit` (an option), else $BORDERFLOW_CBP, else the first
    data root (--data-root / $BORDERFLOW_DATA_ROOT) holding them under data/cbp, cbp or at its
    top, else ../shared/data/cbp from the working directory (the repository)."""
    if explicit is None and os.environ.get(CBP_FOLDER_ENV):
        explicit = Path(os.environ[CBP_FOLDER_ENV])
    if explicit is not None:
        if not explicit.is_dir():
            raise ScenarioError(explicit, None, "not a folder; expected the folder of CBP files (see its SOURCE.md)")
        return explicit
    candidates = [root / sub for root in [*data_roots(), Path.cwd().parent / "shared"] for sub in _UNDER_ROOT]
    for folder in candidates:
        if (folder / _MARKER).is_file():
            return folder
    raise ScenarioError(
        "CBP record",
        None,
        f"no folder holding {_MARKER} found; expected ../shared/data/cbp beside the repository, "
        f"a data root given with --data-root, or the folder in ${CBP_FOLDER_ENV}",
    )
