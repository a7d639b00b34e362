"""The policy interface: dated components with two hooks into the daily step.

A policy sees a `Day` context with the arrays it may change (move-chance factors, open
links, people staying, people on the road) and its own random stream, named after the
policy's type and what it acts on, so that adding or removing one policy leaves every other
stream's numbers unchanged, and changing a policy's strength, dates or notes leaves its own
stream's numbers unchanged too (common random numbers).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from borderflow.engine.border import BorderState
from borderflow.engine.caravan import CaravanSystem
from borderflow.engine.world import World
from borderflow.network.graph import BoolArray, FloatArray, IntArray
from borderflow.scenario.policy_specs import PolicySpec


@dataclass
class Day:
    """What a policy may read and change on one day."""

    day: int
    date: dt.date
    world: World
    pop: IntArray  # (L,) people staying at each place, changed in place
    transit: IntArray  # (S, R) people on the road per path hop and arrival slot, changed in place
    movechance_factor: FloatArray  # (L,) multiplies today's move chances
    dest_factor: FloatArray  # (L,) multiplies the route weight of paths ending at each place
    slot_open: BoolArray  # (S,) travel modes open today, per path hop and mode (see network.graph)
    border: BorderState | None  # the border system's state, when the scenario has one
    caravans: CaravanSystem | None  # the caravans, when the scenario has any
    link_open: BoolArray  # (E,) today's open links; a policy may only close
    returned: IntArray  # (L,) tally: people moved away from each place by enforcement
    settled: IntArray  # (L,) tally: people who left the flow at each place
    removed_in_transit: IntArray  # (L,) tally: people taken off the road, by the place they were heading to
    rng: np.random.Generator

    def take(self, where: IntArray, share: float | FloatArray) -> IntArray:
        """Draw, for each listed place, how many of its people are affected (binomial)."""
        n = self.pop[where]
        drawn: IntArray = self.rng.binomial(n, share)
        return drawn


class Policy:
    """Base class: subclasses override `before_moves` and/or `after_moves`."""

    def __init__(self, spec: PolicySpec, world: World) -> None:
        self.spec = spec
        self.stream = stream_names([spec])[0]  # `build_policies` names it within its package
        sc = world.scenario
        self.first_day = 0 if spec.start is None else sc.day_of(spec.start)
        self.last_day = world.days - 1 if spec.end is None else sc.day_of(spec.end)
        self.index = world.net.index

    @property
    def name(self) -> str:
        return type(self).__name__

    def active(self, day: int) -> bool:
        return self.first_day <= day <= self.last_day

    def before_moves(self, ctx: Day) -> None:
        """Called after the day's events and new people, before anyone decides to move."""

    def after_moves(self, ctx: Day) -> None:
        """Called after the day's travel, before the day's counts are recorded."""


def stream_names(specs: Sequence[PolicySpec]) -> list[str]:
    """The random stream of each policy of a package: `policy:<type>:<what it acts on>#<k>`,
    k counting earlier policies of the same type on the same things. Keyed by identity, never
    by parameters: an ensemble or a calibration that samples a strength, or an edit of a
    `source` text, leaves every stream's numbers as they were, and the same lever draws the
    same numbers in every package it appears in."""
    seen: Counter[str] = Counter()
    names = []
    for spec in specs:
        key = f"{getattr(spec, 'type', type(spec).__name__)}:{'|'.join(spec.acts_on())}"
        names.append(f"policy:{key}#{seen[key]}")
        seen[key] += 1
    return names
