"""The engine's policy effect by sector and month: the ratio of a package's simulated Border
Patrol encounters to status quo's, member by member with common random numbers.

Member k runs every package with the same seed and the same draw of the scenario's
`uncertain:` parameters (ensemble.runner.plan), so the ratio is the package's effect under
that draw, not noise between runs. The engine's absolute level is not used: only the ratio
multiplies the monthly model's status quo (the engine was never fitted to the record's level).

Months beyond the simulated period carry the last simulated month's ratio (CARRY): the
packages' levers that act in that month have no end date, so the scenario says they stay in
force; decaying the effect would be a claim about enforcement fading that the scenario does
not make. Months before the simulated period have no effect (the packages have not started).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from borderflow.ensemble.executors import Executor, SerialExecutor
from borderflow.ensemble.members import Member, Series, run_member, slug
from borderflow.ensemble.runner import plan
from borderflow.network.graph import FloatArray
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario

BEFORE, INSIDE, CARRIED = "before the simulated period", "simulated", "carried from the last simulated month"


def engine_sector(cbp_sector: str, engine_sectors: list[str]) -> str:
    """The engine's sector place for a CBP sector name: 'Tucson, AZ' -> 'Tucson sector'."""
    key = cbp_sector.split(",")[0].strip().lower()
    for name in engine_sectors:
        if name.lower().removesuffix(" sector").strip() == key:
            return name
    raise ScenarioError(
        "border.sectors",
        cbp_sector,
        f"no sector place for the CBP sector {cbp_sector!r}; expected one of {', '.join(engine_sectors)} named '<name> sector'",
    )


@dataclass(frozen=True)
class Effect:
    """Ratios (members, months, sectors) of each package to the status quo, and how each month
    got its ratio (INSIDE, CARRIED or BEFORE)."""

    packages: tuple[str, ...]
    months: tuple[pd.Period, ...]
    sectors: tuple[str, ...]
    ratios: dict[str, FloatArray]
    how: tuple[str, ...]
    members: int
    seeds: tuple[int, ...]


def _monthly(series: Series, names: list[str], start: dt.date, months: list[pd.Period]) -> FloatArray:
    """(months, sectors) sums of the daily series by calendar month (0 outside the period)."""
    days = len(series[names[0]])
    day_months = pd.period_range(pd.Timestamp(start), periods=days, freq="D").asfreq("M")
    out = np.zeros((len(months), len(names)))
    for i, m in enumerate(months):
        rows = np.asarray(day_months == m)
        for j, n in enumerate(names):
            out[i, j] = float(series[n][rows].sum())
    return out


def policy_effect(
    scenario: Scenario,
    months: list[pd.Period],
    cbp_sectors: tuple[str, ...],
    status_quo: str,
    packages: list[str],
    members: int,
    executor: Executor | None = None,
    extra: dict[str, list[dict[str, Any]]] | None = None,
) -> Effect:
    """Run `members` draws of every package (and status quo) with common random numbers; the
    ratio of monthly sector encounters per member. `extra`: packages added to the scenario's
    data for this run (name -> policy specs as data), e.g. an enacted variant."""
    if scenario.border is None:
        raise ScenarioError(scenario.name, "border", "none; expected a border section with sectors to backtest")
    engine_sectors = [s.place for s in scenario.border.sectors]
    names = [f"encounters_{slug(engine_sector(c, engine_sectors))}" for c in cbp_sectors]
    data = scenario.model_dump(mode="json")
    for name, specs in (extra or {}).items():
        data["policies"][name] = specs
    plan_ = plan(scenario, members)
    plan_ = [Member(m.index, m.seed, {**m.values, **_aliases(m.values, extra or {}, data)}) for m in plan_]
    start = scenario.start_date
    sim_months = list(pd.period_range(pd.Timestamp(start), periods=scenario.days, freq="D").asfreq("M").unique())
    last_sim = sim_months[-1]
    how = tuple(BEFORE if m < sim_months[0] else INSIDE if m <= last_sim else CARRIED for m in months)
    wanted = sorted({*(m for m in months if sim_months[0] <= m <= last_sim), last_sim})
    executor = executor or SerialExecutor()
    runs: dict[tuple[str, int], FloatArray] = {}
    for package in [status_quo, *packages]:
        fn = functools.partial(run_member, data, package)
        for index, series in executor.imap_unordered(fn, plan_):
            runs[(package, index)] = _monthly(series, names, start, wanted)
    ratios: dict[str, FloatArray] = {}
    for package in [status_quo, *packages]:
        r = np.ones((members, len(months), len(cbp_sectors)))
        for k in range(members):
            sim = runs[(package, k)]
            base = runs[(status_quo, k)]
            ratio = np.divide(sim, base, out=np.ones_like(sim), where=base > 0)
            for i, m in enumerate(months):
                if how[i] != BEFORE:
                    r[k, i] = ratio[wanted.index(min(m, last_sim))]
        ratios[package] = r
    return Effect(
        (status_quo, *packages), tuple(months), cbp_sectors, ratios, how, members, tuple(m.seed for m in plan_)
    )


def _aliases(
    values: dict[str, float], extra: dict[str, list[dict[str, Any]]], data: dict[str, Any]
) -> dict[str, float]:
    """An added package that copies another's specs gets that package's drawn values too
    (`policies.talks-27-dec[4].share_per_day` -> `policies.<added>[4].share_per_day`)."""
    out: dict[str, float] = {}
    for name, specs in extra.items():
        for path, value in values.items():
            if not path.startswith("policies."):
                continue
            package, _, rest = path.removeprefix("policies.").partition("[")
            index = int(rest.split("]")[0])
            source = data["policies"].get(package, [])
            if index < len(specs) and index < len(source) and specs[index] == source[index]:
                out[f"policies.{name}[{rest}"] = value
    return out
