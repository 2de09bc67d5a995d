"""Is `pkg.mod.func` (or `pkg.mod.Class.method`) an `async def`? Answers for project code, from
facts every file records while it is linted (`coroutine-functions`, `class-members`,
`package-exports`); names of installed libraries are asked of `semantics.libraries`, which reads
their source. "Unknown" is treated as "not a coroutine function".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from asynclint.catalog.tasks import CLOSED_WORLD_MODULES
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS as COROUTINE_CATALOG
from asynclint.semantics.libraries import LibraryAnswers, library_coroutine_function

if TYPE_CHECKING:  # the engine imports semantics; the index is needed for its type only
    from asynclint.engine.project import ProjectIndex

# Fact kinds recorded per file (see `asynclint.checks.tasks`).
COROUTINE_FUNCTIONS = "coroutine-functions"  # qualified name → True, for every `async def` that makes coroutines
CLASS_MEMBERS = "class-members"  # class qualified name → {"bases": [qualified or None], "members": [names]}
PACKAGE_EXPORTS = "package-exports"  # `pkg.name` → `pkg.mod.name` for `from .mod import name` in `pkg/__init__.py`

_MAX_HOPS = 12


def project_module_of(qualified: str, project: ProjectIndex) -> Optional[str]:
    """The longest dotted prefix of `qualified` that is a module of the analyzed project."""
    parts = qualified.split(".")
    for end in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:end])
        if project.has_module(candidate):
            return candidate
    return None


def project_roots(project: ProjectIndex) -> frozenset[str]:
    """Top-level package names of the analyzed project (never looked up as libraries)."""
    roots = project.memo.get("coroutines:roots")
    if roots is None:
        roots = frozenset(name.split(".")[0] for name in project.modules if name)
        project.memo["coroutines:roots"] = roots
    return roots


def is_coroutine_function(qualified: str, project: ProjectIndex) -> bool:
    """True when `qualified` names an `async def` (not an async generator) of the project or of an
    installed library. Unknown means False: rules only report what they can show."""
    key = ("coroutines:is", qualified)
    answer = project.memo.get(key)
    if answer is None:
        answer = _resolve(qualified, project, 0)
        project.memo[key] = answer
    return answer


def _resolve(qualified: str, project: ProjectIndex, hops: int) -> bool:
    if hops > _MAX_HOPS:
        return False
    if project.fact(COROUTINE_FUNCTIONS, qualified) or qualified in COROUTINE_CATALOG:
        return True
    module = project_module_of(qualified, project)
    if module is None:
        top = qualified.split(".")[0]
        if top in project_roots(project) or top in CLOSED_WORLD_MODULES:
            return False  # a project package we have not seen all of, or fully catalogued
        return library_coroutine_function(qualified, LibraryAnswers.of(project)) is True
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


def _defines(class_name: str, member: str, project: ProjectIndex, hops: int) -> bool:
    """Whether `member` comes from `class_name` (itself or one of its bases), for MRO order."""
    if hops > _MAX_HOPS:
        return False
    members = project.fact(CLASS_MEMBERS, class_name)
    if members is None:
        return project_module_of(class_name, project) is None  # a library base: let astroid say
    if member in members.get("members", ()):
        return True
    return any(base is not None and _defines(base, member, project, hops + 1) for base in members.get("bases", ()))
