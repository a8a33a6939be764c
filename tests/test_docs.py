"""The documentation is true: the site builds with warnings as errors, and its code runs as written.

* ``mkdocs build --strict`` (warnings are errors: a broken link, a missing page in the navigation, an API
  object mkdocstrings cannot find, a docstring it cannot parse).
* Every page's ``python`` and ``console`` blocks run in page order, in a fresh folder holding a copy of
  ``examples/`` (as a checkout does), in one process per page (torch is imported once): the Python blocks
  in one namespace, as a script (``if __name__ == "__main__":`` blocks spawn worker processes as a user's
  script would); each ``$ scalingcheck ...`` line of a console block runs as the command line's
  ``main(argv)``, must return 0 (2 when the lines shown under it are an error; 0 or 1 for
  ``scalingcheck run``, whose 1 is a finding), and every line shown under it must appear in its output.
  (tests/test_readme.py and tests/compare/test_cli.py run the console script itself.)
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
    """The page's blocks in order, in one process (one namespace, torch imported once): Python blocks as a
    script's code, each ``$ scalingcheck ...`` line as the command line's ``main(argv)``, its output captured."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    runner = subprocess.Popen([sys.executable, "-u", "-c", _RUNNER, str(page.relative_to(DOCS))], cwd=folder,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def send(kind: str, payload: str, where: str) -> tuple[str, str]:
        runner.stdin.write(f"{kind} {len(payload)}\n{payload}")
        runner.stdin.flush()
        lines = []
        while True:
            line = runner.stdout.readline()
            if not line:
                pytest.fail(f"{where}: the runner stopped\n" + "".join(lines))
            if line.startswith("@@"):
                return line[2:].strip(), "".join(lines)
            lines.append(line)

    try:
        for i, (lang, code) in enumerate(page_blocks(page, slow)):
            where = f"{page.relative_to(DOCS)} block {i} ({lang})"
            if lang == "python":
                status, output = send("python", code, where)
                assert status == "ok", f"{where} failed:\n{output}"
                continue
            for command, shown in console_commands(code):
                argv = shlex.split(command)
                assert argv[0] == "scalingcheck", f"{where}: {command}"
                status, output = send("console", shlex.join(argv[1:]), where)
                code_ = int(status.split()[1])
                is_error = any(line.startswith("scalingcheck: error:") for line in shown)
                ok = code_ == (2 if is_error else 0) or (argv[1] == "run" and code_ in (0, 1))
                assert ok, f"{where}: {command} exited {code_}\n{output}"
                for line in shown:
                    assert line in output, f"{where}: {command} did not print {line!r}\n{output}"
    finally:
        runner.stdin.close()
        runner.wait(timeout=600)


# The runner: reads "<kind> <length>\n<payload>" messages from stdin, kind "python" (a block, executed in the
# page's namespace under `__name__ == "__main__"`, as a user's script) or "console" (a command line, run by
# `scalingcheck.compare.cli.main`); answers "@@ok" / "@@failed" or "@@rc CODE" after the output.
_RUNNER = textwrap.dedent("""
    import contextlib, io, shlex, sys, traceback
    if __name__ == "__main__":
        namespace = {"__name__": "__main__"}
        page, i = sys.argv[1], 0
        while True:
            header = sys.stdin.readline()
            if not header:
                break
            kind, n = header.split()
            payload = sys.stdin.read(int(n))
            if kind == "python":
                try:
                    exec(compile(payload, f"{page} python block {i}", "exec"), namespace)
                except BaseException:
                    traceback.print_exc(file=sys.stdout)
                    print("@@failed", flush=True)
                    break
                print("@@ok", flush=True)
                i += 1
            else:
                from scalingcheck.compare.cli import main
                out = io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                    try:
                        code = main(shlex.split(payload))
                    except SystemExit as exc:  # argparse's own errors
                        code = exc.code if isinstance(exc.code, int) else 2
                sys.stdout.write(out.getvalue())
                print(f"@@rc {code}", flush=True)
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
