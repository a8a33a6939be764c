"""Figures of the Random Hierarchy Model claims (docs/science.md section 3).

* collapse: test error over chance against P / (n_c m^L) for every (n_c, m, L)
  of the deep-CNN claims: if P* ~ n_c m^L the curves fall on one;
* sensitivity: the last hidden layer's synonymic sensitivity and the test
  error against P, per m;
* P* against n_c m^L for every group, deep CNN and shallow FCN, with a line of
  slope 1 (the theory fixes the slope, not the prefactor: the line's
  prefactor is the geometric mean of P* / (n_c m^L) over the CNN groups).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...claim import Claim
from ...estimators import ThresholdCrossing, seed_curve
from ...figures import Figure, Records, pyplot, save
from ...records import tidy


def _groups(records: Sequence[dict[str, Any]], keys: tuple[str, ...]) -> dict[tuple, list[dict[str, Any]]]:
    out: dict[tuple, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(tuple(r[k] for k in keys), []).append(r)
    return dict(sorted(out.items()))


def _scale(n_c: int, m: int, L: int) -> float:
    return float(n_c * m**L)


def _cnn_groups(records: Records, claims: Sequence[str]) -> dict[tuple, list[dict[str, Any]]]:
    """(n_c, m, L) -> records, over the named claims (a group shared by two claims is drawn once)."""
    merged: dict[tuple, dict[tuple, dict[str, Any]]] = {}
    for name in claims:
        for key, rs in _groups(records[name], ("n_c", "m", "L")).items():
            for r in rs:
                merged.setdefault(key, {})[(r["p"], r["seed"])] = r
    return {k: list(v.values()) for k, v in sorted(merged.items())}


def draw_collapse(records: Records, path: Path, claims: Sequence[str], threshold: float) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.2), dpi=120)
    markers = {2: "o", 3: "s", 4: "^"}
    for i, ((n_c, m, L), rs) in enumerate(_cnn_groups(records, claims).items()):
        curve = seed_curve(tidy(rs), "p", "error_over_chance")
        x = np.asarray(curve.x) / _scale(n_c, m, L)
        ax.errorbar(x, curve.mean, yerr=np.nan_to_num(curve.sem), marker=markers.get(L, "o"), ms=3.5, lw=1,
                    capsize=1.5, color=f"C{i % 10}", label=f"n_c={n_c}, m={m}, L={L}")
    ax.axhline(threshold, ls=":", color="k", lw=1, label=f"P* threshold ({threshold:g} of chance)")
    ax.set_xscale("log")
    ax.set_xlabel("P / (n_c m^L)")
    ax.set_ylabel("test error / chance error")
    ax.set_title("deep CNN on the RHM: learning curves against P / (n_c m^L)\n"
                 "(the theory: one curve, up to an O(1) shift)", fontsize=9)
    ax.legend(fontsize=6, ncol=2, loc="lower left")
    save(fig, path)


def draw_sensitivity(records: Records, path: Path, claim: str, threshold: float) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.2), dpi=120)
    for i, ((m, L), rs) in enumerate(_groups(records[claim], ("m", "L")).items()):
        rows = tidy(rs)
        sens = seed_curve(rows, "p", "sensitivity_top")
        err = seed_curve(rows, "p", "error_over_chance")
        ax.errorbar(sens.x, sens.mean, yerr=np.nan_to_num(sens.sem), marker="o", ms=3.5, lw=1.2, capsize=1.5,
                    color=f"C{i}", label=f"m={m}: sensitivity S_{{L,1}}")
        ax.plot(err.x, err.mean, ls="--", marker=".", lw=1, color=f"C{i}", label=f"m={m}: test error / chance")
    ax.axhline(0.5, ls=":", color="C7", lw=1, label="S = 1/2")
    ax.axhline(threshold, ls=":", color="k", lw=1, label=f"error = {threshold:g} of chance (P*)")
    ax.set_xscale("log")
    ax.set_xlabel("P (training points)")
    ax.set_ylabel("synonymic sensitivity / test error over chance")
    ax.set_title("deep CNN on the RHM: sensitivity of the last hidden layer to input synonyms", fontsize=9)
    ax.legend(fontsize=6, ncol=2, loc="lower left")
    save(fig, path)


def _p_stars(groups: dict[tuple, list[dict[str, Any]]], threshold: float) -> list[tuple[float, float, float, float]]:
    """(n_c m^L, P*, low, high) per group with a finite P*."""
    est = ThresholdCrossing(threshold=threshold, y="error_over_chance", n_boot=300)
    out = []
    for (n_c, m, L), rs in groups.items():
        meas = est.fit(tidy(rs))
        if math.isfinite(meas.value):
            out.append((_scale(n_c, m, L), meas.value, meas.low, meas.high))
    return out


def draw_p_star(records: Records, path: Path, cnn_claims: Sequence[str], fcn_claims: Sequence[str], threshold: float) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.2), dpi=120)
    cnn = _p_stars(_cnn_groups(records, cnn_claims), threshold)
    fcn = _p_stars(_cnn_groups(records, fcn_claims), threshold) if fcn_claims else []
    for label, points, style in (("deep CNN", cnn, "o"), ("shallow FCN", fcn, "s")):
        if not points:
            continue
        x, y, lo, hi = (np.asarray(v) for v in zip(*points))
        yerr = np.vstack([np.nan_to_num(y - lo), np.nan_to_num(hi - y)])
        ax.errorbar(x, y, yerr=yerr, fmt=style, ms=4, capsize=2, label=f"{label} (95% interval over seeds)")
    if cnn:
        x = np.asarray([p[0] for p in cnn])
        c = math.exp(float(np.mean(np.log([p[1] / p[0] for p in cnn]))))
        xs = np.geomspace(x.min(), x.max(), 20)
        ax.plot(xs, c * xs, "--", color="C3", label=f"P* = {c:.2g} n_c m^L (slope 1 predicted; prefactor fitted)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n_c m^L")
    ax.set_ylabel(f"P* (test error <= {threshold:g} of chance)")
    ax.set_title("RHM sample complexity against n_c m^L", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    save(fig, path)


def figures(cnn: Sequence[Claim], sensitivity: Sequence[Claim], fcn: Sequence[Claim], threshold: float,
            prefix: str = "rhm") -> list[Figure]:
    """The RHM figures over the given claims (deep-network sample complexities, the sensitivity claim if
    given, the shallow FCN's), named ``<prefix>_collapse``, ``<prefix>_sensitivity``, ``<prefix>_p_star``."""
    cnn, fcn, sensitivity = tuple(cnn), tuple(fcn), tuple(sensitivity)
    cnn_names, fcn_names = [c.name for c in cnn], [c.name for c in fcn]
    out = [Figure(f"{prefix}_collapse", "test error / chance against P / (n_c m^L), every deep-CNN group", cnn,
                  lambda r, p: draw_collapse(r, p, cnn_names, threshold))]
    for claim in sensitivity:
        out.append(Figure(f"{prefix}_sensitivity", "synonymic sensitivity S_{L,1} and test error against P, per m",
                          (claim,), lambda r, p, name=claim.name: draw_sensitivity(r, p, name, threshold)))
    out.append(Figure(f"{prefix}_p_star", "P* against n_c m^L, deep CNN and shallow FCN, with the predicted slope 1"
                      if fcn else "P* against n_c m^L, with the predicted slope 1", cnn + fcn,
                      lambda r, p: draw_p_star(r, p, cnn_names, fcn_names, threshold)))
    return out
