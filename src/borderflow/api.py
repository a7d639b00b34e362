"""The Python API: load a scenario, run it, get a Result."""

from __future__ import annotations

import time
from pathlib import Path

from borderflow.engine.simulation import Simulation
from borderflow.engine.world import compile_world
from borderflow.results.result import Result
from borderflow.scenario import Scenario, load_scenario


def run(scenario: Scenario | str | Path | None = None, seed: int | None = None) -> Result:
    """Run a scenario (object, file, Flee folder or built-in name) with a seed.

    The seed defaults to the scenario's own. The same scenario and seed give identical
    results.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    seed = scenario.seed if seed is None else seed
    t0 = time.perf_counter()
    world = compile_world(scenario)
    t1 = time.perf_counter()
    record = Simulation(world, seed).run()
    t2 = time.perf_counter()
    return Result(world=world, seed=seed, record=record, timings={"compile_s": t1 - t0, "simulate_s": t2 - t1})
