"""The route network compiled to arrays, and the loop-free paths people choose between.

Routes are two-way; each becomes two directed links. A *path* is a loop-free sequence of
links from an origin, as long as the awareness level allows (marker places do not use up
a level, as in Flee). A path's hops are *slots*: the engine keeps people in transit per
slot, so people following a multi-hop plan stay distinguishable while people without one
are simply counts per place.

Why the paths are enumerated at all: Flee weighs a path by its destination's score over
(softening + the path's whole length)^distance_power, and only loop-free paths count. The
weight is not a product over links and loop-freedom is not a property of a link, so no
dynamic programme over places gives the same probabilities; and people follow the path they
drew for days, so the engine needs each path anyway. Enumeration is on arrays, bounded
beforehand (MAX_PATH_HOPS, a limit on cost), and at any level stops where the network's
loop-free paths end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.limits import MAX_PATH_HOPS
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
    # paths are sorted by origin: place o's are origin_start[o] to origin_start[o] + origin_count[o] - 1
    origin_start: IntArray
    origin_count: IntArray

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


_CHUNK = 1 << 20  # candidate link sequences examined at once: bounds the enumeration's working memory


def enumerate_paths(src: IntArray, dst: IntArray, is_marker: BoolArray, awareness: int, max_hops: int) -> IntArray:
    """Every loop-free path of Flee's rule as a (P, H) matrix of link ids, -1 padded.

    A path is a link sequence from an origin that never revisits a place, ending at a place
    that is not a marker, with at most `awareness` non-marker places after the origin (a
    marker uses up no level). Rows come in the order of a depth-first walk: by origin, then
    link by link in link order, each path before its extensions.

    Built breadth-first, one link more per round, on arrays: the working memory is the paths
    found plus one round's sequences, examined in chunks of _CHUNK candidates. Raises
    _TooManyPaths as soon as the paths' hops, or one round's sequences, pass `max_hops`.
    """
    n, m = len(is_marker), len(src)
    by_src = np.argsort(src, kind="stable")  # each place's out-links in link order
    out_start = np.searchsorted(src[by_src], np.arange(n + 1))
    ends_marker = is_marker[dst]
    seq = np.arange(m, dtype=np.int64)[:, None]  # sequences to record and extend, one per row
    used = (~ends_marker).astype(np.int64)  # levels of awareness each has used up
    found: list[IntArray] = []
    hops = 0
    while len(seq):
        done = seq[~ends_marker[seq[:, -1]]]
        hops += done.size
        if hops > max_hops:
            raise _TooManyPaths
        found.append(done)
        grow = used < awareness
        seq, used = _extend(seq[grow], used[grow], src, dst, ends_marker, by_src, out_start)
        if seq.size > max_hops:
            raise _TooManyPaths
    depth = max((f.shape[1] for f in found if len(f)), default=1)
    paths = np.full((sum(len(f) for f in found), depth), -1, dtype=np.int64)
    row = 0
    for f in found:
        paths[row : row + len(f), : f.shape[1]] = f
        row += len(f)
    # depth-first order = lexicographic by (origin, link ids), -1 (a shorter path) first
    order = np.lexsort((*(paths[:, j] for j in reversed(range(depth))), src[paths[:, 0]]))
    out: IntArray = paths[order]
    return out


def _extend(
    seq: IntArray,
    used: IntArray,
    src: IntArray,
    dst: IntArray,
    ends_marker: BoolArray,
    by_src: IntArray,
    out_start: IntArray,
) -> tuple[IntArray, IntArray]:
    """Each sequence extended by every out-link of its end that leads to a place it has not visited."""
    if not len(seq):
        return np.zeros((0, seq.shape[1] + 1), dtype=np.int64), used
    end = dst[seq[:, -1]]
    deg = out_start[end + 1] - out_start[end]
    reach = np.cumsum(deg)
    parts: list[tuple[IntArray, IntArray]] = []
    lo = 0
    while lo < len(seq):
        # rows lo..hi-1 have at most _CHUNK candidates between them (at least one row)
        hi = max(int(np.searchsorted(reach, (reach[lo - 1] if lo else 0) + _CHUNK, side="right")), lo + 1)
        d = deg[lo:hi]
        rows = np.repeat(np.arange(lo, hi), d)
        pos = np.arange(len(rows)) - np.repeat(np.cumsum(d) - d, d)
        nxt = by_src[out_start[end[rows]] + pos]
        to = dst[nxt]
        ok = to != src[seq[rows, 0]]
        for j in range(seq.shape[1]):
            ok &= to != dst[seq[rows, j]]
        rows, nxt = rows[ok], nxt[ok]
        parts.append((np.concatenate([seq[rows], nxt[:, None]], axis=1), used[rows] + ~ends_marker[nxt]))
        lo = hi
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _sequence_bounds(
    n: int, src: list[int], dst: list[int], rev: list[int], is_marker: list[bool], awareness: int
) -> tuple[float, float]:
    """Upper bounds on the paths enumerate_paths finds and on their hops (links) in all, in
    milliseconds instead of minutes.

    Both count link sequences that never step straight back to the place they just left (by
    any of its parallel links), under the same awareness rule (a marker uses up no level), by
    dynamic programming over links: C(l, r) counts the sequences that start with
    link l with r levels left, and H(l, r) their links, H(l, r) = C(l, r) + the H of the
    sequences that continue them. Loops longer than a return to the previous place are counted
    too, so the bounds are above the truth (by 7% on the 20,704-place Netherlands network at
    awareness 5). Chains of markers are followed for up to n steps; a cycle of markers makes
    them infinite, and the caller then counts exactly while enumerating.
    """
    if not src:
        return 0.0, 0.0
    s = np.asarray(src)
    d = np.asarray(dst)
    r_ = np.asarray(rev)
    ends_at_marker = np.asarray(is_marker, dtype=bool)[d]
    counted = (~ends_at_marker).astype(np.float64)
    # parallel links share a pair (from, to): a sequence never goes back by any of them
    _, pair = np.unique(s * n + d, return_inverse=True)
    back = pair[r_]  # the pair leading back to where link l started

    def out_sums(c: FloatArray) -> FloatArray:
        return np.asarray(np.bincount(s, weights=c, minlength=n), dtype=np.float64)

    def going_back(c: FloatArray) -> FloatArray:
        sums = np.asarray(np.bincount(pair, weights=c, minlength=int(pair.max()) + 1), dtype=np.float64)
        out: FloatArray = sums[back]
        return out

    def level_up(own: FloatArray, prev: FloatArray, first: bool) -> FloatArray:
        """The counts with one more level, from a link's own count and the previous level's."""
        base = own + np.where(~ends_at_marker & (not first), out_sums(prev)[d] - going_back(prev), 0.0)
        cur = base.copy()
        if not ends_at_marker.any():
            return cur
        for _ in range(n + 1):
            nxt = base + np.where(ends_at_marker, out_sums(cur)[d] - going_back(cur), 0.0)
            if np.array_equal(nxt, cur):
                return cur
            cur = nxt
            if not np.isfinite(cur).all() or cur.sum() > MAX_PATH_HOPS:
                break
        return np.full(len(s), np.inf)

    count = np.zeros(len(s))
    hops = np.zeros(len(s))
    # A loop-free path reaches at most one level per place that is not a marker, so higher
    # levels add nothing; and the sequences stop growing once they are past the limit or once
    # a level adds none (a network without loops): any level is bounded in a few levels' work.
    levels = min(awareness, int((~np.asarray(is_marker, dtype=bool)).sum()))
    with np.errstate(over="ignore", invalid="ignore"):
        for level in range(levels):
            grown = level_up(counted, count, level == 0)
            grown_hops = level_up(grown, hops, level == 0)
            if not np.isfinite(grown_hops).all():
                return float("inf"), float("inf")
            if np.array_equal(grown_hops, hops):
                break
            count, hops = grown, grown_hops
            if hops.sum() > MAX_PATH_HOPS:
                break
    return float(count.sum()), float(hops.sum())


def path_bound(n: int, src: list[int], dst: list[int], rev: list[int], is_marker: list[bool], awareness: int) -> float:
    """An upper bound on the paths enumerate_paths finds (see _sequence_bounds)."""
    return _sequence_bounds(n, src, dst, rev, is_marker, awareness)[0]


def path_bounds(scenario: Scenario) -> tuple[float, float]:
    """Upper bounds on the paths of a scenario's network at its awareness level and on their hops."""
    rules = scenario.move_rules
    if rules.awareness_level == 0:
        return 2.0 * len(scenario.routes), 2.0 * len(scenario.routes)
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
    return _sequence_bounds(len(index), src, dst, rev, is_marker, rules.awareness_level)


def check_path_limit(scenario: Scenario, source: object) -> None:
    """Refuse, before any work, a network whose paths at its awareness level would explode
    (ScenarioError naming `source` and the awareness level)."""
    paths, hops = path_bounds(scenario)  # if past the limit, counted only up to the level that passed it
    if MAX_PATH_HOPS < hops < float("inf"):
        raise ScenarioError(
            str(source),
            "move_rules.awareness_level",
            f"{scenario.move_rules.awareness_level} may give {paths:.3g} or more loop-free paths, {hops:.3g} or more "
            f"hops in all, through this network of {len(scenario.places)} places and {len(scenario.routes)} routes; "
            f"expected at most {MAX_PATH_HOPS} hops (a lower awareness level or fewer routes per place; see "
            "docs/limits.md)",
        )


class _TooManyPaths(Exception):
    pass


MODE_CODE = {"any": 0, "foot": 1, "road": 2, "rail": 3}


def _hop_variants(slot_first: IntArray) -> IntArray:
    """For each slot that starts a hop, the slot ids of all its modes (-1 padded)."""
    width = int(np.bincount(slot_first).max(initial=1)) if len(slot_first) else 1
    out = np.full((len(slot_first), width), -1, dtype=np.int64)
    slot = np.arange(len(slot_first))
    out[slot_first, slot - slot_first] = slot  # a hop's modes are consecutive from its first slot
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
    link_src = np.array(src, dtype=np.int64)
    link_dst = np.array(dst, dtype=np.int64)
    link_km = np.array(km, dtype=np.float64)
    is_marker = np.array([p.kind in ("marker", "forward") for p in scenario.places], dtype=np.bool_)
    if rules.awareness_level > 0:
        check_path_limit(scenario, scenario.name)  # instant; usually done already when the file was read
        try:
            # The bound is inconclusive for cycles of markers: the enumeration stops at the limit.
            path_links = enumerate_paths(link_src, link_dst, is_marker, rules.awareness_level, MAX_PATH_HOPS)
        except _TooManyPaths:
            raise ScenarioError(
                scenario.name,
                "move_rules.awareness_level",
                f"{rules.awareness_level} gives more than {MAX_PATH_HOPS} path hops through this network; "
                "expected a lower awareness level or fewer routes per place (see docs/limits.md)",
            ) from None
    else:
        # level 0: any neighbouring link, in the order of the places
        path_links = np.argsort(link_src, kind="stable").astype(np.int64)[:, None]
    slots = _slots(path_links, link_modes)
    p_len = (path_links >= 0).sum(axis=1)
    p_origin = link_src[path_links[:, 0]] if len(path_links) else np.zeros(0, dtype=np.int64)
    p_last = path_links[np.arange(len(path_links)), p_len - 1]
    p_km = np.where(path_links >= 0, link_km[path_links], 0.0).sum(axis=1)
    origin_count = np.bincount(p_origin, minlength=n).astype(np.int64)
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
        path_dest=link_dst[p_last] if len(path_links) else np.zeros(0, dtype=np.int64),
        path_km=p_km,
        path_links=path_links,
        origin_start=(np.cumsum(origin_count) - origin_count).astype(np.int64),
        origin_count=origin_count,
        path_first_slot=slots.path_first_slot,
        slot_link=slots.slot_link,
        slot_next=slots.slot_next,
        slot_path=slots.slot_path,
        slot_mode=slots.slot_mode,
        slot_share=slots.slot_share,
        slot_speed=slots.slot_speed,
        slot_first=slots.slot_first,
        hop_variants=_hop_variants(slots.slot_first),
    )


@dataclass(frozen=True)
class _Slots:
    path_first_slot: IntArray
    slot_link: IntArray
    slot_next: IntArray
    slot_path: IntArray
    slot_mode: IntArray
    slot_share: FloatArray
    slot_speed: FloatArray
    slot_first: IntArray


def _slots(path_links: IntArray, link_modes: list[list[tuple[int, float, float]]]) -> _Slots:
    """The slots of every path: one per hop and travel mode, path by path, hop by hop (as arrays)."""
    width = max((len(v) for v in link_modes), default=1)
    n_modes = np.array([len(v) for v in link_modes], dtype=np.int64)
    mode = np.zeros((len(link_modes), width), dtype=np.int64)
    share = np.zeros((len(link_modes), width))
    speed = np.zeros((len(link_modes), width))
    for link, variants in enumerate(link_modes):
        for j, (code, sh, v) in enumerate(variants):
            mode[link, j], share[link, j], speed[link, j] = code, sh, v
    p, h = np.nonzero(path_links >= 0)  # hops, path by path, in order
    hop_link = path_links[p, h]
    last = np.append(p[1:] != p[:-1], True)  # the last hop of its path
    nv = n_modes[hop_link]
    hop_first = np.cumsum(nv) - nv
    slot_hop = np.repeat(np.arange(len(hop_link)), nv)
    variant = np.arange(len(slot_hop)) - hop_first[slot_hop]
    slot_link = hop_link[slot_hop]
    slot_first = hop_first[slot_hop]
    path_first_slot = hop_first[h == 0] if len(h) else np.zeros(0, dtype=np.int64)
    return _Slots(
        path_first_slot=path_first_slot.astype(np.int64),
        slot_link=slot_link,
        slot_next=np.where(last, -1, hop_first + nv)[slot_hop].astype(np.int64),
        slot_path=p[slot_hop].astype(np.int64),
        slot_mode=mode[slot_link, variant],
        slot_share=share[slot_link, variant],
        slot_speed=speed[slot_link, variant],
        slot_first=slot_first.astype(np.int64),
    )
