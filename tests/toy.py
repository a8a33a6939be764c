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


@dataclass(frozen=True)
class FaultToy(Spec):
    """A run that misbehaves on purpose, for the fault-injection tests.

    ``kill_seed``: the worker running this seed SIGKILLs itself (like the OOM killer), every time, or only
    the first time when ``once_marker`` names a file (created on the first attempt). ``payload``: the
    record carries that many characters (to fill a small disk). ``counter``: a folder where each computed
    run leaves one file (to count computations across processes).
    """

    kind = "toy_fault"
    p: int = 10
    kill_seed: int = -1
    once_marker: str = ""
    payload: int = 0
    sleep: float = 0.0
    counter: str = ""

    def _run(self, seed: int) -> dict:
        import os
        import signal

        if seed == self.kill_seed:
            if not self.once_marker or not os.path.exists(self.once_marker):
                if self.once_marker:
                    open(self.once_marker, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
        if self.sleep:
            time.sleep(self.sleep)
        if self.counter:
            open(os.path.join(self.counter, f"{self.p}-{seed}-{os.getpid()}-{time.time_ns()}"), "w").close()
        return {"p": self.p, "value": float(seed), "payload": "x" * self.payload}


@dataclass(frozen=True)
class PidToy(Spec):
    """A run whose record says which process ran it (``pid``), for the executor's placement tests."""

    kind = "toy_pid"
    p: int = 10
    sleep: float = 0.0
    device: str | None = None

    def _run(self, seed: int) -> dict:
        import os

        if self.sleep:
            time.sleep(self.sleep)
        return {"p": self.p, "pid": os.getpid()}
