"""Band plots of ensemble outputs (matplotlib, no display needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from borderflow.ensemble.reduce import bands
from borderflow.ensemble.store import read_manifest


def band_plot(folders: list[Path], series: str, path: Path, labels: list[str] | None = None) -> Path:
    """Median and 25-75 / 5-95 % bands of one series, one colour per ensemble folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for k, folder in enumerate(folders):
        m = read_manifest(folder)
        b = bands(folder, [series])[series]
        start = dt.date.fromisoformat(m["scenario_data"]["start_date"])
        x = np.datetime64(start, "D") + np.arange(b.shape[1])
        label = (
            (labels or [])[k]
            if labels and k < len(labels)
            else (m["policy"] if m["policy"] not in (None, "none") else "no policy")
        )
        colour = f"C{k}"
        ax.fill_between(x, b[0], b[4], color=colour, alpha=0.15, linewidth=0)
        ax.fill_between(x, b[1], b[3], color=colour, alpha=0.3, linewidth=0)
        ax.plot(x, b[2], color=colour, label=f"{label} (median, 25-75 %, 5-95 %; {m['n']} members)")
    ax.set_title(series.replace("_", " "))
    ax.set_ylabel("people a day")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def ranking_plot(table, output: str, path: Path) -> Path:  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = "ST" if "ST" in table.columns else "mu_star"
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(table)))
    ax.barh(table["parameter"][::-1], table[key][::-1], color="C0")
    ax.set_xlabel(f"{key} ({'Sobol total-order index' if key == 'ST' else 'Morris mu*'})")
    ax.set_title(f"sensitivity of {output}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
