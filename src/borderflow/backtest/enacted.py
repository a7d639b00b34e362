"""`as-enacted`: what was done in January 2024, built at run time from the scenario's packages.

Issue 13 item 4 names the package `as-enacted`: the talks' measures, the reopening of the ports
on 4 January and Shelby Park from 10 January. The scenario's `talks-27-dec` package holds the
first two (its port closures end on 3 January). Shelby Park (Texas took about 2.5 miles of the
Eagle Pass riverfront from 10-11 January 2024 and kept the Border Patrol out,
../shared/reference/border-2023.md) has no lever of its own in the engine; it is expressed with
one that exists: the crossing between ports from Piedras Negras into the Del Rio sector is
closed from 10 January (people there choose again: the port, Ciudad Acuna, or waiting). The
scenario file is not edited: the package is added to the run's copy of its data.
"""

from __future__ import annotations

from typing import Any

from borderflow.scenario.model import Scenario

ENACTED = "as-enacted"
TALKS = "talks-27-dec"
SHELBY_PARK: dict[str, Any] = {
    "type": "close_route",
    "a": "Piedras Negras",
    "b": "Del Rio sector",
    "start": "2024-01-10",
    "source": "Texas took control of Shelby Park, Eagle Pass, 10-11 Jan 2024 and kept the Border Patrol out (border-2023.md, H); "
    "expressed as the crossing between ports from Piedras Negras closed (modelling assumption, L)",
}


def enacted_packages(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """{'as-enacted': talks-27-dec's specs + Shelby Park} when the scenario has that package and
    those places (the built-in caravan-2023), else nothing."""
    names = {p.name for p in scenario.places}
    if (
        TALKS not in scenario.policies
        or ENACTED in scenario.policies
        or not {"Piedras Negras", "Del Rio sector"} <= names
    ):
        return {}
    data = scenario.model_dump(mode="json")
    return {ENACTED: [*data["policies"][TALKS], dict(SHELBY_PARK)]}
