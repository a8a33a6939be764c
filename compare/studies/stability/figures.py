"""Figures of the relative-stability claims (arXiv:2105.02468).

* deformations: one digit deformed by max-entropy diffeomorphisms at several
  temperatures T (in units of T_max) and cut-offs c, so that one sees what a
  "typical displacement of one pixel" looks like;
* invertibility: the fraction of sampled maps with a positive Jacobian
  determinant against T / T_max;
* R_f per network at initialisation and after training, against the
  training-set size P;
* test error against R_f across the trained networks, with the fitted power
  law and the paper's CIFAR10 line eps = 0.2 sqrt(R_f).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ....simulate.data.images import digits
from ....simulate.observables.diffeomorphisms import MaxEntropyDiffeo
from ...claim import Claim
from ...estimators import seed_curve
from ...figures import Figure, Records, pyplot, save
from ...records import tidy

GRID_T = (0.25, 0.5, 1.0, 2.0)
"""Temperatures of the deformation grid, in units of T_max(c)."""
GRID_C = (3, 5, 15)
GRID_SIZE = 32


def draw_deformations(path: Path) -> None:
    plt = pyplot()
    images, _ = digits(GRID_SIZE, device="cpu")
    image = images[:1]
    fig, axes = plt.subplots(len(GRID_C), len(GRID_T) + 1, figsize=(1.9 * (len(GRID_T) + 1), 2.0 * len(GRID_C)), dpi=110)
    for row, c in enumerate(GRID_C):
        axes[row, 0].imshow(image[0, 0].numpy(), cmap="gray")
        axes[row, 0].set_title("original", fontsize=8)
        for col, factor in enumerate(GRID_T, start=1):
            t_max = MaxEntropyDiffeo(n=GRID_SIZE, T=1e-9, c=c).t_max
            diffeo = MaxEntropyDiffeo(n=GRID_SIZE, T=factor * t_max, c=c, allow_non_diffeo=factor > 1)
            moved = diffeo(image, seed=0)
            axes[row, col].imshow(moved[0, 0].numpy(), cmap="gray")
            axes[row, col].set_title(f"c={c}, T={factor:g} T_max\ndelta={diffeo.delta:.2f} px", fontsize=7)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(f"max-entropy diffeomorphisms of a digit ({GRID_SIZE}x{GRID_SIZE}, one field per c, seed 0)",
                 fontsize=9)
    save(fig, path)


def draw_invertibility(records: Records, path: Path, claims: Sequence[Claim]) -> None:
    """The fraction of invertible maps against T / T_max, one curve per claim (cut-off)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 3.8), dpi=120)
    for i, claim in enumerate(claims):
        spec = claim.sweep.base
        t_max = MaxEntropyDiffeo(n=spec.n, T=1e-9, c=spec.c).t_max
        curve = seed_curve(tidy(records[claim.name]), "T", "fraction_invertible")
        ax.errorbar(np.asarray(curve.x) / t_max, curve.mean, yerr=np.nan_to_num(curve.sem), fmt="o-", ms=4,
                    capsize=2, color=f"C{i}", label="the paper's cut-off" if spec.cutoff == "paper" else "the authors' cut-off")
    ax.axvline(1.0, ls="--", color="k", lw=1, label="T_max = 4 / (pi^3 c^2 ln c)")
    ax.axhline(0.5, ls=":", color="grey", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("T / T_max")
    ax.set_ylabel("fraction of invertible maps")
    ax.set_title(f"max-entropy diffeomorphisms, n={spec.n}, c={spec.c:g}: min det(Jacobian) > 0", fontsize=9)
    ax.legend(fontsize=7)
    save(fig, path)


def _by_network(records: Sequence[dict]) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for r in records:
        out.setdefault((r["architecture"], r["width"]), []).append(r)
    return dict(sorted(out.items()))


def draw_stability(records: Records, path: Path, claim: Claim) -> None:
    plt = pyplot()
    rs = records[claim.name]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.9), dpi=110)
    for i, ((arch, width), group) in enumerate(_by_network(rs).items()):
        rows = tidy(group)
        for column, style, label in (("R_init", "s--", "init"), ("R", "o-", "trained")):
            curve = seed_curve(rows, "p_train", column)
            left.errorbar(curve.x, curve.mean, yerr=np.nan_to_num(curve.sem), fmt=style, ms=4, capsize=2,
                          color=f"C{i}", label=f"{arch} w{width}, {label}")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("training-set size P")
    left.set_ylabel("R_f = D_f / G_f (output)")
    left.set_title("relative stability at initialisation and after training", fontsize=9)
    left.legend(fontsize=6)
    rows = tidy(rs)
    labels = sorted(rows["label"].unique())
    for i, label in enumerate(labels):
        part = rows[rows["label"] == label]
        r, e = part["R"].to_numpy(float), part["test_error"].to_numpy(float)
        right.errorbar(r.mean(), e.mean(), xerr=r.std(ddof=1) / math.sqrt(len(r)) if len(r) > 1 else 0,
                       yerr=e.std(ddof=1) / math.sqrt(len(e)) if len(e) > 1 else 0, fmt="o", ms=5, capsize=2,
                       color=f"C{i % 10}", label=label)
    fit = claim.estimator.fit(tidy(rs, claim.estimator.columns()))  # the claim's own fit, drawn
    means = rows.groupby("label")["R"].mean().to_numpy(float)
    if len(means) and np.all(means > 0):
        xs = np.geomspace(means.min(), means.max(), 20)
        right.plot(xs, 0.2 * np.sqrt(xs), "k--", lw=1, label="0.2 sqrt(R_f) (CIFAR10, the paper)")
        if math.isfinite(fit.value):
            right.plot(xs, math.exp(fit.intercept) * xs**fit.value, "r-", lw=1,
                       label=f"fit: {math.exp(fit.intercept):.2f} R_f^{fit.value:.2f}")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("R_f after training")
    right.set_ylabel("test error")
    right.set_title("test error against relative stability (seed means)", fontsize=9)
    right.legend(fontsize=6)
    save(fig, path)


def _converged(rows: Sequence[dict]) -> tuple[list[dict], str]:
    """The runs that converged (as the claims count them: a record without ``converged`` counts) and a
    note ``" (k of n converged)"`` when some did not."""
    kept = [r for r in rows if r.get("converged") is not False]
    return kept, (f" ({len(kept)} of {len(rows)} converged)" if len(kept) < len(rows) else "")


def draw_trace(records: Records, path: Path, claim: Claim) -> None:
    """R_f of the output against the training step per network (seed means over the runs that converged):
    at initialisation (step 0), at the traced steps, and at the end (the steps each run took)."""
    plt = pyplot()
    rows = records[claim.name]
    fig, ax = plt.subplots(figsize=(9.0, 4.2), dpi=110)
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["label"], []).append(r)
    for i, (label, every) in enumerate(sorted(groups.items())):
        group, note = _converged(every)
        if not group:
            continue
        steps = [0] + list(group[0].get("trace_steps", [])) + [max(r["steps"] for r in group)]
        points = pd.DataFrame([{"point": j, "seed": r["seed"], "R": value} for r in group
                               for j, value in enumerate([r["R_init"], *r.get("trace_R", []), r["R"]])])
        curve = seed_curve(points, "point", "R")  # by the point's index: a run may stop at a traced step
        ax.errorbar([steps[int(j)] for j in curve.x], curve.mean, yerr=np.nan_to_num(curve.sem), fmt="o-", ms=3,
                    capsize=2, color=f"C{i % 10}", label=label + note)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_yscale("log")
    ax.set_xlabel("training step (0: initialisation)")
    ax.set_ylabel("R_f = D_f / G_f (output)")
    ax.set_title("relative stability along training (seed means)", fontsize=9)
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    save(fig, path)


def draw_layers(records: Records, path: Path, claims: Sequence[Claim]) -> None:
    """D_k and G_k against the hidden layer k, at initialisation (dashed) and after training (solid), one
    panel per network (seed means over the runs that converged)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(claims), figsize=(3.6 * len(claims), 3.6), dpi=110, squeeze=False)
    for ax, claim in zip(axes[0], claims):
        rows, note = _converged(records[claim.name])
        k = int(claim.estimator.window[1])  # the hidden layers; the output follows them in the lists
        layers = np.arange(1, k + 1)
        ax.set_title(claim.name.rsplit("_depth_", 1)[-1] + note, fontsize=9)  # the network's short name
        ax.set_xlabel("hidden layer k")
        if not rows:
            ax.text(0.5, 0.5, "no run converged", ha="center", va="center", transform=ax.transAxes)
            continue
        for column, color, name in (("D_layers", "C0", "D_k"), ("G_layers", "C3", "G_k")):
            for suffix, style, when in (("_init", "s--", "init"), ("", "o-", "trained")):
                curve = seed_curve(tidy(rows, (column + suffix,)), "layer", column + suffix)
                mean, sem = np.asarray(curve.mean)[:k], np.nan_to_num(np.asarray(curve.sem))[:k]
                ax.errorbar(layers, mean, yerr=sem, fmt=style, ms=3, capsize=2, color=color, label=f"{name} {when}")
        ax.set_yscale("log")
        ax.set_xticks(layers)
    axes[0][0].set_ylabel("sensitivity (seed means)")
    axes[0][-1].legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    save(fig, path)


def r_f_figure(name: str, law: Claim, caption: str) -> Figure:
    """R_f per network (initialisation and after training) and the test error against R_f, from `law`'s runs."""
    return Figure(name, caption, (law,), lambda records, path: draw_stability(records, path, law))


def figures(deltas: Sequence[Claim], invertible: Sequence[Claim], law: Claim) -> list[Figure]:
    """The deformation grid (with the displacement claims), invertibility, and R_f / error figures."""
    return [
        Figure("stability_deformations", "a digit deformed at several T (in units of T_max) and cut-offs c",
               tuple(deltas), lambda records, path: draw_deformations(path)),
        Figure("stability_invertibility", "fraction of invertible maps against T / T_max, both cut-offs",
               tuple(invertible),
               lambda records, path: draw_invertibility(records, path, invertible)),
        Figure("stability_r_f", "R_f per network against P, and test error against R_f", (law,),
               lambda records, path: draw_stability(records, path, law)),
    ]


def image_figures(law: Claim, layers: Sequence[Claim]) -> list[Figure]:
    """The real-image figures: R_f per network and the error against R_f (the paper's Fig. of 15 CIFAR-10
    nets), R_f along training, and D_k, G_k against depth per pooling network (the pooling paper)."""
    out = [r_f_figure("stability_fmnist_r_f", law, "Fashion-MNIST: R_f at initialisation and after training per "
                      "network, and test error against R_f"),
           Figure("stability_fmnist_trace", "Fashion-MNIST: R_f along training per network", (law,),
                  lambda records, path: draw_trace(records, path, law))]
    if layers:
        out.append(Figure("stability_fmnist_layers", "Fashion-MNIST: D_k and G_k against depth per pooling network, "
                          "at initialisation and after training", tuple(layers),
                          lambda records, path: draw_layers(records, path, layers)))
    return out
