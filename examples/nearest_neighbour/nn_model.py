"""A user's own model (not scalingcheck's): nearest-neighbour regression on the unit cube, numpy only.

The data: x uniform on [0, 1]^d, y = f(x) with a smooth f. The model predicts
y at a test point by the label of its nearest training point. This is the
code the CI job guards; `claims.py` states what its learning curve must do.
"""
from __future__ import annotations

import numpy as np


def target(x: np.ndarray) -> np.ndarray:
    """The function to learn: smooth, of order one, on [0, 1]^d."""
    return np.sin(2 * np.pi * x).sum(axis=1)


def sample(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform on [0, 1]^d and their labels."""
    x = rng.random((n, d))
    return x, target(x)


def nearest_neighbour(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Predict each test point by the label of its nearest training point (Euclidean distance)."""
    out = np.empty(len(x_test))
    sq_train = (x_train**2).sum(axis=1)
    for start in range(0, len(x_test), chunk):
        block = x_test[start : start + chunk]
        dist2 = sq_train[None, :] - 2.0 * block @ x_train.T
        out[start : start + chunk] = y_train[np.argmin(dist2, axis=1)]
    return out


def test_mse(p: int, d: int, n_test: int, seed: int) -> float:
    """Mean squared test error of the nearest-neighbour model trained on p points."""
    rng = np.random.default_rng(seed)
    x_train, y_train = sample(p, d, rng)
    x_test, y_test = sample(n_test, d, rng)
    return float(np.mean((nearest_neighbour(x_train, y_train, x_test) - y_test) ** 2))
