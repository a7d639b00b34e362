"""Seasonality of inflows and corridors by origin group, on tiny networks with exact expectations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from borderflow.engine.simulation import Simulation
from borderflow.engine.world import compile_world
from borderflow.scenario.inflow_specs import CorridorSpec, InflowSeasonality
from borderflow.scenario.model import Scenario
from rules_kit import assert_binomial, assert_multinomial, idx, place, scenario, start

JANUARY_HALF = [0.5, 1.5] + [1.0] * 10  # January x0.5, February x1.5, the rest as scheduled


def _season(factors: list[float], places: list[str] | None = None) -> InflowSeasonality:
    return InflowSeasonality(factors=factors, places=places or [], source="test: assumed")


def _run(sc: Scenario, seed: int = 4) -> Any:
    return Simulation(compile_world(sc), seed).run()


def test_a_monthly_factor_scales_the_people_who_set_out() -> None:
    """No routes: everyone stays where they appear. 31 January days at x0.5 (binomial), then
    February at x1.5: 10,000 x 0.5 more a day exactly (a whole expectation is drawn exactly)."""
    base = scenario([place("A"), place("B")], days=40, departures=[start("A", 10_000, 0, 39), start("B", 1_000, 0, 39)])
    sc = base.model_copy(update={"inflow_seasonality": _season(JANUARY_HALF, ["A"])})
    rec = _run(sc)
    a, b = idx(sc, "A"), idx(sc, "B")
    assert_binomial(int(rec.new[:31, a].sum()), 31 * 10_000, 0.5, "January at A")
    assert (rec.new[31:, a] == 15_000).all()  # February
    assert (rec.new[:, b] == 1_000).all()  # B is not listed: as scheduled
    assert rec.population[-1, a] == rec.new[:, a].sum()  # nobody lost or invented beyond the new ones


def test_factors_of_one_change_nothing() -> None:
    base = scenario([place("A")], days=10, departures=[start("A", 777, 0, 9)])
    with_season = base.model_copy(update={"inflow_seasonality": _season([1.0] * 12)})
    assert np.array_equal(_run(base).population, _run(with_season).population)


def test_corridors_share_out_a_groups_new_people() -> None:
    """20,000 set out at A on day 0: 60% enter at B, 30% at C, 10% stay (multinomial)."""
    base = scenario([place("A"), place("B"), place("C")], days=3, departures=[start("A", 20_000)])
    corridor = CorridorSpec.model_validate(
        {
            "group": "western Mexicans",
            "origins": ["A"],
            "corridors": [{"to": "B", "share": 0.6}, {"to": "C", "share": 0.3}],
            "source": "test: assumed",
        }
    )
    sc = base.model_copy(update={"corridors": [corridor]})
    rec = _run(sc)
    a, b, c = idx(sc, "A"), idx(sc, "B"), idx(sc, "C")
    day0 = [int(rec.new[0, b]), int(rec.new[0, c]), int(rec.new[0, a])]
    assert sum(day0) == 20_000
    assert_multinomial(day0, [0.6, 0.3, 0.1], "day 0 split")
    assert [int(rec.population[0, i]) for i in (b, c, a)] == day0
    # the season runs first: with January at x0.5 the corridors share out the half that set out
    both = sc.model_copy(update={"inflow_seasonality": _season(JANUARY_HALF)})
    rec2 = _run(both)
    total = int(rec2.new[0].sum())
    assert_binomial(total, 20_000, 0.5, "January")
    assert_multinomial([int(rec2.new[0, i]) for i in (b, c, a)], [0.6, 0.3, 0.1], "after the season")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"factors": [1.0] * 11, "source": "x"}, "at least 12 items"),
        ({"factors": [1.0] * 12}, "required key missing|Field required"),
        ({"factors": [1.0] * 12, "source": "x", "typo": 1}, "Extra inputs are not permitted"),
        ({"factors": [-1.0] + [1.0] * 11, "source": "x"}, "greater than or equal to 0"),
    ],
)
def test_bad_seasonality_is_refused(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        InflowSeasonality.model_validate(data)


def test_bad_corridors_are_refused() -> None:
    spec = {"group": "g", "origins": ["A"], "source": "x"}
    with pytest.raises(ValidationError, match=r"add up to 1\.2; expected at most 1"):
        CorridorSpec.model_validate({**spec, "corridors": [{"to": "B", "share": 0.6}, {"to": "C", "share": 0.6}]})
    base = scenario([place("A"), place("B")], days=3)
    bad = {**spec, "corridors": [{"to": "Nowhere", "share": 0.5}]}
    with pytest.raises(ValidationError, match="corridors\\[0\\]: unknown place 'Nowhere'"):
        Scenario.model_validate({**base.model_dump(), "corridors": [bad]})
