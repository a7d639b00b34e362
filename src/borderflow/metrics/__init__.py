"""Validation metrics (Flee's yardstick and MASE)."""

from borderflow.metrics.validation import (
    averaged_relative_difference,
    daily_relative_difference,
    mase,
    per_place,
    summary,
)

__all__ = ["averaged_relative_difference", "daily_relative_difference", "mase", "per_place", "summary"]
