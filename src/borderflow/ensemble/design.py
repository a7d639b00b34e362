"""Experimental designs: Latin hypercube or Sobol points mapped through each distribution."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from borderflow.scenario.uncertainty_specs import (
    Choice,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    UncertainParameter,
    Uniform,
)

Design = Literal["lhs", "sobol"]
FloatArray = NDArray[np.float64]


def unit_points(k: int, n: int, design: Design = "lhs", seed: int = 0) -> FloatArray:
    """n points in the unit cube [0, 1)^k."""
    from scipy.stats import qmc  # imported when sampling: the command line stays quick to start

    if k == 0:
        return np.zeros((n, 0))
    if design == "lhs":
        pts: FloatArray = qmc.LatinHypercube(d=k, rng=np.random.default_rng(seed)).random(n)
        return pts
    sampler = qmc.Sobol(d=k, scramble=True, rng=np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance is best at powers of two; any n works
        pts = sampler.random(n)
    return pts


def ppf(dist: Distribution, u: FloatArray) -> FloatArray:
    """The distribution's quantiles at u (inverse CDF)."""
    from scipy import stats

    if isinstance(dist, Uniform):
        return dist.low + u * (dist.high - dist.low)
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        out: FloatArray = stats.triang(c=(dist.mode - dist.low) / width, loc=dist.low, scale=width).ppf(u)
        return out
    if isinstance(dist, Normal):
        out = stats.norm(loc=dist.mean, scale=dist.sd).ppf(u)
        return out
    if isinstance(dist, LogNormal):
        out = stats.lognorm(s=dist.sigma, scale=dist.median).ppf(u)
        return out
    assert isinstance(dist, Choice)
    w = np.ones(len(dist.values)) if dist.weights is None else np.asarray(dist.weights, dtype=np.float64)
    edges = np.cumsum(w) / w.sum()
    idx = np.minimum(np.searchsorted(edges, u, side="right"), len(dist.values) - 1)
    return np.asarray(dist.values, dtype=np.float64)[idx]


def sample(params: Sequence[UncertainParameter], n: int, design: Design = "lhs", seed: int = 0) -> FloatArray:
    """(n, k) parameter values: one row per ensemble member."""
    u = unit_points(len(params), n, design, seed)
    if not params:
        return u
    return np.column_stack([ppf(p.distribution, u[:, j]) for j, p in enumerate(params)])


def systematic(weights: Sequence[float], n: int, seed: int = 0) -> NDArray[np.int64]:
    """n indices into `weights`, each drawn about n x weight times (systematic resampling: one
    uniform offset, then evenly spaced), in a shuffled order. Few runs still cover the sets."""
    rng = np.random.default_rng(seed)
    w = np.asarray(weights, dtype=np.float64)
    edges = np.cumsum(w / w.sum())
    positions = (rng.random() + np.arange(n)) / n
    picked: NDArray[np.int64] = np.minimum(np.searchsorted(edges, positions, side="right"), len(w) - 1)
    return rng.permutation(picked)
