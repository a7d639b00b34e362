"""The network map: places, routes, ports and sectors at the scenario's coordinates, as SVG.

No tiles and no base map: the network itself is the picture. The SVG is drawn once; the
page's script (page.py) changes sizes and colours when the day slider moves, from the
daily values embedded as JSON. Places are sized by the people staying there, routes coloured
by the people travelling them, ports coloured by their queue, sectors sized by encounters.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from borderflow.report.layers import RunLayers

FloatArray = NDArray[np.float64]
WIDTH = 900.0
PAD = 30.0
LAYERS = ("population", "route_flow", "port_queue", "sector_encounters")
LAYER_NAMES = {
    "population": "people staying",
    "route_flow": "people travelling the route",
    "port_queue": "queue at the port",
    "sector_encounters": "Border Patrol encounters",
}


@dataclass
class MapValues:
    """One variant's daily values by element name (a run, a package's mean, an ensemble's median)."""

    population: dict[str, FloatArray] = field(default_factory=dict)
    route_flow: dict[tuple[str, str], FloatArray] = field(default_factory=dict)  # undirected: both ways added
    port_queue: dict[str, FloatArray] = field(default_factory=dict)
    sector_encounters: dict[str, FloatArray] = field(default_factory=dict)

    @classmethod
    def from_layers(cls, layers: RunLayers) -> MapValues:
        routes: dict[tuple[str, str], FloatArray] = {}
        for k, (a, b) in enumerate(layers.links):
            key = (a, b) if (b, a) not in routes else (b, a)
            routes[key] = routes.get(key, 0.0) + layers.route_flow[:, k]
        return cls(
            population={p: layers.population[:, j] for j, p in enumerate(layers.places)},
            route_flow=routes,
            port_queue={}
            if layers.port_queue is None
            else {p: layers.port_queue[:, j] for j, p in enumerate(layers.ports)},
            sector_encounters={}
            if layers.sector_encounters is None
            else {s: layers.sector_encounters[:, j] for j, s in enumerate(layers.sectors)},
        )


def network_map(scenario: dict[str, Any], dates: list[str], variants: dict[str, MapValues]) -> tuple[str, str] | None:
    """The map's SVG and its JSON data (safe to put inside a <script> element as it is), or None
    when fewer than two places have coordinates."""
    places = [p for p in scenario.get("places", []) if p.get("lat") is not None and p.get("lon") is not None]
    if len(places) < 2:
        return None
    lat = np.array([p["lat"] for p in places], dtype=np.float64)
    lon = np.array([p["lon"] for p in places], dtype=np.float64)
    squeeze = math.cos(math.radians(float(lat.mean())))  # equirectangular, true to scale at the middle
    x0, x1 = float(lon.min()) * squeeze, float(lon.max()) * squeeze
    y0, y1 = float(lat.min()), float(lat.max())
    scale = (WIDTH - 2 * PAD) / max(x1 - x0, 1e-9)
    height = max(min((y1 - y0) * scale + 2 * PAD, WIDTH * 1.2), 200.0)
    scale = min(scale, (height - 2 * PAD) / max(y1 - y0, 1e-9))
    where = {
        p["name"]: (PAD + (p["lon"] * squeeze - x0) * scale, height - PAD - (p["lat"] - y0) * scale) for p in places
    }
    kind = {p["name"]: p.get("kind", "town") for p in places}
    routes: list[tuple[str, str]] = []
    for r in scenario.get("routes", []):
        key = (r["a"], r["b"])
        if key[0] in where and key[1] in where and key not in routes and key[::-1] not in routes:
            routes.append(key)
    towns = [n for n in where if kind[n] not in ("port", "sector")]
    ports = [n for n in where if kind[n] == "port"]
    sectors = [n for n in where if kind[n] == "sector"]
    names = {"population": towns, "route_flow": routes, "port_queue": ports, "sector_encounters": sectors}

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="map-svg" class="map-svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
        'role="img" aria-label="network map">',
        f'<rect width="{WIDTH:.0f}" height="{height:.0f}" fill="#f7f7f4"/>',
    ]
    for k, (a, b) in enumerate(routes):
        (xa, ya), (xb, yb) = where[a], where[b]
        parts.append(
            f'<line data-layer="route_flow" data-k="{k}" x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}" '
            f'stroke="#bbb" stroke-width="1.2"><title>{_e(a)} – {_e(b)}</title></line>'
        )
    for layer, shape in (("population", "circle"), ("sector_encounters", "circle"), ("port_queue", "rect")):
        for k, name in enumerate(names[layer]):
            x, y = where[name]
            title = f"<title>{_e(name)}</title>"
            if shape == "rect":
                parts.append(
                    f'<rect data-layer="{layer}" data-k="{k}" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                    f'fill="#999" stroke="#333" stroke-width="0.6">{title}</rect>'
                )
            else:
                fill = "#e6873c" if layer == "sector_encounters" else "#3b6ea5"
                parts.append(
                    f'<circle data-layer="{layer}" data-k="{k}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" '
                    f'fill-opacity="0.55" stroke="#234" stroke-width="0.5">{title}</circle>'
                )
    for name in _labelled(towns + sectors, variants):
        x, y = where[name]
        parts.append(f'<text x="{x + 5:.1f}" y="{y - 5:.1f}" class="map-label">{_e(name)}</text>')
    parts.append("</svg>")

    shown_names = {k: [list(n) if isinstance(n, tuple) else n for n in v] for k, v in names.items()}
    data: dict[str, Any] = {"dates": dates, "names": shown_names, "variants": {}}
    top: dict[str, float] = dict.fromkeys(LAYERS, 0.0)
    for label, values in variants.items():
        out: dict[str, Any] = {}
        for layer in LAYERS:
            by_name: dict[Any, FloatArray] = getattr(values, layer)
            if not by_name:
                continue
            rows = []
            for n in names[layer]:
                v = by_name.get(n)
                if v is None and layer == "route_flow":
                    v = by_name.get((n[1], n[0]))
                rows.append(None if v is None else np.round(np.asarray(v, dtype=np.float64), 1).tolist())
                if v is not None and len(v):
                    top[layer] = max(top[layer], float(np.max(v)))
            out[layer] = rows
        data["variants"][label] = out
    data["max"] = top
    data["layer_names"] = LAYER_NAMES
    # inside <script>: no "<", ">" or "&" at all, so no name can end or reopen the element
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return "".join(parts), text


def _labelled(candidates: list[str], variants: dict[str, MapValues], top: int = 14) -> list[str]:
    """The places worth a label: the largest by their peak value in the first variant."""
    first = next(iter(variants.values()), None)
    if first is None:
        return candidates[:top]
    peak = {}
    for n in candidates:
        v = first.population.get(n)
        if v is None:
            v = first.sector_encounters.get(n)
        peak[n] = float(np.max(v)) if v is not None and len(v) else 0.0
    return sorted(candidates, key=lambda n: -peak[n])[:top]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
