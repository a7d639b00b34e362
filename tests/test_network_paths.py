"""Path enumeration (network/graph.py): loop-free, depth = awareness level, markers free."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from borderflow.network.graph import Network, build_network
from rules_kit import place, route, scenario


def paths_of(net: Network, origin: str | None = None) -> set[tuple[str, ...]]:
    """Every enumerated path as the names of the places it visits, origin first."""
    out: set[tuple[str, ...]] = set()
    for p in range(len(net.path_origin)):
        links = [int(x) for x in net.path_links[p] if x >= 0]
        names = (net.names[int(net.link_src[links[0]])], *(net.names[int(net.link_dst[x])] for x in links))
        if origin is None or names[0] == origin:
            out.add(names)
    return out


def square_with_tail(level: int) -> Network:
    #   A --- B
    #   |     |
    #   D --- C --- E
    places = [place(n) for n in "ABCDE"]
    routes = [route("A", "B", 10), route("B", "C", 20), route("C", "D", 30), route("D", "A", 40), route("C", "E", 50)]
    return build_network(scenario(places, routes, move={"awareness_level": level}))


def test_level_1_paths_are_the_neighbouring_links() -> None:
    net = square_with_tail(1)
    assert paths_of(net, "A") == {("A", "B"), ("A", "D")}
    assert paths_of(net, "C") == {("C", "B"), ("C", "D"), ("C", "E")}
    assert len(net.path_origin) == 2 * 5  # one per directed link


def test_level_2_paths_are_loop_free() -> None:
    net = square_with_tail(2)
    assert paths_of(net, "A") == {("A", "B"), ("A", "B", "C"), ("A", "D"), ("A", "D", "C")}
    # from E: E-C, then C's other neighbours; never back to E
    assert paths_of(net, "E") == {("E", "C"), ("E", "C", "B"), ("E", "C", "D")}


def test_level_3_paths_are_loop_free_and_complete() -> None:
    net = square_with_tail(3)
    got = paths_of(net, "A")
    assert got == {
        ("A", "B"),
        ("A", "B", "C"),
        ("A", "B", "C", "D"),
        ("A", "B", "C", "E"),
        ("A", "D"),
        ("A", "D", "C"),
        ("A", "D", "C", "B"),
        ("A", "D", "C", "E"),
    }
    for p in paths_of(net):
        assert len(set(p)) == len(p), f"path {p} visits a place twice"


def test_path_arrays_are_consistent() -> None:
    net = square_with_tail(3)
    for p in range(len(net.path_origin)):
        links = [int(x) for x in net.path_links[p] if x >= 0]
        # consecutive links join up, km is the sum, destination is the last link's end
        for a, b in itertools.pairwise(links):
            assert net.link_dst[a] == net.link_src[b]
        assert net.path_km[p] == pytest.approx(sum(net.link_km[x] for x in links))
        assert net.path_origin[p] == net.link_src[links[0]]
        assert net.path_dest[p] == net.link_dst[links[-1]]
        # the slots of the path are its links in order, chained by slot_next
        s = int(net.path_first_slot[p])
        for h, link in enumerate(links):
            assert net.slot_link[s] == link
            assert net.slot_path[s] == p
            nxt = int(net.slot_next[s])
            assert (nxt == -1) == (h == len(links) - 1)
            s = nxt
        o = net.path_origin[p]
        assert net.origin_start[o] <= p < net.origin_start[o] + net.origin_count[o]
    # the per-origin ranges list each path once, under its origin
    listed = [
        p for o in range(net.n_places) for p in range(net.origin_start[o], net.origin_start[o] + net.origin_count[o])
    ]
    assert listed == list(range(len(net.path_origin)))


def test_markers_do_not_use_up_a_level() -> None:
    # A - M1 - M2 - B - C, with M1 and M2 markers: at level 1, A's only path is A..B
    places = [place("A"), place("M1", "marker"), place("M2", "marker"), place("B"), place("C")]
    routes = [route("A", "M1", 10), route("M1", "M2", 10), route("M2", "B", 10), route("B", "C", 10)]
    net1 = build_network(scenario(places, routes, move={"awareness_level": 1}))
    assert paths_of(net1, "A") == {("A", "M1", "M2", "B")}  # no path ends at a marker
    assert paths_of(net1, "B") == {("B", "M2", "M1", "A"), ("B", "C")}
    # markers themselves are origins like any place (people at a marker move on)
    assert paths_of(net1, "M1") == {("M1", "A"), ("M1", "M2", "B")}
    net2 = build_network(scenario(places, routes, move={"awareness_level": 2}))
    assert paths_of(net2, "A") == {("A", "M1", "M2", "B"), ("A", "M1", "M2", "B", "C")}
    i = net2.names.index("A")
    km = {
        tuple(net2.names[int(net2.link_dst[x])] for x in net2.path_links[p] if x >= 0): net2.path_km[p]
        for p in range(net2.origin_start[i], net2.origin_start[i] + net2.origin_count[i])
    }
    assert km == {("M1", "M2", "B"): 30.0, ("M1", "M2", "B", "C"): 40.0}


def test_marker_dead_end_gives_no_path() -> None:
    places = [place("A"), place("M", "marker"), place("B")]
    routes = [route("A", "M", 10), route("A", "B", 10)]
    net = build_network(scenario(places, routes, move={"awareness_level": 3}))
    assert paths_of(net, "A") == {("A", "B")}
    assert paths_of(net, "B") == {("B", "A")}


def test_marker_paths_stay_loop_free() -> None:
    # a ring of markers around A must not let paths run round it
    places = [place("A"), place("M1", "marker"), place("M2", "marker"), place("B")]
    routes = [route("A", "M1", 1), route("M1", "M2", 1), route("M2", "A", 1), route("M2", "B", 1)]
    net = build_network(scenario(places, routes, move={"awareness_level": 1}))
    assert paths_of(net, "A") == {("A", "M1", "M2", "B"), ("A", "M2", "B")}


def test_level_0_offers_every_neighbouring_link() -> None:
    places = [place("A"), place("M", "marker"), place("B")]
    routes = [route("A", "M", 10), route("A", "B", 10)]
    net = build_network(scenario(places, routes, move={"awareness_level": 0}))
    assert paths_of(net, "A") == {("A", "M"), ("A", "B")}


def test_links_are_two_way_with_speeds() -> None:
    places = [place("A"), place("B"), place("C")]
    routes = [route("A", "B", 70), route("B", "C", 90, mode="foot"), route("A", "C", 500, max_move_speed=50)]
    net = build_network(scenario(places, routes, move={"max_move_speed": 200, "max_walk_speed": 30}))
    assert net.n_links == 6
    ab, ba = net.link_id("A", "B"), net.link_id("B", "A")
    assert net.link_reverse[ab] == ba
    assert net.link_reverse[ba] == ab
    assert net.link_km[ab] == net.link_km[ba] == 70
    assert net.link_speed[ab] == 200
    assert net.link_speed[net.link_id("C", "B")] == 30  # on foot
    assert net.link_speed[net.link_id("C", "A")] == 50  # per-route override
    assert np.all(net.country == 0)
    with pytest.raises(KeyError):
        net.link_id("A", "A")
