"""What a report draws of one run: daily values per place, route, port and sector, in people.

Built from a Result in memory or read back from a run's results folder, so that the report
of a folder shows what the run wrote. Comparisons keep one per run and draw their mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from borderflow.engine.border import PORT_FIELDS, SECTOR_FIELDS, BorderRecord

if TYPE_CHECKING:
    from borderflow.results.result import Result

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RunLayers:
    """Daily values of one run (or a mean of runs); rows are days."""

    places: tuple[str, ...]
    population: FloatArray  # (T, places) people staying
    links: tuple[tuple[str, str], ...]  # directed: (from, to)
    route_flow: FloatArray  # (T, links) people who travelled the link
    ports: tuple[str, ...] = ()
    port_queue: FloatArray | None = None  # (T, ports)
    sectors: tuple[str, ...] = ()
    sector_encounters: FloatArray | None = None  # (T, sectors)
    southwest_encounters: FloatArray | None = None  # (T,) BorderRecord.southwest_encounters

    @property
    def days(self) -> int:
        return int(self.population.shape[0])

    @classmethod
    def from_result(cls, result: Result) -> RunLayers:
        net = result.world.net
        names = net.names
        b = result.border
        return cls(
            places=tuple(names),
            population=result.series("population").astype(np.float64),
            links=tuple((names[s], names[d]) for s, d in zip(net.link_src, net.link_dst, strict=True)),
            route_flow=(result.record.link_flow * result.world.hasten).astype(np.float64)
            if result.record.link_flow.size
            else np.zeros((result.world.days, 0)),
            **_border_fields(b),
        )

    @classmethod
    def from_folder(cls, folder: Path) -> RunLayers:
        """Read back what `write_results` wrote (daily, routes and border tables)."""
        import pandas as pd

        daily = pd.read_parquet(folder / "daily.parquet", columns=["day", "place", "population"])
        places = tuple(dict.fromkeys(daily["place"].tolist()))
        T = int(daily["day"].max()) + 1 if len(daily) else 0
        population = daily["population"].to_numpy(dtype=np.float64).reshape(T, len(places))
        links: tuple[tuple[str, str], ...] = ()
        flow = np.zeros((T, 0))
        if (folder / "routes.parquet").is_file():
            routes = pd.read_parquet(folder / "routes.parquet")
            n = len(routes) // T if T else 0
            links = tuple(zip(routes["from"][:n].tolist(), routes["to"][:n].tolist(), strict=True))
            flow = routes["people"].to_numpy(dtype=np.float64).reshape(T, n)
        border = None
        if (folder / "border.parquet").is_file():
            border = _border_from_table(pd.read_parquet(folder / "border.parquet"), T)
        return cls(places, population, links, flow, **_border_fields(border))

    def to_json(self, light: bool = False) -> dict[str, Any]:
        """Plain data (lists, one decimal); `light` leaves out places and routes."""

        def arr(a: FloatArray | None) -> Any:
            return None if a is None else np.round(a, 1).tolist()

        data: dict[str, Any] = {
            "ports": list(self.ports),
            "port_queue": arr(self.port_queue),
            "sectors": list(self.sectors),
            "sector_encounters": arr(self.sector_encounters),
            "southwest_encounters": arr(self.southwest_encounters),
        }
        if not light:
            data |= {
                "places": list(self.places),
                "population": arr(self.population),
                "links": [list(x) for x in self.links],
                "route_flow": arr(self.route_flow),
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], days: int) -> RunLayers:
        def arr(key: str, width: int) -> FloatArray | None:
            value = data.get(key)
            return None if value is None else np.asarray(value, dtype=np.float64).reshape(days, width)

        def required(key: str, width: int) -> FloatArray:
            value = arr(key, width) if width else None
            return np.zeros((days, width)) if value is None else value

        places = tuple(data.get("places", ()))
        links = tuple((a, b) for a, b in data.get("links", ()))
        ports, sectors = tuple(data.get("ports", ())), tuple(data.get("sectors", ()))
        sw = data.get("southwest_encounters")
        return cls(
            places,
            required("population", len(places)),
            links,
            required("route_flow", len(links)),
            ports,
            arr("port_queue", len(ports)),
            sectors,
            arr("sector_encounters", len(sectors)),
            None if sw is None else np.asarray(sw, dtype=np.float64),
        )


def mean_layers(runs: list[RunLayers]) -> RunLayers:
    """The mean over runs of every value (runs of one scenario: same places, links, ports)."""
    first = runs[0]

    def mean(key: str) -> Any:
        values = [getattr(r, key) for r in runs]
        return None if values[0] is None else np.mean(values, axis=0)

    return RunLayers(
        first.places,
        mean("population"),
        first.links,
        mean("route_flow"),
        first.ports,
        mean("port_queue"),
        first.sectors,
        mean("sector_encounters"),
        mean("southwest_encounters"),
    )


def _border_fields(b: BorderRecord | None) -> dict[str, Any]:
    if b is None:
        return {}
    return {
        "ports": tuple(b.ports),
        "port_queue": np.asarray(b.arrays["port_queue"], dtype=np.float64),
        "sectors": tuple(b.sectors),
        "sector_encounters": np.asarray(b.arrays["sector_encounters"], dtype=np.float64),
        "southwest_encounters": b.southwest_encounters(),
    }


def _border_from_table(table: Any, days: int) -> BorderRecord:
    """The BorderRecord a run's border table was written from (ports and sectors; cities are
    not drawn)."""
    arrays: dict[str, FloatArray] = {}
    names: dict[str, tuple[str, ...]] = {}
    for kind, fields in (("port", PORT_FIELDS), ("sector", SECTOR_FIELDS)):
        rows = table[table["kind"] == kind]
        n = len(rows) // days if days else 0
        names[kind] = tuple(rows["facility"][:n].tolist())
        for f in fields:
            arrays[f"{kind}_{f}"] = rows[f].to_numpy(dtype=np.float64).reshape(days, n)
    return BorderRecord(names["port"], names["sector"], (), arrays)
