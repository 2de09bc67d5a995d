"""Lint one file: parse once, walk once, dispatch to every enabled rule, then position and filter.

`Linter` is built once per process for a config and the rules enabled by it (the caller constructs
them, usually with `asynclint.checks.rules_for(config)`); the fact collectors run whatever rules
are selected. `lint()` is a pure function of the file's bytes
(and, for cross-file conditions, the project index), which makes results cacheable and the run
parallel.
"""

from __future__ import annotations

import ast
import io
import os
import re
import sys
import tokenize
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol, Sequence

import libcst as cst

from asynclint import catalog
from asynclint.checks import collectors_for
from asynclint.checks.base import Rule, Visitor
from asynclint.config import Config
from asynclint.engine.context import Context, Report
from asynclint.engine.diagnostics import Diagnostic, FileResult, FixInfo, ModuleSummary
from asynclint.engine.noqa import (
    covers,
    entry_covers,
    file_noqa,
    is_asynclint_code,
    noqa_codes,
    noqa_comments,
    unknown_codes,
)
from asynclint.engine.positions import positions_of
from asynclint.engine.project import ProjectIndex
from asynclint.engine.source import SourceText, TooLarge, UnreadableSource, decode
from asynclint.registry import matches
from asynclint.semantics import environment
from asynclint.semantics.names import Resolver
from asynclint.semantics.scope import build_index

# libcst and the walk recurse once per nesting level; generated code can nest deeply.
_RECURSION_LIMIT = 12000


@dataclass
class FileLint:
    """A file's result plus, for fixing, the tree and the raw reports with their fixes."""

    result: FileResult
    module: Optional[cst.Module] = None
    reports: list[tuple[Report, Diagnostic]] = field(default_factory=list)
    positions: Any = None


def module_name_for(path: str) -> tuple[str, bool]:
    """Dotted module name from the package layout (`__init__.py` files) and whether it is one."""
    absolute = os.path.abspath(path)
    directory, filename = os.path.split(absolute)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")) or os.path.isfile(
        os.path.join(directory, "__init__.pyi")
    ):
        directory, package = os.path.split(directory)
        parts.append(package)
        if not package:
            break
    parts.reverse()
    return ".".join(part for part in parts if part.isidentifier()), is_package


_ANY_NOQA = re.compile("noqa", re.IGNORECASE)
MAX_BRACKET_DEPTH = 200  # CPython's tokenizer limit (MAXLEVEL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if chr(byte) not in "()[]{}")
_BRACKET_STEP = {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")


def _estimated_bracket_depth(data: bytes) -> int:
    """Deepest nesting counting every bracket byte, those in strings and comments too: an upper
    bound computed at C speed, exact enough to clear almost every file at once."""
    brackets = data.translate(None, _NOT_BRACKETS)
    if len(brackets) <= 2 * MAX_BRACKET_DEPTH:
        return len(brackets) // 2
    depth = deepest = 0
    for byte in brackets:
        depth += _BRACKET_STEP[byte]
        if depth > deepest:
            deepest = depth
    return deepest


def bracket_depth(data: bytes) -> int:
    """Deepest bracket nesting of the code, as CPython's tokenizer counts it: brackets inside
    strings and comments (bytes literals of generated modules) do not count. The exact count
    tokenizes, so it runs only for the rare file whose upper bound is past the limit."""
    estimate = _estimated_bracket_depth(data)
    if estimate <= MAX_BRACKET_DEPTH:
        return estimate
    depth = deepest = 0
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type != tokenize.OP:
                continue
            if token.string in _OPENING:
                depth += 1
                deepest = max(deepest, depth)
            elif token.string in _CLOSING:
                depth -= 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # the parser reports what is really wrong with the file
    except RecursionError:
        return estimate
    return deepest


def _precise_syntax_error(data: bytes, error: cst.ParserSyntaxError) -> tuple[str, int, int]:
    """CPython's parser pinpoints syntax errors better than libcst's; parsing (never compiling
    or running) the source with `ast` gives its message and position when it agrees it is invalid."""
    try:
        ast.parse(data)
    except SyntaxError as python_error:
        if python_error.lineno:
            return python_error.msg, python_error.lineno, max(python_error.offset or 1, 1)
    except Exception:  # RecursionError, MemoryError, ValueError on odd input
        pass
    return error.message, max(error.editor_line, 1), max(error.editor_column, 1)


class Linter:
    def __init__(self, config: Config, rules: Sequence[Rule]):
        """Raises `asynclint.checks.base.UnsupportedHook` for a rule with a hook that would never run."""
        self.config = config
        environment.use_python(config.python)  # where installed libraries are read from
        enabled = config.enabled
        self.rules: dict[str, Rule] = {rule.code: rule for rule in rules}
        # Collectors first: a rule may read, in `end_file`, what they recorded in this file.
        self.visitors: list[tuple[str, Visitor]] = [
            (f"fact collector {type(collector).__name__}", collector) for collector in collectors_for(config)
        ]
        self.visitors += sorted(self.rules.items())
        self.dispatch: dict[type, list[tuple[str, Callable[[Any, Context], None]]]] = {}
        for label, visitor in self.visitors:
            for node_type, method in visitor.handled_types().items():
                self.dispatch.setdefault(node_type, []).append((label, getattr(visitor, method)))
        # Calls are always recorded: `Context.calls()` and the loop-thread answers read them.
        self.interesting = frozenset(self.dispatch) | {cst.Call}
        self.return_types = catalog.return_types()
        self.attribute_types = catalog.attribute_types()
        self.item_types = catalog.item_types()
        self.report_syntax_errors = "ASY001" in enabled
        self.enabled = enabled
        self.report_unused_noqa = "ASY002" in enabled
        # The flake8 plugin turns this off: flake8 applies noqa comments itself (and `--disable-noqa`).
        self.honour_noqa = True
        if sys.getrecursionlimit() < _RECURSION_LIMIT:
            sys.setrecursionlimit(_RECURSION_LIMIT)

    # -- one file ----------------------------------------------------------------------------
    def lint_path(self, path: str, project: Optional[ProjectIndex] = None, keep_tree: bool = False) -> FileLint:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            return FileLint(FileResult(path, errors=[f"{path}: cannot read: {error.strerror or error}"]))
        return self.lint(path, data, project=project, keep_tree=keep_tree)

    def lint(
        self,
        path: str,
        data: bytes,
        *,
        module_name: Optional[str] = None,
        is_package: Optional[bool] = None,
        project: Optional[ProjectIndex] = None,
        keep_tree: bool = False,
        tree: Optional[cst.Module] = None,
    ) -> FileLint:
        """Lint `data`. `tree` is its syntax tree when the caller has one already (the language
        server re-parses only the statement an edit touched); it must be the tree of exactly `data`."""
        result = FileResult(path)
        if module_name is None or is_package is None:
            module_name, is_package = module_name_for(path)
        try:
            source = decode(data)
        except TooLarge as error:
            result.errors.append(f"{path}: {error}")
            return FileLint(result)
        except UnreadableSource as error:
            self._syntax_error(result, str(error), 1, 1, "")
            return FileLint(result)
        module = tree if tree is not None else self._parse(data, source, result)
        if module is None:
            return FileLint(result)
        try:
            return self._check(path, source, module, module_name, is_package, project, keep_tree, result)
        except RecursionError:
            result.errors.append(f"{path}: skipped: code nested too deeply to analyze")
            return FileLint(result)

    def _parse(self, data: bytes, source: SourceText, result: FileResult) -> Optional[cst.Module]:
        """The tree of `data`, or None with the syntax error reported (ASY001)."""
        depth = bracket_depth(data)
        if depth > MAX_BRACKET_DEPTH:
            # CPython refuses this too; libcst's native parser would overflow its stack and crash.
            self._syntax_error(
                result, f"cannot parse: brackets nested {depth} deep (Python allows {MAX_BRACKET_DEPTH})", 1, 1, ""
            )
            return None
        try:
            module = cst.parse_module(data)
        except cst.ParserSyntaxError as error:
            message, line, column = _precise_syntax_error(data, error)
            lines = source.lines
            text = lines[line - 1] if line - 1 < len(lines) else ""
            silenced = file_noqa(source.text, flake8=self.honour_noqa) if _ANY_NOQA.search(source.text) else None
            if silenced is None or not covers(silenced, "ASY001"):
                self._syntax_error(result, f"cannot parse: {message}", line, column, text)
            return None
        except (RecursionError, MemoryError):
            self._syntax_error(result, "cannot parse: nested too deeply", 1, 1, "")
            return None
        except Exception as error:  # libcst raises a few non-syntax errors on odd input
            self._syntax_error(result, f"cannot parse: {type(error).__name__}: {error}", 1, 1, "")
            return None
        return module

    def _syntax_error(self, result: FileResult, message: str, line: int, column: int, text: str) -> None:
        if self.report_syntax_errors and not self.config.is_ignored("ASY001", result.path):
            result.diagnostics.append(
                Diagnostic("ASY001", message, result.path, line, column, line, column, source_line=text)
            )

    def _check(
        self,
        path: str,
        source: SourceText,
        module: cst.Module,
        module_name: str,
        is_package: bool,
        project: Optional[ProjectIndex],
        keep_tree: bool,
        result: FileResult,
    ) -> FileLint:
        index = build_index(module, module_name, self.interesting, is_package)
        resolver = Resolver(index, self.return_types, self.attribute_types, self.item_types)
        context = Context(path, index, resolver, self.config, self.config.target)
        context.decides_candidates = project is not None
        dispatch = self.dispatch
        failed: set[str] = set()

        rules = self.rules

        def failure(label: str, error: Exception) -> None:
            failed.add(label)
            where = traceback.extract_tb(error.__traceback__)[-1]
            result.errors.append(
                f"{path}: internal error in {label} ({type(error).__name__}: {error} "
                f"at {os.path.basename(where.filename)}:{where.lineno}); other rules and files unaffected"
            )

        def per_file(hook: str) -> None:
            """Each rule's and collector's `begin_file`/`end_file`, failures kept to the visitor."""
            for label, visitor in self.visitors:
                if label in failed:
                    continue
                context.rule_code = label if label in rules else ""
                try:
                    getattr(visitor, hook)(context)
                except RecursionError:
                    raise
                except Exception as error:
                    failure(label, error)

        per_file("begin_file")
        nothing: list = []
        for node, node_path, scope in index.events:
            context.node, context.path, context.scope = node, node_path, scope
            for label, handler in dispatch.get(type(node), nothing):
                if label in failed:
                    continue
                context.rule_code = label if label in rules else ""
                try:
                    handler(node, context)
                except RecursionError:
                    raise
                except Exception as error:
                    failure(label, error)
        context.node, context.path, context.scope = index.module, None, index.root
        per_file("end_file")
        result.summary = ModuleSummary(module_name, path, context.facts)
        lint = FileLint(result, module if keep_tree else None)
        text = source.text
        # noqa comments matter only when the file has one: one search, then per line.
        any_noqa = _ANY_NOQA.search(text) is not None
        has_noqa = self.honour_noqa and any_noqa
        silenced = file_noqa(text, flake8=self.honour_noqa) if any_noqa else None
        if silenced is not None and not silenced:
            return lint  # a file-level directive without codes: nothing is reported for this file
        lines = source.lines
        comments = noqa_comments(lines) if has_noqa else []
        ignored = self.config.ignored_for(path)
        if comments and not self.report_unused_noqa:
            for comment in comments:
                for code in unknown_codes(comment.codes):
                    result.warnings.append(
                        f"{path}:{comment.line}:{comment.column}: `# noqa` names unknown code {code}; it silences nothing"
                    )
        if not context.reports and not (comments and self.report_unused_noqa):
            return lint
        # Placing a node costs a code generation pass up to it, so only findings that stand are
        # placed. A cross-file candidate (`condition`) is decided here when the project is known;
        # otherwise it is kept unplaced, and `final_diagnostics` lints the file again, with the
        # project, in the rare case that it stands.
        standing: list[tuple[Report, str]] = []
        for report in context.reports:
            if ignored and matches(report.code, ignored):
                continue
            if silenced and covers(silenced, report.code):
                continue
            if report.condition is None:
                standing.append((report, report.message))
            elif project is not None:
                rule = self.rules[report.code]
                message = rule.resolve_condition(report.condition, report.message, project)
                if message is not None:
                    if report.fix is not None and not rule.keeps_fix(report.condition, project):
                        report.fix = None
                    standing.append((report, message))
            else:
                result.diagnostics.append(
                    Diagnostic(report.code, report.message, path, 0, 0, 0, 0, condition=report.condition)
                )
        if not standing and not keep_tree and not (comments and self.report_unused_noqa):
            return lint
        wanted = [report.node for report, _ in standing]
        if keep_tree:
            wanted += [target for report, _ in standing if report.fix for target, _ in report.fix.edits]
        positions = positions_of(module, wanted)
        seen: set[tuple] = set()
        used: dict[int, set[str]] = {}  # line -> the noqa entries that silenced something there
        for report, message in standing:
            position = positions[report.node]
            line, column = position.start.line, position.start.column + 1
            text = lines[line - 1] if line - 1 < len(lines) else ""
            if has_noqa:
                listed = noqa_codes(text)
                if listed is not None and covers(listed, report.code):
                    used.setdefault(line, set()).update(entry for entry in listed if entry_covers(entry, report.code))
                    continue
            key = (report.code, line, column, message)
            if key in seen:
                continue
            seen.add(key)
            if report.fix is not None and not self.config.is_fixable(report.code):
                report.fix = None  # `fixable`/`unfixable`: neither offered nor applied
            diagnostic = Diagnostic(
                report.code,
                message,
                path,
                line,
                column,
                position.end.line,
                position.end.column + 1,
                FixInfo(report.fix.applicability, report.fix.message) if report.fix else None,
                None,
                text,
            )
            result.diagnostics.append(diagnostic)
            if keep_tree:
                lint.reports.append((report, diagnostic))
        if comments and self.report_unused_noqa and not (ignored and matches("ASY002", ignored)):
            if not (silenced and covers(silenced, "ASY002")):
                self._unused_noqa(result, comments, used, lines)
        if keep_tree:
            lint.positions = positions
        return lint

    def _unused_noqa(
        self, result: FileResult, comments: list, used: dict[int, set[str]], lines: list[str]
    ) -> None:
        """ASY002: the asynclint codes of each `# noqa` that name no rule, no enabled rule, or
        silenced nothing on their line (other tools' codes are theirs to judge)."""
        for comment in comments:
            if not comment.codes or any(entry_covers(entry, "ASY002") for entry in comment.codes):
                continue
            problems = []
            for entry in sorted(comment.codes):
                if not is_asynclint_code(entry):
                    continue
                if unknown_codes([entry]):
                    problems.append(f"{entry} (unknown code)")
                elif not any(code.startswith(entry) for code in self.enabled):
                    problems.append(f"{entry} (not enabled)")
                elif entry not in used.get(comment.line, ()):
                    problems.append(f"{entry} (silences nothing here)")
            if problems:
                result.diagnostics.append(
                    Diagnostic(
                        "ASY002",
                        f"unused `# noqa` code{'s' * (len(problems) != 1)}: {', '.join(problems)}",
                        result.path,
                        comment.line,
                        comment.column,
                        comment.line,
                        comment.end_column,
                        source_line=lines[comment.line - 1],
                    )
                )

    # -- cross-file conditions ---------------------------------------------------------------
    def resolve_condition(self, diagnostic: Diagnostic, project: ProjectIndex) -> Optional[str]:
        rule = self.rules.get(diagnostic.code)
        if rule is None or diagnostic.condition is None:
            return diagnostic.message
        return rule.resolve_condition(diagnostic.condition, diagnostic.message, project)

    def _answer(self, diagnostic: Diagnostic, project: ProjectIndex) -> tuple[Optional[str], Optional[bool]]:
        """What the project says about a cross-file candidate: its final message (None: it does
        not stand) and, when it stands, whether its fix is kept. A second lint places it from
        exactly these answers."""
        message = self.resolve_condition(diagnostic, project)
        if message is None or diagnostic.condition is None:
            return message, None
        return message, self.rules[diagnostic.code].keeps_fix(diagnostic.condition, project)

    def final_diagnostics(
        self, result: FileResult, project: ProjectIndex, data: Optional[bytes] = None, placed: Optional[Placed] = None
    ) -> list[Diagnostic]:
        """`result`'s diagnostics with its cross-file candidates decided against the project. When
        one stands, the file (`data`, else read from its path) is linted again to place it, unless
        `placed` (the result cache) kept that lint's diagnostics for the same file and answers."""
        pending = [diagnostic for diagnostic in result.diagnostics if diagnostic.condition is not None]
        settled = [diagnostic for diagnostic in result.diagnostics if diagnostic.condition is None]
        answers = [self._answer(diagnostic, project) for diagnostic in pending]
        if all(message is None for message, _ in answers):
            return settled
        if placed is not None:
            kept = placed.placed(result.path, answers)
            if kept is not None:
                return kept
        if data is None:
            try:
                with open(result.path, "rb") as handle:
                    data = handle.read()
            except OSError:
                return settled  # gone since it was linted: nothing more can be placed
        module_name = result.summary.module_name if result.summary is not None else None
        is_package = os.path.basename(result.path).startswith("__init__.") if module_name is not None else None
        again = self.lint(result.path, data, module_name=module_name, is_package=is_package, project=project)
        if placed is not None and not again.result.errors:
            placed.store_placed(result.path, data, answers, again.result.diagnostics)
        return again.result.diagnostics

    def resolve_pending(
        self, result: FileResult, project: ProjectIndex, data: Optional[bytes] = None, placed: Optional[Placed] = None
    ) -> None:
        result.diagnostics = self.final_diagnostics(result, project, data, placed)


class Placed(Protocol):
    """Where the placed diagnostics of a file are kept, by its content and the answers its
    cross-file candidates got (the result cache)."""

    def placed(self, path: str, answers: list[tuple[Optional[str], Optional[bool]]]) -> Optional[list[Diagnostic]]: ...

    def store_placed(
        self, path: str, data: bytes, answers: list[tuple[Optional[str], Optional[bool]]], diagnostics: list[Diagnostic]
    ) -> None: ...
