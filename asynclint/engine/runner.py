"""A whole run: lint every file (in parallel), build the project index, resolve cross-file findings,
then apply fixes. The CLI and the flake8 plugin both come through here or through `Linter`.
"""

from __future__ import annotations

import difflib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

from asynclint.config import Config
from asynclint.engine.diagnostics import FileResult
from asynclint.engine.fixer import applicable, fix_source
from asynclint.engine.linter import Linter
from asynclint.engine.project import ProjectIndex
from asynclint.engine.writer import write_atomic

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 16


@dataclass
class RunOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    jobs: int = 1
    cache: bool = True
    progress: Optional[Callable[[int, int], None]] = None


@dataclass
class RunResult:
    results: list[FileResult] = field(default_factory=list)
    fixed: int = 0  # fixes applied (or, with --diff, that would be)
    fixed_files: int = 0
    diffs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_worker_linter: Optional[Linter] = None


def _init_worker(config: Config) -> None:
    global _worker_linter
    _worker_linter = Linter(config)


def _lint_in_worker(path: str) -> FileResult:
    assert _worker_linter is not None
    return _worker_linter.lint_path(path).result


def lint_files(files: list[str], config: Config, linter: Linter, options: RunOptions) -> list[FileResult]:
    total = len(files)
    results: list[FileResult] = []
    jobs = max(1, options.jobs)
    if jobs > 1 and total >= _PARALLEL_THRESHOLD:
        chunk = max(1, min(32, total // (jobs * 8)))
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(config,)) as pool:
            for result in pool.map(_lint_in_worker, files, chunksize=chunk):
                results.append(result)
                if options.progress:
                    options.progress(len(results), total)
    else:
        for path in files:
            results.append(linter.lint_path(path).result)
            if options.progress:
                options.progress(len(results), total)
    return results


def run(files: list[str], config: Config, options: RunOptions) -> RunResult:
    linter = Linter(config)
    outcome = RunResult()
    outcome.results = lint_files(files, config, linter, options)
    project = ProjectIndex(result.summary for result in outcome.results)
    for result in outcome.results:
        linter.resolve_pending(result, project)
        outcome.errors.extend(result.errors)
    if options.fix or options.diff:
        _apply_fixes(outcome, linter, project, options)
    return outcome


def _apply_fixes(outcome: RunResult, linter: Linter, project: ProjectIndex, options: RunOptions) -> None:
    for position, result in enumerate(outcome.results):
        if not any(applicable(diagnostic.fix, options.unsafe_fixes) for diagnostic in result.diagnostics):
            continue
        try:
            with open(result.path, "rb") as handle:
                original = handle.read()
        except OSError as error:
            outcome.errors.append(f"{result.path}: cannot read for fixing: {error.strerror or error}")
            continue
        fixed = fix_source(linter, result.path, original, unsafe=options.unsafe_fixes, project=project)
        outcome.errors.extend(fixed.errors)
        if not fixed.applied or fixed.data == original:
            continue
        outcome.fixed += fixed.applied
        outcome.fixed_files += 1
        if options.diff:
            outcome.diffs.append(unified_diff(result.path, original, fixed.data))
            continue
        try:
            write_atomic(result.path, fixed.data)
        except OSError as error:
            outcome.errors.append(f"{result.path}: cannot write fixes: {error.strerror or error}")
            continue
        # What remains after fixing is what the user still has to look at.
        outcome.results[position] = fixed.lint.result
        # Remaining diagnostics already had their conditions resolved against the project.
        outcome.results[position].errors = []


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    display = path.replace(os.sep, "/")
    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"a/{display}", tofile=f"b/{display}")
    text = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
    return text
