"""Run results: the Result object, its writer, and where results may go."""

from borderflow.results.folder import OutputFolder, claim, verify
from borderflow.results.result import Result
from borderflow.results.writer import write_results

__all__ = ["OutputFolder", "Result", "claim", "verify", "write_results"]
