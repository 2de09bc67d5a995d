"""Installed libraries, read from their `.py` source without importing anything: where a module's
source is, what its top level binds, which definitions a dotted name leads to, and whether a
library function is an `async def`. `library_blocking` asks the same reader whether one blocks.

Compiled, built-in and namespace modules are never loaded: the answer for them is "unknown".
What a run learns is kept on the run (`LibraryAnswers`, one per project index), and the result
cache keeps it for the next run in the same environment (see `library_fingerprint`).
"""

from __future__ import annotations

import ast
import enum
import gc
import os
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union, cast

from asynclint.catalog.tasks import CLOSED_WORLD_MODULES
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS as COROUTINE_CATALOG
from asynclint.semantics import environment

if TYPE_CHECKING:  # the engine imports semantics; the index is needed for its type only
    from asynclint.engine.project import ProjectIndex

MAX_HOPS = 12  # re-exports, aliases and base classes followed to find one definition
_TRANSPARENT_LIBRARY_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "override"}
)
_OVERLOAD = frozenset({"overload", "typing.overload", "typing_extensions.overload"})
_ROOT_BASES = frozenset({"object", "builtins.object"})
BUILTIN_NAMES = frozenset(dir(__import__("builtins")))


# -- what a run learned ----------------------------------------------------------------------------
@dataclass
class LibraryAnswers:
    """The answers of one run about installed libraries, as plain data: `coroutines` (is
    `lib.Client.send` an `async def`: True, False or None for unknown) and `blocking` (the chain
    from a library callable to a blocking call, [] or None; keyed by name and call shape, for the
    blocking calls `blocking_leaves` names). The runner loads them from the result cache before
    resolving cross-file findings and saves them after, when `changed`."""

    coroutines: dict[str, Optional[bool]] = field(default_factory=dict)
    blocking: dict[str, Optional[list[str]]] = field(default_factory=dict)
    blocking_leaves: Optional[frozenset[tuple[str, str]]] = None
    changed: bool = False
    leaves_seen: Optional[Mapping[str, str]] = field(default=None, repr=False, compare=False)

    @staticmethod
    def of(project: ProjectIndex) -> LibraryAnswers:
        """The answers of the run `project` (the project index the runner passes to rules) belongs to."""
        answers = project.memo.get(LibraryAnswers)
        if answers is None:
            answers = project.memo[LibraryAnswers] = LibraryAnswers()
        return answers

    def remember(self, stored: Mapping[str, Any]) -> bool:
        """Take answers kept by an earlier run in the same environment (`stored()` data); False,
        taking nothing, when they are not that shape."""
        coroutines, blocking = stored.get("answers"), stored.get("blocking", {})
        if type(coroutines) is not dict or type(blocking) is not dict:
            return False
        if not all(answer is None or type(answer) is bool for answer in coroutines.values()):
            return False
        if not all(
            chain is None or (type(chain) is list and all(type(step) is str for step in chain))
            for chain in blocking.values()
        ):
            return False
        for qualified, answer in coroutines.items():
            self.coroutines.setdefault(qualified, answer)
        for key, chain in blocking.items():
            self.blocking.setdefault(key, chain)
        return True

    def stored(self) -> dict[str, Any]:
        return {"answers": dict(self.coroutines), "blocking": dict(self.blocking)}


def library_fingerprint(python: Optional[str]) -> str:
    """Changes when a library is installed, upgraded or removed in the environment the `python`
    setting names (see `environment.fingerprint`)."""
    return environment.fingerprint(python)


def clear_library_caches() -> None:
    """Forget what was read from the environment (another one is read now, or tests installed a
    library mid-run)."""
    for cached in (source_file, static_module, _source_module):
        cached.cache_clear()
    from asynclint.semantics import library_blocking

    library_blocking.clear_memos()


# -- the source of a module ------------------------------------------------------------------------
@lru_cache(maxsize=1024)
def source_file(name: str) -> Optional[str]:
    """The `.py` file of module `name` when it is installed as source, found without importing
    anything (the path finder only lists directories); None for compiled, built-in, frozen and
    namespace modules, and for missing ones."""
    search: Optional[list[str]] = list(environment.search_path())
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


@dataclass(frozen=True, eq=False)
class ImportedModule:
    """`import a.b` (binding `a` to module `a`) or `import a.b as c` (binding `c` to `a.b`)."""

    module: str


@dataclass(frozen=True, eq=False)
class ImportedName:
    """`from module import name`."""

    module: str
    name: str


@dataclass(frozen=True)
class StaticModule:
    """What a library module's top level binds, read with `ast`."""

    name: str
    package: str  # what `from . import x` is relative to
    definitions: dict[str, list[Any]]  # name → ast nodes, ImportedModule or ImportedName
    open_ended: bool  # a star import or a module `__getattr__`: a missing name may still exist
    # Bindings made in `except ImportError:` (`ssl = None`), by id: what a name is bound to when
    # the import above them fails.
    import_fallbacks: frozenset[int] = frozenset()


@lru_cache(maxsize=512)
def static_module(name: str) -> Optional[StaticModule]:
    filename = source_file(name)
    if filename is None:
        return None
    try:
        with open(filename, "rb") as handle:
            data = handle.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like in library code
            collecting = gc.isenabled()
            gc.disable()  # a syntax tree holds no cycles; collections would walk the whole run
            try:
                tree = ast.parse(data, filename)
            finally:
                if collecting:
                    gc.enable()
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    package = name if os.path.basename(filename) == "__init__.py" else name.rpartition(".")[0]
    definitions: dict[str, list[Any]] = {}
    fallbacks: set[int] = set()
    open_ended = collect_definitions(tree.body, package, definitions, fallbacks)
    if "__getattr__" in definitions:
        open_ended = True
    return StaticModule(name, package, definitions, open_ended, frozenset(fallbacks))


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def collect_definitions(
    body: list[ast.stmt],
    package: str,
    definitions: dict[str, list[Any]],
    fallbacks: Optional[set[int]] = None,
    in_fallback: bool = False,
) -> bool:
    """Record what each statement of a module or class body binds; True on a star import. With
    `fallbacks`, the bindings made in `except ImportError:` handlers are noted there (by id)."""
    open_ended = False
    first = {name: len(bound) for name, bound in definitions.items()} if in_fallback and fallbacks is not None else {}
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not any(decorator_name(d) in _OVERLOAD for d in statement.decorator_list):
                definitions.setdefault(statement.name, []).append(statement)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    definitions.setdefault(alias.asname, []).append(ImportedModule(alias.name))
                else:
                    top = alias.name.split(".")[0]
                    definitions.setdefault(top, []).append(ImportedModule(top))
        elif isinstance(statement, ast.ImportFrom):
            source = absolute_module(statement.module, statement.level, package)
            for alias in statement.names:
                if alias.name == "*":
                    open_ended = True
                elif source is not None:
                    definitions.setdefault(alias.asname or alias.name, []).append(ImportedName(source, alias.name))
        elif isinstance(statement, (ast.If, ast.Try, getattr(ast, "TryStar", ast.Try))):
            compound = cast(Union[ast.If, ast.Try], statement)  # ast.TryStar (3.11+) has ast.Try's fields
            for block in (compound.body, compound.orelse, getattr(statement, "finalbody", [])):
                open_ended |= collect_definitions(block, package, definitions, fallbacks, in_fallback)
            for handler in getattr(statement, "handlers", ()):
                catches_import = _names_import_error(handler.type)
                open_ended |= collect_definitions(
                    handler.body, package, definitions, fallbacks, in_fallback or catches_import
                )
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for node in ast.walk(target):
                    # `Environment.template_class = Template` binds no name: `Environment` is read.
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        definitions.setdefault(node.id, []).append(statement)
    if in_fallback and fallbacks is not None:
        for name, bound in definitions.items():
            fallbacks.update(id(binding) for binding in bound[first.get(name, 0) :])
    return open_ended


def _names_import_error(caught: Optional[ast.expr]) -> bool:
    """`except ImportError:` / `except (ImportError, AttributeError):` and the like."""
    if caught is None:
        return False  # a bare `except:` is not read as an import fallback
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS for name in names)


def absolute_module(module: Optional[str], level: int, package: str) -> Optional[str]:
    """The module `from <level dots><module> import …` names, from inside `package`."""
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else [])) or None


def is_standard(qualified: str) -> bool:
    """A name of the standard library (catalogued, never read from source)."""
    return qualified.split(".")[0] in CLOSED_WORLD_MODULES


# -- which definitions a dotted name leads to ------------------------------------------------------
class DefinitionKind(enum.Enum):
    """What a dotted name of a library leads to (see `Definition`)."""

    FUNCTION = "function"
    CLASS = "class"
    MODULE = "module"
    ASSIGNED = "assigned"
    STANDARD = "standard"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Definition:
    """One place a dotted name leads to. `kind` is FUNCTION or CLASS (`node` is its `ast` node;
    a CLASS with a `rest` is where a member lookup goes on, by each answer's own rules), MODULE (a
    module named as a whole), ASSIGNED (`node` is the assignment binding it, `rest` what follows),
    STANDARD (`name` is a standard library name), MISSING (the source shows it is not there) or
    UNKNOWN (a star import, a module `__getattr__`, or too many hops)."""

    kind: DefinitionKind
    node: Any = None
    module: Optional[StaticModule] = None
    rest: tuple[str, ...] = ()
    hops: int = 0
    name: str = ""


def resolve(qualified: str) -> Optional[list[Definition]]:
    """The definitions `qualified` leads to in an installed library's source: one per binding on
    the way (`try: from x import f` / `except ImportError: def f`), which an answer must find
    agreeing. None when no prefix of it is a library module installed as source."""
    parts = qualified.split(".")
    for end in range(len(parts) - 1, 0, -1):
        if source_file(".".join(parts[:end])) is not None:
            return resolve_in(".".join(parts[:end]), parts[end:], 0)
    return None


def resolve_in(module_name: str, path: list[str], hops: int) -> list[Definition]:
    """The definitions `module_name.path…` leads to."""
    if hops > MAX_HOPS:
        return [Definition(DefinitionKind.UNKNOWN)]
    if is_standard(module_name):
        return [Definition(DefinitionKind.STANDARD, name=".".join([module_name, *path]))]
    module = static_module(module_name)
    if module is None:
        return [Definition(DefinitionKind.MISSING)]
    bindings = module.definitions.get(path[0])
    if not bindings:
        submodule = f"{module_name}.{path[0]}"
        if len(path) > 1 and source_file(submodule) is not None:
            return resolve_in(submodule, path[1:], hops + 1)
        return [Definition(DefinitionKind.UNKNOWN if module.open_ended else DefinitionKind.MISSING)]
    return follow_all(bindings, module, path[1:], hops)


def follow_all(bindings: list[Any], module: StaticModule, rest: list[str], hops: int) -> list[Definition]:
    return [found for binding in bindings for found in follow(binding, module, rest, hops)]


def follow(binding: Any, module: StaticModule, rest: list[str], hops: int) -> list[Definition]:
    """Where one binding of a name (as `collect_definitions` records it), then `rest`, leads."""
    if isinstance(binding, ImportedModule):
        if rest:
            return resolve_in(binding.module, rest, hops + 1)
        return [Definition(DefinitionKind.MODULE, name=binding.module)]
    if isinstance(binding, ImportedName):
        return resolve_in(binding.module, [binding.name, *rest], hops + 1)
    if isinstance(binding, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [Definition(DefinitionKind.MISSING)] if rest else [Definition(DefinitionKind.FUNCTION, binding, module)]
    if isinstance(binding, ast.ClassDef):
        return [Definition(DefinitionKind.CLASS, binding, module, tuple(rest), hops + 1)]
    return [Definition(DefinitionKind.ASSIGNED, binding, module, tuple(rest), hops + 1)]


def dotted_name(expr: Any) -> Optional[list[str]]:
    """`["a", "b", "c"]` for the expression `a.b.c`; None for anything else."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    parts.reverse()
    return parts


def decorator_name(decorator: Any) -> Optional[str]:
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


# -- is a library function an `async def`? -------------------------------------------------------
# Most answers need only the definitions a module states: `async def`, `class`, `from .x import y`.
# Those are read with the standard library's `ast` (a C parser, ~15x cheaper than an astroid build
# with its transforms); astroid is asked only when that read is inconclusive (a name bound by an
# assignment, a star import, a base class computed at run time, conflicting definitions).
_INCONCLUSIVE: Any = object()


def library_coroutine_function(qualified: str, answers: LibraryAnswers) -> Optional[bool]:
    """Whether an installed library's `qualified` is an `async def`, from its source; None when
    the module is not installed as Python source or the name cannot be followed."""
    try:
        return answers.coroutines[qualified]
    except KeyError:
        pass
    try:
        answer = _static_lookup(qualified)
        if answer is _INCONCLUSIVE:
            answer = _astroid_lookup(qualified)
    except Exception:  # astroid raises many kinds of errors (and RecursionError): unknown, not a crash
        answer = None
    answers.coroutines[qualified] = answer
    answers.changed = True
    return answer


def _static_lookup(qualified: str) -> Any:
    if is_standard(qualified):
        return qualified in COROUTINE_CATALOG
    found = resolve(qualified)
    return None if found is None else _agreed_verdict(found)


def _agreed_verdict(definitions: list[Definition]) -> Any:
    """The answer every definition gives; inconclusive when they differ."""
    verdicts = {_verdict(definition) for definition in definitions}
    return verdicts.pop() if len(verdicts) == 1 else _INCONCLUSIVE


def _verdict(definition: Definition) -> Any:
    kind = definition.kind
    if kind is DefinitionKind.FUNCTION:
        return _function_verdict(definition.node)
    if kind is DefinitionKind.CLASS:
        if not definition.rest:
            return False
        assert definition.module is not None
        return _in_class(definition.node, definition.module, list(definition.rest), definition.hops)
    if kind is DefinitionKind.MODULE:
        return False
    if kind is DefinitionKind.STANDARD:
        # Catalogued, so known; None otherwise, so that a base class of the standard library
        # (`Generic[T]`, `Mapping`) lets the next base answer.
        return True if definition.name in COROUTINE_CATALOG else None
    if kind is DefinitionKind.MISSING:
        return None
    return _INCONCLUSIVE  # bound by an assignment (astroid may follow it), or unknown


def _in_class(node: ast.ClassDef, module: StaticModule, path: list[str], hops: int) -> Any:
    if hops > MAX_HOPS:
        return _INCONCLUSIVE
    members: dict[str, list[Any]] = {}
    collect_definitions(node.body, module.package, members)
    if path[0] in members:
        return _agreed_verdict(follow_all(members[path[0]], module, path[1:], hops))
    for base in node.bases:
        answer = _in_base(base, module, path, hops + 1)
        if answer is not None:
            return answer  # the first base that has it wins, as in a simple MRO
    return None


def _in_base(base: ast.expr, module: StaticModule, path: list[str], hops: int) -> Any:
    if isinstance(base, ast.Subscript):
        base = base.value  # `Generic[T]`, `Mapping[str, int]`
    dotted = dotted_name(base)
    if dotted is None:
        return _INCONCLUSIVE
    if ".".join(dotted) in _ROOT_BASES:
        return None
    found = module.definitions.get(dotted[0])
    if not found:
        return None if dotted[0] in BUILTIN_NAMES else _INCONCLUSIVE
    return _agreed_verdict(follow_all(found, module, dotted[1:] + path, hops))


def _function_verdict(node: ast.AST) -> Optional[bool]:
    if not isinstance(node, ast.AsyncFunctionDef):
        return False
    if body_yields(node):
        return False  # calling it makes an async generator, not a coroutine
    for decorator in node.decorator_list:
        if decorator_name(decorator) not in _TRANSPARENT_LIBRARY_DECORATORS:
            return None
    return True


# -- is it an `async def`: astroid, for what the static read cannot follow -------------------------
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
        if decorator_name(decorator) not in _TRANSPARENT_LIBRARY_DECORATORS:
            return None
    return True


@lru_cache(maxsize=1024)
def _source_module(name: str) -> Any:
    """The astroid Module for `name` when it is installed as `.py` source, else None."""
    from astroid import MANAGER

    filename = source_file(name)
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
