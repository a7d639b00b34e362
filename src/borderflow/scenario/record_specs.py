"""Observations from the CBP record that a scenario's outputs are matched to.

The record itself is read at run time (borderflow.record); this section only says which
of the record's series each model output stands for.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from borderflow.scenario.limits import Plain

Name = Annotated[str, Field(min_length=1, max_length=200)]


class SectorObservations(Plain):
    """Border Patrol encounters by sector and calendar month in the CBP record
    (usbp-monthly-by-sector-*.csv), matched to the model's sectors; `borderflow validate`
    scores the simulated encounters against them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sectors: Annotated[dict[Name, Name], Field(min_length=1)] = Field(
        description="each model sector (a place of kind sector in border.sectors) -> the record's sector name, "
        "e.g. 'Tucson, AZ'; several model sectors may name one record sector (their encounters add up)"
    )
    region: Name = Field("Southwest Land Border", description="the record's region the sectors lie in")
    source: str | None = None
