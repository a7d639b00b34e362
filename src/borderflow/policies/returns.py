"""Enforcement returns: a share of the people at named places is moved south each day."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.policies.base import Day, Policy
from borderflow.scenario.policy_specs import Returns


class ReturnsPolicy(Policy):
    def __init__(self, spec: Returns, world: World) -> None:
        super().__init__(spec, world)
        self.places = np.array([self.index[p] for p in spec.places], dtype=np.int64)
        self.to = self.index[spec.to]
        self.share = spec.share_per_day

    def after_moves(self, ctx: Day) -> None:
        moved = ctx.take(self.places, self.share)
        np.subtract.at(ctx.pop, self.places, moved)
        np.add.at(ctx.returned, self.places, moved)
        ctx.pop[self.to] += int(moved.sum())
