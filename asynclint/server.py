"""`asynclint server`: the language server (LSP over stdio, built on pygls).

Diagnostics are the CLI's (same codes, positions and messages) because they come from the same
`Linter`. Each project (a `[tool.asynclint]` root) keeps its module summaries in memory, loaded
through the result cache the first time one of its files is opened and updated as buffers change,
so cross-module findings (ASY110 chains, ASY200 on a coroutine defined elsewhere) appear in the
editor as in a full run. Code actions offer a finding's fix (safe or unsafe), a `# noqa` for it,
and "fix all" (safe fixes); hovering a finding shows its rule page.
"""

from __future__ import annotations

import difflib
import logging
import os
import time
from typing import Optional

import libcst as cst
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from asynclint import __version__
from asynclint.checks import rules_for
from asynclint.config import Config, ConfigError, find_config, load_config
from asynclint.engine.cache import ResultCache
from asynclint.engine.diagnostics import Diagnostic, ModuleSummary
from asynclint.engine.discovery import discover
from asynclint.engine.fixer import fix_source
from asynclint.engine.fixes import apply_edits
from asynclint.engine.incremental import ParsedBuffer, split_lines
from asynclint.engine.linter import FileLint, Linter
from asynclint.engine.noqa import add_noqa
from asynclint.engine.project import ProjectIndex
from asynclint.engine.runner import RunOptions, context_summaries, freeze_long_lived, is_project_root
from asynclint.registry import RULES_BY_CODE

FIX_ALL = "source.fixAll.asynclint"
SOURCE = "asynclint"

logger = logging.getLogger(__name__)


class Project:
    """One configuration root: its linter and the summary every module contributes to the index."""

    def __init__(self, config: Config):
        self.config = config
        self.linter = Linter(config, rules_for(config))
        self.summaries: dict[str, ModuleSummary] = {}
        self._index: Optional[ProjectIndex] = None
        self.loaded = False

    def load(self, jobs: int, path: str) -> str:
        """Summaries of every file under the root, from the cache where the file is unchanged."""
        started = time.monotonic()
        root = self.config.root
        if not is_project_root(root) or not os.path.abspath(path).startswith(os.path.join(os.path.abspath(root), "")):
            self.loaded = True  # no project around the file: its open buffers are the index
            return f"asynclint: no pyproject.toml or .git around {root}: cross-module answers cover open files only"
        found = discover([root], self.config)
        cache = ResultCache(self.config)
        summaries = context_summaries(found.files, self.config, self.linter, RunOptions(jobs=jobs), cache)
        for path, summary in summaries.items():
            if summary is not None:
                self.summaries[path] = summary
        self.loaded = True
        self._index = None
        # The summaries live as long as the server: without this, every full garbage collection
        # during a re-lint walks all of them again (a third of a re-lint on a large project).
        freeze_long_lived()
        return (
            f"asynclint: indexed {len(summaries)} files under {self.config.root} in {time.monotonic() - started:.1f} s"
        )

    def update(self, path: str, summary: Optional[ModuleSummary]) -> bool:
        """Record a module's new summary; True when the facts it contributes changed."""
        key = os.path.abspath(path)
        old = self.summaries.get(key)
        if summary is None:
            changed = self.summaries.pop(key, None) is not None
        else:
            changed = old is None or old.module_name != summary.module_name or old.facts != summary.facts
            self.summaries[key] = summary
        if changed:
            self._index = None
        return changed

    @property
    def index(self) -> ProjectIndex:
        if self._index is None:
            self._index = ProjectIndex(self.summaries[path] for path in sorted(self.summaries))
        return self._index


class AsynclintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("asynclint", __version__)
        self.projects: dict[str, Project] = {}
        self.configs: dict[str, Config] = {}  # directory -> its configuration
        self.published: dict[str, list[Diagnostic]] = {}  # uri -> what the client shows
        self.buffers: dict[str, ParsedBuffer] = {}  # uri -> the buffer's last text and its tree
        self.jobs = os.cpu_count() or 1

    # -- configuration and projects ----------------------------------------------------------
    def config_for(self, path: str) -> Config:
        directory = os.path.dirname(os.path.abspath(path))
        config = self.configs.get(directory)
        if config is None:
            try:
                config = load_config([directory])
            except ConfigError as error:
                self.window_show_message(
                    types.ShowMessageParams(types.MessageType.Error, f"asynclint: {error}; using the defaults")
                )
                config = Config(root=_root_of(directory))
            self.configs[directory] = config
        return config

    def project_for(self, path: str) -> Project:
        config = self.config_for(path)
        key = f"{os.path.abspath(config.root)}\0{config.fingerprint()}"
        project = self.projects.get(key)
        if project is None:
            project = self.projects[key] = Project(config)
        if not project.loaded:
            try:
                message = project.load(self.jobs, path)
            except Exception as error:  # an unreadable tree must not take the editor down
                project.loaded = True
                message = f"asynclint: could not index {config.root}: {type(error).__name__}: {error}"
            self.window_log_message(types.LogMessageParams(types.MessageType.Info, message))
        return project

    def reload_configuration(self) -> None:
        self.configs.clear()
        self.projects.clear()
        for uri in list(self.workspace.text_documents):
            self.publish(uri)

    # -- linting -----------------------------------------------------------------------------
    def lint(self, document: TextDocument, refresh: bool = True) -> tuple[FileLint, Project, bytes]:
        """Lint a buffer against the project index. The index already holds this module's facts
        from its last version, and an edit seldom changes them (they change when a function
        becomes async or starts to block), so one pass is usually all; when they did change, the
        buffer is linted again against the updated index and the other open modules follow."""
        path = document_path(document)
        project = self.project_for(path)
        data = document.source.encode("utf-8", "surrogatepass")
        lint = self._lint_buffer(document, project, data)
        if project.update(path, lint.result.summary):
            lint = self._lint_buffer(document, project, data)
            if refresh:
                self.refresh_others(document.uri, project)
        return lint, project, data

    def _lint_buffer(self, document: TextDocument, project: Project, data: bytes) -> FileLint:
        """Lint a buffer, re-parsing only the statement its last edit touched when that can be
        done exactly (`ParsedBuffer.follow`), else the whole text."""
        text = document.source
        buffer = self.buffers.get(document.uri)
        tree = buffer.follow(text) if buffer is not None else None
        lint = project.linter.lint(document_path(document), data, project=project.index, keep_tree=True, tree=tree)
        if tree is None:
            if lint.module is not None:
                self.buffers[document.uri] = ParsedBuffer(text, lint.module)
            else:
                self.buffers.pop(document.uri, None)  # a syntax error: the next edit parses it all
        return lint

    def publish(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        if not is_python(document):
            return
        lint, _, _ = self.lint(document)
        diagnostics = sorted(lint.result.diagnostics, key=Diagnostic.sort_key)
        self.published[uri] = diagnostics
        for error in lint.result.errors:
            self.window_log_message(types.LogMessageParams(types.MessageType.Warning, f"asynclint: {error}"))
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=document.version, diagnostics=[lsp_diagnostic(d, document) for d in diagnostics]
            )
        )
        buffer = self.buffers.get(uri)
        if buffer is not None:
            buffer.prime()  # after the diagnostics are out, so the next edit re-parses one statement

    def refresh_others(self, changed_uri: str, project: Project) -> None:
        """A module's facts changed (a function became async, a helper stopped blocking): what the
        other open modules of the project report across modules may change with it."""
        for uri in list(self.workspace.text_documents):
            if uri == changed_uri or uri not in self.published:
                continue
            document = self.workspace.get_text_document(uri)
            if is_python(document) and self.project_for(document_path(document)) is project:
                data = document.source.encode("utf-8", "surrogatepass")
                result = self._lint_buffer(document, project, data).result
                diagnostics = sorted(result.diagnostics, key=Diagnostic.sort_key)
                if diagnostics != self.published.get(uri):
                    self.published[uri] = diagnostics
                    self.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(
                            uri=uri,
                            version=document.version,
                            diagnostics=[lsp_diagnostic(d, document) for d in diagnostics],
                        )
                    )

    def forget(self, uri: str) -> None:
        """A closed buffer: the module's summary goes back to what is on disk."""
        self.published.pop(uri, None)
        self.buffers.pop(uri, None)
        path = to_fs_path(uri)
        if path is None or not path.endswith((".py", ".pyi")):
            return
        project = self.project_for(path)
        if os.path.isfile(path):
            project.update(path, project.linter.lint_path(path).result.summary)
        else:
            project.update(path, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- code actions ------------------------------------------------------------------------
    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        document = self.workspace.get_text_document(params.text_document.uri)
        if not is_python(document):
            return []
        only = params.context.only
        lint, project, data = self.lint(document, refresh=False)
        text = document.source
        actions: list[types.CodeAction] = []
        wanted_quickfix = not only or any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only)
        if wanted_quickfix:
            noqa_lines: dict[int, list[Diagnostic]] = {}
            for report, diagnostic in lint.reports:
                if not overlaps(diagnostic, params.range):
                    continue
                noqa_lines.setdefault(diagnostic.line, []).append(diagnostic)
                if report.fix is None or lint.module is None:
                    continue
                try:
                    fixed = apply_edits(lint.module, [report.fix]).code
                    cst.parse_module(fixed)
                except Exception:
                    continue  # a fix that would not parse is never offered
                unsafe = report.fix.applicability != "safe"
                actions.append(
                    types.CodeAction(
                        title=f"{report.fix.message} ({diagnostic.code}{', unsafe fix' if unsafe else ''})",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp_diagnostic(diagnostic, document)],
                        edit=workspace_edit(document, text, fixed),
                        is_preferred=not unsafe,
                    )
                )
            for line, diagnostics in sorted(noqa_lines.items()):
                codes = sorted({d.code for d in diagnostics})
                added = add_noqa(data, {line: set(codes)})
                if added.applied:
                    actions.append(
                        types.CodeAction(
                            title=f"Disable {', '.join(codes)} for this line (# noqa)",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp_diagnostic(d, document) for d in diagnostics],
                            edit=workspace_edit(document, text, added.data.decode("utf-8", "surrogatepass")),
                        )
                    )
        if not only or any(FIX_ALL.startswith(kind) for kind in only):
            outcome = fix_source(project.linter, document_path(document), data, unsafe=False, project=project.index)
            if outcome.applied and outcome.data != data:
                actions.append(
                    types.CodeAction(
                        title="Fix all auto-fixable asynclint findings (safe fixes)",
                        kind=FIX_ALL,
                        edit=workspace_edit(document, text, outcome.data.decode("utf-8", "surrogatepass")),
                    )
                )
        return actions

    # -- hover -------------------------------------------------------------------------------
    def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        uri = params.text_document.uri
        document = self.workspace.get_text_document(uri)
        pages: list[tuple[str, str]] = []
        for diagnostic in self.published.get(uri, []):
            converted = lsp_diagnostic(diagnostic, document)
            if contains(converted.range, params.position) and diagnostic.code not in {code for code, _ in pages}:
                pages.append((diagnostic.code, rule_text(diagnostic.code)))
        if not pages:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(page for _, page in pages)
            )
        )


def rule_text(code: str) -> str:
    from asynclint.cli import rule_page

    page = rule_page(code)
    if page:
        return page
    info = RULES_BY_CODE.get(code)
    return f"**{code}** ({info.name}): {info.summary}" if info else code


def _root_of(directory: str) -> str:
    found = find_config([directory])
    return str(found.parent) if found else directory


def document_path(document: TextDocument) -> str:
    return document.path or to_fs_path(document.uri) or document.uri


def is_python(document: TextDocument) -> bool:
    if document.language_id in ("python", "python3"):
        return True
    path = document.path or document.uri
    return path.endswith((".py", ".pyi"))


def lsp_diagnostic(diagnostic: Diagnostic, document: TextDocument) -> types.Diagnostic:
    start = ServerTextPosition(max(diagnostic.line - 1, 0), max(diagnostic.column - 1, 0))
    end = ServerTextPosition(max(diagnostic.end_line - 1, 0), max(diagnostic.end_column - 1, 0))
    info = RULES_BY_CODE.get(diagnostic.code)
    data = {"fix": diagnostic.fix.applicability if diagnostic.fix else None, "name": info.name if info else None}
    return types.Diagnostic(
        range=document.range_to_client_units(ServerTextRange(start, end)),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Error if diagnostic.code == "ASY001" else types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        source=SOURCE,
        data=data,
    )


def overlaps(diagnostic: Diagnostic, wanted: types.Range) -> bool:
    """Whether a finding's lines meet the requested range (lines are enough: columns differ in
    units between client and server, and a code action for the whole line is what users expect)."""
    return diagnostic.line - 1 <= wanted.end.line and diagnostic.end_line - 1 >= wanted.start.line


def contains(span: types.Range, position: types.Position) -> bool:
    after_start = (position.line, position.character) >= (span.start.line, span.start.character)
    before_end = (position.line, position.character) <= (span.end.line, span.end.character)
    return after_start and before_end


def workspace_edit(document: TextDocument, old: str, new: str) -> types.WorkspaceEdit:
    """Edits turning `old` into `new`, one per changed run of lines (an added import and a changed
    call stay two small edits, so the client's cursor and undo history stay where they were)."""
    before = split_lines(old)
    after = split_lines(new)
    edits = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, first, last, new_first, new_last in matcher.get_opcodes():
        if tag == "equal":
            continue
        span = ServerTextRange(_line_start(before, first), _line_start(before, last))
        edits.append(
            types.TextEdit(range=document.range_to_client_units(span), new_text="".join(after[new_first:new_last]))
        )
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version),
                edits=edits,
            )
        ]
    )


def _line_start(lines: list[str], number: int) -> ServerTextPosition:
    """Where line `number` (0-based) starts; past the last line, the end of the text."""
    if number < len(lines):
        return ServerTextPosition(number, 0)
    if lines and not lines[-1].endswith(("\n", "\r")):
        return ServerTextPosition(len(lines) - 1, len(lines[-1]))
    return ServerTextPosition(len(lines), 0)


def create_server() -> AsynclintServer:
    server = AsynclintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsynclintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsynclintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AsynclintServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.endswith("/pyproject.toml"):
            ls.reload_configuration()
        else:
            ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsynclintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: AsynclintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
            ls.reload_configuration()
            return
        open_documents = set(ls.workspace.text_documents)
        for change in params.changes:
            path = to_fs_path(change.uri)
            if change.uri in open_documents or not path or not path.endswith((".py", ".pyi")):
                continue  # an open buffer is what counts, not the disk
            project = ls.project_for(path)
            exists = change.type != types.FileChangeType.Deleted and os.path.isfile(path)
            summary = project.linter.lint_path(path).result.summary if exists else None
            if project.update(path, summary):
                ls.refresh_others(change.uri, project)

    @server.feature(types.INITIALIZED)
    def initialized(ls: AsynclintServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched and watched.dynamic_registration:
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="asynclint-watched-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[
                                    types.FileSystemWatcher(glob_pattern="**/*.py"),
                                    types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                                ]
                            ),
                        )
                    ]
                )
            )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL],
            resolve_provider=False,
        ),
    )
    def code_action(ls: AsynclintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AsynclintServer, params: types.HoverParams) -> Optional[types.Hover]:
        return ls.hover(params)

    return server


def serve() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    create_server().start_io()
