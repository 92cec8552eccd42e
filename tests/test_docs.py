"""The documentation site builds, and every example in it and in the README runs and prints what it shows.

What runs, page by page in a scratch folder (with ``tests/`` and ``cases/`` linked into it, so the pages'
relative paths work and their outputs land in the scratch folder):

- each ```` ```python ```` block, in page order in one namespace per page (a later block may use an earlier
  one's names); a ```` ```text ```` block right after it is the output it prints, checked line by line;
- each ```` ```console ```` block: every ``$ optimiser …`` line is run and its output checked against the
  lines that follow it (the seconds a solve took are not compared);
- each ```` ```yaml ```` block with ``parameters:`` is a Monte Carlo spec and must load.

Every fence names its language. ```` ```sh ```` blocks are set-up commands and commands quoted from runs on
the national case (minutes each; the pages mark their figures as illustrative): each ``optimiser`` command in
them is parsed by the command line itself, so a renamed command or option fails here, and the README's two
quick-start commands are checked against what CI and ``make`` run. ```` ```text ```` blocks on their own are
trees and quoted output.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
SECONDS = re.compile(r"\d+\.\d+ s\)")


def blocks(page):
    """(language, code, the text block right after it or None), in page order."""
    found = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]
    out = []
    for i, (lang, code, _, end) in enumerate(found):
        if lang == "text":
            continue
        following = found[i + 1] if i + 1 < len(found) else None
        shown = following[1] if following and following[0] == "text" and following[2] - end <= 2 else None
        out.append((lang, code, shown))
    return out


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    for name in ("tests", "cases"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_mkdocs_build_strict(tmp_path):
    """A broken link, a missing page, a missing included file or a bad docstring reference fails here."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8").count("doc-heading") > 10
    assert "Conventions" in (tmp_path / "site" / "case-format" / "index.html").read_text(encoding="utf-8")


def test_every_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert [p.name for p in PAGES[1:] if p.name not in nav] == []


def test_the_readme_and_the_getting_started_page_have_examples():
    for name in ("README.md", "docs/getting-started.md", "docs/sensitivity.md"):
        assert any(lang in ("python", "console") for lang, _, _ in blocks(ROOT / name)), name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_run_and_print_what_they_show(page, scratch):
    namespace: dict = {}
    for n, (lang, code, shown) in enumerate(blocks(page), 1):
        where = f"{page.name}, block {n} ({lang})"
        if lang == "python":
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, where, "exec"), namespace)  # noqa: S102
            if shown is not None:
                assert lines(printed.getvalue()) == lines(shown), where
        elif lang == "console":
            run_console(code, where)
        elif lang == "yaml" and "parameters:" in code:
            from optimiser.analysis import MonteCarloSpec
            MonteCarloSpec.model_validate(yaml.safe_load(code))


def run_console(code: str, where: str) -> None:
    commands = re.split(r"^\$ ", code, flags=re.M)[1:]
    assert commands, f"{where}: a console block starts with '$ '"
    for chunk in commands:
        command, _, shown = chunk.partition("\n")
        argv = shlex.split(command)
        assert argv[0].endswith("optimiser"), f"{where}: only optimiser commands run here: {command}"
        env = {**os.environ, "COLUMNS": "100"}
        run = subprocess.run([sys.executable, "-m", "optimiser", *argv[1:]], env=env, capture_output=True,
                             text=True)
        assert run.returncode == 0, f"{where}: {command}\n{run.stderr[-2000:]}"
        assert lines(SECONDS.sub("… s)", run.stdout)) == lines(SECONDS.sub("… s)", shown)), f"{where}: {command}"


def test_every_fence_names_its_language():
    bare = [f"{page.name}:{page.read_text(encoding='utf-8')[:m.start()].count(chr(10)) + 1}"
            for page in PAGES for m in FENCE.finditer(page.read_text(encoding="utf-8")) if not m.group(1)]
    assert bare == []


def shell_commands(code: str) -> list[list[str]]:
    """The ``optimiser`` commands of a shell block, as argument lists (continuations joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", code)
    found = []
    for line in text.splitlines():
        for part in line.split("&&"):
            words = part.split()
            if words and words[0].endswith("optimiser"):  # a command, not quoted output
                found.append(shlex.split(part, comments=True)[1:])
    return found


def sh_blocks():
    return [(f"{page.name}, block {n}", code) for page in PAGES
            for n, (lang, code, _) in enumerate(blocks(page), 1) if lang == "sh"]


@pytest.mark.parametrize("where, code", sh_blocks(), ids=lambda v: v if "block" in str(v) else "")
def test_quoted_commands_are_ones_the_command_line_takes(where, code):
    import typer
    from typer._click import Context  # typer 0.29 carries its own click

    from optimiser.cli import app

    root = typer.main.get_command(app)
    for argv in shell_commands(code):
        ctx = Context(root, info_name="optimiser")
        command = root.get_command(ctx, argv[0])
        assert command is not None, f"{where}: no command {argv[0]!r}"
        try:
            command.make_context(argv[0], argv[1:], parent=ctx)
        except typer.BadParameter as exc:  # a path that a run would have made first (out/...) is fine
            assert "does not exist" in str(exc), f"{where}: {argv}: {exc}"


def test_the_quick_start_is_what_ci_and_make_run():
    """The README's first command sets up the base install and solves the national case as ``make run`` does;
    its second is the line ``.ci/run`` runs."""
    main_job, tests = [code.strip() for lang, code, _ in blocks(ROOT / "README.md") if lang == "sh"][:2]
    assert main_job.startswith("python3 -m venv .venv && .venv/bin/pip install -q -e . && ")
    make_run = re.search(r"^run:.*\n\t\$\(VENV\)/bin/optimiser (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert shell_commands(main_job) == [make_run.group(1).replace(" --out out/england_2017", "").split()]
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()
