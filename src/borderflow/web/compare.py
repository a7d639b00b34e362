"""Two runs side by side: their totals, the change, and the report's charts drawn over each other."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from borderflow.report import charts
from borderflow.report.page import Page, e, table

HEADLINE = "southwest_encounters"
MAX_CHARTS = 8


def rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per series both runs have: totals (mean over members) and the change."""
    out = []
    for name in a["totals"]:
        if name not in b["totals"]:
            continue
        x, y = a["totals"][name]["mean"], b["totals"][name]["mean"]
        out.append(
            {"series": name, "a": x, "b": y, "change": y - x, "change_pct": None if x == 0 else 100.0 * (y - x) / x}
        )
    return out


def verdict(a_id: str, b_id: str, table_rows: list[dict[str, Any]]) -> str:
    row = next((r for r in table_rows if r["series"] == HEADLINE), table_rows[0] if table_rows else None)
    if row is None:
        return f"Runs {a_id} and {b_id} share no series to compare."
    what = row["series"].replace("_", " ")
    if row["change"] == 0:
        return f"Run {b_id} gives the same total {what} as run {a_id} ({row['a']:,.0f})."
    verb = "lowers" if row["change"] < 0 else "raises"
    pct = "" if row["change_pct"] is None else f" ({row['change_pct']:+.1f}%)"
    return f"Run {b_id} {verb} total {what} from {row['a']:,.0f} to {row['b']:,.0f}{pct} compared with run {a_id}."


def page(a_id: str, a: dict[str, Any], b_id: str, b: dict[str, Any]) -> str:
    """The comparison as a report page (the report's charts, with their SVG and PNG buttons)."""
    table_rows = rows(a, b)
    p = Page(f"run {b_id} against run {a_id}")
    p.add(f"<h1>Run {e(b_id)} against run {e(a_id)}</h1>")
    p.add(f'<div class="answer">{e(verdict(a_id, b_id, table_rows))}</div>')
    p.add(
        table(
            ["series (total over the period)", e(f"run {a_id}"), e(f"run {b_id}"), "change"],
            [
                [
                    e(r["series"].replace("_", " ")),
                    f"{r['a']:,.0f}",
                    f"{r['b']:,.0f}",
                    f"{r['change']:+,.0f}" + ("" if r["change_pct"] is None else f" ({r['change_pct']:+.1f}%)"),
                ]
                for r in table_rows
            ],
            numeric={1, 2, 3},
        )
    )
    start_a = dt.date.fromisoformat(a["start_date"])
    shared = [r["series"] for r in table_rows if r["a"] or r["b"]][:MAX_CHARTS]
    for k, name in enumerate(shared):
        svg = charts.time_chart(
            f"c-cmp-{k}",
            name.replace("_", " "),
            start_a,
            [
                charts.Line(f"run {a_id}", np.asarray(a["series"][name], dtype=np.float64)),
                charts.Line(f"run {b_id}", np.asarray(b["series"][name], dtype=np.float64), dashed=True),
            ],
        )
        p.add(p.figure(svg, "Daily values (the mean over members for an ensemble).", f"compare-{name}"))
    return p.render()
