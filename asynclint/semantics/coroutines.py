"""Is `pkg.mod.func` (or `pkg.mod.Class.method`) an `async def`? Answers for project code and for
installed libraries, read from source with astroid; nothing analyzed or inspected is imported.

Project answers come from facts every file records while it is linted (`coroutine-functions`,
`class-members`, `package-exports`); library answers from the library's `.py` source, parsed once
per module and cached for the run. Compiled and built-in modules are never loaded: they are
skipped, and the answer is "unknown", which rules treat as "not a coroutine function".
"""

from __future__ import annotations

import ast
import gc
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import PathFinder
from typing import Any, Optional, Union, cast

from asynclint.catalog.tasks import CLOSED_WORLD_MODULES
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS as COROUTINE_CATALOG
from asynclint.semantics import environment

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
# Most answers need only the definitions a module states: `async def`, `class`, `from .x import y`.
# Those are read with the standard library's `ast` (a C parser, ~15x cheaper than an astroid build
# with its transforms); astroid is asked only when that read is inconclusive (a name bound by an
# assignment, a star import, a base class computed at run time, conflicting definitions).
_INCONCLUSIVE: Any = object()
_ROOT_BASES = frozenset({"object", "builtins.object"})


def _search_path() -> tuple[str, ...]:
    return environment.search_path()  # the analyzed environment's (see `--python`)


# Answers for this run, and those the result cache kept from earlier runs in the same environment
# (see `library_fingerprint`): an unchanged tree is re-linted without reading any library.
_answers: dict[str, Optional[bool]] = {}


def library_coroutine_function(qualified: str) -> Optional[bool]:
    """Whether an installed library's `qualified` is an `async def`, from its source; None when
    the module is not installed as Python source or the name cannot be followed."""
    try:
        return _answers[qualified]
    except KeyError:
        pass
    try:
        answer = _static_lookup(qualified)
        if answer is _INCONCLUSIVE:
            answer = _astroid_lookup(qualified)
    except Exception:  # astroid raises many kinds of errors (and RecursionError): unknown, not a crash
        answer = None
    _answers[qualified] = answer
    return answer


def library_answers() -> dict[str, Optional[bool]]:
    return _answers


def remember_library_answers(answers: dict[str, Optional[bool]]) -> None:
    """Answers from an earlier run whose `library_fingerprint` matches this environment's."""
    for qualified, answer in answers.items():
        _answers.setdefault(qualified, answer)


def library_fingerprint() -> str:
    """Changes when a library is installed, upgraded or removed (see `environment.fingerprint`)."""
    return environment.fingerprint()


def clear_library_caches() -> None:
    """Forget every library answer (tests that install a library mid-run use this)."""
    _answers.clear()
    for cached in (_source_file, _static_module, _source_module):
        cached.cache_clear()


@lru_cache(maxsize=1024)
def _source_file(name: str) -> Optional[str]:
    """The `.py` file of module `name` when it is installed as source, found without importing
    anything (the path finder only lists directories); None for compiled, built-in, frozen and
    namespace modules, and for missing ones."""
    search: Optional[list[str]] = list(_search_path())
    found = None
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        if search is None:
            return None  # `a.b` where `a` is a plain module
        try:
            found = PathFinder.find_spec(".".join(parts[:end]), search)
        except (ImportError, ValueError, OSError, KeyError):  # KeyError: a namespace package's parent
            return None
        if found is None:
            return None
        search = list(found.submodule_search_locations) if found.submodule_search_locations is not None else None
    origin = found.origin if found is not None else None
    if not origin or not origin.endswith(".py") or not os.path.isfile(origin):
        return None
    return origin


# -- libraries: the static read ------------------------------------------------------------------
@dataclass(frozen=True)
class _Module:
    name: str
    package: str  # what `from . import x` is relative to
    definitions: dict[str, list[Any]]  # name → ast nodes or ("module", dotted) / ("from", module, name)
    open_ended: bool  # a star import or a module `__getattr__`: a missing name may still exist


@lru_cache(maxsize=512)
def _static_module(name: str) -> Optional[_Module]:
    filename = _source_file(name)
    if filename is None:
        return None
    try:
        with open(filename, "rb") as handle:
            data = handle.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like in library code
            collecting = gc.isenabled()
            gc.disable()
            try:
                tree = ast.parse(data, filename)
            finally:
                if collecting:
                    gc.enable()
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    package = name if os.path.basename(filename) == "__init__.py" else name.rpartition(".")[0]
    definitions: dict[str, list[Any]] = {}
    open_ended = _collect(tree.body, package, definitions)
    if "__getattr__" in definitions:
        open_ended = True
    return _Module(name, package, definitions, open_ended)


def _collect(body: list[ast.stmt], package: str, definitions: dict[str, list[Any]]) -> bool:
    """Record what each statement of a module or class body binds; True on a star import."""
    open_ended = False
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not any(_decorator_name(d) in _OVERLOAD for d in statement.decorator_list):
                definitions.setdefault(statement.name, []).append(statement)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    definitions.setdefault(alias.asname, []).append(("module", alias.name))
                else:
                    top = alias.name.split(".")[0]
                    definitions.setdefault(top, []).append(("module", top))
        elif isinstance(statement, ast.ImportFrom):
            source = _absolute(statement.module, statement.level, package)
            for alias in statement.names:
                if alias.name == "*":
                    open_ended = True
                elif source is not None:
                    definitions.setdefault(alias.asname or alias.name, []).append(("from", source, alias.name))
        elif isinstance(statement, (ast.If, ast.Try, getattr(ast, "TryStar", ast.Try))):
            compound = cast(Union[ast.If, ast.Try], statement)  # ast.TryStar (3.11+) has ast.Try's fields
            for block in (compound.body, compound.orelse, getattr(statement, "finalbody", [])):
                open_ended |= _collect(block, package, definitions)
            for handler in getattr(statement, "handlers", ()):
                open_ended |= _collect(handler.body, package, definitions)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        definitions.setdefault(node.id, []).append(statement)
    return open_ended


def _absolute(module: Optional[str], level: int, package: str) -> Optional[str]:
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else [])) or None


_OVERLOAD = frozenset({"overload", "typing.overload", "typing_extensions.overload"})


def _static_lookup(qualified: str) -> Any:
    parts = qualified.split(".")
    if parts[0] in CLOSED_WORLD_MODULES:
        return qualified in COROUTINE_CATALOG
    for end in range(len(parts) - 1, 0, -1):
        if _source_file(".".join(parts[:end])) is not None:
            return _in_module(".".join(parts[:end]), parts[end:], 0)
    return None


def _in_module(module_name: str, path: list[str], hops: int) -> Any:
    """True/False for `module_name.path…` when the source says; None when it is not there."""
    if hops > _MAX_HOPS:
        return _INCONCLUSIVE
    if module_name.split(".")[0] in CLOSED_WORLD_MODULES:
        # Catalogued, so known; None otherwise, so that a base class of the standard library
        # (`Generic[T]`, `Mapping`) lets the next base answer.
        return True if ".".join([module_name, *path]) in COROUTINE_CATALOG else None
    module = _static_module(module_name)
    if module is None:
        return None
    found = module.definitions.get(path[0])
    if not found:
        submodule = f"{module_name}.{path[0]}"
        if len(path) > 1 and _source_file(submodule) is not None:
            return _in_module(submodule, path[1:], hops + 1)
        return _INCONCLUSIVE if module.open_ended else None
    return _agreed(found, module, path[1:], hops)


def _agreed(definitions: list[Any], module: _Module, rest: list[str], hops: int) -> Any:
    """The answer all of a name's definitions give (`try: from x import f` / `except: def f`);
    inconclusive when they differ."""
    answers = {_follow(definition, module, rest, hops) for definition in definitions}
    return answers.pop() if len(answers) == 1 else _INCONCLUSIVE


def _follow(definition: Any, module: _Module, rest: list[str], hops: int) -> Any:
    if isinstance(definition, tuple):
        if definition[0] == "module":
            return _in_module(definition[1], rest, hops + 1) if rest else False
        _, source, name = definition
        return _in_module(source, [name, *rest], hops + 1)
    if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _function_verdict(definition) if not rest else None
    if isinstance(definition, ast.ClassDef):
        return _in_class(definition, module, rest, hops + 1) if rest else False
    return _INCONCLUSIVE  # bound by an assignment: astroid may follow it


def _in_class(node: ast.ClassDef, module: _Module, path: list[str], hops: int) -> Any:
    if hops > _MAX_HOPS:
        return _INCONCLUSIVE
    members: dict[str, list[Any]] = {}
    _collect(node.body, module.package, members)
    if path[0] in members:
        return _agreed(members[path[0]], module, path[1:], hops)
    for base in node.bases:
        answer = _in_base(base, module, path, hops + 1)
        if answer is not None:
            return answer  # the first base that has it wins, as in a simple MRO
    return None


def _in_base(base: ast.expr, module: _Module, path: list[str], hops: int) -> Any:
    if isinstance(base, ast.Subscript):
        base = base.value  # `Generic[T]`, `Mapping[str, int]`
    dotted = []
    while isinstance(base, ast.Attribute):
        dotted.append(base.attr)
        base = base.value
    if not isinstance(base, ast.Name):
        return _INCONCLUSIVE
    dotted.append(base.id)
    dotted.reverse()
    if ".".join(dotted) in _ROOT_BASES:
        return None
    found = module.definitions.get(dotted[0])
    if not found:
        return None if dotted[0] in _BUILTIN_NAMES else _INCONCLUSIVE
    return _agreed(found, module, dotted[1:] + path, hops)


_BUILTIN_NAMES = frozenset(dir(__import__("builtins")))


def _function_verdict(node: ast.AST) -> Optional[bool]:
    if not isinstance(node, ast.AsyncFunctionDef):
        return False
    if body_yields(node):
        return False  # calling it makes an async generator, not a coroutine
    for decorator in node.decorator_list:
        if _decorator_name(decorator) not in _TRANSPARENT_LIBRARY_DECORATORS:
            return None
    return True


def body_yields(function: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    """Whether the function's own body yields (nested defs, classes and lambdas aside): a `def`
    that does is a generator function, an `async def` an async generator function."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return False


def _decorator_name(decorator: Any) -> Optional[str]:
    """`name` or `module.name` of a decorator, for astroid and `ast` nodes alike."""
    if isinstance(decorator, ast.Name):
        return decorator.id
    if isinstance(decorator, ast.Attribute) and isinstance(decorator.value, ast.Name):
        return f"{decorator.value.id}.{decorator.attr}"
    from astroid import nodes

    if isinstance(decorator, nodes.Name):
        return decorator.name
    if isinstance(decorator, nodes.Attribute) and isinstance(decorator.expr, nodes.Name):
        return f"{decorator.expr.name}.{decorator.attrname}"
    return None


# -- libraries: astroid, for what the static read cannot follow -----------------------------------
def _astroid_lookup(qualified: str) -> Optional[bool]:
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


@lru_cache(maxsize=1024)
def _source_module(name: str) -> Any:
    """The astroid Module for `name` when it is installed as `.py` source, else None."""
    from astroid import MANAGER

    filename = _source_file(name)
    if filename is None:
        return None
    return MANAGER.ast_from_file(filename, name, source=True)


def _member(node: Any, attribute: str) -> Any:
    """`node.attribute` for a module or class, following imports and base classes statically."""
    from astroid import nodes
    from astroid.util import UninferableBase

    if isinstance(node, nodes.ClassDef):
        candidates = node.getattr(attribute)  # the first definition along the MRO
        if not candidates:
            return None
        if isinstance(candidates[0], nodes.FunctionDef):
            return candidates[0]
        values = candidates[0].infer()  # `receive = _receive` in the class body
    elif isinstance(node, nodes.Module):
        values = node.igetattr(attribute)
    else:
        return None
    found: list[Any] = []
    for item in values:
        if not isinstance(item, UninferableBase) and not any(item is seen for seen in found):
            found.append(item)
    if len(found) != 1:
        return None
    return found[0]
