"""Which installed libraries asynclint reads: the search path of the analyzed environment.

By default that is the environment asynclint runs in (its `sys.path`, minus the working directory,
where analyzed code lives). `python = "/path/to/venv/bin/python"` in `[tool.asynclint]` (or
`--python`) points it at another environment, as mypy's `python_executable` does: its
`site-packages` directories are found from the directory layout and `pyvenv.cfg`, and that
interpreter is never started, so nothing of the analyzed project (a `.pth` hook, a `sitecustomize`)
can run.
"""

from __future__ import annotations

import glob
import os
import sys
from typing import Optional

_python: Optional[str] = None  # None: the running interpreter's own environment
_search: Optional[tuple[str, ...]] = None


class EnvironmentNotFound(ValueError):
    """`python` names no interpreter or environment with a site-packages directory."""


def use_python(python: Optional[str]) -> None:
    """Read libraries from the environment of `python` (an interpreter path or an environment
    directory), or from asynclint's own with None. Answers from the previous one are forgotten."""
    global _python, _search
    chosen = os.path.abspath(os.path.expanduser(python)) if python else None
    if chosen == _python:
        return
    _python, _search = chosen, None
    from asynclint.semantics import libraries

    libraries.clear_library_caches()


def search_path() -> tuple[str, ...]:
    """Directories searched for library modules, in import order."""
    global _search
    if _python is None:
        return _own_search_path()
    if _search is None:
        try:
            _search = tuple(site_packages(_python))
        except EnvironmentNotFound:
            _search = ()  # the CLI says so up front; elsewhere (flake8, editors): no libraries
    return _search


def _own_search_path() -> tuple[str, ...]:
    # Read afresh: this process's own path (tests and embedding tools extend it).
    here = os.path.abspath(os.getcwd())
    return tuple(entry for entry in sys.path if entry and os.path.abspath(entry) != here)


def fingerprint(python: Optional[str] = None) -> str:
    """Changes when a library is installed, upgraded or removed: the interpreter, the search path,
    and the modification time of each directory on it (installing adds or renames entries). Of
    the environment of `python` (the `python` setting), whichever one is being read now."""
    chosen = os.path.abspath(os.path.expanduser(python)) if python else None
    if chosen == _python:
        entries = search_path()
    else:
        try:
            entries = tuple(site_packages(chosen)) if chosen else _own_search_path()
        except EnvironmentNotFound:
            entries = ()
    parts = [sys.version, sys.prefix, chosen or "-"]
    for entry in entries:
        try:
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}:-")
    return "\n".join(parts)


# -- another environment, read from its layout ---------------------------------------------------
def site_packages(python: str) -> list[str]:
    """The library directories of the environment `python` belongs to, in import order: its
    site-packages (plus the base installation's when `pyvenv.cfg` includes system packages) and
    the directories plain `.pth` lines add. Raises EnvironmentNotFound with a one-line reason."""
    path = os.path.abspath(os.path.expanduser(python))
    if os.path.isdir(path):
        prefix = path
    elif os.path.isfile(path):
        prefix = os.path.dirname(os.path.dirname(path))  # <prefix>/bin/python, <prefix>\Scripts\python.exe
    else:
        raise EnvironmentNotFound(f"python {python!r}: no such interpreter or environment")
    settings = _pyvenv_settings(prefix)
    version = _version(path, settings)
    directories = _prefix_site_directories(prefix, version, system=not settings)
    if settings.get("include-system-site-packages", "").lower() == "true" and settings.get("home"):
        base = os.path.dirname(settings["home"].rstrip("/\\"))
        directories += _prefix_site_directories(base, version, system=True)
    if not directories:
        raise EnvironmentNotFound(f"python {python!r}: no site-packages directory under {prefix}")
    found: list[str] = []
    for directory in directories:
        for entry in (directory, *_pth_directories(directory)):
            if entry not in found:
                found.append(entry)
    return found


def _pyvenv_settings(prefix: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    try:
        with open(os.path.join(prefix, "pyvenv.cfg"), encoding="utf-8") as handle:
            for line in handle:
                key, separator, value = line.partition("=")
                if separator:
                    settings[key.strip().lower()] = value.strip()
    except (OSError, UnicodeDecodeError):
        pass
    return settings


def _version(path: str, settings: dict[str, str]) -> Optional[str]:
    """`3.12` from pyvenv.cfg or the interpreter's file name (`python3.12`), when either says."""
    for key in ("version_info", "version"):
        parts = settings.get(key, "").split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            return f"{parts[0]}.{parts[1]}"
    name = os.path.basename(path)
    if name.startswith("python3.") and name[len("python3.") :].isdigit():
        return name[len("python") :]
    return None


def _prefix_site_directories(prefix: str, version: Optional[str], system: bool) -> list[str]:
    pattern = f"python{version}" if version else "python3*"
    candidates = [
        *sorted(glob.glob(os.path.join(prefix, "lib", pattern, "site-packages"))),
        *sorted(glob.glob(os.path.join(prefix, "lib64", pattern, "site-packages"))),
        os.path.join(prefix, "Lib", "site-packages"),
    ]
    if system:  # Debian's layout for a system interpreter
        candidates += sorted(glob.glob(os.path.join(prefix, "local", "lib", pattern, "dist-packages")))
        candidates += [os.path.join(prefix, "lib", "python3", "dist-packages")]
    unique: list[str] = []
    for candidate in candidates:
        if os.path.isdir(candidate) and candidate not in unique:
            unique.append(candidate)
    return unique


def _pth_directories(directory: str) -> list[str]:
    """Directories named by plain lines of `.pth` files (editable installs of the `path` kind);
    `import` lines are code and are never run."""
    found: list[str] = []
    for pth in sorted(glob.glob(os.path.join(directory, "*.pth"))):
        try:
            with open(pth, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            entry = os.path.normpath(os.path.join(directory, line))
            if os.path.isdir(entry):
                found.append(entry)
    return found
