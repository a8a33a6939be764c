"""Why the SVC cusp exponent fails at d = 2 for xi < 1 only: the 1-nearest-neighbour rate 1/d, on the same data.

The SVC prediction beta = (d-1+xi)/(3d-3+xi) falls below 1/d exactly when (d-1)(d-3+xi) < 0, that is
xi < 3 - d: at d = 2 for xi < 1, and never at d >= 3. That is where it fails (README, finding 9): at d = 2 the
measured exponent stays at about 1/2 for xi = 0.25 and 0.5, as for xi = 1, and at d = 3 every xi follows
the formula. 1/d is the rate of a classifier that errs only within a training-point spacing P^(-1/d) of the
interface, such as the 1-nearest-neighbour rule. If the SVC cannot do worse than that local rate, its
exponent is max((d-1+xi)/(3d-3+xi), 1/d), which the formula alone misses.

This script measures the 1-NN rule (scikit-learn, one neighbour, Euclidean) on the very training and test
sets of the SVC claims (``Stripe(d).sample(P, seed, stream=0)``, test ``stream=1``, the quick suite's P,
n_test and fit window, 12 seeds), fits its exponent with the claims' estimator, and, given the store of
``findings/svc_cusp_claims.py`` (both scales) or of the quick suite, prints the ratio of the SVC's test
error to the 1-NN's at each P: a constant ratio means the SVC learns at the 1-NN rate::

    python findings/svc_cusp_nearest_neighbour.py --store scalingcheck-out/store.sqlite
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import KNeighborsClassifier

from scalingcheck import PowerLawFit
from scalingcheck.compare.studies.kernel_methods import SCALES, SVC_C, _window
from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.learners.kernels import ExpPower, Laplace
from scalingcheck.simulate.experiments.kernel_methods import KernelSVCSpec
from scalingcheck.simulate.runs.store import open_store

SUITE = SCALES["quick"]
KERNELS = {2: ((0.25, 10.0), (0.5, 10.0), (1.0, 10.0), (1.5, 10.0)), 3: ((0.5, 10.0), (1.0, 10.0), (1.5, 10.0))}
"""(xi, sigma) of the SVC runs compared, by d: those of findings/svc_cusp_claims.py, and at d = 2, xi = 1 the
quick suite's Laplace claim."""


def nearest_neighbour_error(d: int, p: int, seed: int) -> float:
    """Test error of the 1-NN rule on the SVC claims' training and test sets of (d, p, seed)."""
    data = Stripe(d=d)
    x, y = data.sample(p, seed, stream=0, dtype=torch.float64)
    xt, yt = data.sample(SUITE.n_test, seed, stream=1, dtype=torch.float64)
    rule = KNeighborsClassifier(n_neighbors=1).fit(x.numpy(), y.numpy())
    return float(np.mean(rule.predict(xt.numpy()) != yt.numpy()))


def svc_spec(d: int, xi: float, sigma: float, p: int) -> KernelSVCSpec:
    kernel = Laplace(sigma=sigma) if (d, xi) == (2, 1.0) else ExpPower(sigma=sigma, xi=xi)
    return KernelSVCSpec(data=Stripe(d=d), kernel=kernel, p=p, n_test=SUITE.n_test, C=SVC_C)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store holding the SVC runs (findings/svc_cusp_claims.py, the quick suite)")
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--boot", type=int, default=SUITE.n_boot)
    args = parser.parse_args()
    fit = PowerLawFit(x="p", y="test_error", window=_window(SUITE.svc_ps), n_boot=args.boot)
    store = open_store(args.store) if args.store else None
    for d, kernels in KERNELS.items():
        rows = pd.DataFrame([{"p": p, "seed": s, "test_error": nearest_neighbour_error(d, p, s)}
                             for p in SUITE.svc_ps for s in range(args.seeds)])
        est = fit.fit(rows)
        nn = rows.groupby("p")["test_error"].mean()
        print(f"d = {d}: 1-NN exponent {est.value:.3f} [{est.low:.3f}, {est.high:.3f}] (1/d = {1 / d:.3f}), "
              f"mean error {', '.join(f'{v:.4f}' for v in nn)} at P = {', '.join(str(p) for p in nn.index)}")
        if store is None:
            continue
        for xi, sigma in kernels:
            predicted = (d - 1 + xi) / (3 * d - 3 + xi)
            ratios = []
            for p in SUITE.svc_ps:
                errors = [store.get(svc_spec(d, xi, sigma, p).key(s)) for s in range(args.seeds)]
                errors = [r["test_error"] for r in errors if r is not None]
                ratios.append(np.mean(errors) / nn[p] if errors else np.nan)
            print(f"  SVC xi = {xi:g} (sigma {sigma:g}, predicted {predicted:.3f}, "
                  f"{'below' if predicted < 1 / d else 'above'} 1/d): error / 1-NN error "
                  + ", ".join("-" if np.isnan(r) else f"{r:.2f}" for r in ratios))


if __name__ == "__main__":
    main()
