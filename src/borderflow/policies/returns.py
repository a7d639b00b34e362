"""Enforcement returns: a share of the people at named places is moved south each day."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.policies.base import DayView, Policy
from borderflow.scenario.policy_specs import Returns


class ReturnsPolicy(Policy):
    def __init__(self, spec: Returns, world: World) -> None:
        super().__init__(spec, world)
        self.places = np.array([self.index[p] for p in spec.places], dtype=np.int64)
        self.to = self.index[spec.to]
        self.share = spec.share_per_day

    def after_moves(self, view: DayView) -> None:
        moved = view.take(self.places, self.share)
        view.tally("returned", self.places, moved)
        view.release(self.to, int(moved.sum()))
