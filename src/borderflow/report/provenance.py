"""Where a scenario's inputs come from: every entry with a `source`, its kind and confidence.

A scenario says where each figure comes from in free text (`source:`). The report sorts
each entry into the kinds a reader weighs differently, from the words the text uses:
observed (official statistics, observed counts), fitted (calibrated to data), press
(a news report) and assumption (a modelling choice); an entry may mix several (a figure
calibrated to an observed total is fitted and names what it was fitted to). Confidence
marks (H, M, L) are picked up as written. Fields named in `uncertain:` are flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KINDS = ("observed", "fitted", "press", "assumption")
# The words that mark each kind in a `source` text (lower case, whole words or phrases).
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "observed": ("observed", "official", "statistic", "statistics"),
    "fitted": ("calibrated", "calibration", "fitted", "fit to", "steady state"),
    "press": ("press", "news", "reported", "reports", "upi", "bbc", "reuters", "ap news", "outlet"),
    "assumption": ("assumption", "assumed", "assume", "general knowledge", "rough", "placed"),
}
_CONFIDENCE = re.compile(r"[(,;/ ]([HML])(?=[),;/ ])")


@dataclass(frozen=True)
class Entry:
    """One scenario entry with a `source`: where it is, what it is, and what its source says."""

    path: str  # in the scenario file's own syntax: `places[3]`, `policies.talks-27-dec[4]`
    section: str
    label: str
    source: str
    kinds: tuple[str, ...]
    confidence: tuple[str, ...]
    uncertain: tuple[str, ...]  # names of the uncertain parameters that set one of its fields


def classify(source: str | None) -> tuple[str, ...]:
    """The kinds a source text names, in KINDS order; () when it names none."""
    if not source:
        return ()
    text = f" {source.lower()} "
    return tuple(k for k in KINDS if any(re.search(rf"\b{re.escape(w)}\b", text) for w in _KIND_WORDS[k]))


def confidence(source: str | None) -> tuple[str, ...]:
    """The confidence marks (H, M, L) written in a source text, strongest first."""
    if not source:
        return ()
    found = set(_CONFIDENCE.findall(f" {source} "))
    return tuple(m for m in "HML" if m in found)


def _label(item: dict[str, Any], path: str) -> str:
    if "a" in item and "b" in item and isinstance(item["a"], str):
        return f"{item['a']} – {item['b']}"
    for key in ("name", "place", "type", "caravan"):
        value = item.get(key)
        if isinstance(value, str):
            extra = item.get("place") if key == "type" else None
            return f"{value} {extra}" if isinstance(extra, str) else value
    return path.rsplit(".", 1)[-1]


def entries(data: dict[str, Any]) -> list[Entry]:
    """Every entry of a scenario (its plain data, as in a manifest) that has a `source`, or is an
    observation or an uncertain parameter, in file order."""
    uncertain: dict[str, list[str]] = {}
    for p in data.get("uncertain", []) or []:
        owner = p["path"].rsplit(".", 1)[0] if "." in p["path"] else p["path"]
        uncertain.setdefault(owner, []).append(str(p.get("name") or p["path"]))
    out: list[Entry] = []

    def visit(node: Any, path: str, section: str) -> None:
        if isinstance(node, dict):
            source = node.get("source")
            is_obs = section == "observations" and "points" in node
            if path and section != "uncertain" and (isinstance(source, str) or is_obs or path in uncertain):
                kinds = classify(source)
                if is_obs and "observed" not in kinds:
                    kinds = ("observed", *kinds)  # observed counts are observations whatever their note says
                out.append(
                    Entry(
                        path,
                        section,
                        _label(node, path),
                        source or "",
                        kinds,
                        confidence(source),
                        tuple(uncertain.get(path, ())),
                    )
                )
            for key, value in node.items():
                if key in ("source", "points"):
                    continue
                visit(value, f"{path}.{key}" if path else key, section or key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, f"{path}[{i}]", section)

    visit(data, "", "")
    for p in data.get("uncertain", []) or []:
        source = p.get("source")
        out.append(
            Entry(
                f"uncertain:{p['path']}",
                "uncertain",
                str(p.get("name") or p["path"]),
                source or "",
                classify(source),
                confidence(source),
                (describe_distribution(p.get("distribution", {})),),
            )
        )
    return out


def describe_distribution(dist: dict[str, Any]) -> str:
    """`uniform 0.05 to 0.4`, `triangular 3,000 / 7,000 / 15,000`, ... for a distribution's data."""
    kind = dist.get("kind", "?")

    def f(x: Any) -> str:
        return f"{x:,.6g}" if isinstance(x, int | float) else str(x)

    if kind == "uniform":
        return f"uniform {f(dist['low'])} to {f(dist['high'])}"
    if kind == "triangular":
        return f"triangular {f(dist['low'])} / {f(dist['mode'])} / {f(dist['high'])} (low / mode / high)"
    if kind == "normal":
        return f"normal, mean {f(dist['mean'])}, sd {f(dist['sd'])}"
    if kind == "lognormal":
        return f"lognormal, median {f(dist['median'])}, sigma {f(dist['sigma'])}"
    if kind == "choice":
        return "one of " + ", ".join(f(v) for v in dist.get("values", []))
    return str(kind)


def kind_counts(items: list[Entry]) -> dict[str, int]:
    """How many entries name each kind (an entry may count for several), and how many name none."""
    counts = {k: sum(k in e.kinds for e in items if e.section != "uncertain") for k in KINDS}
    counts["unstated"] = sum(not e.kinds for e in items if e.section != "uncertain")
    return counts
