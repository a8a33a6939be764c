"""The README is true: its commands and Python blocks run as written.

* Python blocks run in order, in one namespace (later blocks use earlier names), as a script in a fresh
  folder, so ``if __name__ == "__main__":`` blocks spawn worker processes as a user's script would.
* ``console`` blocks: each ``$ scalingcheck ...`` line runs; the lines shown under it must appear in its
  output, and it must exit 0, or 2 when the shown output is an error.
* ``bash`` blocks: the install commands are what CI itself runs (``.ci/run``); the ``scalingcheck run``
  commands take tens of minutes and run under ``-m slow``.
"""
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def console_blocks():
    """Each console block as a list of (command, shown output lines), one per `$ ` line."""
    out = []
    for block in blocks("console"):
        found = []
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:].split("  #")[0].strip(), []))
            elif found and line.strip():
                found[-1][1].append(line.strip())
        out.append(found)
    return out


def console_commands():
    return [c for block in console_blocks() for c in block]


def scalingcheck(command, cwd, timeout):
    argv = shlex.split(command)
    assert argv[0] == "scalingcheck", command
    return subprocess.run([sys.executable, "-m", "scalingcheck.compare.cli", *argv[1:]], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def test_readme_has_what_this_test_runs():
    assert len(blocks("python")) >= 2 and len(console_commands()) >= 7
    assert any("--baseline" in c for c, _ in console_commands())  # the CI step of the tour runs


@pytest.mark.parametrize("block", console_blocks(), ids=lambda b: b[0][0])
def test_console_blocks(block, tmp_path):
    """The commands of one block run in order in one folder (a copy of examples/ in it, as in a checkout)."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for command, shown in block:
        res = scalingcheck(command, tmp_path, timeout=600)
        output = res.stdout + res.stderr
        is_error = any(line.startswith("scalingcheck: error:") for line in shown)
        assert res.returncode == (2 if is_error else 0) or (
            "run" in command.split() and res.returncode in (0, 1)), command + "\n" + output
        for line in shown:
            assert line in output, command


def test_python_blocks(tmp_path):
    script = tmp_path / "readme_blocks.py"
    script.write_text(textwrap.dedent(f"""
        import re, sys
        text = open({str(ROOT / "README.md")!r}).read()
        if __name__ == "__main__":
            namespace = {{"__name__": "__main__"}}
            for i, block in enumerate(re.findall(r"```python\\n(.*?)```", text, re.S)):
                exec(compile(block, f"README python block {{i}}", "exec"), namespace)
                print(f"block {{i}} ran", flush=True)
    """))
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("ran") == len(blocks("python"))


@pytest.mark.slow
def test_bash_suite_commands(tmp_path):
    commands = [line.strip() for block in blocks("bash") for line in block.splitlines()
                if line.strip().startswith("scalingcheck ")]
    assert commands
    for command in commands:
        res = scalingcheck(command, tmp_path, timeout=6 * 3600)
        assert res.returncode in (0, 1), res.stdout[-2000:] + res.stderr[-2000:]
