"""What the API takes and gives: pydantic models that reject unknown keys, with the limits
that keep one request modest and the examples the OpenAPI description shows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from borderflow.scenario.limits import MAX_SEED

MAX_BODY_BYTES = 64 * 1024  # a run request is a few hundred bytes; anything larger is refused (413)
MAX_DAYS = 366  # simulated days in one request
MAX_MEMBERS = 20  # ensemble members in one request ("a modest ensemble")
MAX_PEOPLE = 5_000_000  # simulated people (departures and caravans, after hasten) in one run
MAX_QUEUED = 8  # runs waiting or running at once; more is refused (429)
MAX_COMPONENTS = 200  # component settings in one request

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComponentSetting(Closed):
    """One policy component of the chosen package, switched on or off, with its dates and strengths."""

    index: Annotated[int, Field(ge=0, le=10_000)] = Field(description="the component's position in the package")
    enabled: bool = Field(True, description="false: the run leaves this component out")
    start: dt.date | None = Field(None, description="first day it acts (none = as the scenario says)")
    end: dt.date | None = Field(None, description="last day it acts (none = as the scenario says)")
    strengths: dict[Name, Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]] = Field(
        {}, description="new values of the component's strength fields (listed by GET /api/scenarios)"
    )
    model_config = ConfigDict(extra="forbid", json_schema_extra={"maxProperties": 5})


RUN_EXAMPLE: dict[str, Any] = {"scenario": "caravan-2023"}
RUN_EXAMPLE_POLICY: dict[str, Any] = {
    "scenario": "caravan-2023",
    "package": "talks-27-dec",
    "components": [
        {"index": 4, "enabled": True, "start": "2023-12-20", "strengths": {"share_per_day": 0.03}},
        {"index": 5, "enabled": False},
    ],
    "seed": 7,
    "days": 45,
}
RUN_EXAMPLE_ENSEMBLE: dict[str, Any] = {"scenario": "caravan-2023", "package": "none", "members": 3, "days": 30}


class RunRequest(Closed):
    """A run (members = 1) or a modest ensemble of a scenario with one policy package, edited."""

    scenario: Name = Field("caravan-2023", description="a scenario listed by GET /api/scenarios")
    package: Name | None = Field(
        None, description="the policy package to start from; none = the scenario's default, 'none' = no policy"
    )
    components: Annotated[list[ComponentSetting], Field(max_length=MAX_COMPONENTS)] = Field(
        [], description="changes to the package's components (those not listed run as the scenario says)"
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED - MAX_MEMBERS)] | None = Field(
        None, description="random seed (none = the scenario's own); member i of an ensemble uses seed + i"
    )
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = Field(
        None, description=f"simulated days from the scenario's start (none = all of them; at most {MAX_DAYS})"
    )
    members: Annotated[int, Field(ge=1, le=MAX_MEMBERS)] = Field(
        1, description=f"1 = one run; more = an ensemble of that many members (at most {MAX_MEMBERS})"
    )
    inflow_factor: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = Field(
        1.0, description="multiplies every departure's people a day and every caravan's size"
    )
    hasten: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="simulate 1 unit per N people (none = the scenario's own)"
    )
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RUN_EXAMPLE]})


class StrengthField(BaseModel):
    name: str
    value: float | None
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""


class Component(BaseModel):
    index: int
    type: str
    acts_on: list[str]
    start: dt.date | None
    end: dt.date | None
    strengths: list[StrengthField]
    source: str | None = None


class ScenarioInfo(BaseModel):
    name: str
    description: str
    start_date: dt.date
    days: int
    seed: int
    default_package: str | None
    packages: dict[str, list[Component]]
    people: int = Field(description="people the default run simulates (departures and caravans)")


class Limits(BaseModel):
    max_body_bytes: int = MAX_BODY_BYTES
    max_days: int = MAX_DAYS
    max_members: int = MAX_MEMBERS
    max_people: int = MAX_PEOPLE
    max_queued: int = MAX_QUEUED


Status = Literal["queued", "running", "done", "failed"]


class RunInfo(BaseModel):
    id: str
    status: Status
    progress: float = Field(description="0 to 1")
    stage: str = ""
    message: str | None = Field(None, description="why the run failed")
    request: dict[str, Any]
    created: str
    finished: str | None = None
    seconds: float | None = Field(None, description="from the request to done or failed")
    summary: dict[str, Any] | None = None
    links: dict[str, str] = {}


class RunList(BaseModel):
    runs: list[RunInfo]


class Problem(BaseModel):
    detail: str = Field(description="what was wrong, in one line")
    errors: list[dict[str, Any]] | None = Field(None, description="each invalid field (422 only)")


class Comparison(BaseModel):
    a: str
    b: str
    rows: list[dict[str, Any]]
    verdict: str
