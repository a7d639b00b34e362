"""A run's series as a chart file, drawn on the server with the report's chart code: SVG
(text kept as text) or PNG, for scripts and anyone without a browser. An ensemble's chart
has the members' 25–75 % and 5–95 % bands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from borderflow.report import charts


def export(results: Path, summary: dict[str, Any], series: str, fmt: str) -> tuple[bytes, str]:
    """(file bytes, media type) of `series` of the run whose results folder is `results`."""
    values = np.asarray(summary["series"][series], dtype=np.float64)
    label = "run"
    if summary.get("members", 1) > 1:
        from borderflow.ensemble.reduce import bands

        values = bands(results, [series])[series]
        label = f"{summary['members']} members"
    start = dt.date.fromisoformat(summary["start_date"])
    title = f"{summary['scenario']}: {series.replace('_', ' ')}"
    lines = [charts.Line(label, values)]
    if fmt == "png":
        return charts.time_chart_png(title, start, lines), "image/png"
    svg = charts.time_chart(f"c-{series}", title, start, lines)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + svg + "\n").encode(), "image/svg+xml"
