"""A whole run: lint every file (in parallel), build the project index, resolve cross-file findings,
then apply fixes. The CLI and the flake8 plugin both come through here or through `Linter`.
"""

from __future__ import annotations

import difflib
import gc
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

from asynclint.config import Config
from asynclint.engine.cache import ResultCache, content_key
from asynclint.engine.diagnostics import FileResult, ModuleSummary
from asynclint.engine.discovery import discover
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
    show_fixes: bool = False  # report: each finding's fix, and with --fix what was fixed


@dataclass
class RunResult:
    results: list[FileResult] = field(default_factory=list)
    fixed: int = 0  # fixes applied (or, with --diff, that would be)
    fixed_files: int = 0
    diffs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed_codes: dict[str, list[str]] = field(default_factory=dict)  # path -> code of each fix applied


_worker_linter: Optional[Linter] = None


def _init_worker(config: Config) -> None:
    global _worker_linter
    _worker_linter = Linter(config)


def _lint_keyed(linter: Linter, path: str, salt: Optional[str]) -> tuple[FileResult, Optional[str]]:
    """Lint one file; with a cache salt, also return the content key to store the result under.
    The result is pickled (cache, worker pipe) before cross-file conditions are resolved."""
    if salt is None:
        return linter.lint_path(path).result, None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return linter.lint_path(path).result, None
    # A result depends on the path too (per-file-ignores, the module name for cross-module facts):
    # two files with the same bytes, e.g. src/app.py and tests/test_app.py, get their own entries.
    return linter.lint(path, data).result, content_key(os.path.abspath(path).encode() + b"\0" + data, salt)


def _lint_in_worker(task: tuple[str, Optional[str]]) -> tuple[FileResult, Optional[str]]:
    assert _worker_linter is not None
    return _lint_keyed(_worker_linter, *task)


def lint_files(
    files: list[str], config: Config, linter: Linter, options: RunOptions, cache: Optional[ResultCache] = None
) -> list[FileResult]:
    total = len(files)
    results: list[Optional[FileResult]] = [None] * total
    salt = cache.salt if cache else None
    pending: list[int] = []
    for position, path in enumerate(files):
        cached = cache.lookup(path) if cache else None
        if cached is not None:
            results[position] = cached
        else:
            pending.append(position)
    done = total - len(pending)
    if options.progress and done:
        options.progress(done, total)

    def keep(position: int, result: FileResult, key: Optional[str]) -> None:
        nonlocal done
        if cache is not None and key is not None:
            cache.store(files[position], key, result)
        results[position] = result
        done += 1
        if done % _FREEZE_EVERY == 0:
            _settle()
        if options.progress:
            options.progress(done, total)

    jobs = max(1, options.jobs)
    if jobs > 1 and len(pending) >= _PARALLEL_THRESHOLD:
        chunk = max(1, min(32, len(pending) // (jobs * 8)))
        tasks = [(files[position], salt) for position in pending]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(config,)) as pool:
            for position, (result, key) in zip(pending, pool.map(_lint_in_worker, tasks, chunksize=chunk)):
                keep(position, result, key)
    else:
        for position in pending:
            keep(position, *_lint_keyed(linter, files[position], salt))
    if cache is not None:
        cache.save()
    gc.unfreeze()
    return [result for result in results if result is not None]


# The results kept so far (facts of every file, for the project index) are long-lived: without
# this, each full garbage collection walks all of them again, about a tenth of a -j1 run on a
# large tree. Collecting first means no garbage is frozen.
_FREEZE_EVERY = 256


def _settle() -> None:
    gc.collect()
    gc.freeze()


def project_files(paths: list[str], files: list[str], config: Config) -> Optional[list[str]]:
    """Every file of the project around a run that checks only some of them (pre-commit passes the
    changed files, an editor one buffer), in the order a run on the project root sees them; None
    when the run covers the root already or there is no project (no pyproject.toml or .git)."""
    root = os.path.abspath(config.root)
    if not is_project_root(root) or not all(_inside(os.path.abspath(path), root) for path in files):
        return None  # no project, or files outside it (the root fell back to the working directory)
    for given in paths:
        absolute = os.path.abspath(given)
        if os.path.isdir(absolute) and (absolute == root or root.startswith(absolute.rstrip(os.sep) + os.sep)):
            return None
    everything = discover([root], config).files
    checked = {os.path.abspath(path) for path in files}
    if checked.issuperset(os.path.abspath(path) for path in everything):
        return None
    return everything


def is_project_root(root: str) -> bool:
    return os.path.isfile(os.path.join(root, "pyproject.toml")) or os.path.exists(os.path.join(root, ".git"))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def in_project_order(
    project: list[str], own: dict[str, Optional[ModuleSummary]], others: dict[str, Optional[ModuleSummary]]
) -> list[Optional[ModuleSummary]]:
    """The summaries a run on the whole project would index, in its order, with this run's own
    (possibly unsaved) modules in place of what is on disk; own files outside it come last."""
    ordered = []
    for path in project:
        absolute = os.path.abspath(path)
        ordered.append(own.pop(absolute) if absolute in own else others.get(absolute))
    return ordered + list(own.values())


def context_summaries(
    paths: list[str], config: Config, linter: Linter, options: RunOptions, cache: Optional[ResultCache]
) -> dict[str, Optional[ModuleSummary]]:
    """The other modules' facts, from the cache where a file is unchanged, linted (and cached)
    where it changed; their diagnostics are not kept."""
    results = lint_files(paths, config, linter, options, cache)
    return {os.path.abspath(result.path): result.summary for result in results}


def run(files: list[str], config: Config, options: RunOptions, project: Optional[list[str]] = None) -> RunResult:
    """Lint `files`. With `project` (see `project_files`), cross-module findings are answered
    against the whole project, as in a run on its root: the other files count, unreported."""
    linter = Linter(config)
    outcome = RunResult()
    cache = ResultCache(config) if options.cache else None
    checked = {os.path.abspath(path) for path in files}
    others = [path for path in project or () if os.path.abspath(path) not in checked]
    # Reports only (no fixes to apply): an unchanged tree gets the last run's final results back.
    run_key = cache.run_key(files + others) if cache is not None and not (options.fix or options.diff) else None
    remembered = cache.remembered_run(run_key) if cache is not None and run_key is not None else None
    if remembered is not None:
        outcome.results = remembered
        if options.progress:
            options.progress(len(files), len(files))
        for result in remembered:
            outcome.errors.extend(result.errors)
        return outcome
    linted = lint_files(files + others, config, linter, options, cache)
    outcome.results = linted[: len(files)]
    if others:
        context = {os.path.abspath(result.path): result.summary for result in linted[len(files) :]}
        own = {os.path.abspath(result.path): result.summary for result in outcome.results}
        index = ProjectIndex(in_project_order(project or [], own, context))
    else:
        index = ProjectIndex(result.summary for result in outcome.results)
    del linted
    if cache is not None:
        cache.load_library_answers()
    for result in outcome.results:
        linter.resolve_pending(result, index)
        outcome.errors.extend(result.errors)
    if cache is not None:
        cache.save_library_answers()
        if run_key is not None:
            cache.remember_run(run_key, outcome.results)
    if options.fix or options.diff:
        _apply_fixes(outcome, linter, index, options)
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
        outcome.fixed_codes[result.path] = fixed.codes
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
