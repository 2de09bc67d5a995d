"""The human format: `path:line:col: CODE message [*]`, the source line and a caret underline."""

from __future__ import annotations

from typing import Optional

import click

from asynclint.engine.diagnostics import Diagnostic


def _underline(diagnostic: Diagnostic) -> Optional[str]:
    text = diagnostic.source_line.rstrip("\r\n")
    if not text.strip():
        return None
    start = diagnostic.column - 1
    end = diagnostic.end_column - 1 if diagnostic.end_line == diagnostic.line else len(text.rstrip())
    width = max(1, min(end, len(text)) - start)
    return " " * start + "^" * width


def render(
    diagnostics: list[Diagnostic],
    *,
    color: bool = False,
    show_source: bool = True,
    show_fixes: bool = False,
    **_: object,
) -> str:
    lines = []
    for diagnostic in diagnostics:
        location = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}:"
        code = diagnostic.code
        marker = ""
        if diagnostic.fix is not None:
            marker = " [*]" if diagnostic.fix.applicability == "safe" else " [*unsafe]"
        if color:
            location = click.style(location, bold=True)
            code = click.style(code, fg="red", bold=True)
            marker = click.style(marker, fg="cyan") if marker else ""
        lines.append(f"{location} {code} {diagnostic.message}{marker}")
        underline = _underline(diagnostic) if show_source else None
        if underline is not None:
            source = diagnostic.source_line.rstrip("\r\n").expandtabs(1)
            lines.append(f"    {source}")
            lines.append("    " + (click.style(underline, fg="red") if color else underline))
        if show_fixes and diagnostic.fix is not None:
            help_line = f"    fix ({diagnostic.fix.applicability}): {diagnostic.fix.message}"
            lines.append(click.style(help_line, fg="cyan") if color else help_line)
    return "\n".join(lines) + ("\n" if lines else "")
