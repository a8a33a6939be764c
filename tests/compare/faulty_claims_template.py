"""A claims file that misbehaves on demand, copied by tests/compare/test_no_false_pass.py into a temporary
folder as ``claims.py`` beside a ``config.json`` that says how (``mode``) and what the claim predicts.

Modes: "" (a clean learning curve of exponent 1/2), "exit_at_import", "thread_at_import", "exit_in_run",
"keyboard_in_run", "boom" (every run raises), "nan_seed" / "missing_field" (one record of 16 is
unusable), "nan_many" (3 of 16), "numpy" (the run returns numpy scalars), "no_field" (the estimator reads
a field no record has), "negative" (the measured values are negative).
"""
import json
import math
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalingcheck import Claim, Constant, PowerLawFit, Scale, Spec, Study, Sweep, Tolerance, register_study

CONFIG = json.loads((Path(__file__).parent / "config.json").read_text())
MODE = CONFIG.get("mode", "")

if MODE == "exit_at_import":
    sys.exit(0)
if MODE == "thread_at_import":  # a non-daemon thread, in the main process and in every worker
    threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()


@dataclass(frozen=True)
class FaultySpec(Spec):
    kind = "faulty_toy"
    p: int = 64
    mode: str = ""

    def _run(self, seed: int) -> dict:
        if self.mode == "exit_in_run":
            sys.exit(0)
        if self.mode == "keyboard_in_run":
            raise KeyboardInterrupt
        if self.mode == "boom":
            raise RuntimeError("boom")
        rng = np.random.default_rng([seed, self.p])
        value = self.p ** -0.5 * math.exp(0.02 * rng.normal())
        if self.mode == "negative":
            value = -value
        record = {"p": self.p, "test_error": value}
        if (self.mode == "nan_seed" and (self.p, seed) == (128, 2)) or (
                self.mode == "nan_many" and seed == 1 and self.p != 64):
            record["test_error"] = float("nan")
        if self.mode == "missing_field" and (self.p, seed) == (128, 2):
            del record["test_error"]
        if self.mode == "numpy":
            record = {"p": np.int64(self.p), "test_error": np.float32(value)}
        return record


@dataclass(frozen=True, kw_only=True)
class FaultyScale(Scale):
    seeds: int = 4


class FaultyStudy(Study):
    name = "faulty"
    title = "a claims file that misbehaves on demand"
    scales = {"toy": FaultyScale(n_boot=200)}

    def build(self, sizes):
        return [Claim(
            name="faulty_exponent",
            statement="the toy curve decays as P^-1/2",
            predicted=Constant(CONFIG.get("predicted", 0.5), "a half", "paper", ""),
            sweep=Sweep.over(FaultySpec(mode=MODE), seeds=range(sizes.seeds), p=[64, 128, 256, 512]),
            estimator=PowerLawFit(x="p", y="nope" if MODE == "no_field" else "test_error", window=(64, 512),
                                  n_boot=sizes.n_boot),
            tolerance=Tolerance(0.05, "the toy's noise is 2% per point; fixed before any run", max_interval=0.3),
        )]


register_study(FaultyStudy())
