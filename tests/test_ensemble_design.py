"""Designs: Latin hypercube strata, Sobol points, and the map through each distribution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from borderflow.ensemble.design import ppf, sample, unit_points
from borderflow.ensemble.runner import plan
from borderflow.scenario.uncertainty_specs import UncertainParameter
from ensemble_kit import tiny


def _param(path: str, **dist: object) -> UncertainParameter:
    return UncertainParameter.model_validate({"path": path, "distribution": dist})


@pytest.mark.parametrize("n", [1, 7, 50])
def test_lhs_hits_each_stratum_once_per_parameter(n: int) -> None:
    u = unit_points(4, n, "lhs", seed=3)
    assert u.shape == (n, 4)
    for j in range(4):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


def test_designs_are_seeded() -> None:
    for design in ("lhs", "sobol"):
        np.testing.assert_array_equal(unit_points(3, 16, design, 1), unit_points(3, 16, design, 1))  # type: ignore[arg-type]
        assert not np.array_equal(unit_points(3, 16, design, 1), unit_points(3, 16, design, 2))  # type: ignore[arg-type]


def test_sobol_points_are_balanced() -> None:
    u = unit_points(2, 64, "sobol", seed=0)
    for j in range(2):  # a scrambled Sobol' net: 8 points in each eighth
        assert np.bincount(np.floor(u[:, j] * 8).astype(int), minlength=8).tolist() == [8] * 8


def test_inverse_cdfs() -> None:
    u = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(ppf(_param("a", kind="uniform", low=2, high=6).distribution, u), [2.4, 4.0, 5.6])
    tri = _param("a", kind="triangular", low=0, mode=1, high=4).distribution
    np.testing.assert_allclose(ppf(tri, u), stats.triang(c=0.25, loc=0, scale=4).ppf(u))
    np.testing.assert_allclose(ppf(_param("a", kind="normal", mean=5, sd=2).distribution, u), 5 + 2 * stats.norm.ppf(u))
    logn = _param("a", kind="lognormal", median=100, sigma=0.5).distribution
    np.testing.assert_allclose(ppf(logn, u), 100 * np.exp(0.5 * stats.norm.ppf(u)))
    choice = _param("a", kind="choice", values=[1, 2, 3], weights=[1, 0, 3]).distribution
    assert ppf(choice, np.array([0.0, 0.2, 0.25, 0.3, 0.99])).tolist() == [1, 1, 3, 3, 3]


def test_choice_weights_are_respected() -> None:
    p = _param("a", kind="choice", values=[10, 20], weights=[1, 3])
    x = sample([p], 400, "lhs", seed=0)[:, 0]
    assert (x == 10).sum() == 100


def test_plan_records_seeds_and_rounds_integer_fields() -> None:
    members = plan(tiny(), 10, "lhs", seed=100)
    assert [m.seed for m in members] == list(range(100, 110))
    assert [m.index for m in members] == list(range(10))
    from borderflow.ensemble.members import member_scenario

    sc = member_scenario(tiny().model_dump(mode="json"), members[3])
    cap = sc.places[3].capacity
    assert isinstance(cap, int)
    assert cap == round(members[3].values["places[3].capacity"])
    assert sc.departures[0].per_day == pytest.approx(members[3].values["departures[0].per_day"])


def test_chunk_size_grows_with_the_ensemble_and_stays_between_1_and_8() -> None:
    from borderflow.ensemble.runner import chunk_size

    assert [chunk_size(n) for n in (1, 127, 128, 200, 511, 512, 1000, 10**6)] == [1, 1, 2, 3, 7, 8, 8, 8]
