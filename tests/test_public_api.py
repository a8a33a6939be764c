"""`import scalingcheck` offers the public API in one place, and stays light."""
import subprocess
import sys

import pytest

import scalingcheck


@pytest.mark.parametrize("name", scalingcheck.__all__)
def test_every_public_name_resolves_and_is_documented(name):
    assert getattr(scalingcheck, name) is not None
    assert name in scalingcheck.__doc__


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        scalingcheck.nope  # noqa: B018


def test_import_is_light_and_installs_no_bare_layers():
    code = ("import sys, scalingcheck; scalingcheck.get_prediction('beta_lazy').evaluate(d=2); "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'pandas')]; "
            "bare = [m for m in sys.modules if m.split('.')[0] in ('theory', 'simulate', 'compare')]; "
            "print(heavy, bare); sys.exit(1 if heavy or bare else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stdout + out.stderr
