"""One line per finding: `path:line:col: CODE message [*]`, without the source excerpt."""

from __future__ import annotations

from asynclint.engine.diagnostics import Diagnostic
from asynclint.reporters import text


def render(diagnostics: list[Diagnostic], *, color: bool = False, show_fixes: bool = False, **_: object) -> str:
    return text.render(diagnostics, color=color, show_source=False, show_fixes=show_fixes)
