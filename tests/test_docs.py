"""The generated docs match the code."""

from __future__ import annotations

from pathlib import Path

from borderflow.scenario.reference import render_reference

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_scenario_reference_is_generated_from_the_schema() -> None:
    assert (DOCS / "scenario-reference.md").read_text() == render_reference(), "run `make docs`"


def test_reference_lists_every_place_field() -> None:
    text = render_reference()
    for key in ("`name`", "`kind`", "`capacity`", "`distance_km`", "`awareness_level`", "`hasten`"):
        assert key in text
