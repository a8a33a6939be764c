"""The findings scripts (findings/*.py) on a store of fabricated records whose exponents are known exactly."""
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_claims():
    return {c.name: c for c in get_suite("quick")}


def script(name, store):
    out = subprocess.run([sys.executable, str(ROOT / "findings" / name), "--store", str(store), "--boot", "50"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_local_exponents_of_exact_power_laws(tmp_path, quick_claims):
    """Records eps = 3 p^-beta, the same for every seed: every local exponent is beta and its error 0."""
    betas = {"svc_laplace_stripe_d2": 0.5, "svc_laplace_stripe_d4": 0.25, "svc_cusp0.5_stripe_d2": 0.7,
             "krr_depleted_d1_chi1": 1.5}
    store = SQLiteStore(tmp_path / "s.sqlite")
    for name, beta in betas.items():
        for spec, seed in quick_claims[name].runs():
            store.put(spec, seed, {"test_error": 3 * spec.p**-beta, "mse": 3 * spec.p**-beta})
    store.close()
    text = script("kernel_local_exponents.py", tmp_path / "s.sqlite")
    for name, beta in betas.items():
        block = text.split(name + ":")[1].split("\n")[1:]
        lines = list(itertools.takewhile(lambda ln: ln.startswith(" "), block))
        assert len(lines) >= 4, block
        assert all(f"local exponent {beta:.3f} +- 0.000" in ln for ln in lines), block


def test_compression_peak_and_end(tmp_path, quick_claims):
    """lambda(t) rises to 2 p^0.5 then falls to p^0.1: the peak exponent is 0.5, the end exponent 0.1."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    for name in ("compression_stripe_d2", "net_feature_stripe_d3", "net_feature_cylinder_d3"):
        for spec, seed in quick_claims[name].runs():
            end = spec.p**0.1
            store.put(spec, seed, {"compression": end, "compression_trace": [[0, 1.0], [1, 2 * spec.p**0.5], [2, end]]})
    store.close()
    text = script("compression_peak.py", tmp_path / "s.sqlite")
    assert text.count("peak: lambda ~ P^0.500 [0.500, 0.500] (P = 64, 128, 256, 512") == 3, text
    assert text.count("end: lambda ~ P^0.100 [0.100, 0.100]") == 3, text


def test_an_empty_store_is_named(tmp_path):
    SQLiteStore(tmp_path / "s.sqlite").close()
    out = subprocess.run([sys.executable, str(ROOT / "findings" / "compression_peak.py"), "--store",
                          str(tmp_path / "s.sqlite")], capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "none of the runs of compression_stripe_d2" in out.stderr


def test_sensitivity_offsets_at_known_crossings(tmp_path, quick_claims):
    """S = 1-1/m below P = 64, 1/2 on [64, 128), (1-1/m)/2 from 128; error over chance 1 below 256, 0.1 from 256:
    the crossings fall on grid points, so log2(P_S/P*) is -2 at S = 1/2 and -1 at S = (1-1/m)/2 for every config."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    n = 0
    for claim in quick_claims.values():
        for spec, seed in claim.runs():
            if spec.kind == "rhm_learning" and spec.sensitivity_level == 1:
                m, p = spec.m, spec.p
                sens = 1 - 1 / m if p < 64 else 0.5 if p < 128 else (1 - 1 / m) / 2
                store.put(spec, seed, {"sensitivity_top": sens, "error_over_chance": 1.0 if p < 256 else 0.1})
                n += 1
    store.close()
    assert n > 0
    text = script("sensitivity_offset.py", tmp_path / "s.sqlite")
    rows = [ln for ln in text.splitlines() if ln.startswith("m=")]
    assert rows and all("P* 256; log2(P_S/P*) -2.00 at S = 1/2, -1.00 at S = (1-1/m)/2" in ln for ln in rows), text
    assert text.count("untrained CNN") == 4


def test_local_exponents_skip_claims_missing_from_the_suite_or_the_store(tmp_path, quick_claims):
    """Only one claim stored: the others are named as skipped, and the stored one still gets its exponents."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    for spec, seed in quick_claims["krr_depleted_d1_chi1"].runs():
        store.put(spec, seed, {"mse": 2 * spec.p**-1.25})
    store.close()
    text = script("kernel_local_exponents.py", tmp_path / "s.sqlite")
    assert "svc_laplace_stripe_d2: skipped (none of the runs" in text
    assert "local exponent 1.250 +- 0.000" in text.split("krr_depleted_d1_chi1:")[1]


def test_the_cusp_claims_file_states_its_predictions(quick_claims):
    """findings/svc_cusp_claims.py: one claim per (xi, sigma), each predicting (d-1+xi)/(3d-3+xi) at d = 2, with
    the quick kernel claims' window; xi = 0.5, sigma = 10 shares the quick suite's runs."""
    from scalingcheck.compare.user_claims import load_claims

    claims = {c.name: c for c in load_claims(str(ROOT / "findings" / "svc_cusp_claims.py")).claims("quick")}
    assert len(claims) == 7
    for name, claim in claims.items():
        xi = float(name.split("cusp")[1].split("_")[0])
        assert claim.predicted.value(None) == pytest.approx((1 + xi) / (3 + xi))
        assert claim.estimator.window == quick_claims["svc_cusp0.5_stripe_d2"].estimator.window
    shared = {spec.key(seed) for spec, seed in quick_claims["svc_cusp0.5_stripe_d2"].runs()}
    assert {spec.key(seed) for spec, seed in claims["svc_cusp0.5_sigma10_stripe_d2"].runs()} == shared


def test_the_vocabulary_claims_file_changes_only_v(quick_claims):
    """findings/rhm_vocabulary_claims.py: the quick suite's CNN claim on P*(n_c) with v = 32 instead of 8: the same
    prediction (exponent 1 in n_c), estimator, tolerance, network and training, and every (n_c, P, seed) of it."""
    from scalingcheck.compare.user_claims import load_claims

    (claim,) = load_claims(str(ROOT / "findings" / "rhm_vocabulary_claims.py")).claims("quick")
    suite = quick_claims["rhm_p_star_n_c_L3"]
    assert claim.predicted.value(None) == pytest.approx(1.0) == suite.predicted.value(None)
    assert claim.estimator == suite.estimator and claim.tolerance == suite.tolerance
    assert {spec.v for spec, _ in claim.runs()} == {32} and {spec.v for spec, _ in suite.runs()} == {8}
    same = ("m", "s", "L", "net", "train", "sensitivity_level")
    assert {tuple(getattr(spec, f) for f in same) for spec, _ in claim.runs()} == \
        {tuple(getattr(spec, f) for f in same) for spec, _ in suite.runs()}
    assert {(spec.n_c, spec.p, seed) for spec, seed in claim.runs()} >= \
        {(spec.n_c, spec.p, seed) for spec, seed in suite.runs()}


def test_the_width_claims_file_changes_only_the_width(quick_claims):
    """findings/rhm_width_claims.py: the quick suite's P*(m) and sensitivity claims at L = 3 with widths 128 and 256,
    and nothing else changed (same prediction, estimator, tolerance and runs up to the width)."""
    import dataclasses as dc

    from scalingcheck.compare.user_claims import load_claims

    claims = {c.name: c for c in load_claims(str(ROOT / "findings" / "rhm_width_claims.py")).claims("quick")}
    assert len(claims) == 4
    for name, claim in claims.items():
        base, width = name.rsplit("_width", 1)
        suite = quick_claims[base]
        assert {spec.net.width for spec, _ in claim.runs()} == {int(width)}
        assert (claim.predicted, claim.estimator, claim.tolerance) == (suite.predicted, suite.estimator, suite.tolerance)
        assert [(dc.replace(spec, net=dc.replace(spec.net, width=64)), seed) for spec, seed in claim.runs()] == suite.runs()


def test_the_compression_width_claims_file_changes_only_the_width(quick_claims):
    """findings/compression_width_claims.py: the suite's feature-regime learning curve and lambda claims (stripe d = 2)
    at width 256, with the same flow, prediction, estimator, tolerance and runs up to the width."""
    import dataclasses as dc

    from scalingcheck.compare.user_claims import load_claims

    claims = {c.name: c for c in load_claims(str(ROOT / "findings" / "compression_width_claims.py")).claims("quick")}
    assert sorted(claims) == ["compression_stripe_d2_width256", "net_feature_stripe_d2_width256"]
    for name, claim in claims.items():
        suite = quick_claims[name.rsplit("_width", 1)[0]]
        assert {spec.net.width for spec, _ in claim.runs()} == {256}
        assert (claim.predicted, claim.estimator, claim.tolerance) == (suite.predicted, suite.estimator, suite.tolerance)
        assert [(dc.replace(spec, net=dc.replace(spec.net, width=64)), seed) for spec, seed in claim.runs()] == suite.runs()


def test_sensitivity_offsets_of_a_claims_file_by_width(tmp_path):
    """--claims-file: the runs of findings/rhm_width_claims.py, fabricated with the crossings of the test above,
    give one row per (m, width) with the known offsets."""
    from scalingcheck.compare.user_claims import load_claims

    claims = load_claims(str(ROOT / "findings" / "rhm_width_claims.py")).claims("quick")
    store = SQLiteStore(tmp_path / "s.sqlite")
    for claim in claims:
        for spec, seed in claim.runs():
            p, m = spec.p, spec.m
            sens = 1 - 1 / m if p < 64 else 0.5 if p < 128 else (1 - 1 / m) / 2
            store.put(spec, seed, {"sensitivity_top": sens, "error_over_chance": 1.0 if p < 256 else 0.1})
    store.close()
    out = subprocess.run([sys.executable, str(ROOT / "findings" / "sensitivity_offset.py"), "--store",
                          str(tmp_path / "s.sqlite"), "--claims-file", str(ROOT / "findings" / "rhm_width_claims.py")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [ln for ln in out.stdout.splitlines() if ln.startswith("m=")]
    assert len(rows) == 8 and {ln.split("width=")[1].split(":")[0] for ln in rows} == {"128", "256"}
    assert all("P* 256; log2(P_S/P*) -2.00 at S = 1/2, -1.00 at S = (1-1/m)/2" in ln for ln in rows), out.stdout


def test_loading_a_claims_file_twice_returns_what_its_first_load_registered():
    """Python imports a claims file once per process; a second load_claims must not report 'registers no study'."""
    from scalingcheck.compare.user_claims import load_claims

    path = str(ROOT / "findings" / "rhm_vocabulary_claims.py")
    first, second = load_claims(path), load_claims(path)
    assert second is first and [s.name for s in first.studies] == ["rhm_vocabulary"]


def test_svc_over_nearest_neighbour_errors(tmp_path):
    """SVC records made exactly half the 1-NN error, the latter computed here by brute force (a second method:
    all distances, no tree): the script prints the 1-NN means of the brute force and a ratio of 0.50 at every P."""
    import torch

    sys.path.insert(0, str(ROOT / "findings"))
    try:
        from svc_cusp_nearest_neighbour import SUITE, svc_spec
    finally:
        sys.path.pop(0)
    from scalingcheck.simulate.data.stripe import Stripe

    def brute(d, p, seed):
        x, y = Stripe(d=d).sample(p, seed, stream=0, dtype=torch.float64)
        xt, yt = Stripe(d=d).sample(SUITE.n_test, seed, stream=1, dtype=torch.float64)
        nearest = torch.cat([torch.cdist(chunk, x).argmin(dim=1) for chunk in xt.split(2000)])
        return float((y[nearest] != yt).double().mean())

    store = SQLiteStore(tmp_path / "s.sqlite")
    means = {}
    for p in SUITE.svc_ps:
        errors = [brute(2, p, s) for s in range(2)]
        means[p] = sum(errors) / 2
        for s, e in enumerate(errors):
            store.put(svc_spec(2, 0.5, 10.0, p), s, {"test_error": 0.5 * e})
    store.close()
    out = subprocess.run([sys.executable, str(ROOT / "findings" / "svc_cusp_nearest_neighbour.py"), "--store",
                          str(tmp_path / "s.sqlite"), "--seeds", "2", "--boot", "50"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    d2 = out.stdout.split("d = 3:")[0]
    assert "mean error " + ", ".join(f"{means[p]:.4f}" for p in SUITE.svc_ps) in d2, out.stdout
    line = next(ln for ln in d2.splitlines() if "SVC xi = 0.5 " in ln)
    assert line.endswith(", ".join(["0.50"] * len(SUITE.svc_ps))), line
    assert all(ln.endswith(", ".join(["-"] * len(SUITE.svc_ps))) for ln in d2.splitlines() if "xi = 0.25 " in ln)
