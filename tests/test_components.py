"""The engine's component protocol: a mechanism plugs in through DayView verbs alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderflow.engine.components import Component, DayView, SeriesSpec
from borderflow.engine.simulation import Simulation
from borderflow.engine.world import compile_world
from borderflow.scenario.model import Scenario
from rules_kit import assert_binomial, idx, place, scenario, start


class BusTickets(Component):
    """docs/components.md's worked example, built from the protocol alone: each day a share
    of the people staying at `frm` is taken to `to`."""

    def __init__(self, frm: int, to: int, share: float, name: str = "bus-tickets") -> None:
        self.frm, self.to, self.share, self.name = np.array([frm]), to, share, name
        self.taken: list[int] = []

    def after_moves(self, view: DayView) -> None:
        taken = view.take(self.frm, self.share)
        view.release(self.to, int(taken.sum()))
        view.tally("returned", self.frm, taken)
        self.taken.append(int(taken.sum()))


def _sc() -> Scenario:
    # no routes: nobody moves by the route rules, only the component moves people
    return scenario([place("A"), place("C")], days=6, departures=[start("A", 10_000)])


def test_a_component_acts_through_verbs_with_hand_computed_counts() -> None:
    sc = _sc()
    a, c = idx(sc, "A"), idx(sc, "C")
    bus = BusTickets(a, c, 0.25)
    sim = Simulation(compile_world(sc), 3, [bus])
    rec = sim.run()
    # day 0: 10,000 appear at A; each day a quarter of those still there are taken to C
    left = 10_000
    for t in range(6):
        assert_binomial(bus.taken[t], left, 0.25, f"day {t}")
        left -= bus.taken[t]
        assert rec.population[t, a] == left
        assert rec.population[t, c] == 10_000 - left  # nobody lost
        assert rec.returned[t, a] == bus.taken[t]


def test_a_components_draws_come_from_the_stream_named_after_it() -> None:
    sc = _sc()
    a, c = idx(sc, "A"), idx(sc, "C")
    runs = [Simulation(compile_world(sc), 3, comps).run() for comps in ([BusTickets(a, c, 0.25)],) * 2]
    assert np.array_equal(runs[0].population, runs[1].population)  # same name, same seed: same draws
    other = Simulation(compile_world(sc), 3, [BusTickets(a, c, 0.25, name="other")]).run()
    assert not np.array_equal(runs[0].population, other.population)


def test_components_run_by_rank_within_each_hook() -> None:
    order: list[str] = []

    class Probe(Component):
        def __init__(self, name: str, before: int, after: int) -> None:
            self.name, self.before_rank, self.after_rank = name, before, after

        def before_moves(self, view: DayView) -> None:
            order.append(f"before {self.name}")

        def after_moves(self, view: DayView) -> None:
            order.append(f"after {self.name}")

    sc = scenario([place("A")], days=1)
    Simulation(compile_world(sc), 0, [Probe("x", 20, 0), Probe("y", 10, 10), Probe("z", 10, 0)]).run()
    assert order == ["before y", "before z", "before x", "after x", "after z", "after y"]


def test_an_unknown_tally_is_refused() -> None:
    sim = Simulation(compile_world(scenario([place("A")], days=1)), 0)
    sim.step()
    view = DayView(sim, 0)
    with pytest.raises(ValueError, match="unknown tally"):
        view.tally("vanished", 0, 1)


def test_a_new_output_series_is_one_declaration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Declared once (here added to the engine's list), a series reaches Parquet, ensemble
    members and comparisons with no other change."""
    import pandas as pd

    import borderflow
    from borderflow.engine import simulation
    from borderflow.ensemble import run_ensemble
    from borderflow.ensemble.members import series_names
    from borderflow.ensemble.store import read_member
    from borderflow.report.compare import compare
    from borderflow.results import write_results

    doubled = SeriesSpec("doubled", "twice the people staying", lambda v: 2 * v.staying(), ensemble=True, compare=True)
    monkeypatch.setattr(simulation, "CORE_SERIES", (*simulation.CORE_SERIES, doubled))
    sc = borderflow.load_scenario("caravan-2023").model_copy(update={"uncertain": []})  # member 0 = the base run
    result = borderflow.run(sc, seed=1)
    out = write_results(result, tmp_path / "run")
    daily = pd.read_parquet(out / "daily.parquet")
    assert (daily["doubled"] == 2 * daily["population"]).all()
    assert "doubled_total" in series_names(sc)
    ens = run_ensemble(sc, 1, tmp_path / "ens", seed=1)
    member = read_member(ens, 0)
    np.testing.assert_array_equal(member["doubled_total"], 2 * result.series("population").sum(axis=1))
    cmp = compare(sc, None, sc.default_policy, [1])
    assert (
        cmp.outcomes_a[0].series_totals["doubled"]
        == 2 * borderflow.run(sc, seed=1, policy="none").series("population").sum()
    )
