"""The border system as data: ports of entry, Border Patrol sectors, border cities, staff.

Ports, sectors and border cities are places of the network (kinds `port`, `sector`,
`border_city`); this section says how they process people. Behaviour lives in
borderflow.engine.border.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from borderflow.scenario.limits import Plain

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(Plain):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PortSpec(_Strict):
    """A US port of entry: people queue there and are processed up to a daily capacity."""

    place: Name = Field(description="the port's place (kind port)")
    city: Name = Field(description="the Mexican border city it serves (kind border_city)")
    sector: Name = Field(description="the Border Patrol sector it lies in (kind sector)")
    processing_per_day: NonNeg = Field(description="walk-ups processed a day at full staffing (appointments apart)")
    officers: Annotated[int, Field(ge=0)] = Field(100, description="officers assigned at the start")
    min_officers: Annotated[int, Field(ge=0)] = Field(0, description="below this many officers the port closes")
    appointments: bool = Field(
        False,
        description="takes appointments (CBP One) from the daily quota: people from its city, processed on the "
        "day outside the walk-up queue and its processing_per_day",
    )
    returned_share: Probability = Field(0.0, description="share of processed people sent back south")
    source: str | None = None


class SectorSpec(_Strict):
    """A Border Patrol sector: people crossing between ports are encountered and held for processing."""

    place: Name = Field(description="the sector's place (kind sector)")
    processing_per_day: NonNeg = Field(description="people processed a day by the Border Patrol")
    per_officer_per_day: NonNeg = Field(2.0, description="extra people processed a day per officer pulled from ports")
    returned_share: Probability = Field(0.0, description="share of processed people sent back south")
    source: str | None = None


class CitySpec(_Strict):
    """A Mexican border city: people wait here for an appointment, present at a port, or cross."""

    place: Name = Field(description="the city's place (kind border_city)")
    shelter_capacity: Annotated[int, Field(ge=0)] = Field(0, description="shelter beds; more people = overflow")
    source: str | None = None


class StaffRule(_Strict):
    """Officers move from ports to Border Patrol processing when a sector's backlog is high."""

    backlog_threshold: NonNeg = Field(description="people in a sector's custody above which officers are pulled")
    release_threshold: NonNeg = Field(description="backlog below which pulled officers return to their ports")
    officers_per_day: Annotated[int, Field(ge=1)] = Field(10, description="officers moved a day, at most")
    source: str | None = None

    @model_validator(mode="after")
    def _order(self) -> StaffRule:
        if self.release_threshold > self.backlog_threshold:
            raise ValueError("release_threshold must not exceed backlog_threshold")
        return self


class BorderSpec(_Strict):
    """How the border processes people; see docs/border-model.md."""

    ports: list[PortSpec] = Field([], description="ports of entry")
    sectors: list[SectorSpec] = Field([], description="Border Patrol sectors")
    cities: list[CitySpec] = Field([], description="Mexican border cities")
    appointments_per_day: NonNeg = Field(
        0.0, description="daily appointment quota (CBP One), shared equally by the open appointment ports"
    )
    register_share_per_day: Probability = Field(
        0.0,
        description="daily chance that a person staying in the city of an appointment port registers for an "
        "appointment and waits there for it (no longer moving on); appointments go to the registered first, "
        "then to the others in the city",
    )
    returns_to: Name | None = Field(None, description="where people sent back south are taken")
    staff_rule: StaffRule | None = Field(None, description="officers follow the Border Patrol backlog")
    city_movechance: Probability = Field(0.1, description="daily chance a person in a border city tries to move on")
    port_weight: NonNeg = Field(1.0, description="score factor for ports in route choice")
    sector_weight: NonNeg = Field(1.0, description="score factor for crossing between ports in route choice")
    patience_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        7.0, description="a port with this many days of expected wait looks half as attractive"
    )
    south_latitude: Annotated[float, Field(ge=-90, le=90)] = Field(
        18.5, description="places south of this latitude count as the south (people stranded there)"
    )
    source: str | None = None

    def places_named(self) -> list[tuple[str, str, str]]:
        """(field, place, required kind) for every place this section refers to."""
        out: list[tuple[str, str, str]] = []
        for i, p in enumerate(self.ports):
            out += [(f"border.ports[{i}].place", p.place, "port"), (f"border.ports[{i}].city", p.city, "border_city")]
            out.append((f"border.ports[{i}].sector", p.sector, "sector"))
        out += [(f"border.sectors[{i}].place", s.place, "sector") for i, s in enumerate(self.sectors)]
        out += [(f"border.cities[{i}].place", c.place, "border_city") for i, c in enumerate(self.cities)]
        if self.returns_to:
            out.append(("border.returns_to", self.returns_to, ""))
        return out
