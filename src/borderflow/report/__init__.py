"""Reports at the edge of the engine: policy comparisons (and later the HTML report)."""

from borderflow.report.compare import Comparison, compare, outcome

__all__ = ["Comparison", "compare", "outcome"]
