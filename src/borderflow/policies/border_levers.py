"""Levers on the border system: closing ports, scaling their capacity, changing the appointment
quota, redeploying officers."""

from __future__ import annotations

import numpy as np

from borderflow.engine.world import World
from borderflow.policies.base import DayView, Policy
from borderflow.scenario.policy_specs import (
    AppointmentQuota,
    ClosePort,
    DissolveCaravan,
    PortCapacity,
    RedeployStaff,
)


def _port_positions(world: World, names: list[str]) -> list[int]:
    border = world.scenario.border
    if border is None:
        raise ValueError("this policy needs the scenario's border section")
    order = [p.place for p in border.ports]
    missing = [n for n in names if n not in order]
    if missing:
        raise ValueError(f"{missing[0]!r} is not a port of the border section")
    return [order.index(n) for n in names]


class ClosePortPolicy(Policy):
    def __init__(self, spec: ClosePort, world: World) -> None:
        super().__init__(spec, world)
        self.ports = np.array(_port_positions(world, spec.ports), dtype=np.int64)

    def before_moves(self, view: DayView) -> None:
        assert view.border is not None
        view.border.close_ports(self.ports)


class PortCapacityPolicy(Policy):
    """A partial closure: the ports' walk-up processing capacity times `factor` today."""

    def __init__(self, spec: PortCapacity, world: World) -> None:
        super().__init__(spec, world)
        self.ports = np.array(_port_positions(world, spec.ports), dtype=np.int64)
        self.factor = spec.factor

    def before_moves(self, view: DayView) -> None:
        assert view.border is not None
        view.border.scale_capacity(self.ports, self.factor)


class AppointmentQuotaPolicy(Policy):
    def __init__(self, spec: AppointmentQuota, world: World) -> None:
        super().__init__(spec, world)
        self.factor = spec.factor

    def before_moves(self, view: DayView) -> None:
        if view.border is not None:
            view.border.scale_quota(self.factor)


class RedeployStaffPolicy(Policy):
    def __init__(self, spec: RedeployStaff, world: World) -> None:
        super().__init__(spec, world)
        self.ports = np.array(_port_positions(world, spec.ports), dtype=np.int64)
        self.officers = spec.officers

    def before_moves(self, view: DayView) -> None:
        assert view.border is not None
        view.border.redeploy(self.ports, self.officers)


class DissolveCaravanPolicy(Policy):
    """Acts once, on its start day: buses take a share away, permits settle a share, the rest go on alone."""

    def __init__(self, spec: DissolveCaravan, world: World) -> None:
        super().__init__(spec, world)
        self.caravan = [c.name for c in world.scenario.caravans].index(spec.caravan)
        self.bus_to = None if spec.bus_to is None else self.index[spec.bus_to]
        self.bus_share = spec.bus_share if spec.bus_to is not None else 0.0
        self.permit_share = spec.permit_share

    def before_moves(self, view: DayView) -> None:
        caravans = view.caravans
        if view.day != self.first_day or caravans is None or not caravans.walking(self.caravan):
            return
        here = caravans.where(self.caravan)
        members = caravans.members(self.caravan)
        bused = int(view.rng.binomial(members, self.bus_share))
        permits = int(view.rng.binomial(members - bused, self.permit_share))
        caravans.dissolve(self.caravan, view, leaving=bused + permits)
        if self.bus_to is not None:
            view.release(self.bus_to, bused)
        view.tally("returned", here, bused)
        view.tally("settled", here, permits)
