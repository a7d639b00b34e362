"""Uncertain parameters: a distribution on any numeric field of the scenario.

A parameter names a field by its path in the scenario file (`caravans[0].size`,
`border.appointments_per_day`, `policies.talks-27-dec[1].share_per_day`) and gives a
distribution. Ensembles sample them (borderflow.ensemble); a single run uses the value
written in the field.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from borderflow.scenario.limits import Plain

_PATH = re.compile(r"^[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*$")


class _Dist(Plain):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Dist):
    kind: Literal["uniform"] = "uniform"
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must exceed low ({self.low})")
        return self


class Triangular(_Dist):
    kind: Literal["triangular"] = "triangular"
    low: float = Field(allow_inf_nan=False)
    mode: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("expected low <= mode <= high with low < high")
        return self


class Normal(_Dist):
    kind: Literal["normal"] = "normal"
    mean: float = Field(allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)


class LogNormal(_Dist):
    kind: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0, allow_inf_nan=False)
    sigma: float = Field(gt=0, allow_inf_nan=False, description="sd of the log")


class Choice(_Dist):
    kind: Literal["choice"] = "choice"
    values: Annotated[list[float], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None and (len(self.weights) != len(self.values) or sum(self.weights) <= 0):
            raise ValueError("expected one non-negative weight per value, not all zero")
        return self


Distribution = Annotated[Uniform | Triangular | Normal | LogNormal | Choice, Field(discriminator="kind")]


class UncertainParameter(Plain):
    """A field of the scenario whose value is uncertain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="the field, as in the scenario file: caravans[0].size, border.appointments_per_day")
    distribution: Distribution
    name: str | None = Field(None, description="short label for tables and plots (default: the path)")
    source: str | None = Field(None, description="why this range: its source and kind")

    @model_validator(mode="after")
    def _path(self) -> UncertainParameter:
        if not _PATH.match(self.path):
            raise ValueError(f"path {self.path!r}: expected dotted keys with [index], e.g. caravans[0].size")
        return self

    @property
    def label(self) -> str:
        return self.name or self.path


def get_path(data: Any, path: str) -> Any:
    """The value at `path` in the scenario's plain data (dicts and lists)."""
    node = data
    for key, index in _steps(path):
        node = node[key]
        for i in index:
            node = node[i]
    return node


def numeric_field_problem(data: Any, path: str) -> str | None:
    """Why `path` is not a numeric field of the scenario's plain data (None when it is): the one
    check behind `uncertain:` paths, ensemble members and calibration parameters."""
    try:
        value = get_path(data, path)
    except (KeyError, IndexError, TypeError):
        return f"{path!r} names no field of this scenario; expected a numeric field"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{path!r} holds {value!r}; expected a numeric field"
    return None


def set_path(data: Any, path: str, value: Any) -> None:
    """Set the value at `path` in the scenario's plain data, in place."""
    steps = _steps(path)
    node = data
    for n, (key, index) in enumerate(steps):
        last = n == len(steps) - 1
        if last and not index:
            node[key] = value
            return
        node = node[key]
        for k, i in enumerate(index):
            if last and k == len(index) - 1:
                node[i] = value
                return
            node = node[i]


def _steps(path: str) -> list[tuple[str, list[int]]]:
    out = []
    for part in path.split("."):
        key = part.split("[", 1)[0]
        index = [int(x) for x in re.findall(r"\[(\d+)\]", part)]
        out.append((key, index))
    return out
