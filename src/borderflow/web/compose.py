"""From a request to a scenario: the listed scenarios, their policy components, and the
scenario a request describes (its package edited, its days cut, its inflows scaled), checked
before anything runs, so a bad request is a 422 and never a failed run."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from pydantic import ValidationError

from borderflow.scenario import BUILTIN, Scenario, load_scenario
from borderflow.scenario.errors import ScenarioError
from borderflow.web.models import MAX_PEOPLE, Component, RunRequest, ScenarioInfo, StrengthField

EDITED = "-edited"  # an edited package runs as a new one: its name and this


class BadRequest(ValueError):
    """A request the server refuses (422), with one line saying why."""


@functools.cache
def scenario(name: str) -> Scenario:
    if name not in BUILTIN:
        raise BadRequest(f"scenario {name!r} is not served; expected one of: {', '.join(BUILTIN)}")
    return load_scenario(name)


def _strengths(spec: Any) -> list[StrengthField]:
    """The component's numeric fields other than its dates: its strengths."""
    schema = type(spec).model_json_schema()
    out = []
    for name, prop in schema.get("properties", {}).items():
        kinds = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", [])}
        if not kinds & {"number", "integer"}:
            continue
        value = getattr(spec, name)
        out.append(
            StrengthField(
                name=name,
                value=None if value is None else float(value),
                minimum=_bound(prop, "minimum"),
                maximum=_bound(prop, "maximum"),
                description=str(prop.get("description", "")),
            )
        )
    return out


def _bound(prop: dict[str, Any], key: str) -> float | None:
    for p in [prop, *prop.get("anyOf", [])]:
        if key in p:
            return float(p[key])
    return None


def info(name: str) -> ScenarioInfo:
    sc = scenario(name)
    return ScenarioInfo(
        name=name,
        description=sc.description,
        start_date=sc.start_date,
        days=sc.days,
        seed=sc.seed,
        default_package=sc.default_policy,
        packages={
            pkg: [
                Component(
                    index=i,
                    type=spec.type,
                    acts_on=spec.acts_on(),
                    start=spec.start,
                    end=spec.end,
                    strengths=_strengths(spec),
                    source=spec.source,
                )
                for i, spec in enumerate(specs)
            ]
            for pkg, specs in sc.policies.items()
        },
        people=people(sc),
    )


def people(sc: Scenario) -> int:
    """People a run simulates from departures and caravans (units after hasten)."""
    last = sc.start_date + dt.timedelta(days=sc.days - 1)
    total = 0.0
    for d in sc.departures:
        lo, hi = max(d.start, sc.start_date), min(d.end, last)
        if hi >= lo:
            total += d.per_day * ((hi - lo).days + 1)
    total += sum(float(c.size) for c in sc.caravans if sc.start_date <= c.date <= last)
    return round(total / sc.hasten)


def compose(req: RunRequest) -> tuple[Scenario, str | None]:
    """The scenario a request describes and the package to run (None = no policy)."""
    base = scenario(req.scenario)
    try:
        package = base.package(req.package, "package")
    except ScenarioError as exc:
        raise BadRequest(exc.one_line()) from None
    specs = list(base.policies[package]) if package is not None else []
    if req.components and package is None:
        raise BadRequest("components given without a policy package; expected a package to edit")
    seen: set[int] = set()
    keep: dict[int, Any] = dict(enumerate(specs))
    for c in req.components:
        if c.index in seen:
            raise BadRequest(f"components: index {c.index} given twice; expected each component once")
        seen.add(c.index)
        if c.index >= len(specs):
            raise BadRequest(
                f"components: index {c.index}; package {package!r} has {len(specs)} components (0 to {len(specs) - 1})"
            )
        if not c.enabled:
            keep.pop(c.index)
            continue
        spec = specs[c.index]
        data = spec.model_dump()
        allowed = {s.name for s in _strengths(spec)}
        for key in c.strengths:
            if key not in allowed:
                raise BadRequest(
                    f"components[{c.index}].strengths: {key!r} is not a strength of a {spec.type} component; "
                    f"expected one of: {', '.join(sorted(allowed)) or 'none'}"
                )
        data.update(c.strengths)
        if c.start is not None:
            data["start"] = c.start
        if c.end is not None:
            data["end"] = c.end
        try:
            keep[c.index] = type(spec).model_validate(data)
        except ValidationError as exc:
            raise BadRequest(f"components[{c.index}]: {_first(exc)}") from None
    data = base.model_dump()
    run_as = package
    if package is not None and req.components:
        run_as = package + EDITED
        while run_as in data["policies"]:
            run_as += EDITED
        data["policies"] = {**data["policies"], run_as: [s.model_dump() for s in keep.values()]}
        data["uncertain"] = _moved(data["uncertain"], package, run_as, list(keep), req)
    data["default_policy"] = run_as
    if req.days is not None and req.days < base.days:
        _cut(data, base.start_date + dt.timedelta(days=req.days - 1))
        data["days"] = req.days
    if req.seed is not None:
        data["seed"] = req.seed
    if req.hasten is not None:
        data["hasten"] = req.hasten
    if req.inflow_factor != 1.0:
        for d in data["departures"]:
            d["per_day"] = d["per_day"] * req.inflow_factor
        for c in data["caravans"]:
            c["size"] = round(c["size"] * req.inflow_factor)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(_first(exc)) from None
    except ScenarioError as exc:
        raise BadRequest(exc.one_line()) from None
    n = people(sc)
    if n > MAX_PEOPLE:
        raise BadRequest(
            f"the run would simulate {n:,} people; expected at most {MAX_PEOPLE:,} (raise hasten or lower inflow_factor)"
        )
    return sc, run_as


def _moved(
    uncertain: list[dict[str, Any]], package: str, new: str, kept: list[int], req: RunRequest
) -> list[dict[str, Any]]:
    """Uncertain strengths of the package's components, carried over to the edited package
    (a component left out, or a strength the request sets, is no longer uncertain)."""
    fixed = {(c.index, k) for c in req.components for k in c.strengths}
    out = []
    for u in uncertain:
        out.append(u)  # the package's own entry stays (the package is kept as it was)
        m = _POLICY_PATH.match(u["path"])
        if m is not None and m.group(1) == package:
            i, name = int(m.group(2)), m.group(3)
            if i in kept and (i, name) not in fixed:
                out.append({**u, "path": f"policies.{new}[{kept.index(i)}].{name}"})
    return out


_POLICY_PATH = re.compile(r"^policies\.([^\[]+)\[(\d+)\]\.(\w+)$")


def _remap(uncertain: list[dict[str, Any]], package: str, new: str, kept: list[int]) -> list[dict[str, Any]]:
    """Uncertain paths into `package` after only its components `kept` remain (now in `new`)."""
    out = []
    for u in uncertain:
        m = _POLICY_PATH.match(u["path"])
        if m is None or m.group(1) != package:
            out.append(u)
        elif int(m.group(2)) in kept:
            out.append({**u, "path": f"policies.{new}[{kept.index(int(m.group(2)))}].{m.group(3)}"})
    return out


def _cut(data: dict[str, Any], last: dt.date) -> None:
    """Keep what falls in the shortened period: dated inputs after its last day are dropped,
    departures clipped to it."""
    for d in data["departures"]:
        d["end"] = min(d["end"], last)
    data["departures"] = [d for d in data["departures"] if d["start"] <= last]
    data["caravans"] = [c for c in data["caravans"] if c["date"] <= last]
    for key in ("conflicts", "closures"):
        data[key] = [x for x in data[key] if x["start"] <= last]
    for o in data["observations"]:
        o["points"] = [p for p in o["points"] if p["date"] <= last]
    data["observations"] = [o for o in data["observations"] if o["points"]]
    if data.get("total_observed"):
        data["total_observed"] = [p for p in data["total_observed"] if p["date"] <= last] or None
    for pkg, specs in data["policies"].items():
        for spec in specs:
            if spec.get("end") is not None:
                spec["end"] = min(spec["end"], last)
        kept = [i for i, spec in enumerate(specs) if spec.get("start") is None or spec["start"] <= last]
        data["policies"][pkg] = [specs[i] for i in kept]
        data["uncertain"] = _remap(data["uncertain"], pkg, pkg, kept)
    lengths = {"caravans": len(data["caravans"]), "departures": len(data["departures"])}
    data["uncertain"] = [u for u in data["uncertain"] if _index_ok(u["path"], lengths)]


def _index_ok(path: str, lengths: dict[str, int]) -> bool:
    """Whether a path into a list that the cut shortened still names an item."""
    head = re.match(r"^(\w+)\[(\d+)\]", path)
    return head is None or head.group(1) not in lengths or int(head.group(2)) < lengths[head.group(1)]


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))
