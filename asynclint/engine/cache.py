"""The result cache: `.asynclint_cache/` at the project root, keyed by file content and settings.

An entry is a file's *unresolved* result (diagnostics with their pending cross-file conditions, and
the facts it contributes to the project index), so cross-file findings are recomputed on every run
from cached facts: editing `bus.py` changes what `handlers.py` reports without re-linting it.
A stat index (mtime, size, inode → content key) lets an unchanged tree skip reading files at all.

The cache sits inside the checked repository, so its files are untrusted input: a repository can
ship a `.asynclint_cache/` of its own. Nothing read from it can run code or stop the run:

- entries are JSON (data only), checked field by field when loaded;
- each file carries an HMAC-SHA256 under a secret kept in the user's cache directory, outside any
  project, and covering the file's name and the settings it was written for: a shipped, copied,
  renamed or edited entry does not verify and is ignored (then rebuilt);
- files are opened without following links and read only when they are regular files of sane size
  (a FIFO would block, a device never end), and a cache directory that is a link is not used;
- with no project root (no pyproject.toml or .git around the paths) the cache goes under the
  user's cache directory, never into whatever the current directory happens to be.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import stat
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any, Collection, Iterator, Optional

import asynclint
from asynclint.config import Config
from asynclint.engine.diagnostics import Diagnostic, FileResult, FixInfo, ModuleSummary
from asynclint.engine.writer import write_atomic
from asynclint.registry import RULES_BY_CODE
from asynclint.semantics import libraries

DIRECTORY = ".asynclint_cache"
FORMAT = b"asynclint-cache-1"
_MAX_READ = 512 * 1024 * 1024  # bigger than any real index; a shipped giant file is not read
_SECRET_BYTES = 32
_HEX = frozenset("0123456789abcdef")
_SCALARS = frozenset((str, int, float, bool, type(None)))
PROJECT_SUMMARY = "project-summary.json"


@cache
def _package_digest() -> str:
    """Changes whenever asynclint's own code or catalog changes, so a new rule is never served stale."""
    digest = hashlib.blake2b(asynclint.__version__.encode(), digest_size=16)
    package = Path(asynclint.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def content_key(data: bytes, salt: str, path: str) -> str:
    """The entry's name: the file's bytes and where it is (its module name and per-file-ignores
    depend on the path, so two files with the same text do not share a result)."""
    digest = hashlib.blake2b(digest_size=20, key=salt.encode()[:64])
    digest.update(os.fsencode(os.path.abspath(path)) + b"\0")
    digest.update(data)
    return digest.hexdigest()


# -- where things live --------------------------------------------------------------------------
def user_cache_dir() -> Path:
    """The per-user cache directory (XDG on Linux, ~/Library/Caches on macOS, LOCALAPPDATA on
    Windows), `asynclint` inside it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return Path(base) / "asynclint" / "Cache"
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~")) / "Library" / "Caches" / "asynclint"
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "asynclint"


def has_project_root(root: str) -> bool:
    return os.path.isfile(os.path.join(root, "pyproject.toml")) or os.path.exists(os.path.join(root, ".git"))


def cache_directory(config: Config) -> Path:
    """`.asynclint_cache/` at the project root; under the user's cache directory (one
    subdirectory per checked directory) when the paths have no project around them."""
    root = os.path.abspath(config.root)
    if config.source is not None or has_project_root(root):
        return Path(root) / DIRECTORY
    name = hashlib.blake2b(os.fsencode(root), digest_size=16).hexdigest()
    return user_cache_dir() / "directories" / name


def _inside(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(directory)]) == os.path.abspath(directory)
    except ValueError:  # different drives
        return False


@cache
def _secret_at(location: str) -> Optional[bytes]:
    """This user's cache key: random bytes in a file only the user can read, created on first use.
    None (run uncached) when it cannot be read or created safely."""
    path = Path(location)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    for _ in range(2):
        try:
            handle = os.open(path, flags)
        except FileNotFoundError:
            secret = os.urandom(_SECRET_BYTES)
            try:
                created = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                continue  # another run created it first: read that one
            except OSError:
                return None
            with os.fdopen(created, "wb") as stream:
                stream.write(secret)
            return secret
        except OSError:
            return None
        with os.fdopen(handle, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
                return None  # someone else's, or readable by others: not a secret
            secret = stream.read(_SECRET_BYTES + 1)
        return secret if len(secret) == _SECRET_BYTES else None
    return None


def user_secret(project_root: Optional[str]) -> Optional[bytes]:
    location = user_cache_dir() / "secret"
    if project_root is not None and _inside(str(location), project_root):
        return None  # a key the checked repository could have shipped is no key
    return _secret_at(str(location))


def _read_regular(path: Path) -> Optional[bytes]:
    """A file's bytes when it is a regular file (not a link, FIFO or device) of sane size."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_READ:
            return None
        with os.fdopen(handle, "rb") as stream:
            handle = -1
            return stream.read(_MAX_READ + 1)
    except OSError:
        return None
    finally:
        if handle != -1:
            os.close(handle)


def _write(path: Path, data: bytes) -> None:
    write_atomic(str(path), data, durable=False)  # a lost entry is only a cache miss


# -- encoding: JSON, with tuples kept as tuples -------------------------------------------------
class _Invalid(Exception):
    """A cache file that does not have the expected shape."""


def _plain(value: Any) -> bool:
    """Whether JSON gives this value back exactly (no tuples, only string keys, finite numbers)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list:
        return all(_plain(item) for item in value)
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    return False


def _tag(value: Any) -> Any:
    """Any plain-data value as JSON in which every container says what it was."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float and math.isfinite(value):
        return value
    if kind is tuple:
        return {"t": [_tag(item) for item in value]}
    if kind is list:
        return {"l": [_tag(item) for item in value]}
    if kind is dict:
        return {"d": [[_tag(key), _tag(item)] for key, item in value.items()]}
    raise TypeError(f"not plain data: {kind.__name__}")


def _untag(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is dict and len(value) == 1:
        ((tag, items),) = value.items()
        if type(items) is list:
            if tag == "t":
                if all(type(item) in _SCALARS for item in items):
                    return tuple(items)  # the usual condition or fact: a tuple of names
                return tuple(_untag(item) for item in items)
            if tag == "l":
                return [_untag(item) for item in items]
            if tag == "d":
                result = {}
                for pair in items:
                    if type(pair) is not list or len(pair) != 2:
                        raise _Invalid("bad mapping")
                    key = _untag(pair[0])
                    if isinstance(key, (list, dict)):
                        raise _Invalid("unhashable key")
                    result[key] = _untag(pair[1])
                return result
    raise _Invalid("bad tagged value")


def _encode_result(result: FileResult) -> dict[str, Any]:
    diagnostics = []
    for d in result.diagnostics:
        fix = None if d.fix is None else [d.fix.applicability, d.fix.message]
        condition = None if d.condition is None else _tag(d.condition)
        diagnostics.append([d.code, d.message, d.line, d.column, d.end_line, d.end_column, fix, condition, d.source_line])
    return {
        "path": result.path,
        "diagnostics": diagnostics,
        "summary": _encode_summary(result.summary),
        "errors": list(result.errors),
        "warnings": list(result.warnings),
    }


def _encode_summary(summary: Optional[ModuleSummary]) -> Optional[dict[str, Any]]:
    if summary is None:
        return None
    plain: dict[str, dict[str, Any]] = {}
    tagged = []
    for kind, entries in summary.facts.items():
        plain[kind] = {}
        for key, value in entries.items():
            if _plain(value):
                plain[kind][key] = value
            else:
                tagged.append([kind, key, _tag(value)])
    return {"module": summary.module_name, "facts": plain, "tagged": tagged}


def _decode_summary(summary_data: Any, path: str) -> Optional[ModuleSummary]:
    if summary_data is None:
        return None
    if type(summary_data) is not dict:
        raise _Invalid("summary")
    module, facts, tagged = summary_data.get("module"), summary_data.get("facts"), summary_data.get("tagged")
    if type(module) is not str or type(facts) is not dict or type(tagged) is not list:
        raise _Invalid("summary fields")
    if not all(type(entries) is dict for entries in facts.values()):
        raise _Invalid("facts")
    for item in tagged:
        if type(item) is not list or len(item) != 3 or type(item[0]) is not str or type(item[1]) is not str:
            raise _Invalid("tagged fact")
        facts.setdefault(item[0], {})[item[1]] = _untag(item[2])
    return ModuleSummary(module, path, facts)


def _decode_result(data: Any, path: Optional[str] = None) -> FileResult:
    """A FileResult from its JSON form, every field checked; `path` replaces the stored one."""
    if type(data) is not dict:
        raise _Invalid("result")
    shown = data.get("path") if path is None else path
    diagnostics_data, summary_data, errors = data.get("diagnostics"), data.get("summary"), data.get("errors")
    if type(shown) is not str or type(diagnostics_data) is not list or type(errors) is not list:
        raise _Invalid("result fields")
    if not all(type(error) is str for error in errors):
        raise _Invalid("errors")
    warnings = data.get("warnings", [])
    if type(warnings) is not list or not all(type(warning) is str for warning in warnings):
        raise _Invalid("warnings")
    diagnostics = []
    for item in diagnostics_data:
        if type(item) is not list or len(item) != 9:
            raise _Invalid("diagnostic")
        code, message, line, column, end_line, end_column, fix, condition, source_line = item
        if code not in RULES_BY_CODE or type(message) is not str or type(source_line) is not str:
            raise _Invalid("diagnostic text")
        if not (type(line) is int and type(column) is int and type(end_line) is int and type(end_column) is int):
            raise _Invalid("diagnostic position")
        fix_info = None
        if fix is not None:
            if type(fix) is not list or len(fix) != 2 or fix[0] not in ("safe", "unsafe") or type(fix[1]) is not str:
                raise _Invalid("fix")
            fix_info = FixInfo(fix[0], fix[1])
        pending = None
        if condition is not None:
            pending = _untag(condition)
            if type(pending) is not tuple:
                raise _Invalid("condition")
        diagnostics.append(
            Diagnostic(code, message, shown, line, column, end_line, end_column, fix_info, pending, source_line)
        )
    return FileResult(shown, diagnostics, _decode_summary(summary_data, shown), list(errors), list(warnings))


# -- the cache ---------------------------------------------------------------------------------
class ResultCache:
    def __init__(self, config: Config):
        self.root = cache_directory(config)
        self.salt = hashlib.blake2b(
            (config.fingerprint() + _package_digest()).encode(), digest_size=16
        ).hexdigest()
        self.entries = self.root / self.salt
        self.index_path = self.entries / "index.json"
        self._index: Optional[dict[str, tuple[int, int, int, str]]] = None
        self.changed = False
        project = os.path.abspath(config.root) if self.root.name == DIRECTORY else None
        self.secret = user_secret(project)
        # A cache directory that is a link (shipped by the repository) could point anywhere.
        self.usable = self.secret is not None and not any(
            os.path.islink(path) for path in (self.root, self.entries)
        )
        # The installed libraries this run answers against (a few stats of the search path).
        self.library_fingerprint = libraries.library_fingerprint(config.python)
        self._project_summary_key: Optional[str] = None  # the project summary's, once read or written
        self._project_summary_modules: dict[str, Any] = {}  # its records, once read
        self._project_summary_read = False

    # -- authenticated files -----------------------------------------------------------------
    def _mac(self, name: str, payload: bytes) -> bytes:
        assert self.secret is not None
        message = b"\0".join((FORMAT, self.salt.encode(), name.encode(), payload))
        return hmac.digest(self.secret, message, "sha256").hex().encode()

    def _read(self, name: str) -> Any:
        """The JSON value stored under `name`, or None when absent, foreign, edited or corrupt."""
        if not self.usable:
            return None
        data = _read_regular(self.entries / name)
        if data is None:
            return None
        header, _, payload = data.partition(b"\n")
        expected = FORMAT + b" " + self._mac(name, payload)
        if not hmac.compare_digest(header, expected):
            return None
        try:
            return json.loads(payload)
        except (ValueError, RecursionError):
            return None

    def _save(self, name: str, value: Any) -> bool:
        if not self.usable:
            return False
        try:
            payload = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
                "utf-8", "surrogatepass"
            )
        except (TypeError, ValueError):
            return False
        try:
            self._prepare()
            _write(self.entries / name, FORMAT + b" " + self._mac(name, payload) + b"\n" + payload)
        except OSError:
            return False  # a read-only tree simply runs uncached
        return True

    def _prepare(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.entries.mkdir(mode=0o700, exist_ok=True)
        if os.path.islink(self.root) or os.path.islink(self.entries):
            raise OSError("cache directory is a link")
        ignore = self.root / ".gitignore"
        if not (ignore.is_file() and not ignore.is_symlink()):
            # Replaced, never written through: a shipped link named .gitignore is not followed.
            _write(ignore, b"# Automatically created by asynclint.\n*\n")

    # -- per-file entries ------------------------------------------------------------------
    @property
    def index(self) -> dict[str, tuple[int, int, int, str]]:
        if self._index is None:
            self._index = {}
            stored = self._read("index.json")
            files = stored.get("files") if type(stored) is dict else None
            if type(files) is dict:
                for path, entry in files.items():
                    if (
                        type(entry) is list
                        and len(entry) == 4
                        and all(type(number) is int for number in entry[:3])
                        and _is_key(entry[3])
                    ):
                        self._index[path] = (entry[0], entry[1], entry[2], entry[3])
        return self._index

    @staticmethod
    def _stat(path: str) -> Optional[tuple[int, int, int]]:
        try:
            info = os.stat(path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def _current_key(self, path: str) -> Optional[str]:
        """The content key stored for `path`, while its stat is the one stored with it."""
        entry = self.index.get(os.path.abspath(path))
        if entry is None or self._stat(path) != entry[:3]:
            return None
        return entry[3]

    def _current_record(self, path: str, record: Any) -> bool:
        """A project-summary record ([key, facts, findings]) computed from `path` as it is now."""
        return type(record) is list and len(record) == 3 and record[0] == self._current_key(path)

    def lookup(self, path: str) -> Optional[FileResult]:
        """The cached result when the file's stat is unchanged since it was stored."""
        key = self._current_key(path) if self.usable else None
        return self._load(key, path) if key is not None else None

    def _load(self, key: str, path: str) -> Optional[FileResult]:
        stored = self._read(f"{key}.json")
        if stored is None:
            return None
        try:
            return _decode_result(stored, path)
        except (_Invalid, ValueError, TypeError, RecursionError):
            return None

    def store(self, path: str, key: str, result: FileResult) -> None:
        stat_now = self._stat(path)
        if stat_now is None or not self.usable:
            return
        try:
            encoded = _encode_result(result)
        except (TypeError, RecursionError):
            return  # facts that are not plain data: this file is simply linted every time
        if self._save(f"{key}.json", encoded):
            self.index[os.path.abspath(path)] = (*stat_now, key)
            self.changed = True

    def save(self) -> None:
        if self.changed:
            self._save("index.json", {"files": {path: list(entry) for path, entry in self.index.items()}})

    # -- placed cross-file findings ----------------------------------------------------------------
    # A file whose cross-file candidate stands is linted a second time, with the project, to place
    # it. What that lint gives depends only on the file and on the answers its candidates got (each
    # one's final message, or None, and whether its fix is kept): kept under both, a warm run whose
    # answers did not change places them without linting the file again.
    def _placed_key(self, key: str, answers: list[tuple[Optional[str], Optional[bool]]]) -> str:
        digest = hashlib.blake2b(key.encode(), digest_size=20)
        digest.update(json.dumps(answers, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def placed(self, path: str, answers: list[tuple[Optional[str], Optional[bool]]]) -> Optional[list[Diagnostic]]:
        """The diagnostics the second lint gave for this file, unchanged since, and these answers."""
        key = self._current_key(path) if self.usable else None
        if key is None:
            return None
        stored = self._read(f"{self._placed_key(key, answers)}.placed.json")
        if stored is None:
            return None
        try:
            return _decode_result(stored, path).diagnostics
        except (_Invalid, ValueError, TypeError, RecursionError):
            return None

    def store_placed(
        self, path: str, data: bytes, answers: list[tuple[Optional[str], Optional[bool]]], diagnostics: list[Diagnostic]
    ) -> None:
        key = self._placed_key(content_key(data, self.salt, path), answers)
        self._save(f"{key}.placed.json", _encode_result(FileResult(path, diagnostics)))

    # -- a whole run over an unchanged tree ------------------------------------------------------
    def run_key(self, files: list[str], extra: str = "") -> Optional[str]:
        """Identifies this exact set of files in this exact state (and the installed libraries
        they were checked against, and `extra`: the other settings of the run); None when a file
        cannot be stat'ed."""
        digest = hashlib.blake2b(self.library_fingerprint.encode(), digest_size=20)
        digest.update(extra.encode("utf-8", "surrogatepass"))
        for path in files:
            stat_now = self._stat(path)
            if stat_now is None:
                return None
            digest.update(f"{path}\0{os.path.abspath(path)}\0{stat_now}\0".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def remembered_run(self, key: str) -> Optional[list[FileResult]]:
        """The final results of the last run when it saw exactly the same tree: an unchanged tree
        costs a stat per file and one small read."""
        stored = self._read("last-run.json")
        if type(stored) is not dict or stored.get("key") != key or type(stored.get("results")) is not list:
            return None
        try:
            return [_decode_result(item) for item in stored["results"]]
        except (_Invalid, ValueError, TypeError, RecursionError):
            return None

    def remember_run(self, key: str, results: list[FileResult]) -> None:
        try:
            final = [_encode_result(replace(result, summary=None)) for result in results]
        except (TypeError, RecursionError):
            return
        self._save("last-run.json", {"key": key, "results": final})

    # -- the project summary: every module's facts (and findings) in one entry ----------------
    # A run given some files of a project (pre-commit, stdin, the flake8 plugin, the language
    # server opening a file) needs every other module's facts, and a full run after a few files
    # changed needs every unchanged module's findings too. Reading them back one entry per file
    # costs a read, a signature check and a decode for each of thousands of files; this one signed
    # entry holds them all, each with the content key it was computed from, so a module counts only
    # while its stat still leads to that same key. A record is [key, facts, findings], its findings
    # None when the run that wrote it needed only the module's facts.
    def _project_records(self, paths: list[str]) -> Iterator[tuple[str, list]]:
        """(absolute path, record) of those of `paths` unchanged since the entry was written."""
        if not self._project_summary_read:
            self._project_summary_read = True
            stored = self._read(PROJECT_SUMMARY) if self.usable else None
            if type(stored) is dict and type(stored.get("modules")) is dict and type(stored.get("key")) is str:
                self._project_summary_modules = stored["modules"]
                self._project_summary_key = stored["key"]
        modules = self._project_summary_modules
        for path in paths:
            absolute = os.path.abspath(path)
            record = modules.get(absolute)
            if record is not None and self._current_record(path, record):
                yield absolute, record

    def project_summaries(self, paths: list[str]) -> dict[str, Optional[ModuleSummary]]:
        """The stored facts of those of `paths` unchanged since the project summary was written
        (absolute path -> summary); the others are for the caller to lint."""
        found: dict[str, Optional[ModuleSummary]] = {}
        for absolute, record in self._project_records(paths):
            try:
                found[absolute] = _decode_summary(record[1], absolute)
            except (_Invalid, ValueError, TypeError, RecursionError):
                continue
        return found

    def project_results(self, paths: list[str]) -> dict[str, FileResult]:
        """The stored results (findings and facts) of those of `paths` unchanged since the
        project summary was written and whose findings it holds, under the path as given."""
        found: dict[str, FileResult] = {}
        given = {os.path.abspath(path): path for path in paths}
        for absolute, record in self._project_records(paths):
            if record[2] is None:
                continue
            try:
                found[absolute] = _decode_result({**record[2], "summary": record[1]}, given[absolute])
            except (_Invalid, ValueError, TypeError, RecursionError):
                continue
        return found

    def save_project_summary(self, results: dict[str, FileResult], facts_only: Collection[str] = ()) -> None:
        """Store the facts and findings of every module of a run (absolute path -> result) under
        the content keys the stat index holds for them, with the modules of the entry read earlier
        that are still unchanged (a run on one buffer keeps the rest). A module in `facts_only`
        came from the entry's facts alone: its stored findings, if any, are kept. A module whose
        result was not cached is left out. Nothing is written when the entry would not change."""
        if not self.usable:
            return
        modules: dict[str, list] = {}
        for absolute, record in self._project_summary_modules.items():
            if self._current_record(absolute, record):
                modules[absolute] = record
        for absolute, result in results.items():
            key = self._current_key(absolute)
            if key is None:
                continue
            kept = modules.get(absolute)
            try:
                if absolute in facts_only:
                    findings = kept[2] if kept is not None else None
                else:
                    findings = _encode_result(replace(result, summary=None))
                    del findings["summary"], findings["path"]
                modules[absolute] = [key, _encode_summary(result.summary), findings]
            except (TypeError, RecursionError):
                continue
        digest = hashlib.blake2b(digest_size=20)
        for absolute in sorted(modules):
            record = modules[absolute]
            digest.update(f"{absolute}\0{record[0]}\0{record[2] is not None}\0".encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()
        if key == self._project_summary_key:
            return
        if self._save(PROJECT_SUMMARY, {"key": key, "modules": modules}):
            self._project_summary_key = key
            self._project_summary_modules = modules

    # -- what installed libraries answered ----------------------------------------------------------
    # (is `lib.Client.send` an `async def`? does `lib.Client.get` block, and through what?) One
    # file per cache, valid while the environment's `library_fingerprint` is the same; the salt of
    # the cache covers the settings (the blocking catalog and `extend-blocking-calls`).
    def load_library_answers(self, answers: libraries.LibraryAnswers) -> None:
        """Reuse earlier answers when the installed libraries are the same as then."""
        stored = self._read("libraries.json")
        if type(stored) is dict and stored.get("fingerprint") == self.library_fingerprint:
            answers.remember(stored)

    def save_library_answers(self, answers: libraries.LibraryAnswers) -> None:
        """Keep the answers when this run added any."""
        if answers.changed and self._save(
            "libraries.json", {"fingerprint": self.library_fingerprint, **answers.stored()}
        ):
            answers.changed = False


def _is_key(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= 128 and _HEX.issuperset(value)
