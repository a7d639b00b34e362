"""Seasonality of inflows as an engine component: a monthly factor on the people who set out.

It acts first in the day (before caravans, policies and the border), on the day's new people
only: below 1 each is kept with chance `factor` (binomial), above 1 `factor - 1` more appear
per new person (whole numbers with that expectation). Expected new people = factor x new.
"""

from __future__ import annotations

import numpy as np

from borderflow.engine.border import _whole
from borderflow.engine.components import Component, DayView
from borderflow.scenario.inflow_specs import InflowSeasonality


class InflowSeasonalityComponent(Component):
    name = "inflow_seasonality"  # its random stream
    before_rank = -20  # on the day's new people, before anyone else sees them

    def __init__(self, spec: InflowSeasonality, index: dict[str, int]) -> None:
        self.factors = np.array(spec.factors, dtype=np.float64)
        names = spec.places or list(index)
        self.places = np.array([index[p] for p in names], dtype=np.int64)

    def before_moves(self, view: DayView) -> None:
        factor = float(self.factors[view.date.month - 1])
        new = view.flow("spawned")[self.places]
        if factor < 1.0:
            dropped = view.rng.binomial(new, 1.0 - factor)
            view.remove(self.places, dropped)
            view.tally("spawned", self.places, -dropped)
        elif factor > 1.0:
            extra = _whole((factor - 1.0) * new.astype(np.float64), view.rng)
            view.release(self.places, extra)
            view.tally("spawned", self.places, extra)
