"""Shared test helpers: lint or fix a snippet in-process, run the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

import pytest

from asynclint.checks import rules_for
from asynclint.config import Config, with_overrides
from asynclint.engine.diagnostics import Diagnostic
from asynclint.engine.fixer import fix_source
from asynclint.engine.linter import Linter
from asynclint.engine.project import ProjectIndex

REPO = Path(__file__).resolve().parent.parent


def make_config(select: Optional[str] = None, **settings) -> Config:
    config = Config(**settings)
    if select is not None:
        config = with_overrides(config, select=tuple(select.split(",")))
    return config


def lint_snippet(source: str, select: Optional[str] = None, path: str = "snippet.py", **settings) -> list[Diagnostic]:
    """Diagnostics for one module given as (dedented) text; cross-file conditions are resolved
    against a project made of this module alone."""
    config = make_config(select, **settings)
    linter = Linter(config, rules_for(config))
    data = textwrap.dedent(source).encode()
    first = linter.lint(path, data, module_name="snippet", is_package=False)
    project = ProjectIndex([first.result.summary])
    linter.resolve_pending(first.result, project, data)
    return sorted(first.result.diagnostics, key=Diagnostic.sort_key)


def codes_and_lines(source: str, select: Optional[str] = None, **settings) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in lint_snippet(source, select, **settings)]


def fix_snippet(source: str, select: Optional[str] = None, unsafe: bool = False, **settings) -> str:
    config = make_config(select, **settings)
    linter = Linter(config, rules_for(config))
    data = textwrap.dedent(source).encode()
    first = linter.lint("snippet.py", data, module_name="snippet", is_package=False)
    project = ProjectIndex([first.result.summary])
    outcome = fix_source(linter, "snippet.py", data, unsafe=unsafe, project=project, module_name="snippet", is_package=False)
    assert not outcome.errors, outcome.errors
    return outcome.data.decode()


def run_cli(*args: str, cwd: Optional[os.PathLike] = None, stdin: Optional[str] = None, env: Optional[dict] = None):
    """The installed command as a user runs it (through this interpreter's environment)."""
    full_env = dict(os.environ)
    full_env.pop("FORCE_COLOR", None)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "asynclint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )


@pytest.fixture
def write_tree(tmp_path):
    """Write {relative path: text} under tmp_path (text dedented) and return tmp_path."""

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text))
        return tmp_path

    return write
