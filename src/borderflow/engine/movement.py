"""Flee's movement rules on counts of interchangeable people: the state and the step.

People without a plan are counts per place; people on the road are counts per path hop
("slot") in a ring buffer indexed by the day they arrive. Every decision is a binomial or
multinomial draw over whole groups, so a day costs the same for 1,000 or 10 million
people. The state is one struct of arrays (`MovementState`) and the rules one class
(`Movement`) with a narrow interface for the daily step (engine/simulation.py): start the
day (scores, move chances, closures), take the day's levers, move, end the day. So the
movement can be compiled or swapped without touching the components or the recorder.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from borderflow.engine.streams import Streams
from borderflow.engine.world import CAMP, IDPCAMP, World
from borderflow.network.graph import BoolArray, FloatArray, IntArray

Hops = tuple[IntArray, IntArray, FloatArray]  # slots, people on each, km each has covered today

MAX_WAVES_PER_DAY = 10_000  # same-day hops; only reached by a degenerate network
_DAY_CHUNK = 1 << 20  # (places x paths) entries computed at once for the day's choice table
_ONE_BLOCK = 1 << 16  # (places x paths) entries drawn in one multinomial call; more go in blocks of rows
_BLOCK_ROWS = 64  # rows per block: the widest of 64 places is far below the widest of thousands


@dataclass
class MovementState:
    """Everything the movement rules change during a run: one struct of arrays."""

    day: int
    pop: IntArray  # (L,) people staying at each place
    transit: IntArray  # (S, R) people on each slot, by ring position of their arrival day
    resting: IntArray  # (S,) people mid-plan who stopped for the night before slot s
    resting_place: IntArray  # (L,) the same people by the place where they rest
    head: int = 0  # ring position of today's arrivals
    spawn_debt: int = 0
    # start_on_foot only (empty otherwise): people who have not finished a hop since they
    # appeared, per place, and people walking their first hop, per slot and ring position
    fresh: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    walking: IntArray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.int64))
    # today's flows, reset each day
    arrivals: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    departures: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spawned: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    returned: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    settled: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    removed: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    link_arrivals: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (links,) hops completed


class Movement:
    """The movement rules of one run, over a compiled world, drawing from the run's streams."""

    def __init__(self, world: World, streams: Streams, kernel: str = "numpy") -> None:
        """`kernel`: "numpy" (this module, the reference) or "compiled" (engine/kernel.py:
        the same day in one numba call, same draws)."""
        if kernel not in ("numpy", "compiled"):
            raise ValueError(f"kernel {kernel!r}; expected numpy or compiled")
        self.world = world
        self.streams = streams
        self.kernel = kernel
        self._k_net: Any = None  # the compiled kernel's network arrays, built on its first day
        self._dest_factor = np.ones(world.net.n_places)
        self._multimode = bool(world.net.hop_variants.shape[1] > 1)
        self._slot_open = np.ones(len(world.net.slot_link), dtype=np.bool_)
        net = world.net
        rules = world.scenario.move_rules
        speed = net.slot_speed
        km = net.link_km[net.slot_link]
        # Days a hop takes: the day it starts counts as day 1 with `speed` km covered, and
        # the hop ends on the first day its covered distance exceeds its length (Flee).
        self.slot_days = (np.floor(km / speed) + 1).astype(np.int64)
        self.slot_speed = speed
        self.slot_km = km
        # km covered on the arrival day by someone who started the hop on an earlier day
        self.slot_last_km = km - (self.slot_days - 1) * speed
        self.ring = int(self.slot_days.max(initial=1)) + 1
        L, S = net.n_places, len(net.slot_link)
        self.state = MovementState(
            day=0,
            pop=world.day0.copy(),
            transit=np.zeros((S, self.ring), dtype=np.int64),
            resting=np.zeros(S, dtype=np.int64),
            resting_place=np.zeros(L, dtype=np.int64),
        )
        self._rules = rules
        # residents (not displaced), in simulated units: spawn weights; spawning may take from them
        self.residents: FloatArray = world.population.copy()
        self._on_foot = rules.start_on_foot
        self._avoid_short_stints = rules.avoid_short_stints
        if self._avoid_short_stints:
            self._town_or_camp = np.array([p.kind in ("town", "camp", "idpcamp") for p in world.scenario.places])
            self._is_town = self._town_or_camp.copy()
        if self._on_foot:
            walk = rules.max_walk_speed
            self.walk_days = (np.floor(km / walk) + 1).astype(np.int64)
            self.walk_last_km = km - (self.walk_days - 1) * walk
            self.walk_ring = int(self.walk_days.max(initial=1)) + 1
            self.state.fresh = world.day0.copy()  # day-0 camp people have not travelled either
            self.state.walking = np.zeros((S, self.walk_ring), dtype=np.int64)
        self._path_dist = (rules.softening + net.path_km) ** rules.distance_power
        self._n_paths = net.origin_count
        self._any_capacity = bool((world.capacity > 0).any())
        self._no_capacity = np.ones(net.n_places)
        self._cap_places = np.flatnonzero(world.capacity > 0)
        self._cap_values = world.capacity[self._cap_places]
        self._link_dst_of_slot = net.link_dst[net.slot_link]
        self._link_src_of_slot = net.link_src[net.slot_link]
        # filled each day
        self._movechance = np.zeros(L)
        self._path_base = np.zeros(len(net.path_km))
        self._path_open = np.ones(len(net.path_km), dtype=np.bool_)
        self._is_camp = np.zeros(L, dtype=np.bool_)
        self._all_nodes = np.arange(L, dtype=np.int64)
        self._choice_today: tuple[FloatArray, BoolArray] | None = None  # per path, per place: see _day_choice
        self._score = np.ones(L)  # today's place scores (start_day)

    def add_new(self, places: IntArray, counts: IntArray) -> None:
        """New people appear at `places` (spawned): they have travelled nowhere yet."""
        st = self.state
        np.add.at(st.pop, places, counts)
        np.add.at(st.spawned, places, counts)
        if self._on_foot:
            np.add.at(st.fresh, places, counts)

    def move(self) -> None:
        """Everyone staying decides; everyone on the road travels (same-day hops included)."""
        if self.kernel == "compiled":
            from borderflow.engine import kernel

            kernel.move_day(self)
            return
        st = self.state
        # 1. decide: everyone staying somewhere may leave
        if self._on_foot:
            np.minimum(st.fresh, st.pop, out=st.fresh)  # components may have taken people away
            walkers = self.streams["move"].binomial(st.fresh, self._movechance)
            movers = self.streams["move"].binomial(st.pop - st.fresh, self._movechance)
            self._set_out_on_foot(walkers)
        else:
            movers = self.streams["move"].binomial(st.pop, self._movechance)
        has = movers > 0
        starting = self._depart(self._all_nodes[has], movers[has], np.zeros(int(has.sum())))
        if st.resting.any():
            s = np.flatnonzero(st.resting)
            c = st.resting[s]
            st.resting[s] = 0
            st.resting_place[:] = 0
            starting.append(self._follow(s, self._link_src_of_slot[s], c, np.zeros(len(s))))
        wave = [self._enter(starting)] if starting else []
        # 2. travel: today's arrivals from multi-day hops join same-day hops
        arriving = st.transit[:, st.head]
        s = np.flatnonzero(arriving)
        if len(s):
            wave.append((s, arriving[s].copy(), self.slot_last_km[s]))
            st.transit[s, st.head] = 0
        self._travel(wave)

    def apply_levers(
        self, movechance_factor: FloatArray, link_open: BoolArray, dest_factor: FloatArray, slot_open: BoolArray
    ) -> None:
        """Today's levers, after every component spoke: move-chance factors, open links,
        destination weights and open travel modes."""
        self._movechance = np.clip(self._movechance * movechance_factor, 0.0, 1.0)
        self._dest_factor = dest_factor
        self._slot_open = slot_open
        self._set_link_open(link_open)
        self._choice_today = None  # scores, closures and levers are set for the day

    def end_day(self) -> None:
        st = self.state
        st.head = (st.head + 1) % self.ring
        st.day += 1

    def _again_chance(self, at: IntArray, km_today: FloatArray) -> FloatArray:
        """Move chance of people who end their plan at `at` with distance to spare.

        avoid_short_stints: at a town, those who covered less than max_move_speed today go on
        (chance 1). Flee forces this when (r + km today / max_move_speed) / 2 < 0.5, r being a
        person's recent-travel index (halved each day, plus half the day's share of
        max_move_speed); borderflow keeps no per-person history and takes r = 0, the value for
        someone who had not travelled on the days before (docs/flee-folders.md).
        """
        chance = self._movechance[at]
        if not self._avoid_short_stints:
            return chance
        short = self._is_town[at] & (km_today < self._rules.max_move_speed)
        return np.where(short, 1.0, chance)

    # ----- start_on_foot: the first hop after appearing is walked ------------------------------
    def _set_out_on_foot(self, movers: IntArray) -> None:
        """Fresh people who decided to leave walk their first hop at max_walk_speed; walkers
        who arrive today go on at once (same-day hops at the usual speed), before everyone
        else moves. Flee: an agent's first link (places_travelled == 1) is covered at
        MaxWalkSpeed a day, and it may go on if it covered less than that."""
        st = self.state
        walk = self._rules.max_walk_speed
        has = movers > 0
        before = st.pop.copy()
        starting = self._depart(self._all_nodes[has], movers[has], np.zeros(int(has.sum())))
        st.fresh -= before - st.pop  # those who set out are fresh no more
        wave: list[Hops] = []
        if starting:
            slots, counts, km_today = _concat(starting)  # every block of rows, not just the first
            days = self.walk_days[slots]
            later = days > 1
            if later.any():
                pos = (st.day + days[later] - 1) % self.walk_ring
                np.add.at(st.walking, (slots[later], pos), counts[later])
            today = ~later
            wave.append((slots[today], counts[today], km_today[today] + self.slot_km[slots[today]]))
        arriving = st.walking[:, st.day % self.walk_ring]
        s = np.flatnonzero(arriving)
        if len(s):
            wave.append((s, arriving[s].copy(), self.walk_last_km[s]))
            st.walking[s, st.day % self.walk_ring] = 0
        if wave:
            self._travel(wave, first_speed=walk)

    # ----- per-day quantities -------------------------------------------------------------
    def start_day(self, t: int) -> None:
        """The day's place scores, move chances, spawn weights and scheduled closures."""
        w, r = self.world, self._rules
        kind = w.camp_kind[t]
        conflict = w.conflict[t]
        active = conflict > 0
        self._is_camp = np.asarray((kind == CAMP) | (kind == IDPCAMP), dtype=np.bool_)
        if self._avoid_short_stints:
            self._is_town = self._town_or_camp & (kind != CAMP) & (kind != IDPCAMP)  # a closed camp is a town
        mc = np.full(w.net.n_places, r.default_movechance)
        mc[kind == CAMP] = r.camp_movechance
        mc[kind == IDPCAMP] = r.idpcamp_movechance
        mc[w.is_marker] = 1.0
        mc[active] = r.conflict_movechance
        self._movechance = mc
        decay = self._decay(t, w.conflict_since[t])
        score = np.ones(w.net.n_places)
        score[w.foreign] *= r.foreign_weight
        score[self._is_camp] *= r.camp_weight
        score[active] *= r.conflict_weight ** (decay[active] * conflict[active])
        self.spawn_weight = np.where(active, self.residents * conflict * decay, 0.0)
        self._score = score
        net = w.net
        self._path_base = (r.weight_softening + score[net.path_dest]) / self._path_dist
        if r.awareness_level == 0:
            self._path_base = np.ones(len(net.path_km))  # level 0: a uniformly random neighbouring link (Flee)
        self._link_open = w.link_open[t].copy()  # components may close more; paths follow in apply_levers()

    def _set_link_open(self, open_l: BoolArray) -> None:
        if open_l.all():
            self._path_open = np.ones(len(self.world.net.path_km), dtype=np.bool_)  # most days: no (P, H) pass
        else:
            links = self.world.net.path_links
            self._path_open = np.asarray(np.where(links >= 0, open_l[np.maximum(links, 0)], True).all(axis=1))
        self._link_open = open_l

    def link_open_today(self) -> BoolArray:
        """Today's open links (scenario closures applied), for components to close more."""
        links: BoolArray = self._link_open
        return links

    def set_move_chance(self, places: IntArray, chance: float | FloatArray) -> None:
        self._movechance[places] = chance

    def score_factor(self, places: IntArray, factor: float | FloatArray) -> FloatArray:
        """The factor on the weight of paths ending at `places` that multiplies their score by
        `factor` today: (weight_softening + score x factor) / (weight_softening + score).
        At awareness level 0 scores play no part (a random neighbouring link), so 1."""
        ws = self._rules.weight_softening
        base = ws + self._score[places]
        out = np.where(base > 0, (ws + self._score[places] * factor) / np.where(base > 0, base, 1.0), 1.0)
        if self._rules.awareness_level == 0:
            out = np.ones_like(out)
        return np.asarray(out, dtype=np.float64)

    def _decay(self, t: int, since: IntArray) -> FloatArray:
        rules = self.world.scenario.spawn_rules
        steps = rules.conflict_spawn_decay
        if not steps:
            return np.ones(len(since))
        # Flee: index = min(floor(days since the conflict began / interval), len - 1)
        idx = np.minimum((t - np.maximum(since, 0)) // rules.conflict_spawn_decay_interval, len(steps) - 1)
        out: FloatArray = np.asarray(steps, dtype=np.float64)[idx]
        return out

    def _cap_mult(self) -> FloatArray:
        """Flee's soft capacity: 1 below buffer x capacity, 0 at capacity, linear between."""
        if not self._any_capacity:
            return self._no_capacity
        # only places with a capacity: called at every wave, so its cost matters
        has, cap = self._cap_places, self._cap_values
        buf = self._rules.capacity_buffer
        pop = (self.state.pop[has] + self.state.resting_place[has]).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            lin = 1.0 - (pop - buf * cap) / (cap * (1.0 - buf))
        out = np.ones(self.world.net.n_places)
        out[has] = np.clip(np.where(pop >= cap, 0.0, np.where(pop <= buf * cap, 1.0, lin)), 0.0, 1.0)
        return out

    # ----- moving ------------------------------------------------------------------------
    def _depart(self, nodes: IntArray, movers: IntArray, km_today: FloatArray) -> list[Hops]:
        """Movers at `nodes` choose a path; returns the first hops they take (slot, count, km
        covered today) for `_enter`, as a list of blocks of rows.
        Movers with no open path, or whose chosen path ends at a camp that looks full, stay.
        """
        if len(self.world.net.path_km) == 0:
            return []  # a network without any path: nobody can go anywhere
        nodes, movers, km_today = _merge_groups(nodes, movers, km_today)
        if len(nodes) == 0:
            return []
        cap = self._cap_mult()
        # Paths are packed to the left of each origin's row: only as many columns as the
        # busiest of these origins has are needed (the multinomial costs per column). numpy's
        # multinomial draws row by row, and a row's draws depend only on its probabilities and
        # on whether an empty column follows its paths (if not, its last path takes the rest
        # without a draw). So consecutive blocks of rows, each as wide as its widest row plus
        # that empty column where the busiest origin of all has more paths, draw exactly what
        # one call as wide as the busiest origin would, at a fraction of the cost when places
        # have very different numbers of paths.
        count = self._n_paths[nodes]
        width = max(int(count.max(initial=1)), 1)
        need = np.where(count < width, count + 1, count)
        step = len(nodes) if len(nodes) * width <= _ONE_BLOCK else _BLOCK_ROWS
        out: list[Hops] = []
        for lo in range(0, len(nodes), step):
            hi = lo + step
            hops = self._draw(nodes[lo:hi], movers[lo:hi], km_today[lo:hi], int(need[lo:hi].max()), cap)
            if hops is not None:
                out.append(hops)
        return out

    def _draw(
        self, nodes: IntArray, movers: IntArray, km_today: FloatArray, width: int, cap: FloatArray
    ) -> Hops | None:
        """The path choice of one block of rows (`width` columns), drawn and taken."""
        st, net = self.state, self.world.net
        if cap is self._no_capacity:
            # no capacities: the choice at a place is the same all day, whoever arrives
            if self._choice_today is None:
                self._choice_today = self._day_choice(cap)
            path_probs, can = self._choice_today
            paths, valid = self._paths_at(nodes, width)
            can = can[nodes]
            probs = np.where(can[:, None], np.where(valid, path_probs[paths], 0.0), _first_only(paths.shape))
        else:
            paths, valid, probs, can = self._choice(nodes, width, cap)
        if not can.all():
            movers = np.where(can, movers, 0)
        if movers.sum() == 0:
            return None
        counts = self.streams["route"].multinomial(movers, probs)
        counts = np.where(valid, counts, 0)
        if cap is not self._no_capacity:
            # a path ending at a camp that looks full is dropped: those people stay
            full = self._is_camp[net.path_dest[paths]] & (cap[net.path_dest[paths]] < 0.5)
            counts = np.where(full, 0, counts)
        moved = counts.sum(axis=1)
        np.subtract.at(st.pop, nodes, moved)
        np.add.at(st.departures, nodes, moved)
        k, j = np.nonzero(counts)
        return net.path_first_slot[paths[k, j]], counts[k, j], km_today[k]

    def _paths_at(self, nodes: IntArray, width: int) -> tuple[IntArray, BoolArray]:
        """The paths from `nodes`, one row each (k, width), and which are open (0 past a row's end)."""
        net = self.world.net
        col = np.arange(width)
        exists = col < self._n_paths[nodes][:, None]
        paths = np.where(exists, net.origin_start[nodes][:, None] + col, 0)
        return paths, exists & self._path_open[paths]

    def _day_choice(self, cap: FloatArray) -> tuple[FloatArray, BoolArray]:
        """The choice at every place for the whole day (when nothing changes within it): each
        path's probability and whether each place has an open path. Computed in groups of
        places with similar numbers of paths, so memory stays near the number of paths."""
        net = self.world.net
        path_probs = np.zeros(len(net.path_km))
        can = np.zeros(net.n_places, dtype=np.bool_)
        order = np.argsort(self._n_paths, kind="stable")
        counts = np.maximum(self._n_paths[order], 1)
        lo = 0
        while lo < len(order):
            # places lo..hi-1 of the sorted order: (hi - lo) x their largest count within the chunk
            fits = bisect.bisect_right(
                range(lo + 1, len(order) + 1), _DAY_CHUNK, key=lambda c: (c - lo) * int(counts[c - 1])
            )
            hi = lo + max(fits, 1)
            width = int(counts[hi - 1])
            paths, valid, probs, can[order[lo:hi]] = self._choice(order[lo:hi], width, cap)
            path_probs[paths[valid]] = probs[valid]
            lo = hi
        return path_probs, can

    def _choice(
        self, nodes: IntArray, width: int, cap: FloatArray
    ) -> tuple[IntArray, BoolArray, FloatArray, BoolArray]:
        """Path choice at `nodes`: paths (k, width), which are open, Flee's probabilities, and
        whether any path is open (rows without one get a dummy first column, drawn then dropped)."""
        net = self.world.net
        paths, valid = self._paths_at(nodes, width)
        dest = net.path_dest[paths]
        cap_w = cap if self._rules.awareness_level > 0 else np.ones_like(cap)  # level 0 ignores capacity
        wgt = np.where(
            valid, (self._path_base[paths] * cap_w[dest] * self._dest_factor[dest]) ** self._rules.weight_power, 0.0
        )
        total = wgt.sum(axis=1)
        nvalid = valid.sum(axis=1)
        # all weights zero but paths exist: choose uniformly (Flee)
        probs = np.where(
            (total > 0)[:, None], wgt / np.where(total > 0, total, 1.0)[:, None], valid / np.maximum(nvalid, 1)[:, None]
        )
        can = nvalid > 0
        probs = np.where(can[:, None], probs, _first_only(probs.shape))
        return paths, valid, probs, can

    def _enter(self, starting: list[Hops]) -> Hops:
        """People step onto hops (first slots of hops) and split between its travel modes;
        multi-day hops go into the ring, the rest arrive today. One call for all of a wave's
        starters: the cost here is per call, not per person."""
        net = self.world.net
        slots, counts, km_today = _concat(starting)
        if self._multimode:
            variants = net.hop_variants[slots]  # (k, V)
            valid = variants >= 0
            v = np.where(valid, variants, 0)
            share = np.where(valid & self._slot_open[v], net.slot_share[v], 0.0)
            total = share.sum(axis=1)
            # if every mode of a hop is suspended, people keep its first mode's share: the link itself is open
            share = np.where(
                (total > 0)[:, None], share / np.where(total > 0, total, 1.0)[:, None], _first_only(share.shape)
            )
            split = self.streams["travel"].multinomial(counts, share)
            k, j = np.nonzero(split)
            slots, counts, km_today = v[k, j], split[k, j], km_today[k]
        days = self.slot_days[slots]
        later = days > 1
        if later.any():
            pos = (self.state.head + days[later] - 1) % self.ring
            np.add.at(self.state.transit, (slots[later], pos), counts[later])
        today = ~later
        return slots[today], counts[today], km_today[today] + self.slot_km[slots[today]]

    def _travel(self, wave: list[Hops], first_speed: float | None = None) -> None:
        """Hops end; whoever arrives with distance to spare goes on. `first_speed`: the speed
        of the first wave's hops when it is not their slots' (people walking a first hop)."""
        st, net = self.state, self.world.net
        rng_move = self.streams["move"]
        for _ in range(MAX_WAVES_PER_DAY):
            wave = [w for w in wave if len(w[0])]
            if not wave:
                return
            slots, counts, km = _concat(wave)
            speed = self.slot_speed[slots] if first_speed is None else np.full(len(slots), first_speed)
            first_speed = None
            wave = []
            starting: list[Hops] = []
            link = net.slot_link[slots]
            closed = ~self._link_open[link]
            if closed.any():
                # a link that closed meanwhile sends its travellers back to where they started
                np.add.at(st.pop, net.link_src[link[closed]], counts[closed])
                slots, counts, km, link = slots[~closed], counts[~closed], km[~closed], link[~closed]
                speed = speed[~closed]
            node = net.link_dst[link]
            np.add.at(st.arrivals, node, counts)  # passing through is arriving too
            np.add.at(st.link_arrivals, link, counts)
            spare = km < speed
            nxt = net.slot_next[slots]
            mid = nxt >= 0
            # mid-plan travellers move on if they have distance to spare, else rest
            if mid.any():
                go = mid & spare
                rest = mid & ~spare
                np.add.at(st.resting, nxt[rest], counts[rest])
                np.add.at(st.resting_place, node[rest], counts[rest])
                if go.any():
                    starting.append(self._follow(nxt[go], node[go], counts[go], km[go]))
            end = ~mid
            if end.any():
                np.add.at(st.pop, node[end], counts[end])
                again = end & spare
                if again.any():
                    n_again = counts[again]
                    at = node[again]
                    movers = rng_move.binomial(n_again, self._again_chance(at, km[again]))
                    starting.extend(self._depart(at, movers, km[again]))
            if starting:
                wave.append(self._enter(starting))
        raise RuntimeError("too many same-day hops; check for links of near-zero length")

    def _follow(self, slots: IntArray, nodes: IntArray, counts: IntArray, km: FloatArray) -> Hops:
        """People part-way along a plan take its next hop (returned for `_enter`), unless it
        ends at a full camp or its link closed: those stay where they are."""
        net, st = self.world.net, self.state
        cap = self._cap_mult()
        ok = self._link_open[net.slot_link[slots]]
        if cap is not self._no_capacity:
            dest = net.path_dest[net.slot_path[slots]]
            ok &= ~(self._is_camp[dest] & (cap[dest] < 0.5))
        if ok.all():
            return slots, counts, km
        np.add.at(st.pop, nodes[~ok], counts[~ok])
        return slots[ok], counts[ok], km[ok]

    # ----- the day ---------------------------------------------------------------------------
    def resting_at(self) -> IntArray:
        """People part-way along a plan who stopped for the night, by the place where they are."""
        return self.state.resting_place.copy()

    def in_transit_to(self) -> IntArray:
        out = np.zeros(self.world.net.n_places, dtype=np.int64)
        on = self.state.transit.sum(axis=1)
        if self._on_foot:
            on = on + self.state.walking.sum(axis=1)
        np.add.at(out, self._link_dst_of_slot, on)
        return out


def _merge_groups(nodes: IntArray, movers: IntArray, km: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """One row per (place, km travelled today), movers summed, rows without movers dropped.

    People at the same place with the same distance left today are interchangeable, and the
    sum of independent multinomials with the same probabilities is one multinomial of the
    sum: merging them first changes nothing in law and saves most of the draws (same-day
    arrivals reach a place by many hops at once).
    """
    keep = movers > 0
    if not keep.all():
        nodes, movers, km = nodes[keep], movers[keep], km[keep]
    if len(nodes) < 2:
        return nodes, movers, km
    order = np.lexsort((km, nodes))
    n, k = nodes[order], km[order]
    first = np.empty(len(n), dtype=np.bool_)
    first[0] = True
    np.not_equal(n[1:], n[:-1], out=first[1:])
    first[1:] |= k[1:] != k[:-1]
    idx = np.flatnonzero(first)
    return n[idx], np.add.reduceat(movers[order], idx), k[idx]


def _concat(parts: list[Hops]) -> Hops:
    if len(parts) == 1:
        return parts[0]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _first_only(shape: tuple[int, ...]) -> FloatArray:
    out = np.zeros(shape)
    if shape[-1]:
        out[..., 0] = 1.0
    return out
