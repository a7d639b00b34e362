"""Inflows as data: the season of the people who set out, and the corridors origin groups take."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from borderflow.scenario.limits import Plain

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Factor = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class InflowSeasonality(Plain):
    """A monthly factor on the people who set out (departures and spawning): each new person
    at `places` is kept with chance `factor` below 1, and `factor - 1` more appear per new
    person above 1, by the calendar month of the day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factors: Annotated[list[Factor], Field(min_length=12, max_length=12)] = Field(
        description="January to December: multiplies the people who set out in that month (1 = as scheduled)"
    )
    places: list[Name] = Field([], description="where the factors apply (none listed = every place)")
    source: Annotated[str, Field(min_length=1)] = Field(
        description="provenance: fitted (on which data, with what score) or assumed, and its confidence"
    )


class Corridor(Plain):
    """One corridor of a group: the place its people enter the network at, and their share."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: Name = Field(description="where this share of the group's new people start (a gateway, a border city)")
    share: Probability = Field(description="share of the group's new people who take this corridor")


class CorridorSpec(Plain):
    """Corridors by origin group: each day the group's new people at `origins` are shared out
    between the corridors (a multinomial draw); the rest stay at their origin and go by the
    route rules. Who comes decides where they go (rail to Ciudad Juarez, the Sonora corridor,
    flights to northern cities, local crossings), so the sector split follows the group mix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: Name = Field(description="the origin group (e.g. 'Mexican nationals'); names its random stream")
    origins: Annotated[list[Name], Field(min_length=1)] = Field(description="places where the group's people set out")
    corridors: Annotated[list[Corridor], Field(min_length=1)] = Field(description="where they enter the network")
    source: Annotated[str, Field(min_length=1)] = Field(
        description="provenance: fitted (on which data, with what score) or assumed, and its confidence"
    )

    @model_validator(mode="after")
    def _shares(self) -> CorridorSpec:
        total = sum(c.share for c in self.corridors)
        if total > 1 + 1e-9:
            raise ValueError(f"corridor shares add up to {total:g}; expected at most 1 (the rest stay at their origin)")
        names = [c.to for c in self.corridors]
        if len(set(names)) != len(names):
            raise ValueError("a corridor listed twice; expected each `to` once")
        return self

    def places_named(self) -> list[str]:
        return [*self.origins, *(c.to for c in self.corridors)]
