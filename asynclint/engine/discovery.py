"""Which files to lint: walk directories, honour `exclude` and `.gitignore`, explain what is skipped."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pathspec

from asynclint.config import Config

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # skipped inputs, one line each
    missing: list[str] = field(default_factory=list)  # paths given that do not exist (usage error)


class _Ignores:
    """Exclude globs plus the .gitignore files that apply to a directory."""

    def __init__(self, config: Config):
        self.root = os.path.abspath(config.root)
        self.patterns = tuple(config.exclude) + tuple(config.extend_exclude)
        self.gitignore = config.respect_gitignore
        self._specs: dict[str, Optional[pathspec.PathSpec]] = {}

    def excluded(self, path: str) -> bool:
        name = os.path.basename(path)
        relative = os.path.relpath(path, self.root).replace(os.sep, "/")
        for pattern in self.patterns:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(relative, pattern):
                return True
        return False

    def _spec(self, directory: str) -> Optional[pathspec.PathSpec]:
        if directory not in self._specs:
            spec = None
            ignore_file = os.path.join(directory, ".gitignore")
            if os.path.isfile(ignore_file):
                try:
                    with open(ignore_file, encoding="utf-8", errors="replace") as handle:
                        spec = pathspec.PathSpec.from_lines("gitwildmatch", handle)
                except OSError:
                    spec = None
            self._specs[directory] = spec
        return self._specs[directory]

    def ignored(self, path: str, is_dir: bool) -> bool:
        if not self.gitignore:
            return False
        directory = os.path.dirname(path)
        # .gitignore files from the repository root (or filesystem root) down to the file.
        while True:
            spec = self._spec(directory)
            if spec is not None:
                relative = os.path.relpath(path, directory).replace(os.sep, "/")
                if spec.match_file(relative + ("/" if is_dir else "")):
                    return True
            if os.path.isdir(os.path.join(directory, ".git")):
                return False
            parent = os.path.dirname(directory)
            if parent == directory:
                return False
            directory = parent


def _looks_like_python_script(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def discover(paths: list[str], config: Config) -> Discovery:
    found = Discovery()
    ignores = _Ignores(config)
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for given in paths:
        if not os.path.lexists(given):
            found.missing.append(given)
            continue
        if os.path.islink(given) and not os.path.exists(given):
            found.warnings.append(f"{given}: skipped: broken symbolic link")
            continue
        absolute = os.path.abspath(given)
        if os.path.isdir(given):
            _walk(given, ignores, found, add)
        elif ignores.excluded(absolute):
            continue
        elif given.endswith(PYTHON_SUFFIXES) or _looks_like_python_script(given):
            add(given)
        else:
            found.warnings.append(f"{given}: skipped: not a Python file (expected .py or .pyi)")
    return found


def _walk(top: str, ignores: _Ignores, found: Discovery, add) -> None:
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            info = os.stat(directory)
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            found.warnings.append(f"{directory}: skipped: cannot list directory: {error.strerror or error}")
            continue
        if (info.st_dev, info.st_ino) in visited:
            found.warnings.append(f"{directory}: skipped: symbolic link loop")
            continue
        visited.add((info.st_dev, info.st_ino))
        subdirectories = []
        for entry in entries:
            path = entry.path if directory != "." else entry.name
            absolute = os.path.abspath(path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError as error:
                found.warnings.append(f"{path}: skipped: {error.strerror or error}")
                continue
            if entry.is_symlink() and not is_dir and not is_file:
                if entry.name.endswith(PYTHON_SUFFIXES):
                    found.warnings.append(f"{path}: skipped: broken symbolic link")
                continue
            if ignores.excluded(absolute) or ignores.ignored(absolute, is_dir):
                continue
            if is_dir:
                if entry.is_symlink():
                    continue  # like ruff and git: do not follow directory links while walking
                subdirectories.append(path)
            elif is_file and entry.name.endswith(PYTHON_SUFFIXES):
                add(path)
        stack.extend(reversed(subdirectories))


def relative_display(path: str) -> str:
    """Paths are shown as given, but with `./` dropped, like ruff does."""
    return str(Path(path)) if not path.startswith("./") else path[2:]
