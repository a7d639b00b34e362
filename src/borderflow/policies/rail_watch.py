"""Rail watch and suspension: riders are taken off watched rail routes, or rail is closed."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.network.graph import MODE_CODE
from borderflow.policies.base import DayView, Policy
from borderflow.scenario.policy_specs import RailWatch


class RailWatchPolicy(Policy):
    def __init__(self, spec: RailWatch, world: World) -> None:
        super().__init__(spec, world)
        net = world.net
        if spec.routes is None:
            rail = {
                frozenset((r.a, r.b)) for r in world.scenario.routes if "rail" in {m for m, _, _ in r.mode_shares()}
            }
        else:
            rail = {frozenset(r) for r in spec.routes}
        names = net.names
        self.links = np.array(
            [e for e in range(net.n_links) if frozenset((names[net.link_src[e]], names[net.link_dst[e]])) in rail],
            dtype=np.int64,
        )
        # the rail mode of watched routes; a route that is rail only is closed when rail is suspended
        self.slots = np.flatnonzero(np.isin(net.slot_link, self.links) & (net.slot_mode == MODE_CODE["rail"]))
        self.slot_dest = net.link_dst[net.slot_link[self.slots]]
        rail_only = [e for e in self.links if (net.slot_mode[net.slot_link == e] == MODE_CODE["rail"]).all()]
        self.rail_only_links = np.array(rail_only, dtype=np.int64)
        self.share = spec.share_per_day
        self.suspend = spec.suspend
        self.to = None if spec.to is None else self.index[spec.to]

    def before_moves(self, view: DayView) -> None:
        if self.suspend:
            view.close_slots(self.slots)
            view.close_links(self.rail_only_links)

    def after_moves(self, view: DayView) -> None:
        if self.share <= 0 or len(self.slots) == 0:
            return
        per_slot = view.take_off_slots(self.slots, self.share)
        view.tally("removed", self.slot_dest, per_slot)
        if self.to is not None:
            view.release(self.to, int(per_slot.sum()))
