"""Is `pkg.mod.func` (or `pkg.mod.Class.method`) an `async def`? Answers for project code, from
facts `CoroutineFacts` records in every file while it is linted (`coroutine-functions`,
`class-members`, `package-exports`); names of installed libraries are asked of
`semantics.libraries`, which reads their source. "Unknown" is treated as "not a coroutine function".
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional, cast

import libcst as cst

from asynclint.catalog.tasks import CLOSED_WORLD_MODULES
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS as COROUTINE_CATALOG
from asynclint.checks.base import Collector
from asynclint.semantics.function_kinds import definitions_make_coroutines
from asynclint.semantics.libraries import LibraryAnswers, library_coroutine_function
from asynclint.semantics.names import PLAIN_BASES, base_classes
from asynclint.semantics.scope import BindingKind

if TYPE_CHECKING:  # the engine imports semantics; these are needed for their types only
    from asynclint.engine.context import Context
    from asynclint.engine.project import ProjectIndex

# Fact kinds recorded per file (by `CoroutineFacts`, below).
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


# -- facts --------------------------------------------------------------------------------------
class CoroutineFacts(Collector):
    """The facts `is_coroutine_function` answers from: which project functions are coroutine
    functions, what each class defines and inherits, and what packages re-export. Recorded for
    every file whatever rules are selected."""

    def end_file(self, ctx: Context) -> None:
        module_name = ctx.module_name
        if not module_name:
            return
        root = ctx.module_scope
        is_package = os.path.basename(ctx.filename).startswith("__init__.")
        for name, bindings in root.bindings.items():
            qualified = f"{module_name}.{name}"
            if all(binding.kind is BindingKind.DEF for binding in bindings):
                if definitions_make_coroutines(bindings, ctx):
                    ctx.record_fact(COROUTINE_FUNCTIONS, qualified, True)
            elif len(bindings) == 1 and bindings[0].kind is BindingKind.CLASS:
                self._record_class(cast(cst.ClassDef, bindings[0].node), qualified, ctx)
            elif is_package and all(binding.kind is BindingKind.IMPORT for binding in bindings):
                targets = {binding.qualified for binding in bindings}
                if len(targets) == 1:
                    ctx.record_fact(PACKAGE_EXPORTS, qualified, targets.pop())

    def _record_class(self, node: cst.ClassDef, qualified: str, ctx: Context) -> None:
        class_scope = ctx.scope_of(node)
        if class_scope is None:
            return
        bases: list[Optional[str]] = []
        for value in base_classes(node):
            base = ctx.qualified_name(value, ctx.module_scope)
            if base not in PLAIN_BASES:
                bases.append(base)
        members = sorted(class_scope.bindings)
        ctx.record_fact(CLASS_MEMBERS, qualified, {"bases": bases, "members": members})
        for name, bindings in class_scope.bindings.items():
            if definitions_make_coroutines(bindings, ctx):
                ctx.record_fact(COROUTINE_FUNCTIONS, f"{qualified}.{name}", True)
