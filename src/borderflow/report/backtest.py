"""The report of a backtest folder, and the backtest score the other reports quote.

A backtest folder (`borderflow backtest`) holds summary.json (the change from the origin month
split into parts, the model's record at earlier origins, the scores against the record where
it has the months), forecast.csv (policy, month, sector, p05, p50, p95), record.csv (the
record's months shown beside the forecast) and a manifest carrying the scenario's data. Every
figure on the page is read from these files; none is computed anew.

A run, comparison or ensemble report quotes a backtest only when one is given
(`borderflow report RESULTS --backtest DIR`) or found beside the results folder (a sibling
folder holding a backtest of the same scenario); otherwise it says "not backtested".
"""

from __future__ import annotations

import calendar
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from borderflow.report import charts
from borderflow.report.charts import Line
from borderflow.report.page import Page, e, table
from borderflow.results.folder import read_manifest_of
from borderflow.scenario.errors import ScenarioError

# The forecasters summary.json names (borderflow.backtest.scores), read back by name.
MODEL = "monthly model p50 (calendar-corrected)"
NAIVE = ("last month carried forward", "same months a year earlier, scaled", "same months a year earlier")
EXPECTED = "expected a folder written by borderflow backtest"


@dataclass(frozen=True)
class Backtested:
    """A backtest folder as read: its manifest and summary."""

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]

    @property
    def scenario(self) -> str:
        return str(self.manifest.get("scenario", ""))


def read_backtest(folder: str | Path, option: str | None = None) -> Backtested:
    """A backtest folder (a ScenarioError, one line, for anything else)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, option, f"is not a folder; {EXPECTED}")
    manifest = read_manifest_of(folder)
    if manifest is None or manifest.get("kind") != "backtest":
        what = "has no borderflow manifest.json" if manifest is None else f"holds {manifest.get('kind')} results"
        raise ScenarioError(folder, option, f"{what}; {EXPECTED}")
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(folder / "summary.json", option, f"cannot be read ({exc}); {EXPECTED}") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("past_record"), dict):
        raise ScenarioError(folder / "summary.json", option, f"has no past_record; {EXPECTED}")
    return Backtested(folder, manifest, summary)


def find_beside(home: Path, scenario: str) -> Path | None:
    """A backtest of `scenario` in a sibling folder of `home`: the one fitted through the latest
    month (then the first by name). Only folders holding summary.json and forecast.csv have their
    manifest read."""
    here = home.absolute()
    try:
        siblings = sorted(here.parent.iterdir())
    except OSError:
        return None
    found: list[tuple[str, str, Path]] = []
    for d in siblings:
        if (
            d == here
            or d.name.startswith(".")
            or not (d / "summary.json").is_file()
            or not (d / "forecast.csv").is_file()
        ):
            continue
        m = read_manifest_of(d)
        if m is not None and m.get("kind") == "backtest" and m.get("scenario") == scenario:
            found.append((str(m.get("fit_until", "")), d.name, d))
    if not found:
        return None
    latest = max(x[0] for x in found)
    return min(x for x in found if x[0] == latest)[2]


# ----- sentences --------------------------------------------------------------------------
def _x(v: float) -> str:
    return f"x{v:.2f}"


def _pct(v: float) -> str:
    return f"{v:.0%}"


def _month(m: str) -> str:
    """`2023-12` -> `December 2023` (anything else as written)."""
    try:
        year, month = (int(x) for x in str(m).split("-"))
        return f"{calendar.month_name[month]} {year}"
    except (ValueError, IndexError):
        return str(m)


def _span(months: list[str]) -> str:
    """`January to March 2024`, `December 2023 to March 2024`, `May 2023`."""
    if not months:
        return "no month"
    first, last = _month(months[0]), _month(months[-1])
    if len(months) == 1 or first == last:
        return first
    a, b = first.rsplit(" ", 1), last.rsplit(" ", 1)
    return f"{a[0]} to {last}" if len(a) == 2 and len(b) == 2 and a[1] == b[1] else f"{first} to {last}"


def _parts(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The decomposition's parts by the first word of their label (whole, origin, season,
    calendar, level, measures)."""
    return {str(r["part"]).split()[0]: r for r in rows}


def record_sentence(summary: dict[str, Any]) -> str:
    """How the status-quo model scored at earlier origins, and where it lost (plain text)."""
    past = summary["past_record"]
    scores = {s["forecaster"]: s for s in past.get("scores", [])}
    model = scores.get(MODEL)
    if model is None:
        return "The summary holds no score of the model at earlier origins."
    h = len(summary.get("months", [])) or 1
    naive = [(n, scores[n]["wape"]) for n in NAIVE if n in scores]
    text = (
        f"Over {past['origins']} earlier origins ({_span([past['first_origin'], past['last_origin']])}), each forecast "
        f"made with what was known then, the status-quo model's WAPE over the next {h} months by sector was "
        f"{model['wape']:.3f}"
        + (" (" + ", ".join(f"{n} {w:.3f}" for n, w in naive) + ")" if naive else "")
        + (
            f" and its p05–p95 held {_pct(model['coverage'])} of sector-months"
            if model.get("coverage") is not None
            else ""
        )
        + "."
    )
    lost = [n for n, w in naive if w < model["wape"]]
    if lost:
        text += f" It lost to {' and '.join(lost)} on WAPE."
    return text


def scored_sentence(summary: dict[str, Any], package: str | None = None) -> str:
    """The score against the record for the months it holds, of `package` (default: the status
    quo), with the naive forecasts (plain text); "" when the record holds none of the months."""
    rows = summary.get("scores") or []
    months = summary.get("scored_months") or []
    if not rows or not months:
        return ""
    own = [r for r in rows if r.get("policy")]
    pick = next((r for r in own if r["policy"] == package), None) or next(
        (r for r in own if r["policy"] == summary.get("status_quo")), own[0] if own else None
    )
    if pick is None:
        return ""
    naive = [(r["forecaster"], r["wape"]) for r in rows if not r.get("policy")]
    text = (
        f"Against the record for {_span(months)} (not seen by the fit), {pick['policy']} scored WAPE "
        f"{pick['wape']:.3f}, share dissimilarity {pick['share_dissimilarity']:.3f}"
        + (f", p05–p95 held {_pct(pick['coverage'])}" if pick.get("coverage") is not None else "")
        + ("; " + ", ".join(f"{n} {w:.3f}" for n, w in naive) if naive else "")
        + "."
    )
    lost = [n for n, w in naive if w < pick["wape"]]
    if lost:
        text += f" It lost to {' and '.join(lost)} on WAPE."
    return text


def verdict(summary: dict[str, Any], package: str) -> str:
    """The change from the origin month to the months forecast under `package`, split into
    season, level and measures, with its bands (plain text)."""
    p = _parts(summary["decomposition"][package])
    origin, total = _month(summary["fit_until"]), float(summary["origin_total"])
    whole = p["whole"]
    text = (
        f"Fitted on the record through {origin}, borderflow forecasts Southwest Border Patrol encounters in "
        f"{_span(summary['months'])} at {_x(whole['p50'])} of {origin}'s {total:,.0f} under {package} "
        f"(about {whole['p50'] * total:,.0f} a month"
        + (f"; p05–p95 {_x(whole['p05'])} to {_x(whole['p95'])}" if whole.get("p05") is not None else "")
        + ")."
    )
    season, calendar = p.get("season"), p.get("calendar")
    if season is not None:
        text += f" Season: the model's seasonal factors give {_x(season['p50'])}"
        if season.get("p05") is not None:
            text += f" (one past year's own season ranged {_x(season['p05'])} to {_x(season['p95'])})"
        if calendar is not None:
            text += (
                f", its past errors from the same calendar month {_x(calendar['p50'])}, "
                f"together {_x(season['p50'] * calendar['p50'])}"
            )
        text += "."
    if (level := p.get("level")) is not None:
        text += f" The level's trend: {_x(level['p50'])}."
    if (start := p.get("origin")) is not None and abs(float(start["p50"]) - 1.0) >= 0.005:
        text += f" {origin} against its fitted level: {_x(start['p50'])}."
    measures = p.get("measures")
    if package == summary.get("status_quo") or measures is None:
        text += " No measures: this is the status quo."
    else:
        text += (
            f" Measures (the engine's effect on the total, p05–p95 over {summary.get('members')} members): "
            f"{_x(measures['p50'])} ({_x(measures['p05'])} to {_x(measures['p95'])})."
        )
    null = summary.get("total_null_p05_p50_p95")
    if isinstance(null, list) and len(null) == 3 and package != summary.get("status_quo"):
        text += (
            f" Once the months are known, the record tells an effect from the model's usual {len(summary['months'])}-month "
            f"error only below about {_x(null[0])} of the status quo ({summary.get('total_null_origins')} earlier origins)."
        )
    return text


def headline_package(summary: dict[str, Any]) -> str:
    """The package the verdict is about: the last listed (the backtest adds `as-enacted`, what
    was done, last), or the status quo when it is the only one."""
    packages = [str(x) for x in summary.get("packages", [])]
    return packages[-1] if packages else str(summary.get("status_quo"))


# ----- the score on other reports ---------------------------------------------------------
def score_box(home: Path, scenario: str, scenario_hash: str | None, given: Path | None, package: str | None) -> str:
    """The first-screen line of a run, comparison or ensemble report: the backtest's score, or
    "not backtested"; never a score that no backtest wrote."""
    found: Backtested | None
    if given is not None:
        found = read_backtest(given, "--backtest")
        if found.scenario != scenario:
            raise ScenarioError(
                given, "--backtest", f"is a backtest of {found.scenario!r}; expected one of {scenario!r}"
            )
    else:
        beside = find_beside(home, scenario)
        found = None if beside is None else read_backtest(beside)
    if found is None:
        return (
            '<p class="backtest"><b>Not backtested.</b> No backtest of this scenario was given '
            "(<code>borderflow report RESULTS --backtest DIR</code>) or found beside this folder: "
            "these figures have not been scored against the record.</p>"
        )
    s = found.summary
    where = os.path.relpath(found.path.absolute(), home.absolute())
    other = (
        " (the backtest ran another version of this scenario's file)"
        if scenario_hash and found.manifest.get("scenario_hash") not in (None, scenario_hash)
        else ""
    )
    scored = scored_sentence(s, package)
    events = s.get("past_events")
    return (
        f'<p class="backtest"><b>Backtest</b> (<code>{e(where)}</code>{e(other)}: fitted through {e(_month(s["fit_until"]))}, '
        f"forecast {e(_span(s['months']))}): {e(record_sentence(s))}"
        + (f" {e(scored)}" if scored else f" The record did not yet hold {e(_span(s['months']))}.")
        + (f" Past-event experiments: {len(events)}, in its report." if isinstance(events, list) and events else "")
        + "</p>"
    )


# ----- the backtest page ------------------------------------------------------------------
def backtest_page(folder: Path, manifest: dict[str, Any], inputs_summary: Any, provenance: Any) -> str:
    """The report of a backtest folder. `inputs_summary` and `provenance` render the scenario's
    inputs by kind (shared with the other reports)."""
    import pandas as pd

    found = read_backtest(folder)
    s = found.summary
    data = manifest.get("scenario_data")
    forecast = pd.read_csv(folder / "forecast.csv", dtype={"month": str})
    record = (
        pd.read_csv(folder / "record.csv", dtype={"month": str})
        if (folder / "record.csv").is_file()
        else pd.DataFrame(columns=["month", "sector", "encounters"])
    )
    packages = [str(p) for p in s.get("packages", [])] or list(dict.fromkeys(forecast["policy"]))
    status_quo = str(s.get("status_quo") or packages[0])
    head = headline_package(s)
    page = Page(f"{s['scenario']}: backtest fitted through {s['fit_until']}")
    page.add(
        f"<h1>{e(s['scenario'])}: backtest</h1><p class=sub>fitted on the record through {e(_month(s['fit_until']))}; "
        f"forecast {e(_span(s['months']))}; packages {e(', '.join(packages))}; {e(s.get('members'))} engine members "
        f"per package (common random numbers); borderflow {e(manifest.get('borderflow_version'))}</p>"
    )
    others = [
        p
        for p in packages
        if p != head and p in s.get("decomposition", {}) and "whole" in _parts(s["decomposition"][p])
    ]
    short = []
    for p in others:
        parts = _parts(s["decomposition"][p])
        w, m = parts["whole"], parts.get("measures")
        line = f"{p}: {_x(w['p50'])}"
        if w.get("p05") is not None:
            line += f" (p05–p95 {_x(w['p05'])} to {_x(w['p95'])})"
        if m is not None and p != status_quo:
            line += f", of which measures {_x(m['p50'])} ({_x(m['p05'])} to {_x(m['p95'])})"
        short.append(line)
    scored = scored_sentence(s, head)
    page.add(
        f'<div class="answer">{e(verdict(s, head))}'
        + (f'<br><span class="sub">{e("; ".join(short))}.</span>' if short else "")
        + f"</div><p><b>How the model scored on the record.</b> {e(record_sentence(s))} "
        + (
            e(scored)
            if scored
            else f"The record read holds none of the months forecast ({e(_span(s['months']))}): not scored yet."
        )
        + " "
        + _events_note(s)
        + "</p>"
    )
    page.add(_backtest_inputs(s, head, status_quo))
    if isinstance(data, dict):
        page.add(inputs_summary(data))
    page.add(_scores_section(s))
    page.add(_parts_section(s, packages))
    page.add(_bands_section(page, s, forecast, record, packages))
    if isinstance(data, dict):
        page.add(provenance(data))
    else:
        page.add(
            "<h2 id=provenance>Inputs and their sources</h2><p class=note>This backtest's manifest does not carry "
            "the scenario's data (written by an older borderflow): run the backtest again to list them.</p>"
        )
    return page.render()


def _badge(kind: str) -> str:
    return f'<span class="kind k-{kind}">{kind}</span>'


def _backtest_inputs(s: dict[str, Any], head: str, status_quo: str) -> str:
    fitted = s.get("fitted") or {}
    cal = s.get("calibration") or {}
    rows = [
        [
            _badge("observed"),
            f"CBP's monthly Border Patrol encounters by Southwest sector, through {e(_month(s['fit_until']))} only "
            "(later months are read after the forecast is made, to score it)",
        ],
        [
            _badge("fitted"),
            "the status quo: the monthly model (level, season, sector shares) fitted on those months"
            + (
                f" (season half-life {e(fitted.get('season_half_life_years'))} years, level alpha "
                f"{e(fitted.get('level_alpha'))}, beta {e(fitted.get('level_beta'))})"
                if fitted
                else ""
            )
            + "; its band from its own past errors"
            + (
                f" at {e(cal.get('window_origins'))} earlier origins (p05–p95 held {_pct(cal['coverage_p05_p95'])} at "
                f"{e(cal.get('coverage_origins'))} origins)"
                if cal.get("coverage_p05_p95") is not None
                else ""
            ),
        ],
        [
            _badge("assumption"),
            f"each package's effect: the engine's simulated encounters under it over {e(status_quo)}'s, from the "
            "scenario's inputs below (its measures' strengths are assumptions, drawn over their ranges)",
        ],
    ]
    months = s.get("effect_months") or {}
    carried = [m for m, how in months.items() if str(how).startswith("carried")]
    if carried:
        rows.append(
            [
                _badge("assumption"),
                f"{e(_span(carried))}: beyond the simulated period, the last simulated month's effect carried "
                "(levers without an end date stay in force)",
            ]
        )
    return "<p>What this forecast rests on:</p>" + table(["kind", "input"], rows)


def _events_note(s: dict[str, Any]) -> str:
    events = s.get("past_events")
    if isinstance(events, list) and events:
        return f"Past-event experiments: {len(events)}, <a href='#past-events'>below</a>."
    return (
        "Past-event experiments are backtests of their own, from before each event "
        "(<code>--fit-until</code> before it); this summary holds none."
    )


def _score_rows(scores: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            e(x.get("policy") or ""),
            e(x["forecaster"]),
            f"{x['wape']:.3f}",
            f"{x['share_dissimilarity']:.3f}",
            f"{x['total_error']:+.1%}",
            "" if x.get("interval_score") is None else f"{x['interval_score']:,.0f}",
            "" if x.get("coverage") is None else _pct(x["coverage"]),
        ]
        for x in scores
    ]


_SCORE_HEAD = ["package", "forecast", "WAPE", "share dissimilarity", "total error", "interval score", "p05–p95 held"]


def _scores_section(s: dict[str, Any]) -> str:
    past = s["past_record"]
    out = [
        "<h2>How the model scored on the record</h2>",
        f"<p>At {e(past['origins'])} earlier origins, {e(past['first_origin'])} to {e(past['last_origin'])}, "
        f"each forecast of the next {len(s.get('months', []))} months made with the record known then:</p>",
        table(_SCORE_HEAD[1:], [r[1:] for r in _score_rows(past.get("scores", []))], numeric={1, 2, 3, 4, 5}),
    ]
    wins = past.get("model_p50_beats_on_wape_share_of_origins") or {}
    if wins:
        out.append(
            "<p class=note>Share of those origins where the model's p50 beat each on WAPE: "
            + e(", ".join(f"{k} {_pct(v)}" for k, v in wins.items()))
            + ".</p>"
        )
    if s.get("scores"):
        out.append(f"<p>Against the record for {e(_span(s.get('scored_months') or []))}, not seen by the fit:</p>")
        out.append(table(_SCORE_HEAD, _score_rows(s["scores"]), numeric={2, 3, 4, 5, 6}))
    else:
        out.append(f"<p class=note>The record read holds none of {e(_span(s['months']))}: no score yet.</p>")
    events = s.get("past_events")
    if isinstance(events, list) and events:
        out.append("<h3 id=past-events>Past events as experiments</h3>")
        for ev in events:
            if not isinstance(ev, dict):
                continue
            name = ev.get("event") or ev.get("name") or ""
            out.append(f"<p>{e(name)} (fitted through {e(ev.get('fit_until', '?'))}):</p>")
            out.append(table(_SCORE_HEAD, _score_rows(list(ev.get("scores", []))), numeric={2, 3, 4, 5, 6}))
    return "".join(out)


def _parts_section(s: dict[str, Any], packages: list[str]) -> str:
    dec = s.get("decomposition") or {}
    shown = [p for p in packages if p in dec]
    if not shown:
        return ""
    labels = list(dict.fromkeys(str(r["part"]) for p in shown for r in dec[p]))
    cells: dict[tuple[str, str], str] = {}
    for p in shown:
        for r in dec[p]:
            band = "" if r.get("p05") is None else f" ({r['p05']:.2f}–{r['p95']:.2f})"
            cells[(p, str(r["part"]))] = f"{_x(r['p50'])}{band}"
    rows = [[e(label), *(cells.get((p, label), "") for p in shown)] for label in labels]
    return (
        f"<h2>The change from {e(s['fit_until'])} split into parts</h2>"
        f"<p class=note>Factors that multiply, from {e(s['fit_until'])}'s {float(s['origin_total']):,.0f} to the mean "
        f"month of {e(_span(s['months']))}. The whole change's band is the status quo's past errors of the "
        "months' total combined with the members' effects; the season's band is what one past year's season did; "
        "the measures' band is over members.</p>" + table(["part", *(e(p) for p in shown)], rows)
    )


def _bands_section(page: Page, s: dict[str, Any], forecast: Any, record: Any, packages: list[str]) -> str:
    months = [str(m) for m in s["months"]]
    sectors = list(dict.fromkeys(str(x) for x in forecast["sector"]))
    before = sorted(m for m in set(record["month"].astype(str)) if m < months[0])
    axis = before + months
    pos = {m: i for i, m in enumerate(axis)}
    obs = {(str(r.month), str(r.sector)): float(r.encounters) for r in record.itertuples(index=False)}

    def series(sector: str | None, which: str) -> Any:
        out = np.full(len(axis), np.nan)
        for m in axis:
            if (m in months) == (which == "before"):
                continue
            vals = [obs.get((m, x)) for x in (sectors if sector is None else [sector])]
            if all(v is not None for v in vals):
                out[pos[m]] = sum(v for v in vals if v is not None)
        return out

    by = {(str(r.policy), str(r.month), str(r.sector)): (r.p05, r.p50, r.p95) for r in forecast.itertuples(index=False)}

    def band(package: str, sector: str) -> Any:
        out = np.full((3, len(axis)), np.nan)
        for m in months:
            if (package, m, sector) in by:
                out[:, pos[m]] = by[(package, m, sector)]
        return out

    parts = [
        "<h2>Forecast bands by sector and month</h2>",
        "<p class=note>Each package's p50 with its p05–p95 band, month by month; the record up to the origin as a "
        "line and, where the record holds the months forecast, as dots (the fit never saw them). The Southwest "
        "total shows the sums of the sectors' p50 only: the sum of their bands is not the total's band.</p>",
    ]
    total_lines = [Line(f"record through {s['fit_until']}", series(None, "before"), dashed=True)]
    for p in packages:
        p50 = np.full(len(axis), np.nan)
        for m in months:
            vals = [by.get((p, m, x)) for x in sectors]
            if all(v is not None for v in vals):
                p50[pos[m]] = sum(float(v[1]) for v in vals if v is not None)
        total_lines.append(Line(f"{p} (sum of sector p50)", p50))
    after = series(None, "after")
    if np.isfinite(after).any():
        total_lines.append(Line("record, months forecast", after, points=True))
    parts.append(
        page.figure(
            charts.month_chart("c-bt-total", "Southwest Border Patrol encounters, all sectors", axis, total_lines),
            "The sums of the sectors' p50 by package, and the record.",
            "southwest-total",
        )
    )
    for k, sector in enumerate(sectors):
        lines = [Line("record", series(sector, "before"), dashed=True)]
        lines += [Line(p, band(p, sector)) for p in packages]
        after = series(sector, "after")
        if np.isfinite(after).any():
            lines.append(Line("record, months forecast", after, points=True))
        parts.append(
            page.figure(
                charts.month_chart(f"c-bt-{k}", f"{sector}: Border Patrol encounters", axis, lines),
                "p50 and p05–p95 of each package; the record as a line up to the origin, as dots after it.",
                f"sector-{sector}",
            )
        )
    for p in packages:
        rows = []
        for sector in sectors:
            row = [e(sector)]
            for m in months:
                f = by.get((p, m, sector))
                if f is None:
                    row.append("")
                    continue
                cell = f"{float(f[1]):,.0f}<br><span class=note>{float(f[0]):,.0f}–{float(f[2]):,.0f}</span>"
                o = obs.get((m, sector))
                if o is not None:
                    inside = "in band" if float(f[0]) <= o <= float(f[2]) else "outside"
                    cell += f"<br><span class=note>record {o:,.0f}, {inside}</span>"
                row.append(cell)
            rows.append(row)
        parts.append(f"<h3>{e(p)}: p50, and p05–p95 below it</h3>")
        parts.append(table(["sector", *(e(m) for m in months)], rows, numeric=set(range(1, len(months) + 1))))
    return "".join(parts)
