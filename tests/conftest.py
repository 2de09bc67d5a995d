"""Shared test helpers: lint or fix a snippet in-process, run the real CLI in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
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


# -- the one marker format: `# error: ASY100 @5 "blocks the event loop"` ---------------------------
# A line that must be reported carries `# error:` and, per finding on that line, the code, `@` and
# the 1-based column, optionally followed by a quoted fragment of the message
# (`# error: ASY201 @5, ASY200 @24 "never awaited"`). Used by `fixtures/` and `tests/contract/`.
_MARKER = re.compile(r"#\s*error:(.*)$")
_EXPECTED = re.compile(r'\s*(ASY\d{3})\s*@(\d+)(?:\s*"([^"]*)")?\s*(?:,|$)')


@dataclass(frozen=True)
class Expected:
    line: int
    column: int
    code: str
    fragment: str = ""  # must occur in the message when given

    def matches(self, diagnostic: Diagnostic) -> bool:
        return (diagnostic.line, diagnostic.column, diagnostic.code) == (self.line, self.column, self.code) and (
            self.fragment in diagnostic.message
        )


def expected_markers(text: str, first_line: int = 1) -> list[Expected]:
    """Every `# error:` marker in `text`; line numbers start at `first_line`. A marker that does not
    parse is an error, not a silent no-op."""
    found = []
    for number, line in enumerate(text.splitlines(), start=first_line):
        marker = _MARKER.search(line)
        if not marker:
            continue
        rest = marker.group(1)
        position = 0
        while position < len(rest):
            entry = _EXPECTED.match(rest, position)
            if entry is None:
                raise ValueError(f"line {number}: cannot read marker {rest!r} (write `# error: ASY100 @5 \"text\"`)")
            found.append(Expected(number, int(entry.group(2)), entry.group(1), entry.group(3) or ""))
            position = entry.end()
        if position == 0:
            raise ValueError(f"line {number}: `# error:` names no finding")
    return found


def unmatched(expected: list[Expected], reported: list[Diagnostic]) -> tuple[list[Expected], list[Diagnostic]]:
    """(markers nothing reported, findings no marker covers); each finding covers one marker."""
    left = list(reported)
    missing = []
    for marker in expected:
        hit = next((diagnostic for diagnostic in left if marker.matches(diagnostic)), None)
        if hit is None:
            missing.append(marker)
        else:
            left.remove(hit)
    return missing, left
