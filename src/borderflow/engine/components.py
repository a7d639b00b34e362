"""The engine's component protocol: every mechanism beyond the movement rules plugs in here.

A day reads: schedules -> new people -> components before moves -> movement ->
components after moves -> the day's counts. The border system, caravans and every policy
are components. A component is compiled once from the scenario; each day it gets a
`DayView`, a narrow set of verbs on the engine's state (take people from places, release
them at a place, take riders off links, scale a place's move chance or a destination's
pull, close links or travel modes for today), and its own random stream, keyed by its name
and the run's seed. It never holds the engine's arrays, so the state's layout can change
without touching any mechanism.

Adding a mechanism: subclass `Component`, give it a `name`, override the hooks it needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from borderflow.network.graph import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from borderflow.engine.simulation import Simulation

TALLIES = ("returned", "settled", "removed", "spawned")  # per place and day, recorded with the flows


@dataclass(frozen=True)
class SeriesSpec:
    """An output series per place and day, in people: declared once, by whoever produces it
    (the engine or a component). It becomes a column of `daily.parquet`/`.csv`; with
    `ensemble`, members keep its daily total over places as `<name>_total`; with `compare`,
    comparisons report its total over the window."""

    name: str
    description: str
    read: Callable[[DayView], IntArray]  # the (L,) values at the end of the day, in simulated units
    ensemble: bool = False
    compare: bool = False


class Component:
    """A mechanism of the daily step. Subclasses set `name` (which keys the random stream)
    and override `before_moves` and/or `after_moves`. Ranks order components within a hook:
    lower first (caravans walk before policies speak; the border shapes moves after them, and
    processes its queues before policies act on the day's result)."""

    name: str = "component"
    before_rank: int = 10
    after_rank: int = 10

    def active(self, day: int) -> bool:
        return True

    def before_moves(self, view: DayView) -> None:
        """After the day's events and new people, before anyone decides to move."""

    def after_moves(self, view: DayView) -> None:
        """After the day's travel, before the day's counts are recorded."""

    def declare_series(self) -> list[SeriesSpec]:
        """The per-place daily series this component produces (none by default)."""
        return []


class BorderLevers(Protocol):
    """What a policy may do to the border system today (reset every morning)."""

    def close_ports(self, ports: IntArray) -> None: ...

    def scale_capacity(self, ports: IntArray, factor: float) -> None: ...

    def scale_quota(self, factor: float) -> None: ...

    def redeploy(self, ports: IntArray, officers: int) -> None: ...


class CaravanLevers(Protocol):
    """What a policy may do to caravans."""

    def walking(self, caravan: int) -> bool: ...

    def where(self, caravan: int) -> int: ...

    def members(self, caravan: int) -> int: ...

    def dissolve(self, caravan: int, view: DayView, leaving: int) -> None: ...


class DayView:
    """One day of the run, as a component sees it: the date, its random stream, and verbs."""

    def __init__(self, sim: Simulation, day: int) -> None:
        self._sim = sim
        self.day = day
        self.date: dt.date = sim.world.scenario.start_date + dt.timedelta(days=day)
        self.rng: np.random.Generator = sim.streams["unnamed"]  # set per component by the engine
        n = sim.world.net.n_places
        # today's levers, read by the movement step after every component spoke
        self.movechance_factor: FloatArray = np.ones(n)
        self.dest_factor: FloatArray = np.ones(n)
        self.link_open: BoolArray = sim.link_open_today()
        self.slot_open: BoolArray = np.ones(len(sim.world.net.slot_link), dtype=np.bool_)
        self.border: BorderLevers | None = None if sim.border is None else sim.border.levers()
        self.caravans: CaravanLevers | None = sim.caravans

    # ----- reading ---------------------------------------------------------------------------
    def people_at(self, places: IntArray | int) -> IntArray:
        """People staying at `places` now (a copy)."""
        return np.array(self._sim.state.pop[places], dtype=np.int64)

    # ----- people --------------------------------------------------------------------------------
    def take(self, places: IntArray, share: float | FloatArray) -> IntArray:
        """Each person staying at `places` is taken with chance `share` (binomial draws from
        this component's stream); they leave those places. Returns how many per place."""
        pop = self._sim.state.pop
        drawn: IntArray = self.rng.binomial(pop[places], share)
        np.subtract.at(pop, places, drawn)
        return drawn

    def spawn(self, places: IntArray, counts: IntArray) -> None:
        """New people appear at `places` (counted as spawned; they have travelled nowhere yet)."""
        self._sim.movement.add_new(places, counts)

    def residents(self, places: IntArray) -> FloatArray:
        """The resident (not displaced) population at `places`, in simulated units (a copy)."""
        return np.array(self._sim.movement.residents[places], dtype=np.float64)

    def leave_residents(self, places: IntArray, counts: IntArray) -> None:
        """`counts` residents leave the population at `places` (never below zero)."""
        res = self._sim.movement.residents
        res[places] = np.maximum(res[places] - counts, 0.0)

    def remove(self, places: IntArray | int, counts: IntArray | int) -> None:
        """Take exactly `counts` people (no more than are there) from `places`."""
        np.subtract.at(self._sim.state.pop, places, counts)

    def release(self, places: IntArray | int, counts: IntArray | int) -> None:
        """People appear at `places` (brought there, or back in the ordinary flow)."""
        np.add.at(self._sim.state.pop, places, counts)

    def arrived_at(self, places: IntArray) -> IntArray:
        """People who reached `places` today (passing through counts)."""
        return np.array(self._sim.state.arrivals[places], dtype=np.int64)

    def flow(self, what: str) -> IntArray:
        """Today's flow per place: `arrivals`, `departures` or a tally (a copy)."""
        if what not in (*TALLIES, "arrivals", "departures"):
            raise ValueError(f"unknown flow {what!r}")
        return np.array(getattr(self._sim.state, what), dtype=np.int64)

    def staying(self) -> IntArray:
        """People at each place at the end of the day, those resting mid-plan included."""
        return self._sim.state.pop + self._sim.state.resting_place

    def on_the_road(self) -> IntArray:
        """People on links heading to each place."""
        return self._sim.in_transit_to()

    def take_off_slots(self, slots: IntArray, share: float) -> IntArray:
        """Each person on the road on path hops `slots` is taken off with chance `share`;
        returns how many per slot."""
        transit = self._sim.state.transit
        caught = self.rng.binomial(transit[slots], share)
        transit[slots] -= caught
        out: IntArray = caught.sum(axis=1)
        return out

    def tally(self, what: str, places: IntArray | int, counts: IntArray | int) -> None:
        """Record people `returned` (moved away by enforcement), `settled` (left the flow) or
        `removed` (taken off the road; by the place they were heading to) at `places`."""
        if what not in TALLIES:
            raise ValueError(f"unknown tally {what!r}; expected one of {TALLIES}")
        np.add.at(getattr(self._sim.state, what), places, counts)

    # ----- today's levers -----------------------------------------------------------------------
    def scale_move_chance(self, places: IntArray, factor: float) -> None:
        self.movechance_factor[places] *= factor

    def scale_destination(self, places: IntArray, factor: float | FloatArray) -> None:
        """Multiply the route weight of paths ending at `places` today."""
        self.dest_factor[places] *= factor

    def scale_score(self, places: IntArray, factor: float | FloatArray) -> None:
        """Multiply the score of `places` as destinations today, before weight_softening is added
        (Flee's place weights); the same as `scale_destination` when weight_softening is 0."""
        self.dest_factor[places] *= self._sim.movement.score_factor(places, factor)

    def close_links(self, links: IntArray) -> None:
        """Close links for today (a component may close, never open, what the scenario closed)."""
        self.link_open[links] = False

    def close_slots(self, slots: IntArray) -> None:
        """Suspend travel modes (path hops by mode, see network.graph) for today."""
        self.slot_open[slots] = False

    def set_move_chance(self, places: IntArray, chance: float | FloatArray) -> None:
        """Set today's move chance at `places` outright (before the factors apply)."""
        self._sim.set_move_chance(places, chance)
