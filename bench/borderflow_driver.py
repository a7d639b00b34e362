"""Run borderflow on one Flee scenario folder for some seeds and write the series as JSON.

Run by the project's own interpreter (the one with borderflow installed)::

    python bench/borderflow_driver.py FOLDER OUT.json [--hasten N] [--seeds 0 1 2 3 4] [--spawning flee31|folder]

``--spawning flee31`` (the default) spawns as Flee 3.1 does whatever the folder says: new
people each day follow the change in data_layout.csv's ``total`` file
(``spawn_rules.sum_from_camps: false``). Flee's newer releases, and borderflow by default,
follow the sum of the observed camps instead; where a folder's total counts people who never
reach a camp (ethiopia's IDPs, South Sudan's) the two differ by an order of magnitude, so the
side-by-side uses Flee 3.1's rule. ``--spawning folder`` keeps the folder's own spawn rules.

The scenario is loaded once; each seed is one ``borderflow.run``. Errors are borderflow's
own ``borderflow.metrics.averaged_relative_difference``. Timings exclude interpreter
start-up and imports, like ``flee_driver.py``'s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import memory

try:
    import borderflow
    import borderflow.metrics
except ImportError as exc:
    sys.exit(
        f"borderflow_driver.py: cannot import borderflow ({exc}). "
        "Install the project into this interpreter first (pip install -e .)."
    )

_NEEDED = {
    "borderflow.load_scenario": getattr(borderflow, "load_scenario", None),
    "borderflow.run": getattr(borderflow, "run", None),
    "borderflow.metrics.averaged_relative_difference": getattr(
        borderflow.metrics, "averaged_relative_difference", None
    ),
}
_MISSING = [name for name, value in _NEEDED.items() if value is None]
if _MISSING:
    sys.exit(f"borderflow_driver.py: this borderflow lacks {', '.join(_MISSING)}")


def as_list(series: Any) -> list[float]:
    """A per-day series as a JSON-ready list of floats."""
    return [float(x) for x in np.asarray(series, dtype=float)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Flee scenario folder")
    parser.add_argument("out", type=Path, help="output JSON path")
    parser.add_argument("--hasten", type=int, default=None, help="override optimisations.hasten")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--spawning",
        choices=["flee31", "folder"],
        default="flee31",
        help="flee31: follow the total file, as Flee 3.1 does (default); folder: the folder's own spawn_rules",
    )
    args = parser.parse_args(argv)
    metric = borderflow.metrics.averaged_relative_difference
    rss_start_kb = memory.rss_kb()

    load_start = time.perf_counter()
    scenario = borderflow.load_scenario(args.folder)
    if args.hasten is not None:
        scenario = scenario.with_hasten(args.hasten)
    if args.spawning == "flee31":
        rules = scenario.spawn_rules.model_copy(update={"sum_from_camps": False})
        scenario = scenario.model_copy(update={"spawn_rules": rules})
    load_seconds = time.perf_counter() - load_start

    runs: list[dict[str, Any]] = []
    obs: dict[str, list[float]] = {}
    for seed in args.seeds:
        run_start = time.perf_counter()
        result = borderflow.run(scenario, seed=seed)
        run_seconds = time.perf_counter() - run_start
        names = list(result.observed_places)
        sim_arrays = {name: np.asarray(result.sim_series(name), dtype=float) for name in names}
        obs_arrays = {name: np.asarray(result.obs_series(name), dtype=float) for name in names}
        obs = {name: as_list(values) for name, values in obs_arrays.items()}
        runs.append(
            {
                "seed": seed,
                "run_seconds": run_seconds,
                "error": float(metric(sim_arrays, obs_arrays)),
                "error_rescaled": float(metric(sim_arrays, obs_arrays, rescaled=True)),
                "sim": {name: as_list(values) for name, values in sim_arrays.items()},
            }
        )

    output = {
        "tool": "borderflow",
        "borderflow_version": getattr(borderflow, "__version__", "unknown"),
        "scenario": args.folder.resolve().name,
        "hasten": args.hasten,
        "spawning": args.spawning,
        "days": len(next(iter(obs.values()), [])),
        "load_seconds": load_seconds,
        "rss_start_kb": rss_start_kb,
        "peak_rss_kb": memory.peak_rss_kb(),
        "obs": obs,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(output), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
