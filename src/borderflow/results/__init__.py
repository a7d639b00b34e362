"""Run results: the Result object and its atomic writer."""

from borderflow.results.result import Result
from borderflow.results.writer import verify, write_results

__all__ = ["Result", "verify", "write_results"]
