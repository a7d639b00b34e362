"""Ensembles: seeded members over the uncertain parameters, on any executor, with bands and
sensitivity analysis. See docs/ensembles.md."""

from borderflow.ensemble.design import sample
from borderflow.ensemble.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from borderflow.ensemble.reduce import bands, bands_table
from borderflow.ensemble.runner import plan, rerun_member, run_ensemble
from borderflow.ensemble.sensitivity import sensitivity

__all__ = [
    "DaskExecutor",
    "ProcessExecutor",
    "SerialExecutor",
    "bands",
    "bands_table",
    "make_executor",
    "plan",
    "rerun_member",
    "run_ensemble",
    "sample",
    "sensitivity",
]
