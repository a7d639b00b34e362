"""Errors raised for bad scenario input.

Every error names the file, the place in it (line or field) and what was expected, so the
CLI can print it on one line and exit with status 2.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ScenarioError(ValueError):
    """A scenario (file or folder) that cannot be read or does not make sense."""

    exit_status = 2  # the CLI's status for it: bad input

    def __init__(self, source: str | Path | None, where: str | None, problem: str) -> None:
        self.source = str(source) if source is not None else None
        self.where = where
        self.problem = problem
        super().__init__(self.one_line())

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str | None, str | None, str]]:
        # Picklable, so an error raised in a worker process (or on a Dask worker) arrives whole.
        return (type(self), (self.source, self.where, self.problem))

    def one_line(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        prefix = ":".join(parts)
        text = f"{prefix}: {self.problem}" if prefix else self.problem
        if len(text) > MAX_LINE:  # a huge value quoted in a message: keep its start and what was expected
            text = f"{text[: MAX_LINE // 2]} ...[{len(text) - MAX_LINE} characters]... {text[-MAX_LINE // 2 :]}"
        return text.replace("\r", "\\r").replace("\n", "\\n")  # one line, always


MAX_LINE = 1000  # characters of an error line

_REPR = reprlib.Repr()  # Python 3.11 takes no keyword arguments here
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxtuple, _REPR.maxset = 3, 6, 6, 6, 6
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 60, 60, 40


def short_repr(value: Any) -> str:
    """repr() bounded in time and length: a value built from YAML aliases may hold billions of items."""
    if isinstance(value, int) and value.bit_length() > 128:  # repr() refuses ints over 4,300 digits
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    return _REPR.repr(value)


_SHOULD = re.compile(r"^(Input|String|List|Dictionary|Tuple|Set|Value|Data) should (be|have) ")


def validation_problem(err: Mapping[str, Any]) -> str:
    """One pydantic error as 'what was wrong; what was expected' (with the value found)."""
    kind = str(err.get("type", ""))
    msg = str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "missing":
        return "required key missing; expected a value for it"
    match = _SHOULD.match(msg)
    if match:
        subject, verb = match.groups()
        rest = msg[match.end() :]
        if subject == "Input" and verb == "be":
            msg = f"expected {'a value ' if rest.startswith(('greater', 'less')) else ''}{rest}"
        else:
            msg = f"expected a {subject.lower()} {'with' if verb == 'have' else 'that is'} {rest}"
    if "input" in err and kind != "value_error" and not kind.startswith("assertion"):
        found = short_repr(err["input"])
        msg = f"{msg}; found {found if len(found) <= 80 else found[:77] + '...'}"
    if "expected" not in msg.lower():
        msg = f"{msg}; expected a valid value here"
    return msg


class NotAScenario(ScenarioError):
    """A folder that is not a complete scenario on its own: a file missing, a multiscale
    coupling, a settings-only folder, no observations to drive it. `problem` starts with why."""


class NotImplementedSetting(ScenarioError):
    """Input whose rule borderflow does not implement yet: `where` names every such setting,
    comma-separated, so a suite can list them."""
