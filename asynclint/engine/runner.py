"""A whole run: lint every file (in parallel), build the project index, resolve cross-file findings,
then apply fixes. The CLI and the flake8 plugin both come through here or through `Linter`.
"""

from __future__ import annotations

import difflib
import gc
import os
import signal
import stat
import threading
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from asynclint.checks import rules_for
from asynclint.config import Config, ConfigResolver
from asynclint.engine.cache import ResultCache, content_key
from asynclint.engine.diagnostics import FileResult, ModuleSummary
from asynclint.engine.discovery import discover
from asynclint.engine.fixer import applicable, fix_source
from asynclint.engine.linter import Linter
from asynclint.engine.project import ProjectIndex
from asynclint.engine.writer import write_atomic
from asynclint.semantics.libraries import LibraryAnswers

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
    written: list[str] = field(default_factory=list)  # files --fix has rewritten so far
    fixed_codes: dict[str, list[str]] = field(default_factory=dict)  # path -> code of each fix applied


class FileSettings:
    """Each file's configuration, with one linter and one cache per distinct configuration."""

    def __init__(self, files: list[str], config: Config, resolver: Optional[ConfigResolver], use_cache: bool):
        self.configs: list[Config] = [config]
        index_of = {config: 0}
        self.of_file: list[int] = []
        for path in files:
            own = resolver.for_file(path) if resolver is not None else config
            position = index_of.get(own)
            if position is None:
                position = index_of[own] = len(self.configs)
                self.configs.append(own)
            self.of_file.append(position)
        self.linters: dict[int, Linter] = {}
        self.caches: Optional[list[ResultCache]] = [ResultCache(own) for own in self.configs] if use_cache else None

    @classmethod
    def single(cls, files: list[str], config: Config, linter: Linter, cache: Optional[ResultCache]) -> FileSettings:
        """Every file with one configuration, its linter and cache already built."""
        settings = cls(files, config, None, False)
        settings.linters[0] = linter
        settings.caches = None if cache is None else [cache]
        return settings

    def linter(self, position: int) -> Linter:
        linter = self.linters.get(position)
        if linter is None:
            linter = self.linters[position] = Linter(self.configs[position], rules_for(self.configs[position]))
        return linter

    def linter_for(self, file_position: int) -> Linter:
        return self.linter(self.of_file[file_position])

    def cache_for(self, file_position: int) -> Optional[ResultCache]:
        return None if self.caches is None else self.caches[self.of_file[file_position]]

    def describe(self) -> str:
        """Every setting of the run, and which file uses which: part of the run key."""
        parts = [f"{config.source}\0{config.fingerprint()}" for config in self.configs]
        return "\0".join(parts) + "\0" + ",".join(map(str, self.of_file))


_worker_linters: dict[int, Linter] = {}
_worker_configs: list[Config] = []


def _init_worker(configs: list[Config]) -> None:
    global _worker_configs
    # Ctrl-C reaches the whole process group: the main process answers it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_configs = configs
    _worker_linters.clear()


def _lint_keyed(linter: Linter, path: str, salt: Optional[str]) -> tuple[FileResult, Optional[str]]:
    """Lint one file; with a cache salt, also return the content key to store the result under.
    The result is sent (cache, worker pipe) before cross-file conditions are resolved."""
    if salt is None:
        return linter.lint_path(path).result, None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return linter.lint_path(path).result, None
    return linter.lint(path, data).result, content_key(data, salt, path)


def _lint_in_worker(task: tuple[str, int, Optional[str]]) -> tuple[FileResult, Optional[str]]:
    path, position, salt = task
    linter = _worker_linters.get(position)
    if linter is None:
        linter = _worker_linters[position] = Linter(_worker_configs[position], rules_for(_worker_configs[position]))
    return _lint_keyed(linter, path, salt)


def lint_files(
    files: list[str],
    settings: FileSettings,
    options: RunOptions,
    known: Optional[dict[str, Optional[ModuleSummary]]] = None,
    stored: Optional[dict[str, FileResult]] = None,
) -> list[FileResult]:
    """Each file's result, from the cache where it is unchanged. A file in `known` (absolute
    path -> its facts, from the project summary) is neither read nor linted: only its facts count.
    A file in `stored` (absolute path -> its result, from the project summary) takes that result."""
    total = len(files)
    results: list[Optional[FileResult]] = [None] * total
    pending: list[int] = []
    for position, path in enumerate(files):
        absolute = os.path.abspath(path)
        if known and absolute in known:
            results[position] = FileResult(path, summary=known[absolute])
            continue
        if stored and absolute in stored:
            results[position] = stored[absolute]
            continue
        cache = settings.cache_for(position)
        cached = cache.lookup(path) if cache is not None else None
        if cached is not None:
            results[position] = cached
        else:
            pending.append(position)
    done = total - len(pending)
    if options.progress and done:
        options.progress(done, total)

    def salt(position: int) -> Optional[str]:
        cache = settings.cache_for(position)
        return cache.salt if cache is not None else None

    def keep(position: int, result: FileResult, key: Optional[str]) -> None:
        nonlocal done
        cache = settings.cache_for(position)
        if cache is not None and key is not None:
            cache.store(files[position], key, result)
        results[position] = result
        done += 1
        if done % _FREEZE_EVERY == 0:
            freeze_long_lived()
        if options.progress:
            options.progress(done, total)

    jobs = max(1, options.jobs)
    if jobs > 1 and len(pending) >= _PARALLEL_THRESHOLD:
        chunk = max(1, min(32, len(pending) // (jobs * 8)))
        tasks = [(files[position], settings.of_file[position], salt(position)) for position in pending]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(settings.configs,)) as pool:
            try:
                for position, (result, key) in zip(pending, pool.map(_lint_in_worker, tasks, chunksize=chunk)):
                    keep(position, result, key)
            except KeyboardInterrupt:
                _stop(pool)
                raise
    else:
        for position in pending:
            keep(position, *_lint_keyed(settings.linter_for(position), files[position], salt(position)))
    for cache in settings.caches or ():
        cache.save()
    gc.unfreeze()
    return [result for result in results if result is not None]


# The results kept so far (facts of every file, for the project index) are long-lived: without
# this, each full garbage collection walks all of them again, about a tenth of a -j1 run on a
# large tree. Collecting first means no garbage is frozen.
_FREEZE_EVERY = 256


def freeze_long_lived() -> None:
    """Collect the garbage, then keep every object alive now out of later collections."""
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
    """The other modules' facts, from the project summary or the per-file cache where a file is
    unchanged, linted (and cached) where it changed; their diagnostics are not kept."""
    known = cache.project_summaries(paths) if cache is not None else {}
    results = lint_files(paths, FileSettings.single(paths, config, linter, cache), options, known)
    if cache is not None:
        cache.save_project_summary({os.path.abspath(result.path): result for result in results}, known)
    return {os.path.abspath(result.path): result.summary for result in results}


def _stop(pool: ProcessPoolExecutor) -> None:
    """Interrupted: drop the queued work and end the workers now rather than after it."""
    previous = threading.excepthook

    def quiet(args: Any) -> None:
        # The pool's manager thread then fails the queued work, which map() has just cancelled:
        # CPython reports that race (InvalidStateError) as a traceback nobody needs to see.
        if not (args.exc_type is not None and issubclass(args.exc_type, InvalidStateError)):
            previous(args)

    threading.excepthook = quiet
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()  # the pool then fails the queued work itself, and the `with` ends at once


class FixInterrupted(KeyboardInterrupt):
    """Ctrl-C during --fix, with the files already rewritten (each whole: writes are atomic)."""

    def __init__(self, written: list[str]):
        super().__init__()
        self.written = tuple(written)


def run(
    files: list[str],
    config: Config,
    options: RunOptions,
    resolver: Optional[ConfigResolver] = None,
    project: Optional[list[str]] = None,
) -> RunResult:
    """Lint (and fix) `files`; each with its own configuration from `resolver` (the nearest
    `[tool.asynclint]`), else all with `config`. With `project` (see `project_files`), cross-module
    findings are answered against the whole project, as in a run on its root: the other files
    count, unreported."""
    outcome = RunResult()
    checked = {os.path.abspath(path) for path in files}
    others = [path for path in project or () if os.path.abspath(path) not in checked]
    everything = files + others
    settings = FileSettings(everything, config, resolver, options.cache)
    cache = settings.caches[0] if settings.caches is not None else None
    # Reports only (no fixes to apply): an unchanged tree gets the last run's final results back.
    run_key = None
    if cache is not None and not (options.fix or options.diff):
        run_key = cache.run_key(everything, settings.describe())
    remembered = cache.remembered_run(run_key) if cache is not None and run_key is not None else None
    if remembered is not None and len(remembered) == len(files):
        outcome.results = remembered
        if options.progress:
            options.progress(len(files), len(files))
        for result in remembered:
            outcome.errors.extend(result.errors)
        return outcome
    # The project summary (in the root's cache) holds the unchanged modules: only the other
    # modules' facts are needed, and the checked files' findings and facts where it has them.
    known = stored = None
    if cache is not None:
        # (only for files of the root's settings: the project summary lives in the root's cache)
        same_settings = [path for position, path in enumerate(everything) if settings.of_file[position] == 0]
        known = cache.project_summaries([path for path in same_settings if os.path.abspath(path) not in checked])
        stored = cache.project_results([path for path in same_settings if os.path.abspath(path) in checked])
    linted = lint_files(everything, settings, options, known, stored)
    outcome.results = linted[: len(files)]
    if others:
        context = {os.path.abspath(result.path): result.summary for result in linted[len(files) :]}
        own = {os.path.abspath(result.path): result.summary for result in outcome.results}
        index = ProjectIndex(in_project_order(project or [], own, context))
    else:
        index = ProjectIndex(result.summary for result in outcome.results)
    if cache is not None:
        cache.save_project_summary(
            {
                os.path.abspath(result.path): result
                for position, result in enumerate(linted)
                if settings.of_file[position] == 0
            },
            known or (),
        )
    del linted
    if cache is not None:
        cache.load_library_answers(LibraryAnswers.of(index))
    for position, result in enumerate(outcome.results):
        settings.linter_for(position).resolve_pending(result, index, placed=settings.cache_for(position))
        outcome.errors.extend(result.errors)
    if cache is not None:
        cache.save_library_answers(LibraryAnswers.of(index))
        if run_key is not None:
            cache.remember_run(run_key, outcome.results)
    if options.fix or options.diff:
        try:
            _apply_fixes(outcome, settings, index, options)
        except KeyboardInterrupt:
            raise FixInterrupted(outcome.written) from None
    return outcome


def _apply_fixes(outcome: RunResult, settings: FileSettings, project: ProjectIndex, options: RunOptions) -> None:
    for position, result in enumerate(outcome.results):
        linter = settings.linter_for(position)
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
        if options.diff:
            outcome.fixed += fixed.applied
            outcome.fixed_files += 1
            outcome.fixed_codes[result.path] = fixed.codes
            outcome.diffs.append(unified_diff(result.path, original, fixed.data))
            continue
        target, refusal = writable_target(result.path, linter.config.root)
        if refusal is not None:
            outcome.errors.append(f"{result.path}: not fixed: {refusal}")
            continue
        try:
            write_atomic(target, fixed.data)
        except OSError as error:
            outcome.errors.append(f"{result.path}: cannot write fixes: {error.strerror or error}")
            continue
        outcome.fixed += fixed.applied
        outcome.fixed_files += 1
        outcome.fixed_codes[result.path] = fixed.codes
        outcome.written.append(result.path)
        # What remains after fixing is what the user still has to look at.
        outcome.results[position] = fixed.lint.result
        # Remaining diagnostics already had their conditions resolved against the project.
        outcome.results[position].errors = []


def writable_target(path: str, root: str) -> tuple[str, Optional[str]]:
    """Where `--fix` writes `path`'s new content, or why it must not: a symbolic link is fixed at
    its target (the link stays a link) when that target is inside the project, a read-only file is
    left alone, as ruff does."""
    target = path
    if os.path.islink(path):
        target = os.path.realpath(path)
        project = os.path.realpath(root)
        inside = os.path.commonpath([target, project]) == project if os.path.isabs(target) else False
        if not inside:
            return target, f"it is a symbolic link to {target}, outside the project"
    try:
        info = os.stat(target)
    except OSError as error:
        return target, f"cannot stat: {error.strerror or error}"
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        return target, "the file is read-only"
    return target, None


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    display = path.replace(os.sep, "/")
    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"a/{display}", tofile=f"b/{display}")
    text = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
    return text
