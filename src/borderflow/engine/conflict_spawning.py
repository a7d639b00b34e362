"""Flee's newer spawning rules as engine components: conflict-driven spawning and people
leaving the resident population when they are spawned (`take_from_population`).

Both are built from the scenario's spawn rules (`spawning_components`) and act before
anyone moves, right after the day's data-driven new people (engine/simulation.py). With
their settings off they do not exist, so they draw nothing and change nothing.

Conflict-driven spawning (Flee head, spawning.py): every day, each place with an active
conflict of intensity c spawns
  constant:  floor(rate x c)
  pop_ratio: floor(rate x residents x c)   (residents in simulated units)
  poisson:   a Poisson draw with mean rate x c
new people, where they are. No decay factor applies to these counts (Flee applies
`conflict_spawn_decay` to the spawn weights of data-driven spawning only).
"""

from __future__ import annotations

import numpy as np

from borderflow.engine.components import Component, DayView
from borderflow.engine.world import World
from borderflow.network.graph import FloatArray, IntArray
from borderflow.scenario.model import ConflictDrivenSpawning


class ConflictSpawning(Component):
    """Each active conflict zone spawns people every day by its intensity."""

    name = "spawn:conflict_driven"
    before_rank = -20  # new people first, before caravans walk and policies speak

    def __init__(self, spec: ConflictDrivenSpawning, world: World) -> None:
        self.mode = spec.spawn_mode
        self.rate = spec.rate
        self.conflict: FloatArray = world.conflict  # (T, L) intensity of active conflicts, 0 if none

    def counts(self, view: DayView) -> IntArray:
        """New people per place today (draws from this component's stream in poisson mode)."""
        intensity = self.conflict[view.day]
        places = np.flatnonzero(intensity > 0)
        out = np.zeros(len(intensity), dtype=np.int64)
        if len(places) == 0:
            return out
        c = intensity[places]
        if self.mode == "constant":
            out[places] = np.floor(self.rate * c)
        elif self.mode == "pop_ratio":
            out[places] = np.floor(self.rate * view.residents(places) * c)
        else:
            out[places] = view.rng.poisson(self.rate * c)
        return out

    def before_moves(self, view: DayView) -> None:
        new = self.counts(view)
        places = np.flatnonzero(new)
        if len(places):
            view.spawn(places, new[places])


class TakeFromPopulation(Component):
    """People spawned at an active conflict zone leave its residents (never below zero), so
    later spawn weights and pop_ratio counts see the smaller population (Flee's addAgent)."""

    name = "spawn:take_from_population"
    before_rank = -10  # after every spawner of the day

    def __init__(self, world: World) -> None:
        self.conflict: FloatArray = world.conflict

    def before_moves(self, view: DayView) -> None:
        places = np.flatnonzero(self.conflict[view.day] > 0)
        spawned = view.flow("spawned")[places]
        hit = spawned > 0
        if hit.any():
            view.leave_residents(places[hit], spawned[hit])


def spawning_components(world: World) -> list[Component]:
    """The spawning components a scenario's spawn rules switch on (none by default)."""
    rules = world.scenario.spawn_rules
    out: list[Component] = []
    if rules.conflict_driven_spawning is not None:
        out.append(ConflictSpawning(rules.conflict_driven_spawning, world))
    if rules.take_from_population:
        out.append(TakeFromPopulation(world))
    return out
