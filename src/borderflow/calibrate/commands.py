"""The `calibrate` command (registered on the main CLI)."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Annotated

import typer

from borderflow.scenario.limits import MAX_HASTEN


def register(app: typer.Typer) -> None:
    @app.command()
    def calibrate(
        scenario: Annotated[str | None, typer.Argument(help="Scenario file, Flee folder or built-in name.")] = None,
        fit_until: Annotated[
            str, typer.Option("--fit-until", help="Fit to the observations up to this date (YYYY-MM-DD); score after.")
        ] = "",
        param: Annotated[
            list[str] | None,
            typer.Option(
                "--param", help="PATH=LOW:HIGH, a numeric field to fit (repeat; default: the movement rules)."
            ),
        ] = None,
        policy: Annotated[str | None, typer.Option("--policy", "-p", help="Policy package to run.")] = None,
        budget: Annotated[int, typer.Option(min=1, max=100_000, help="Candidates to score.")] = 100,
        seeds: Annotated[int, typer.Option(min=1, max=1000, help="Seeds per candidate (the same for all).")] = 3,
        seed: Annotated[
            int | None, typer.Option(min=0, max=2**62, help="First seed (default: the scenario's).")
        ] = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Folder (default results/<scenario>-calibration).")
        ] = None,
        dask: Annotated[str | None, typer.Option(help="'local' or tcp://HOST:PORT of a scheduler.")] = None,
        serial: Annotated[bool, typer.Option(help="Run in this process (debugging).")] = False,
        hasten: Annotated[
            int | None,
            typer.Option(min=1, max=MAX_HASTEN, help="Simulate 1 unit per N people (default: the scenario's)."),
        ] = None,
        workers: Annotated[
            int | None, typer.Option(min=1, max=1024, help="Worker processes (default: all cores).")
        ] = None,
    ) -> None:
        """Fit numeric fields to the observations up to a date; score the days after it (rerun resumes)."""
        from borderflow.calibrate.fit import RESULT, SCENARIO_FILE
        from borderflow.calibrate.fit import calibrate as fit
        from borderflow.calibrate.parameters import parse_param
        from borderflow.ensemble.commands import _advance, _progress, console
        from borderflow.ensemble.executors import make_executor
        from borderflow.results.folder import claim, default_folder, shown
        from borderflow.scenario import ScenarioError, load_scenario

        try:
            until = dt.date.fromisoformat(fit_until)
        except ValueError:
            raise ScenarioError(None, "--fit-until", f"{fit_until!r}; expected a date YYYY-MM-DD") from None
        params = [parse_param(p) for p in param] if param else None
        sc = load_scenario(scenario)
        if hasten is not None:
            sc = sc.with_hasten(hasten)
        with claim(out if out is not None else default_folder(sc.name, "-calibration", scenario)) as folder:
            executor = make_executor("serial" if serial else "processes", dask, workers)
            try:
                with _progress() as bar:
                    task = bar.add_task(f"calibrating {sc.name} ({executor.name})", total=budget * seeds)
                    result = fit(
                        sc,
                        folder,
                        until,
                        params,
                        policy=policy,
                        budget=budget,
                        seeds=seeds,
                        seed=seed,
                        executor=executor,
                        progress=functools.partial(_advance, bar, task),
                    )
            finally:
                executor.close()
        ins, oos = result["in_sample"], result["out_of_sample"]
        for path, value in result["params"].items():
            console.print(f"{path} = {value:.6g} (was {result['scenario_values'][path]:.6g})")
        console.print(
            f"averaged relative difference: in sample {ins['averaged_relative_difference']:.3f} "
            f"({result['fitted_days']} days to {result['fit_until']}); out of sample "
            f"{oos['averaged_relative_difference']:.3f} ({result['scored_days']} days; scenario as given "
            f"{oos['scenario_as_given']['averaged_relative_difference']:.3f}, naive forecast "
            f"{oos['naive']['averaged_relative_difference']:.3f}, MASE vs naive {oos['mase_vs_naive']:.2f})"
        )
        reset = oos["from_observed_state"]
        console.print(
            f"forecast from the observed state on {result['fit_until']}: out of sample "
            f"{reset['averaged_relative_difference']:.3f}, MASE vs naive {reset['mase_vs_naive']:.2f}"
        )
        post = result["posterior"]
        console.print(
            f"accepted sets: {post['accepted']} (effective sample size {post['effective_sample_size']:.1f}); "
            "90% intervals: " + "; ".join(f"{path} {q['q05']:.4g}-{q['q95']:.4g}" for path, q in post["params"].items())
        )
        console.print(
            f"calibrated scenario: {shown(folder.path / SCENARIO_FILE)}; details: {shown(folder.path / RESULT)}"
        )
