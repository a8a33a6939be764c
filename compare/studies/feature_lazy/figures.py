"""Figures of the feature/lazy claims (docs/science.md section 1).

* regimes: test error against p in both regimes, with the predicted slopes
  (lines of slope -beta through the middle of each measured curve);
* compression: lambda against the flow's time, one curve per p (seed 0);
* kernel PCA: per seed, the share of the labels on the top eigenvectors and
  the SVC test error, initial NTK against final NTK.
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


def draw_regimes(records: Records, path: Path, curves: Sequence[tuple[str, str, float]]) -> None:
    """`curves`: (claim name, label, predicted beta)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.2), dpi=120)
    for i, (name, label, beta) in enumerate(curves):
        c = seed_curve(tidy(records[name]), "p", "test_error")
        x, y = np.asarray(c.x), np.asarray(c.mean)
        ax.errorbar(x, y, yerr=np.nan_to_num(c.sem), fmt="o-", ms=4, capsize=2, color=f"C{i}", label=f"{label} (measured)")
        ok = y > 0
        if ok.sum() >= 2:
            x0, y0 = math.exp(np.log(x[ok]).mean()), math.exp(np.log(y[ok]).mean())
            xs = np.geomspace(x[ok].min(), x[ok].max(), 20)
            ax.plot(xs, y0 * (xs / x0) ** (-beta), "--", color=f"C{i}", label=f"{label}: predicted slope -{beta:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("p (training points)")
    ax.set_ylabel("test error")
    ax.set_title("one-hidden-layer net on the stripe model: feature vs lazy regime", fontsize=9)
    ax.legend(fontsize=7)
    save(fig, path)


def draw_compression(records: Records, path: Path, claim: str) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.2), dpi=120)
    runs = sorted((r for r in records[claim] if r["seed"] == 0), key=lambda r: r["p"])
    for i, r in enumerate(runs):
        trace = np.asarray(r["compression_trace"], dtype=float)
        if trace.size == 0:
            continue
        t, lam = trace[1:, 0], trace[1:, 1]  # t = 0 cannot sit on a log axis
        ax.plot(t, lam, "-", color=f"C{i % 10}", label=f"p={r['p']}" + ("" if r["converged"] else " (not converged)"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flow time t")
    ax.set_ylabel("compression ratio lambda = |w_par| / |w_perp|")
    ax.set_title("first-layer compression during feature training (seed 0)", fontsize=9)
    ax.legend(fontsize=7)
    save(fig, path)


def draw_kernel_pca(records: Records, path: Path, claim: str) -> None:
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.6), dpi=120)
    runs = sorted(records[claim], key=lambda r: r["seed"])
    for ax, key, title in ((left, "label_projection", "share of |y|^2 on the top eigenvectors"),
                           (right, "svc_error_ntk", "SVC test error with the frozen NTK")):
        for r in runs:
            ax.plot([0, 1], [r[f"{key}_init"], r[f"{key}_final"]], "o-", color="C0", alpha=0.6)
        ax.set_xticks([0, 1], ["NTK at init", "NTK at the end"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_title(title, fontsize=8)
    fig.suptitle(f"frozen NTKs of the feature-trained net, one line per seed (p={runs[0]['p'] if runs else '?'})", fontsize=9)
    save(fig, path)


def figures(feature: Claim, lazy: Claim, kernels: Claim, beta_feature: float, beta_lazy: float) -> list[Figure]:
    """The three feature/lazy figures over the given claims."""
    curves = ((feature.name, "feature regime", beta_feature), (lazy.name, "lazy regime", beta_lazy))
    return [
        Figure("feature_lazy_regimes", "test error against p in the feature and lazy regimes, with the predicted slopes",
               (feature, lazy), lambda r, p: draw_regimes(r, p, curves)),
        Figure("feature_compression_trace", "compression ratio lambda against the flow's time, per p (seed 0)",
               (feature,), lambda r, p: draw_compression(r, p, feature.name)),
        Figure("feature_kernel_pca", "label share on the top NTK eigenvectors and frozen-NTK SVC error, init vs end",
               (kernels,), lambda r, p: draw_kernel_pca(r, p, kernels.name)),
    ]
