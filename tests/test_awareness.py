"""Any awareness level: paths as Flee's rule defines them, their choice probabilities, the
block-wise route draw, and level 5+ on real folders (network/graph.py, engine/movement.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from borderflow.engine.movement import _BLOCK_ROWS
from borderflow.network.graph import Network, build_network, check_path_limit, path_bounds
from borderflow.scenario import ScenarioError, load_scenario
from borderflow.scenario.limits import MAX_PATH_HOPS
from borderflow.scenario.model import Scenario
from rules_kit import place, route, scenario, simulation

SHARED = Path(os.environ.get("BORDERFLOW_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))
FABFLEE = SHARED / "scenarios" / "fabflee"


def walk_paths(net: Network, sc: Scenario) -> list[tuple[int, ...]]:
    """Flee's rule, read literally: from each place, follow every link to a place not yet on
    the path; a path ending at a non-marker place is one, and it goes on while fewer than
    `awareness_level` non-marker places follow the origin. Depth first, links in order."""
    level = sc.move_rules.awareness_level
    is_marker = [p.kind in ("marker", "forward") for p in sc.places]
    out: list[tuple[int, ...]] = []

    def go(links: tuple[int, ...], visited: set[int], used: int) -> None:
        end = int(net.link_dst[links[-1]])
        if not is_marker[end]:
            out.append(links)
            used += 1
        if used < level:
            for nxt in np.flatnonzero(net.link_src == end):
                if int(net.link_dst[nxt]) not in visited:
                    go((*links, int(nxt)), visited | {int(net.link_dst[nxt])}, used)

    for origin in range(net.n_places):
        for first in np.flatnonzero(net.link_src == origin):
            go((int(first),), {origin, int(net.link_dst[first])}, 0)
    return out


def random_scenario(rng: np.random.Generator, level: int, **move: float) -> Scenario:
    """A small random network: parallel routes, markers, camps, a foreign country."""
    n = int(rng.integers(3, 11))
    kinds = rng.choice(["town", "town", "town", "marker", "camp"], n)
    places = [place(f"p{i}", str(k), country="F" if i and rng.random() < 0.2 else "H") for i, k in enumerate(kinds)]
    pairs = [rng.choice(n, 2, replace=False) for _ in range(int(rng.integers(n - 1, 3 * n)))]
    routes = [route(f"p{a}", f"p{b}", float(rng.integers(5, 400))) for a, b in pairs]
    return scenario(places, routes, move={"awareness_level": level, **move})


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_paths_are_flees_in_the_order_of_a_depth_first_walk(level: int) -> None:
    rng = np.random.default_rng(100 + level)
    for _ in range(25):
        sc = random_scenario(rng, level)
        net = build_network(sc)
        got = [tuple(int(x) for x in row if x >= 0) for row in net.path_links]
        assert got == walk_paths(net, sc)
        paths, hops = path_bounds(sc)
        assert paths >= len(got)
        assert hops >= sum(len(p) for p in got)


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_choice_probabilities_are_flees_formula_over_every_path(level: int) -> None:
    # The engine's day-long choice table against the formula computed path by path from the
    # literal walk: weight = [(weight_softening + score(dest)) / (softening + km)^distance_power
    # x capMult(dest)]^weight_power, normalised per origin (capMult is 1: no capacities here).
    rng = np.random.default_rng(200 + level)
    rules = {"camp_weight": 3.0, "foreign_weight": 0.5, "weight_softening": 0.2, "weight_power": 1.5}
    for _ in range(20):
        sc = random_scenario(rng, level, distance_power=float(rng.choice([0.5, 1.0, 2.0])), **rules)
        sim = simulation(sc)
        net = sim.world.net
        mv = sim.movement
        mv.start_day(0)
        L = net.n_places
        mv.apply_levers(np.ones(L), np.ones(net.n_links, dtype=bool), np.ones(L), np.ones(len(net.slot_link), bool))
        probs, can = mv._day_choice(mv._no_capacity)
        score = np.ones(L)
        score[[p.country == "F" for p in sc.places]] *= 0.5
        score[[p.kind == "camp" for p in sc.places]] *= 3.0
        paths = walk_paths(net, sc)
        km = np.array([sum(net.link_km[x] for x in p) for p in paths])
        dest = np.array([net.link_dst[p[-1]] for p in paths])
        origin = np.array([net.link_src[p[0]] for p in paths])
        weight = ((0.2 + score[dest]) / (10.0 + km) ** sc.move_rules.distance_power) ** 1.5
        expected = weight / np.bincount(origin, weights=weight, minlength=L)[origin]
        np.testing.assert_allclose(probs, expected, rtol=1e-12)
        assert np.array_equal(can, np.bincount(origin, minlength=L) > 0)


def test_route_draws_in_blocks_equal_one_draw_over_all_rows() -> None:
    # The engine draws rows in blocks as wide as each block needs (movement._depart); it must
    # draw exactly what one multinomial call as wide as the busiest origin draws.
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 300, 1000)
    counts[::97] = 299  # the widest
    width = int(counts.max())
    probs = np.zeros((len(counts), width))
    for i, c in enumerate(counts):
        if c:
            w = rng.random(c) ** 3
            probs[i, :c] = w / w.sum()
        else:
            probs[i, 0] = 1.0
    movers = rng.integers(0, 10_000, len(counts))
    one = np.random.default_rng(11).multinomial(movers, probs)
    need = np.where(counts < width, counts + 1, counts)
    gen = np.random.default_rng(11)
    blocks = []
    for lo in range(0, len(counts), _BLOCK_ROWS):
        w = int(need[lo : lo + _BLOCK_ROWS].max())
        part = gen.multinomial(movers[lo : lo + _BLOCK_ROWS], probs[lo : lo + _BLOCK_ROWS, :w])
        blocks.append(np.pad(part, ((0, 0), (0, width - w))))
    assert np.array_equal(np.concatenate(blocks), one)


def test_any_level_runs_on_a_sparse_network_in_little_time() -> None:
    # A chain of 40 places and a ring of 3 at awareness 10^9: loop-free paths end where the
    # network does, so the level costs nothing beyond them.
    chain = [place(f"c{i}") for i in range(40)]
    ring = [place("r0"), place("r1"), place("r2")]
    routes = [route(f"c{i}", f"c{i + 1}", 10) for i in range(39)]
    routes += [route("r0", "r1", 10), route("r1", "r2", 10), route("r2", "r0", 10)]
    sc = scenario([*chain, *ring], routes, move={"awareness_level": 10**9})
    t0 = time.process_time()
    check_path_limit(sc, "sparse")
    net = build_network(sc)
    assert time.process_time() - t0 < 2.0
    # every ordered pair of chain places once; on the ring, two ways to each of two others
    assert len(net.path_km) == 40 * 39 + 3 * 4
    assert path_bounds(sc)[0] >= len(net.path_km)


def test_a_dense_network_at_a_high_level_is_refused_in_little_time() -> None:
    places = [place(f"p{i}") for i in range(40)]
    routes = [route(f"p{i}", f"p{j}", 10) for i in range(40) for j in range(i + 1, 40)]
    for level in (4, 10**9):
        sc = scenario(places, routes, move={"awareness_level": level})
        t0 = time.process_time()
        with pytest.raises(ScenarioError, match=str(MAX_PATH_HOPS)):
            check_path_limit(sc, "dense")
        assert time.process_time() - t0 < 1.0


def _folder_at_level(tmp_path: Path, name: str, level: int) -> Path:
    """The corpus folder `name` read where it lies (links), with its simsetting.yml at `level`."""
    src = FABFLEE / name
    if not src.is_dir():
        pytest.skip(f"needs {src}")
    dst = tmp_path / name
    dst.mkdir()
    for item in src.iterdir():
        if item.name != "simsetting.yml":
            (dst / item.name).symlink_to(item)
    text = (src / "simsetting.yml").read_text()
    lines = [ln if "awareness_level" not in ln else f"  awareness_level: {level}" for ln in text.splitlines()]
    (dst / "simsetting.yml").write_text("\n".join(lines) + "\n")
    return dst


@pytest.mark.parametrize(("name", "level"), [("ssudan_whole", 6), ("mali2012", 5)])
def test_level_5_and_more_on_real_folders_runs_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, level: int
) -> None:
    import borderflow

    monkeypatch.setenv("BORDERFLOW_DATA_ROOT", str(SHARED))  # the observations stay where they lie
    folder = _folder_at_level(tmp_path, name, level)
    t0 = time.perf_counter()
    sc = load_scenario(folder)
    assert sc.move_rules.awareness_level == level
    sc = sc.model_copy(update={"days": 60})
    result = borderflow.run(sc, seed=1)
    elapsed = time.perf_counter() - t0
    net = result.world.net
    # measured 2-4 s on a shared 2-core machine (docs/limits.md); 60 s leaves room for load
    assert elapsed < 60.0, f"{name} at awareness {level}: {elapsed:.1f} s"
    hops = (net.path_links >= 0).sum(axis=1)
    assert hops.max() >= level  # plans as deep as the level (markers add links, never remove)
    assert result.series("arrivals").sum() > 0
