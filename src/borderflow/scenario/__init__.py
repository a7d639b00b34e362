"""Scenario model and readers: everything a run needs, validated before it starts."""

from __future__ import annotations

from pathlib import Path

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.flee_folder import read_flee_folder
from borderflow.scenario.model import Scenario
from borderflow.scenario.native import read_native, write_native

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "scenarios"
BUILTIN = {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.yaml"))}
DEFAULT_SCENARIO = "caravan-2023"


def load_scenario(source: str | Path | None = None) -> Scenario:
    """Load a scenario: a built-in name, a native YAML file, or a Flee folder."""
    if source is None:
        source = DEFAULT_SCENARIO
    if isinstance(source, str) and source in BUILTIN:
        return read_native(BUILTIN[source])
    if not isinstance(source, str | Path):
        raise ScenarioError(None, "scenario", f"found a {type(source).__name__}; expected a file, folder or name")
    if isinstance(source, str) and "\x00" in source:  # the OS refuses such a path with a ValueError
        raise ScenarioError(None, "scenario", "NUL character in the path; expected a file or folder name")
    path = Path(source)
    if path.is_dir():
        scenario = read_flee_folder(path)
    elif not path.exists():
        known = ", ".join(BUILTIN) or "none"
        raise ScenarioError(
            path, None, f"not found; expected a scenario file, a Flee folder or a built-in name ({known})"
        )
    else:
        scenario = read_native(path)
    from borderflow.network.graph import check_path_limit  # here: the network module imports the model

    check_path_limit(scenario, path)  # before any work: an exploding network is refused in milliseconds
    return scenario


__all__ = ["Scenario", "ScenarioError", "load_scenario", "read_flee_folder", "read_native", "write_native"]
