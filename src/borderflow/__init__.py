"""borderflow: fast, seeded simulation of migration flows over route networks."""

from __future__ import annotations

__version__ = "0.1.0"

from borderflow import metrics
from borderflow.api import run
from borderflow.results import Result
from borderflow.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "metrics", "run"]
