"""The native scenario file (YAML): reading with clear errors, and writing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario
from borderflow.scenario.yamlfile import load_yaml


def _field_path(loc: tuple[Any, ...], data: Any) -> str:
    """'places[3].name (Tapachula)' from a pydantic error location."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def scenario_from_data(data: Any, source: str | Path | None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(source, None, "expected a mapping with name, start_date, days, places, ...")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _field_path(tuple(err["loc"]), data) or None
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key; see docs/scenario-reference.md for the keys this object takes"
        elif err["type"] == "missing":
            msg = "required key missing"
        elif "input" in err and err["type"] not in ("value_error",):
            msg = f"{msg}; found {err['input']!r}"
        raise ScenarioError(source, where, msg) from None


def read_native(path: str | Path) -> Scenario:
    path = Path(path)
    return scenario_from_data(load_yaml(path), path)


def scenario_to_yaml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_native(scenario: Scenario, path: str | Path) -> None:
    """Write atomically: a crash leaves the old file or the complete new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(scenario_to_yaml(scenario))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
