"""The scenario file reference, rendered from the JSON Schema of the model itself."""

from __future__ import annotations

from typing import Any

from borderflow.scenario.model import Scenario

_INTRO = """# Scenario file reference

Generated from the schema by `make docs` (`borderflow schema` prints the JSON Schema); do
not edit by hand. A scenario file is YAML; unknown keys are errors. Dates are `YYYY-MM-DD`.
Counts are people; `hasten` scales them down for speed (1 simulated unit = hasten people).
"""


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in spec:
        return " or ".join(_type(s) for s in spec["anyOf"])
    if "enum" in spec:
        return " / ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return repr(spec["const"])
    t = spec.get("type", "any")
    if t == "array":
        return f"list of {_type(spec.get('items', {}))}"
    fmt = spec.get("format")
    return f"{t} ({fmt})" if fmt else str(t)


def _default(value: Any) -> str:
    if isinstance(value, dict):
        return "see below" if value else "{}"
    return f"`{value!r}`" if value is not None else "none"


def _bounds(spec: dict[str, Any]) -> str:
    parts = []
    for key, sym in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("minLength", "length >=")):
        if key in spec:
            parts.append(f"{sym} {spec[key]}")
    for sub in spec.get("anyOf", []):
        b = _bounds(sub)
        if b:
            parts.append(b)
    return ", ".join(parts)


def _table(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"## {name}", ""]
    if schema.get("description"):
        lines += [" ".join(str(schema["description"]).split()), ""]
    lines += ["| key | type | default | constraints | meaning |", "|---|---|---|---|---|"]
    required = set(schema.get("required", []))
    for key, spec in schema.get("properties", {}).items():
        default = "required" if key in required else _default(spec.get("default"))
        meaning = " ".join(str(spec.get("description", "")).split()).replace("|", "/")
        lines.append(f"| `{key}` | {_type(spec)} | {default} | {_bounds(spec)} | {meaning} |")
    return [*lines, ""]


def render_reference() -> str:
    schema = Scenario.model_json_schema()
    lines = [_INTRO, *_table("Scenario (the top level)", schema)]
    for name, sub in sorted(schema.get("$defs", {}).items()):
        lines += _table(name, sub)
    return "\n".join(lines).rstrip() + "\n"
