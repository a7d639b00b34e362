"""The `backtest` command (registered on the main CLI like `record-check`)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

console = Console(emoji=False, markup=False, highlight=False, width=140)
RECORD_MONTHS = 12  # months of record up to the origin written beside the forecast (record.csv)


def origin_month(text: str, option: str) -> pd.Period:
    """--fit-until: YYYY-MM is that month; YYYY-MM-DD the last month that ended by that day."""
    try:
        if len(text) == 7:
            return pd.Period(text, freq="M")
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM or YYYY-MM-DD, found {text!r}", param_hint=f"'{option}'") from None
    m = pd.Period(day, freq="M")
    return m if day == m.end_time.date() else m - 1


def until_month(text: str, option: str) -> pd.Period:
    """--until: the month holding that day (YYYY-MM-DD) or that month (YYYY-MM)."""
    try:
        if len(text) == 7:
            return pd.Period(text, freq="M")
        return pd.Period(dt.date.fromisoformat(text), freq="M")
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM or YYYY-MM-DD, found {text!r}", param_hint=f"'{option}'") from None


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if not math.isfinite(x) else round(x, 6)
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def register(app: typer.Typer) -> None:
    @app.command("backtest")
    def backtest(
        scenario: Annotated[
            str, typer.Argument(help="Scenario (built-in name or file) whose packages are backtested.")
        ],
        fit_until: Annotated[
            str, typer.Option("--fit-until", help="Last day (YYYY-MM-DD) or month (YYYY-MM) the fit may see.")
        ],
        until: Annotated[str, typer.Option("--until", help="Last month forecast (YYYY-MM or a day in it).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Results folder (new, or one borderflow wrote).")],
        members: Annotated[
            int, typer.Option(min=2, max=1000, help="Engine members per package (common random numbers).")
        ] = 32,
        workers: Annotated[int, typer.Option(min=1, max=64, help="Processes running members.")] = 2,
        cbp: Annotated[
            Path | None,
            typer.Option(help="Folder of the CBP files (default: data/cbp under --data-root, or ../shared/data/cbp)."),
        ] = None,
        no_report: Annotated[
            bool, typer.Option("--no-report", help="Do not write report.html (the offline HTML report).")
        ] = False,
    ) -> None:
        """Forecast Southwest Border Patrol encounters by sector and month after --fit-until for
        every policy package: the monthly model fitted on the record up to --fit-until (band from
        its own past errors) times the engine's effect of each package; scored wherever the
        record has the months. Writes forecast.csv, scores.csv, summary.json, record.csv (the
        record's months shown beside the forecast) and report.html (unless --no-report)."""
        from borderflow import __version__
        from borderflow.backtest.calibration import MAX_HORIZON, WINDOW
        from borderflow.backtest.decompose import decompose
        from borderflow.backtest.enacted import enacted_packages
        from borderflow.backtest.forecast import frame
        from borderflow.backtest.identify import total_null
        from borderflow.backtest.run import run_backtest
        from borderflow.backtest.scores import naive, score
        from borderflow.ensemble.executors import ProcessExecutor, SerialExecutor
        from borderflow.monthly.model import MIN_MONTHS
        from borderflow.monthly.series import MonthlySeries
        from borderflow.record import cbp_folder, read_sectors
        from borderflow.results.folder import MANIFEST, claim, sha256, shown
        from borderflow.scenario import load_scenario
        from borderflow.scenario.errors import ScenarioError

        origin = origin_month(fit_until, "--fit-until")
        last = until_month(until, "--until")
        if not 1 <= (last - origin).n <= MAX_HORIZON:
            raise typer.BadParameter(
                f"{last} is {(last - origin).n} months after {origin}; expected 1 to {MAX_HORIZON}",
                param_hint="'--until'",
            )
        sc = load_scenario(scenario)
        folder = cbp_folder(cbp)
        history = MonthlySeries.from_frame(read_sectors(folder, through=origin))  # nothing later is read
        if history.last < origin:
            raise ScenarioError(
                folder, "--fit-until", f"the record ends {history.last}; expected months up to {origin}"
            )
        need = MIN_MONTHS + WINDOW  # a fit, and the past origins whose errors make the band
        if len(history.counts) < need:
            raise ScenarioError(
                folder,
                "--fit-until",
                f"{len(history.counts)} months of record up to {origin}; expected at least {need} "
                f"({MIN_MONTHS} to fit and {WINDOW} earlier origins whose errors calibrate the band), "
                f"so a --fit-until from {history.first + (need - 1)} on",
            )
        with claim(out) as claimed:  # before any work
            executor = ProcessExecutor(workers) if workers > 1 else SerialExecutor()
            try:
                bt = run_backtest(sc, history, last, members, executor)
            except ValueError as exc:  # too little record for the band at this horizon
                raise ScenarioError(folder, "--fit-until", str(exc)) from None
            finally:
                executor.close()
            table = frame(bt.results, bt.months, bt.sectors)
            # Scoring reads the record again, through --until, only after the forecast is made.
            recorded = MonthlySeries.from_frame(read_sectors(folder, through=last))
            have = [m for m in bt.months if m <= recorded.last]
            scores: list[dict[str, Any]] = []
            if have:
                k = len(have)
                obs = recorded.window(have[0], k)
                for f in bt.results:
                    s = score(f.package, obs, f.p50[:k], f.p05[:k], f.p95[:k])
                    scores.append({"policy": f.package, **s.as_dict()})
                for name, fc in naive(history, len(bt.months)).items():
                    scores.append({"policy": "", **score(name, obs, fc[:k]).as_dict()})
            # The record beside the forecast: the year up to the origin, and the months forecast it holds.
            before = pd.period_range(max(origin - (RECORD_MONTHS - 1), history.first), origin, freq="M")
            record_rows = [
                (str(m), s, round(float(x)))
                for m in before
                for s, x in zip(history.sectors, history.counts[history.position(m)], strict=True)
            ]
            if have:
                record_rows += [
                    (str(m), s, round(float(x)))
                    for m in have
                    for s, x in zip(recorded.sectors, recorded.counts[recorded.position(m)], strict=True)
                ]
            observed_origin = float(history.counts[-1].sum())
            null = total_null(bt.table, history, origin, len(bt.months))
            parts = {p: [x.as_dict() for x in decompose(bt, p, observed_origin, null)] for p in bt.effect.packages}
            summary = {
                "borderflow_version": __version__,
                "scenario": sc.name,
                "fit_until": str(origin),
                "until": str(last),
                "months": [str(m) for m in bt.months],
                "scored_months": [str(m) for m in have],
                "packages": list(bt.effect.packages),
                "status_quo": bt.effect.packages[0],
                "members": members,
                "seeds": list(bt.effect.seeds),
                "effect_months": dict(zip((str(m) for m in bt.months), bt.effect.how, strict=True)),
                "effect_rule": "months beyond the simulated period carry the last simulated month's ratio (levers without an end date stay in force); months before it have no effect",
                "fitted": {
                    "season_half_life_years": bt.fit.season.half_life,
                    "season_total_weight": bt.fit.season.total_weight,
                    "level_alpha": bt.fit.level.alpha,
                    "level_beta": bt.fit.level.beta,
                    "shares_weight": bt.fit.shares.weight,
                },
                "calibration": {
                    "window_origins": len(bt.table.known_at(origin)),
                    "errors_by_horizon": bt.band.counts.min(axis=1).tolist(),
                    "coverage_origins": bt.coverage.origins,
                    "coverage_p05_p95_by_horizon": bt.coverage.by_horizon.tolist(),
                    "coverage_p05_p95": bt.coverage.overall,
                    "tail_chosen": bt.coverage.tail,
                    "plain_quantiles_coverage": bt.plain_coverage.overall,
                    "plain_quantiles_coverage_by_horizon": bt.plain_coverage.by_horizon.tolist(),
                },
                "past_record": {
                    "first_origin": str(bt.past.first),
                    "last_origin": str(bt.past.last),
                    "origins": bt.past.origins,
                    "scores": [s.as_dict() for s in bt.past.scores],
                    "model_p50_beats_on_wape_share_of_origins": bt.past.wins,
                },
                "effect": {
                    p: {
                        str(m): {
                            s: [float(x) for x in pd.Series(bt.effect.ratios[p][:, i, j]).quantile([0.05, 0.5, 0.95])]
                            for j, s in enumerate(bt.sectors)
                        }
                        for i, m in enumerate(bt.months)
                    }
                    for p in bt.effect.packages[1:]
                },
                "origin_total": observed_origin,
                "total_null_p05_p50_p95": [float(x) for x in np.exp(np.quantile(null, [0.05, 0.5, 0.95]))],
                "total_null_origins": len(null),
                "decomposition": parts,
                "scores": scores,
            }
            with claimed.replace() as tmp:
                table.to_csv(tmp / "forecast.csv", index=False, lineterminator="\n")
                columns = [
                    "policy",
                    "forecaster",
                    "wape",
                    "share_dissimilarity",
                    "total_error",
                    "interval_score",
                    "coverage",
                ]
                pd.DataFrame(scores, columns=columns).to_csv(tmp / "scores.csv", index=False, lineterminator="\n")
                (tmp / "summary.json").write_text(
                    json.dumps(_clean(summary), indent=1, allow_nan=False) + "\n", encoding="utf-8"
                )
                pd.DataFrame(record_rows, columns=["month", "sector", "encounters"]).to_csv(
                    tmp / "record.csv", index=False, lineterminator="\n"
                )
                files = ("forecast.csv", "scores.csv", "summary.json", "record.csv")
                data = sc.model_dump(mode="json")  # the run's copy: with the packages the backtest adds
                data["policies"] = {**data.get("policies", {}), **enacted_packages(sc)}
                manifest = {
                    "borderflow_version": __version__,
                    "kind": "backtest",
                    "scenario": sc.name,
                    "scenario_hash": sc.content_hash(),
                    "scenario_data": data,
                    "fit_until": str(origin),
                    "until": str(last),
                    "files": {f: sha256(tmp / f) for f in files},
                }
                (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
                if not no_report:
                    from borderflow.report.write import add_report  # the report sits at the edge

                    add_report(tmp)
        _print(bt, table, scores, parts, observed_origin)
        console.print(f"forecast.csv, scores.csv, summary.json and record.csv in {shown(claimed.path)}")
        if not no_report:
            console.print(f"report: {shown(claimed.path / 'report.html')}")


def _print(
    bt: Any, table: pd.DataFrame, scores: list[dict[str, Any]], parts: dict[str, Any], origin_total: float
) -> None:
    t = Table(title=f"Southwest Border Patrol encounters, fit through {bt.origin}: p50 (p05-p95), all sectors")
    t.add_column("policy")
    for m in bt.months:
        t.add_column(str(m), justify="right")
    for f in bt.results:
        t.add_row(
            f.package,
            *(f"{f.p50[i].sum():,.0f} ({f.p05[i].sum():,.0f}-{f.p95[i].sum():,.0f})" for i in range(len(bt.months))),
        )
    console.print(t)
    console.print(
        f"band calibration, {bt.coverage.origins} earlier origins: the past errors' 5%-95% quantiles held "
        f"{bt.plain_coverage.overall:.0%} of sector-months; their {bt.coverage.tail:.1%}-{1 - bt.coverage.tail:.1%} quantiles, "
        f"used as p05-p95, held {bt.coverage.overall:.0%} (by horizon: {', '.join(f'{x:.0%}' for x in bt.coverage.by_horizon)})"
    )
    p = Table(
        title=f"past record: {bt.past.origins} origins {bt.past.first} to {bt.past.last}, next {len(bt.months)} months"
    )
    for col in ("forecast", "WAPE", "share dissimilarity", "total error", "interval score", "coverage"):
        p.add_column(col, justify="left" if col == "forecast" else "right")
    for s in bt.past.scores:
        p.add_row(
            s.forecaster,
            f"{s.wape:.3f}",
            f"{s.share_dissimilarity:.3f}",
            f"{s.total_error:+.1%}",
            "" if s.interval_score is None else f"{s.interval_score:,.0f}",
            "" if s.coverage is None else f"{s.coverage:.0%}",
        )
    console.print(p)
    if scores:
        r = Table(title="scored against the record")
        for col in ("policy", "forecast", "WAPE", "share dissimilarity", "total error", "interval score", "coverage"):
            r.add_column(col, justify="left" if col in ("policy", "forecast") else "right")
        for s in scores:
            r.add_row(
                s["policy"],
                s["forecaster"],
                f"{s['wape']:.3f}",
                f"{s['share_dissimilarity']:.3f}",
                f"{s['total_error']:+.1%}",
                "" if s["interval_score"] is None else f"{s['interval_score']:,.0f}",
                "" if s["coverage"] is None else f"{s['coverage']:.0%}",
            )
        console.print(r)
    d = Table(title=f"change from {bt.origin} ({origin_total:,.0f}) to the mean of the months forecast, as factors")
    d.add_column("policy")
    d.add_column("part")
    d.add_column("p50", justify="right")
    d.add_column("p05-p95", justify="right")
    for pkg, rows in parts.items():
        for x in rows:
            band = "" if x["p05"] is None else f"{x['p05']:.2f}-{x['p95']:.2f}"
            d.add_row(pkg, x["part"], f"{x['p50']:.2f}", band)
    console.print(d)
