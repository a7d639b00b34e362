"""Floods as data (D-Flee): flood levels per place and day, and the rules that read them.

A flood level is a whole number, 0 for no flood. Each rule is a list indexed by level:
`displaced_per_flood_day` (how many leave a flooded place each day), `movechances` (the
chance of leaving a flooded place, instead of its ordinary one) and `location_weights`
(a factor on the score of a flooded place as a destination). Level 0 never changes anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from borderflow.scenario.limits import MAX_FLOOD_LEVEL, MAX_NUMBER, Plain

Name = Annotated[str, Field(min_length=1, max_length=200)]
NonNegFloat = Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

FloodSpawnMode = Literal["constant", "pop_ratio", "poisson"]


class _Strict(Plain):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FloodLevel(_Strict):
    """A place is flooded at `level` from `start` until `end` (exclusive; none = to the end)."""

    place: Name
    start: dt.date = Field(description="first day at this level")
    end: dt.date | None = Field(None, description="first day at another level (none = to the end)")
    level: Annotated[int, Field(ge=1, le=MAX_FLOOD_LEVEL)] = Field(description="the flood level (1 and up)")

    @model_validator(mode="after")
    def _check(self) -> FloodLevel:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"flood ends ({self.end}) on or before it starts ({self.start}); expected end > start")
        return self


class FloodSpawning(_Strict):
    """D-Flee's flood-driven spawning: each flooded place sends people on their way every day."""

    mode: FloodSpawnMode = Field(
        "pop_ratio",
        description="pop_ratio: a share of the place's remaining residents; constant: a number of simulated "
        "people (Flee's agents); poisson: a Poisson draw with that number as its mean",
    )
    displaced_per_flood_day: Annotated[list[NonNegFloat], Field(min_length=1)] = Field(
        description="the rate at each flood level, level 0 first (level 0 never spawns)"
    )
    take_from_population: bool = Field(
        True, description="the people spawned leave the place's residents (D-Flee requires it)"
    )

    @model_validator(mode="after")
    def _shares(self) -> FloodSpawning:
        if self.mode == "pop_ratio":
            over = [r for r in self.displaced_per_flood_day if r > 1]
            if over:
                raise ValueError(
                    f"displaced_per_flood_day: {over[0]:g} in mode pop_ratio; expected shares of the residents from 0 to 1"
                )
        return self


class FloodSpec(_Strict):
    """Flood levels by place and day, and the D-Flee rules that read them."""

    levels: list[FloodLevel] = Field([], description="dated flood levels per place (no entry = level 0)")
    spawning: FloodSpawning | None = Field(None, description="flood-driven spawning (none = no one spawned by floods)")
    movechances: list[Probability] | None = Field(
        None, description="move chance at each flood level, level 0 first; replaces the place's own when flooded"
    )
    location_weights: list[NonNegFloat] | None = Field(
        None, description="factor on a flooded place's score as a destination, at each level, level 0 first"
    )

    def rule_lists(self) -> dict[str, list[float]]:
        """The lists indexed by flood level, by the name a scenario gives them."""
        out: dict[str, list[float]] = {}
        if self.spawning is not None:
            out["spawning.displaced_per_flood_day"] = self.spawning.displaced_per_flood_day
        if self.movechances is not None:
            out["movechances"] = self.movechances
        if self.location_weights is not None:
            out["location_weights"] = self.location_weights
        return out

    @model_validator(mode="after")
    def _levels_covered(self) -> FloodSpec:
        top = max((f.level for f in self.levels), default=0)
        for name, values in self.rule_lists().items():
            if top > len(values) - 1:
                raise ValueError(
                    f"{name}: {len(values)} value(s) cover levels 0 to {len(values) - 1}, but a place reaches "
                    f"level {top}; expected a value for every level up to {top}"
                )
        return self
