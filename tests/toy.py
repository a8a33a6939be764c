"""Toy run specs for testing the run/store/sweep/fit machinery without real models."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from scalingcheck.simulate.runs.spec import Spec


@dataclass(frozen=True)
class PowerLawToy(Spec):
    """test_error = p**-beta * exp(noise * N(0, 1)): a learning curve of known exponent."""

    kind = "toy_power_law"
    p: int = 100
    beta: float = 0.5
    noise: float = 0.1
    sleep: float = 0.0
    fail_seed: int = -1

    def _run(self, seed: int) -> dict:
        if seed == self.fail_seed:
            raise RuntimeError("toy failure")
        if self.sleep:
            time.sleep(self.sleep)
        rng = np.random.default_rng([seed, self.p])
        return {"p": self.p, "test_error": self.p ** -self.beta * math.exp(self.noise * rng.normal())}
