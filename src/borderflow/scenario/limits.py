"""Size and range limits on scenario input, and the base class that enforces them on every field.

Hostile or broken input must end in one clear line, never in a traceback, a hang or a machine
out of memory. Each limit sits well above the largest real inputs (the FabFlee corpus, 100,000
places, the 20,704-place Netherlands network at awareness 7); docs/limits.md lists them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, model_validator

MAX_NUMBER = 1e12  # any count, distance, rate or weight: a trillion is far beyond any real figure
MAX_SEED = 2**63 - 1  # seeds are stored as int64 (manifests, Parquet)
MAX_HASTEN = 1_000_000  # people per simulated unit; Flee's scenarios use 1 to 1,000
FIRST_DATE = dt.date(1800, 1, 1)  # results use pandas timestamps (1677 to 2262): stay well inside
LAST_DATE = dt.date(2199, 12, 31)
MAX_PLACES = 1_000_000
MAX_MEMBERS = 1_000_000  # ensemble members (each writes a file; a million is days of computing)
MAX_ROUTES = 5_000_000
MAX_PLACE_DAYS = 500_000_000  # places x days: the daily arrays (e.g. 100,000 places for 5,000 days)
# Hops (links) of all the loop-free paths at the awareness level, counted before enumerating
# (an upper bound, see network.graph): the engine keeps about 170 bytes per hop, so 20 million
# is about 3.5 GB. A limit on cost, not on the level: any level runs on a network sparse enough.
MAX_PATH_HOPS = 20_000_000
MAX_YAML_DEPTH = 100  # nesting of YAML lists and mappings; a scenario file needs about 6
MAX_YAML_ALIAS_NODES = 1_000_000  # nodes that YAML aliases may repeat, in all
MAX_INT_DIGITS = 30  # digits of an integer literal in a YAML file
MAX_FLOOD_LEVEL = 1_000  # D-Flee's flood levels; its folders use 0 to 6

# Control characters other than tab, newline and carriage return never belong in scenario text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _admits(annotation: Any, kind: type) -> bool:
    """Whether a field's annotation accepts `kind` (looking inside Optional, Annotated, unions)."""
    if annotation is kind:
        return True
    return any(_admits(a, kind) for a in get_args(annotation))


# (model class, field name) -> (admits bool, admits date): what _no_bool_confusion asks of a
# field's annotation, which never changes, so it is worked out once per field (walking the
# annotations was 70% of validating a caravan-2023 scenario, which each ensemble member does).
_FIELD_KINDS: dict[tuple[type, str], tuple[bool, bool]] = {}


def _field_kinds(cls: type[BaseModel], key: str, annotation: Any) -> tuple[bool, bool]:
    kinds = _FIELD_KINDS.get((cls, key))
    if kinds is None:
        kinds = _FIELD_KINDS[(cls, key)] = (_admits(annotation, bool), _admits(annotation, dt.date))
    return kinds


def _check_value(value: Any) -> None:
    """Raise ValueError for a number, date or text outside the limits (looking one level into lists and dicts)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        raise ValueError(f"number {_short_number(value)} too large; expected at most {MAX_NUMBER:.0e} in size")
    if isinstance(value, float) and math.isfinite(value) and abs(value) > MAX_NUMBER:
        raise ValueError(f"number {value:g} too large; expected at most {MAX_NUMBER:.0e} in size")
    if isinstance(value, dt.date) and not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"date {value} out of range; expected a date from {FIRST_DATE} to {LAST_DATE}")
    if isinstance(value, str):
        bad = _CONTROL.search(value)
        if bad:
            raise ValueError(f"control character U+{ord(bad.group()):04X} in text; expected printable text")
    if isinstance(value, list | tuple):
        for v in value:
            if not isinstance(v, BaseModel):
                _check_value(v)
    if isinstance(value, dict):
        for k, v in value.items():
            _check_value(k)
            if not isinstance(v, list | BaseModel):
                _check_value(v)


def _short_number(value: int) -> str:
    text = str(value) if value.bit_length() < 200 else f"with {len(str(abs(value)))} digits"
    return text


class Plain(BaseModel):
    """Base of every scenario object: unknown keys rejected, values immutable, and on every field
    a number is never a bool (YAML `true` is not 1), a bool is never a number, and numbers,
    dates and text stay within the limits above."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Model-level (not per-field) validators: pydantic refuses validators on the discriminator
    # fields (`type`, `kind`). Messages start with the field, as the whole-scenario checks do.
    @model_validator(mode="before")
    @classmethod
    def _no_bool_confusion(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            field = cls.model_fields.get(key) if isinstance(key, str) else None
            if field is None or value is None:
                continue
            wants_bool, wants_date = _field_kinds(cls, key, field.annotation)
            if isinstance(value, bool) and not wants_bool:
                raise ValueError(f"{key}: found {str(value).lower()}; expected a value of its type, not true/false")
            if wants_bool and not isinstance(value, bool):
                raise ValueError(f"{key}: found {_kind(value)}; expected true or false")
            if isinstance(value, int | float) and wants_date:
                # pydantic would read a number as seconds since 1970: 20240101 is not a date
                raise ValueError(f"{key}: found {_kind(value)}; expected a date YYYY-MM-DD")
        return data

    @model_validator(mode="after")
    def _within_limits(self) -> Any:
        for key in type(self).model_fields:
            if key != "seed":  # seeds have their own bound, MAX_SEED
                try:
                    _check_value(getattr(self, key))
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
        return self


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return repr(value[:40]) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, int | float):
        return repr(value) if abs(value) < 1e15 else "a large number"
    return f"a {type(value).__name__}"
