"""Rules the engine reports itself, declared here like every other rule so their metadata has one
home: ASY001 where a file cannot be analyzed (`engine/linter.py`), ASY002 for `# noqa` codes that
silence nothing (`engine/linter.py`, `engine/noqa.py`). They visit no nodes."""

from __future__ import annotations

from asynclint.checks.base import Rule


class SyntaxErrorRule(Rule):
    code = "ASY001"
    name = "syntax-error"
    summary = "file cannot be parsed; the run goes on"


class UnusedNoqa(Rule):
    code = "ASY002"
    name = "unused-noqa"
    summary = "`# noqa` code that is unknown or silences nothing"
    default_enabled = False
