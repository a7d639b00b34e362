"""Global sensitivity of scalar outputs to the uncertain parameters (SALib: Sobol or Morris)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from borderflow.ensemble.design import ppf
from borderflow.ensemble.executors import Executor, SerialExecutor
from borderflow.ensemble.members import Member, check_series, run_member, scalars
from borderflow.scenario import load_scenario
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario

Method = Literal["sobol", "morris"]


def unit_problem(labels: list[str]) -> dict[str, Any]:
    """SALib samples the unit cube; each column is then mapped through its distribution."""
    return {"num_vars": len(labels), "names": labels, "bounds": [[0.0, 1.0]] * len(labels)}


def analyse(problem: dict[str, Any], x: NDArray[np.float64], y: NDArray[np.float64], method: Method, seed: int) -> Any:
    """SALib's analysis: Sobol first and total order, or Morris mu* (elementary effects)."""
    if method == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(problem, y, calc_second_order=False, seed=seed)
    from SALib.analyze import morris

    return morris.analyze(problem, x, y, seed=seed)


def unit_samples(problem: dict[str, Any], n: int, method: Method, seed: int) -> NDArray[np.float64]:
    if method == "sobol":
        from SALib.sample import sobol

        x: NDArray[np.float64] = sobol.sample(problem, n, calc_second_order=False, seed=seed)
        return x
    from SALib.sample import morris

    x = morris.sample(problem, n, seed=seed)
    return x


def ranking(problem: dict[str, Any], result: Any, method: Method):  # type: ignore[no-untyped-def]
    """A table ranked by importance: Sobol total order (ST), or Morris mu*."""
    import pandas as pd

    names = problem["names"]
    if method == "sobol":
        df = pd.DataFrame({"parameter": names, "S1": result["S1"], "ST": result["ST"], "ST_conf": result["ST_conf"]})
        key = "ST"
    else:
        df = pd.DataFrame(
            {
                "parameter": names,
                "mu_star": result["mu_star"],
                "sigma": result["sigma"],
                "mu_star_conf": result["mu_star_conf"],
            }
        )
        key = "mu_star"
    return df.sort_values(key, ascending=False).reset_index(drop=True)


def sensitivity(
    scenario: Scenario | str | Path,
    output: str,
    *,
    n: int = 64,
    method: Method = "sobol",
    policy: str | None = None,
    executor: Executor | None = None,
    seed: int | None = None,
) -> tuple[Any, int]:
    """Ranked sensitivity of a scalar output (e.g. `southwest_encounters:total`) to the uncertain parameters.

    Every model run uses the same seed, so the indices measure the parameters, not noise.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)  # a file, a Flee folder or a built-in name
    check_series(scenario, output, "--output", scalar=True)
    params = scenario.uncertain
    if not params:
        raise ScenarioError(scenario.name, "uncertain", "none; expected uncertain parameters to analyse")
    base_seed = scenario.seed if seed is None else seed
    problem = unit_problem([p.label for p in params])
    u = unit_samples(problem, n, method, base_seed)
    values = np.column_stack([ppf(p.distribution, np.clip(u[:, j], 1e-9, 1 - 1e-9)) for j, p in enumerate(params)])
    members = [Member(i, base_seed, {p.path: float(values[i, j]) for j, p in enumerate(params)}) for i in range(len(u))]
    fn = functools.partial(run_member, scenario.model_dump(mode="json"), policy)
    y = np.zeros(len(members))
    executor = executor or SerialExecutor()
    for index, series in executor.imap_unordered(fn, members):
        y[index] = scalars(series)[output]  # a known output: check_series above
    result = analyse(problem, u, y, method, base_seed)
    return ranking(problem, result, method), len(members)
