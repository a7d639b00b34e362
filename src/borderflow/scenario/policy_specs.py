"""Policy components as data: what a scenario file says about each lever.

Each spec names a `type`; its behaviour lives in borderflow.policies. Specs are grouped
into named packages in the scenario (`policies: {status-quo: [...], talks-27-dec: [...]}`).
Strengths are probabilities, shares or factors, so partial measures are expressible.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from borderflow.scenario.limits import Plain

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class PolicySpec(Plain):
    """Common fields: a policy acts from `start` until `end` (inclusive; none = to the end)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dt.date | None = Field(None, description="first day it acts (none = from the start)")
    end: dt.date | None = Field(None, description="last day it acts, inclusive (none = to the end)")
    source: str | None = Field(None, description="where the figures come from, and their kind")

    @model_validator(mode="after")
    def _dates(self) -> PolicySpec:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"policy ends ({self.end}) before it starts ({self.start})")
        return self

    # What the lever needs of the scenario beyond its places, checked when the scenario is
    # read (one line, exit 2): the sections it acts on ("border", "caravans").
    requires: ClassVar[frozenset[str]] = frozenset()

    def places_named(self) -> list[str]:
        """Places the policy refers to (checked against the scenario's places)."""
        return []

    def ports_named(self) -> list[str]:
        """Ports of the border section the policy refers to (checked against them)."""
        return []

    def caravans_named(self) -> list[str]:
        """Caravans the policy refers to (checked against the scenario's caravans)."""
        return []

    def acts_on(self) -> list[str]:
        """What the policy acts on (places, ports, routes, a caravan): with its type, its
        identity, which names its random stream. Never its strengths, dates or notes."""
        return self.places_named()


class Returns(PolicySpec):
    """Enforcement returns: each day a share of the people staying at `places` is moved to `to`."""

    type: Literal["returns"] = "returns"
    places: Annotated[list[Name], Field(min_length=1)]
    to: Name = Field(description="the southern place people are returned to")
    share_per_day: Probability = Field(description="daily chance for each person at those places to be returned")

    def places_named(self) -> list[str]:
        return [*self.places, self.to]


class RailWatch(PolicySpec):
    """Watching freight rail: a share of riders on rail routes is removed each day, or rail is suspended."""

    type: Literal["rail_watch"] = "rail_watch"
    share_per_day: Probability = Field(0.0, description="daily chance for each rider on a watched route to be removed")
    suspend: bool = Field(False, description="close the watched routes altogether")
    routes: list[tuple[Name, Name]] | None = Field(
        None, description="watched routes as [a, b]; none = every rail route"
    )
    to: Name | None = Field(None, description="where removed riders are taken (none = they leave the simulation)")

    def places_named(self) -> list[str]:
        names = [n for r in self.routes or [] for n in r]
        return [*names, *([self.to] if self.to else [])]


class Incentives(PolicySpec):
    """Incentives to stay: lower move chances at `places`, and/or permits that settle people there."""

    type: Literal["incentives"] = "incentives"
    places: Annotated[list[Name], Field(min_length=1)]
    movechance_factor: Probability = Field(1.0, description="multiplies the move chance at those places")
    settle_share_per_day: Probability = Field(
        0.0, description="daily chance for each person there to settle (leave the flow)"
    )

    def places_named(self) -> list[str]:
        return list(self.places)


class CloseRoute(PolicySpec):
    """Close the route between two places (e.g. a port of entry) while the policy acts."""

    type: Literal["close_route"] = "close_route"
    a: Name
    b: Name

    def places_named(self) -> list[str]:
        return [self.a, self.b]


class ClosePort(PolicySpec):
    """Close ports of entry while the policy acts; their queues go back to choose again."""

    type: Literal["close_port"] = "close_port"
    requires: ClassVar[frozenset[str]] = frozenset({"border"})
    ports: Annotated[list[Name], Field(min_length=1)]

    def places_named(self) -> list[str]:
        return list(self.ports)

    def ports_named(self) -> list[str]:
        return list(self.ports)


class PortCapacity(PolicySpec):
    """Multiply ports' processing capacity by a factor while the policy acts: a partial
    closure (vehicle lanes, a pedestrian crossing, a rail bridge) is a capacity factor on its
    dates. 0 closes the port (as `close_port`); levers overlapping on a port multiply."""

    type: Literal["port_capacity"] = "port_capacity"
    requires: ClassVar[frozenset[str]] = frozenset({"border"})
    ports: Annotated[list[Name], Field(min_length=1)]
    factor: Annotated[float, Field(ge=0, allow_inf_nan=False)] = Field(
        description="multiplies the walk-up processing capacity of each listed port (0 = closed, 0.5 = half)"
    )

    def places_named(self) -> list[str]:
        return list(self.ports)

    def ports_named(self) -> list[str]:
        return list(self.ports)


class AppointmentQuota(PolicySpec):
    """Change the daily appointment quota while the policy acts."""

    type: Literal["appointment_quota"] = "appointment_quota"
    requires: ClassVar[frozenset[str]] = frozenset({"border"})
    factor: Annotated[float, Field(ge=0, allow_inf_nan=False)] = Field(description="multiplies the daily quota")


class RedeployStaff(PolicySpec):
    """Officers taken from ports (to other duties) while the policy acts."""

    type: Literal["redeploy_staff"] = "redeploy_staff"
    requires: ClassVar[frozenset[str]] = frozenset({"border"})
    ports: Annotated[list[Name], Field(min_length=1)]
    officers: Annotated[int, Field(ge=0)] = Field(description="officers taken from each listed port")

    def places_named(self) -> list[str]:
        return list(self.ports)

    def ports_named(self) -> list[str]:
        return list(self.ports)


class DissolveCaravan(PolicySpec):
    """On its start day the caravan dissolves: some are bused away, some get permits, the rest go on alone."""

    type: Literal["dissolve_caravan"] = "dissolve_caravan"
    requires: ClassVar[frozenset[str]] = frozenset({"caravans"})
    caravan: Name = Field(description="the caravan's name")
    bus_to: Name | None = Field(None, description="where buses take people (none = no buses)")
    bus_share: Probability = Field(0.0, description="share of members put on buses")
    permit_share: Probability = Field(0.0, description="share of the others given permits (they settle)")

    def places_named(self) -> list[str]:
        return [self.bus_to] if self.bus_to else []

    def caravans_named(self) -> list[str]:
        return [self.caravan]

    def acts_on(self) -> list[str]:
        return [self.caravan]


AnyPolicy = Annotated[
    Returns
    | RailWatch
    | Incentives
    | CloseRoute
    | ClosePort
    | PortCapacity
    | AppointmentQuota
    | RedeployStaff
    | DissolveCaravan,
    Field(discriminator="type"),
]
