"""Validation metrics (Flee's yardstick and MASE) and forecast scores (WAPE, share
dissimilarity, interval score)."""

from borderflow.metrics.forecast import interval_score, share_dissimilarity, wape
from borderflow.metrics.validation import (
    averaged_relative_difference,
    daily_relative_difference,
    mase,
    per_place,
    summary,
)

__all__ = [
    "averaged_relative_difference",
    "daily_relative_difference",
    "interval_score",
    "mase",
    "per_place",
    "share_dissimilarity",
    "summary",
    "wape",
]
