"""The `record-check` command (registered on the main CLI): the monthly model against the
naive forecasts on the CBP record, out of sample."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from borderflow.monthly.checks import OutOfSample
from borderflow.scenario.errors import ScenarioError

console = Console(emoji=False, markup=False, highlight=False, width=120)  # the tables fit without wrapping


def _month(text: str, option: str) -> pd.Period:
    from borderflow.record.months import month

    try:
        return month(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def register(app: typer.Typer) -> None:
    @app.command("record-check")
    def record_check(
        fit_until: Annotated[
            str, typer.Option("--fit-until", help="Last month the fit may see (YYYY-MM); the next months are scored.")
        ] = "2023-09",
        horizon: Annotated[int, typer.Option(min=1, max=12, help="Months forecast after --fit-until.")] = 3,
        first_winter: Annotated[
            int, typer.Option(help="First December of the rolling-origin check (forecasts January-March).")
        ] = 2002,
        origins: Annotated[
            str | None,
            typer.Option(
                help="Also fit at every month FIRST:LAST (YYYY-MM:YYYY-MM) and report the mean scores (about 0.1 s an origin)."
            ),
        ] = None,
        cbp: Annotated[
            Path | None,
            typer.Option(help="Folder of the CBP files (default: data/cbp under --data-root, or ../shared/data/cbp)."),
        ] = None,
    ) -> None:
        """Fit the monthly sector model on the CBP record up to a month and score its forecast of
        the next months against naive forecasts; then the rolling-origin check of seasonality
        over past winters (fit through each December, forecast January-March)."""
        from borderflow.monthly.checks import MODEL, out_of_sample, winters
        from borderflow.monthly.model import MIN_MONTHS
        from borderflow.monthly.series import MonthlySeries
        from borderflow.record import cbp_folder, read_citizenship, read_sectors

        origin = _month(fit_until, "--fit-until")
        last = origin + horizon
        folder = cbp_folder(cbp)
        series = MonthlySeries.from_frame(read_sectors(folder, through=last))  # nothing later is read
        if series.last < last:
            raise ScenarioError(
                folder, "--fit-until", f"the record ends {series.last}; expected months up to {last} to score"
            )
        who = read_citizenship(folder, through=origin)  # who came: only up to the fit's last month
        citizenship = MonthlySeries.from_frame(who, "citizenship", absent_is_zero=True)
        earliest = (series.first + (MIN_MONTHS - 1)).year  # the first December with enough history to fit
        if first_winter < earliest:
            raise typer.BadParameter(
                f"{first_winter}: the record starts {series.first}; expected a December from {earliest} on "
                f"({MIN_MONTHS} months of history to fit)",
                param_hint="'--first-winter'",
            )
        origin_span = None
        if origins is not None:  # checked before any work
            parts = origins.split(":")
            if len(parts) != 2:
                raise typer.BadParameter(
                    f"expected FIRST:LAST as YYYY-MM:YYYY-MM, found {origins!r}", param_hint="'--origins'"
                )
            first, final = (_month(p, "--origins") for p in parts)
            fittable = series.first + (MIN_MONTHS - 1)
            if final + horizon > origin or first > final or first < fittable:
                raise typer.BadParameter(
                    f"{origins}: expected FIRST <= LAST, FIRST from {fittable} ({MIN_MONTHS} months to fit) "
                    f"and LAST + {horizon} months up to --fit-until {origin}",
                    param_hint="'--origins'",
                )
            origin_span = (first, final)
        result = out_of_sample(series, origin, horizon, citizenship)
        span = f"{result.months[0]} to {result.months[-1]}"
        scores = Table(title=f"Southwest Border Patrol encounters by sector, fit through {origin}, forecast {span}")
        for col in ("forecast", "WAPE", "share dissimilarity", "MASE (total)", "interval score p05-p95"):
            scores.add_column(col, justify="left" if col == "forecast" else "right")
        for s in result.scores:
            interval = "" if s.interval_score is None else f"{s.interval_score:,.0f}"
            scores.add_row(
                s.forecaster, f"{s.wape:.3f}", f"{s.share_dissimilarity:.3f}", f"{s.mase_total:.2f}", interval
            )
        console.print(scores)
        console.print(result.fitted, soft_wrap=True)
        if result.corridors is not None:
            cor = result.corridors
            corridors = Table(
                title=f"corridors fitted through {origin}: share of each group's people met in each sector "
                f"(NNLS over 24 months; fitted split off by {cor.fit_error:.3f})"
            )
            corridors.add_column("citizenship")
            for sector in cor.sectors:
                corridors.add_column(sector.split(",")[0], justify="right")
            for g, group in enumerate(cor.groups):
                corridors.add_row(group, *(f"{x:.2f}" if x else "" for x in cor.matrix[g]))
            console.print(corridors)
        model = result.forecasts[MODEL]
        detail = Table(title="the monthly model's forecast and what was recorded")
        detail.add_column("sector")
        for m in result.months:
            detail.add_column(f"{m} forecast", justify="right")
            detail.add_column(f"{m} recorded", justify="right")
        for j, sector in enumerate((*result.sectors, "Southwest, all")):
            cells = []
            for k in range(len(result.months)):
                f = model[k].sum() if j == len(result.sectors) else model[k, j]
                o = result.observed[k].sum() if j == len(result.sectors) else result.observed[k, j]
                cells += [f"{f:,.0f}", f"{o:,.0f}"]
            detail.add_row(sector, *cells)
        console.print(detail)
        last_winter = (origin - 3).year if (origin - 3).month == 12 else (origin - 3).year - 1
        folds = winters(series.through(origin), first_winter, last_winter)
        if not folds:
            console.print(f"rolling origin: no winter from {first_winter} to {last_winter} ends by {origin}")
            return
        table = Table(title=f"rolling origin: fit through December, forecast January-March ({len(folds)} winters)")
        for col in ("origin", "monthly model WAPE", "seasonal naive WAPE", "better"):
            table.add_column(col, justify="left" if col == "origin" else "right")
        for w in folds:
            better = "model" if w.model_wape < w.seasonal_naive_wape else "seasonal naive"
            table.add_row(str(w.origin), f"{w.model_wape:.3f}", f"{w.seasonal_naive_wape:.3f}", better)
        observed = sum(w.observed for w in folds)
        pooled_model = sum(w.model_abs_error for w in folds) / observed
        pooled_naive = sum(w.seasonal_naive_abs_error for w in folds) / observed
        table.add_section()
        wins = sum(w.model_wape < w.seasonal_naive_wape for w in folds)
        table.add_row(
            "all winters (pooled)", f"{pooled_model:.3f}", f"{pooled_naive:.3f}", f"model in {wins} of {len(folds)}"
        )
        console.print(table)
        if origin_span is not None:
            first, final = origin_span
            runs = [out_of_sample(series, o, horizon, citizenship) for o in pd.period_range(first, final, freq="M")]
            console.print(_mean_scores(runs, f"{first} to {final}"))


def _mean_scores(runs: list[OutOfSample], span: str) -> Table:
    """Each forecaster's mean scores over many origins, and how often the model does better."""
    from borderflow.monthly.checks import MODEL

    names = [s.forecaster for s in runs[0].scores]
    wape = {n: [next(s.wape for s in r.scores if s.forecaster == n) for r in runs] for n in names}
    share = {n: [next(s.share_dissimilarity for s in r.scores if s.forecaster == n) for r in runs] for n in names}
    table = Table(
        title=f"every origin from {span} ({len(runs)} fits, each forecasting the next {len(runs[0].months)} months)"
    )
    for col in ("forecast", "mean WAPE", "mean share dissimilarity", "monthly model better on WAPE", "on shares"):
        table.add_column(col, justify="left" if col == "forecast" else "right")
    for n in names:
        better_w = "" if n == MODEL else f"{np.mean(np.array(wape[MODEL]) < np.array(wape[n])):.0%}"
        better_s = "" if n == MODEL else f"{np.mean(np.array(share[MODEL]) < np.array(share[n])):.0%}"
        table.add_row(n, f"{np.mean(wape[n]):.3f}", f"{np.mean(share[n]):.3f}", better_w, better_s)
    return table
