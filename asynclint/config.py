"""`[tool.asynclint]` in pyproject.toml: finding it, validating every key, and the Config record."""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from asynclint.registry import RULES_BY_CODE, enabled_codes, is_known_selector, matches

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".asynclint_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)
TARGET_VERSIONS = tuple(f"py3{minor}" for minor in range(9, 15))
OFFLOAD_STYLES = ("to_thread", "run_in_executor")


COMMAND_LINE = "command line"


class ConfigError(Exception):
    """A configuration problem, always naming the file and the key."""

    def __init__(self, source: str, key: Optional[str], reason: str):
        self.source, self.key, self.reason = source, key, reason
        if source == COMMAND_LINE:
            where = key or source  # `--select: ...`: the option, not a table that was never read
        else:
            where = f"{source}: [tool.asynclint] {key}" if key else source
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Config:
    select: Optional[tuple[str, ...]] = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    target_version: str = "py39"
    fix_offload: str = "to_thread"
    default_timeout: float = 30
    # Catalog extensions (see the rules/ pages that use them).
    extend_blocking_calls: tuple[tuple[str, str], ...] = ()
    task_retaining_calls: tuple[str, ...] = ()
    extend_timeout_contexts: tuple[str, ...] = ()
    extend_coroutine_functions: tuple[str, ...] = ()
    allow_swallowed_cancellation_in: tuple[str, ...] = ()
    # Fixing: `unsafe-fixes = true` is `--unsafe-fixes` by default; `fixable`/`unfixable` choose
    # which rules' fixes are offered at all (codes or prefixes; unfixable wins).
    unsafe_fixes: bool = False
    fixable: Optional[tuple[str, ...]] = None
    unfixable: tuple[str, ...] = ()
    extend_loop_only_decorators: tuple[str, ...] = ()
    extend_offloaders: tuple[str, ...] = ()
    blocking_in_one_shot_commands: bool = False
    # The analyzed project's interpreter or environment, whose installed libraries are read.
    python: Optional[str] = None
    root: str = "."
    source: Optional[str] = None

    @property
    def target(self) -> tuple[int, int]:
        return (3, int(self.target_version[3:]))

    @property
    def enabled(self) -> frozenset[str]:
        return enabled_codes(self.select, self.ignore, self.extend_select)

    def is_fixable(self, code: str) -> bool:
        if self.fixable is not None and not matches(code, self.fixable):
            return False
        return not matches(code, self.unfixable)

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """Codes/prefixes ignored for `path` by per-file-ignores (globs relative to the root)."""
        if not self.per_file_ignores:
            return ()
        relative = _relative(path, self.root)
        name = os.path.basename(path)
        ignored: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern):
                ignored.extend(codes)
            elif pattern.endswith("/") and relative.startswith(pattern):
                ignored.extend(codes)
        return tuple(ignored)

    def is_ignored(self, code: str, path: str) -> bool:
        ignored = self.ignored_for(path)
        return bool(ignored) and matches(code, ignored) > 0

    def fingerprint(self) -> str:
        """A stable text of every setting that can change a file's diagnostics."""
        values = dataclasses.asdict(self)
        values.pop("source", None)
        values["enabled"] = sorted(self.enabled)
        return repr(sorted(values.items()))


def _relative(path: str, root: str) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


# -- reading ------------------------------------------------------------------------------------
_KEYS = {
    "select": "codes",
    "ignore": "codes",
    "extend-select": "codes",
    "per-file-ignores": "per-file",
    "exclude": "strings",
    "extend-exclude": "strings",
    "respect-gitignore": "bool",
    "force-exclude": "bool",
    "target-version": "target",
    "fix-offload": "offload",
    "default-timeout": "seconds",
    "extend-blocking-calls": "blocking-table",
    "task-retaining-calls": "strings",
    "extend-timeout-contexts": "strings",
    "extend-coroutine-functions": "strings",
    "allow-swallowed-cancellation-in": "strings",
    "unsafe-fixes": "bool",
    "fixable": "codes",
    "unfixable": "codes",
    "extend-loop-only-decorators": "strings",
    "extend-offloaders": "strings",
    "blocking-in-one-shot-commands": "bool",
    "python": "path",
}
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def normalise_codes(codes: Any, source: str, key: str) -> tuple[str, ...]:
    """Rule codes or prefixes, upper-cased (`asy100` is `ASY100`, in pyproject.toml as on the
    command line); an empty or unknown one is an error, never a selector that matches nothing."""
    result = []
    for code in codes:
        normal = code.strip().upper()
        if not normal:
            raise ConfigError(source, key, "empty rule code")
        if not is_known_selector(normal):
            raise ConfigError(source, key, f"unknown rule code or prefix {code!r}")
        result.append(normal)
    return tuple(result)


def _check_codes(value: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(source, key, f"expected a list of rule codes, got {value!r}")
    return normalise_codes(value, source, key)


def _check_strings(value: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(source, key, f"expected a list of strings, got {value!r}")
    return tuple(value)


def parse_settings(table: Any, source: str, root: str) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(source, None, "[tool.asynclint] must be a table")
    values: dict[str, Any] = {"root": root, "source": source}
    for key, value in table.items():
        kind = _KEYS.get(key)
        if kind is None:
            close = difflib.get_close_matches(key.replace("_", "-"), list(_KEYS), n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(source, key, f"unknown key{hint}")
        attribute = key.replace("-", "_")
        if kind == "codes":
            values[attribute] = _check_codes(value, source, key)
        elif kind == "strings":
            values[attribute] = _check_strings(value, source, key)
        elif kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(source, key, f"expected true or false, got {value!r}")
            values[attribute] = value
        elif kind == "target":
            if value not in TARGET_VERSIONS:
                raise ConfigError(source, key, f"expected one of {', '.join(TARGET_VERSIONS)}, got {value!r}")
            values[attribute] = value
        elif kind == "offload":
            if value not in OFFLOAD_STYLES:
                raise ConfigError(source, key, f"expected one of {', '.join(OFFLOAD_STYLES)}, got {value!r}")
            values[attribute] = value
        elif kind == "seconds":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ConfigError(source, key, f"expected a positive number of seconds, got {value!r}")
            values[attribute] = value
        elif kind == "path":
            if not isinstance(value, str) or not value:
                raise ConfigError(source, key, f"expected a path to a Python interpreter or environment, got {value!r}")
            values[attribute] = os.path.normpath(os.path.join(root, os.path.expanduser(value)))
        elif kind == "per-file":
            if not isinstance(value, dict):
                raise ConfigError(source, key, "expected a table of glob = [codes]")
            values[attribute] = tuple(
                (pattern, _check_codes(codes, source, f"{key}.{pattern!r}")) for pattern, codes in value.items()
            )
        elif kind == "blocking-table":
            if not isinstance(value, dict):
                raise ConfigError(source, key, 'expected a table of "qualified.name" = "ASY1xx"')
            entries = []
            for name, code in value.items():
                if not _DOTTED.match(name):
                    raise ConfigError(source, f"{key}.{name!r}", "expected a dotted qualified name")
                normal = code.strip().upper() if isinstance(code, str) else code
                if normal not in RULES_BY_CODE or not ("ASY100" <= normal <= "ASY107"):
                    raise ConfigError(source, f"{key}.{name!r}", f"expected a code from ASY100 to ASY107, got {code!r}")
                entries.append((name, normal))
            values[attribute] = tuple(entries)
    return Config(**values)


def _requires_python_target(project: Any) -> Optional[str]:
    if not isinstance(project, dict):
        return None
    spec = project.get("requires-python")
    if not isinstance(spec, str):
        return None
    found = re.search(r">=\s*3\.(\d+)", spec)
    if found and f"py3{found.group(1)}" in TARGET_VERSIONS:
        return f"py3{found.group(1)}"
    return None


def load_file(path: Path) -> Config:
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, None, f"invalid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(source, None, f"cannot read: {error}") from None
    tool = data.get("tool", {})
    table = tool.get("asynclint", {}) if isinstance(tool, dict) else {}
    config = parse_settings(table, source, str(path.parent))
    if "target-version" not in table:
        inferred = _requires_python_target(data.get("project"))
        if inferred:
            config = dataclasses.replace(config, target_version=inferred)
    return config


def find_config(paths: list[str]) -> Optional[Path]:
    """The nearest pyproject.toml above the checked paths that has a [tool.asynclint] table."""
    existing = [os.path.abspath(path) for path in paths if os.path.exists(path)]
    if not existing:
        existing = [os.getcwd()]
    start = os.path.commonpath(existing)
    directory = Path(start if os.path.isdir(start) else os.path.dirname(start))
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            if _declares_asynclint(pyproject):
                return pyproject
    return None


def _declares_asynclint(pyproject: Path) -> bool:
    """Whether the file has a `tool.asynclint` entry (a table, or a mistake `load_file` reports)."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(pyproject), None, f"cannot read: {error}") from None
    if "asynclint" not in text:
        return False
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return re.search(r"^\s*\[\s*tool\s*\.\s*asynclint\b", text, re.MULTILINE) is not None
    return isinstance(tool, dict) and "asynclint" in tool


def project_root(paths: list[str]) -> str:
    existing = [os.path.abspath(path) for path in paths if os.path.exists(path)] or [os.getcwd()]
    start = Path(os.path.commonpath(existing))
    if not start.is_dir():
        start = start.parent
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return str(candidate)
    return os.getcwd()  # like ruff: no project around the paths, so the cache lives where we run


def load_config(paths: list[str], explicit: Optional[str] = None) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(explicit, None, "config file not found")
        return load_file(path)
    found = find_config(paths)
    if found is not None:
        return load_file(found)
    return Config(root=project_root(paths))


class ConfigResolver:
    """Each file's settings: the `[tool.asynclint]` of the nearest pyproject.toml above it (like
    ruff, nested projects keep their own settings), else the run's; then the command line's
    overrides. With `--config` every file uses that one file. Either way a file's result never
    depends on which other files were passed."""

    def __init__(self, default: Config, explicit: bool = False, **overrides: Any):
        self.overrides = overrides
        self.default = with_overrides(default, **overrides)
        self.explicit = explicit
        self._by_directory: dict[str, Config] = {}
        self._by_file: dict[str, Config] = {self._key(default): self.default} if default.source else {}

    @staticmethod
    def _key(config: Config) -> str:
        return os.path.abspath(config.source or "")

    def for_directory(self, directory: str) -> Config:
        directory = os.path.abspath(directory)
        if self.explicit:
            return self.default
        known = self._by_directory.get(directory)
        if known is not None:
            return known
        pyproject = os.path.join(directory, "pyproject.toml")
        found: Optional[Config] = None
        if os.path.isfile(pyproject) and _declares_asynclint(Path(pyproject)):
            found = self._by_file.get(pyproject)
            if found is None:
                found = with_overrides(load_file(Path(pyproject)), **self.overrides)
                self._by_file[pyproject] = found
        if found is None:
            parent = os.path.dirname(directory)
            found = self.default if parent == directory else self.for_directory(parent)
        self._by_directory[directory] = found
        return found

    def for_file(self, path: str) -> Config:
        return self.for_directory(os.path.dirname(os.path.abspath(path)))

    def configs(self) -> list[Config]:
        """Every configuration used so far, the run's own first."""
        seen = [self.default]
        for config in self._by_file.values():
            if config not in seen:
                seen.append(config)
        return seen


def with_overrides(config: Config, **overrides: Any) -> Config:
    changes = {key: value for key, value in overrides.items() if value is not None}
    for key in ("select", "ignore", "extend_select"):
        if key in changes:
            changes[key] = normalise_codes(changes[key], COMMAND_LINE, f"--{key.replace('_', '-')}")
    if "ignore" in changes:
        changes["ignore"] = tuple(config.ignore) + tuple(changes["ignore"])
    if "extend_select" in changes:
        changes["extend_select"] = tuple(config.extend_select) + tuple(changes["extend_select"])
    return dataclasses.replace(config, **changes)
