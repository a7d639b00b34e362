"""Caravans as data: a group that sets out on a date and walks a route at a group pace."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from borderflow.scenario.limits import Plain

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class CaravanSpec(Plain):
    """A caravan: it forms at `leaves` on `date`, walks `route`, gains joiners and loses members."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="the caravan's name (policies refer to it)")
    leaves: Name = Field(description="the place it sets out from")
    date: dt.date = Field(description="the day it sets out")
    size: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(description="people at departure")
    route: Annotated[list[Name], Field(min_length=2)] = Field(
        description="places it walks through, in order, from `leaves`; neighbours must be joined by a route"
    )
    pace_km_per_day: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        20.0, description="km walked on a walking day"
    )
    rest_every_days: Annotated[int, Field(ge=0)] = Field(
        0, description="after this many walking days it rests one day (0 = no regular rest days)"
    )
    stops: dict[Name, Annotated[int, Field(ge=0)]] = Field(
        {}, description="extra days it stays at named places of its route"
    )
    join_share_per_day: Probability = Field(
        0.0, description="daily chance for each person staying where the caravan is to join it"
    )
    leave_share_per_day: Probability = Field(0.0, description="daily chance for each member to leave and go on alone")
    source: str | None = None

    @model_validator(mode="after")
    def _route(self) -> CaravanSpec:
        if self.route[0] != self.leaves:
            raise ValueError(
                f"route starts at {self.route[0]!r}; expected it to start where the caravan leaves ({self.leaves!r})"
            )
        unknown = [s for s in self.stops if s not in self.route]
        if unknown:
            raise ValueError(f"stop {unknown[0]!r} is not on the route; expected one of its places")
        return self
