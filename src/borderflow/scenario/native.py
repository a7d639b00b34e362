"""The native scenario file (YAML): reading with clear errors, and writing."""

from __future__ import annotations

import difflib
import re
import stat
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from borderflow.files import write_file_atomically, write_problem
from borderflow.scenario.errors import ScenarioError, validation_problem
from borderflow.scenario.model import Scenario
from borderflow.scenario.yamlfile import load_mapping


def _field_path(loc: tuple[Any, ...]) -> str:
    """'places[3].name' from a pydantic error location."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that the object at `loc` (a pydantic location) is validated against."""
    model: type[BaseModel] = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        found = [t for t in _models_in(field.annotation) if t is not model]
        if len(found) != 1:
            return None
        model = found[0]
    return model


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _unknown_key(loc: tuple[Any, ...]) -> str:
    key = str(loc[-1]) if loc else ""
    model = _model_at(tuple(loc[:-1]))
    if model is None:
        return f"unknown key {key!r}; expected one of the keys in docs/scenario-reference.md"
    keys = list(model.model_fields)
    close = difflib.get_close_matches(key, keys, n=1)
    if close:
        return f"unknown key {key!r}; expected a key of {model.__name__}: did you mean {close[0]!r}?"
    return f"unknown key {key!r}; expected one of {', '.join(keys)}"


_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.-]*(?:\[\d+\])*(?:\.[\w-]+(?:\[\d+\])*)*): (.*)$", re.DOTALL)


def scenario_from_data(data: Any, source: str | Path | None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(source, "line 1", "expected a mapping with name, start_date, days, places, ...")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        where = _field_path(loc) or None
        msg = _unknown_key(loc) if err["type"] == "extra_forbidden" else validation_problem(err)
        # Model checks name the field at the start of their message (relative to the model).
        match = _FIELD_PREFIX.match(msg) if err["type"] == "value_error" else None
        if match:
            where = match.group(1) if where is None else f"{where}.{match.group(1)}"
            msg = match.group(2)
        raise ScenarioError(source, where, msg) from None


def read_native(path: str | Path) -> Scenario:
    path = Path(path)
    return scenario_from_data(
        load_mapping(path, "scenario keys (name, start_date, days, places, ...)"),
        path,
    )


# The first line of every scenario file borderflow writes: only such a file may be replaced.
HEADER = "# borderflow scenario file"


def scenario_to_yaml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    return f"{HEADER} (written by borderflow; edit freely)\n" + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100
    )


def check_native_target(path: str | Path, option: str = "--output") -> Path:
    """Refuse, before any work, to write a scenario file over anything borderflow did not
    write: a user's file, a folder, a link, a device (one line naming the path, exit 2)."""
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ScenarioError(path, option, f"cannot be used ({exc.strerror or exc}); expected a new file name") from None
    expected = "expected a new file name, or a scenario file borderflow wrote"
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(path, option, f"is not a regular file (a folder, link or device); {expected}")
        with open(path, "rb") as fh:
            first = fh.read(len(HEADER))
        if first != HEADER.encode():
            raise ScenarioError(path, option, f"is a file borderflow did not write; {expected}")
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(path, option, f"cannot be written ({exc.strerror or exc}); {expected}") from None
    if (problem := write_problem(parent)) is not None:
        raise ScenarioError(path, option, f"cannot be written ({problem.strerror or problem}); {expected}")
    return path


def write_native(scenario: Scenario, path: str | Path) -> None:
    """Write atomically: a crash leaves the old file or the complete new one. Refuses to
    replace a file borderflow did not write."""
    path = check_native_target(path, "path")
    text = scenario_to_yaml(scenario)
    write_file_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
