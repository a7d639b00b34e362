"""Quantile bands, read from member files one series at a time, match numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from borderflow.ensemble import bands
from borderflow.ensemble.reduce import QUANTILES, bands_table
from borderflow.ensemble.store import write_member


def test_bands_match_numpy_quantile(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    a = rng.lognormal(3, 1, size=(37, 20))
    b = np.arange(37 * 20, dtype=np.float64).reshape(37, 20)[::-1]
    for k in range(37):
        write_member(tmp_path, k, {"a": a[k], "b": b[k]})
    got = bands(tmp_path)
    assert set(got) == {"a", "b"}
    np.testing.assert_allclose(got["a"], np.quantile(a, QUANTILES, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["b"], np.quantile(b, QUANTILES, axis=0), rtol=0, atol=1e-12)
    table = bands_table(tmp_path, ["a"])
    assert list(table.columns) == ["series", "day", "q05", "q25", "q50", "q75", "q95"]
    np.testing.assert_allclose(table["q50"], np.median(a, axis=0))


def test_bands_of_hand_computed_values(tmp_path: Path) -> None:
    # 5 members whose day-0 values are 0, 10, 20, 30, 40: linear quantiles are exact.
    for k in range(5):
        write_member(tmp_path, k, {"x": np.array([10.0 * k, 1.0])})
    got = bands(tmp_path, ["x"])["x"]
    np.testing.assert_allclose(got[:, 0], [2.0, 10.0, 20.0, 30.0, 38.0])
    np.testing.assert_allclose(got[:, 1], 1.0)


def test_bands_in_small_memory_groups_match(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    data = {name: rng.normal(size=(12, 9)) for name in ("a", "b", "c")}
    for k in range(12):
        write_member(tmp_path, k, {name: v[k] for name, v in data.items()})
    tiny_budget = bands(tmp_path, memory_mb=1e-6)  # one series at a time
    for name, v in data.items():
        np.testing.assert_allclose(tiny_budget[name], np.quantile(v, QUANTILES, axis=0), rtol=0, atol=1e-12)
