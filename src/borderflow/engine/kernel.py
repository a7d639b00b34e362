"""The day's movement (Movement.move) compiled with numba into one call.

Same rules, same order of draws and same arithmetic as the NumPy reference
(engine/movement.py), so a run gives the same records with either kernel:

* binomials are numba's `Generator.binomial`, a port of NumPy's `random_binomial`
  (inversion below n*p = 30, BTPE above) drawing from the same bit generator in place;
* multinomials are NumPy's `random_multinomial` (a binomial per column, left to right,
  on the remaining people and probability; the last column takes the rest), row by row,
  with the reference's blocks of rows and block widths, padding columns included;
* row sums of weights and mode shares are NumPy's pairwise summation (`_pairwise`), the
  order in which `ndarray.sum(axis=1)` adds a row;
* the day's choice table (no capacities) is the reference's own, computed in NumPy.

One known exception: with camp capacities and `weight_power` other than 1, 2 or 0.5 the
route weights are raised to the power per wave inside the kernel with the C library's
`pow`, where NumPy may use a vectorised `pow` (SVML on AVX-512 machines) that can differ
in the last bit; a draw then differs when a uniform falls within that bit of a boundary.
The test (tests/test_kernel.py) checks identical records everywhere else.

numba is imported lazily by `load()`, so runs on the NumPy kernel never pay its import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from borderflow.network.graph import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from borderflow.engine.movement import Movement

KERNELS = ("numpy", "compiled", "auto")
ENV = "BORDERFLOW_KERNEL"
# CPU seconds of NumPy movement left in a run above which "auto" loads the compiled kernel:
# importing numba and loading the kernel from its cache took 0.55-0.7 s of CPU here, and
# the compiled day costs a fraction of NumPy's (docs/performance.md)
AUTO_SWITCH_S = 1.0


class KernelNet(NamedTuple):
    """The network and its per-slot timings: fixed for the run."""

    link_src: IntArray
    link_dst: IntArray
    slot_link: IntArray
    slot_next: IntArray
    slot_path: IntArray
    path_dest: IntArray
    path_first_slot: IntArray
    origin_start: IntArray
    origin_count: IntArray
    hop_variants: IntArray
    slot_share: FloatArray
    slot_days: IntArray
    slot_km: FloatArray
    slot_speed: FloatArray
    slot_last_km: FloatArray
    walk_days: IntArray
    walk_last_km: FloatArray
    cap_places: IntArray
    cap_values: FloatArray


class KernelDay(NamedTuple):
    """The day's levers and tables: fixed for the day."""

    movechance: FloatArray
    link_open: BoolArray
    path_open: BoolArray
    slot_open: BoolArray
    is_camp: BoolArray
    is_town: BoolArray
    path_probs: FloatArray  # the day's choice table (no capacities), else empty
    can: BoolArray  # places with an open path (no capacities), else empty
    path_base: FloatArray
    dest_factor: FloatArray


class KernelState(NamedTuple):
    """The movement state the day changes, in place."""

    pop: IntArray
    transit: IntArray
    resting: IntArray
    resting_place: IntArray
    fresh: IntArray
    walking: IntArray
    arrivals: IntArray
    departures: IntArray
    link_arrivals: IntArray


# flags: any_capacity, multimode, on_foot, avoid_short_stints, awareness level 0
# scalars: capacity_buffer, weight_power, max_move_speed, max_walk_speed
MoveDay = Callable[..., None]

_compiled: MoveDay | None = None
_cache_ready: bool | None = None


def choose(kernel: str | None) -> str:
    """The kernel a run asks for: the argument, else $BORDERFLOW_KERNEL, else "auto".

    "auto" (Simulation.run) starts on NumPy and moves to the compiled kernel once the rest of
    the run is projected to take NumPy more than AUTO_SWITCH_S of CPU, if numba's cache holds
    the compiled kernel; it never compiles (a first compile costs ~35 s of CPU, more than a
    whole mali2012 run at hasten 1 takes NumPy): `borderflow compile-kernel` does.
    """
    name = kernel if kernel is not None else os.environ.get(ENV, "auto") or "auto"
    if name not in KERNELS:
        raise ValueError(f"kernel {name!r}; expected one of {', '.join(KERNELS)} (argument or ${ENV})")
    return name


def numba_installed() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def cache_dir() -> str:
    """Where numba keeps this module's compiled code: $NUMBA_CACHE_DIR if set, else
    __pycache__ beside this file when writable, else numba's per-user fallback."""
    from numba.core.caching import CacheImpl

    locators: list[Any] = list(CacheImpl._locator_classes)  # numba's own order (CacheImpl.__init__)
    for locator in locators:
        found = locator.from_function(_move_day_py, __file__)
        if found is not None:
            return str(found.get_cache_path())
    return ""


def cache_ready() -> bool:
    """True when numba is installed and holds this kernel compiled for this source (its index
    written after kernel.py last changed), so loading it costs well under a second. Once per
    process; it imports numba (~0.2 s of CPU)."""
    global _cache_ready
    if _cache_ready is None:
        _cache_ready = False
        if _compiled is not None:
            _cache_ready = True  # loaded in this process already
        elif numba_installed():
            folder = cache_dir()
            found = folder and os.path.isdir(folder)
            index = [f for f in os.listdir(folder) if f.startswith("kernel._move_day_py-")] if found else []
            source = os.path.getmtime(__file__)
            _cache_ready = any(
                f.endswith(".nbi") and os.path.getmtime(os.path.join(folder, f)) >= source for f in index
            ) and any(f.endswith(".nbc") for f in index)
    return _cache_ready


def load() -> MoveDay:
    """The compiled day (compiled on first use, or read from numba's cache)."""
    global _compiled
    if _compiled is None:
        import numba

        # no folder can hold numba's cache (read-only install and no writable home): compile in
        # every process instead of failing
        jit = numba.njit(cache=bool(cache_dir()), nogil=True)
        # each helper jitted so the kernel can call it; the module's names point at the jitted ones
        for name in _HELPERS:
            globals()[name] = jit(globals()[name])
        _compiled = jit(_move_day_py)
    return _compiled


def warm() -> None:
    """Compile (or load) the kernel by running it on a two-place network for a day."""
    from borderflow.engine.simulation import Simulation
    from borderflow.engine.world import compile_world
    from borderflow.scenario.native import scenario_from_data

    data = {
        "name": "warm-up",
        "start_date": "2024-01-01",
        "days": 1,
        "places": [{"name": "A", "kind": "conflict"}, {"name": "B", "kind": "town"}],
        "routes": [{"a": "A", "b": "B", "distance_km": 10.0}],
        "departures": [{"place": "A", "start": "2024-01-01", "end": "2024-01-01", "per_day": 10}],
        "spawn_rules": {"data_driven": False},
    }
    Simulation(compile_world(scenario_from_data(data, "warm-up")), 0, kernel="compiled").run()


def move_day(movement: Movement) -> None:
    """Movement.move with the compiled kernel: one call for the whole day."""
    fn = load()
    m = movement
    st = m.state
    rules = m._rules
    net = m.world.net
    if m._k_net is None:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0)
        m._k_net = KernelNet(
            net.link_src,
            net.link_dst,
            net.slot_link,
            net.slot_next,
            net.slot_path,
            net.path_dest,
            net.path_first_slot,
            net.origin_start,
            net.origin_count,
            np.ascontiguousarray(net.hop_variants),
            net.slot_share.astype(np.float64),
            m.slot_days,
            m.slot_km.astype(np.float64),
            m.slot_speed.astype(np.float64),
            m.slot_last_km.astype(np.float64),
            m.walk_days if m._on_foot else empty_i,
            m.walk_last_km.astype(np.float64) if m._on_foot else empty_f,
            m._cap_places.astype(np.int64),
            m._cap_values.astype(np.float64),
        )
    # the day's choice table (no capacities): built in the kernel for weight powers it raises
    # to exactly as NumPy does (1, 2, 1/2), else by the reference in NumPy
    in_kernel = float(rules.weight_power) in (1.0, 2.0, 0.5)
    if m._any_capacity or len(net.path_km) == 0:  # the table serves no capacities; no path: no choice
        probs, can = np.zeros(0), np.zeros(0, dtype=np.bool_)
    elif in_kernel:  # filled by the kernel
        probs, can = np.zeros(len(net.path_km)), np.zeros(net.n_places, dtype=np.bool_)
    else:
        if m._choice_today is None:
            m._choice_today = m._day_choice(m._no_capacity)
        probs, can = m._choice_today
    day = KernelDay(
        np.asarray(m._movechance, dtype=np.float64),
        np.ascontiguousarray(m._link_open, dtype=np.bool_),
        np.ascontiguousarray(m._path_open, dtype=np.bool_),
        np.ascontiguousarray(m._slot_open, dtype=np.bool_),
        m._is_camp,
        m._is_town if m._avoid_short_stints else m._is_camp,
        probs,
        can,
        np.asarray(m._path_base, dtype=np.float64),
        np.asarray(m._dest_factor, dtype=np.float64),
    )
    state = KernelState(
        st.pop,
        st.transit,
        st.resting,
        st.resting_place,
        st.fresh,
        st.walking,
        st.arrivals,
        st.departures,
        st.link_arrivals,
    )
    for a in state:
        if a.dtype != np.int64 or not a.flags.c_contiguous:
            raise TypeError("movement state arrays must be contiguous int64")
    flags = (
        m._any_capacity,
        m._multimode,
        m._on_foot,
        m._avoid_short_stints,
        rules.awareness_level == 0,
        not m._any_capacity and len(net.path_km) > 0 and in_kernel,  # build the day's choice table
    )
    scalars = (
        float(rules.capacity_buffer),
        float(rules.weight_power),
        float(rules.max_move_speed),
        float(rules.max_walk_speed),
    )
    fn(
        m._k_net,
        day,
        state,
        flags,
        scalars,
        st.head,
        st.day,
        m.streams["move"],
        m.streams["route"],
        m.streams["travel"],
    )


# ----- the kernel: plain Python written for numba (jitted by load()) --------------------------

MAX_WAVES_PER_DAY = 10_000
_ONE_BLOCK = 1 << 16
_BLOCK_ROWS = 64
_DAY_CHUNK = 1 << 20


def _pairwise_block(a: Any, lo: int, n: int) -> float:
    """NumPy's pairwise sum of a[lo:lo+n] for n <= 128: one block, eight accumulators."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return float(res)


def _pairwise(a: Any, lo: int, n: int) -> float:
    """NumPy's pairwise sum of a[lo:lo+n] (DOUBLE_pairwise_sum), bit for bit: blocks of at most
    128 halved on multiples of 8. NumPy recurses; here an explicit stack does (numba's on-disk
    cache crashes on recursive functions)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    task_lo = np.empty(128, dtype=np.int64)
    task_n = np.empty(128, dtype=np.int64)  # -1: add the two sums on top of the value stack
    values = np.empty(128)
    t = 0
    v = 0
    task_lo[0], task_n[0] = lo, n
    t = 1
    while t > 0:
        t -= 1
        start, size = task_lo[t], task_n[t]
        if size < 0:
            v -= 1
            values[v - 1] = values[v - 1] + values[v]
        elif size <= 128:
            values[v] = _pairwise_block(a, start, size)
            v += 1
        else:
            half = size // 2
            half -= half % 8
            task_n[t] = -1  # combine, after the left then the right half
            task_lo[t + 1], task_n[t + 1] = start + half, size - half
            task_lo[t + 2], task_n[t + 2] = start, half
            t += 3
    return float(values[0])


def _multinomial(gen: Any, n: int, probs: Any, d: int, out: Any) -> None:
    """NumPy's random_multinomial for one row of `d` columns."""
    for j in range(d):
        out[j] = 0
    remaining = 1.0
    dn = n
    for j in range(d - 1):
        c = gen.binomial(dn, probs[j] / remaining)
        out[j] = c
        dn -= c
        if dn <= 0:
            break
        remaining -= probs[j]
    if dn > 0:
        out[d - 1] = dn


def _power(x: float, w: float) -> float:
    if w == 1.0:
        return x
    if w == 2.0:
        return x * x
    if w == 0.5:
        return float(np.sqrt(x))
    return float(x**w)


def _grow(s: Any, c: Any, k: Any, n: int, more: int) -> tuple[Any, Any, Any]:
    """Hop buffers (slot, people, km today) with room for `more` beyond `n`."""
    if n + more <= len(s):
        return s, c, k
    size = max(2 * len(s), n + more, 16)
    s2 = np.empty(size, dtype=np.int64)
    c2 = np.empty(size, dtype=np.int64)
    k2 = np.empty(size, dtype=np.float64)
    s2[:n] = s[:n]
    c2[:n] = c[:n]
    k2[:n] = k[:n]
    return s2, c2, k2


def _cap_mult(net: Any, st: Any, buf: float, n_places: int) -> Any:
    """Flee's soft capacity (Movement._cap_mult), elementwise as NumPy computes it."""
    out = np.ones(n_places)
    for i in range(len(net.cap_places)):
        place = net.cap_places[i]
        cap = net.cap_values[i]
        pop = float(st.pop[place] + st.resting_place[place])
        if pop >= cap:
            v = 0.0
        elif pop <= buf * cap:
            v = 1.0
        else:
            v = 1.0 - (pop - buf * cap) / (cap * (1.0 - buf))
        out[place] = min(max(v, 0.0), 1.0)
    return out


def _merge(nodes: Any, movers: Any, km: Any) -> tuple[Any, Any, Any]:
    """movement._merge_groups: one row per (place, km), sorted by place then km."""
    keep = movers > 0
    nodes, movers, km = nodes[keep], movers[keep], km[keep]
    if len(nodes) < 2:
        return nodes, movers, km
    by_km = np.argsort(km, kind="mergesort")
    order = by_km[np.argsort(nodes[by_km], kind="mergesort")]
    n_out = np.empty(len(nodes), dtype=np.int64)
    m_out = np.empty(len(nodes), dtype=np.int64)
    k_out = np.empty(len(nodes), dtype=np.float64)
    g = -1
    for i in range(len(order)):
        o = order[i]
        if g < 0 or nodes[o] != n_out[g] or km[o] != k_out[g]:
            g += 1
            n_out[g] = nodes[o]
            m_out[g] = 0
            k_out[g] = km[o]
        m_out[g] += movers[o]
    return n_out[: g + 1], m_out[: g + 1], k_out[: g + 1]


def _depart(
    net: Any,
    day: Any,
    st: Any,
    flags: Any,
    scalars: Any,
    g_route: Any,
    nodes: Any,
    movers: Any,
    km_today: Any,
    hs: Any,
    hc: Any,
    hk: Any,
    hn: int,
) -> tuple[Any, Any, Any, int]:
    """Movement._depart: movers choose paths; their first hops are appended to the buffers."""
    any_capacity, awareness0 = flags[0], flags[4]
    buf, wpow = scalars[0], scalars[1]
    if len(net.path_dest) == 0:
        return hs, hc, hk, hn
    nodes, movers, km_today = _merge(nodes, movers, km_today)
    rows = len(nodes)
    if rows == 0:
        return hs, hc, hk, hn
    n_places = len(st.pop)
    cap = _cap_mult(net, st, buf, n_places) if any_capacity else np.ones(0)
    width = 1
    for r in range(rows):
        width = max(width, net.origin_count[nodes[r]])
    step = rows if rows * width <= _ONE_BLOCK else _BLOCK_ROWS
    paths = np.zeros(width, dtype=np.int64)
    valid = np.zeros(width, dtype=np.bool_)
    probs = np.zeros(width)
    wgt = np.zeros(width)
    counts = np.zeros(width, dtype=np.int64)
    for lo in range(0, rows, step):
        hi = min(lo + step, rows)
        bw = 1
        for r in range(lo, hi):
            c = net.origin_count[nodes[r]]
            bw = max(bw, c + 1 if c < width else c)
        for r in range(lo, hi):
            node = nodes[r]
            n_here = net.origin_count[node]
            nvalid = 0
            for j in range(bw):
                exists = j < n_here
                p = net.origin_start[node] + j if exists else 0
                paths[j] = p
                valid[j] = exists and day.path_open[p]
                if valid[j]:
                    nvalid += 1
            if not any_capacity:
                can = day.can[node]
                for j in range(bw):
                    if can:
                        probs[j] = day.path_probs[paths[j]] if valid[j] else 0.0
                    else:
                        probs[j] = 1.0 if j == 0 else 0.0
            else:
                for j in range(bw):
                    if valid[j]:
                        dest = net.path_dest[paths[j]]
                        cw = 1.0 if awareness0 else cap[dest]
                        wgt[j] = _power(day.path_base[paths[j]] * cw * day.dest_factor[dest], wpow)
                    else:
                        wgt[j] = 0.0
                total = _pairwise(wgt, 0, bw)
                can = nvalid > 0
                for j in range(bw):
                    if not can:
                        probs[j] = 1.0 if j == 0 else 0.0
                    elif total > 0:
                        probs[j] = wgt[j] / total
                    else:
                        probs[j] = (1.0 if valid[j] else 0.0) / max(nvalid, 1)
            n = movers[r] if can else 0
            if n == 0:
                continue  # no draw: NumPy's multinomial draws nothing for 0 people
            _multinomial(g_route, n, probs, bw, counts)
            moved = 0
            for j in range(bw):
                if not valid[j]:
                    counts[j] = 0
                elif any_capacity:
                    dest = net.path_dest[paths[j]]
                    if day.is_camp[dest] and cap[dest] < 0.5:
                        counts[j] = 0
                moved += counts[j]
            st.pop[node] -= moved
            st.departures[node] += moved
            hs, hc, hk = _grow(hs, hc, hk, hn, bw)
            for j in range(bw):
                if counts[j] > 0:
                    hs[hn] = net.path_first_slot[paths[j]]
                    hc[hn] = counts[j]
                    hk[hn] = km_today[r]
                    hn += 1
    return hs, hc, hk, hn


def _follow(
    net: Any,
    day: Any,
    st: Any,
    flags: Any,
    scalars: Any,
    slots: Any,
    nodes: Any,
    counts: Any,
    km: Any,
    n: int,
    hs: Any,
    hc: Any,
    hk: Any,
    hn: int,
) -> tuple[Any, Any, Any, int]:
    """Movement._follow: the next hop of a plan, unless its link closed or it ends at a full camp."""
    any_capacity = flags[0]
    cap = _cap_mult(net, st, scalars[0], len(st.pop)) if any_capacity else np.ones(0)
    hs, hc, hk = _grow(hs, hc, hk, hn, n)
    for i in range(n):
        s = slots[i]
        ok = day.link_open[net.slot_link[s]]
        if ok and any_capacity:
            dest = net.path_dest[net.slot_path[s]]
            ok = not (day.is_camp[dest] and cap[dest] < 0.5)
        if ok:
            hs[hn] = s
            hc[hn] = counts[i]
            hk[hn] = km[i]
            hn += 1
        else:
            st.pop[nodes[i]] += counts[i]
    return hs, hc, hk, hn


def _enter(
    net: Any,
    day: Any,
    st: Any,
    flags: Any,
    head: int,
    g_travel: Any,
    ss: Any,
    sc: Any,
    sk: Any,
    sn: int,
) -> tuple[Any, Any, Any, int]:
    """Movement._enter: people step onto hops, split between travel modes; multi-day hops go
    into the ring, the rest are returned (slot, people, km at the hop's end)."""
    multimode = flags[1]
    ring = st.transit.shape[1]
    if multimode:
        nv = net.hop_variants.shape[1]
        vs = np.empty(max(sn * nv, 1), dtype=np.int64)
        vc = np.empty(max(sn * nv, 1), dtype=np.int64)
        vk = np.empty(max(sn * nv, 1), dtype=np.float64)
        vn = 0
        share = np.zeros(nv)
        split = np.zeros(nv, dtype=np.int64)
        var = np.zeros(nv, dtype=np.int64)
        for i in range(sn):
            for j in range(nv):
                v = net.hop_variants[ss[i], j]
                ok = v >= 0
                var[j] = v if ok else 0
                share[j] = net.slot_share[var[j]] if ok and day.slot_open[var[j]] else 0.0
            total = _pairwise(share, 0, nv)
            for j in range(nv):
                if total > 0:
                    share[j] = share[j] / total
                else:
                    share[j] = 1.0 if j == 0 else 0.0
            _multinomial(g_travel, sc[i], share, nv, split)
            for j in range(nv):
                if split[j] > 0:
                    vs[vn] = var[j]
                    vc[vn] = split[j]
                    vk[vn] = sk[i]
                    vn += 1
        ss, sc, sk, sn = vs, vc, vk, vn
    os_ = np.empty(max(sn, 1), dtype=np.int64)
    oc = np.empty(max(sn, 1), dtype=np.int64)
    ok_ = np.empty(max(sn, 1), dtype=np.float64)
    on = 0
    for i in range(sn):
        s = ss[i]
        d = net.slot_days[s]
        if d > 1:
            st.transit[s, (head + d - 1) % ring] += sc[i]
        else:
            os_[on] = s
            oc[on] = sc[i]
            ok_[on] = sk[i] + net.slot_km[s]
            on += 1
    return os_, oc, ok_, on


def _travel(
    net: Any,
    day: Any,
    st: Any,
    flags: Any,
    scalars: Any,
    head: int,
    g_move: Any,
    g_route: Any,
    g_travel: Any,
    ws: Any,
    wc: Any,
    wk: Any,
    wn: int,
    first_speed: float,
) -> None:
    """Movement._travel: hops end; whoever arrives with distance to spare goes on.
    `first_speed` > 0: the speed of the first wave's hops (people walking a first hop)."""
    avoid_short = flags[3]
    max_move = scalars[2]
    for _ in range(MAX_WAVES_PER_DAY):
        if wn == 0:
            return
        # the wave without closed links, in order; travellers on closed links go back
        ms = np.empty(wn, dtype=np.int64)
        mc = np.empty(wn, dtype=np.int64)
        mk = np.empty(wn, dtype=np.float64)
        mn = 0
        es = np.empty(wn, dtype=np.int64)
        en = 0
        for i in range(wn):
            s = ws[i]
            link = net.slot_link[s]
            if not day.link_open[link]:
                st.pop[net.link_src[link]] += wc[i]
                continue
            node = net.link_dst[link]
            st.arrivals[node] += wc[i]
            st.link_arrivals[link] += wc[i]
        # mid-plan: rest or go on (all rest entries first, then the followers: as the reference)
        for i in range(wn):
            s = ws[i]
            link = net.slot_link[s]
            if not day.link_open[link]:
                continue
            speed = first_speed if first_speed > 0 else net.slot_speed[s]
            nxt = net.slot_next[s]
            node = net.link_dst[link]
            spare = wk[i] < speed
            if nxt >= 0:
                if spare:
                    ms[mn] = nxt
                    mc[mn] = wc[i]
                    mk[mn] = wk[i]
                    es[mn] = node
                    mn += 1
                else:
                    st.resting[nxt] += wc[i]
                    st.resting_place[node] += wc[i]
        hs = np.empty(max(mn, 16), dtype=np.int64)
        hc = np.empty(max(mn, 16), dtype=np.int64)
        hk = np.empty(max(mn, 16), dtype=np.float64)
        hn = 0
        if mn > 0:
            hs, hc, hk, hn = _follow(net, day, st, flags, scalars, ms, es, mc, mk, mn, hs, hc, hk, hn)
        # plans that end here: people stay, and those with distance to spare decide again
        for i in range(wn):
            s = ws[i]
            link = net.slot_link[s]
            if not day.link_open[link] or net.slot_next[s] >= 0:
                continue
            st.pop[net.link_dst[link]] += wc[i]
        for i in range(wn):
            s = ws[i]
            link = net.slot_link[s]
            if not day.link_open[link] or net.slot_next[s] >= 0:
                continue
            speed = first_speed if first_speed > 0 else net.slot_speed[s]
            if wk[i] < speed:
                ms[en] = net.link_dst[link]
                mc[en] = wc[i]
                mk[en] = wk[i]
                en += 1
        if en > 0:
            movers = np.empty(en, dtype=np.int64)
            for i in range(en):
                at = ms[i]
                chance = day.movechance[at]
                if avoid_short and day.is_town[at] and mk[i] < max_move:
                    chance = 1.0
                movers[i] = g_move.binomial(mc[i], chance)
            hs, hc, hk, hn = _depart(
                net, day, st, flags, scalars, g_route, ms[:en].copy(), movers, mk[:en].copy(), hs, hc, hk, hn
            )
        first_speed = 0.0
        if mn > 0 or en > 0:
            ws, wc, wk, wn = _enter(net, day, st, flags, head, g_travel, hs, hc, hk, hn)
        else:
            wn = 0
    raise RuntimeError("too many same-day hops; check for links of near-zero length")


def _day_table(net: Any, day: Any, wpow: float, n_places: int) -> None:
    """Movement._day_choice without capacities, into day.path_probs and day.can (zeros): each
    path's probability and whether each place has an open path, for the whole day. The same
    chunks of places sorted by their number of paths, each as wide as its widest place, since
    NumPy's sum of a row depends on its width."""
    n_paths = net.origin_count
    order = np.argsort(n_paths, kind="mergesort")
    counts = np.empty(n_places, dtype=np.int64)
    for i in range(n_places):
        counts[i] = max(n_paths[order[i]], 1)
    wgt = np.zeros(max(counts[n_places - 1], 1) if n_places else 1)
    lo = 0
    while lo < n_places:
        hi = lo
        while hi < n_places and (hi + 1 - lo) * counts[hi] <= _DAY_CHUNK:
            hi += 1
        hi = max(hi, lo + 1)
        width = counts[hi - 1]
        for r in range(lo, hi):
            node = order[r]
            start = net.origin_start[node]
            nvalid = 0
            for j in range(width):
                if j < n_paths[node] and day.path_open[start + j]:
                    # capacity factor 1 (none here) multiplies exactly: left out
                    wgt[j] = _power(day.path_base[start + j] * day.dest_factor[net.path_dest[start + j]], wpow)
                    nvalid += 1
                else:
                    wgt[j] = 0.0
            total = _pairwise(wgt, 0, width)
            day.can[node] = nvalid > 0
            if nvalid == 0:
                continue
            for j in range(min(width, n_paths[node])):
                if day.path_open[start + j]:
                    day.path_probs[start + j] = wgt[j] / total if total > 0 else 1.0 / nvalid
        lo = hi


def _move_day_py(
    net: Any,
    day: Any,
    st: Any,
    flags: Any,
    scalars: Any,
    head: int,
    today: int,
    g_move: Any,
    g_route: Any,
    g_travel: Any,
) -> None:
    """Movement.move: everyone staying decides; everyone on the road travels."""
    on_foot = flags[2]
    n_places = len(st.pop)
    if flags[5]:
        _day_table(net, day, scalars[1], n_places)
    every = np.arange(n_places)
    zeros = np.zeros(n_places)
    hs = np.empty(16, dtype=np.int64)
    hc = np.empty(16, dtype=np.int64)
    hk = np.empty(16, dtype=np.float64)
    hn = 0
    if on_foot:
        for i in range(n_places):
            st.fresh[i] = min(st.fresh[i], st.pop[i])
        walkers = np.empty(n_places, dtype=np.int64)
        for i in range(n_places):
            walkers[i] = g_move.binomial(st.fresh[i], day.movechance[i])
        movers = np.empty(n_places, dtype=np.int64)
        for i in range(n_places):
            movers[i] = g_move.binomial(st.pop[i] - st.fresh[i], day.movechance[i])
        # the fresh who set out walk their first hop
        before = st.pop.copy()
        hs, hc, hk, hn = _depart(net, day, st, flags, scalars, g_route, every, walkers, zeros, hs, hc, hk, hn)
        for i in range(n_places):
            st.fresh[i] -= before[i] - st.pop[i]
        walk_ring = st.walking.shape[1]
        ws = np.empty(max(hn + len(st.resting), 1), dtype=np.int64)
        wc = np.empty(len(ws), dtype=np.int64)
        wk = np.empty(len(ws), dtype=np.float64)
        wn = 0
        for i in range(hn):
            s = hs[i]
            d = net.walk_days[s]
            if d > 1:
                st.walking[s, (today + d - 1) % walk_ring] += hc[i]
            else:
                ws[wn] = s
                wc[wn] = hc[i]
                wk[wn] = hk[i] + net.slot_km[s]
                wn += 1
        pos = today % walk_ring
        for s in range(st.walking.shape[0]):
            if st.walking[s, pos] > 0:
                ws[wn] = s
                wc[wn] = st.walking[s, pos]
                wk[wn] = net.walk_last_km[s]
                wn += 1
                st.walking[s, pos] = 0
        if wn > 0:
            _travel(net, day, st, flags, scalars, head, g_move, g_route, g_travel, ws, wc, wk, wn, scalars[3])
        hn = 0
    else:
        movers = np.empty(n_places, dtype=np.int64)
        for i in range(n_places):
            movers[i] = g_move.binomial(st.pop[i], day.movechance[i])
    hs, hc, hk, hn = _depart(net, day, st, flags, scalars, g_route, every, movers, zeros, hs, hc, hk, hn)
    n_rest = 0
    for s in range(len(st.resting)):
        if st.resting[s] > 0:
            n_rest += 1
    if n_rest > 0:
        rs = np.empty(n_rest, dtype=np.int64)
        rc = np.empty(n_rest, dtype=np.int64)
        k = 0
        for s in range(len(st.resting)):
            if st.resting[s] > 0:
                rs[k] = s
                rc[k] = st.resting[s]
                st.resting[s] = 0
                k += 1
        st.resting_place[:] = 0
        nodes = np.empty(n_rest, dtype=np.int64)
        for i in range(n_rest):
            nodes[i] = net.link_src[net.slot_link[rs[i]]]
        hs, hc, hk, hn = _follow(net, day, st, flags, scalars, rs, nodes, rc, np.zeros(n_rest), n_rest, hs, hc, hk, hn)
    ws, wc, wk, wn = _enter(net, day, st, flags, head, g_travel, hs, hc, hk, hn)
    ws, wc, wk = _grow(ws, wc, wk, wn, st.transit.shape[0])
    for s in range(st.transit.shape[0]):
        if st.transit[s, head] > 0:
            ws[wn] = s
            wc[wn] = st.transit[s, head]
            wk[wn] = net.slot_last_km[s]
            wn += 1
            st.transit[s, head] = 0
    _travel(net, day, st, flags, scalars, head, g_move, g_route, g_travel, ws, wc, wk, wn, 0.0)


_HELPERS = (
    "_pairwise_block",
    "_pairwise",
    "_multinomial",
    "_power",
    "_grow",
    "_cap_mult",
    "_day_table",
    "_merge",
    "_depart",
    "_follow",
    "_enter",
    "_travel",
)
