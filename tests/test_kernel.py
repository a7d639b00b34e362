"""The compiled movement kernel (engine/kernel.py) against the NumPy reference (engine/movement.py).

The kernel draws from the same generators in the same order with the same arithmetic, so
the test asks for identical records (every series, every link flow, every day) and for the
generators to end in the same state: the golden cases, caravan-2023, Flee folders with
capacities and closures, and random networks x seeds that switch on every rule the kernel
implements (capacities, closures, travel modes, start_on_foot, avoid_short_stints,
awareness 0-3, weight powers).

numba compiles the kernel once per session (~35 s of CPU the first time; read from its
on-disk cache afterwards): `compiled` below is session-scoped and reports the seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import borderflow
from borderflow.engine import kernel, simulation
from borderflow.engine.simulation import DailyRecord, Simulation
from borderflow.engine.world import compile_world
from borderflow.scenario.model import ModeShare, Scenario
from golden_cases import CASES
from rules_kit import closure, conflict, place, route, scenario, start


@pytest.fixture(scope="session")
def compiled() -> float:
    """Compile (or load from cache) the kernel once for the session; its seconds, printed."""
    t0 = time.perf_counter()
    kernel.load()
    sc = scenario([place("A", "conflict"), place("B")], [route("A", "B", 10.0)], days=1)
    Simulation(compile_world(sc), 0, kernel="compiled").run()
    seconds = time.perf_counter() - t0
    print(f"\ncompiled kernel ready in {seconds:.1f} s (cache: {kernel.cache_dir()})")
    return seconds


def _both(sc: Scenario, seed: int) -> tuple[DailyRecord, DailyRecord, Simulation, Simulation]:
    world = compile_world(sc)
    a, b = Simulation(world, seed, kernel="numpy"), Simulation(world, seed, kernel="compiled")
    return a.run(), b.run(), a, b


def _assert_identical(sc: Scenario, seed: int) -> DailyRecord:
    ref, got, sa, sb = _both(sc, seed)
    for name in ref.arrays:
        diff = np.argwhere(ref.arrays[name] != got.arrays[name])
        assert len(diff) == 0, f"{sc.name} seed {seed}: {name} differs first on (day, place) {diff[0].tolist()}"
    assert np.array_equal(ref.link_flow, got.link_flow), f"{sc.name} seed {seed}: link flows differ"
    for stream in ("move", "route", "travel"):
        # the same number of draws: both generators end in the same state
        assert sa.streams[stream].random() == sb.streams[stream].random(), f"{sc.name}: stream {stream}"
    assert np.array_equal(sa.state.resting, sb.state.resting)
    assert np.array_equal(sa.state.transit, sb.state.transit)
    return ref


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_cases_identical(compiled: float, name: str) -> None:
    sc, seed = CASES[name]()
    if sc is None:
        pytest.skip(f"golden case {name} needs ../shared")
    for s in (seed, seed + 1):
        rec = _assert_identical(sc, s)
        assert rec.arrivals.sum() > 0  # people moved: the comparison is not of two empty runs


def test_caravan_2023_identical(compiled: float) -> None:
    sc = borderflow.load_scenario("caravan-2023")
    for seed in (0, 1):
        _assert_identical(sc, seed)


def test_flee_folder_identical(compiled: float, flee_dir: Path) -> None:
    """burundi: five camps with capacities, 396 days at its own hasten (the golden case
    mali2012 adds closures)."""
    sc = borderflow.load_scenario(flee_dir / "burundi")
    _assert_identical(sc, 0)


def _random_scenario(seed: int) -> Scenario:
    """A random connected network with every rule the kernel implements switched at random."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 30))
    kinds = rng.choice(["town", "town", "conflict", "camp", "idpcamp", "marker"], n)
    kinds[0] = "conflict"
    places = []
    with_capacities = rng.random() < 0.6
    for i in range(n):
        kw: dict[str, Any] = {"country": "H" if rng.random() < 0.7 else "F"}
        if with_capacities and kinds[i] in ("camp", "idpcamp") and rng.random() < 0.7:
            kw["capacity"] = int(rng.integers(5, 400))
        places.append(place(f"P{i}", str(kinds[i]), **kw))
    edges = {(int(rng.integers(0, i)), i) for i in range(1, n)}  # a tree: connected
    for _ in range(int(rng.integers(0, n))):
        a, b = sorted(int(x) for x in rng.choice(n, 2, replace=False))
        edges.add((a, b))
    multimode = rng.random() < 0.5
    routes = []
    for a, b in sorted(edges):
        km = float(rng.choice([rng.uniform(1, 30), rng.uniform(30, 400), rng.uniform(400, 900)]))
        kw = {}
        if multimode and rng.random() < 0.5:
            s = float(rng.uniform(0.1, 0.9))
            kw["modes"] = [ModeShare(mode="foot", share=s), ModeShare(mode="road", share=1.0 - s)]
        routes.append(route(f"P{a}", f"P{b}", km, **kw))
    days = int(rng.integers(10, 40))
    closures = []
    for _ in range(int(rng.integers(0, 3))):
        a, b = sorted(edges)[int(rng.integers(0, len(edges)))]
        t = int(rng.integers(0, days))
        closures.append(closure("link", f"P{a}", f"P{b}", t=t, until=t + int(rng.integers(1, 10))))
    conflict_places = [i for i in range(n) if kinds[i] == "conflict"]
    capacities = any(p.capacity for p in places)
    move = {
        "awareness_level": int(rng.integers(0, 4)),
        "start_on_foot": bool(rng.random() < 0.4),
        "avoid_short_stints": bool(rng.random() < 0.4),
        # any power without capacities (NumPy computes it once a day, for both kernels);
        # with capacities the kernel computes it per wave, identically for these three
        "weight_power": float(rng.choice([1.0, 2.0, 0.5] if capacities else [1.0, 2.0, 1.7])),
        "softening": float(rng.choice([0.0, 10.0])),
        "max_move_speed": float(rng.choice([40.0, 200.0, 360.0])),
    }
    return scenario(
        places,
        routes,
        days=days,
        move=move,
        departures=[start(f"P{i}", float(rng.integers(1, 3000)), 0, days - 1) for i in conflict_places],
        conflicts=[conflict(f"P{i}") for i in conflict_places],
        closures=closures,
    )


@pytest.mark.parametrize("net", range(16))
def test_random_networks_identical(compiled: float, net: int) -> None:
    sc = _random_scenario(net)
    for seed in (0, 7):
        _assert_identical(sc, seed)


def test_network_without_paths_identical(compiled: float) -> None:
    sc = scenario([place("A", "conflict"), place("B")], days=5, departures=[start("A", 50.0, 0, 4)])
    rec = _assert_identical(sc, 0)
    assert rec.population[-1].sum() == 250  # nobody can go anywhere: all stay


def test_generated_network_identical(compiled: float) -> None:
    """bench/scale.py's generator at awareness 3: thousands of places choosing among up to
    hundreds of paths, so the path choice is drawn in blocks of rows (movement._ONE_BLOCK)."""
    pytest.importorskip("scipy")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from borderflow.scenario.native import scenario_from_data
    from scale import Shape, generate

    sc = scenario_from_data(generate(Shape(places=2_000, days=12, people=200_000)), "generated")
    world = compile_world(sc)
    assert len(world.net.origin_count) * int(world.net.origin_count.max()) > (1 << 16)
    _assert_identical(sc, 0)


def test_kernel_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(kernel.ENV, "numpy")
    assert kernel.choose(None) == "numpy"
    assert kernel.choose("compiled") == "compiled"
    monkeypatch.delenv(kernel.ENV)
    assert kernel.choose(None) == "auto"
    monkeypatch.setenv(kernel.ENV, "fast")
    with pytest.raises(ValueError, match="expected one of numpy, compiled, auto"):
        kernel.choose(None)


@pytest.mark.parametrize(
    ("threshold", "loaded", "ends_on"), [(0.0, True, "compiled"), (1e9, False, "numpy"), (1e9, True, "compiled")]
)
def test_auto_switches_when_the_rest_of_the_run_is_long(
    monkeypatch: pytest.MonkeyPatch, compiled: float, threshold: float, loaded: bool, ends_on: str
) -> None:
    """auto: NumPy first, the compiled kernel (cached: the session compiled it) once the rest
    of the run is projected to cost more than the threshold, or from the start when this
    process has loaded it already; the records stay identical."""
    monkeypatch.setattr(simulation, "AUTO_SWITCH_S", threshold)
    if not loaded:
        monkeypatch.setattr(kernel, "_compiled", None)
    sc = borderflow.load_scenario("caravan-2023")
    world = compile_world(sc)
    auto = Simulation(world, 4, kernel="auto")
    got = auto.run()
    assert auto.movement.kernel == ends_on
    ref = Simulation(world, 4, kernel="numpy").run()
    for name in ref.arrays:
        assert np.array_equal(ref.arrays[name], got.arrays[name]), name


def test_pairwise_sum_is_numpys() -> None:
    rng = np.random.default_rng(3)
    for n in [*range(1, 140), 255, 256, 1000, 1031, 5000, 70_001]:
        a = rng.random(n) ** 3 * 10.0 ** rng.integers(-6, 6, n)
        assert kernel._pairwise(a, 0, n) == a.sum(), n
