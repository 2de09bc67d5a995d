"""`--output-format json`: a stable list of objects, one per diagnostic (fields documented in README)."""

from __future__ import annotations

import json

from asynclint.engine.diagnostics import Diagnostic


def render(diagnostics: list[Diagnostic], **_: object) -> str:
    return json.dumps([diagnostic.as_dict() for diagnostic in diagnostics], indent=2) + "\n"
