"""The worked example of a user's CI guard (examples/nearest_neighbour), end to end at toy scale, and the bad
input a user's claims and baselines can bring: each gets exit 2 and one line, and the store keeps its runs."""
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nearest_neighbour"
FAST = ["--suite", "toy", "--workers", "1", "--no-plots", "--no-progress"]


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "scalingcheck.compare.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def stored(db):
    with sqlite3.connect(db) as con:
        return sorted(con.execute("SELECT key, created FROM runs").fetchall())


def run_and_accept(work, example, n_claims):
    """`example` copied into `work`, run once at toy scale and its results accepted as the baseline."""
    shutil.copytree(example, work / "example")
    first = cli("run", "example/claims.py", *FAST, "--out", "out", cwd=work)
    assert first.returncode == 0, first.stdout + first.stderr
    accept = cli("baseline", "accept", "--out", "out", "--to", "example/baseline-toy.json", cwd=work)
    assert accept.returncode == 0 and f"accepted: {n_claims} claims of suite 'toy'" in accept.stdout
    return work


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """The example run once at toy scale and its results accepted as the baseline."""
    return run_and_accept(tmp_path_factory.mktemp("example"), EXAMPLE, 2)


def test_an_unchanged_model_passes_and_computes_nothing(accepted):
    before = stored(accepted / "out" / "store.sqlite")
    res = cli("run", "example/claims.py", *FAST, "--out", "out", "--baseline", "example/baseline-toy.json",
              cwd=accepted)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 regression(s), 2 claims unchanged" in res.stdout
    assert stored(accepted / "out" / "store.sqlite") == before, "a re-run with nothing changed computes nothing"
    report = (accepted / "out" / "report.md").read_text()
    assert "## Against the baseline" in report and json.loads((accepted / "out" / "results.json").read_text())["baseline"]


def test_a_broken_model_is_reported_as_a_regression(accepted, tmp_path):
    broken = tmp_path / "example"
    shutil.copytree(accepted / "example", broken)
    model = broken / "nn_model.py"
    text = model.read_text()
    good = "dist2 = sq_train[None, :] - 2.0 * block @ x_train.T"
    assert good in text
    model.write_text(text.replace(good, "dist2 = (block[:, :1] - x_train[None, :, 0]) ** 2  # bug: one coordinate"))
    shutil.copytree(accepted / "out", tmp_path / "out")  # the warm store of the good model
    before = stored(tmp_path / "out" / "store.sqlite")
    res = cli("run", "example/claims.py", *FAST, "--out", "out", "--baseline", "example/baseline-toy.json",
              cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "REGRESSION: verdict agree -> disagree" in res.stdout and "nn_mse_exponent_d2" in res.stdout
    after = stored(tmp_path / "out" / "store.sqlite")
    assert set(before) <= set(after) and len(after) == 2 * len(before), "edited code: every run again, none lost"


def test_the_shipped_baseline_is_a_quick_baseline_where_both_claims_agree():
    from scalingcheck.compare.baseline import load_baseline

    provenance, outcomes = load_baseline(EXAMPLE / "baseline.json", "quick")
    assert provenance["claims_source"] == "examples/nearest_neighbour/claims.py"
    assert [(o.claim, o.verdict.value) for o in outcomes] == [("nn_mse_exponent_d1", "agree"),
                                                              ("nn_mse_exponent_d2", "agree")]


def test_predict_and_list_show_what_the_file_adds(tmp_path):
    res = cli("predict", "--claims", EXAMPLE / "claims.py", cwd=tmp_path)
    assert res.returncode == 0 and "nn_mse_exponent" in res.stdout and "(from " in res.stdout
    res = cli("predict", "nn_mse_exponent", "d=2", "--claims", EXAMPLE / "claims.py", cwd=tmp_path)
    assert res.returncode == 0 and "= 1" in res.stdout
    res = cli("list", EXAMPLE / "claims.py", cwd=tmp_path)
    assert res.returncode == 0 and "study nearest_neighbour" in res.stdout and "nn_mse_exponent_d2" in res.stdout
    assert "kernel_methods" not in res.stdout


# -- bad input: exit 2, one line, nothing lost --------------------------------------------------------------

def _claims_file(folder, body):
    path = folder / "my_claims.py"
    header = (EXAMPLE / "claims.py").read_text()
    path.write_text(header + "\n" + body)
    shutil.copy(EXAMPLE / "nn_model.py", folder / "nn_model.py")
    return path


@pytest.mark.parametrize("body, message", [
    ("raise RuntimeError('my mistake')\n", r"my_claims.py:\d+: RuntimeError: my mistake"),
    ("def broken(:\n", r"my_claims.py:\d+: SyntaxError"),
    ("class NoReason(NearestNeighbourStudy):\n    name = 'no_reason'\n"
     "    def build(self, sizes):\n        return [Claim('x_no_reason', 's', ClosedForm.of('nn_mse_exponent', d=1), "
     "Sweep.over(NearestNeighbourSpec(), seeds=[0]), PowerLawFit(), Tolerance(0.1, ''))]\n"
     "register_study(NoReason())\n", r"my_claims.py:\d+: ValueError: tolerance reason='': say why"),
    ("class Clash(NearestNeighbourStudy):\n    name = 'clash'\n"
     "    def build(self, sizes):\n        c = super().build(sizes)[0]\n"
     "        import dataclasses\n        return [dataclasses.replace(c, name='svc_laplace_stripe_d2')]\n"
     "register_study(Clash())\n", r"claim name\(s\) svc_laplace_stripe_d2 are built-in claims"),
    ("register_study(NearestNeighbourStudy())\n", "already registered"),
])
def test_a_claims_file_with_an_error_names_its_line(tmp_path, body, message):
    import re

    path = _claims_file(tmp_path, body)
    res = cli("run", path, *FAST, "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert re.search(message, res.stderr), res.stderr


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a readable results.json"),
    ('{"format": "something-else"}', "not a scalingcheck results.json"),
    (None, "holds suite 'quick', this run is suite 'toy'"),
])
def test_a_bad_baseline_is_refused_before_computing_and_the_store_is_kept(accepted, tmp_path, content, message):
    baseline = tmp_path / "baseline.json"
    if content is None:
        shutil.copy(EXAMPLE / "baseline.json", baseline)
    else:
        baseline.write_text(content)
    before = stored(accepted / "out" / "store.sqlite")
    res = cli("run", "example/claims.py", *FAST, "--out", "out", "--baseline", baseline, cwd=accepted)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert stored(accepted / "out" / "store.sqlite") == before


# -- the second example: a user's architecture (an MLP-Mixer) inside the built-in RHM study ------------------

MIXER = ROOT / "examples" / "rhm_mixer"


@pytest.fixture(scope="module")
def mixer_accepted(tmp_path_factory):
    """examples/rhm_mixer at toy scale (48 runs of the user's torch model), accepted as the baseline."""
    return run_and_accept(tmp_path_factory.mktemp("mixer"), MIXER, 1)


def test_the_mixer_runs_the_studys_own_claim_on_the_users_model(mixer_accepted):
    outcome = json.loads((mixer_accepted / "out" / "results.json").read_text())["outcomes"][0]
    assert outcome["claim"] == "rhm_mixer_p_star_m_L3" and outcome["study"] == "rhm_mixer"
    assert "mixer.MLPMixer" in outcome["statement"] and "grows as m^L" in outcome["statement"]
    from scalingcheck.compare.suites import get_suite

    builtin = next(c for c in get_suite("toy") if c.name == "rhm_p_star_m_L3")
    assert outcome["tolerance"]["reason"] == builtin.tolerance.reason and outcome["predicted"] == 3.0
    assert outcome["measurement"]["method"] == builtin.estimator.describe()
    specs = json.loads(sqlite3.connect(mixer_accepted / "out" / "store.sqlite").execute(
        "SELECT spec FROM runs LIMIT 1").fetchone()[0])
    assert specs["net"]["kind"] == "torch_module" and specs["net"]["factory"]["callable"] == "mixer:MLPMixer"
    assert len(specs["net"]["factory"]["source"]) == 16  # the model's source hash: an edit recomputes its runs


def test_the_mixer_against_its_baseline_computes_nothing_and_passes(mixer_accepted):
    before = stored(mixer_accepted / "out" / "store.sqlite")
    res = cli("run", "example/claims.py", *FAST, "--out", "out", "--baseline", "example/baseline-toy.json",
              cwd=mixer_accepted)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 regression(s), 1 claims unchanged" in res.stdout
    assert stored(mixer_accepted / "out" / "store.sqlite") == before


def test_the_mixers_shipped_baseline_is_a_complete_quick_run():
    from scalingcheck.compare.results import load_results

    results = load_results(MIXER / "baseline.json")
    assert results.provenance["suite"] == "quick" and results.provenance["claims_source"] == "examples/rhm_mixer/claims.py"
    assert results.status["complete"] and [o.claim for o in results.outcomes] == ["rhm_mixer_p_star_m_L3"]
