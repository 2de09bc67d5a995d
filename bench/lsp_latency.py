"""Re-lint latency of `asynclint server` after an edit, measured as an editor sees it.

    python bench/lsp_latency.py [--project DIR] [--file RELATIVE] [--edits N] [--in-process]

A copy of a corpus project (default python-telegram-bot, whose `telegram/ext/_application.py` has
about 2,000 lines) goes to a temporary directory (the corpus is never written to). A real LSP
client starts the server over stdio, opens the file, waits for the first diagnostics (which
include indexing the project), then makes N edits, each a one-line change inside a coroutine, and
times each from sending `didChange` to receiving the diagnostics for it. Prints the median and
the 90th percentile. The machine may be shared, so after each edit the benchmark also times
libcst's parse alone of the same text in its own process: the ratio of the two is the figure that
travels between machines and loads. `--in-process` leaves the LSP out: in one process, the
server's project index is loaded the same way, then libcst's parse of the edited text, a lint with
a full parse, and the server's re-lint (the re-parse of the edited method, then the rules) are
timed alternately, so all three see the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst
from lsprotocol import types
from pygls.lsp.client import LanguageClient

CORPUS = Path(__file__).resolve().parent / "corpus"


def edit_target(lines: list[str]) -> tuple[int, str]:
    """Where the edits go, and its indentation: a statement inside a coroutine in the middle of
    the file, before which a line appears and disappears."""
    target = next(
        (index for index in range(len(lines) // 2, len(lines)) if lines[index].lstrip().startswith("await ")),
        len(lines) // 2,
    )
    return target, lines[target][: len(lines[target]) - len(lines[target].lstrip())]


async def measure(root: Path, relative: str, edits: int) -> tuple[list[float], list[float], float, int, int]:
    client = LanguageClient("asynclint-bench", "1")
    received: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        received.put_nowait((time.perf_counter(), params))

    await client.start_io(sys.executable, "-m", "asynclint", "server")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri()))
    client.initialized(types.InitializedParams())
    path = root / relative
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    target, indent = edit_target(lines)
    started = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    first_at, first = await received.get()
    first_seconds = first_at - started
    timings = []
    parses = []
    for version in range(2, edits + 2):
        edited = lines[:target] + [f"{indent}pending = {version}\n"] + lines[target:] if version % 2 else lines
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(text="".join(edited))],
            )
        )
        while True:
            at, params = await received.get()
            if params.uri == uri and params.version == version:
                break
        timings.append(at - sent)
        data = "".join(edited).encode("utf-8")
        parse_started = time.perf_counter()
        cst.parse_module(data)
        parses.append(time.perf_counter() - parse_started)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return timings, parses, first_seconds, len(lines), len(first.diagnostics)


def in_process(root: Path, relative: str, rounds: int) -> None:
    from asynclint.config import load_config
    from asynclint.engine.incremental import ParsedBuffer
    from asynclint.server import Project

    path = root / relative
    project = Project(load_config([str(path.parent)]))
    print(project.load(os.cpu_count() or 1, str(path)))
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    target, indent = edit_target(lines)
    buffer = ParsedBuffer(text, cst.parse_module(text))
    buffer.prime()
    parses, fulls, edits = [], [], []
    for version in range(rounds):
        edited = "".join(lines[:target] + [f"{indent}pending = {version}\n"] + lines[target:] if version % 2 else lines)
        data = edited.encode("utf-8")
        started = time.perf_counter()
        cst.parse_module(data)
        parses.append(time.perf_counter() - started)
        started = time.perf_counter()
        project.linter.lint(str(path), data, project=project.index)
        fulls.append(time.perf_counter() - started)
        started = time.perf_counter()
        tree = buffer.follow(edited)  # what the server does after an edit
        project.linter.lint(str(path), data, project=project.index, tree=tree)
        edits.append(time.perf_counter() - started)
        assert tree is not None, "the edit took the full parse"
    print(f"{relative}: libcst parse {summary(parses)}")
    print(f"{relative}: lint with a full parse {summary(fulls)}")
    print(f"{relative}: re-lint after the edit (re-parse of the method, rules, findings placed) {summary(edits)}")
    print(f"ratio of medians (re-lint / parse): {statistics.median(edits) / statistics.median(parses):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default=str(CORPUS / "python-telegram-bot"))
    parser.add_argument("--file", default="telegram/ext/_application.py")
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--in-process", action="store_true", help="time parse and re-lint in one process, no LSP")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asynclint-lsp-") as directory:
        root = Path(directory) / "project"
        shutil.copytree(arguments.project, root, ignore=shutil.ignore_patterns(".asynclint_cache", ".git"))
        if not (root / "pyproject.toml").exists() and (CORPUS / "pyproject.toml").exists():
            # A corpus project is checked with the corpus's settings; a pyproject.toml also makes
            # the copy a project, so the server indexes it (cross-module answers) as in real use.
            shutil.copy(CORPUS / "pyproject.toml", root / "pyproject.toml")
        if arguments.in_process:
            in_process(root, arguments.file, arguments.edits)
            return
        timings, parses, first, lines, findings = asyncio.run(measure(root, arguments.file, arguments.edits))
    print(f"file: {arguments.file} ({lines} lines, {findings} findings) in {Path(arguments.project).name}")
    print(f"open (indexes the project, cold cache): {first * 1000:.0f} ms")
    print(f"re-lint after an edit, {len(timings)} edits: {summary(timings)}")
    print(f"libcst parse alone of the same text, same run: {summary(parses)}")
    print(f"ratio of medians (re-lint / parse): {statistics.median(timings) / statistics.median(parses):.2f}")


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return (
        f"median {statistics.median(ordered) * 1000:.0f} ms, p90 {ordered[max(int(len(ordered) * 0.9) - 1, 0)] * 1000:.0f} ms, "
        f"min {ordered[0] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
