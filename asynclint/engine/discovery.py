"""Which files to lint: walk directories, honour `exclude` and `.gitignore`, explain what is skipped."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pathspec

from asynclint.config import Config, ConfigResolver

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
        patterns = [pattern.rstrip("/") for pattern in (*config.exclude, *config.extend_exclude)]
        # One regular expression for all globs, matched (case-sensitively) against the file's name
        # and its path relative to the project root.
        self.pattern = re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns)) if patterns else None
        self.gitignore = config.respect_gitignore
        self.force = config.force_exclude
        self._specs: dict[str, Optional[pathspec.PathSpec]] = {}
        self._chains: dict[str, tuple[tuple[str, pathspec.PathSpec], ...]] = {}

    def excluded(self, path: str) -> bool:
        if self.pattern is None:
            return False
        if self.pattern.match(os.path.basename(path)):
            return True
        return bool(self.pattern.match(_relative(path, self.root).replace(os.sep, "/")))

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

    def _chain(self, directory: str) -> tuple[tuple[str, pathspec.PathSpec], ...]:
        """The .gitignore files that apply in `directory`: its own, then its parents' up to the
        repository root (the directory holding `.git`) or the filesystem root."""
        chain = self._chains.get(directory)
        if chain is None:
            spec = self._spec(directory)
            chain = ((directory, spec),) if spec is not None else ()
            parent = os.path.dirname(directory)
            if parent != directory and not os.path.isdir(os.path.join(directory, ".git")):
                chain += self._chain(parent)
            self._chains[directory] = chain
        return chain

    def ignored(self, path: str, is_dir: bool) -> bool:
        if not self.gitignore:
            return False
        suffix = "/" if is_dir else ""
        for directory, spec in self._chain(os.path.dirname(path)):
            if spec.match_file(_relative(path, directory).replace(os.sep, "/") + suffix):
                return True
        return False


def _relative(path: str, directory: str) -> str:
    prefix = directory if directory.endswith(os.sep) else directory + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, directory)


def _looks_like_python_script(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


class _IgnoresByDirectory:
    """The exclude settings that apply in each directory: those of the configuration that
    governs it (the nearest `[tool.asynclint]`), so a nested project keeps its own excludes."""

    def __init__(self, config: Config, resolver: Optional[ConfigResolver]):
        self.resolver = resolver
        self.default = _Ignores(config)
        self._by_config: dict[Config, _Ignores] = {config: self.default}

    def __call__(self, directory: str) -> _Ignores:
        if self.resolver is None:
            return self.default
        config = self.resolver.for_directory(directory)
        ignores = self._by_config.get(config)
        if ignores is None:
            ignores = self._by_config[config] = _Ignores(config)
        return ignores


def _force_excluded(path: str, ignores: _Ignores) -> bool:
    """`--force-exclude`: a path given explicitly is skipped when it, or a directory between it
    and the project root, is excluded or git-ignored (what pre-commit passes stays excluded)."""
    current = os.path.abspath(path)
    is_dir = os.path.isdir(current)
    inside = ignores.root.rstrip(os.sep) + os.sep
    while True:
        if ignores.excluded(current) or ignores.ignored(current, is_dir):
            return True
        parent = os.path.dirname(current)
        if parent == current or not parent.startswith(inside):
            return False  # the project root itself is never matched against its own excludes
        current, is_dir = parent, True


def discover(
    paths: list[str], config: Config, resolver: Optional[ConfigResolver] = None, force_exclude: bool = False
) -> Discovery:
    found = Discovery()
    ignores_in = _IgnoresByDirectory(config, resolver)
    seen: set[tuple[int, int]] = set()

    def add(path: str, identity: Optional[tuple[int, int]] = None) -> None:
        # A file reached twice (given twice, or through a link) is linted once.
        if identity is None:
            try:
                info = os.stat(path)
            except OSError:
                info = None
            identity = (info.st_dev, info.st_ino) if info else (-1, hash(os.path.abspath(path)))
        if identity not in seen:
            seen.add(identity)
            found.files.append(path)

    for given in paths:
        if not os.path.lexists(given):
            found.missing.append(given)
            continue
        if os.path.islink(given) and not os.path.exists(given):
            found.warnings.append(f"{given}: skipped: broken symbolic link")
            continue
        absolute = os.path.abspath(given)
        ignores = ignores_in(absolute if os.path.isdir(given) else os.path.dirname(absolute))
        if (force_exclude or ignores.force) and _force_excluded(absolute, ignores):
            continue
        if os.path.isdir(given):
            _walk(given, ignores_in, found, add)
        elif ignores.excluded(absolute):
            continue
        elif not os.path.isfile(given):
            # A FIFO or a device would block the run or never end: only regular files are read.
            found.warnings.append(f"{given}: skipped: not a regular file")
        elif given.endswith(PYTHON_SUFFIXES) or _looks_like_python_script(given):
            add(given)
        else:
            found.warnings.append(f"{given}: skipped: not a Python file (expected .py or .pyi)")
    return found


def _walk(top: str, ignores_in: _IgnoresByDirectory, found: Discovery, add) -> None:
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
        absolute_directory = os.path.abspath(directory)
        ignores = ignores_in(absolute_directory)
        subdirectories = []
        for entry in entries:
            path = entry.path if directory != "." else entry.name
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
                is_link = entry.is_symlink()
            except OSError as error:
                found.warnings.append(f"{path}: skipped: {error.strerror or error}")
                continue
            is_python = entry.name.endswith(PYTHON_SUFFIXES)
            if is_link and not is_dir and not is_file:
                if is_python:
                    found.warnings.append(f"{path}: skipped: broken symbolic link")
                continue
            if not is_dir and not (is_file and is_python):
                continue
            absolute = os.path.join(absolute_directory, entry.name)
            if ignores.excluded(absolute) or ignores.ignored(absolute, is_dir):
                continue
            if is_dir:
                if is_link:
                    continue  # like ruff and git: do not follow directory links while walking
                subdirectories.append(path)
            elif is_link:
                add(path)
            else:
                add(path, (info.st_dev, entry.inode()))  # readdir's inode: no extra system call
        stack.extend(reversed(subdirectories))


def relative_display(path: str) -> str:
    """Paths are shown as given, but with `./` dropped, like ruff does."""
    return str(Path(path)) if not path.startswith("./") else path[2:]
