"""Claims whose data is not on the machine are left out and said, never silently replaced: the real-image
claims of the stability study where Fashion-MNIST is missing."""
import pytest

from scalingcheck.compare.cli import main
from scalingcheck.compare.suites import get_suite, skipped_claims
from scalingcheck.simulate.data.image_sets import FASHION_MNIST_ENV, FashionMNIST


@pytest.fixture
def no_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.setattr(FashionMNIST, "standard_roots", ())
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path / "nowhere"))


def test_claims_without_their_images_are_left_out_with_the_reason(no_fashion_mnist):
    skipped = dict(skipped_claims("quick"))
    assert "stability_fmnist_error_vs_sqrt_r" in skipped and len(skipped) == 24
    assert "apt install dataset-fashion-mnist" in skipped["stability_fmnist_r_beats_d"]
    assert not any("fmnist" in c.name for c in get_suite("quick"))


def test_asking_for_a_skipped_claim_says_why(no_fashion_mnist, tmp_path, capsys):
    code = main(["run", "--suite", "toy", "--claim", "stability_fmnist_r_init_lenet", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "claim stability_fmnist_r_init_lenet cannot run on this machine: Fashion-MNIST" in capsys.readouterr().err


def test_a_run_lists_what_it_left_out(no_fashion_mnist, tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["run", "--suite", "toy", "--study", "stability", "--out", str(out), "--workers", "1", "--no-plots",
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code in (0, 1) and "claims of suite 'toy' cannot run on this machine and are left out" in err
    report = (out / "report.md").read_text()
    n = len(skipped_claims("toy"))
    assert n == 16 and f"**Not run on this machine** ({n} claims of the suite)" in report
    assert "stability_fmnist_r_beats_d" in report
    import json

    status = json.loads((out / "results.json").read_text())["run"]
    assert status["complete"] is True and len(status["skipped"]) == n


@pytest.mark.skipif(FashionMNIST().missing() is not None, reason=FashionMNIST().missing() or "")
def test_where_the_images_are_the_claims_are_built():
    assert skipped_claims("quick") == [] and sum("fmnist" in c.name for c in get_suite("quick")) == 24
