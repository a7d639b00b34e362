"""D-Flee's flood rules as an engine component: flood-driven spawning, move chances and
destination weights by flood level (scenario/flood_specs.py).

Each morning, at every place whose flood level is above 0:
- spawning: `int(rate)` people (constant), `int(rate x residents)` (pop_ratio) or a Poisson
  draw with mean `rate` (poisson), with `rate` the spawning list's value at the level; the
  spawned leave the place's residents (take_from_population), and never more than remain;
- move chance: the move-chance list's value at the level replaces the place's own;
- destination weight: the place's score as a destination is multiplied by the weight list's
  value at the level (before weight_softening is added, as in D-Flee).
Counts are in simulated units (Flee's agents): residents are the place's population divided
by hasten, and a constant rate is agents a day. Only the poisson mode draws random numbers,
from this component's stream: a scenario without floods draws nothing more than before.
"""

from __future__ import annotations

import numpy as np

from borderflow.engine.components import Component, DayView, SeriesSpec
from borderflow.engine.world import World
from borderflow.network.graph import FloatArray, IntArray
from borderflow.scenario.flood_specs import FloodSpec


class FloodSystem(Component):
    """Flood levels by day, and the rules that read them."""

    name = "floods"
    before_rank = 5  # before policies (10) and the border (20): their levers act on the flood's move chances

    def __init__(self, spec: FloodSpec, world: World) -> None:
        sc = world.scenario
        T, L = world.days, world.net.n_places
        self.levels: IntArray = np.zeros((T, L), dtype=np.int64)
        for f in spec.levels:
            t0 = sc.day_of(f.start)
            t1 = T if f.end is None else min(T, sc.day_of(f.end))
            self.levels[t0:t1, world.net.index[f.place]] = f.level
        self.spawning = spec.spawning
        self.rates: FloatArray | None = (
            None if spec.spawning is None else np.asarray(spec.spawning.displaced_per_flood_day, dtype=np.float64)
        )
        self.movechances: FloatArray | None = None if spec.movechances is None else np.asarray(spec.movechances)
        self.weights: FloatArray | None = None if spec.location_weights is None else np.asarray(spec.location_weights)
        # residents not yet displaced, in simulated units (Flee's `pop`, divided by hasten)
        self.residents: IntArray = world.population.astype(np.int64)

    def before_moves(self, view: DayView) -> None:
        level = self.levels[view.day]
        flooded = np.flatnonzero(level > 0)
        if len(flooded) == 0:
            return
        at = level[flooded]
        if self.spawning is not None and self.rates is not None:
            self._spawn(view, flooded, self.rates[at])
        if self.movechances is not None:
            view.set_move_chance(flooded, self.movechances[at])
        if self.weights is not None:
            view.scale_score(flooded, self.weights[at])

    def _spawn(self, view: DayView, places: IntArray, rate: FloatArray) -> None:
        assert self.spawning is not None
        mode = self.spawning.mode
        if mode == "constant":
            n = np.floor(rate).astype(np.int64)
        elif mode == "pop_ratio":
            n = np.floor(rate * self.residents[places]).astype(np.int64)
        else:
            n = view.rng.poisson(rate).astype(np.int64)
        if self.spawning.take_from_population:
            n = np.minimum(n, self.residents[places])
            self.residents[places] -= n
        view.release(places, n)
        view.tally("spawned", places, n)

    def declare_series(self) -> list[SeriesSpec]:
        return [
            SeriesSpec(
                "residents",
                "residents not yet displaced (D-Flee's flood spawning takes them from here)",
                lambda v: self.residents.copy(),
            )
        ]
