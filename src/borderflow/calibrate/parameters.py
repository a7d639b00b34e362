"""What a calibration fits: numeric fields named by their path (as ensembles name them), each
with a range, and the default set fitted when none is given."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from borderflow.ensemble.members import Member, member_scenario
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario
from borderflow.scenario.uncertainty_specs import get_path, numeric_field_problem

# The movement rules that decide where and when people arrive in Flee-style scenarios, with
# ranges wide enough to hold the settings of Flee's own cases (docs/calibration.md). A range
# is widened to include the scenario's own value.
DEFAULT_PARAMETERS: tuple[tuple[str, float, float], ...] = (
    ("move_rules.default_movechance", 0.05, 1.0),  # daily chance of leaving a town
    ("move_rules.conflict_weight", 0.05, 1.0),  # how strongly routes avoid conflict zones
    ("move_rules.camp_weight", 1.0, 10.0),  # how strongly routes head for camps
    ("move_rules.foreign_weight", 0.5, 3.0),  # ... and for places abroad
    ("move_rules.max_move_speed", 50.0, 400.0),  # km a day on a link
)

_PARAM = re.compile(r"^(?P<path>[^=]+)=(?P<low>[^:]+):(?P<high>[^:]+)$")


@dataclass(frozen=True)
class FitParameter:
    """A field to fit, by its path in the scenario file, between low and high (a uniform prior)."""

    path: str
    low: float
    high: float
    integer: bool = False

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "low": self.low, "high": self.high, "integer": self.integer}


def parse_param(text: str) -> tuple[str, float, float]:
    """`PATH=LOW:HIGH` (a ScenarioError naming --param otherwise)."""
    m = _PARAM.match(text.strip())
    expected = "expected PATH=LOW:HIGH with LOW < HIGH, e.g. move_rules.camp_weight=1:10"
    if m is None:
        raise ScenarioError(None, "--param", f"{text!r}; {expected}")
    try:
        low, high = float(m["low"]), float(m["high"])
    except ValueError:
        raise ScenarioError(None, "--param", f"{text!r}; {expected}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ScenarioError(None, "--param", f"{text!r}; {expected}")
    return m["path"].strip(), low, high


def numeric_value(data: dict[str, Any], path: str, source: str, option: str = "--param") -> int | float:
    """The number at `path` in a scenario's plain data (a ScenarioError naming `option` if none)."""
    if (problem := numeric_field_problem(data, path)) is not None:
        raise ScenarioError(source, option, problem)
    value: int | float = get_path(data, path)
    return value


def resolve(scenario: Scenario, given: list[tuple[str, float, float]] | None) -> list[FitParameter]:
    """The parameters to fit: the given ones, or the default set (ranges widened to hold the
    scenario's own values). Each path must name a numeric field, and the scenario must accept
    both ends of its range (else a ScenarioError naming the parameter)."""
    data = scenario.model_dump(mode="json")
    out: list[FitParameter] = []
    for path, low, high in given or DEFAULT_PARAMETERS:
        value = numeric_value(data, path, scenario.name)
        if not given:
            low, high = min(low, float(value)), max(high, float(value))
        integer = isinstance(value, int)
        if integer:
            low, high = float(math.ceil(low)), float(math.floor(high))
            if low >= high:
                raise ScenarioError(scenario.name, "--param", f"{path}: no two whole numbers in the range")
        for end in (low, high):
            try:
                member_scenario(data, Member(0, scenario.seed, {path: end}))
            except ScenarioError as exc:
                raise ScenarioError(scenario.name, "--param", f"{path}={end:g} is refused: {exc.problem}") from None
        if any(p.path == path for p in out):
            raise ScenarioError(scenario.name, "--param", f"{path!r} given twice; expected each field once")
        out.append(FitParameter(path, low, high, integer))
    return out
