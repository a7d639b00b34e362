"""Ensemble members: an index, a seed and parameter values, turned into a concrete scenario and run.

Member k of an ensemble with base seed S runs with seed S + k. Its scenario is the base
scenario's plain data with each sampled value set at its parameter's path (whole numbers for
integer fields), validated again as a Scenario.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from borderflow.api import declared_series, run
from borderflow.engine.simulation import kernel_for_many_runs
from borderflow.results.result import Result
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario
from borderflow.scenario.native import scenario_from_data
from borderflow.scenario.uncertainty_specs import get_path, set_path

Series = dict[str, NDArray[np.float64]]


@dataclass(frozen=True)
class Member:
    """One ensemble member: its index, its seed and its parameter values (by path)."""

    index: int
    seed: int
    values: dict[str, float]


def member_scenario(base: dict[str, Any], member: Member) -> Scenario:
    """The base scenario's data with the member's values set, validated (ScenarioError naming the path)."""
    data = _copy(base)
    for path, value in member.values.items():
        original = get_path(data, path)
        set_path(
            data, path, round(value) if isinstance(original, int) and not isinstance(original, bool) else float(value)
        )
    try:
        return scenario_from_data(data, f"ensemble member {member.index}")
    except ScenarioError as exc:
        drawn = next((f"{p} = {v:g}" for p, v in member.values.items() if exc.where and exc.where.startswith(p)), None)
        drawn = drawn or ", ".join(f"{p} = {v:g}" for p, v in member.values.items())
        raise ScenarioError(exc.source, exc.where, f"{exc.problem} (sampled {drawn})") from None


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def slug(name: str) -> str:
    """A place name as part of a column name: `San Diego sector` -> `san_diego_sector`."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def outputs(result: Result) -> Series:
    """The compact daily series kept for every member, in people a day or people (docs/ensembles.md)."""
    out: Series = {}
    b = result.border
    if b is not None:
        a = b.arrays
        out["southwest_encounters"] = b.southwest_encounters()
        for j, s in enumerate(b.sectors):
            out[f"encounters_{slug(s)}"] = a["sector_encounters"][:, j].astype(np.float64)
        out["port_queue"] = a["port_queue"].sum(axis=1).astype(np.float64)
        out["shelter_overflow"] = a["city_overflow"].sum(axis=1).astype(np.float64)
    if result.caravans is not None and len(result.caravans.names):
        out["caravan_size"] = result.caravans.size.sum(axis=1).astype(np.float64)
    for place in result.observed_places:
        out[f"population_{slug(place)}"] = result.sim_series(place).astype(np.float64)
    for spec in result.record.specs:
        if spec.ensemble:  # a series declared with ensemble=True: its daily total over places
            out[f"{spec.name}_total"] = result.series(spec.name).sum(axis=1).astype(np.float64)
    return out


SCALARS = ("total", "peak", "last_week")  # the summaries `scalars` gives of each series


def series_names(scenario: Scenario) -> list[str]:
    """The names `outputs` gives a run of this scenario, known before running it."""
    names: list[str] = []
    if scenario.border is not None:
        names.append("southwest_encounters")
        names += [f"encounters_{slug(s.place)}" for s in scenario.border.sectors]
        names += ["port_queue", "shelter_overflow"]
    if scenario.caravans:
        names.append("caravan_size")
    names += [f"population_{slug(o.place)}" for o in scenario.observations]
    names += [f"{s.name}_total" for s in declared_series(scenario) if s.ensemble]
    return names


def check_series(scenario: Scenario, name: str, option: str, scalar: bool = False) -> None:
    """A ScenarioError naming `option` unless `name` is one of the scenario's series (or, with
    `scalar`, SERIES:total|peak|last_week)."""
    names = series_names(scenario)
    base, _, kind = name.rpartition(":") if scalar else (name, "", "")
    if base in names and (not scalar or kind in SCALARS):
        return
    form = "SERIES:total, SERIES:peak or SERIES:last_week, with SERIES" if scalar else "a series"
    raise ScenarioError(scenario.name, option, f"unknown {name!r}; expected {form} one of: {', '.join(names)}")


def scalars(series: Series) -> dict[str, float]:
    """Scalar summaries of a member, for sensitivity: `<series>:total`, `:peak` and `:last_week` (mean)."""
    out: dict[str, float] = {}
    for name, s in series.items():
        out[f"{name}:total"] = float(s.sum())
        out[f"{name}:peak"] = float(s.max(initial=0.0))
        out[f"{name}:last_week"] = float(s[-7:].mean()) if len(s) else 0.0
    return out


def run_member(base: dict[str, Any], policy: str | None, member: Member) -> tuple[int, Series]:
    """Run one member (a top-level function, so process pools and Dask can ship it)."""
    scenario = member_scenario(base, member)
    result = run(scenario, seed=member.seed, policy=policy, kernel=kernel_for_many_runs())
    return member.index, outputs(result)


def run_members(base: dict[str, Any], policy: str | None, members: list[Member]) -> list[tuple[int, Series]]:
    """Run several members one after another: one task of a pool for a chunk of members, so the
    base scenario's data is shipped to a worker once per chunk rather than once per member.
    Each member owns its seed, so the results are those of `run_member` one by one."""
    return [run_member(base, policy, m) for m in members]
