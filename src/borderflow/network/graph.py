"""The route network compiled to arrays, and the loop-free paths people choose between.

Routes are two-way; each becomes two directed links. A *path* is a loop-free sequence of
links from an origin, as long as the awareness level allows (marker places do not use up
a level, as in Flee). A path's hops are *slots*: the engine keeps people in transit per
slot, so people following a multi-hop plan stay distinguishable while people without one
are simply counts per place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.limits import MAX_PATHS
from borderflow.scenario.model import Scenario

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Network:
    """Places, directed links and enumerated paths as flat arrays."""

    names: tuple[str, ...]
    index: dict[str, int]
    country: IntArray  # country id per place
    countries: tuple[str, ...]
    # directed links
    link_src: IntArray
    link_dst: IntArray
    link_km: FloatArray
    link_speed: FloatArray  # km/day on this link
    link_reverse: IntArray  # the opposite direction's link id
    # paths: origin, destination, total km, first slot
    path_origin: IntArray
    path_dest: IntArray
    path_km: FloatArray
    path_links: IntArray  # (P, H) link ids, -1 padded
    path_first_slot: IntArray
    # slots: one per hop of a path
    slot_link: IntArray
    slot_next: IntArray  # next slot of the same path, -1 at the last hop
    slot_path: IntArray
    # a hop with several travel modes has one slot per mode, consecutive from its first
    slot_mode: IntArray  # MODE_CODE of the slot's travel mode
    slot_share: FloatArray  # share of people entering the hop who take this mode
    slot_speed: FloatArray  # km/day in this mode
    slot_first: IntArray  # the hop's first slot
    hop_variants: IntArray  # (S, V) slot ids of the hop's modes, by first slot, -1 padded
    # per-origin table of its paths, -1 padded: (L, J)
    origin_paths: IntArray

    @property
    def n_places(self) -> int:
        return len(self.names)

    @property
    def n_links(self) -> int:
        return len(self.link_src)

    def link_id(self, a: str, b: str) -> int:
        ia, ib = self.index[a], self.index[b]
        hits = np.flatnonzero((self.link_src == ia) & (self.link_dst == ib))
        if len(hits) == 0:
            raise KeyError(f"no route from {a} to {b}")
        return int(hits[0])


def _enumerate_paths(
    n: int, out_links: list[list[int]], link_dst: list[int], is_marker: list[bool], awareness: int
) -> list[list[int]]:
    """Loop-free link sequences per origin, ending at non-marker places (Flee's rule)."""
    paths: list[list[int]] = []

    def walk(origin_and_visited: list[int], links: list[int], step: int) -> None:
        last = links[-1]
        end = link_dst[last]
        if not is_marker[end]:
            paths.append(links)
            if len(paths) > MAX_PATHS:
                raise _TooManyPaths
        else:
            step -= 1  # a marker does not use up a level of awareness
        if awareness > step:
            for nxt in out_links[end]:
                if link_dst[nxt] in origin_and_visited or link_dst[nxt] == end:
                    continue
                walk([*origin_and_visited, end], [*links, nxt], step + 1)

    for origin in range(n):
        for first in out_links[origin]:
            walk([origin], [first], 1)
    return paths


def path_bound(n: int, src: list[int], dst: list[int], rev: list[int], is_marker: list[bool], awareness: int) -> float:
    """An upper bound on the paths _enumerate_paths finds, in milliseconds instead of minutes.

    It counts non-backtracking link sequences under the same awareness rule (a marker uses up
    no level), by dynamic programming over links: C(l, r) counts the sequences that start with
    link l with r levels left. Loops longer than a return to the previous place are counted
    too, so the bound is above the truth (by 7% on the 20,704-place Netherlands network at
    awareness 5). Chains of markers are followed for up to n steps; a cycle of markers makes
    it infinite, and the caller then counts exactly while enumerating.
    """
    if not src:
        return 0.0
    s = np.asarray(src)
    d = np.asarray(dst)
    r_ = np.asarray(rev)
    ends_at_marker = np.asarray(is_marker, dtype=bool)[d]
    counted = (~ends_at_marker).astype(np.float64)

    def out_sums(c: FloatArray) -> FloatArray:
        return np.asarray(np.bincount(s, weights=c, minlength=n), dtype=np.float64)

    prev = np.zeros(len(s))
    with np.errstate(over="ignore", invalid="ignore"):
        for level in range(awareness):
            before = out_sums(prev)
            base = counted + np.where(~ends_at_marker & (level > 0), before[d] - prev[r_], 0.0)
            cur = base.copy()
            if ends_at_marker.any():
                for _ in range(n + 1):
                    nxt = base + np.where(ends_at_marker, out_sums(cur)[d] - cur[r_], 0.0)
                    if np.array_equal(nxt, cur):
                        break
                    cur = nxt
                    if not np.isfinite(cur).all() or cur.sum() > MAX_PATHS:
                        return float("inf")
                else:
                    return float("inf")
            prev = cur
    return float(prev.sum())


def check_path_limit(scenario: Scenario, source: object) -> None:
    """Refuse, before any work, a network whose paths at its awareness level would explode
    (ScenarioError naming `source` and the awareness level)."""
    rules = scenario.move_rules
    if rules.awareness_level == 0:
        return
    index = {p.name: i for i, p in enumerate(scenario.places)}
    src: list[int] = []
    dst: list[int] = []
    rev: list[int] = []
    for r in scenario.routes:
        a, b = index[r.a], index[r.b]
        rev += [len(src) + 1, len(src)]
        src += [a, b]
        dst += [b, a]
    is_marker = [p.kind in ("marker", "forward") for p in scenario.places]
    bound = path_bound(len(index), src, dst, rev, is_marker, rules.awareness_level)
    if MAX_PATHS < bound < float("inf"):
        raise ScenarioError(
            str(source),
            "move_rules.awareness_level",
            f"{rules.awareness_level} gives up to {bound:.3g} paths through this network of {len(index)} places and "
            f"{len(scenario.routes)} routes; expected at most {MAX_PATHS} (a lower awareness level or fewer routes "
            "per place; see docs/limits.md)",
        )


class _TooManyPaths(Exception):
    pass


MODE_CODE = {"any": 0, "foot": 1, "road": 2, "rail": 3}


def _hop_variants(slot_first: list[int]) -> IntArray:
    """For each slot that starts a hop, the slot ids of all its modes (-1 padded)."""
    first = np.array(slot_first, dtype=np.int64)
    width = int(np.bincount(first).max(initial=1)) if len(first) else 1
    out = np.full((len(first), width), -1, dtype=np.int64)
    for s, f in enumerate(first):
        row = out[f]
        row[np.argmax(row < 0)] = s
    return out


_CACHE: dict[str, Network] = {}
_CACHE_SIZE = 8  # ensemble members usually share their network: build it once per process


def build_network(scenario: Scenario) -> Network:
    """The compiled network of a scenario (cached by what it depends on: places, routes, rules)."""
    key = json.dumps(
        [
            [(p.name, p.kind, p.country) for p in scenario.places],
            [r.model_dump(mode="json", exclude={"source"}) for r in scenario.routes],
            scenario.move_rules.model_dump(mode="json"),
        ]
    )
    net = _CACHE.get(key)
    if net is None:
        net = _build(scenario)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = net
    return net


def _build(scenario: Scenario) -> Network:
    names = tuple(p.name for p in scenario.places)
    index = {n: i for i, n in enumerate(names)}
    countries = tuple(sorted({p.country for p in scenario.places}))
    cidx = {c: i for i, c in enumerate(countries)}
    rules = scenario.move_rules
    src: list[int] = []
    dst: list[int] = []
    km: list[float] = []
    speed: list[float] = []
    rev: list[int] = []
    link_modes: list[list[tuple[int, float, float]]] = []  # per link: (mode code, share, speed)
    mode_speed = {
        "foot": rules.max_walk_speed,
        "rail": rules.rail_speed or rules.max_move_speed,
        "road": rules.max_move_speed,
        "any": rules.max_move_speed,
    }
    for r in scenario.routes:
        a, b = index[r.a], index[r.b]
        variants = [(MODE_CODE[m], share, v or mode_speed[m]) for m, share, v in r.mode_shares()]
        base = len(src)
        src += [a, b]
        dst += [b, a]
        km += [r.distance_km, r.distance_km]
        speed += [variants[0][2]] * 2
        rev += [base + 1, base]
        link_modes += [variants, variants]
    n = len(names)
    out_links: list[list[int]] = [[] for _ in range(n)]
    for i, s in enumerate(src):
        out_links[s].append(i)
    is_marker = [p.kind in ("marker", "forward") for p in scenario.places]
    if rules.awareness_level > 0:
        check_path_limit(scenario, scenario.name)  # instant; usually done already when the file was read
        try:
            # The bound is inconclusive for cycles of markers: the enumeration stops at the limit.
            paths = _enumerate_paths(n, out_links, dst, is_marker, rules.awareness_level)
        except _TooManyPaths:
            raise ScenarioError(
                scenario.name,
                "move_rules.awareness_level",
                f"{rules.awareness_level} gives more than {MAX_PATHS} paths through this network; "
                "expected a lower awareness level or fewer routes per place (see docs/limits.md)",
            ) from None
    else:
        paths = [[link] for links in out_links for link in links]  # level 0: any neighbouring link
    depth = max((len(p) for p in paths), default=1)
    path_links = np.full((len(paths), depth), -1, dtype=np.int64)
    slot_link: list[int] = []
    slot_next: list[int] = []
    slot_path: list[int] = []
    slot_mode: list[int] = []
    slot_share: list[float] = []
    slot_speed: list[float] = []
    slot_first: list[int] = []
    first_slot: list[int] = []
    for pi, p in enumerate(paths):
        path_links[pi, : len(p)] = p
        first_slot.append(len(slot_link))
        for h, link in enumerate(p):
            variants = link_modes[link]
            hop_first = len(slot_link)
            after = hop_first + len(variants)  # the next hop's first variant
            for code, share, v in variants:
                slot_link.append(link)
                slot_path.append(pi)
                slot_mode.append(code)
                slot_share.append(share)
                slot_speed.append(v)
                slot_first.append(hop_first)
                slot_next.append(after if h + 1 < len(p) else -1)
    p_origin = np.array([src[p[0]] for p in paths], dtype=np.int64)
    p_dest = np.array([dst[p[-1]] for p in paths], dtype=np.int64)
    p_km = np.array([sum(km[x] for x in p) for p in paths], dtype=np.float64)
    per_origin: list[list[int]] = [[] for _ in range(n)]
    for pi, o in enumerate(p_origin):
        per_origin[int(o)].append(pi)
    width = max((len(x) for x in per_origin), default=0) or 1
    origin_paths = np.full((n, width), -1, dtype=np.int64)
    for o, ps in enumerate(per_origin):
        origin_paths[o, : len(ps)] = ps
    return Network(
        names=names,
        index=index,
        country=np.array([cidx[p.country] for p in scenario.places], dtype=np.int64),
        countries=countries,
        link_src=np.array(src, dtype=np.int64),
        link_dst=np.array(dst, dtype=np.int64),
        link_km=np.array(km, dtype=np.float64),
        link_speed=np.array(speed, dtype=np.float64),
        link_reverse=np.array(rev, dtype=np.int64),
        path_origin=p_origin,
        path_dest=p_dest,
        path_km=p_km,
        path_links=path_links,
        path_first_slot=np.array(first_slot, dtype=np.int64),
        slot_link=np.array(slot_link, dtype=np.int64),
        slot_next=np.array(slot_next, dtype=np.int64),
        slot_path=np.array(slot_path, dtype=np.int64),
        slot_mode=np.array(slot_mode, dtype=np.int64),
        slot_share=np.array(slot_share, dtype=np.float64),
        slot_speed=np.array(slot_speed, dtype=np.float64),
        slot_first=np.array(slot_first, dtype=np.int64),
        hop_variants=_hop_variants(slot_first),
        origin_paths=origin_paths,
    )
