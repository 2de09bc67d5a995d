"""The result cache: `.asynclint_cache/` at the project root, keyed by file content and settings.

An entry is a file's *unresolved* result (diagnostics with their pending cross-file conditions, and
the facts it contributes to the project index), so cross-file findings are recomputed on every run
from cached facts: editing `bus.py` changes what `handlers.py` reports without re-linting it.
A stat index (mtime, size, inode → content key) lets an unchanged tree skip reading files at all.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Optional

import asynclint
from asynclint.config import Config
from asynclint.engine.diagnostics import FileResult
from asynclint.engine.writer import write_atomic
from asynclint.semantics import coroutines

DIRECTORY = ".asynclint_cache"


@cache
def _package_digest() -> str:
    """Changes whenever asynclint's own code or catalog changes, so a new rule is never served stale."""
    digest = hashlib.blake2b(asynclint.__version__.encode(), digest_size=16)
    package = Path(asynclint.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def content_key(data: bytes, salt: str) -> str:
    return hashlib.blake2b(data, digest_size=20, key=salt.encode()[:64]).hexdigest()


def _write(path: Path, data: bytes) -> None:
    write_atomic(str(path), data, durable=False)  # a lost entry is only a cache miss


class ResultCache:
    def __init__(self, config: Config):
        self.root = Path(config.root) / DIRECTORY
        self.salt = hashlib.blake2b(
            (config.fingerprint() + _package_digest()).encode(), digest_size=16
        ).hexdigest()
        self.entries = self.root / self.salt
        self.index_path = self.entries / "index.pickle"
        self.index: dict[str, tuple[int, int, int, str]] = {}
        self.changed = False
        # The installed libraries this run answers against (a few stats of the search path).
        self.library_fingerprint = coroutines.library_fingerprint()
        self.library_answers_loaded = -1
        try:
            with open(self.index_path, "rb") as stream:
                loaded = pickle.load(stream)
            if isinstance(loaded, dict):
                self.index = loaded
        except Exception:  # missing or corrupted: start empty
            self.index = {}

    @staticmethod
    def _stat(path: str) -> Optional[tuple[int, int, int]]:
        try:
            info = os.stat(path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def lookup(self, path: str) -> Optional[FileResult]:
        """The cached result when the file's stat is unchanged since it was stored."""
        entry = self.index.get(os.path.abspath(path))
        if entry is None or self._stat(path) != entry[:3]:
            return None
        return self._load(entry[3], path)

    def _load(self, key: str, path: str) -> Optional[FileResult]:
        try:
            with open(self.entries / f"{key}.pickle", "rb") as stream:
                result = pickle.load(stream)
        except Exception:
            return None
        if not isinstance(result, FileResult):
            return None
        result.path = path
        for diagnostic in result.diagnostics:
            diagnostic.path = path
        if result.summary is not None:
            result.summary.path = path
        return result

    def store(self, path: str, key: str, result: FileResult) -> None:
        stat = self._stat(path)
        if stat is None:
            return
        try:
            self.entries.mkdir(parents=True, exist_ok=True)
            ignore = self.root / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Automatically created by asynclint.\n*\n")
            _write(self.entries / f"{key}.pickle", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return  # a read-only tree simply runs uncached
        self.index[os.path.abspath(path)] = (*stat, key)
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            _write(self.index_path, pickle.dumps(self.index, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass

    # -- a whole run over an unchanged tree ------------------------------------------------------
    def run_key(self, files: list[str]) -> Optional[str]:
        """Identifies this exact set of files in this exact state (and the installed libraries
        they were checked against); None when a file cannot be stat'ed."""
        digest = hashlib.blake2b(self.library_fingerprint.encode(), digest_size=20)
        for path in files:
            stat = self._stat(path)
            if stat is None:
                return None
            digest.update(f"{path}\0{os.path.abspath(path)}\0{stat}\0".encode())  # paths as shown
        return digest.hexdigest()

    def remembered_run(self, key: str) -> Optional[list[FileResult]]:
        """The final results of the last run when it saw exactly the same tree: an unchanged tree
        costs a stat per file and one small read."""
        try:
            with open(self.entries / "last-run.pickle", "rb") as stream:
                stored_key, results = pickle.load(stream)
        except Exception:
            return None
        if stored_key != key or not isinstance(results, list):
            return None
        return results

    def remember_run(self, key: str, results: list[FileResult]) -> None:
        final = [replace(result, summary=None) for result in results]
        try:
            self.entries.mkdir(parents=True, exist_ok=True)
            _write(self.entries / "last-run.pickle", pickle.dumps((key, final), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass

    # -- what installed libraries answered (is `lib.Client.send` an `async def`?) ----------------
    def load_library_answers(self) -> None:
        """Reuse earlier answers when the installed libraries are the same as then."""
        try:
            with open(self.entries / "libraries.pickle", "rb") as stream:
                fingerprint, answers = pickle.load(stream)
        except Exception:
            return
        if fingerprint == self.library_fingerprint and isinstance(answers, dict):
            coroutines.remember_library_answers(answers)
            self.library_answers_loaded = len(answers)

    def save_library_answers(self) -> None:
        answers = coroutines.library_answers()
        if len(answers) == self.library_answers_loaded:
            return
        try:
            self.entries.mkdir(parents=True, exist_ok=True)
            payload = (self.library_fingerprint, dict(answers))
            _write(self.entries / "libraries.pickle", pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass
