"""A forecast that starts from what was observed: on one day, after the day's moves, each
observed place holds its observed count.

A forecast made on a date knows what was counted that day. Without this, a forecast carries
on from the simulated state on that date, errors and all; with it, the simulation's count of
each observed place (people staying there, those resting mid-plan included) is set to the
observation of that day: the difference appears at the place, or leaves it (never more than
are staying). Places not observed, and people on the road, keep the simulated state. The
component draws no random numbers, so the run's streams are those of the run without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.engine.components import Component, DayView
from borderflow.network.graph import IntArray


@dataclass(frozen=True)
class StateReset:
    """Set each named place to `counts[place]` people at the end of day `day` (0 = the first)."""

    day: int
    counts: dict[str, float]


class ObservedStart(Component):
    name = "observed-start"
    after_rank = 1000  # after every other component: the day's state as it will be recorded

    def __init__(self, day: int, places: IntArray, counts: IntArray) -> None:
        self.day = day
        self.places = places
        self.counts = counts  # simulated units

    def active(self, day: int) -> bool:
        return day == self.day

    def after_moves(self, view: DayView) -> None:
        diff = self.counts - view.staying()[self.places]
        view.release(self.places, np.maximum(diff, 0))
        view.remove(self.places, np.minimum(np.maximum(-diff, 0), view.people_at(self.places)))
