"""The result of a run: tidy daily tables, the observed comparison and the manifest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from borderflow.engine.border import CITY_FIELDS, PORT_FIELDS, SECTOR_FIELDS, BorderRecord
from borderflow.engine.caravan import CaravanRecord
from borderflow.engine.simulation import DailyRecord
from borderflow.engine.world import World
from borderflow.metrics import validation

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Result:
    """Outputs of one run, in people (simulated units x hasten)."""

    world: World
    seed: int
    record: DailyRecord
    policy: str | None = None
    border: BorderRecord | None = None
    caravans: CaravanRecord | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scenario_name(self) -> str:
        return self.world.scenario.name

    @property
    def places(self) -> tuple[str, ...]:
        return self.world.net.names

    @property
    def dates(self) -> list[dt.date]:
        start = self.world.scenario.start_date
        return [start + dt.timedelta(days=t) for t in range(self.world.days)]

    @property
    def observed_places(self) -> list[str]:
        return list(self.world.observed)

    def series(self, quantity: str = "population") -> NDArray[np.int64]:
        """(days, places) array of a recorded quantity, in people."""
        arr: NDArray[np.int64] = getattr(self.record, quantity)
        return arr * self.world.hasten

    def sim_series(self, place: str) -> NDArray[np.int64]:
        return self.series()[:, self.world.net.index[place]]

    def obs_series(self, place: str) -> NDArray[np.float64]:
        j = self.world.observed.index(place)
        obs: NDArray[np.float64] = self.world.obs[:, j] * self.world.hasten
        return obs

    def to_pandas(self) -> pd.DataFrame:
        """Tidy daily table: one row per day and place."""
        import pandas as pd  # imported when needed: the engine does not need it

        T, L = self.world.days, self.world.net.n_places
        h = self.world.hasten
        rec = self.record
        return pd.DataFrame(
            {
                "date": np.repeat(np.array(self.dates, dtype="datetime64[D]"), L),
                "day": np.repeat(np.arange(T, dtype=np.int64), L),
                "place": np.tile(np.array(self.places, dtype=object), T),
                **{s.name: rec.arrays[s.name].reshape(-1) * h for s in rec.specs},
            }
        )

    def observed_table(self) -> pd.DataFrame:
        """Simulated vs observed per observed place and day."""
        import pandas as pd  # imported when needed: the engine does not need it

        names = self.observed_places
        T = self.world.days
        if not names:
            return pd.DataFrame(columns=["date", "day", "place", "simulated", "observed"])
        return pd.DataFrame(
            {
                "date": np.repeat(np.array(self.dates, dtype="datetime64[D]"), len(names)),
                "day": np.repeat(np.arange(T, dtype=np.int64), len(names)),
                "place": np.tile(np.array(names, dtype=object), T),
                "simulated": np.stack([self.sim_series(n) for n in names], axis=1).reshape(-1),
                "observed": np.stack([self.obs_series(n) for n in names], axis=1).reshape(-1),
            }
        )

    def border_table(self) -> pd.DataFrame:
        """Tidy daily border outputs: one row per day and facility (port, sector or city)."""
        import pandas as pd  # imported when needed: the engine does not need it

        b = self.border
        if b is None:
            return pd.DataFrame()
        frames = []
        dates = np.array(self.dates, dtype="datetime64[D]")
        for kind, names, fields in (
            ("port", b.ports, PORT_FIELDS),
            ("sector", b.sectors, SECTOR_FIELDS),
            ("city", b.cities, CITY_FIELDS),
        ):
            if not names:
                continue
            n = len(names)
            cols: dict[str, Any] = {
                "date": np.repeat(dates, n),
                "kind": kind,
                "facility": np.tile(np.array(names, dtype=object), len(dates)),
            }
            for f in fields:
                cols[f] = b.arrays[f"{kind}_{f}"].reshape(-1)
            frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def route_table(self) -> pd.DataFrame:
        """People who travelled each route a day, by direction (the movement rules' hops
        completed; passing through counts, caravans walking as a group do not)."""
        import pandas as pd  # imported when needed: the engine does not need it

        net = self.world.net
        flow = self.record.link_flow
        if flow.size == 0:
            return pd.DataFrame(columns=["date", "from", "to", "people"])
        n = net.n_links
        names = np.array(net.names, dtype=object)
        return pd.DataFrame(
            {
                "date": np.repeat(np.array(self.dates, dtype="datetime64[D]"), n),
                "from": np.tile(names[net.link_src], len(self.dates)),
                "to": np.tile(names[net.link_dst], len(self.dates)),
                "people": flow.reshape(-1) * self.world.hasten,
            }
        )

    def caravan_table(self) -> pd.DataFrame:
        """Daily size and position of each caravan."""
        import pandas as pd  # imported when needed: the engine does not need it

        c = self.caravans
        if c is None:
            return pd.DataFrame()
        names = self.places
        n = len(c.names)
        return pd.DataFrame(
            {
                "date": np.repeat(np.array(self.dates, dtype="datetime64[D]"), n),
                "caravan": np.tile(np.array(c.names, dtype=object), len(self.dates)),
                "size": c.size.reshape(-1),
                "place": [names[i] if i >= 0 else "" for i in c.place.reshape(-1)],
            }
        )

    def metrics(self) -> dict[str, Any]:
        """Validation metrics against the observations (empty without observations)."""
        names = self.observed_places
        if not names:
            return {}
        sim = {n: self.sim_series(n) for n in names}
        obs = {n: self.obs_series(n) for n in names}
        return {**validation.summary(sim, obs), "places": validation.per_place(sim, obs)}

    def summary_table(self) -> pd.DataFrame:
        """Per place: final population, total arrivals and the peak, sorted by final population."""
        import pandas as pd  # imported when needed: the engine does not need it

        pop = self.series("population")
        arr = self.series("arrivals")
        df = pd.DataFrame(
            {
                "place": list(self.places),
                "final_population": pop[-1],
                "peak_population": pop.max(axis=0),
                "total_arrivals": arr.sum(axis=0),
            }
        )
        return df.sort_values(["final_population", "place"], ascending=[False, True]).reset_index(drop=True)
