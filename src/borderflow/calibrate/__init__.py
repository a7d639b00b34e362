"""Calibration: fit numeric fields to observations up to a date, score the days after it."""

from borderflow.calibrate.fit import calibrate
from borderflow.calibrate.parameters import DEFAULT_PARAMETERS, FitParameter
from borderflow.calibrate.posterior import accepted
from borderflow.calibrate.split import fit_view, masked

__all__ = ["DEFAULT_PARAMETERS", "FitParameter", "accepted", "calibrate", "fit_view", "masked"]
