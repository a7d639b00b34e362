"""The HTML report of a results folder: a run, a policy comparison or an ensemble.

`render(folder)` reads only what the folder holds (its manifest, which carries the scenario's
data, and the tables the command wrote) and returns one self-contained page: first the
answer and which inputs it rests on, then the map, the time series, the comparison and every
input with its source.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from borderflow.report import charts
from borderflow.report.charts import Line
from borderflow.report.layers import RunLayers
from borderflow.report.netmap import MapValues, network_map
from borderflow.report.page import Page, e, table
from borderflow.report.provenance import KINDS, entries, kind_counts
from borderflow.results.folder import RESERVED, read_manifest_of
from borderflow.scenario.errors import ScenarioError

FloatArray = NDArray[np.float64]
KINDS_SHOWN = (*KINDS, "unstated")
MAX_CHARTS_PER_GROUP = 12  # observed places, sectors: beyond this the page grows without helping
EXPECTED = "expected a results folder written by borderflow run, compare, ensemble or backtest"


def render(folder: str | Path, backtest: str | Path | None = None) -> str:
    """The report page of a results folder (a ScenarioError, one line, for anything else).
    `backtest`: a backtest folder whose score the first screen quotes (default: one found
    beside the results folder, else "not backtested")."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, None, f"is not a folder; {EXPECTED}")
    manifest = read_manifest_of(folder)
    if manifest is None:
        raise ScenarioError(folder, None, f"has no borderflow manifest.json; {EXPECTED}")
    kind = manifest.get("kind", "run")
    given = None if backtest is None else Path(backtest)
    if kind == "backtest":
        if given is not None:
            raise ScenarioError(
                given, "--backtest", "is given for a backtest folder; expected it for a run, compare or ensemble"
            )
        from borderflow.report.backtest import backtest_page

        return backtest_page(folder, manifest, _inputs_summary, _provenance)
    if kind == "run":
        return _run_page(folder, manifest, given)
    if kind == "compare":
        return _compare_page(folder, manifest, given)
    if kind in ("ensemble", "ensembles"):
        return _ensemble_page(folder, manifest, given)
    raise ScenarioError(folder, None, f"holds {kind} results, which have no report; {EXPECTED}")


def _backtest_box(
    folder: Path, data: dict[str, Any], manifest: dict[str, Any], given: Path | None, package: str | None
) -> str:
    """The backtest's score, or "not backtested", for the first screen."""
    from borderflow.report.backtest import score_box

    home = folder.parent if folder.name in RESERVED else folder  # a report written while staging
    return score_box(home, str(data.get("name", "")), manifest.get("scenario_hash"), given, package)


# ----- shared sections -------------------------------------------------------------------
def _scenario(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    data = manifest.get("scenario_data")
    if not isinstance(data, dict):
        raise ScenarioError(
            folder / "manifest.json",
            "scenario_data",
            "missing (written by an older borderflow); expected the scenario's data: run the command again",
        )
    return data


def _dates(data: dict[str, Any], days: int) -> list[dt.date]:
    start = dt.date.fromisoformat(str(data["start_date"]))
    return [start + dt.timedelta(days=t) for t in range(days)]


def _badges(kinds: tuple[str, ...] | list[str]) -> str:
    return "".join(f'<span class="kind k-{k}">{k}</span>' for k in (kinds or ("unstated",)))


def _inputs_summary(data: dict[str, Any]) -> str:
    items = entries(data)
    counts = kind_counts(items)
    parts = [
        "<p>What the answer rests on: ",
        ", ".join(f"{_badges([k])} {counts[k]}" for k in KINDS_SHOWN if counts.get(k)),
        " inputs (an input may be several kinds; read from each input's <code>source</code>, "
        "<a href='#provenance'>every input below</a>).</p>",
    ]
    uncertain = [x for x in items if x.section == "uncertain"]
    if uncertain:
        rows = [[e(u.label), _badges(["uncertain"]) + " " + e(u.uncertain[0]), e(u.source)] for u in uncertain]
        parts.append("<p>Inputs known only within a range (<code>uncertain:</code>; an ensemble samples them):</p>")
        parts.append(table(["input", "range", "source"], rows))
    return "".join(parts)


def _provenance(data: dict[str, Any]) -> str:
    items = [x for x in entries(data) if x.section != "uncertain"]
    rows = [
        [
            e(x.section),
            e(x.label),
            _badges(x.kinds) + "".join(f" <b>{c}</b>" for c in x.confidence),
            e(x.source) or '<span class="note">no source given</span>',
            _badges(["uncertain"]) + " " + e(", ".join(x.uncertain)) if x.uncertain else "",
        ]
        for x in items
    ]
    missing = _unsourced(data)
    note = (
        f"<p class=note>Entries without a source are not listed: {e(missing)}.</p>"
        if missing
        else "<p class=note>Every entry of the scenario names its source.</p>"
    )
    return (
        "<h2 id=provenance>Inputs and their sources</h2>"
        "<p class=note>Kinds are read from the words of each source: observed (statistics, observed counts), "
        "fitted (calibrated to data), press (news reports), assumption (modelling choices). H, M and L are the "
        "scenario's own confidence marks (high, medium, low).</p>"
        + note
        + table(["section", "input", "kind", "source", "uncertain"], rows, cls="prov")
    )


def _unsourced(data: dict[str, Any]) -> str:
    counts = []
    for section in ("places", "routes", "departures", "conflicts", "closures", "caravans"):
        items = data.get(section) or []
        n = sum(1 for x in items if isinstance(x, dict) and not x.get("source"))
        if n:
            counts.append(f"{section} {n} of {len(items)}")
    return ", ".join(counts)


def _map_section(data: dict[str, Any], dates: list[dt.date], variants: dict[str, MapValues], note: str = "") -> str:
    drawn = network_map(data, [d.isoformat() for d in dates], variants)
    if drawn is None:
        return "<h2>Map</h2><p class=note>The scenario gives no coordinates: no map.</p>"
    svg, payload = drawn
    options = "".join(f'<option value="{e(k)}">{e(k)}</option>' for k in variants)
    legend = (
        '<p class="legend"><span style="color:#3b6ea5">● places: size = people staying</span>'
        '<span style="color:#e6873c">● sectors: size = Border Patrol encounters</span>'
        "<span>■ ports: colour = queue</span><span>— routes: colour and width = people travelling</span>"
        "<span>(pale yellow → dark red: low → high; one scale for all days)</span></p>"
    )
    return (
        "<h2>Map</h2>"
        f'<div class="controls"><button type="button" id="map-play">play</button>'
        f'<input type="range" id="map-day" min="0" max="{len(dates) - 1}" value="{len(dates) - 1}" '
        f'aria-label="day"><span id="map-date"></span>'
        f'<select id="map-variant" aria-label="which results"{" hidden" if len(variants) < 2 else ""}>'
        f"{options}</select></div>"
        f'<figure id="map"><div class="tools"><button type="button" data-export="svg">SVG</button>'
        f'<button type="button" data-export="png">PNG</button></div>{svg}</figure>'
        f"{legend}{f'<p class=note>{e(note)}</p>' if note else ''}"
        f'<script type="application/json" id="map-data">{payload}</script>'
    )


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _top(values: FloatArray, k: int) -> list[int]:
    """Indices of the k columns with the largest peak, in their original order."""
    if values.size == 0:
        return []
    peak = values.max(axis=0)
    keep = sorted(np.argsort(-peak, kind="stable")[:k].tolist())
    return [j for j in keep if peak[j] > 0] or keep[:1]


# ----- a run ------------------------------------------------------------------------------
def _run_page(folder: Path, manifest: dict[str, Any], given: Path | None = None) -> str:
    import pandas as pd

    data = _scenario(folder, manifest)
    layers = RunLayers.from_folder(folder)
    dates = _dates(data, layers.days)
    start = dates[0]
    daily = pd.read_parquet(folder / "daily.parquet")
    policy = manifest.get("policy") or "none"
    page = Page(f"{data['name']}: run, policy {policy}")
    page.add(
        f"<h1>{e(data['name'])}: one run</h1><p class=sub>policy package {e(policy)}, seed {e(manifest.get('seed'))}, "
        f"{dates[0]} to {dates[-1]} ({len(dates)} days), borderflow {e(manifest.get('borderflow_version'))}</p>"
    )
    facts: list[str] = []
    if layers.southwest_encounters is not None:
        sw = layers.southwest_encounters
        peak = int(np.argmax(sw))
        facts.append(
            f"<b>{_n(sw.sum())}</b> Southwest encounters over the period ({_n(sw.mean())} a day; "
            f"busiest day {dates[peak]} with {_n(sw[peak])})"
        )
    returned = float(daily["returned"].sum()) if "returned" in daily else 0.0
    if returned:
        facts.append(f"<b>{_n(returned)}</b> people sent back south")
    T = layers.days
    end_pop = float(layers.population[-1].sum()) if T else 0.0
    in_transit = float(daily["in_transit"].to_numpy().reshape(T, -1)[-1].sum()) if T and "in_transit" in daily else 0.0
    facts.append(
        f"<b>{_n(end_pop + in_transit)}</b> people in the network on the last day ({_n(in_transit)} on the road)"
    )
    if (folder / "border.parquet").is_file():
        border = pd.read_parquet(folder / "border.parquet")
        cities = border[border["kind"] == "city"]
        if len(cities):
            overflow = cities.groupby("date")["overflow"].sum()
            facts.append(f"shelter overflow at its peak: <b>{_n(float(overflow.max()))}</b> people")
    metrics = json.loads((folder / "metrics.json").read_text()) if (folder / "metrics.json").is_file() else {}
    if "averaged_relative_difference" in metrics:
        facts.append(
            f"error against the observations (Flee's averaged relative difference): "
            f"<b>{metrics['averaged_relative_difference']:.3f}</b>"
        )
    page.add('<div class="answer">' + "<br>".join(facts) + "</div>")
    page.add(_backtest_box(folder, data, manifest, given, manifest.get("policy")))
    page.add(_inputs_summary(data))
    page.add(_map_section(data, dates, {"run": MapValues.from_layers(layers)}))
    page.add("<h2>Over time</h2>")
    if layers.southwest_encounters is not None:
        page.add(
            page.figure(
                charts.time_chart(
                    "c-sw",
                    "Southwest encounters a day",
                    start,
                    [Line("all sectors and ports", layers.southwest_encounters)],
                ),
                "Border Patrol encounters in every sector plus people processed at every port, per day.",
                "southwest-encounters",
            )
        )
    if layers.sector_encounters is not None:
        page.add(
            page.figure(
                charts.time_chart(
                    "c-sectors",
                    "Border Patrol encounters a day, by sector",
                    start,
                    [Line(s, layers.sector_encounters[:, j]) for j, s in enumerate(layers.sectors)][:10],
                ),
                "One line per sector.",
                "sector-encounters",
            )
        )
    if layers.port_queue is not None:
        keep = _top(layers.port_queue, 8)
        page.add(
            page.figure(
                charts.time_chart(
                    "c-ports",
                    "Queue at the ports of entry (people waiting)",
                    start,
                    [Line(layers.ports[j], layers.port_queue[:, j]) for j in keep],
                ),
                f"The {len(keep)} ports with the longest queue at their peak.",
                "port-queues",
            )
        )
    keep = _top(layers.population, 8)
    page.add(
        page.figure(
            charts.time_chart(
                "c-places",
                "People staying at each place",
                start,
                [Line(layers.places[j], layers.population[:, j]) for j in keep],
            ),
            f"The {len(keep)} places with the most people at their peak.",
            "places",
        )
    )
    if (folder / "observed.parquet").is_file():
        page.add("<h2>Observed against simulated</h2>")
        obs = pd.read_parquet(folder / "observed.parquet")
        for k, place in enumerate(list(dict.fromkeys(obs["place"].tolist()))[:MAX_CHARTS_PER_GROUP]):
            rows = obs[obs["place"] == place]
            page.add(
                page.figure(
                    charts.time_chart(
                        f"c-obs{k}",
                        f"{place}: people",
                        start,
                        [
                            Line("simulated", rows["simulated"].to_numpy(dtype=np.float64)),
                            Line("observed", rows["observed"].to_numpy(dtype=np.float64), dashed=True),
                        ],
                    ),
                    "Observed counts as the scenario gives them (interpolated between observation dates).",
                    f"observed-{place}",
                )
            )
    page.add(_provenance(data))
    return page.render()


# ----- a comparison -----------------------------------------------------------------------
def _compare_page(folder: Path, manifest: dict[str, Any], given: Path | None = None) -> str:
    data = _scenario(folder, manifest)
    cmp = json.loads((folder / "comparison.json").read_text())
    days = int(cmp["days"])
    dates = _dates(data, days)
    start = dates[0]
    a, b = cmp["a"], cmp["b"]
    page = Page(f"{data['name']}: {b} against {a}")
    window = cmp.get("window")
    page.add(
        f"<h1>{e(data['name'])}: {e(b)} against {e(a)}</h1><p class=sub>{len(cmp['seeds'])} paired seeds "
        f"(common random numbers), {'window ' + e(window[0]) + ' to ' + e(window[1]) if window else 'the whole period'}; "
        f"borderflow {e(manifest.get('borderflow_version'))}</p>"
    )
    page.add(f'<div class="answer">{e(cmp["verdict"])}</div>')
    page.add(_backtest_box(folder, data, manifest, given, b))
    page.add(_inputs_summary(data))
    per_seed = {pkg: [RunLayers.from_json(r, days) for r in cmp["runs"][pkg]] for pkg in (a, b)}
    means = {pkg: RunLayers.from_json(cmp["mean"][pkg], days) for pkg in (a, b)}
    page.add(
        _map_section(
            data, dates, {pkg: MapValues.from_layers(means[pkg]) for pkg in (b, a)}, "Means over the paired seeds."
        )
    )
    d = cmp["decomposition"]
    page.add("<h2>The policy comparison: reduced or displaced</h2>")
    labels = [
        ("gross_reduction", "encounters reduced where they fell"),
        ("displaced_to_other_sectors_or_ports", "displaced to other sectors or ports"),
        ("displaced_to_later_dates", "displaced to later dates"),
        ("reduced", "reduced (not deferred)"),
    ]
    page.add(
        page.figure(
            charts.bar_chart(
                "c-decomp",
                f"{b} against {a}: where the change in encounters goes",
                [lbl for _, lbl in labels],
                [float(d[k]) for k, _ in labels],
                "people (mean over seeds)",
            ),
            "Encounters reduced where they fell split into what moved to other sectors or ports, what moved "
            "to later dates (after the window, or still on the way at the end) and what is reduced.",
            "reduced-displaced",
        )
    )
    page.add(
        table(
            ["outcome", e(a), e(b), "change"],
            [[e(r["label"]), _n(r["a"]), _n(r["b"]), e(r["change"])] for r in cmp["table"]],
            numeric={1, 2, 3},
        )
    )
    page.add("<h2>Over time</h2>")
    if means[a].southwest_encounters is not None:
        page.add(
            page.figure(
                charts.time_chart(
                    "c-sw",
                    "Southwest encounters a day",
                    start,
                    [Line(pkg, _spread([r.southwest_encounters for r in per_seed[pkg]])) for pkg in (a, b)],
                ),
                "Mean over the paired seeds, with the band from the lowest to the highest seed.",
                "southwest-encounters",
            )
        )
    for key, what, names in (
        ("sector_encounters", "Border Patrol encounters a day", means[a].sectors),
        ("port_queue", "Queue at the port", means[a].ports),
    ):
        for j, name in enumerate(names[: 2 * MAX_CHARTS_PER_GROUP]):
            series = {pkg: _spread([getattr(r, key)[:, j] for r in per_seed[pkg]]) for pkg in (a, b)}
            if not any(s.any() for s in series.values()):
                continue
            page.add(
                page.figure(
                    charts.time_chart(
                        f"c-{key}-{j}", f"{what}: {name}", start, [Line(pkg, s) for pkg, s in series.items()]
                    ),
                    "Mean over the paired seeds, with the band from the lowest to the highest seed.",
                    f"{key}-{name}",
                )
            )
    page.add(_provenance(data))
    return page.render()


def _spread(runs: list[Any]) -> FloatArray:
    """(3, days): lowest, mean and highest over runs."""
    stack = np.asarray(runs, dtype=np.float64)
    return np.stack([stack.min(axis=0), stack.mean(axis=0), stack.max(axis=0)])


# ----- an ensemble ------------------------------------------------------------------------
def _ensemble_page(folder: Path, manifest: dict[str, Any], given: Path | None = None) -> str:
    from borderflow.ensemble.members import slug
    from borderflow.ensemble.store import finished

    subs = [folder / f for f in manifest.get("folders", [])] if manifest.get("kind") == "ensembles" else [folder]
    ensembles: dict[str, tuple[Path, dict[str, Any], list[int]]] = {}
    for sub in subs:
        m = read_manifest_of(sub)
        done = sorted(finished(sub)) if m is not None and m.get("kind") == "ensemble" else []
        if m is None or not done:
            continue
        name = m.get("policy") or "none"
        ensembles[name if name != "none" else "no policy"] = (sub, m, done)
    if not ensembles:
        raise ScenarioError(folder, None, "holds no finished ensemble member; expected a finished ensemble")
    first = next(iter(ensembles.values()))[1]
    data = _scenario(folder, first)
    band: dict[str, dict[str, FloatArray]] = {}
    sums: dict[str, FloatArray] = {}
    for name, (sub, _, done) in ensembles.items():
        band[name], sums[name] = _member_bands(sub, done)
    days = next(iter(next(iter(band.values())).values())).shape[1]
    dates = _dates(data, days)
    start = dates[0]
    names = list(ensembles)
    page = Page(f"{data['name']}: ensemble ({', '.join(names)})")
    page.add(
        f"<h1>{e(data['name'])}: ensemble</h1><p class=sub>"
        + "; ".join(f"{e(n)}: {len(ensembles[n][2])} members" for n in names)
        + f", {dates[0]} to {dates[-1]}; design {e(first.get('design'))}, base seed {e(first.get('base_seed'))}</p>"
    )
    facts: list[str] = []
    totals: dict[str, FloatArray] = {}
    for name in ensembles:
        if "southwest_encounters" in band[name]:
            totals[name] = sums[name]
            q = np.quantile(totals[name], [0.05, 0.5, 0.95])
            facts.append(
                f"{e(name)}: <b>{_n(q[1])}</b> Southwest encounters over the period (median; 5–95 % of members "
                f"{_n(q[0])} to {_n(q[2])})"
            )
    if len(totals) >= 2:
        a, b = names[0], names[1]
        # paired when both ensembles ran the same members (same seeds and sampled values)
        if ensembles[a][2] == ensembles[b][2] and ensembles[a][1].get("members") == ensembles[b][1].get("members"):
            pct = 100.0 * (totals[b] - totals[a]) / np.maximum(totals[a], 1.0)
            q = np.quantile(pct, [0.05, 0.5, 0.95])
            verb = "lowers" if q[1] < 0 else "raises"
            facts.insert(
                0,
                f"{e(b)} {verb} Southwest encounters over the period by <b>{abs(q[1]):.0f}%</b> compared with {e(a)} "
                f"(median over {len(pct)} paired members; 5–95 % band {q[0]:+.0f}% to {q[2]:+.0f}%).",
            )
    page.add(
        '<div class="answer">' + ("<br>".join(facts) or "No border in this scenario: see the series below.") + "</div>"
    )
    page.add(_backtest_box(folder, data, first, given, names[1] if len(names) > 1 else names[0]))
    page.add(_inputs_summary(data))
    sectors = [s["place"] for s in (data.get("border") or {}).get("sectors", [])]
    variants = {
        name: MapValues(
            sector_encounters={
                s: band[name][f"encounters_{slug(s)}"][2] for s in sectors if f"encounters_{slug(s)}" in band[name]
            }
        )
        for name in names
    }
    page.add(
        _map_section(
            data,
            dates,
            variants,
            "Sectors sized by the members' median encounters. Ensemble members keep daily totals and per-sector "
            "series only, so places, routes and ports are drawn without values: a run's report maps them.",
        )
    )
    page.add("<h2>Over time, with bands over members</h2>")
    observed = {slug(o["place"]): o for o in data.get("observations", []) or []}
    series_names = list(dict.fromkeys(s for b in band.values() for s in b))
    for k, series in enumerate(series_names):
        lines = [Line(name, band[name][series]) for name in names if series in band[name]]
        obs_place = observed.get(series.removeprefix("population_")) if series.startswith("population_") else None
        if obs_place is not None:
            lines.append(Line("observed", _observed_on(obs_place, dates), points=True))
        page.add(
            page.figure(
                charts.time_chart(f"c-band-{k}", series.replace("_", " "), start, lines),
                "Median, 25–75 % and 5–95 % of the members, day by day."
                + (" Dots: the scenario's observations." if obs_place is not None else ""),
                series,
            )
        )
    page.add(_provenance(data))
    return page.render()


def _member_bands(sub: Path, done: list[int], memory_mb: float = 256.0) -> tuple[dict[str, FloatArray], FloatArray]:
    """Each series' (5 quantiles, days) band over the members `done`, and each member's Southwest
    encounters over the period (empty without that series): one read of each member file when
    all series fit in `memory_mb`, else ensemble.reduce.bands's bounded passes."""
    from borderflow.ensemble.reduce import bands, quantile_bands
    from borderflow.ensemble.store import read_member

    column = "southwest_encounters"
    first = read_member(sub, done[0])
    days = len(next(iter(first.values()))) if first else 0
    if len(done) * days * len(first) * 8 > memory_mb * 2**20:
        result = bands(sub, memory_mb=memory_mb)
        sums = [read_member(sub, k, [column])[column].sum() for k in done] if column in result else []
        return result, np.asarray(sums, dtype=np.float64)
    stack = {name: np.empty((len(done), days)) for name in first}
    for row, k in enumerate(done):
        for name, values in (first if row == 0 else read_member(sub, k, list(first))).items():
            stack[name][row] = values
    totals: FloatArray = stack[column].sum(axis=1) if column in stack else np.empty(0)
    return {name: quantile_bands(values) for name, values in stack.items()}, totals


def _observed_on(obs: dict[str, Any], dates: list[dt.date]) -> FloatArray:
    """The observation points (people) on the simulated days, NaN between them."""
    out = np.full(len(dates), np.nan)
    index = {d: t for t, d in enumerate(dates)}
    for p in obs.get("points", []):
        t = index.get(dt.date.fromisoformat(str(p["date"])))
        if t is not None:
            out[t] = float(p["count"])
    return out
