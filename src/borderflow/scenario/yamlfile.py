"""Safe YAML reading: plain data only (no object construction), with a size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from borderflow.scenario.csvfile import read_text
from borderflow.scenario.errors import ScenarioError

MAX_YAML_BYTES = 16 * 1024 * 1024  # a scenario file larger than this is refused


def load_yaml(path: Path) -> Any:
    """Parse a YAML file with the safe loader; errors name the file and line."""
    if path.exists() and path.is_file() and path.stat().st_size > MAX_YAML_BYTES:
        raise ScenarioError(path, None, f"file larger than {MAX_YAML_BYTES} bytes; refused")
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else None
        raise ScenarioError(path, where, f"invalid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(path, None, f"invalid YAML ({exc})") from None
