"""Is `pkg.mod.func` (or `pkg.mod.Class.method`) an `async def`? Answers for project code and for
installed libraries, read from source with astroid; nothing analyzed or inspected is imported.

Project answers come from facts every file records while it is linted (`coroutine-functions`,
`class-members`, `package-exports`); library answers from the library's `.py` source, parsed once
per module and cached for the run. Compiled and built-in modules are never loaded: they are
skipped, and the answer is "unknown", which rules treat as "not a coroutine function".
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Any, Optional

from asynclint.catalog.tasks import CLOSED_WORLD_MODULES
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS as COROUTINE_CATALOG

# Fact kinds recorded per file (see `asynclint.checks.tasks`).
COROUTINE_FUNCTIONS = "coroutine-functions"  # qualified name → True, for every `async def` that makes coroutines
CLASS_MEMBERS = "class-members"  # class qualified name → {"bases": [qualified or None], "members": [names]}
PACKAGE_EXPORTS = "package-exports"  # `pkg.name` → `pkg.mod.name` for `from .mod import name` in `pkg/__init__.py`

_MAX_HOPS = 12
_TRANSPARENT_LIBRARY_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "override"}
)


# -- project -------------------------------------------------------------------------------------
def project_module_of(qualified: str, project: Any) -> Optional[str]:
    """The longest dotted prefix of `qualified` that is a module of the analyzed project."""
    parts = qualified.split(".")
    for end in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:end])
        if project.has_module(candidate):
            return candidate
    return None


def project_roots(project: Any) -> frozenset[str]:
    """Top-level package names of the analyzed project (never looked up as libraries)."""
    roots = project.memo.get("coroutines:roots")
    if roots is None:
        roots = frozenset(name.split(".")[0] for name in project.modules if name)
        project.memo["coroutines:roots"] = roots
    return roots


def is_coroutine_function(qualified: str, project: Any) -> bool:
    """True when `qualified` names an `async def` (not an async generator) of the project or of an
    installed library. Unknown means False: rules only report what they can show."""
    key = ("coroutines:is", qualified)
    answer = project.memo.get(key)
    if answer is None:
        answer = _resolve(qualified, project, 0)
        project.memo[key] = answer
    return answer


def _resolve(qualified: str, project: Any, hops: int) -> bool:
    if hops > _MAX_HOPS:
        return False
    if project.fact(COROUTINE_FUNCTIONS, qualified) or qualified in COROUTINE_CATALOG:
        return True
    module = project_module_of(qualified, project)
    if module is None:
        top = qualified.split(".")[0]
        if top in project_roots(project) or top in CLOSED_WORLD_MODULES:
            return False  # a project package we have not seen all of, or fully catalogued
        return library_coroutine_function(qualified) is True
    rest = qualified[len(module) + 1 :].split(".")
    head = f"{module}.{rest[0]}"
    exported = project.fact(PACKAGE_EXPORTS, head)
    if exported and exported != head:
        return _resolve(".".join([exported, *rest[1:]]), project, hops + 1)
    if len(rest) == 2:
        # `Class.method`: defined in the class (the fact above said it is not async), or inherited.
        members = project.fact(CLASS_MEMBERS, head)
        if not members or rest[1] in members.get("members", ()):
            return False
        for base in members.get("bases", ()):
            if base is None:
                return False  # an unknown base might define it either way
        for base in members.get("bases", ()):
            if _defines(base, rest[1], project, hops + 1):
                return _resolve(f"{base}.{rest[1]}", project, hops + 1)
    return False


def _defines(class_name: str, member: str, project: Any, hops: int) -> bool:
    """Whether `member` comes from `class_name` (itself or one of its bases), for MRO order."""
    if hops > _MAX_HOPS:
        return False
    members = project.fact(CLASS_MEMBERS, class_name)
    if members is None:
        return project_module_of(class_name, project) is None  # a library base: let astroid say
    if member in members.get("members", ()):
        return True
    return any(base is not None and _defines(base, member, project, hops + 1) for base in members.get("bases", ()))


# -- libraries -----------------------------------------------------------------------------------
def _search_path() -> tuple[str, ...]:
    # The working directory is where analyzed code usually lives: never look there.
    here = os.path.abspath(os.getcwd())
    return tuple(entry for entry in sys.path if entry and os.path.abspath(entry) != here)


@lru_cache(maxsize=4096)
def library_coroutine_function(qualified: str) -> Optional[bool]:
    """Whether an installed library's `qualified` is an `async def`, from its source; None when
    the module is not installed as Python source or the name cannot be followed."""
    try:
        return _library_lookup(qualified)
    except Exception:  # astroid raises many kinds of errors (and RecursionError): unknown, not a crash
        return None


def _library_lookup(qualified: str) -> Optional[bool]:
    from astroid import nodes

    parts = qualified.split(".")
    module = None
    for end in range(len(parts) - 1, 0, -1):
        module = _source_module(".".join(parts[:end]))
        if module is not None:
            break
    if module is None:
        return None
    node: Any = module
    for attribute in parts[end:]:
        node = _member(node, attribute)
        if node is None:
            return None
    if not isinstance(node, nodes.FunctionDef):
        return False if isinstance(node, nodes.ClassDef) else None
    if not isinstance(node, nodes.AsyncFunctionDef):
        return False
    if node.is_generator():
        return False  # an async generator function: calling it makes an async generator
    for decorator in node.decorators.nodes if node.decorators else ():
        if _decorator_name(decorator) not in _TRANSPARENT_LIBRARY_DECORATORS:
            return None
    return True


def _decorator_name(decorator: Any) -> Optional[str]:
    from astroid import nodes

    if isinstance(decorator, nodes.Name):
        return decorator.name
    if isinstance(decorator, nodes.Attribute) and isinstance(decorator.expr, nodes.Name):
        return f"{decorator.expr.name}.{decorator.attrname}"
    return None


@lru_cache(maxsize=1024)
def _source_module(name: str) -> Any:
    """The astroid Module for `name` when it is installed as `.py` source, else None."""
    from astroid import MANAGER
    from astroid.interpreter._import import spec

    try:
        found = spec.find_spec(name.split("."), list(_search_path()))
    except ImportError:
        return None
    if found.type is spec.ModuleType.PY_SOURCE:
        filename = found.location
    elif found.type is spec.ModuleType.PKG_DIRECTORY and found.location:
        filename = os.path.join(found.location, "__init__.py")
    else:
        return None  # compiled, built-in, frozen, namespace: never loaded
    if not filename or not filename.endswith(".py") or not os.path.isfile(filename):
        return None
    return MANAGER.ast_from_file(filename, name, source=True)


def _member(node: Any, attribute: str) -> Any:
    """`node.attribute` for a module or class, following imports and base classes statically."""
    from astroid import nodes
    from astroid.util import UninferableBase

    if isinstance(node, nodes.Module):
        found = []
        for item in node.igetattr(attribute):
            if not isinstance(item, UninferableBase) and not any(item is seen for seen in found):
                found.append(item)
    elif isinstance(node, nodes.ClassDef):
        candidates = node.getattr(attribute)
        found = [candidates[0]] if candidates else []
    else:
        return None
    if len(found) != 1:
        return None
    return found[0]
