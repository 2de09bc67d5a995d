"""The flake8 plugin (`ASY`): the asynclint engine behind flake8's reporting and filtering.

flake8 decides what is shown: `--select/--ignore/--extend-select/--per-file-ignores` and `# noqa`
are flake8's, so the plugin reports every rule that runs and filters nothing itself. Which rules
run: every rule that is on by default, plus an opt-in rule named by its exact code in flake8's
`--select/--extend-select` or in `[tool.asynclint] select/extend-select`. The rest of
`[tool.asynclint]` (catalog extensions, `default-timeout`, `target-version`) is read as the
`asynclint` command reads it, for each file from the nearest pyproject.toml above it. Syntax errors
are flake8's E999, never ASY001.

Cross-file findings (ASY110, ASY200 on a callee from another module) are resolved, as by the
`asynclint` command, against the whole project around the files flake8 checks (the directory of the
`pyproject.toml` or `.git`): the files of the run (the paths flake8 was given, expanded by flake8's
own exclude and filename rules) as flake8 reads them, the project's other modules from asynclint's
cache (linted, and cached for the `asynclint` command, where they changed). The index is built
lazily, once per flake8 process, only when a file has such a finding; the files it lints on the way
are not linted again.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import sys
import tokenize
from collections.abc import Iterator, Sequence
from typing import Any, Optional

from asynclint import __version__
from asynclint.checks import rules_for
from asynclint.config import Config, ConfigError, ConfigResolver, load_config
from asynclint.engine.cache import ResultCache
from asynclint.engine.diagnostics import FileResult, ModuleSummary
from asynclint.engine.linter import Linter
from asynclint.engine.project import ProjectIndex
from asynclint.engine.runner import RunOptions, context_summaries, project_files
from asynclint.engine.source import LINE_BREAK, TooLarge, UnreadableSource, decode
from asynclint.registry import RULES


def _opt_in_codes(*selector_lists: Optional[Sequence[str]]) -> tuple[str, ...]:
    """Opt-in rules are enabled only by their exact code, as on the command line."""
    named = {selector.strip().upper() for selectors in selector_lists if selectors for selector in selectors}
    return tuple(rule.code for rule in RULES if not rule.default_enabled and rule.code in named)


def plugin_config(
    config: Config, flake8_select: Sequence[str] = (), flake8_extend_select: Sequence[str] = ()
) -> Config:
    """The asynclint config with selection and suppression left to flake8."""
    opt_in = _opt_in_codes(config.select, config.extend_select, flake8_select, flake8_extend_select)
    return dataclasses.replace(config, select=None, ignore=("ASY001",), extend_select=opt_in, per_file_ignores=())


def _encoded(lines: Sequence[str]) -> bytes:
    """Source text flake8 already decoded (stdin) back to bytes in its declared encoding."""
    text = "".join(lines)
    encoding = "utf-8"
    head = iter(line.encode("utf-8", "surrogateescape") for line in lines[:2])
    try:
        encoding, _ = tokenize.detect_encoding(lambda: next(head, b""))
    except SyntaxError:
        pass
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return text.encode("utf-8", "surrogateescape")


class _Run:
    """What one flake8 process knows about the run: paths, options, and the lazily built project."""

    def __init__(self) -> None:
        self.paths: Optional[list[str]] = None  # flake8's positional paths; None when not told
        self.stdin_display_name = "stdin"
        self.filename_patterns: Sequence[str] = ("*.py",)
        self.exclude: Sequence[str] = ()
        self.explicit_config: Optional[str] = None
        self.select: Sequence[str] = ()
        self.extend_select: Sequence[str] = ()
        self._resolver: Optional[ConfigResolver] = None
        self._configs: dict[Config, Config] = {}  # a file's settings -> the plugin's version of them
        self._user_configs: dict[Config, Config] = {}  # the plugin's version -> [tool.asynclint] as the command reads it
        self._linters: dict[Config, Linter] = {}
        self._project: Optional[ProjectIndex] = None
        self._summaries: list[tuple[str, Optional[ModuleSummary]]] = []
        self._linted: dict[str, tuple[bytes, FileResult]] = {}  # realpath -> (bytes, result)

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> _Run:
        run = cls()
        run.configure(options)
        return run

    def configure(self, options: argparse.Namespace) -> None:
        self.paths = list(getattr(options, "filenames", None) or ["."])
        self.stdin_display_name = getattr(options, "stdin_display_name", None) or "stdin"
        self.filename_patterns = getattr(options, "filename", None) or ("*.py",)
        self.exclude = [*(getattr(options, "exclude", None) or ()), *(getattr(options, "extend_exclude", None) or ())]
        self.explicit_config = getattr(options, "asynclint_config", None)
        self.select = getattr(options, "select", None) or ()
        self.extend_select = getattr(options, "extend_select", None) or ()

    def is_stdin(self, filename: str) -> bool:
        return self.paths is not None and "-" in self.paths and filename == self.stdin_display_name

    def config(self, filename: str) -> Config:
        """`filename`'s settings: the nearest `[tool.asynclint]` above it, as for the command."""
        try:
            if self._resolver is None:
                if self.paths is None:
                    where = [filename]
                else:
                    where = [self.stdin_display_name if path == "-" else path for path in self.paths]
                self._resolver = ConfigResolver(
                    load_config(where, self.explicit_config), explicit=self.explicit_config is not None
                )
            own = self._resolver.for_file(filename)
        except ConfigError as error:
            from flake8.exceptions import ExecutionError

            raise ExecutionError(f"asynclint: {error}") from None
        known = self._configs.get(own)
        if known is None:
            known = self._configs[own] = plugin_config(own, self.select, self.extend_select)
            self._user_configs[known] = own
        return known

    def linter(self, filename: str) -> Linter:
        config = self.config(filename)
        linter = self._linters.get(config)
        if linter is None:
            linter = self._linters[config] = Linter(config, rules_for(config))
            linter.honour_noqa = False
        return linter

    def lint(self, filename: str, data: bytes) -> FileResult:
        key = os.path.realpath(filename)
        known = self._linted.get(key)
        if known is not None and known[0] == data:
            return known[1]
        return self.linter(filename).lint(filename, data).result

    # -- the project index -------------------------------------------------------------------
    def _run_files(self) -> list[str]:
        paths = self.paths or []
        try:
            from flake8.discover_files import expand_paths

            files = list(
                expand_paths(
                    paths=paths,
                    stdin_display_name=self.stdin_display_name,
                    filename_patterns=self.filename_patterns,
                    exclude=self.exclude,
                )
            )
        except Exception:  # another flake8 layout: the given files alone
            files = [path for path in paths if os.path.isfile(path)]
        return [path for path in files if path != "-"]

    def project(self, filename: str, data: bytes, result: FileResult) -> ProjectIndex:
        """The index of the run's files, with this file's facts taken from the content checked."""
        if self._project is None:
            for path in self._run_files():
                try:
                    with open(path, "rb") as handle:
                        content = handle.read()
                except OSError:
                    continue  # flake8 reports unreadable files itself (E902)
                linted = self.linter(path).lint(path, content).result
                self._summaries.append((os.path.realpath(path), linted.summary))
                self._linted[os.path.realpath(path)] = (content, linted)
            self._add_project_context(filename)
            self._project = ProjectIndex(summary for _, summary in self._summaries)
        key = os.path.realpath(filename)
        known = self._linted.get(key)
        if known is not None and known[0] == data:
            return self._project
        # Content that is not what the index saw (stdin from an editor, a file outside the run).
        summaries = [result.summary if path == key else summary for path, summary in self._summaries]
        if not any(path == key for path, _ in self._summaries):
            summaries.append(result.summary)
        return ProjectIndex(summaries)


    def _add_project_context(self, filename: str) -> None:
        """The project's modules that flake8 was not given, in the order `asynclint .` indexes
        them; their facts come from the `asynclint` command's cache (same settings, same entries),
        and a module missing there is linted as that command would and stored for it."""
        config = self._user_configs.get(self.config(filename))
        if config is None:
            return
        run_files = [path for path, _ in self._summaries]
        everything = project_files(self.paths or [filename], run_files, config)
        if not everything:
            return
        own = dict(self._summaries)
        others = [path for path in everything if os.path.realpath(path) not in own]
        try:
            cache: Optional[ResultCache] = ResultCache(config)
        except OSError:
            cache = None
        # One process per flake8 job already: no process pool of our own here.
        context = context_summaries(others, config, Linter(config, rules_for(config)), RunOptions(jobs=1), cache)
        ordered = []
        for path in everything:
            key = os.path.realpath(path)
            if key in own:
                ordered.append((key, own.pop(key)))
            else:
                ordered.append((key, context.get(os.path.abspath(path))))
        self._summaries = ordered + list(own.items())


_RUN = _Run()


class AsynclintChecker:
    """flake8 AST plugin: yields `(line, column, "ASYxxx message", type)` for every finding."""

    name = "asynclint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]):
        self.tree = tree  # flake8 only runs AST plugins on files that parse; libcst re-parses
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--asynclint-config",
            metavar="PATH",
            parse_from_config=True,
            help="pyproject.toml whose [tool.asynclint] table asynclint reads (default: the nearest one).",
        )

    @classmethod
    def parse_options(cls, manager: Any, options: argparse.Namespace, arguments: Any = None) -> None:
        global _RUN
        _RUN = _Run.from_options(options)  # a new flake8 run (the legacy API reuses the process)
        # Read [tool.asynclint] now, in the main process, so a broken table stops the run at once.
        _RUN.config(_RUN.stdin_display_name)

    def _source(self) -> bytes:
        if not _RUN.is_stdin(self.filename):
            try:
                with open(self.filename, "rb") as handle:
                    return handle.read()
            except OSError:
                pass
        return _encoded(self.lines)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        data = self._source()
        if not _same_text(data, self.lines):
            data = _encoded(self.lines)  # the file changed under us: check what flake8 read
        result = _RUN.lint(self.filename, data)
        for error in result.errors:
            sys.stderr.write(f"asynclint: error: {error}\n")
        diagnostics = result.diagnostics
        if any(diagnostic.condition is not None for diagnostic in diagnostics):
            project = _RUN.project(self.filename, data, result)
            diagnostics = _RUN.linter(self.filename).final_diagnostics(result, project, data)
        for diagnostic in diagnostics:
            yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)


def _same_text(data: bytes, lines: Sequence[str]) -> bool:
    """Whether the bytes are the text flake8 read (it reads with universal newlines)."""
    try:
        text = decode(data).text
    except (UnreadableSource, TooLarge):
        return True  # flake8 fell back to latin-1; the bytes are what the CLI sees too
    joined = "".join(lines)
    if joined.startswith("\ufeff"):
        joined = joined[1:]
    return LINE_BREAK.sub("\n", text) == LINE_BREAK.sub("\n", joined)


__all__ = ["AsynclintChecker", "plugin_config"]
