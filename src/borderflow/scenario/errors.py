"""Errors raised for bad scenario input.

Every error names the file, the place in it (line or field) and what was expected, so the
CLI can print it on one line and exit with status 2.
"""

from __future__ import annotations

from pathlib import Path


class ScenarioError(ValueError):
    """A scenario (file or folder) that cannot be read or does not make sense."""

    def __init__(self, source: str | Path | None, where: str | None, problem: str) -> None:
        self.source = str(source) if source is not None else None
        self.where = where
        self.problem = problem
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        prefix = ":".join(parts)
        return f"{prefix}: {self.problem}" if prefix else self.problem
