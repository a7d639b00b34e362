"""The daily step: schedules, new people, components and Flee's movement rules (movement.py),
and the day's counts. The engine does no I/O.

Order of a day (as in Flee): conflicts and closures take effect -> new people appear ->
place scores -> components act before moves (caravans, policies, the border; see
engine/components.py) -> everyone not on the road decides whether to leave and which path
to take -> everyone on the road travels; whoever arrives with distance to spare decides
again the same day -> components act after moves -> the day's counts are recorded.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from borderflow.engine import kernel as kernel_module
from borderflow.engine.border import BorderSystem
from borderflow.engine.caravan import CaravanSystem
from borderflow.engine.components import Component, DayView, SeriesSpec
from borderflow.engine.conflict_spawning import spawning_components
from borderflow.engine.corridors import CorridorComponent
from borderflow.engine.floods import FloodSystem
from borderflow.engine.kernel import AUTO_SWITCH_S
from borderflow.engine.kernel import cache_ready as kernel_cache_ready
from borderflow.engine.kernel import choose as choose_kernel
from borderflow.engine.movement import Movement, MovementState
from borderflow.engine.seasonality import InflowSeasonalityComponent
from borderflow.engine.streams import Streams
from borderflow.engine.world import World
from borderflow.network.graph import BoolArray, FloatArray, IntArray

# The engine's own series (components declare theirs): one definition each, in column order.
CORE_SERIES = (
    SeriesSpec("population", "people staying at the place (those resting mid-plan included)", DayView.staying),
    SeriesSpec("arrivals", "people who reached the place (passing through counts)", lambda v: v.flow("arrivals")),
    SeriesSpec("departures", "people who set out from the place", lambda v: v.flow("departures")),
    SeriesSpec("new", "people who appeared at the place (spawned)", lambda v: v.flow("spawned")),
    SeriesSpec("in_transit", "people on links heading to the place", DayView.on_the_road),
    SeriesSpec("returned", "people moved away from the place by enforcement", lambda v: v.flow("returned")),
    SeriesSpec("settled", "people who left the flow at the place (permits, incentives)", lambda v: v.flow("settled")),
    SeriesSpec(
        "removed_in_transit",
        "people taken off the road while heading to the place",
        lambda v: v.flow("removed"),
    ),
)


def kernel_for_many_runs() -> str:
    """The kernel for a process that runs many ensemble members: as asked, but "auto" is
    "compiled" when numba's cache holds it, since loading it (~0.6 s of CPU) is paid once per
    process (a caravan-2023 member then takes 0.129 CPU s against 0.231, bench/README.md)."""
    name = choose_kernel(None)
    return "compiled" if name == "auto" and kernel_cache_ready() else name


@dataclass(frozen=True)
class DailyRecord:
    """Per-day outputs of a run: a (T, L) array per declared series, in simulated units."""

    specs: tuple[SeriesSpec, ...]
    arrays: dict[str, IntArray]
    # (T, links) people who completed each directed link a day (passing through counts): the route flows
    link_flow: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    def __getattr__(self, name: str) -> IntArray:
        try:
            return self.__dict__["arrays"][name]  # type: ignore[no-any-return]
        except KeyError:
            raise AttributeError(name) from None


class Simulation:
    """One run of a compiled world with its own random streams."""

    def __init__(
        self, world: World, seed: int, components: Sequence[Component] = (), kernel: str | None = None
    ) -> None:
        """`components`: the run's policies and any other mechanisms; the scenario's inflow
        seasonality, corridors, border and caravans are added here. `kernel`: the movement's
        "numpy" (reference), "compiled" (numba, same draws) or "auto"; None reads
        $BORDERFLOW_KERNEL, default "auto" (engine/kernel.py: `choose`)."""
        self.world = world
        self.streams = Streams(seed)
        spec = world.scenario.border
        self.border = (
            None if spec is None else BorderSystem(spec, world.net.index, world.net.link_dst, world.days, world.hasten)
        )
        self.caravans = (
            CaravanSystem(world.scenario, world.net.index, world.hasten) if world.scenario.caravans else None
        )
        sc = world.scenario
        inflows: list[Component] = [
            *(
                []
                if sc.inflow_seasonality is None
                else [InflowSeasonalityComponent(sc.inflow_seasonality, world.net.index)]
            ),
            *(CorridorComponent(c, world.net.index) for c in sc.corridors),
        ]
        self._all_places = np.arange(world.net.n_places, dtype=np.int64)
        self.floods = None if sc.floods is None else FloodSystem(sc.floods, world)
        every = [
            *spawning_components(world),
            *inflows,
            *(c for c in (self.caravans, self.floods, self.border) if c is not None),
            *components,
        ]
        self._before = sorted(every, key=lambda c: c.before_rank)  # stable: ties keep their order
        self._after = sorted(every, key=lambda c: c.after_rank)
        self.kernel = choose_kernel(kernel)
        # "auto" starts on the NumPy kernel and may switch in run() (same draws either way)
        self.movement = Movement(world, self.streams, "numpy" if self.kernel == "auto" else self.kernel)

    @property
    def state(self) -> MovementState:
        return self.movement.state

    def link_open_today(self) -> BoolArray:
        """Today's open links (scenario closures applied), for components to close more."""
        return self.movement.link_open_today()

    def set_move_chance(self, places: IntArray, chance: float | FloatArray) -> None:
        self.movement.set_move_chance(places, chance)

    def _spawn(self, t: int) -> None:
        st, w = self.state, self.world
        rng = self.streams["spawn"]
        n = int(w.spawn_total[t]) + st.spawn_debt
        if n > 0:
            weights = self.movement.spawn_weight
            tot = weights.sum()
            if tot > 0:
                new = rng.multinomial(n, weights / tot)
                self.movement.add_new(self._all_places, new)
                st.spawn_debt = 0
            else:
                st.spawn_debt = n  # nowhere to appear yet (no active conflict zone): they appear later
        dep = w.departures[t]
        if dep.any():
            whole = np.floor(dep)
            new = (whole + (rng.random(len(dep)) < dep - whole)).astype(np.int64)
            self.movement.add_new(self._all_places, new)

    def step(self) -> None:
        st, w = self.state, self.world
        t = st.day
        L = w.net.n_places
        st.arrivals = np.zeros(L, dtype=np.int64)
        st.departures = np.zeros(L, dtype=np.int64)
        st.spawned = np.zeros(L, dtype=np.int64)
        st.returned = np.zeros(L, dtype=np.int64)
        st.settled = np.zeros(L, dtype=np.int64)
        st.removed = np.zeros(L, dtype=np.int64)
        st.link_arrivals = np.zeros(w.net.n_links, dtype=np.int64)
        self.movement.start_day(t)
        self._spawn(t)
        view = DayView(self, t)
        for component in self._before:
            if component.active(t):
                view.rng = self.streams[component.name]
                component.before_moves(view)
        self.movement.apply_levers(view.movechance_factor, view.link_open, view.dest_factor, view.slot_open)
        self.movement.move()
        for component in self._after:
            if component.active(t):
                view.rng = self.streams[component.name]
                component.after_moves(view)
        self.movement.end_day()
        self.today = view  # the day as components saw it, for the recorder

    def resting_at(self) -> IntArray:
        """People part-way along a plan who stopped for the night, by the place where they are."""
        return self.movement.resting_at()

    def in_transit_to(self) -> IntArray:
        return self.movement.in_transit_to()

    def series(self) -> tuple[SeriesSpec, ...]:
        """Every per-place series of this run: the engine's, then each component's."""
        declared = [*CORE_SERIES, *(spec for c in self._before for spec in c.declare_series())]
        names = [s.name for s in declared]
        twice = {n for n in names if names.count(n) > 1}
        if twice:
            raise ValueError(f"series declared twice: {sorted(twice)}")
        return tuple(declared)

    def run(self) -> DailyRecord:
        T, L = self.world.days, self.world.net.n_places
        specs = self.series()
        rec = {s.name: np.zeros((T, L), dtype=np.int64) for s in specs}
        links = np.zeros((T, self.world.net.n_links), dtype=np.int64)
        auto = self.kernel == "auto"
        if auto and kernel_module._compiled is not None:  # loaded in this process already: free
            self.movement.kernel, auto = "compiled", False
        c0 = time.process_time()
        for t in range(T):
            if auto and t > 0 and (time.process_time() - c0) / t * (T - t) > AUTO_SWITCH_S:
                # the rest of the run would take the NumPy kernel longer than loading the
                # compiled one costs: switch if it is cached (never compile here: ~35 s)
                auto = False
                if kernel_cache_ready():
                    self.movement.kernel = "compiled"
            self.step()
            for s in specs:
                rec[s.name][t] = s.read(self.today)
            links[t] = self.state.link_arrivals
        return DailyRecord(specs, rec, links)
