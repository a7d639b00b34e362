"""The accepted sets of a calibration: importance weights that undo the proposals, the best
half of the known-density candidates, weighted quantiles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from borderflow.calibrate import calibrate
from borderflow.calibrate.parameters import FitParameter
from borderflow.calibrate.posterior import (
    MIXTURE_PER_BATCH,
    STARTUP,
    TPE_PER_BATCH,
    accepted,
    draw_mixture,
    draw_prior,
    importance_weights,
    mixture_density,
    weighted_quantile,
)
from borderflow.scenario import load_scenario
from ensemble_kit import TINY

FITTED = [FitParameter("a", 0.0, 10.0), FitParameter("b", 1.0, 5.0, integer=True)]


def _trials(
    source: str, values: list[dict[str, float]], centre: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    return [
        {"number": k, "source": source, "values": v, "error": 0.0, **({"centre": centre} if centre else {})}
        for k, v in enumerate(values)
    ]


def test_weights_undo_a_proposal_centred_away_from_the_middle() -> None:
    """Draws from the mixture around a corner, weighted prior / proposal, estimate the prior's
    moments: a uniform's mean 5 and P(a < 2.5) = 0.25 on [0, 10]; b uniform on 1..5. With
    4,000 draws the standard errors are about 0.05 and 0.01; the bounds are 5 of them."""
    rng = np.random.default_rng(3)
    centre = {"a": 9.0, "b": 5.0}
    trials = _trials("mixture", draw_mixture(FITTED, centre, 4000, rng), centre)
    w = np.asarray(importance_weights(trials, FITTED))
    a = np.array([t["values"]["a"] for t in trials])
    b = np.array([t["values"]["b"] for t in trials])
    assert np.average(a, weights=w) == pytest.approx(5.0, abs=0.25)
    assert np.average(a < 2.5, weights=w) == pytest.approx(0.25, abs=0.05)
    assert np.average(b, weights=w) == pytest.approx(3.0, abs=0.15)
    assert float(np.mean(a)) > 6.0  # the draws themselves lean to the centre: the weights do the work
    assert w.max() <= 2.0 + 1e-9  # the defensive half of the prior bounds every weight


def test_prior_draws_weigh_the_same_and_a_mixture_density_integrates_to_one() -> None:
    rng = np.random.default_rng(0)
    trials = _trials("prior", draw_prior(FITTED, 50, rng))
    assert np.allclose(importance_weights(trials, FITTED), 1.0)
    assert all(float(t["values"]["b"]).is_integer() and 1 <= t["values"]["b"] <= 5 for t in trials)
    grid = np.linspace(0.0, 10.0, 4001)
    centre = {"a": 1.0, "b": 2.0}
    total = sum(
        float(np.trapezoid([mixture_density(FITTED, centre, {"a": x, "b": float(b)}) for x in grid], grid))
        for b in range(1, 6)
    )
    assert total == pytest.approx(1.0, abs=1e-3)


def test_only_known_density_candidates_are_accepted_the_best_half() -> None:
    prior = _trials("prior", [{"a": float(k), "b": 1.0} for k in range(6)])
    for t in prior:
        t["error"] = t["values"]["a"] / 10
    tpe = [{"number": 6, "source": "tpe", "values": {"a": 0.5, "b": 1.0}, "error": 0.0}]
    sets = accepted(prior + tpe, FITTED)
    assert [s["number"] for s in sets] == [0, 1, 2]  # 6 of known density: the best 3, TPE's best left out
    assert sum(s["weight"] for s in sets) == pytest.approx(1.0)


def test_weighted_quantiles() -> None:
    x = [3.0, 1.0, 2.0, 4.0]
    assert weighted_quantile(x, [1, 1, 1, 1], 0.5) == 2.0
    assert weighted_quantile(x, [1, 1, 1, 1], 0.51) == 3.0
    assert weighted_quantile(x, [0, 0, 0, 1], 0.05) == 4.0
    assert weighted_quantile(x, [1, 0, 0, 0], 0.95) == 3.0


def test_a_calibration_draws_prior_then_tpe_and_mixture_per_batch(tmp_path: Path) -> None:
    sc = load_scenario(TINY)
    result = calibrate(
        sc, tmp_path / "c", dt.date(2024, 1, 27), [("move_rules.camp_weight", 1.0, 4.0)], budget=32, seeds=1
    )
    trials = json.loads((tmp_path / "c" / "trials.json").read_text())["trials"]
    sources = [t["source"] for t in trials]
    batch = ["tpe"] * TPE_PER_BATCH + ["mixture"] * MIXTURE_PER_BATCH
    assert sources == ["prior"] * STARTUP + batch + batch
    known = STARTUP + 2 * MIXTURE_PER_BATCH
    assert len(result["accepted"]) == known // 2
    assert result["posterior"]["accepted"] == known // 2
    interval = result["posterior"]["params"]["move_rules.camp_weight"]
    assert 1.0 <= interval["q05"] <= interval["q50"] <= interval["q95"] <= 4.0
