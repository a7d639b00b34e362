"""Policies as pluggable, dated components: one module per lever.

`build_policies` turns a package of specs (scenario data) into components for one run.
Adding a lever means one spec in scenario/policy_specs.py, one module here, one test.
"""

from __future__ import annotations

from collections.abc import Sequence

from borderflow.engine.world import World
from borderflow.policies.base import DayView, Policy, stream_names
from borderflow.policies.border_levers import (
    AppointmentQuotaPolicy,
    ClosePortPolicy,
    DissolveCaravanPolicy,
    PortCapacityPolicy,
    RedeployStaffPolicy,
)
from borderflow.policies.close_route import CloseRoutePolicy
from borderflow.policies.incentives import IncentivesPolicy
from borderflow.policies.rail_watch import RailWatchPolicy
from borderflow.policies.returns import ReturnsPolicy
from borderflow.scenario.policy_specs import (
    AppointmentQuota,
    ClosePort,
    CloseRoute,
    DissolveCaravan,
    Incentives,
    PolicySpec,
    PortCapacity,
    RailWatch,
    RedeployStaff,
    Returns,
)

REGISTRY: dict[type[PolicySpec], type[Policy]] = {
    Returns: ReturnsPolicy,
    RailWatch: RailWatchPolicy,
    Incentives: IncentivesPolicy,
    CloseRoute: CloseRoutePolicy,
    ClosePort: ClosePortPolicy,
    PortCapacity: PortCapacityPolicy,
    AppointmentQuota: AppointmentQuotaPolicy,
    RedeployStaff: RedeployStaffPolicy,
    DissolveCaravan: DissolveCaravanPolicy,
}


def build_policies(specs: Sequence[PolicySpec], world: World) -> list[Policy]:
    policies = [REGISTRY[type(s)](s, world) for s in specs]
    for policy, name in zip(policies, stream_names(specs), strict=True):
        policy.name = name
    return policies


__all__ = ["REGISTRY", "DayView", "Policy", "build_policies"]
