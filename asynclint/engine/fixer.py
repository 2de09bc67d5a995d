"""`--fix`: apply fixes until nothing more applies, check the result parses, never loop forever."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union

import libcst as cst

from asynclint.engine.diagnostics import FixInfo
from asynclint.engine.fixes import Fix, apply_edits, edit_span, spans_overlap
from asynclint.engine.linter import FileLint, Linter

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    data: bytes  # the final source (unchanged bytes when nothing applied)
    applied: int
    lint: FileLint
    errors: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # the code of each fix applied


def applicable(fix: Optional[Union[Fix, FixInfo]], unsafe: bool) -> bool:
    return fix is not None and (fix.applicability == "safe" or unsafe)


def fix_source(
    linter: Linter,
    path: str,
    data: bytes,
    *,
    unsafe: bool,
    project: Any,
    module_name: Optional[str] = None,
    is_package: Optional[bool] = None,
) -> FixOutcome:
    current = data
    applied = 0
    errors: list[str] = []
    codes: list[str] = []
    lint = linter.lint(path, current, module_name=module_name, is_package=is_package, project=project, keep_tree=True)
    for _ in range(MAX_ROUNDS):
        fixes = [(report.code, report.fix) for report, _ in lint.reports if applicable(report.fix, unsafe)]
        if not fixes or lint.module is None:
            break
        chosen: list[Fix] = []
        chosen_codes: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        for code, fix in fixes:
            assert fix is not None
            span = edit_span(fix, lint.positions)
            if span is None or any(spans_overlap(span, other) for other in spans):
                continue
            chosen.append(fix)
            chosen_codes.append(code)
            spans.append(span)
        if not chosen:
            break
        try:
            fixed = apply_edits(lint.module, chosen).bytes
            cst.parse_module(fixed)
        except Exception as error:  # a fix that breaks the file is a bug: keep the file as it is
            errors.append(f"{path}: fix not applied, it would not parse ({type(error).__name__}: {error})")
            break
        if fixed == current:
            break
        current = fixed
        applied += len(chosen)
        codes.extend(chosen_codes)
        lint = linter.lint(path, current, module_name=module_name, is_package=is_package, project=project, keep_tree=True)
    return FixOutcome(current, applied, lint, errors, codes)
