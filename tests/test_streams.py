"""Random streams and run determinism."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

import borderflow
from borderflow.engine.streams import Streams
from rules_kit import conflict, observed, place, route, scenario, start


def draws(streams: Streams, name: str, k: int = 8) -> list[int]:
    return [int(x) for x in streams[name].integers(0, 2**62, size=k)]


def test_streams_do_not_depend_on_the_order_of_first_use() -> None:
    a, b = Streams(42), Streams(42)
    first_a = {n: draws(a, n) for n in ("spawn", "move", "route")}
    first_b = {n: draws(b, n) for n in ("route", "policy", "move", "spawn")}
    assert first_a == {n: first_b[n] for n in first_a}


def test_a_stream_continues_where_it_left_off() -> None:
    s = Streams(3)
    one = draws(s, "move", 4) + draws(s, "move", 4)
    assert one == draws(Streams(3), "move", 8)
    assert s["move"] is s["move"]


def test_streams_differ_by_name_and_by_seed() -> None:
    s = Streams(7)
    by_name = {n: tuple(draws(s, n)) for n in ("spawn", "move", "route", "travel", "policy", "anything")}
    assert len(set(by_name.values())) == len(by_name)
    assert draws(Streams(7), "move") != draws(Streams(8), "move")


def test_streams_are_stable_across_processes() -> None:
    # names are hashed with crc32, not Python's salted hash(): another interpreter with
    # another hash seed must produce the same numbers
    code = (
        "from borderflow.engine.streams import Streams; print(Streams(5)['route'].integers(0, 2**62, size=4).tolist())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(draws(Streams(5), "route", 4))


# ----- determinism of whole runs -----------------------------------------------------------
def busy_scenario() -> borderflow.Scenario:
    return scenario(
        [
            place("O", "conflict", population=5000),
            place("T"),
            place("M", "marker"),
            place("K", "camp", "F", capacity=3000),
            place("J", "camp", "G"),
        ],
        [route("O", "T", 80), route("T", "M", 150), route("M", "K", 120), route("O", "J", 420), route("T", "J", 90)],
        days=40,
        move={"max_move_speed": 200, "awareness_level": 2},
        spawn={"data_driven": True},
        observations=[observed("K", [(0, 100), (39, 2500)]), observed("J", [(0, 0), (39, 4000)])],
        conflicts=[conflict("O")],
        departures=[start("T", 12.5, 0, 39)],
    )


def test_same_scenario_and_seed_give_identical_records() -> None:
    sc = busy_scenario()
    one, two = borderflow.run(sc, seed=99).record, borderflow.run(sc, seed=99).record
    assert one.arrays.keys() == two.arrays.keys()
    for name in one.arrays:
        np.testing.assert_array_equal(one.arrays[name], two.arrays[name], err_msg=name)
    assert one.departures.sum() > 1000  # a run with plenty of random decisions


def test_different_seeds_give_different_records() -> None:
    sc = busy_scenario()
    one, two = borderflow.run(sc, seed=1).record, borderflow.run(sc, seed=2).record
    assert not np.array_equal(one.population, two.population)
    assert not np.array_equal(one.departures, two.departures)
    # the data-driven new people (all at O, the only conflict zone) do not depend on the seed
    np.testing.assert_array_equal(one.new[:, 0], two.new[:, 0])
    assert one.new[:, 0].sum() > 0


def test_the_scenario_seed_is_the_default() -> None:
    sc = busy_scenario().with_seed(17)
    np.testing.assert_array_equal(borderflow.run(sc).record.population, borderflow.run(sc, seed=17).record.population)


# ----- policies' streams are named by identity, not by parameters or text ------------------
def _with_sources_edited(data: object) -> object:
    if isinstance(data, dict):
        return {k: ("edited note" if k == "source" else _with_sources_edited(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_with_sources_edited(v) for v in data]
    return data


def test_editing_every_source_text_leaves_every_output_identical() -> None:
    """Editing only the free-text `source` fields of caravan-2023 once changed its outputs."""
    original = borderflow.load_scenario("caravan-2023")
    data = original.model_dump(mode="json")
    edited = borderflow.Scenario.model_validate(_with_sources_edited(data))
    assert edited.content_hash() != original.content_hash()  # the edit did reach the scenario
    for package in original.policies:
        a = borderflow.run(original, seed=4, policy=package)
        b = borderflow.run(edited, seed=4, policy=package)
        assert a.to_pandas().equals(b.to_pandas()), package
        assert a.border_table().equals(b.border_table()), package
        assert a.caravan_table().equals(b.caravan_table()), package


def test_a_policys_stream_is_named_by_its_type_and_what_it_acts_on() -> None:
    from borderflow.policies.base import stream_names
    from borderflow.scenario.policy_specs import Incentives, Returns

    base = Returns(places=["A"], to="S", share_per_day=0.1, source="x")
    changed = Returns(places=["A"], to="S", share_per_day=0.9, source="y", start="2024-01-05", end="2024-02-01")
    other = Incentives(places=["A"], settle_share_per_day=0.2)
    # a strength, dates or notes: the same stream; what it acts on or its type: another
    assert stream_names([base]) == stream_names([changed])
    assert stream_names([Returns(places=["B"], to="S", share_per_day=0.1)]) != stream_names([base])
    assert len(set(stream_names([base, other]))) == 2
    # two policies of one type on the same places draw from two streams, in package order
    assert stream_names([base, changed]) == ["policy:returns:A|S#0", "policy:returns:A|S#1"]


def test_sampling_one_strength_leaves_every_stream_of_the_run_as_it_was() -> None:
    """An ensemble or calibration member that samples a strength keeps common random numbers:
    every policy of the package, the sampled one included, draws from the same streams."""
    from borderflow.engine.world import compile_world
    from borderflow.policies import build_policies

    sc = borderflow.load_scenario("caravan-2023")
    data = sc.model_dump(mode="json")

    def draws_in(pkg: str) -> int:
        return sum("share_per_day" in p or "bus_share" in p for p in data["policies"][pkg])

    package = max(sc.policies, key=draws_in)
    drawing = [k for k, p in enumerate(data["policies"][package]) if "share_per_day" in p or "bus_share" in p]
    assert drawing, "the test needs a policy that draws"
    names = [p.name for p in build_policies(sc.policies[package], compile_world(sc))]
    for k in drawing:
        spec = data["policies"][package][k]
        field = "share_per_day" if "share_per_day" in spec else "bus_share"
        spec[field] = 0.5 * float(spec[field]) + 0.25
        varied = borderflow.Scenario.model_validate(data)
        assert [p.name for p in build_policies(varied.policies[package], compile_world(varied))] == names
