"""The border system: ports with processing capacity and queues, Border Patrol sectors,
border cities with shelters and appointments, and officers as a resource.

People reach ports and sectors by the ordinary route rules from border cities. A port
keeps its queue first-in first-out (a ledger of counts by arrival day, so waits are
exact) and processes up to its capacity, which falls with its staffing; below its
minimum staffing it closes and its queue goes back to the city to choose again.
Arriving at a sector is an encounter by the Border Patrol; a sector processes its
custody backlog up to a capacity that grows with officers pulled from the sector's ports
when the backlog passes a threshold. Processed people leave the flow, or a share is sent
back south. Appointments (CBP One) are scheduled: the daily quota is shared by the open
appointment ports, each takes its share from the people waiting in its border city (those
registered for an appointment first) and processes them that day, outside the walk-up queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.engine.components import Component, DayView
from borderflow.network.graph import BoolArray, FloatArray, IntArray
from borderflow.scenario.border_specs import BorderSpec

PORT_FIELDS = (
    "queue",
    "processed",
    "wait_days",
    "officers",
    "closed",
    "capacity_factor",
    "appointments",
    "returned",
)
SECTOR_FIELDS = ("encounters", "backlog", "processed", "officers_pulled", "returned")
CITY_FIELDS = ("population", "waiting", "appointments", "shelter_occupancy", "overflow")


@dataclass(frozen=True)
class BorderRecord:
    """Daily border outputs in people: (days, n) arrays per facility kind."""

    ports: tuple[str, ...]
    sectors: tuple[str, ...]
    cities: tuple[str, ...]
    arrays: dict[str, FloatArray]

    def southwest_encounters(self) -> FloatArray:
        """People a day met at the southwest border: Border Patrol encounters in every sector
        plus people processed at every port (CBP's Southwest Land Border Encounters). The one
        definition, used by the CLI, ensembles and comparisons."""
        a = self.arrays
        daily: FloatArray = (a["sector_encounters"].sum(axis=1) + a["port_processed"].sum(axis=1)).astype(np.float64)
        return daily


@dataclass
class BorderDay:
    """Today's levers on the border, new each morning: what policies may set (BorderLevers)."""

    forced_closed: BoolArray  # (P,) ports closed by a policy today
    away: IntArray  # (P,) officers of each port redeployed elsewhere today
    capacity_factor: FloatArray  # (P,) multiplies each port's walk-up processing capacity today
    quota_factor: float = 1.0  # multiplies the appointment quota today

    def close_ports(self, ports: IntArray) -> None:
        self.forced_closed[ports] = True

    def scale_capacity(self, ports: IntArray, factor: float) -> None:
        """A partial closure: levers on one port multiply; a factor of 0 closes it."""
        np.multiply.at(self.capacity_factor, ports, factor)

    def scale_quota(self, factor: float) -> None:
        self.quota_factor *= factor

    def redeploy(self, ports: IntArray, officers: int) -> None:
        self.away[ports] += officers


@dataclass
class BorderState:
    """What changes during a run; `today` holds the levers policies set for the day."""

    officers: IntArray  # (P,) officers at each port now
    pulled: IntArray  # (P,) officers of each port currently working for its sector
    closed: BoolArray  # (P,) closed today (staffing or policy)
    today: BorderDay  # today's levers
    ledger: IntArray  # (P, T) people queueing at each port by the day they joined
    waiting: IntArray  # (C,) people in each border city registered for an appointment (part of its population)


class BorderSystem(Component):
    """The border as an engine component: it shapes the day's moves after policies spoke
    (before_rank 20), and processes queues and custody before policies act on the day's
    result (after_rank 0). Its random stream is `border`."""

    name = "border"
    before_rank = 20
    after_rank = 0

    def __init__(self, spec: BorderSpec, index: dict[str, int], link_dst: IntArray, days: int, hasten: int) -> None:
        # compiled once: the daily step reads these, never the scenario's spec
        self.names = (
            tuple(p.place for p in spec.ports),
            tuple(x.place for x in spec.sectors),
            tuple(c.place for c in spec.cities),
        )
        self.city_movechance = spec.city_movechance
        self.port_weight, self.sector_weight, self.patience_days = (
            spec.port_weight,
            spec.sector_weight,
            spec.patience_days,
        )
        self.appointments_per_day = spec.appointments_per_day
        self.register_share = spec.register_share_per_day
        rule = spec.staff_rule
        # (backlog that pulls officers, backlog that releases them, officers moved a day), or None
        self.staff_rule = (
            None
            if rule is None
            else (float(rule.backlog_threshold), float(rule.release_threshold), int(rule.officers_per_day))
        )
        self.h = hasten
        self.port = np.array([index[p.place] for p in spec.ports], dtype=np.int64)
        self.port_city = np.array([index[p.city] for p in spec.ports], dtype=np.int64)
        sector_pos = {s.place: i for i, s in enumerate(spec.sectors)}
        self.port_sector = np.array([sector_pos[p.sector] for p in spec.ports], dtype=np.int64)
        self._ports_of_sector = [np.flatnonzero(self.port_sector == s) for s in range(len(spec.sectors))]
        self.port_capacity = np.array([p.processing_per_day / hasten for p in spec.ports])
        self.officers0 = np.array([p.officers for p in spec.ports], dtype=np.int64)
        self.min_officers = np.array([p.min_officers for p in spec.ports], dtype=np.int64)
        self.port_appt = np.array([p.appointments for p in spec.ports], dtype=np.bool_)
        self.port_returned = np.array([p.returned_share for p in spec.ports])
        self.sector = np.array([index[s.place] for s in spec.sectors], dtype=np.int64)
        self.sector_capacity = np.array([s.processing_per_day / hasten for s in spec.sectors])
        self.sector_per_officer = np.array([s.per_officer_per_day / hasten for s in spec.sectors])
        self.sector_returned = np.array([s.returned_share for s in spec.sectors])
        self.city = np.array([index[c.place] for c in spec.cities], dtype=np.int64)
        city_pos = {c.place: i for i, c in enumerate(spec.cities)}
        # each port's city among the border cities (-1: the city has no entry in border.cities)
        self.port_city_pos = np.array([city_pos.get(p.city, -1) for p in spec.ports], dtype=np.int64)
        # cities where people register for appointments: those served by an appointment port
        self.registers = np.isin(np.arange(len(spec.cities)), self.port_city_pos[self.port_appt])
        self.shelter = np.array([c.shelter_capacity / hasten for c in spec.cities])
        self.returns_to = None if spec.returns_to is None else index[spec.returns_to]
        # links into each port, closed while the port is closed
        self.links_into_port = [np.flatnonzero(link_dst == p) for p in self.port]
        P, S, C = len(self.port), len(self.sector), len(self.city)
        self.state = BorderState(
            officers=self.officers0.copy(),
            pulled=np.zeros(P, dtype=np.int64),
            closed=self.officers0 < self.min_officers,
            today=self.levers(),
            ledger=np.zeros((P, days), dtype=np.int64),
            waiting=np.zeros(C, dtype=np.int64),
        )
        self.record = {
            **{f"port_{k}": np.zeros((days, P)) for k in PORT_FIELDS},
            **{f"sector_{k}": np.zeros((days, S)) for k in SECTOR_FIELDS},
            **{f"city_{k}": np.zeros((days, C)) for k in CITY_FIELDS},
        }

    def result(self) -> BorderRecord:
        ports, sectors, cities = self.names
        return BorderRecord(ports=ports, sectors=sectors, cities=cities, arrays=self.record)

    # ----- before people move -------------------------------------------------------------
    def levers(self) -> BorderDay:
        """A fresh set of today's levers (nothing closed, nobody away, the quota as planned)."""
        P = len(self.port)
        return BorderDay(np.zeros(P, dtype=np.bool_), np.zeros(P, dtype=np.int64), np.ones(P))

    def before_moves(self, view: DayView) -> None:
        """Set today's move chances, port attractiveness and closed ports (after policies spoke)."""
        st = self.state
        assert isinstance(view.border, BorderDay)
        st.today = view.border
        st.closed = (
            (self._on_duty() < self.min_officers)
            | st.today.forced_closed
            | (self.port_capacity * st.today.capacity_factor <= 0)
        )
        # people registered for an appointment stay put: the move chance falls on the others
        pop = view.people_at(self.city)
        st.waiting = np.minimum(st.waiting, pop)  # anyone taken from a city since counts as waiting last
        free = np.divide(pop - st.waiting, pop, out=np.ones(len(pop)), where=pop > 0)
        view.set_move_chance(self.city, self.city_movechance * free)
        view.set_move_chance(self.sector, 0.0)  # people in custody do not walk away
        view.set_move_chance(self.port, np.where(st.closed, 1.0, 0.0))  # a closed port's queue chooses again
        cap = self._port_capacity() + self._appointment_shares()  # the rate a queue is served at, at most
        with np.errstate(divide="ignore", invalid="ignore"):
            wait = np.where(cap > 0, view.people_at(self.port) / cap, np.inf)
        view.scale_destination(self.port, self.port_weight / (1.0 + wait / self.patience_days))
        view.scale_destination(self.sector, self.sector_weight)
        for p in np.flatnonzero(st.closed):
            view.close_links(self.links_into_port[p])

    def _appointment_shares(self) -> FloatArray:
        """Today's appointments each port may give (the quota shared by the open appointment ports)."""
        takers = self.port_appt & ~self.state.closed
        n = int(takers.sum())
        quota = self.appointments_per_day * self.state.today.quota_factor / self.h
        share: FloatArray = np.where(takers, quota / max(n, 1), 0.0)
        return share

    def _port_capacity(self) -> FloatArray:
        st = self.state
        staffing = np.divide(
            self._on_duty(), self.officers0, out=np.ones(len(self.port)), where=self.officers0 > 0
        ).clip(0.0, 1.0)
        cap: FloatArray = np.where(st.closed, 0.0, self.port_capacity * staffing * st.today.capacity_factor)
        return cap

    # ----- after people moved ----------------------------------------------------------------
    def after_moves(self, view: DayView) -> None:
        """Appointments, port and sector processing, staff moves; the day's border records."""
        t, rng = view.day, view.rng
        P = len(self.port)
        rec = self.record
        st = self.state
        self._reconcile(t, view.people_at(self.port))
        st.waiting = np.minimum(st.waiting, view.people_at(self.city))
        appt, from_queue, appt_by_city, queue_wait = self._appointments(t, view)
        # ports: walk-ups first in, first out, up to capacity; appointments besides
        cap = _whole(self._port_capacity(), rng)
        walk_ups = np.minimum(view.people_at(self.port), cap)
        waits = np.zeros(P)
        for p in np.flatnonzero(walk_ups):
            waits[p] = self._serve(int(p), int(walk_ups[p]), t)
        view.remove(self.port, walk_ups)
        queued = walk_ups + from_queue  # the mean wait of everyone processed from the queue
        waits = np.divide(waits * walk_ups + queue_wait * from_queue, queued, out=np.zeros(P), where=queued > 0)
        done = walk_ups + appt
        back_p = rng.binomial(done, self.port_returned)
        # sectors: the custody backlog
        s_cap = _whole(self.sector_capacity + self.sector_per_officer * self._pulled_by_sector(), rng)
        s_done = np.minimum(view.people_at(self.sector), s_cap)
        view.remove(self.sector, s_done)
        back_s = rng.binomial(s_done, self.sector_returned)
        where = np.concatenate([self.port, self.sector])
        back, processed = np.concatenate([back_p, back_s]), np.concatenate([done, s_done])
        if self.returns_to is not None:
            view.release(self.returns_to, int(back.sum()))
            view.tally("returned", where, back)
            view.tally("settled", where, processed - back)
        else:
            view.tally("settled", where, processed)
        queues, backlog = view.people_at(self.port), view.people_at(self.sector)
        self._staff_rule(backlog)
        self._register(view)
        h = self.h
        rec["port_queue"][t] = queues * h
        rec["port_processed"][t] = done * h
        rec["port_wait_days"][t] = waits
        rec["port_officers"][t] = self._on_duty()
        rec["port_closed"][t] = self.state.closed
        rec["port_capacity_factor"][t] = self.state.today.capacity_factor
        rec["port_appointments"][t] = appt * h
        rec["port_returned"][t] = back_p * h
        rec["sector_encounters"][t] = view.arrived_at(self.sector) * h
        rec["sector_backlog"][t] = backlog * h
        rec["sector_processed"][t] = s_done * h
        rec["sector_officers_pulled"][t] = self._pulled_by_sector()
        rec["sector_returned"][t] = back_s * h
        city_pop = view.people_at(self.city).astype(np.float64)
        rec["city_population"][t] = city_pop * h
        rec["city_waiting"][t] = st.waiting * h
        rec["city_appointments"][t] = appt_by_city * h
        rec["city_shelter_occupancy"][t] = np.minimum(city_pop, self.shelter) * h
        rec["city_overflow"][t] = np.maximum(city_pop - self.shelter, 0.0) * h

    def _reconcile(self, t: int, queues: IntArray) -> None:
        """Keep each port's ledger equal to its queue: newcomers join today, leavers leave last-in first."""
        ledger = self.state.ledger
        diffs = queues - ledger[:, : t + 1].sum(axis=1)
        for p in np.flatnonzero(diffs):
            diff = int(diffs[p])
            if diff > 0:
                ledger[p, t] += diff
            else:
                _take_newest(ledger[p, : t + 1], -diff)

    def _appointments(self, t: int, view: DayView) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """CBP One: the day's quota, shared equally by the open appointment ports, each taking
        its share from the people waiting in its city -- those staying there (the registered,
        then the others), then those waiting at the port itself (longest first) -- and
        processing them today outside the walk-up queue and its capacity. Appointments nobody
        is there to take go unused. Returns per port the appointments kept and those of them
        taken from its queue with their mean wait, and per border city those taken from it."""
        st = self.state
        P = len(self.port)
        takers = self.port_appt & ~st.closed
        n = int(takers.sum())
        appt, from_queue = np.zeros(P, dtype=np.int64), np.zeros(P, dtype=np.int64)
        queue_wait = np.zeros(P)
        by_city = np.zeros(len(self.city), dtype=np.int64)
        if n == 0 or self.appointments_per_day <= 0:
            return appt, from_queue, by_city, queue_wait
        shares = self._appointment_shares()
        for p in np.flatnonzero(takers):
            city, c = int(self.port_city[p]), int(self.port_city_pos[p])
            want = int(_whole(shares[p : p + 1], view.rng)[0])
            k = min(int(view.people_at(city)), want)
            view.remove(city, k)
            if c >= 0:
                st.waiting[c] -= min(k, int(st.waiting[c]))  # the registered are served first
                by_city[c] += k
            q = min(int(view.people_at(int(self.port[p]))), want - k)
            if q > 0:
                queue_wait[p] = self._serve(int(p), q, t)
                view.remove(int(self.port[p]), q)
            appt[p], from_queue[p] = k + q, q
        return appt, from_queue, by_city, queue_wait

    def _register(self, view: DayView) -> None:
        """Each person staying in a city with an appointment port, not yet registered, registers
        with chance `register_share_per_day` and waits there for an appointment."""
        if self.register_share <= 0 or not self.registers.any():
            return  # no draws: scenarios without registration keep their random numbers
        st = self.state
        cities = np.flatnonzero(self.registers)
        free = view.people_at(self.city[cities]) - st.waiting[cities]
        st.waiting[cities] += view.rng.binomial(np.maximum(free, 0), self.register_share)

    def _serve(self, p: int, n: int, t: int) -> float:
        """Take n people from the front of port p's queue; their mean wait in days."""
        row = self.state.ledger[p, : t + 1]
        left, weighted = n, 0.0
        for day in np.flatnonzero(row):
            k = min(left, int(row[day]))
            row[day] -= k
            weighted += k * (t - day)
            left -= k
            if left == 0:
                break
        return weighted / n

    def _on_duty(self) -> IntArray:
        on: IntArray = np.maximum(self.state.officers - self.state.today.away, 0)
        return on

    def _pulled_by_sector(self) -> IntArray:
        out = np.zeros(len(self.sector), dtype=np.int64)
        np.add.at(out, self.port_sector, self.state.pulled)
        return out

    def _staff_rule(self, backlog_units: IntArray) -> None:
        if self.staff_rule is None:
            return
        pull_above, release_below, per_day = self.staff_rule
        st = self.state
        backlog = backlog_units * self.h
        for s, ports in enumerate(self._ports_of_sector):
            if len(ports) == 0:
                continue
            if backlog[s] > pull_above:
                for _ in range(per_day):  # one at a time from the best-staffed port
                    p = ports[np.argmax(st.officers[ports])]
                    if st.officers[p] == 0:
                        break
                    st.officers[p] -= 1
                    st.pulled[p] += 1
            elif backlog[s] < release_below:
                for _ in range(per_day):  # back to the port that misses most
                    lent = ports[st.pulled[ports] > 0]
                    if len(lent) == 0:
                        break
                    p = lent[np.argmax(st.pulled[lent])]
                    st.officers[p] += 1
                    st.pulled[p] -= 1


def _whole(x: FloatArray, rng: np.random.Generator) -> IntArray:
    """Whole numbers with the same expectation: the fractional part is drawn."""
    base = np.floor(x)
    out: IntArray = (base + (rng.random(len(x)) < x - base)).astype(np.int64)
    return out


def _take_newest(row: IntArray, n: int) -> None:
    for day in np.flatnonzero(row)[::-1]:
        k = min(n, int(row[day]))
        row[day] -= k
        n -= k
        if n == 0:
            return
