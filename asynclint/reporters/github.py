"""`--output-format github`: GitHub Actions workflow commands, shown as annotations on the diff."""

from __future__ import annotations

from asynclint.engine.diagnostics import Diagnostic


def escape_data(text: str) -> str:
    """The message part of a workflow command: `%`, CR and LF must be escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property: additionally `:` and `,`, which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: list[Diagnostic], **_: object) -> str:
    lines = []
    for diagnostic in diagnostics:
        properties = ",".join(
            f"{key}={escape_property(str(value))}"
            for key, value in (
                ("file", diagnostic.path.replace("\\", "/")),
                ("line", diagnostic.line),
                ("col", diagnostic.column),
                ("endLine", diagnostic.end_line),
                ("endColumn", diagnostic.end_column),
                ("title", diagnostic.code),
            )
        )
        lines.append(f"::error {properties}::{escape_data(f'{diagnostic.code} {diagnostic.message}')}")
    return "\n".join(lines) + ("\n" if lines else "")
