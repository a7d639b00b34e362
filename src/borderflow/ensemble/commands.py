"""The `ensemble` and `sensitivity` commands (registered on the main CLI)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from borderflow.results.folder import OutputFolder, shown

# Text from the user (names, paths, values) prints verbatim: no markup, emoji codes or highlighting.
err = Console(stderr=True, emoji=False, markup=False, highlight=False)
console = Console(
    soft_wrap=True, emoji=False, markup=False, highlight=False
)  # paths and summaries on one line, whatever the width


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,  # gone when done: stderr keeps only what matters (errors: one line)
    )


def _advance(bar: Progress, task: TaskID, done: int, total: int) -> None:
    bar.update(task, completed=done, total=total)


def _package(package: str | None, default: str | None) -> str:
    return package or default or "none"


def _rerun(root: OutputFolder, packages: list[str | None], default: str | None, k: int) -> None:
    import numpy as np

    from borderflow.ensemble.runner import rerun_member
    from borderflow.ensemble.store import finished, member_path, read_member, write_member

    several = len(packages) > 1 or packages[0] is not None
    for pkg in packages:
        folder = root.path / _package(pkg, default) if several else root.path
        series = rerun_member(folder, k)
        name = f"rerun-member-{k:06d}.parquet"
        write_member(folder, k, series, name=name)
        same = ""
        if k in finished(folder):
            stored = read_member(folder, k)
            equal = stored.keys() == series.keys() and all(np.array_equal(stored[n], series[n]) for n in series)
            same = f"; identical to {member_path(folder, k)}" if equal else f"; DIFFERS from {member_path(folder, k)}"
        console.print(f"member {k} rerun: {folder / name}{same}")


def register(app: typer.Typer) -> None:
    @app.command()
    def ensemble(
        scenario: Annotated[str | None, typer.Argument(help="Scenario file, Flee folder or built-in name.")] = None,
        n: Annotated[int, typer.Option("-n", min=1, max=1_000_000, help="Number of members.")] = 100,
        policy: Annotated[
            list[str] | None, typer.Option("--policy", "-p", help="Policy package(s); one ensemble each, same seeds.")
        ] = None,
        design: Annotated[str, typer.Option(help="lhs (Latin hypercube) or sobol.")] = "lhs",
        seed: Annotated[int | None, typer.Option(min=0, max=2**62, help="Base seed (member i gets seed + i).")] = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Folder (default results/<scenario>-ensemble).")
        ] = None,
        dask: Annotated[
            str | None, typer.Option(help="'local' (a LocalCluster) or tcp://HOST:PORT of a scheduler.")
        ] = None,
        serial: Annotated[bool, typer.Option(help="Run members in this process (debugging).")] = False,
        workers: Annotated[
            int | None, typer.Option(min=1, max=1024, help="Worker processes (default: all cores).")
        ] = None,
        plot: Annotated[str | None, typer.Option(help="Also draw the band plot of this series.")] = None,
        member: Annotated[
            int | None, typer.Option(help="Rerun only member K of the ensemble in --out, from its manifest.")
        ] = None,
        from_calibration: Annotated[
            Path | None,
            typer.Option(help="Also draw each member's fitted values from this calibration's accepted sets."),
        ] = None,
        no_report: Annotated[
            bool, typer.Option("--no-report", help="Do not write report.html (the offline HTML report).")
        ] = False,
    ) -> None:
        """Run a seeded ensemble over the uncertain parameters; members stream to disk; rerun resumes."""
        from borderflow import __version__
        from borderflow.ensemble.executors import make_executor
        from borderflow.ensemble.members import check_series
        from borderflow.ensemble.plots import band_plot
        from borderflow.ensemble.reduce import bands_table
        from borderflow.ensemble.runner import run_ensemble
        from borderflow.ensemble.store import record_files, write_set_manifest
        from borderflow.results.folder import claim, default_folder, plain_folder_name
        from borderflow.scenario import ScenarioError, load_scenario

        if design not in ("lhs", "sobol"):
            raise ScenarioError(None, "--design", f"{design!r}; expected lhs or sobol")
        sc = load_scenario(scenario)
        sets = None
        if from_calibration is not None:
            from borderflow.calibrate.fit import accepted_sets

            sets = accepted_sets(from_calibration, sc)
        packages: list[str | None] = list(policy) if policy else [None]
        with claim(out if out is not None else default_folder(sc.name, "-ensemble", scenario)) as root:
            if member is not None:
                _rerun(root, packages, sc.default_policy, member)
                return
            if plot:
                check_series(sc, plot, "--plot")  # before the runs, not after
            # One ensemble per policy package: root/<package> when there are several or one was named.
            several = len(packages) > 1 or packages[0] is not None
            names = [_package(pkg, sc.default_policy) for pkg in packages]
            for name in names:
                if several and not plain_folder_name(name):
                    raise ScenarioError(None, "--policy", f"{name!r} cannot name a folder; expected a plain name")
            folders = [root.subfolder(name) for name in names] if several else [root]
            if several:
                write_set_manifest(root.path, names, __version__)
            executor = make_executor("serial" if serial else "processes", dask, workers)
            try:
                for pkg, folder in zip(packages, folders, strict=True):
                    with _progress() as bar:
                        task = bar.add_task(f"{sc.name} {pkg or ''} ({executor.name})", total=n)
                        run_ensemble(
                            sc,
                            n,
                            folder,
                            policy=pkg,
                            design="sobol" if design == "sobol" else "lhs",
                            seed=seed,
                            executor=executor,
                            progress=functools.partial(_advance, bar, task),
                            parameter_sets=sets,
                        )
                    table = bands_table(folder.path)
                    folder.write_file("bands.csv", lambda tmp, t=table: t.to_csv(tmp, index=False))  # type: ignore[misc]
                    record_files(folder.path, ["bands.csv"])
                    console.print(f"{n} members in {shown(folder.path)} (bands: {shown(folder.path / 'bands.csv')})")
            finally:
                executor.close()
                for folder in folders:
                    if folder is not root:
                        folder.close()
            if plot:
                png = f"bands-{plot.replace(':', '-')}.png"
                paths = [f.path for f in folders]
                root.write_file(png, lambda tmp: band_plot(paths, plot, tmp))
                record_files(root.path, [png])
                console.print(f"band plot: {shown(root.path / png)}")
            if not no_report:
                from borderflow.report.write import add_report

                console.print(f"report: {shown(add_report(root.path))}")

    @app.command()
    def sensitivity(
        scenario: Annotated[str | None, typer.Argument(help="Scenario file, Flee folder or built-in name.")] = None,
        output: Annotated[
            str, typer.Option(help="Scalar output, e.g. southwest_encounters:total.")
        ] = "southwest_encounters:total",
        method: Annotated[str, typer.Option(help="sobol or morris.")] = "sobol",
        n: Annotated[
            int, typer.Option("-n", min=2, max=1_000_000, help="Base sample size (Sobol: runs = n x (k + 2)).")
        ] = 32,
        policy: Annotated[str | None, typer.Option("--policy", "-p", help="Policy package.")] = None,
        workers: Annotated[
            int | None, typer.Option(min=1, max=1024, help="Worker processes (default: all cores).")
        ] = None,
        dask: Annotated[str | None, typer.Option(help="'local' or tcp://HOST:PORT.")] = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the table and plot.")] = None,
    ) -> None:
        """Global sensitivity (SALib) of an output to the uncertain parameters: a ranked table and a plot."""
        from borderflow import __version__
        from borderflow.ensemble.executors import make_executor
        from borderflow.ensemble.plots import ranking_plot
        from borderflow.ensemble.sensitivity import sensitivity as analyse
        from borderflow.results.folder import MANIFEST, claim, default_folder, sha256
        from borderflow.scenario import ScenarioError, load_scenario

        if method not in ("sobol", "morris"):
            raise ScenarioError(None, "--method", f"{method!r}; expected sobol or morris")
        sc = load_scenario(scenario)
        with claim(out if out is not None else default_folder(sc.name, "-sensitivity", scenario)) as folder:
            executor = make_executor("processes", dask, workers)  # the folder is checked before the runs
            try:
                table, runs = analyse(
                    sc,
                    output,
                    n=n,
                    method="morris" if method == "morris" else "sobol",
                    policy=policy,
                    executor=executor,
                )
            finally:
                executor.close()
            with folder.replace() as tmp:
                table.to_csv(tmp / "ranking.csv", index=False)
                ranking_plot(table, output, tmp / "ranking.png")
                manifest = {
                    "borderflow_version": __version__,
                    "kind": "sensitivity",
                    "scenario": sc.name,
                    "output": output,
                    "method": method,
                    "n": n,
                    "runs": runs,
                    "policy": policy or sc.default_policy,
                    "files": {f: sha256(tmp / f) for f in ("ranking.csv", "ranking.png")},
                }
                (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        t = Table(
            title=f"sensitivity of {output} ({method}, {runs} runs, policy {policy or sc.default_policy or 'none'})"
        )
        for col in table.columns:
            t.add_column(str(col), justify="left" if col == "parameter" else "right")
        for row in table.itertuples(index=False):
            t.add_row(*[str(v) if isinstance(v, str) else f"{v:.3f}" for v in row])
        console.print(t)
        console.print(f"table: {shown(folder.path / 'ranking.csv')}; plot: {shown(folder.path / 'ranking.png')}")
