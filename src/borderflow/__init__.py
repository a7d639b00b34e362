"""borderflow: fast, seeded simulation of migration flows over route networks."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `typing`'s: importing typing alone takes longer than Python's start-up
__version__ = "0.1.0"

# The public names are imported on first use, so `borderflow.entry` (the command line) can
# take over Ctrl-C before numpy, pandas and the model load (see borderflow.interrupts).
_LAZY = {
    "metrics": "borderflow.metrics",
    "run": "borderflow.api",
    "Result": "borderflow.results",
    "Scenario": "borderflow.scenario",
    "ScenarioError": "borderflow.scenario",
    "load_scenario": "borderflow.scenario",
}

if TYPE_CHECKING:
    from borderflow import metrics
    from borderflow.api import run
    from borderflow.results import Result
    from borderflow.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'borderflow' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if name == "metrics" else getattr(module, name)
    globals()[name] = value
    return value


__all__ = ["Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "metrics", "run"]
