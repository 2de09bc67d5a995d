"""`asynclint server` driven by a real LSP client (pytest-lsp) over stdio, in a subprocess.

Every answer is compared with what the CLI says about the same text, so the editor and the
command line cannot drift apart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli

pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import make_test_lsp_client  # noqa: E402

pytestmark = pytest.mark.asyncio


class Published(dict):
    """pytest-lsp's record of the last diagnostics per document, which also queues every
    notification: waiting for the next one can then never miss one that arrived in between."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue = asyncio.Queue()

    def __setitem__(self, uri: str, diagnostics: list) -> None:
        super().__setitem__(uri, diagnostics)
        self.queue.put_nowait((uri, list(diagnostics)))


@contextlib.asynccontextmanager
async def session(root: Path, watched_files: bool = False):
    client = make_test_lsp_client()
    client.diagnostics = Published()
    await client.start_io(sys.executable, "-m", "asynclint", "server")
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watched_files)
        )
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    try:
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


async def published(client, uri: str, after=None) -> list[types.Diagnostic]:
    """The next diagnostics published for `uri` (waiting past other documents' notifications)."""
    for _ in range(20):
        published_uri, diagnostics = await asyncio.wait_for(client.diagnostics.queue.get(), 30)
        if published_uri == uri:
            return diagnostics
    raise AssertionError(f"no diagnostics for {uri}")


async def open_document(client, path: Path, text: str | None = None, version: int = 1) -> list[types.Diagnostic]:
    text = path.read_text() if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(path.as_uri(), "python", version, text))
    )
    return await published(client, path.as_uri())


async def change_document(client, path: Path, text: str, version: int) -> list[types.Diagnostic]:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=path.as_uri()),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    return await published(client, path.as_uri())


def cli_findings(root: Path, path: Path) -> list[tuple]:
    """What a full CLI run over the project reports for `path`."""
    result = run_cli("--no-cache", "--output-format", "json", "--exit-zero", ".", cwd=root)
    return sorted(
        (d["code"], d["line"], d["column"], d["end_line"], d["end_column"], d["message"])
        for d in json.loads(result.stdout)
        if (root / d["path"]).resolve() == path.resolve()
    )


def lsp_findings(diagnostics: list[types.Diagnostic]) -> list[tuple]:
    """Back to the CLI's 1-based columns (ASCII sources: UTF-16 units are code points)."""
    return sorted(
        (
            d.code,
            d.range.start.line + 1,
            d.range.start.character + 1,
            d.range.end.line + 1,
            d.range.end.character + 1,
            d.message,
        )
        for d in diagnostics
    )


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (positions in UTF-16 units) the way an editor does."""
    lines = text.splitlines(keepends=True) or [""]

    def offset(position: types.Position) -> int:
        before = sum(len(line) for line in lines[: position.line])
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        units = 0
        for index, character in enumerate(line):
            if units >= position.character:
                return before + index
            units += 2 if ord(character) > 0xFFFF else 1
        return before + len(line)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


PROJECT = {
    "pyproject.toml": """\
        [tool.asynclint]
        extend-select = ["ASY401", "ASY110", "ASY103"]
        ignore = ["ASY109"]
        """,
    "pkg/__init__.py": "",
    "pkg/remote.py": """\
        import requests

        async def fetch(url):
            return url

        def load(url):
            return requests.get(url, timeout=None)
        """,
    "pkg/app.py": """\
        import asyncio
        import time

        from pkg.remote import fetch, load


        async def handler(url):
            fetch(url)
            load(url)
            time.sleep(1)
            asyncio.get_event_loop()
            asyncio.create_task(fetch(url))
        """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return root


async def test_diagnostics_are_the_clis_with_cross_module_findings_and_workspace_settings(tmp_path):
    root = write(tmp_path, PROJECT)
    app = root / "pkg" / "app.py"
    async with session(root) as client:
        diagnostics = await open_document(client, app)
    found = lsp_findings(diagnostics)
    assert found == cli_findings(root, app)
    codes = {item[0] for item in found}
    # Cross-module: `fetch` is a coroutine of another (unopened) module, `load` blocks through it.
    assert {"ASY200", "ASY110", "ASY100", "ASY201"} <= codes
    assert "ASY109" not in codes  # ignored in the workspace's pyproject.toml
    assert all(d.source == "asynclint" and d.severity == types.DiagnosticSeverity.Warning for d in diagnostics)


async def test_edits_relint_and_a_changed_module_updates_the_other_open_modules(tmp_path):
    root = write(tmp_path, PROJECT)
    app, remote = root / "pkg" / "app.py", root / "pkg" / "remote.py"
    async with session(root) as client:
        before = await open_document(client, app)
        assert "ASY200" in {d.code for d in before}
        await open_document(client, remote)
        # `fetch` stops being a coroutine function in the (unsaved) buffer of remote.py ...
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=2, uri=remote.as_uri()),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(2, 0), types.Position(2, 6)), text=""
                    )
                ],
            )
        )
        # ... so app.py, which was not edited, no longer reports calling it without await.
        after = await published(client, app.as_uri())
        assert "ASY200" not in {d.code for d in after}
        assert "ASY100" in {d.code for d in after}
        # An edit to app.py itself: the sleep goes, a new finding comes.
        text = app.read_text().replace("time.sleep(1)", "open('x').read()")
        edited = await change_document(client, app, text, 2)
    codes = {d.code for d in edited}
    assert "ASY100" not in codes and "ASY103" in codes


async def test_code_actions_apply_the_clis_fixes_and_add_noqa(tmp_path):
    root = write(tmp_path, PROJECT)
    app = root / "pkg" / "app.py"
    text = app.read_text()
    async with session(root) as client:
        diagnostics = await open_document(client, app)
        sleep = next(d for d in diagnostics if d.code == "ASY100")
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(app.as_uri()), sleep.range, types.CodeActionContext(diagnostics=[sleep])
            )
        )
        task = next(d for d in diagnostics if d.code == "ASY201")
        task_actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(app.as_uri()), task.range, types.CodeActionContext(diagnostics=[task])
            )
        )
        fix_all = await client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(app.as_uri()),
                types.Range(types.Position(0, 0), types.Position(0, 0)),
                types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
            )
        )
    titles = [action.title for action in actions]
    fix = next(action for action in actions if "(ASY100)" in action.title)
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    fixed = apply_edits(text, fix.edit.document_changes[0].edits)
    assert "await asyncio.sleep(1)" in fixed and "time.sleep" not in fixed
    # Only that finding is fixed: the other fixable ones are untouched.
    assert "asyncio.get_event_loop()" in fixed
    noqa = next(action for action in actions if "noqa" in action.title)
    assert apply_edits(text, noqa.edit.document_changes[0].edits) == text.replace(
        "time.sleep(1)\n", "time.sleep(1)  # noqa: ASY100\n"
    )
    assert len([action for action in actions if action.kind == types.CodeActionKind.QuickFix]) == 2
    assert titles[-1].startswith("Fix all")  # offered everywhere when the client asks for no kind
    unsafe = next(action for action in task_actions if "(ASY201" in action.title)
    assert "unsafe" in unsafe.title and not unsafe.is_preferred
    # "Fix all" is exactly the CLI's --fix on the same text.
    (action,) = fix_all
    assert action.kind == "source.fixAll.asynclint"
    cli = run_cli("--fix", "--exit-zero", "--no-cache", "--stdin-filename", str(app), cwd=root, stdin=text)
    assert apply_edits(text, action.edit.document_changes[0].edits) == cli.stdout


async def test_hover_on_a_finding_shows_its_rule_page(tmp_path):
    root = write(tmp_path, PROJECT)
    app = root / "pkg" / "app.py"
    async with session(root) as client:
        diagnostics = await open_document(client, app)
        sleep = next(d for d in diagnostics if d.code == "ASY100")
        inside = types.Position(sleep.range.start.line, sleep.range.start.character + 2)
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(app.as_uri()), inside)
        )
        elsewhere = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(app.as_uri()), types.Position(0, 0))
        )
    page = (Path(__file__).resolve().parent.parent / "rules" / "ASY100.md").read_text()
    assert hover is not None and hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value == page
    assert elsewhere is None


async def test_positions_are_utf16_and_syntax_errors_keep_the_server_alive(tmp_path):
    root = write(tmp_path, {"pyproject.toml": "[tool.asynclint]\n", "emoji.py": ""})
    path = root / "emoji.py"
    text = 'import time\n\nasync def f():\n    label = "😀"; time.sleep(1)\n'
    async with session(root) as client:
        diagnostics = await open_document(client, path, text)
        broken = await change_document(client, path, "async def f(:\n", 2)
        again = await change_document(client, path, text, 3)
    (sleep,) = diagnostics
    code_points = text.splitlines()[3].index("time")
    # `😀` is one code point for the CLI but two UTF-16 units, LSP's default encoding.
    assert (sleep.range.start.line, sleep.range.start.character) == (3, code_points + 1)
    path.write_text(text)
    assert cli_findings(root, path)[0][1:3] == (4, code_points + 1)  # 1-based code points
    assert [d.code for d in broken] == ["ASY001"] and broken[0].severity == types.DiagnosticSeverity.Error
    assert [d.code for d in again] == ["ASY100"]


async def test_saving_pyproject_reloads_the_settings(tmp_path):
    root = write(tmp_path, PROJECT)
    app = root / "pkg" / "app.py"
    async with session(root) as client:
        before = await open_document(client, app)
        pyproject = root / "pyproject.toml"
        pyproject.write_text('[tool.asynclint]\nignore = ["ASY100"]\n')
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(pyproject.as_uri())))
        after = await published(client, app.as_uri())
    assert "ASY100" in {d.code for d in before}
    assert "ASY100" not in {d.code for d in after} and "ASY109" in {d.code for d in after}
    assert lsp_findings(after) == cli_findings(root, app)


async def test_changes_on_disk_of_unopened_modules_update_the_index(tmp_path):
    root = write(tmp_path, PROJECT)
    app, remote = root / "pkg" / "app.py", root / "pkg" / "remote.py"
    async with session(root, watched_files=True) as client:
        before = await open_document(client, app)
        remote.write_text(remote.read_text().replace("async def fetch", "def fetch"))
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(remote.as_uri(), types.FileChangeType.Changed)])
        )
        after = await published(client, app.as_uri())
    assert "ASY200" in {d.code for d in before}
    assert "ASY200" not in {d.code for d in after}
    assert lsp_findings(after) == cli_findings(root, app)


async def test_the_index_comes_from_the_project_summary_and_follows_changed_modules(tmp_path):
    """A warm cache: the server reads every module's facts from the one project-summary entry (the
    per-file entry of the unopened module is gone and not rebuilt), and a module changed on disk
    since then is linted again instead of believed."""
    root = write(tmp_path, PROJECT)
    app, remote = root / "pkg" / "app.py", root / "pkg" / "remote.py"
    warm = run_cli("--exit-zero", ".", cwd=root)
    assert "Traceback" not in warm.stderr
    (index_file,) = (root / ".asynclint_cache").rglob("index.json")
    index = json.loads(index_file.read_bytes().partition(b"\n")[2])
    remote_entry = index["files"][str(remote)][3] + ".json"
    (entry,) = (root / ".asynclint_cache").rglob(remote_entry)
    entry.unlink()
    async with session(root) as client:
        before = await open_document(client, app)
    assert not list((root / ".asynclint_cache").rglob(remote_entry))
    assert {"ASY200", "ASY110"} <= {d.code for d in before}
    assert lsp_findings(before) == cli_findings(root, app)
    remote.write_text(remote.read_text().replace("async def fetch", "def fetch"))
    async with session(root) as client:
        after = await open_document(client, app)
    assert "ASY200" not in {d.code for d in after}
    assert lsp_findings(after) == cli_findings(root, app)


SERVICE = """\
import asyncio
import time

import requests

from pkg.remote import fetch


class Worker:
    \"\"\"Polls a queue.\"\"\"

    def __init__(self):
        self.tasks = set()

    async def poll(self, url):
        await asyncio.sleep(1)
        return url

    async def push(self, url):
        fetch(url)
        return None

    def helper(self):
        return requests.get("http://example.com", timeout=5)

    async def last(self):
        await self.poll("x")
"""


async def test_edits_re_parse_one_method_and_answer_as_the_cli_does_on_each_version(tmp_path):
    """The server re-parses only the method an edit touches (tests/test_incremental.py); whatever
    the edit, what it publishes is what the CLI says about the same text."""
    root = write(tmp_path, {**PROJECT, "pkg/service.py": SERVICE})
    path = root / "pkg" / "service.py"
    steps = [
        ("        await asyncio.sleep(1)\n", "        await asyncio.sleep(1)\n        time.sleep(2)\n"),  # in a method
        ("        fetch(url)\n", "        fetch(url)\n        asyncio.create_task(fetch(url))\n"),
        ("        time.sleep(2)\n", ""),  # a line deleted
        ("    def helper(self):\n", "    async def helper(self):\n"),  # a def line: the callers change
        ("        await self.poll(\"x\")\n", "        await self.poll(\"x\")\n        self.helper()\n"),
        ("        return None\n", "        return (\n"),  # half typed: a syntax error
        ("        return (\n", "        return None\n"),  # and finished
        ("class Worker:\n", "class Worker(object):\n"),  # the class header
        ("        await self.poll(\"x\")\n", "        await self.poll(\"x\")\n\n    async def more(self):\n        time.sleep(3)\n"),
        ("", "\n\nasync def tail():\n    time.sleep(4)\n"),  # typed at the end of the file
    ]
    text = SERVICE
    async with session(root) as client:
        await open_document(client, path, text)
        for version, (old, new) in enumerate(steps, start=2):
            text = text + new if not old else text.replace(old, new, 1)
            diagnostics = await change_document(client, path, text, version)
            path.write_text(text)
            assert lsp_findings(diagnostics) == cli_findings(root, path), (version, old, new)
    codes = {item[0] for item in lsp_findings(diagnostics)}
    assert {"ASY100", "ASY200", "ASY201"} <= codes
