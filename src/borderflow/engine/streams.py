"""Random streams owned by the run: one independent generator per kind of decision.

Streams are keyed by name (not by creation order), so a policy that adds a stream of its
own, or draws nothing, leaves every other stream's numbers unchanged: two policy scenarios
run with the same seed share their random numbers and differ only by the policy's effect.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Named numpy Generators derived from one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            key = zlib.crc32(name.encode())  # stable across processes, unlike hash()
            gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,))))
            self._gens[name] = gen
        return gen
