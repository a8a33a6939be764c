"""Registry-wide properties: names, lookup errors, provenance, citations, rendering."""
from __future__ import annotations

import re

import pytest
import sympy as sp

from scalingcheck.theory.prediction import Prediction, Provenance, Relation
from scalingcheck.theory.registry import REGISTRY, get, names

# Provenance tags exactly as docs/science.md gives them.
EXPECTED_TAGS = {
    # section 1
    "beta_lazy": "paper",
    "beta_feature_stripe": "paper",
    "beta_feature_cylinder": "paper",
    "compression_ratio": "paper",
    "compression_gain": "paper",
    "beta_svc": "paper",
    # section 2
    "krr_crossover_ridge": "paper",
    "beta_krr_true": "derived",
    "beta_krr_sb": "derived",
    "krr_error_fixed_ridge": "derived",
    # section 3
    "rhm_input_dim": "paper",
    "rhm_p_max": "code",
    "rhm_sample_complexity": "paper",
    "rhm_correlation_crossing": "paper",
    "rhm_signal": "paper",
    "rhm_noise": "paper",
    "rhm_shallow_sample_complexity": "paper",
    "sparse_rhm_p_star_lcn": "paper",
    "sparse_rhm_p_star_cnn": "paper",
    # section 4
    "pooling_diffeo_strided": "derived",
    "pooling_noise_strided": "derived",
    "pooling_diffeo_stride1": "derived",
    "pooling_noise_stride1": "derived",
    # section 5
    "diffeo_delta": "code",
    "diffeo_t_min": "code",
    "diffeo_t_max": "code",
    "error_vs_relative_stability": "paper",
    "diffeo_rms_exact": "exact",
    "diffeo_rms_exact_authors": "exact",
    "diffeo_rms_exact_centre": "exact",
    # section 6
    "alpha_star": "paper",
    "init_fluctuations": "paper",
    "beta_teacher_student": "derived",
    "beta_sparse_features": "open",
}

EXPECTED_CITATIONS = {
    "beta_lazy": "2007.11471",
    "beta_feature_stripe": "2007.11471",
    "beta_feature_cylinder": "2007.11471",
    "compression_ratio": "2007.11471",
    "compression_gain": "2006.09754",
    "beta_svc": "2006.09754",
    "krr_crossover_ridge": "2202.03348",
    "beta_krr_true": "2202.03348",
    "beta_krr_sb": "2202.03348",
    "krr_error_fixed_ridge": "2202.03348",
    "rhm_p_max": "2307.02129",
    "rhm_sample_complexity": "2307.02129",
    "sparse_rhm_p_star_lcn": "2404.10727",
    "sparse_rhm_p_star_cnn": "2404.10727",
    "pooling_diffeo_strided": "2210.01506",
    "diffeo_delta": "2105.02468",
    "error_vs_relative_stability": "2105.02468",
    "alpha_star": "1906.08034",
    "beta_teacher_student": "1905.10843",
    "beta_sparse_features": "2206.12314",
}

SCALES = {
    "compression_ratio", "compression_gain", "krr_crossover_ridge", "krr_error_fixed_ridge",
    "rhm_sample_complexity", "rhm_signal", "rhm_noise", "rhm_shallow_sample_complexity",
    "sparse_rhm_p_star_lcn", "sparse_rhm_p_star_cnn", "pooling_diffeo_strided",
    "pooling_noise_strided", "pooling_diffeo_stride1", "pooling_noise_stride1",
    "alpha_star", "init_fluctuations",
}


def test_required_names_present_and_nothing_unexpected():
    assert set(names()) == set(EXPECTED_TAGS)
    assert len(names()) == len(set(names()))
    assert names() == tuple(REGISTRY)


@pytest.mark.parametrize("name", sorted(EXPECTED_TAGS))
def test_provenance_matches_theory_md(name):
    pred = get(name)
    assert isinstance(pred, Prediction)
    assert pred.name == name
    assert isinstance(pred.provenance, Provenance)
    assert pred.provenance.value == EXPECTED_TAGS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_TAGS))
def test_citation_is_an_arxiv_id(name):
    assert re.fullmatch(r"\d{4}\.\d{4,5}", get(name).citation), get(name).citation


@pytest.mark.parametrize("name", sorted(EXPECTED_CITATIONS))
def test_citation_is_the_right_paper(name):
    assert get(name).citation == EXPECTED_CITATIONS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_TAGS))
def test_relation(name):
    expected = Relation.SCALES if name in SCALES else Relation.EQUAL
    assert get(name).relation is expected


@pytest.mark.parametrize("name", sorted(EXPECTED_TAGS))
def test_metadata_present(name):
    pred = get(name)
    assert pred.quantity and pred.symbol and pred.symbol_latex and pred.section
    if name.startswith("beta_"):
        assert "exponent beta" in pred.quantity and "eps ~ P^-beta" in pred.quantity


def test_module_docstrings_cite_arxiv():
    import scalingcheck.theory.consistency
    import scalingcheck.theory.diffeomorphisms
    import scalingcheck.theory.eigenlearning
    import scalingcheck.theory.geometric_compression
    import scalingcheck.theory.kernel_regression
    import scalingcheck.theory.pooling
    import scalingcheck.theory.rhm
    import scalingcheck.theory.supporting

    theory = scalingcheck.theory
    for mod in (theory.geometric_compression, theory.kernel_regression, theory.rhm, theory.pooling,
                theory.diffeomorphisms, theory.supporting, theory.consistency, theory.eigenlearning):
        assert re.search(r"arXiv:\d{4}\.\d{4,5}", mod.__doc__), mod.__name__


def test_registry_is_read_only():
    with pytest.raises(TypeError):
        REGISTRY["beta_lazy"] = REGISTRY["beta_svc"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del REGISTRY["beta_lazy"]  # type: ignore[attr-defined]


def test_unknown_prediction_suggests_close_match():
    with pytest.raises(ValueError) as info:
        get("beta_lazzy")
    msg = str(info.value)
    assert msg.startswith("unknown prediction 'beta_lazzy'; did you mean beta_lazy")
    assert "? known: " in msg and "rhm_p_max" in msg


def test_unknown_prediction_without_close_match():
    with pytest.raises(ValueError, match=r"^unknown prediction 'zzz'; known: beta_lazy, "):
        get("zzz")


@pytest.mark.parametrize("name", sorted(n for n, t in EXPECTED_TAGS.items() if t != "open"))
def test_latex_renders(name):
    pred = get(name)
    tex = pred.latex()
    assert tex.startswith(pred.symbol_latex)
    assert (r"\sim" in tex) == (pred.relation is Relation.SCALES)
    assert tex.count("{") == tex.count("}")
    assert "lam" not in tex.replace(r"\lambda", "")  # parameter symbols named lam/ridge render as \lambda
    assert "ridge" not in tex
    assert pred.text() and pred.describe()


def test_latex_examples():
    assert get("beta_lazy").latex() == r"\beta_{\mathrm{lazy}} = \frac{d}{3 d - 2}"
    assert get("krr_error_fixed_ridge").latex().startswith(r"\epsilon \sim \left(\frac{\lambda}{P}\right)")
    assert r"\lambda^{" in get("compression_gain").latex()


def test_open_entry_raises_on_evaluate_and_latex():
    pred = get("beta_sparse_features")
    assert pred.expr is None and pred.provenance is Provenance.OPEN
    with pytest.raises(ValueError, match=r"\[open\]"):
        pred.evaluate()
    with pytest.raises(ValueError, match=r"\[open\]"):
        pred.latex()
    assert pred.parameters == ()
    assert "[open]" in pred.text() and "[open]" in pred.describe()


@pytest.mark.parametrize("name", sorted(n for n, t in EXPECTED_TAGS.items() if t != "open"))
def test_symbols_carry_assumptions(name):
    for sym in get(name).parameters:
        a = sym.assumptions0
        assert a.get("positive") or a.get("nonnegative"), f"{name}: {sym} has no sign assumption"


def test_symbol_domains():
    def sym(pred, n):
        return next(s for s in get(pred).parameters if s.name == n)

    assert sym("beta_lazy", "d").is_integer and sym("beta_lazy", "d").is_positive
    assert sym("beta_krr_true", "chi").is_nonnegative and sym("beta_krr_true", "chi").is_positive is None
    assert sym("beta_svc", "xi").is_positive and sym("beta_svc", "xi").is_integer is None
    for n in ("n_c", "v", "m", "s", "L"):
        assert sym("rhm_p_max", n).is_integer and sym("rhm_p_max", n).is_positive
    assert sym("sparse_rhm_p_star_cnn", "s0").is_nonnegative and sym("sparse_rhm_p_star_cnn", "s0").is_integer


def test_rhm_conditions_encoded():
    conds = {sp.sstr(c) for c in get("rhm_p_max").conditions}
    assert conds == {"m <= v**(s - 1)", "m*n_c <= v**s", "s >= 2"}
    assert "xi < 2" in {sp.sstr(c) for c in get("beta_svc").conditions}
    cyl = {sp.sstr(c) for c in get("beta_feature_cylinder").conditions}
    assert cyl == {"d_par >= 2", "d_par < d"}
    assert get("beta_feature_cylinder").parameter_names == ("d", "d_par")


@pytest.mark.parametrize(
    "name, note",
    [
        ("beta_svc", "large bandwidth"),
        ("beta_krr_true", "ridgeless or lambda << lambda*"),
        ("krr_error_fixed_ridge", "lambda >> lambda*"),
        ("pooling_diffeo_stride1", "large k"),
        ("error_vs_relative_stability", "CIFAR10"),
    ],
)
def test_validity_notes(name, note):
    assert any(note in v for v in get(name).validity)


def test_theory_does_not_import_torch_simulate_or_compare():
    import subprocess
    import sys

    code = (
        "import sys, scalingcheck.theory.registry, scalingcheck.theory.consistency, scalingcheck.theory.eigenlearning; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'torch' or m.startswith(('scalingcheck.simulate', 'scalingcheck.compare'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
