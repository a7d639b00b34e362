"""SALib through borderflow's sensitivity helpers: indices of toy functions with known values."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.ensemble.sensitivity import analyse, ranking, unit_problem, unit_samples


def test_sobol_indices_of_a_linear_function_are_exact_shares_of_variance() -> None:
    # y = 1 x1 + 2 x2 + 0 x3 with x ~ U(0, 1): S_i = a_i^2 / sum a^2 = 0.2, 0.8, 0.
    problem = unit_problem(["x1", "x2", "x3"])
    x = unit_samples(problem, 1024, "sobol", seed=1)
    y = x @ np.array([1.0, 2.0, 0.0])
    result = analyse(problem, x, y, "sobol", seed=1)
    np.testing.assert_allclose(result["S1"], [0.2, 0.8, 0.0], atol=0.03)
    np.testing.assert_allclose(result["ST"], [0.2, 0.8, 0.0], atol=0.03)
    table = ranking(problem, result, "sobol")
    assert table["parameter"].tolist() == ["x2", "x1", "x3"]


def test_sobol_indices_of_ishigami() -> None:
    # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: S1 = 0.314, 0.442, 0.0; ST = 0.558, 0.442, 0.244.
    problem = unit_problem(["x1", "x2", "x3"])
    u = unit_samples(problem, 4096, "sobol", seed=2)
    x = -np.pi + 2 * np.pi * u
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    result = analyse(problem, u, y, "sobol", seed=2)
    np.testing.assert_allclose(result["S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(result["ST"], [0.558, 0.442, 0.244], atol=0.05)


def test_morris_ranks_a_linear_function_by_its_slopes() -> None:
    problem = unit_problem(["x1", "x2", "x3"])
    x = unit_samples(problem, 50, "morris", seed=3)
    y = x @ np.array([1.0, 3.0, 0.0])
    result = analyse(problem, x, y, "morris", seed=3)
    # Elementary effects of a linear function are its slopes, exactly.
    np.testing.assert_allclose(result["mu_star"], [1.0, 3.0, 0.0], atol=1e-9)
    assert ranking(problem, result, "morris")["parameter"].tolist() == ["x2", "x1", "x3"]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_of_a_small_scenario_ranks_every_parameter(method: str) -> None:
    from borderflow.ensemble import sensitivity
    from ensemble_kit import tiny

    table, runs = sensitivity(tiny(), "population_camp_north:peak", n=8, method=method)  # type: ignore[arg-type]
    assert len(table) == 3
    assert runs == (8 * 5 if method == "sobol" else 8 * 4)
    # The capacity of Camp North and the departures drive its peak; the camp weight least.
    assert table["parameter"].iloc[-1] == "move_rules.camp_weight"
