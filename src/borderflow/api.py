"""The Python API: load a scenario, run it, get a Result."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from borderflow import faults
from borderflow.engine.components import Component, SeriesSpec
from borderflow.engine.observed_start import ObservedStart, StateReset
from borderflow.engine.simulation import Simulation
from borderflow.engine.world import compile_world
from borderflow.policies import build_policies
from borderflow.results.result import Result
from borderflow.scenario import Scenario, ScenarioError, load_scenario
from borderflow.scenario.errors import short_repr
from borderflow.scenario.limits import MAX_SEED

faults.sigint_at("imports")  # tests: Ctrl-C half-way through the command line's imports


def run(
    scenario: Scenario | str | Path | None = None,
    seed: int | None = None,
    policy: str | None = None,
    kernel: str | None = None,
    *,
    reset: StateReset | None = None,
) -> Result:
    """Run a scenario (object, file, Flee folder or built-in name) with a seed and a policy package.

    `policy` names a package of the scenario; None = the scenario's default_policy, "none" =
    no package at all. `reset` sets named places to given counts at the end of one day (a
    forecast from an observed state, engine/observed_start.py).

    The seed defaults to the scenario's own. The same scenario, seed and package give
    identical results; two packages run with one seed share their random numbers.
    `kernel`: the movement kernel, "numpy", "compiled" or "auto" (None: $BORDERFLOW_KERNEL,
    else auto); every kernel gives the same results.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    seed = scenario.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ScenarioError(
            scenario.name, "seed", f"{short_repr(seed)}; expected a whole number >= 0 and <= {MAX_SEED}"
        )
    policy = scenario.package(policy, "policies")
    t0 = time.perf_counter()
    world = compile_world(scenario)
    policies = build_policies(scenario.policies[policy], world) if policy is not None else []
    components: list[Component] = [*policies]
    if reset is not None:
        places = np.array([world.net.index[p] for p in reset.counts], dtype=np.int64)
        counts = np.array([round(c / world.hasten) for c in reset.counts.values()], dtype=np.int64)
        components.append(ObservedStart(reset.day, places, counts))
    t1 = time.perf_counter()
    sim = Simulation(world, seed, components, kernel=kernel)
    record = sim.run()
    t2 = time.perf_counter()
    return Result(
        world=world,
        seed=seed,
        record=record,
        policy=policy,
        border=None if sim.border is None else sim.border.result(),
        caravans=None if sim.caravans is None else sim.caravans.result(),
        timings={"compile_s": t1 - t0, "simulate_s": t2 - t1},
    )


def declared_series(scenario: Scenario, policy: str | None = None) -> tuple[SeriesSpec, ...]:
    """The per-place series a run of this scenario (and policy package) records, known before
    running it: the engine's and its components' declarations."""
    policy = scenario.package(policy, "policies")
    world = compile_world(scenario)
    specs = scenario.policies[policy] if policy is not None else []
    return Simulation(world, scenario.seed, build_policies(specs, world)).series()
