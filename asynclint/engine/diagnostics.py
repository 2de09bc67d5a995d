"""The records every layer passes around: a diagnostic, its fix summary, and a file's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class FixInfo:
    applicability: str  # "safe" or "unsafe"
    message: str


@dataclass
class Diagnostic:
    code: str
    message: str
    path: str
    line: int
    column: int  # 1-based, like flake8 and ruff
    end_line: int
    end_column: int
    fix: Optional[FixInfo] = None
    # A project-level question that decides whether this finding stands (see engine.project).
    condition: Optional[tuple] = None
    source_line: str = ""

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "fix": None
            if self.fix is None
            else {"applicability": self.fix.applicability, "message": self.fix.message},
        }


@dataclass
class ModuleSummary:
    """Facts a file contributes to the project index, built in the same pass as its diagnostics."""

    module_name: str
    path: str
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    summary: Optional[ModuleSummary] = None
    errors: list[str] = field(default_factory=list)  # one-line messages for stderr
