"""Corridors by origin group as an engine component: where a group's new people enter the network.

Each day the group's new people at each origin are shared out between its corridors by a
multinomial draw (expected count = new x share); the rest stay and go by the route rules.
They are counted as new where they enter (the `new` series moves with them).
"""

from __future__ import annotations

import numpy as np

from borderflow.engine.components import Component, DayView
from borderflow.scenario.inflow_specs import CorridorSpec


class CorridorComponent(Component):
    before_rank = -10  # after the season has set how many set out, before caravans and policies

    def __init__(self, spec: CorridorSpec, index: dict[str, int]) -> None:
        self.name = f"corridors:{spec.group}"  # the stream is named after the group, never its shares
        self.origins = np.array([index[p] for p in spec.origins], dtype=np.int64)
        self.to = np.array([index[c.to] for c in spec.corridors], dtype=np.int64)
        shares = np.array([c.share for c in spec.corridors], dtype=np.float64)
        self.chances = np.append(shares, max(0.0, 1.0 - shares.sum()))  # the last: stay at the origin

    def before_moves(self, view: DayView) -> None:
        new = view.flow("spawned")
        for origin in np.unique(self.origins):
            n = int(new[origin])
            if n <= 0:
                continue
            routed = view.rng.multinomial(n, self.chances)[:-1]
            moved = int(routed.sum())
            view.remove(int(origin), moved)
            view.tally("spawned", int(origin), -moved)
            view.release(self.to, routed)
            view.tally("spawned", self.to, routed)
