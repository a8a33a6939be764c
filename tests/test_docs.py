"""The documentation is true: the site builds with warnings as errors, and its code runs as written.

* ``mkdocs build --strict`` (warnings are errors: a broken link, a missing page in the navigation, an API
  object mkdocstrings cannot find, a docstring it cannot parse).
* Every page's ``python`` and ``console`` blocks run in page order, in a fresh folder holding a copy of
  ``examples/`` (as a checkout does): the Python blocks of one page in one namespace, as one script
  (``if __name__ == "__main__":`` blocks spawn worker processes as a user's script would); each
  ``$ scalingcheck ...`` line of a console block runs as a command, must exit 0 (2 when the lines shown
  under it are an error; 0 or 1 for ``scalingcheck run``, whose 1 is a finding), and every line shown under
  it must appear in its output.
* A block preceded by ``<!-- slow -->`` (more than about 20 s) runs only under ``-m slow``; a block preceded by
  ``<!-- not run: REASON -->`` never runs (it needs what a test machine lacks: a GPU, a cluster), and the
  reason must be given.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"(?:<!--\s*(?P<mark>slow|not run:[^>]*?)\s*-->\s*\n)?```(?P<lang>python|console)\n(?P<code>.*?)```",
                   re.S)
PAGES = sorted(p for p in DOCS.rglob("*.md") if FENCE.search(p.read_text()))


def page_blocks(page: Path, slow: bool) -> list[tuple[str, str]]:
    """The (language, code) blocks of a page that run: all but `not run`, and `slow` ones only if `slow`."""
    out = []
    for m in FENCE.finditer(page.read_text()):
        mark = m["mark"] or ""
        if mark.startswith("not run"):
            assert mark.split(":", 1)[1].strip(), f"{page.name}: a '<!-- not run: -->' block must say why"
            continue
        if mark == "slow" and not slow:
            continue
        out.append((m["lang"], m["code"]))
    return out


def console_commands(code: str) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            found.append((line[2:].split("  #")[0].strip(), []))
        elif found and line.strip():
            found[-1][1].append(line.strip())
    return found


def run_page(page: Path, folder: Path, slow: bool) -> None:
    shutil.copytree(ROOT / "examples", folder / "examples")
    # The page in order: its Python blocks in one persistent process (one namespace), its console commands in
    # between, each in a process of its own, as a user types them.
    python = subprocess.Popen([sys.executable, "-u", "-c", _RUNNER, str(page)], cwd=folder, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for i, (lang, code) in enumerate(page_blocks(page, slow)):
            where = f"{page.relative_to(DOCS)} block {i} ({lang})"
            if lang == "python":
                python.stdin.write(f"{len(code)}\n{code}")
                python.stdin.flush()
                lines = []
                while True:
                    line = python.stdout.readline()
                    if not line:
                        pytest.fail(f"{where} failed:\n" + "".join(lines))
                    if line.startswith("@@block-ok"):
                        break
                    if line.startswith("@@block-failed"):
                        pytest.fail(f"{where} failed:\n" + "".join(lines))
                    lines.append(line)
            else:
                for command, shown in console_commands(code):
                    argv = shlex.split(command)
                    assert argv[0] == "scalingcheck", f"{where}: {command}"
                    res = subprocess.run([sys.executable, "-m", "scalingcheck.compare.cli", *argv[1:]], cwd=folder,
                                         capture_output=True, text=True, timeout=600)
                    output = res.stdout + res.stderr
                    is_error = any(line.startswith("scalingcheck: error:") for line in shown)
                    ok = res.returncode == (2 if is_error else 0) or (argv[1] == "run" and res.returncode in (0, 1))
                    assert ok, f"{where}: {command} exited {res.returncode}\n{output}"
                    for line in shown:
                        assert line in output, f"{where}: {command} did not print {line!r}\n{output}"
    finally:
        python.stdin.close()
        python.wait(timeout=600)


# The runner: reads "<length>\n<code>" blocks from stdin and executes them in one namespace, under
# `__name__ == "__main__"` (a user's script), printing a marker line after each.
_RUNNER = textwrap.dedent("""
    import sys, traceback
    if __name__ == "__main__":
        namespace = {"__name__": "__main__"}
        page = sys.argv[1]
        i = 0
        while True:
            header = sys.stdin.readline()
            if not header:
                break
            code = sys.stdin.read(int(header))
            try:
                exec(compile(code, f"{page} python block {i}", "exec"), namespace)
            except BaseException:
                traceback.print_exc(file=sys.stdout)
                print("@@block-failed", flush=True)
                break
            print("@@block-ok", flush=True)
            i += 1
""")


def test_docs_build_strict(tmp_path):
    """The site builds with warnings as errors (broken links, API objects not found, bad docstrings)."""
    if importlib.util.find_spec("mkdocs") is None:
        pytest.fail('mkdocs is missing: pip install -e ".[test]" (or ".[docs]") installs the documentation tools')
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "index.html").exists()


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert pages and all(page in nav for page in pages), sorted(p for p in pages if p not in nav)


def test_tutorials_have_code_that_runs():
    assert {"getting-started.md", "tutorials/predictions.md"} <= {str(p.relative_to(DOCS)) for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_runs(page, tmp_path):
    run_page(page, tmp_path, slow=False)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_runs_with_slow_blocks(page, tmp_path):
    run_page(page, tmp_path, slow=True)
