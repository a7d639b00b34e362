"""The split in time: what fitting may see (observations up to --fit-until) and what it may not.

Fitting works on `masked` data: the scenario's plain data with every observation after the
fit date removed (points, Flee's total, registration corrections dated later). A candidate's
values are set on that data, then `fit_view` cuts the period at the fit date. Masking first
and cutting after keeps every path a parameter names valid (cutting drops dated items, which
would shift list indices); nothing the fit runs or scores holds a later observation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario
from borderflow.scenario.native import scenario_from_data


def check_fit_until(scenario: Scenario, fit_until: dt.date) -> None:
    """At least two fitted days and one day left to score after them (else a ScenarioError)."""
    first, last = scenario.start_date + dt.timedelta(days=1), scenario.end_date - dt.timedelta(days=1)
    if not first <= fit_until <= last:
        raise ScenarioError(
            scenario.name,
            "--fit-until",
            f"{fit_until}; expected a date from {first} to {last} (days to fit before it, days to score after it)",
        )


def fitted_days(scenario: Scenario, fit_until: dt.date) -> int:
    """Days 0 .. fitted_days - 1 are in sample; the rest of the period is out of sample."""
    return scenario.day_of(fit_until) + 1


def masked(data: dict[str, Any], fit_until: dt.date) -> dict[str, Any]:
    """The scenario's plain data without a single observation dated after `fit_until`."""
    limit = fit_until.isoformat()
    out = dict(data)
    observations = []
    for obs in data.get("observations", []):
        points = [p for p in obs["points"] if str(p["date"]) <= limit]
        if not points:
            continue  # first observed after the fit date: nothing to fit it to
        corrected = obs.get("correction_date")
        # a registration correction rescales earlier points by the value on its date: unknown yet
        observations.append(
            {**obs, "points": points, "correction_date": corrected if corrected and str(corrected) <= limit else None}
        )
    out["observations"] = observations
    if data.get("total_observed") is not None:
        total = [p for p in data["total_observed"] if str(p["date"]) <= limit]
        out["total_observed"] = total or None
    return out


def fit_view(scenario: Scenario, fit_until: dt.date) -> Scenario:
    """The scenario's period cut at `fit_until` (its data masked already): items dated after
    it are dropped, departures end by it. What every fitting run simulates."""
    limit = fit_until.isoformat()
    data = scenario.model_dump(mode="json")
    data["days"] = fitted_days(scenario, fit_until)
    data["uncertain"] = []  # ensembles' business; paths may name items dropped here
    for key in ("closures", "conflicts"):
        data[key] = [x for x in data[key] if x["start"] <= limit]
    data["departures"] = [{**d, "end": min(d["end"], limit)} for d in data["departures"] if d["start"] <= limit]
    data["caravans"] = [c for c in data["caravans"] if c["date"] <= limit]
    caravans = {c["name"] for c in data["caravans"]}
    packages: dict[str, list[dict[str, Any]]] = {}
    for name, specs in data["policies"].items():
        packages[name] = [
            s
            for s in specs
            if (s.get("start") is None or s["start"] <= limit)
            and (s.get("caravan") is None or s["caravan"] in caravans)
        ]
    data["policies"] = packages
    return scenario_from_data(data, f"{scenario.name} (fitted up to {fit_until})")
