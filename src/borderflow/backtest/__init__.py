"""Backtests: the verdict tested on the record.

The status quo by sector and month is the monthly model (borderflow.monthly) fitted on the
record up to an origin, with a band calibrated on its own past errors; each policy package
multiplies it by the engine's effect (the ratio of the package's simulated encounters to the
status quo's, members run with common random numbers). Nothing after the origin is read
before the forecast is made; scoring reads the later months afterwards.
"""
