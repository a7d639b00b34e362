"""Incentives to stay: lower move chances, and permits that settle people where they are."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.policies.base import Day, Policy
from borderflow.scenario.policy_specs import Incentives


class IncentivesPolicy(Policy):
    def __init__(self, spec: Incentives, world: World) -> None:
        super().__init__(spec, world)
        self.places = np.array([self.index[p] for p in spec.places], dtype=np.int64)
        self.factor = spec.movechance_factor
        self.settle = spec.settle_share_per_day

    def before_moves(self, ctx: Day) -> None:
        ctx.movechance_factor[self.places] *= self.factor

    def after_moves(self, ctx: Day) -> None:
        if self.settle <= 0:
            return
        settled = ctx.take(self.places, self.settle)
        np.subtract.at(ctx.pop, self.places, settled)
        np.add.at(ctx.settled, self.places, settled)
