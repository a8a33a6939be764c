"""Symbolic consistency checks (theory.consistency)."""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from scalingcheck.theory.consistency import (
    ConsistencyResult,
    ImpliedGain,
    compression_consistency,
    cylinder_implied_gain,
    rhm_crossing_consistency,
)
from scalingcheck.theory.prediction import Provenance

d, d_perp = sp.symbols("d d_perp", integer=True, positive=True)


def test_stripe_compression_consistency_holds():
    res = compression_consistency()
    assert isinstance(res, ConsistencyResult)
    assert res.holds is True
    assert res.difference == 0
    assert res.provenance is Provenance.DERIVED
    assert "beta_feature_stripe" in res.statement and "beta_svc" in res.statement
    # lhs/rhs are the hand-derived (2d-1)/(3d-2) = d/(3d-2) + (1/2) * 2(d-1)/(3d-2)
    dd = sp.Symbol("d", integer=True, positive=True)
    assert sp.simplify(res.lhs - (2 * dd - 1) / (3 * dd - 2)) == 0
    assert sp.simplify(res.rhs - (2 * dd - 1) / (3 * dd - 2)) == 0


def test_result_is_frozen():
    res = compression_consistency()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.holds = False  # type: ignore[misc]


def test_consistency_uses_registry_expressions(monkeypatch):
    """A typo in a registered formula must break the check (no retyped formulas)."""
    import scalingcheck.theory.consistency as consistency
    from scalingcheck.theory.registry import REGISTRY

    wrong = dataclasses.replace(REGISTRY["beta_feature_stripe"], expr=2 * d / (3 * d - 2))
    table = dict(REGISTRY)
    table["beta_feature_stripe"] = wrong
    monkeypatch.setattr(consistency.registry, "get", table.__getitem__)
    res = consistency.compression_consistency()
    assert res.holds is False
    assert sp.simplify(res.difference - 1 / (3 * d - 2)) == 0  # 2d - (2d-1) = 1 over (3d-2)


def test_cylinder_implied_gain():
    res = cylinder_implied_gain()
    assert isinstance(res, ImpliedGain)
    assert res.provenance is Provenance.DERIVED
    # by hand: (d + d_perp/2)/(3d-2) - d/(3d-2) = gamma/2  =>  gamma = d_perp/(3d-2)
    names = {s.name: s for s in res.gamma.free_symbols}
    D, DP = names["d"], names["d_perp"]
    assert sp.simplify(res.gamma - DP / (3 * D - 2)) == 0
    # stripe at xi = 1: 2(d-1)/(3d-2) = 2 d_perp/(3d-2), i.e. 2/(3d-2) per direction
    assert sp.simplify(res.stripe_gamma - 2 * DP / (3 * D - 2)) == 0
    assert sp.simplify(res.gamma_per_direction - 1 / (3 * D - 2)) == 0
    assert sp.simplify(res.stripe_gamma_per_direction - 2 / (3 * D - 2)) == 0
    assert res.ratio == sp.Rational(1, 2)
    assert "[derived]" in res.statement and "d_perp/(3*d - 2)" in res.statement
    # numerically at d=5, d_par=2 (d_perp=3): gamma = 3/13
    assert float(res.gamma.subs({D: 5, DP: 3})) == pytest.approx(3 / 13)


def test_no_cylinder_gain_invented_in_registry():
    from scalingcheck.theory.registry import REGISTRY

    assert not any("cylinder" in n and "gain" in n for n in REGISTRY)


def test_rhm_crossing_consistency():
    res = rhm_crossing_consistency()
    assert res.holds and res.difference == 0
    # sqrt(v/m^L) = sqrt(v n_c/P)  <=>  P = n_c m^L
    names = {s.name: s for s in res.lhs.free_symbols}
    assert sp.simplify(res.lhs - names["n_c"] * names["m"] ** names["L"]) == 0
