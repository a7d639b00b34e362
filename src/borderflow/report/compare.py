"""Comparing two policy packages with common random numbers.

Each seed runs both packages; the paired differences give a band. Southwest encounters
(Border Patrol encounters in sectors plus people processed at ports) are split into
flows *reduced* and flows *displaced*: to other sectors (increases elsewhere) or to later
dates (more people still on the way or waiting in border cities at the end).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from borderflow.api import run
from borderflow.report.layers import RunLayers
from borderflow.results.result import Result
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.model import Scenario

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Outcome:
    """What matters in one run, over the comparison window."""

    encounters: float  # Southwest encounters in the window
    encounters_after: float  # after the window, within the simulated period
    by_sector: dict[str, float]
    arrivals_by_city: dict[str, float]
    port_queue_mean: dict[str, float]
    port_wait_mean: dict[str, float]
    overflow_person_days: float
    overflow_peak: float
    returned_south: float
    stranded_south: float  # people in southern places at the end
    pipeline_end: float  # people still in the home country (on the way, waiting, held in the south) at the end
    caravan_weekly: dict[str, list[float]] = field(default_factory=dict)  # size at the end of each week
    series_totals: dict[str, float] = field(default_factory=dict)  # declared series with compare=True, window total
    layers: RunLayers | None = None  # the run's daily values, for the report's map and bands


def _window(result: Result, window: tuple[dt.date, dt.date] | None) -> NDArray[np.bool_]:
    dates = np.array(result.dates, dtype="datetime64[D]")
    if window is None:
        return np.ones(len(dates), dtype=np.bool_)
    lo, hi = (np.datetime64(d, "D") for d in window)
    return (dates >= lo) & (dates <= hi)


def outcome(result: Result, window: tuple[dt.date, dt.date] | None = None) -> Outcome:
    sc = result.world.scenario
    b = result.border
    if b is None or sc.border is None:
        raise ScenarioError(
            sc.name, "border", "none; expected a border section (a comparison counts encounters at ports and sectors)"
        )
    w = _window(result, window)
    after = np.zeros_like(w)
    if w.any():
        after[np.flatnonzero(w)[-1] + 1 :] = True
    sector = b.arrays["sector_encounters"]
    daily = b.southwest_encounters()
    pop = result.series("population")
    in_transit = result.series("in_transit")
    arrivals = result.series("arrivals")
    idx = result.world.net.index
    in_caravan = result.record.arrays.get("in_caravan")
    walking_in_caravans = 0 if in_caravan is None else in_caravan[-1].sum() * sc.hasten
    south = [i for i, p in enumerate(sc.places) if p.lat is not None and p.lat < sc.border.south_latitude]
    home = sc.places[0].country
    pipeline_places = [i for i, p in enumerate(sc.places) if p.country == home]
    return Outcome(
        encounters=float(daily[w].sum()),
        encounters_after=float(daily[after].sum()),
        by_sector={s: float(sector[w, j].sum()) for j, s in enumerate(b.sectors)},
        arrivals_by_city={c: float(arrivals[w, idx[c]].sum()) for c in b.cities},
        port_queue_mean={p: float(b.arrays["port_queue"][w, j].mean()) for j, p in enumerate(b.ports)},
        port_wait_mean={p: float(b.arrays["port_wait_days"][w, j].mean()) for j, p in enumerate(b.ports)},
        overflow_person_days=float(b.arrays["city_overflow"][w].sum()),
        overflow_peak=float(b.arrays["city_overflow"][w].sum(axis=1).max(initial=0.0)),
        returned_south=float(result.series("returned")[w].sum()),
        stranded_south=float(pop[-1, south].sum()),
        pipeline_end=float(in_transit[-1].sum() + pop[-1, pipeline_places].sum() + walking_in_caravans),
        caravan_weekly={}
        if result.caravans is None
        else {n: result.caravans.size[6::7, j].tolist() for j, n in enumerate(result.caravans.names)},
        series_totals={s.name: float(result.series(s.name)[w].sum()) for s in result.record.specs if s.compare},
        layers=RunLayers.from_result(result),
    )


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    seeds: list[int]
    window: tuple[dt.date, dt.date] | None
    outcomes_a: list[Outcome]
    outcomes_b: list[Outcome]
    start: dt.date
    days: int
    parameter_sets: int = 0  # distinct calibrated parameter sets the runs drew from (0: the scenario's values)

    def paired(self, attr: str) -> FloatArray:
        """b - a per seed for a scalar outcome."""
        return np.array(
            [getattr(y, attr) - getattr(x, attr) for x, y in zip(self.outcomes_a, self.outcomes_b, strict=True)]
        )

    def mean(self, which: str, attr: str) -> float:
        outs = self.outcomes_a if which == "a" else self.outcomes_b
        return float(np.mean([getattr(o, attr) for o in outs]))

    def change_pct(self) -> tuple[float, float, float]:
        """Percentage change of window encounters: mean, and the min-max band over seeds."""
        base = np.array([o.encounters for o in self.outcomes_a])
        pct = 100.0 * self.paired("encounters") / np.maximum(base, 1.0)
        return float(pct.mean()), float(pct.min()), float(pct.max())

    def decomposition(self) -> dict[str, float]:
        """Mean over seeds, in people: how the change in window encounters splits up."""
        gross_down, to_other_sectors, later, pipeline = [], [], [], []
        for x, y in zip(self.outcomes_a, self.outcomes_b, strict=True):
            diffs = np.array([y.by_sector[s] - x.by_sector[s] for s in x.by_sector])
            ports = (y.encounters - sum(y.by_sector.values())) - (x.encounters - sum(x.by_sector.values()))
            gross_down.append(-diffs[diffs < 0].sum() - min(ports, 0.0))
            to_other_sectors.append(diffs[diffs > 0].sum() + max(ports, 0.0))
            later.append(max(y.encounters_after - x.encounters_after, 0.0))
            pipeline.append(max(y.pipeline_end - x.pipeline_end, 0.0))
        net = -self.paired("encounters")
        out = {
            "net_reduction": float(net.mean()),
            "gross_reduction": float(np.mean(gross_down)),
            "displaced_to_other_sectors_or_ports": float(np.mean(to_other_sectors)),
            "displaced_to_later_dates": float(np.mean(later) + np.mean(pipeline)),
        }
        deferred = min(out["displaced_to_later_dates"], max(out["net_reduction"], 0.0))
        out["reduced"] = max(out["net_reduction"] - deferred, 0.0)
        out["share_displaced_later_pct"] = 100.0 * deferred / out["net_reduction"] if out["net_reduction"] > 0 else 0.0
        return out

    def rows(self) -> list[list[tuple[str, float, float, str]]]:
        """The comparison table, in sections: (label, mean under a, mean under b, format)."""

        def both(get: Callable[[Outcome], float]) -> tuple[float, float]:
            return float(np.mean([get(o) for o in self.outcomes_a])), float(np.mean([get(o) for o in self.outcomes_b]))

        first = self.outcomes_a[0]
        main = [
            (label, *both(lambda o, k=attr: float(getattr(o, k))), "{:,.0f}")  # type: ignore[misc]
            for attr, label in (
                ("encounters", "Southwest encounters (window)"),
                ("encounters_after", "  after the window"),
                ("returned_south", "returned south"),
                ("stranded_south", "in southern Mexico at the end"),
                ("pipeline_end", "still in Mexico at the end (may come later)"),
                ("overflow_person_days", "shelter overflow (person-days)"),
                ("overflow_peak", "shelter overflow (peak)"),
            )
        ]
        places = []
        for key, label in (("by_sector", "encounters, sector"), ("arrivals_by_city", "arrivals, city")):
            for name in getattr(first, key):
                x, y = both(lambda o, k=key, n=name: float(getattr(o, k)[n]))  # type: ignore[misc]
                if x or y:
                    places.append((f"{label} {name}", x, y, "{:,.0f}"))
        ports = []
        for name in first.port_queue_mean:
            x, y = both(lambda o, n=name: o.port_queue_mean[n])  # type: ignore[misc]
            if x or y:
                wx, wy = both(lambda o, n=name: o.port_wait_mean[n])  # type: ignore[misc]
                ports += [
                    (f"mean queue, port {name}", x, y, "{:,.0f}"),
                    (f"mean wait (days), port {name}", wx, wy, "{:.1f}"),
                ]
        for name in first.series_totals:
            x, y = both(lambda o, n=name: o.series_totals[n])  # type: ignore[misc]
            ports.append((f"{name.replace('_', ' ')} (window total)", x, y, "{:,.0f}"))
        sections = [main, places, ports]
        weeks = [self.start + dt.timedelta(days=d) for d in range(6, self.days, 7)]
        for name in first.caravan_weekly:
            caravan = []
            for k, day in enumerate(weeks):
                x, y = both(lambda o, n=name, i=k: o.caravan_weekly[n][i])  # type: ignore[misc]
                if x or y:
                    caravan.append((f"caravan {name}, size on {day}", x, y, "{:,.0f}"))
            sections.append(caravan)
        return sections

    def verdict(self) -> str:
        mean, lo, hi = self.change_pct()
        d = self.decomposition()
        span = "the whole period" if self.window is None else f"{self.window[0]} to {self.window[1]}"
        verb = "lowers" if mean < 0 else "raises"
        amount = f"by {abs(mean):.0f}%"
        if round(mean) == 0:
            verb, amount = "hardly changes", f"({mean:+.1f}%)"
        text = (
            f"{self.b} {verb} Southwest encounters over {span} {amount} compared with {self.a} "
            f"(band {lo:+.0f}% to {hi:+.0f}% over {len(self.seeds)} paired seeds)"
        )
        if self.parameter_sets:
            text = text.replace(
                "paired seeds)",
                f"paired runs, each with its own seed and one of {self.parameter_sets} calibrated parameter sets: "
                "the band spans both the fitted parameters and the random draws)",
            )
        if mean < 0:
            text += f"; {d['share_displaced_later_pct']:.0f}% of that is displacement to later dates"
            if d["displaced_to_other_sectors_or_ports"] > 0:
                text += (
                    f", and {d['displaced_to_other_sectors_or_ports']:,.0f} encounters move to other sectors or ports"
                )
        return text + "."


def change(x: float, y: float) -> str:
    """The change from x to y in percent, as the comparison table prints it ("" from zero)."""
    return f"{100 * (y - x) / x:+.0f}%" if x else ""


def compare(
    scenario: Scenario,
    a: str | None,
    b: str | None,
    seeds: list[int],
    window: tuple[dt.date, dt.date] | None = None,
    parameter_sets: list[tuple[dict[str, float], float]] | None = None,
) -> Comparison:
    """Run packages a and b (None = no policies) with the same seeds: common random numbers.
    With `parameter_sets` (a calibration's accepted sets and weights), run k also takes one set,
    drawn in proportion to the weights, the same for both packages."""
    if window is not None:
        check_window(scenario, *window)
    if not seeds:
        raise ScenarioError(scenario.name, "seeds", "none; expected at least one seed")
    scenarios = [scenario] * len(seeds)
    used = 0
    if parameter_sets:
        from borderflow.ensemble.design import systematic
        from borderflow.ensemble.members import Member, member_scenario

        drawn = systematic([w for _, w in parameter_sets], len(seeds), seeds[0])
        data = scenario.model_dump(mode="json")
        scenarios = [
            member_scenario(data, Member(k, s, parameter_sets[j][0]))
            for k, (s, j) in enumerate(zip(seeds, drawn, strict=True))
        ]
        used = len(set(drawn.tolist()))
    outs_a = [outcome(run(sc, seed=s, policy=a or "none"), window) for sc, s in zip(scenarios, seeds, strict=True)]
    outs_b = [outcome(run(sc, seed=s, policy=b or "none"), window) for sc, s in zip(scenarios, seeds, strict=True)]
    return Comparison(
        a or "no policies",
        b or "no policies",
        seeds,
        window,
        outs_a,
        outs_b,
        scenario.start_date,
        scenario.days,
        used,
    )


def check_window(scenario: Scenario, first: dt.date, last: dt.date) -> None:
    """A ScenarioError unless first <= last and both fall within the scenario's period."""
    start, end = scenario.start_date, scenario.start_date + dt.timedelta(days=scenario.days - 1)
    if not start <= first <= last <= end:
        raise ScenarioError(
            scenario.name, "--window", f"{first}:{last}; expected FIRST <= LAST within the period {start}:{end}"
        )
