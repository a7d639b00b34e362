"""Caravans: groups that walk a fixed route at a group pace, gaining joiners and losing members.

A caravan is one group, not a crowd of agents: its members are a count that moves along its
route together. Members who leave, and everyone when it dissolves or reaches its last place,
become ordinary people at the caravan's current place and go on by the route rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.engine.components import Component, DayView, SeriesSpec
from borderflow.network.graph import BoolArray, FloatArray, IntArray
from borderflow.scenario.caravan_specs import CaravanSpec
from borderflow.scenario.model import Scenario


@dataclass
class CaravanState:
    members: IntArray  # (C,) people walking with each caravan
    leg: IntArray  # (C,) index of the route place it last reached
    km: FloatArray  # (C,) km walked since that place
    resting: IntArray  # (C,) stop days left at the current place
    walked_days: IntArray  # (C,) walking days since the last regular rest
    active: BoolArray  # (C,) set out and not yet ended


@dataclass(frozen=True)
class CaravanRecord:
    names: tuple[str, ...]
    size: FloatArray  # (T, C) members at the end of each day, in people
    place: IntArray  # (T, C) index of the place it last reached (-1 before it sets out / after it ends)


class CaravanSystem(Component):
    """Caravans as an engine component: they walk first each morning (before_rank 0), with
    the random stream `caravan`. Policies reach them through CaravanLevers."""

    name = "caravan"
    before_rank = 0
    after_rank = 100

    def __init__(self, scenario: Scenario, index: dict[str, int], hasten: int) -> None:
        # compiled once: the daily step reads arrays, never the scenario's specs
        specs: list[CaravanSpec] = list(scenario.caravans)
        self.names = tuple(c.name for c in specs)
        self.h = hasten
        self.index = index
        self.start_day = np.array([scenario.day_of(c.date) for c in specs], dtype=np.int64)
        self.size0 = np.array([c.size / hasten for c in specs])  # in simulated units
        self.route = [np.array([index[p] for p in c.route], dtype=np.int64) for c in specs]
        self.stop_days = [np.array([c.stops.get(p, 0) for p in c.route], dtype=np.int64) for c in specs]
        self.pace = np.array([c.pace_km_per_day for c in specs])
        self.rest_every = np.array([c.rest_every_days for c in specs], dtype=np.int64)
        self.join_share = np.array([c.join_share_per_day for c in specs])
        self.leave_share = np.array([c.leave_share_per_day for c in specs])
        km = {frozenset((r.a, r.b)): r.distance_km for r in scenario.routes}
        self.leg_km = [np.array([km[frozenset(ab)] for ab in zip(c.route, c.route[1:], strict=False)]) for c in specs]
        n, T = len(specs), scenario.days
        self.state = CaravanState(
            members=np.zeros(n, dtype=np.int64),
            leg=np.zeros(n, dtype=np.int64),
            km=np.zeros(n),
            resting=np.zeros(n, dtype=np.int64),
            walked_days=np.zeros(n, dtype=np.int64),
            active=np.zeros(n, dtype=np.bool_),
        )
        self.size = np.zeros((T, n))
        self.place = np.full((T, n), -1, dtype=np.int64)

    def where(self, c: int) -> int:
        """The place caravan c last reached."""
        return int(self.route[c][self.state.leg[c]])

    def declare_series(self) -> list[SeriesSpec]:
        return [SeriesSpec("in_caravan", "caravan members at the place the caravan last reached", self._in_caravan)]

    def after_moves(self, view: DayView) -> None:
        self.record(view.day)  # last of the day (after_rank): the caravans' own table

    def _in_caravan(self, view: DayView) -> IntArray:
        out = np.zeros(len(self.index), dtype=np.int64)
        for c in np.flatnonzero(self.state.active):
            out[self.where(int(c))] += self.state.members[c]
        return out

    def walking(self, c: int) -> bool:
        return bool(self.state.active[c])

    def members(self, c: int) -> int:
        return int(self.state.members[c])

    def dissolve(self, c: int, view: DayView, leaving: int) -> None:
        """The caravan ends: `leaving` members are gone (the caller says where), the others
        become ordinary people where it is."""
        self.state.members[c] -= leaving
        self._end(c, view)

    def _end(self, c: int, view: DayView) -> None:
        st = self.state
        view.release(self.where(c), int(st.members[c]))
        st.members[c] = 0
        st.active[c] = False

    def before_moves(self, view: DayView) -> None:
        st, t, rng = self.state, view.day, view.rng
        for c in range(len(self.names)):
            if t == self.start_day[c]:
                size = float(self.size0[c])
                st.members[c] = int(np.floor(size) + (rng.random() < size - np.floor(size)))
                view.tally("spawned", self.where(c), int(st.members[c]))
                st.active[c] = True
                st.resting[c] = self.stop_days[c][0]
            if not st.active[c]:
                continue
            here = self.where(c)
            leavers = int(rng.binomial(st.members[c], float(self.leave_share[c])))
            joiners = int(rng.binomial(view.people_at(here), float(self.join_share[c])))
            st.members[c] += joiners - leavers
            view.remove(here, joiners)
            view.release(here, leavers)
            self._walk(c)
            if st.leg[c] == len(self.route[c]) - 1:
                self._end(c, view)

    def _walk(self, c: int) -> None:
        st = self.state
        if st.resting[c] > 0:
            st.resting[c] -= 1
            return
        if self.rest_every[c] and st.walked_days[c] == self.rest_every[c]:
            st.walked_days[c] = 0  # a regular rest day
            return
        st.walked_days[c] += 1
        st.km[c] += self.pace[c]
        legs = self.leg_km[c]
        while st.leg[c] < len(legs) and st.km[c] >= legs[st.leg[c]]:
            st.km[c] -= legs[st.leg[c]]
            st.leg[c] += 1
            stop = self.stop_days[c][st.leg[c]]
            if stop:
                st.resting[c] = stop
                st.walked_days[c] = 0  # a stop counts as rest
                st.km[c] = 0.0  # it stops at the place, whatever distance was left today
                return

    def record(self, t: int) -> None:
        st = self.state
        self.size[t] = st.members * self.h
        for c in range(len(self.names)):
            self.place[t, c] = self.where(c) if st.active[c] else -1

    def result(self) -> CaravanRecord:
        return CaravanRecord(self.names, self.size, self.place)
