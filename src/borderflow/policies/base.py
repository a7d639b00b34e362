"""The policy interface: dated engine components (see engine/components.py).

A policy acts through the day's `DayView` verbs (take people from places, release them,
take riders off the road, scale move chances, close links or travel modes, pull the border's
and caravans' levers), with its own random stream, named after the policy's type and what it
acts on: adding or removing one policy leaves every other stream's numbers unchanged, and
changing a policy's strength, dates or notes leaves its own stream's numbers unchanged too
(common random numbers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from borderflow.engine.components import Component, DayView
from borderflow.engine.world import World
from borderflow.scenario.policy_specs import PolicySpec


class Policy(Component):
    """Base class: subclasses override `before_moves` and/or `after_moves`; they act on the
    days from `start` to `end` of their spec."""

    def __init__(self, spec: PolicySpec, world: World) -> None:
        self.spec = spec
        sc = world.scenario
        self.first_day = 0 if spec.start is None else sc.day_of(spec.start)
        self.last_day = world.days - 1 if spec.end is None else sc.day_of(spec.end)
        self.index = world.net.index
        self.name = stream_names([spec])[0]  # `build_policies` names it within its package

    def active(self, day: int) -> bool:
        return self.first_day <= day <= self.last_day


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


__all__ = ["DayView", "Policy", "stream_names"]
