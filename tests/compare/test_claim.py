import math
from dataclasses import dataclass

import pytest

from scalingcheck.compare.claim import Claim, Tolerance, Verdict, decide, evaluate_all
from scalingcheck.compare.estimators import Exponent, PowerLawFit
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.simulate.runs.sweep import SerialExecutor, Sweep
from tests.toy import PowerLawToy

TOL = Tolerance(0.02, "test", max_interval=0.3)


def meas(value, low, high, points=5, seeds=4):
    return Exponent(value, low, high, 0.95, points, seeds, "test", "p", "test_error", window=(1, 10))


@pytest.mark.parametrize(
    "m, predicted, relation, verdict",
    [
        (meas(0.5, 0.45, 0.55), 0.5, "equal", Verdict.AGREE),
        (meas(0.5, 0.45, 0.55), 0.56, "equal", Verdict.AGREE),  # within tolerance 0.02 of the interval
        (meas(0.5, 0.45, 0.55), 0.60, "equal", Verdict.DISAGREE),
        (meas(0.5, 0.45, 0.55), 0.40, "equal", Verdict.DISAGREE),
        (meas(0.5, 0.1, 0.9), 0.5, "equal", Verdict.INCONCLUSIVE),  # too wide
        (meas(0.5, 0.45, 0.55, points=2), 0.5, "equal", Verdict.INCONCLUSIVE),
        (meas(0.5, 0.45, 0.55, seeds=1), 0.5, "equal", Verdict.INCONCLUSIVE),
        (meas(1.0, 0.95, 1.05), 1.33, "differ", Verdict.AGREE),
        (meas(1.0, 0.99, 1.01), 1.0, "differ", Verdict.DISAGREE),
        (meas(1.0, 0.90, 1.10), 1.0, "differ", Verdict.INCONCLUSIVE),
        (meas(math.nan, math.nan, math.nan), 1.0, "equal", Verdict.INCONCLUSIVE),
        (meas(0.3, 0.1, 0.2), 0.0, "greater", Verdict.AGREE),
        (meas(0.1, 0.01, 0.2), 0.0, "greater", Verdict.INCONCLUSIVE),  # above, but not beyond the tolerance 0.02
        (meas(0.0, -0.1, 0.1), 0.0, "greater", Verdict.INCONCLUSIVE),
        (meas(-0.2, -0.25, -0.15), 0.0, "greater", Verdict.DISAGREE),
        (meas(-0.3, -0.4, -0.2), 0.0, "less", Verdict.AGREE),
        (meas(-0.1, -0.2, -0.01), 0.0, "less", Verdict.INCONCLUSIVE),  # below, but not beyond the tolerance 0.02
        (meas(0.2, 0.15, 0.25), 0.0, "less", Verdict.DISAGREE),
    ],
)
def test_decide(m, predicted, relation, verdict):
    assert decide(m, predicted, TOL, relation)[0] is verdict


@dataclass(frozen=True)
class Fixed:
    """A target with a fixed value (no registry needed)."""

    v: float

    def runs(self):
        return []

    def value(self, store):
        return self.v

    def describe(self):
        return f"fixed {self.v}"

    provenance = "derived"
    citation = "0000.00000"


def toy_claim(name, predicted, beta=0.5):
    sweep = Sweep.over(PowerLawToy(beta=beta, noise=0.05), seeds=range(4), p=[64, 128, 256, 512])
    return Claim(name, "toy", Fixed(predicted), sweep, PowerLawFit(n_boot=200), TOL)


def test_claims_end_to_end_with_a_shared_store():
    store = MemoryStore()
    good, bad = toy_claim("good", 0.5), toy_claim("bad", 0.8)
    outcomes = evaluate_all([good, bad], store, executor=SerialExecutor(), progress=False)
    assert [o.verdict for o in outcomes] == [Verdict.AGREE, Verdict.DISAGREE]
    assert len(store) == 16  # both claims share the same runs
    again = evaluate_all([good], store, compute=False)
    assert again[0].measurement.value == outcomes[0].measurement.value


def test_a_claim_is_judged_as_soon_as_its_runs_are_stored():
    """evaluate_all judges each claim while the other claims' runs are still to come, and the outcome is the
    one judged afterwards from the store."""
    store, seen = MemoryStore(), []
    first, second = toy_claim("first", 0.5), toy_claim("second", 0.7, beta=0.7)  # 16 runs each, none shared
    outcomes = evaluate_all([first, second], store, executor=SerialExecutor(), progress=False,
                            on_outcome=lambda o: seen.append((o.claim, len(store))))
    assert len(store) == 32 and sorted(name for name, _ in seen) == ["first", "second"]
    assert seen[0][1] < 32 and seen[1][1] == 32  # the first one judged before the other's runs were all in
    again = evaluate_all([first, second], store, compute=False)
    assert [o.to_dict() for o in outcomes] == [o.to_dict() for o in again]


def test_an_error_while_judging_during_the_runs_does_not_stop_them():
    store, calls = MemoryStore(), []

    def broken_plot(outcome):
        calls.append((outcome.claim, len(store)))
        raise RuntimeError("plot failed")

    with pytest.raises(RuntimeError, match="plot failed"):  # raised after the runs, when judged again
        evaluate_all([toy_claim("first", 0.5), toy_claim("second", 0.7, beta=0.7)], store,
                     executor=SerialExecutor(), progress=False, on_outcome=broken_plot)
    # both claims judged (and failed) during the runs, then the first judged again after them, raising
    assert len(store) == 32 and len(calls) == 3 and calls[1][1] == 32 and calls[2][1] == 32


def test_missing_runs_make_a_report_inconclusive():
    out = evaluate_all([toy_claim("c", 0.5)], MemoryStore(), compute=False)[0]
    assert out.verdict is Verdict.INCONCLUSIVE and "none of its 16 runs is in the store: nothing measured" in out.reason
    assert out.extra == {"missing_runs": 16, "runs": 16}


def test_claim_validation():
    with pytest.raises(ValueError, match="relation"):
        Claim("x", "s", Fixed(1), toy_claim("c", 1).sweep, PowerLawFit(), TOL, relation="similar")
    with pytest.raises(ValueError, match="unique"):
        evaluate_all([toy_claim("c", 1), toy_claim("c", 1)], MemoryStore(), compute=False)


@dataclass(frozen=True)
class Flaky(PowerLawToy):
    """A toy whose runs at p=512 report that training did not converge for some seeds."""

    kind = "toy_flaky"
    bad_seeds: int = 1

    def _run(self, seed):
        out = super()._run(seed)
        out["converged"] = not (self.p == 512 and seed < self.bad_seeds)
        if not out["converged"]:
            out["test_error"] = 1.0  # what a dead network scores
        return out


@pytest.mark.parametrize("bad, verdict", [(1, Verdict.AGREE), (3, Verdict.INCONCLUSIVE)])
def test_non_converged_runs_are_left_out_and_counted(bad, verdict):
    sweep = Sweep.over(Flaky(beta=0.5, noise=0.05, bad_seeds=bad), seeds=range(4), p=[64, 128, 256, 512])
    claim = Claim("flaky", "toy", Fixed(0.5), sweep, PowerLawFit(n_boot=200), TOL)
    out = evaluate_all([claim], MemoryStore(), executor=SerialExecutor(), progress=False)[0]
    assert out.verdict is verdict
    assert out.extra["failed_runs"] == bad
    assert f"{bad} of 16 runs did not converge" in out.reason


@dataclass(frozen=True)
class FlakyKnowsItsTraining(Flaky):
    """A Flaky toy that says which of its fields its training sets: here only the test error."""

    kind = "toy_flaky_trained"
    trained_fields = frozenset({"test_error"})

    def _run(self, seed):
        out = super()._run(seed)
        out["width"] = 10.0 + self.p / 64  # a field set before any training, with a known exponent 0 fit below
        return out


def test_a_claim_reading_only_untrained_fields_keeps_runs_that_did_not_converge():
    """The runs that did not converge are left out of a claim that reads the training's fields, and kept by
    one that reads only what the spec says its training does not set."""
    sweep = Sweep.over(FlakyKnowsItsTraining(beta=0.5, noise=0.05, bad_seeds=3), seeds=range(4), p=[64, 128, 256, 512])
    trained = Claim("trained", "toy", Fixed(0.5), sweep, PowerLawFit(n_boot=200), TOL)
    before = Claim("before", "toy", Fixed(0.5), sweep, PowerLawFit(y="width", n_boot=200), TOL)
    out_trained, out_before = evaluate_all([trained, before], MemoryStore(), executor=SerialExecutor(), progress=False)
    assert out_trained.extra["failed_runs"] == 3 and out_trained.verdict is Verdict.INCONCLUSIVE
    assert "failed_runs" not in out_before.extra and out_before.measurement.n_seeds == 4


def test_outcome_round_trips_through_results_json(tmp_path):
    """results.json carries provenance and outcomes; read back, every outcome equals the one written."""
    import json

    from scalingcheck.compare.provenance import provenance
    from scalingcheck.compare.report import write_report
    from scalingcheck.compare.results import read_results

    store = MemoryStore()
    outcomes = evaluate_all([toy_claim("good", 0.5), toy_claim("bad", 0.8)], store, executor=SerialExecutor(),
                            progress=False)
    write_report(outcomes, tmp_path, plots=False, provenance=provenance(suite="toy"))
    prov, back = read_results(tmp_path / "results.json")
    assert prov["suite"] == "toy" and prov["package"] == "scalingcheck" and prov["torch"] and prov["date"]
    assert [json.dumps(o.to_dict()) for o in back] == [json.dumps(o.to_dict()) for o in outcomes]
    assert [o.verdict for o in back] == [Verdict.AGREE, Verdict.DISAGREE]


@pytest.mark.parametrize("text, message", [
    ("not json", "not a readable results.json"),
    ('[{"claim": "x"}]', "not a scalingcheck results.json"),
    ('{"format": "scalingcheck-results", "version": 99, "outcomes": []}', "version 99"),
    ('{"format": "scalingcheck-results", "version": 1, "outcomes": [{"claim": "x"}]}', "predicted is None"),
])
def test_malformed_results_are_named(tmp_path, text, message):
    from scalingcheck.compare.results import read_results

    path = tmp_path / "results.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        read_results(path)
    assert str(path) in str(info.value)
