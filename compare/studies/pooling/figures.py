"""Figures of the pooling claims (arXiv:2210.01506).

* idealised nets: D_k, G_k and R_k = D_k / G_k against the layer k, seed
  means, for every idealised net the claims ran (stride = filter size F on a
  semi-log scale, stride 1 on a log-log scale), with the predicted laws drawn
  through the measured points' geometric mean (the theory fixes the rate or
  exponent, not the prefactor);
* the trained 1D CNN: the same three against k at initialisation and after
  training, with the 2^-k, 2^k and 4^-k lines and the layer where the
  receptive field reaches the task scale xi.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

from ...claim import Claim
from ...estimators import seed_curve
from ...figures import Figure, Records, pyplot, save
from ...records import tidy

QUANTITIES = ("D", "G", "R")


def _curve(records, y: str):
    curve = seed_curve(tidy(records, (y,)), "layer", y)
    return np.asarray(curve.x), np.asarray(curve.mean), np.nan_to_num(np.asarray(curve.sem))


def _guide(ax, k: np.ndarray, values: np.ndarray, law, style: str, color: str, label: str) -> None:
    """The law law(k) scaled through the geometric mean of the positive measured values."""
    ok = (values > 0) & np.isfinite(values)
    if ok.sum() < 1:
        return
    scale = math.exp(float(np.mean(np.log(values[ok]) - np.log(law(k[ok])))))
    ks = np.linspace(k[ok].min(), k[ok].max(), 50)
    ax.plot(ks, scale * law(ks), style, color=color, lw=1, label=label)


def draw_ideal(records: Records, path: Path, claims: Sequence[Claim]) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 6.4), dpi=110)
    for row, strided in enumerate((True, False)):
        for i, claim in enumerate(c for c in claims if ("stride1" not in c.name) == strided):
            net = claim.sweep.base.net
            F = net.F
            rs = records[claim.name]
            laws = ({"D": lambda k: float(F) ** (-k), "G": lambda k: float(F) ** k, "R": lambda k: float(F) ** (-2 * k)}
                    if strided else
                    {"D": lambda k: k ** -1.0, "G": lambda k: k ** 0.5, "R": lambda k: k ** -1.5})
            texts = ({"D": f"{F}^-k", "G": f"{F}^k", "R": f"{F}^-2k"} if strided else
                     {"D": "k^-1", "G": "k^1/2", "R": "k^-3/2"})
            for ax, y in zip(axes[row], QUANTITIES):
                k, mean, sem = _curve(rs, y)
                ax.errorbar(k, mean, yerr=sem, fmt="o-", ms=3, lw=1, color=f"C{i}", label=f"F={F}, N={net.N}")
                _guide(ax, k, mean, laws[y], "--", f"C{i}", f"~ {texts[y]}")
        for ax, y in zip(axes[row], QUANTITIES):
            ax.set_yscale("log")
            if not strided:
                ax.set_xscale("log")
            ax.set_xlabel("layer k")
            ax.set_ylabel(f"{y}_k")
            ax.set_title(f"{y}_k, {'stride = filter size F' if strided else 'stride 1'}", fontsize=9)
            ax.legend(fontsize=6)
    fig.suptitle("idealised average-pooling ReLU nets, single-pixel probes (arXiv:2210.01506)", fontsize=10)
    save(fig, path)


def draw_trained(records: Records, path: Path, claim: Claim) -> None:
    plt = pyplot()
    spec = claim.sweep.base
    task, net = spec.data, spec.net
    rs = records[claim.name]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6), dpi=110)
    laws = {"D": (lambda k: 2.0 ** (-k), "2^-k"), "G": (lambda k: 2.0 ** k, "2^k"), "R": (lambda k: 4.0 ** (-k), "4^-k")}
    k_xi = math.log2(task.xi)
    for ax, y in zip(axes, QUANTITIES):
        for j, (column, label) in enumerate(((f"{y}_init", "initialisation"), (y, "after training"))):
            k, mean, sem = _curve(rs, column)
            ax.errorbar(k, mean, yerr=sem, fmt="o-", ms=3, lw=1, color=f"C{j}", label=label)
            if j == 1:
                inside = k < k_xi
                law, text = laws[y]
                _guide(ax, k[inside], mean[inside], law, "--", "k", f"~ {text}")
        ax.axvline(k_xi, ls=":", color="grey", lw=1, label=f"receptive field = xi = {task.xi}")
        ax.set_yscale("log")
        ax.set_xlabel("layer k")
        ax.set_ylabel(f"{y}_k (channel-averaged)")
        ax.legend(fontsize=6)
    fig.suptitle(f"1D CNN (filter 2, stride {net.stride}, width {net.width}) on scale detection "
                 f"(d={task.d}, xi={task.xi}, P={spec.p_train}): seed means", fontsize=10)
    save(fig, path)


def figures(ideal: Sequence[Claim], trained: Sequence[Claim]) -> list[Figure]:
    """The idealised nets' panels (from the D claims, one per net) and the trained CNN's."""
    (trained_claim,) = trained
    return [
        Figure("pooling_ideal", "idealised nets: D_k, G_k, R_k against depth with the predicted laws",
               tuple(ideal), lambda records, path: draw_ideal(records, path, ideal)),
        Figure("pooling_trained", "trained 1D CNN: D_k, G_k, R_k against depth, at initialisation and after training",
               tuple(trained), lambda records, path: draw_trained(records, path, trained_claim)),
    ]
