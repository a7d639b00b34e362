"""The command line: run, validate, import-flee, schema.

Bad input ends with one line naming the file, the place in it and what was expected, and
exit status 2; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from borderflow import __version__
from borderflow.api import run as run_scenario
from borderflow.backtest.commands import register as register_backtest_command
from borderflow.calibrate.commands import register as register_calibrate_command
from borderflow.ensemble.commands import register as register_ensemble_commands
from borderflow.metrics.sector_months import SectorMonths
from borderflow.monthly.commands import register as register_record_commands
from borderflow.report.compare import Comparison, change
from borderflow.results import Result, claim, verify, write_results
from borderflow.results.folder import default_folder, shown, verified_files
from borderflow.scenario import BUILTIN, DEFAULT_SCENARIO, Scenario, ScenarioError, load_scenario, write_native
from borderflow.scenario.flee_folder import read_flee_folder
from borderflow.scenario.limits import MAX_HASTEN, MAX_SEED
from borderflow.scenario.native import check_native_target

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    name="borderflow",
    help="Simulate migration flows over route networks: run scenarios and policy packages, compare "
    "packages with common random numbers, validate against observations, run seeded ensembles and "
    "sensitivity analyses, and import Flee scenario folders. With no scenario, commands use the "
    "built-in caravan-2023.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Text from the user (names, paths, values) prints verbatim: no markup, emoji codes or highlighting.
out_console = Console(emoji=False, markup=False, highlight=False)
err_console = Console(stderr=True, emoji=False, markup=False, highlight=False)

ScenarioArg = Annotated[
    str | None,
    typer.Argument(
        help=f"A scenario file (.yaml), a Flee scenario folder, or a built-in name "
        f"({', '.join(BUILTIN) or 'none'}). Default: {DEFAULT_SCENARIO}.",
        show_default=False,
    ),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", "-s", min=0, max=MAX_SEED, help="Random seed (default: the scenario's own).")
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Results folder (default: results/<scenario>).")]
PolicyOpt = Annotated[
    str | None, typer.Option("--policy", "-p", help="A policy package of the scenario (default: none).")
]
NoReportOpt = Annotated[
    bool, typer.Option("--no-report", help="Do not write report.html (the offline HTML report) into the results.")
]
HastenOpt = Annotated[
    int | None,
    typer.Option("--hasten", min=1, max=MAX_HASTEN, help="Simulate 1 unit per N people (default: the scenario's own)."),
]


@app.callback()
def _options(
    data_root: Annotated[
        list[Path] | None,
        typer.Option(
            "--data-root",
            help="A folder whose files a scenario may read besides its own (e.g. ../shared); give it again for "
            "several. Also the environment variable BORDERFLOW_DATA_ROOT.",
        ),
    ] = None,
) -> None:
    """Options for every command."""
    if data_root:
        from borderflow.scenario.flee_folder import DATA_ROOT_ENV

        known = [os.environ[DATA_ROOT_ENV]] if os.environ.get(DATA_ROOT_ENV) else []
        os.environ[DATA_ROOT_ENV] = os.pathsep.join([*known, *(str(p) for p in data_root)])


def _load(source: str | None, hasten: int | None) -> Scenario:
    scenario = load_scenario(source)
    if hasten is not None:
        scenario = scenario.with_hasten(hasten)
    for note in scenario.notes:
        err_console.print(f"note: {note}", style="dim", highlight=False, markup=False)
    return scenario


def _summary(result: Result, top: int = 12) -> Table:
    df = result.summary_table().head(top)
    table = Table(
        title=f"{result.scenario_name}: seed {result.seed}, {result.world.days} days, "
        f"{result.dates[0]} to {result.dates[-1]}"
    )
    for col, justify in (
        ("place", "left"),
        ("final_population", "right"),
        ("peak_population", "right"),
        ("total_arrivals", "right"),
    ):
        table.add_column({"total_arrivals": "arrivals (all visits)"}.get(col, col.replace("_", " ")), justify=justify)  # type: ignore[arg-type]
    for row in df.itertuples(index=False):
        table.add_row(
            str(row.place), f"{row.final_population:,}", f"{row.peak_population:,}", f"{row.total_arrivals:,}"
        )
    return table


def _metrics_table(result: Result) -> Table:
    m = result.metrics()
    table = Table(title=f"{result.scenario_name}: validation against observations (seed {result.seed})")
    for col in ("place", "mean abs error", "relative error", "MASE", "final sim", "final obs"):
        table.add_column(col, justify="left" if col == "place" else "right")
    for r in m["places"]:
        table.add_row(
            str(r["place"]),
            f"{r['mean_abs_error']:,.0f}",
            f"{r['relative_error']:.3f}",
            f"{r['mase']:.2f}",
            f"{r['final_simulated']:,.0f}",
            f"{r['final_observed']:,.0f}",
        )
    table.add_section()
    table.add_row("averaged relative difference", "", f"{m['averaged_relative_difference']:.3f}", "", "", "")
    table.add_row(
        "  rescaled (split between places only)", "", f"{m['averaged_relative_difference_rescaled']:.3f}", "", "", ""
    )
    return table


def _default_out(scenario: Scenario, source: str | None, policy: str | None = None) -> Path:
    return default_folder(scenario.name, "" if policy is None else f"-{policy}", source)


def _border_summary(result: Result) -> Table:
    b = result.border
    assert b is not None
    a = b.arrays
    days = len(result.dates)
    table = Table(title=f"border, {result.dates[0]} to {result.dates[-1]} (policy: {result.policy or 'none'})")
    for col in ("facility", "encounters", "per day", "max queue", "mean wait (days)", "days closed"):
        table.add_column(col, justify="left" if col == "facility" else "right")
    for j, name in enumerate(b.sectors):
        enc = a["sector_encounters"][:, j].sum()
        table.add_row(
            name if "sector" in name.lower() else f"sector {name}", f"{enc:,.0f}", f"{enc / days:,.0f}", "", "", ""
        )
    for j, name in enumerate(b.ports):
        enc = a["port_processed"][:, j].sum()
        done = a["port_processed"][:, j]
        wait = (a["port_wait_days"][:, j] * done).sum() / max(done.sum(), 1)
        table.add_row(
            f"port {name}",
            f"{enc:,.0f}",
            f"{enc / days:,.0f}",
            f"{a['port_queue'][:, j].max():,.0f}",
            f"{wait:.1f}",
            f"{a['port_closed'][:, j].sum():.0f}",
        )
    total = b.southwest_encounters().sum()
    table.add_section()
    table.add_row("Southwest border, all", f"{total:,.0f}", f"{total / days:,.0f}", "", "", "")
    overflow = a["city_overflow"].sum(axis=1)
    table.add_row("shelter overflow, peak (people)", "", "", f"{overflow.max():,.0f}", "", "")
    returned = result.series("returned").sum()
    table.add_row("returned south", f"{returned:,.0f}", "", "", "", "")
    return table


def _caravan_summary(result: Result) -> str:
    c = result.caravans
    assert c is not None
    lines = []
    for j, name in enumerate(c.names):
        size = c.size[:, j]
        days = np.flatnonzero(size > 0)
        if len(days) == 0:
            lines.append(f"caravan {name}: did not set out in the period")
            continue
        last = int(days[-1])
        where = result.places[c.place[last, j]] if c.place[last, j] >= 0 else "?"
        lines.append(
            f"caravan {name}: set out {result.dates[int(days[0])]} with {size[days[0]]:,.0f}, "
            f"largest {size.max():,.0f}; last seen {result.dates[last]} at {where} with {size[last]:,.0f} "
            f"(day {last})"
        )
    return "\n".join(lines)


@app.command()
def run(
    scenario: ScenarioArg = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    hasten: HastenOpt = None,
    policy: PolicyOpt = None,
    no_report: NoReportOpt = False,
) -> None:
    """Run a scenario and write daily results (Parquet and CSV), the HTML report and a manifest."""
    sc = _load(scenario, hasten)
    with claim(out if out is not None else _default_out(sc, scenario, policy)) as claimed:  # before any work
        result = run_scenario(sc, seed=seed, policy=policy)
        folder = write_results(result, claimed, report=not no_report)
    out_console.print(_summary(result))
    if result.border is not None:
        out_console.print(_border_summary(result))
    if result.caravans is not None:
        out_console.print(_caravan_summary(result), highlight=False)
    if result.observed_places:
        m = result.metrics()
        out_console.print(f"averaged relative difference vs observations: {m['averaged_relative_difference']:.3f}")
    out_console.print(f"simulated in {result.timings['simulate_s']:.2f} s; results in {shown(folder)}")
    if not no_report:
        out_console.print(f"report: {shown(folder / 'report.html')}")


@app.command()
def validate(
    scenario: ScenarioArg = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    hasten: HastenOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    suite: Annotated[
        Path | None,
        typer.Option("--suite", help="Run every Flee scenario folder in this folder; one table (and CSV/JSON)."),
    ] = None,
    cbp: Annotated[
        Path | None,
        typer.Option(
            "--cbp",
            help="The folder of CBP files for the scenario's sector_observations (default: $BORDERFLOW_CBP, "
            "a data root's data/cbp, else ../shared/data/cbp).",
        ),
    ] = None,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate", help="With --suite: calibrate each folder on two thirds of its period, score the rest."
        ),
    ] = False,
    budget: Annotated[int, typer.Option(min=1, max=100_000, help="With --calibrate: candidates per calibration.")] = 48,
) -> None:
    """Run a scenario and score it against its observations: observed places (Flee's yardstick
    and MASE) and Border Patrol encounters by sector and month in the CBP record."""
    if suite is not None:
        from borderflow.report.suite_cli import validate_suite  # only the suite needs it

        if scenario is not None:
            raise ScenarioError(scenario, None, "given with --suite; expected either a scenario or --suite DIR")
        validate_suite(
            suite,
            out,
            hasten,
            seed if seed is not None else 0,
            as_json,
            out_console,
            err_console,
            calibrate_budget=budget if calibrate else None,
        )
        return
    if calibrate:
        raise ScenarioError(None, "--calibrate", "given without --suite; expected --suite DIR --calibrate")
    sc = _load(scenario, hasten)
    if not sc.observations and sc.sector_observations is None:
        raise ScenarioError(
            scenario or DEFAULT_SCENARIO,
            "observations",
            "none; expected observed counts to validate against (observations: or sector_observations: in a native "
            "file, data_layout.csv in a Flee folder)",
        )
    record = None
    if sc.sector_observations is not None:  # read before any work: a bad record fails fast
        from borderflow.record import cbp_folder
        from borderflow.record.observed import sector_record

        record = sector_record(sc, cbp_folder(cbp), scenario or DEFAULT_SCENARIO)
    with claim(out if out is not None else _default_out(sc, scenario)) as claimed:  # before any work
        result = run_scenario(sc, seed=seed)
        months = None if record is None else _score_sectors(result, record)
        folder = write_results(result, claimed, sector_months=months)
    metrics = result.metrics()
    if months is not None:
        metrics["sector_months"] = months.summary()
    if as_json:
        # stdout holds strict JSON only: NaN (e.g. MASE where observations never change) becomes null.
        strict, nulls = _strict_json(metrics)
        for where in nulls:
            err_console.print(f"note: {where} is not a number (undefined for this data); written as null")
        print(json.dumps(strict, indent=2, allow_nan=False))
        err_console.print(f"metrics written to {folder / 'metrics.json'}")
    else:
        if result.observed_places:
            out_console.print(_metrics_table(result))
        if months is not None:
            out_console.print(_sector_months_table(result, months))
        out_console.print(f"metrics written to {folder / 'metrics.json'}")


def _score_sectors(result: Result, record: pd.DataFrame) -> SectorMonths:
    from borderflow.metrics.sector_months import score_sector_months

    spec = result.world.scenario.sector_observations
    assert spec is not None  # validate reads the record only when the scenario names sectors
    assert result.border is not None  # and sector_observations require the border section
    b = result.border
    return score_sector_months(result.dates, b.arrays["sector_encounters"], b.sectors, spec.sectors, record)


def _sector_months_table(result: Result, months: SectorMonths) -> Table:
    table = Table(
        title=f"{result.scenario_name}: Border Patrol encounters by sector and month vs the CBP record "
        f"(seed {result.seed})"
    )
    for col in ("month", "sector", "simulated", "observed", "sim share", "obs share"):
        table.add_column(col, justify="left" if col in ("month", "sector") else "right")
    for i, m in enumerate(months.months):
        sim, obs = months.simulated[i], months.observed[i]
        for j, s in enumerate(months.sectors):
            sim_share = f"{sim[j] / sim.sum():.1%}" if sim.sum() > 0 else "-"
            obs_share = f"{obs[j] / obs.sum():.1%}" if obs.sum() > 0 else "-"
            table.add_row(m, s, f"{sim[j]:,.0f}", f"{obs[j]:,.0f}", sim_share, obs_share)
        table.add_row(m, "all", f"{sim.sum():,.0f}", f"{obs.sum():,.0f}", "", "")
        table.add_section()
    scores = months.summary()
    table.add_row("averaged relative difference", "", f"{scores['averaged_relative_difference']:.3f}", "", "", "")
    table.add_row("WAPE", "", f"{scores['wape']:.3f}", "", "", "")
    table.add_row("sector-share dissimilarity", "", f"{scores['share_dissimilarity']:.3f}", "", "", "")
    return table


def _strict_json(value: object, where: str = "") -> tuple[object, list[str]]:
    """`value` with NaN and infinities replaced by None, and where they were."""
    if isinstance(value, float) and not np.isfinite(value):
        return None, [where or "value"]
    if isinstance(value, dict):
        pairs = [(k, _strict_json(v, f"{where}.{k}" if where else str(k))) for k, v in value.items()]
        return {k: v for k, (v, _) in pairs}, [n for _, (_, ns) in pairs for n in ns]
    if isinstance(value, list | tuple):
        items = [_strict_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items], [n for _, ns in items for n in ns]
    return value, []


def _parse_window(text: str | None, sc: Scenario) -> tuple[dt.date, dt.date] | None:
    if not text:
        return None
    try:
        lo, hi = (dt.date.fromisoformat(x) for x in text.split(":"))
    except ValueError:
        raise typer.BadParameter(
            f"expected FIRST:LAST as YYYY-MM-DD:YYYY-MM-DD, found {text!r}", param_hint="'--window'"
        ) from None
    from borderflow.report.compare import check_window

    check_window(sc, lo, hi)
    return lo, hi


@app.command(name="compare")
def compare_cmd(
    scenario: ScenarioArg = None,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", "-p", help="Two policy packages to compare (give twice); 'none' = no policies."),
    ] = None,
    seeds: Annotated[
        int, typer.Option(min=1, max=100_000, help="Paired seeds (common random numbers) for the band.")
    ] = 5,
    window: Annotated[
        str | None, typer.Option(help="Compare over FIRST:LAST (YYYY-MM-DD:YYYY-MM-DD); default the whole period.")
    ] = None,
    from_calibration: Annotated[
        Path | None,
        typer.Option(help="Draw each paired run's fitted values from this calibration's accepted sets."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Results folder (default: results/<scenario>-compare).")
    ] = None,
    no_report: NoReportOpt = False,
) -> None:
    """Compare two policy packages with common random numbers, give a plain verdict, and write
    comparison.json and the HTML report."""
    from borderflow.report.compare import compare
    from borderflow.report.write import write_comparison

    sc = _load(scenario, None)
    names = policy or [*list(sc.policies)[:2]]
    if len(names) != 2:
        raise ScenarioError(
            scenario or DEFAULT_SCENARIO, "policies", "expected two packages to compare (--policy A --policy B)"
        )
    a, b = (None if n == "none" else n for n in names)
    span = _parse_window(window, sc)
    sets = None
    if from_calibration is not None:
        from borderflow.calibrate.fit import accepted_sets

        sets = accepted_sets(from_calibration, sc)
    with claim(out if out is not None else default_folder(sc.name, "-compare", scenario)) as claimed:  # before any work
        cmp = compare(sc, a, b, [sc.seed + k for k in range(seeds)], span, sets)
        folder = write_comparison(cmp, sc, claimed, report=not no_report)
    out_console.print(_comparison_tables(cmp))
    out_console.print(cmp.verdict(), highlight=False)
    written = "comparison.json" if no_report else "comparison.json and report.html"
    out_console.print(f"{written} in {shown(folder)}", highlight=False, soft_wrap=True)


def _comparison_tables(cmp: Comparison) -> Table:
    t = Table(title=f"{cmp.b} vs {cmp.a}: means over {len(cmp.seeds)} paired seeds")
    t.add_column("outcome")
    t.add_column(cmp.a, justify="right")
    t.add_column(cmp.b, justify="right")
    t.add_column("change", justify="right")
    for k, section in enumerate(cmp.rows()):
        if k:
            t.add_section()
        for label, x, y, fmt in section:
            t.add_row(label, fmt.format(x), fmt.format(y), change(x, y))
    d = cmp.decomposition()
    t.add_section()
    for key, label in (
        ("gross_reduction", "encounters reduced where they fell"),
        ("displaced_to_other_sectors_or_ports", "  displaced to other sectors or ports"),
        ("displaced_to_later_dates", "  displaced to later dates"),
        ("reduced", "  reduced (not deferred)"),
    ):
        t.add_row(label, "", "", f"{d[key]:,.0f}")
    return t


@app.command("import-flee")
def import_flee(
    folder: Annotated[
        Path, typer.Argument(help="A Flee/FabFlee scenario folder (input_csv/, source_data/, simsetting.yml).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The native scenario file to write.")],
) -> None:
    """Convert a Flee scenario folder into a native borderflow scenario file."""
    check_native_target(output)  # before any work
    sc = read_flee_folder(folder)
    for note in sc.notes:
        err_console.print(f"note: {note}", style="dim", highlight=False, markup=False)
    write_native(sc, output)
    out_console.print(
        f"wrote {output}: {len(sc.places)} places, {len(sc.routes)} routes, "
        f"{len(sc.observations)} observed places, {sc.days} days from {sc.start_date}"
    )


@app.command(name="verify")
def verify_cmd(
    results: Annotated[Path, typer.Argument(help="A results folder (run, validate, ensemble or sensitivity).")],
) -> None:
    """Check every file of a results folder against the SHA-256 its manifest records."""
    manifest = verify(results)
    out_console.print(
        f"{shown(results)}: {verified_files(results)} files match the manifest "
        f"({manifest.get('kind', 'run')}, borderflow {manifest['borderflow_version']})",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command(name="report")
def report_cmd(
    results: Annotated[Path, typer.Argument(help="A results folder written by run, compare, ensemble or backtest.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the report to this file (default: RESULTS/report.html)."),
    ] = None,
    backtest: Annotated[
        Path | None,
        typer.Option(
            "--backtest",
            help="A backtest folder of the same scenario whose score the first screen shows "
            "(default: one found beside RESULTS; else the report says 'not backtested').",
        ),
    ] = None,
) -> None:
    """Write the offline HTML report of a results folder: one file, no network needed to open it."""
    from borderflow.report.write import write_report

    path = write_report(results, out, backtest)
    out_console.print(f"report: {shown(path)}", highlight=False, soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Folder keeping every run (created if missing; kept across restarts).")
    ] = Path("runs"),
) -> None:
    """Serve the web app: pick a scenario, switch policy components on and off, run, compare runs."""
    if runs_dir.exists() and not runs_dir.is_dir():
        raise ScenarioError(runs_dir, "--runs-dir", "is not a folder; expected a folder to keep the runs in")
    import uvicorn

    from borderflow.web.app import create_app

    out_console.print(f"borderflow web app on http://{host}:{port}/ (runs in {shown(runs_dir)}); Ctrl-C stops it")
    uvicorn.run(create_app(runs_dir), host=host, port=port, log_level="warning")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the native scenario file."""
    out_console.print_json(json.dumps(Scenario.model_json_schema()))


@app.command(name="compile-kernel")
def compile_kernel() -> None:
    """Compile the movement kernel with numba now and cache it on disk (~35 s of CPU, once per
    install): runs long enough to gain from it then use it (BORDERFLOW_KERNEL=auto)."""
    import time

    from borderflow.engine import kernel

    if not kernel.numba_installed():
        raise typer.BadParameter("numba is not installed; expected it with borderflow (pip install numba)")
    t0 = time.perf_counter()
    kernel.warm()
    where = kernel.cache_dir() or "nowhere writable (set NUMBA_CACHE_DIR): every process compiles it again"
    out_console.print(f"movement kernel ready in {time.perf_counter() - t0:.1f} s; cached in {where}", highlight=False)


@app.command()
def version() -> None:
    """Print borderflow's version."""
    out_console.print(__version__)


register_ensemble_commands(app)
register_calibrate_command(app)
register_record_commands(app)
register_backtest_command(app)


def main() -> None:
    """Entry point: ScenarioError and other bad input become one line and exit status 2."""
    try:
        # Without standalone mode typer returns an exit status instead of exiting: a
        # typer.Exit(code), or 130 for Ctrl-C (it turns KeyboardInterrupt into Exit(130)).
        status = app(standalone_mode=False)
        if status == 130:
            raise KeyboardInterrupt
        if isinstance(status, int) and status:
            sys.exit(status)
    except ScenarioError as exc:
        err_console.print(f"error: {exc.one_line()}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(exc.exit_status)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print(
            "interrupted; results already on disk are intact (an ensemble resumes when run again)", soft_wrap=True
        )
        sys.exit(130)
    except OSError as exc:  # the machine, not the input: a full disk, a vanished folder
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print(f"error: {where}{exc.strerror or exc}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)
    except Exception as exc:
        # A usage error (bad option value, unknown option, missing argument) from click, or
        # from the copy of click that typer carries (typer.TyperException): one line, exit 2.
        import click  # type: ignore[import-not-found,unused-ignore]

        if isinstance(exc, click.ClickException | typer.TyperException) and hasattr(exc, "format_message"):
            message = " ".join(str(exc.format_message()).split())
            err_console.print(f"error: {message} (see --help)", highlight=False, soft_wrap=True, markup=False)
            sys.exit(int(getattr(exc, "exit_code", 2)))
        raise


if __name__ == "__main__":
    main()
