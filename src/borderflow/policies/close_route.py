"""Closing a route (both directions) while the policy acts, e.g. a port of entry."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.policies.base import DayView, Policy
from borderflow.scenario.policy_specs import CloseRoute


class CloseRoutePolicy(Policy):
    def __init__(self, spec: CloseRoute, world: World) -> None:
        super().__init__(spec, world)
        net = world.net
        a, b = self.index[spec.a], self.index[spec.b]
        self.links = np.flatnonzero(
            ((net.link_src == a) & (net.link_dst == b)) | ((net.link_src == b) & (net.link_dst == a))
        )

    def before_moves(self, view: DayView) -> None:
        view.close_links(self.links)
