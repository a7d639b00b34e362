"""The report's charts as inline SVG, drawn by matplotlib (no display, no network).

Each chart is one self-contained `<svg>` element: text stays text (smaller, selectable,
exported as drawn), ids are prefixed per chart so that many charts can share one page, and
matplotlib's metadata block (namespace URLs, a creation date) is dropped, so the same data
give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "borderflow-report",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


@dataclass(frozen=True)
class Line:
    """One series on a chart: a line, or a median with its bands (5 quantile rows:
    5, 25, 50, 75, 95 %, or 3 rows: low, middle, high)."""

    label: str
    values: FloatArray  # (days,) or (3 | 5, days)
    dashed: bool = False
    points: bool = False  # markers only (observations)


def _plain(text: str) -> str:
    """Text from data drawn as written: matplotlib would read `$...$` as mathematics."""
    return text.replace("$", r"\$")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _svg(fig: object, chart_id: str) -> str:
    plt = _pyplot()
    buf = io.StringIO()
    with warnings.catch_warnings():
        # text stays text, drawn by the browser's fonts: a glyph matplotlib's font lacks (東京)
        # only makes its layout estimate approximate
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})  # type: ignore[attr-defined]
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # ids are unique within one file only; a page holds many charts
    text = re.sub(r'id="([^"]+)"', rf'id="{chart_id}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{chart_id}-\1"', text)
    # scale with the page: keep the viewBox, drop the fixed size
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart-svg"', text, count=1)
    return text


def time_chart(chart_id: str, title: str, start: dt.date, lines: Sequence[Line], ylabel: str = "people") -> str:
    """Lines over days from `start`; a line with quantile rows is drawn as a median and bands."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        return _svg(_time_figure(title, start, lines, ylabel), chart_id)


def time_chart_png(title: str, start: dt.date, lines: Sequence[Line], ylabel: str = "people", dpi: int = 150) -> bytes:
    """The same chart as `time_chart`, as PNG bytes (drawn by matplotlib's Agg, no browser needed)."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        fig = _time_figure(title, start, lines, ylabel)
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        plt.close(fig)
        return buf.getvalue()


def _time_figure(title: str, start: dt.date, lines: Sequence[Line], ylabel: str) -> Any:
    """The time chart's figure (the caller sets the style and saves it)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    fig.subplots_adjust(left=0.11, right=0.98, top=0.9, bottom=0.2)  # fixed: no layout pass per chart
    days = 0
    for k, line in enumerate(lines):
        values = np.asarray(line.values, dtype=np.float64)
        days = max(days, values.shape[-1])
        x = np.arange(values.shape[-1])
        colour = f"C{k % 10}"
        if values.ndim == 2 and values.shape[0] == 5:
            ax.fill_between(x, values[0], values[4], color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(x, values[1], values[3], color=colour, alpha=0.3, linewidth=0)
            ax.plot(x, values[2], color=colour, label=f"{_plain(line.label)} (median, 25–75 %, 5–95 %)")
        elif values.ndim == 2 and values.shape[0] == 3:
            ax.fill_between(x, values[0], values[2], color=colour, alpha=0.2, linewidth=0)
            ax.plot(x, values[1], color=colour, label=f"{_plain(line.label)} (mean, min–max band)")
        elif line.points:
            keep = ~np.isnan(values)
            ax.plot(x[keep], values[keep], "o", color="black", markersize=2.5, label=_plain(line.label))
        else:
            ax.plot(x, values, color=colour, linestyle="--" if line.dashed else "-", label=_plain(line.label))
    # days on the axis, labelled with their dates (cheaper than matplotlib's date locators)
    step = max(1, -(-days // 8))
    step = 7 * -(-step // 7) if step > 3 else step
    ticks = np.arange(0, max(days, 1), step)
    ax.set_xticks(ticks, [(start + dt.timedelta(days=int(t))).isoformat() for t in ticks], rotation=30, ha="right")
    ax.set_xlim(-0.5, max(days - 0.5, 0.5))
    ax.set_title(_plain(title), loc="left", fontsize=10)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(_thousands())
    if len(lines) > 1 or any(np.asarray(ln.values).ndim == 2 for ln in lines):
        ax.legend(loc="upper left", fontsize=7, frameon=False)
    return fig


def month_chart(
    chart_id: str, title: str, months: Sequence[str], lines: Sequence[Line], ylabel: str = "people a month"
) -> str:
    """Lines over calendar months (labels `YYYY-MM`): a line with 3 rows (p05, p50, p95) is drawn
    as its p50 with the p05-p95 band; NaN months are not drawn (history, forecast and record
    cover different months of one axis)."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 3.2))
        fig.subplots_adjust(left=0.11, right=0.98, top=0.9, bottom=0.2)
        x = np.arange(len(months))
        for k, line in enumerate(lines):
            values = np.asarray(line.values, dtype=np.float64)
            colour = "black" if line.points or line.dashed else f"C{k % 10}"
            if values.ndim == 2 and values.shape[0] == 3:
                keep = np.isfinite(values).all(axis=0)
                ax.fill_between(x[keep], values[0][keep], values[2][keep], color=colour, alpha=0.18, linewidth=0)
                ax.plot(
                    x[keep],
                    values[1][keep],
                    "-o",
                    color=colour,
                    markersize=3,
                    label=f"{_plain(line.label)} (p50, p05–p95)",
                )
            else:
                keep = np.isfinite(values)
                style = "o" if line.points else ("--" if line.dashed else "-")
                ax.plot(x[keep], values[keep], style, color=colour, markersize=4, label=_plain(line.label))
        step = max(1, -(-len(months) // 10))
        ticks = x[::step]
        ax.set_xticks(ticks, [months[int(t)] for t in ticks], rotation=30, ha="right")
        ax.set_xlim(-0.5, max(len(months) - 0.5, 0.5))
        ax.set_ylim(bottom=0)
        ax.set_title(_plain(title), loc="left", fontsize=10)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_thousands())
        if lines:
            ax.legend(loc="best", fontsize=7, frameon=True, framealpha=0.8, edgecolor="none")
        return _svg(fig, chart_id)


def bar_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    """Horizontal bars, first label on top; negative values point left."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 0.6 + 0.4 * len(labels)))
        y = np.arange(len(labels))[::-1]
        colours = ["C2" if v >= 0 else "C3" for v in values]
        ax.barh(y, list(values), color=colours)
        ax.set_yticks(y, [_plain(x) for x in labels])
        fig.suptitle(_plain(title), x=0.01, ha="left", fontsize=10)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(_thousands())
        ax.grid(axis="y", visible=False)
        fig.subplots_adjust(left=0.4, right=0.97, top=0.85, bottom=0.25)
        return _svg(fig, chart_id)


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:.2g}")
