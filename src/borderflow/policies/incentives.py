"""Incentives to stay: lower move chances, and permits that settle people where they are."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.policies.base import DayView, Policy
from borderflow.scenario.policy_specs import Incentives


class IncentivesPolicy(Policy):
    def __init__(self, spec: Incentives, world: World) -> None:
        super().__init__(spec, world)
        self.places = np.array([self.index[p] for p in spec.places], dtype=np.int64)
        self.factor = spec.movechance_factor
        self.settle = spec.settle_share_per_day

    def before_moves(self, view: DayView) -> None:
        view.scale_move_chance(self.places, self.factor)

    def after_moves(self, view: DayView) -> None:
        if self.settle <= 0:
            return
        settled = view.take(self.places, self.settle)
        view.tally("settled", self.places, settled)
