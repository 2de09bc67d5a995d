"""Does a function of an installed library block? A chain from it to a call of the blocking catalog,
read from the library's source with the standard library's `ast` (nothing is imported or run).

`blocking_chain("kumo.Device.refresh", leaves)` answers `["kumo.Device.refresh",
"kumo.Device._fetch", "requests.Session.get"]`, `[]` when the source shows no such chain, and None
("unknown") when the search ran out of depth or work before it could say. Only what is certain
counts:

- the normal path of each function: not an `except` handler, not a `TYPE_CHECKING` or debug-flag
  branch, not a platform branch for another operating system, not a nested def or lambda;
- calls whose target is certain: module functions, constructors (their `__init__` along the
  class's bases), `self.method()` looked up on the class the caller named (so a subclass's
  override is the one followed), `super()` calls, and methods on values whose class the source
  states (a constructor call, a return or parameter annotation, every `self.x = ...` of the class
  agreeing, where a constructor parameter stored in `self.x` has the class the caller's
  construction made certain: see `argument_classes`). A parameter, a callback or a value of
  unknown class is never guessed;
- `async def` functions, generator functions and functions behind decorators that could replace
  them are not followed; the standard library is not followed either (its blocking calls are the
  catalog's leaves), and a library's async variants (`redis.asyncio`, `dns.asyncresolver`,
  `AsyncWebClient`) are never reported.

Answers are kept per query on the run's `LibraryAnswers` (plain JSON data), so the result cache can
keep them for an unchanged environment.
"""

from __future__ import annotations

import ast
import gc
import re
import sys
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar, Union, cast

from asynclint.semantics.libraries import (
    BUILTIN_NAMES,
    MAX_HOPS,
    Definition,
    DefinitionKind,
    ImportedModule,
    ImportedName,
    LibraryAnswers,
    StaticModule,
    absolute_module,
    body_yields,
    collect_definitions,
    decorator_name,
    dotted_name,
    follow,
    follow_all,
    is_standard,
    resolve,
    source_file,
)

MAX_DEPTH = 8  # calls in a chain, the library function the coroutine calls included
MAX_FUNCTIONS = 300  # library functions read for one answer before it is "unknown"

_TRY: tuple[Any, ...] = (ast.Try, getattr(ast, "TryStar", ast.Try))
_MATCH: tuple[Any, ...] = (getattr(ast, "Match", ast.Try),) if hasattr(ast, "Match") else ()
# Decorators that leave the function's body to run when it is called.
_TRANSPARENT_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "override", "typing.override"}
)
# A module or class that is the async flavour of a library (`redis.asyncio`, `dns.asyncresolver`,
# `aiobotocore`, `slack_sdk.web.async_client.AsyncWebClient`).
_ASYNC_VARIANT = re.compile(r"^(asyncio|aio.*|async.*|Async.*|Aio.*|_async.*)$")


# -- what was read, for this environment ----------------------------------------------------------
# Facts about library functions (not answers: those live on the run, in `LibraryAnswers`), kept
# while the environment is the same. The edges depend on the blocking calls sought as well.
_memo_leaves: list[Optional[frozenset[tuple[str, str]]]] = [None]


def clear_memos() -> None:
    _memo_leaves[0] = None
    _edges_memo.clear()
    _calls_memo.clear()
    _attribute_types_memo.clear()
    _members_memo.clear()
    _self_stores_memo.clear()
    _non_blocking_memo.clear()
    _body_facts_memo.clear()
    _property_memo.clear()
    _identity_decorators_memo.clear()


def is_async_variant(qualified: str) -> bool:
    """A module or class of the name is an async flavour; a function's own name does not count
    (a sync `async_setup()` of a library still runs on the loop)."""
    parts = qualified.split(".")
    if not parts[-1][:1].isupper():
        parts = parts[:-1]
    return any(_ASYNC_VARIANT.match(part) for part in parts)


def blocking_chain(
    qualified: str, leaves: Mapping[str, str], answers: LibraryAnswers, shape: Optional[CallShape] = None
) -> Optional[list[str]]:
    """The calls from `qualified` (a library function, method or class) to a leaf (a blocking call
    of the catalog, name → rule code), `[]` when there is none, None when unknown. `shape` is
    what the coroutine passes: a branch on a parameter it makes known is decided by it. The
    answer is kept in `answers` (the run's)."""
    if leaves is not answers.leaves_seen:  # the same catalog object: answers stand (cheap check first)
        signature = frozenset(leaves.items())
        if answers.blocking_leaves != signature:
            if answers.blocking_leaves is not None:
                answers.blocking.clear()  # other settings of the same run seek other calls
            answers.blocking_leaves = signature
        if _memo_leaves[0] != signature:
            _edges_memo.clear()
            _memo_leaves[0] = signature
        answers.leaves_seen = leaves
    key = qualified if shape is None else qualified + shape.key()
    if key in answers.blocking:
        return answers.blocking[key]
    collecting = gc.isenabled()
    gc.disable()  # the read makes many small objects and no cycles; a collection would walk the whole run
    try:
        answer = _search(qualified, leaves, shape)
    except Exception:  # odd library code or layout (RecursionError included): unknown, never a crash
        answer = None
    finally:
        if collecting:
            gc.enable()
    answers.blocking[key] = answer
    answers.changed = True
    return answer


# -- finding definitions -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Found:
    kind: DefinitionKind  # FUNCTION or CLASS
    node: Any  # ast.FunctionDef / AsyncFunctionDef / ClassDef
    module: StaticModule
    owner: Optional[ast.ClassDef] = None  # the class defining a method

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.module.name, self.node.lineno, self.node.col_offset)

    @property
    def qualified(self) -> str:
        if self.owner is not None:
            return f"{self.module.name}.{self.owner.name}.{self.node.name}"
        return f"{self.module.name}.{self.node.name}"


def locate(qualified: str) -> Optional[_Found]:
    """The function or class `qualified` names in an installed library's source."""
    if is_standard(qualified):
        return None
    definitions = resolve(qualified)
    return _agreed(definitions) if definitions is not None else None


def _agreed(definitions: list[Definition]) -> Optional[_Found]:
    """The one function or class every binding of a name leads to; None when they differ (a
    fallback in `except ImportError`, a definition per platform) or one cannot be read."""
    results = [_found(definition) for definition in definitions]
    first = results[0]
    if first is None or any(other is None or other.node is not first.node for other in results[1:]):
        return None
    return first


def _found(definition: Definition) -> Optional[_Found]:
    module = definition.module
    if module is None:
        return None  # a module, the standard library, missing or unknown
    if definition.kind is DefinitionKind.FUNCTION:
        return _Found(DefinitionKind.FUNCTION, definition.node, module)
    if definition.kind is DefinitionKind.CLASS:
        if definition.rest:
            return _member(definition.node, module, list(definition.rest), definition.hops)
        return _Found(DefinitionKind.CLASS, definition.node, module)
    node = definition.node
    if definition.kind is DefinitionKind.ASSIGNED and isinstance(node, ast.Assign) and len(node.targets) == 1:
        dotted = dotted_name(node.value)  # `Client = HTTPClient`
        if dotted:
            head = module.definitions.get(dotted[0])
            if head and len(head) == 1 and head[0] is not node:
                return _agreed(follow(head[0], module, [*dotted[1:], *definition.rest], definition.hops))
    return None


_members_memo: dict[tuple[str, int, int], dict[str, list[Any]]] = {}


def _members(node: ast.ClassDef, module: StaticModule) -> dict[str, list[Any]]:
    key = (module.name, node.lineno, node.col_offset)
    members = _members_memo.get(key)
    if members is None:
        members = {}
        collect_definitions(node.body, module.package, members)
        _members_memo[key] = members
    return members


def _member(node: ast.ClassDef, module: StaticModule, path: list[str], hops: int) -> Optional[_Found]:
    """`Class.path[0]` along the bases, depth first as a simple MRO; methods only."""
    if hops > MAX_HOPS or len(path) != 1:
        return None
    members = _members(node, module)
    if path[0] in members:
        definitions = members[path[0]]
        if len(definitions) == 1 and isinstance(definitions[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _Found(DefinitionKind.FUNCTION, definitions[0], module, owner=node)
        return None  # an attribute, or several definitions
    for base in node.bases:
        found = _base_class(base, module, hops + 1)
        if found is None:
            if not _standard_base(base, module):
                return None  # a base we cannot read might define it first
            continue
        member = _member(found.node, found.module, path, hops + 1)
        if member is not None:
            return member
    return None


def _standard_base(base: ast.expr, module: StaticModule) -> bool:
    """A base class of the standard library or a builtin (`Exception`, `abc.ABC`, `Generic[T]`),
    which defines none of a library's methods."""
    if isinstance(base, ast.Subscript):
        base = base.value
    dotted = dotted_name(base)
    if not dotted:
        return False
    head = _module_name(module, dotted[0])
    return head is not None and is_standard(head)


def _base_class(base: ast.expr, module: StaticModule, hops: int) -> Optional[_Found]:
    if isinstance(base, ast.Subscript):
        base = base.value  # `Generic[T]`
    dotted = dotted_name(base)
    if not dotted or hops > MAX_HOPS:
        return None
    found = module.definitions.get(dotted[0])
    if not found:
        return None
    result = _agreed(follow_all(found, module, dotted[1:], hops))
    return result if result is not None and result.kind is DefinitionKind.CLASS else None


def _bases_after(owner: ast.ClassDef, module: StaticModule, name: str) -> Optional[_Found]:
    """What `super().name` finds from a method of `owner` (its bases, in order)."""
    for base in owner.bases:
        found = _base_class(base, module, 1)
        if found is not None:
            member = _member(found.node, found.module, [name], 2)
            if member is not None:
                return member
    return None


# -- the normal path of a function ----------------------------------------------------------------
def _platform_test(test: ast.expr) -> Optional[bool]:
    """True/False when `test` checks the operating system and this one does (not) match it;
    None for any other test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _platform_test(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_platform_test(value) for value in test.values]
        if isinstance(test.op, ast.And) and False in values:
            return False
        if isinstance(test.op, ast.Or) and True in values:
            return True
        return None
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith":
        if dotted_name(test.func.value) == ["sys", "platform"] and len(test.args) == 1:
            argument = test.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                return sys.platform.startswith(argument.value)
        return None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1):
        return None
    left, right, op = test.left, test.comparators[0], test.ops[0]
    subject = dotted_name(left) if not isinstance(left, ast.Call) else dotted_name(left.func)
    if subject == ["sys", "platform"]:
        actual = sys.platform
    elif subject == ["os", "name"]:
        actual = "nt" if sys.platform == "win32" else "posix"
    elif subject == ["platform", "system"] and isinstance(left, ast.Call):
        actual = {"win32": "Windows", "darwin": "Darwin"}.get(
            sys.platform, "Linux" if sys.platform.startswith("linux") else ""
        )
    else:
        return None
    if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, ast.Constant) and isinstance(right.value, str):
        equal = actual == right.value
        return equal if isinstance(op, ast.Eq) else not equal
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        listed = [item.value for item in right.elts if isinstance(item, ast.Constant)]
        contained = actual in listed
        return contained if isinstance(op, ast.In) else not contained
    return None


def _mentions_debug(test: ast.expr) -> bool:
    for node in ast.walk(test):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name is not None and ("debug" in name.lower() or name == "TYPE_CHECKING"):
            return True
    return False


def _negated(test: ast.expr) -> bool:
    return isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)


def _argument_test(test: ast.expr, known: Mapping[str, Any]) -> Optional[bool]:
    """True/False when `test` checks a parameter whose value the call makes known (`if path:`,
    `if path is not None:`, `if mode == "r":`, with `not`/`and`/`or`); None otherwise."""
    if not known:
        return None
    if isinstance(test, ast.Name):
        return bool(known[test.id]) if test.id in known else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _argument_test(test.operand, known)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_argument_test(value, known) for value in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else True if all(value is True for value in values) else None
        return True if True in values else False if all(value is False for value in values) else None
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "isinstance"
        and len(test.args) == 2
        and isinstance(test.args[0], ast.Name)
        and test.args[0].id in known
    ):
        return _constant_isinstance(known[test.args[0].id], test.args[1])
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name):
        if test.left.id not in known or not isinstance(test.comparators[0], ast.Constant):
            return None
        value, other, op = known[test.left.id], test.comparators[0].value, test.ops[0]
        if isinstance(op, ast.Is):
            return value is other if other is None or isinstance(other, bool) else None
        if isinstance(op, ast.IsNot):
            return value is not other if other is None or isinstance(other, bool) else None
        if isinstance(op, ast.Eq):
            return value == other
        if isinstance(op, ast.NotEq):
            return value != other
    return None


_BUILTIN_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "bytes": (bytes,),
    "int": (int,),
    "float": (float,),
    "bool": (bool,),
    "object": (object,),
}


def _constant_isinstance(value: Any, types: ast.expr) -> Optional[bool]:
    """`isinstance(constant, types)`: a constant (None, a number, a string) is an instance of
    builtin types only, never of a library's or the standard library's classes."""
    names = types.elts if isinstance(types, ast.Tuple) else [types]
    for name in names:
        if not isinstance(name, (ast.Name, ast.Attribute)):
            return None
        if isinstance(name, ast.Name) and name.id in _BUILTIN_TYPES:
            if isinstance(value, _BUILTIN_TYPES[name.id]):
                return True
    return False


_PARAMETERS = "\0parameters"  # key of `known` listing the function's parameters


def _type_test_on_parameter(test: ast.expr, known: Mapping[str, Any]) -> bool:
    """`isinstance(p, ...)` (or `not isinstance(...)`) on a parameter whose value is not known."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    return (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "isinstance"
        and len(test.args) == 2
        and isinstance(test.args[0], ast.Name)
        and test.args[0].id in known.get(_PARAMETERS, ())
        and test.args[0].id not in known
    )


def _normal_blocks(statement: Any, known: Mapping[str, Any]) -> list[Any]:
    """The branches of an `if` statement (lists of statements) or of a conditional expression
    (expressions) that are on the normal path."""
    platform = _platform_test(statement.test)
    if platform is None:
        platform = _argument_test(statement.test, known)
    if platform is None and _type_test_on_parameter(statement.test, known):
        # `if isinstance(source, (str, Path)): open(source)`: whether that runs depends on what
        # the caller passes, which is not known; the branch for the other types is kept.
        return [statement.orelse] if not _negated(statement.test) else [statement.body]
    if platform is True:
        return [statement.body]
    if platform is False:
        return [statement.orelse]
    if _mentions_debug(statement.test):
        # `if TYPE_CHECKING:` / `if self.debug:` run only under a flag; `if not debug:` is the
        # normal path.
        return [statement.orelse] if not _negated(statement.test) else [statement.body]
    return [statement.body, statement.orelse]


_calls_memo: dict[tuple[tuple[str, int, int], _Known], list[ast.expr]] = {}
_NOTHING_KNOWN: Mapping[str, Any] = {}


def _normal_calls(found: _Found, known: _Known = ()) -> list[ast.expr]:
    """Calls a function makes on its normal path (and attribute reads, which may run a property),
    in source order, given the parameter values the call makes known."""
    key = (found.key, known)
    calls = _calls_memo.get(key)
    if calls is None:
        calls = []
        arguments = found.node.args
        parameters = {argument.arg for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        _statement_calls(found.node.body, calls, {**dict(known), _PARAMETERS: frozenset(parameters)})
        _calls_memo[key] = calls
    return calls


def _statement_calls(body: list[ast.stmt], calls: list[ast.expr], known: Mapping[str, Any]) -> None:
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # defining runs nothing (decorators and defaults aside)
        if isinstance(statement, ast.If):
            _expression_calls(statement.test, calls, known)
            blocks = _normal_blocks(statement, known)
            for block in blocks:
                _statement_calls(block, calls, known)
            if blocks and all(block and isinstance(block[-1], (ast.Return, ast.Raise)) for block in blocks):
                return  # every way through the `if` leaves the function: nothing after it runs
        elif isinstance(statement, _TRY):
            tried: Any = statement
            for block in (tried.body, tried.orelse, tried.finalbody):
                _statement_calls(block, calls, known)  # handlers are the error path
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                _expression_calls(item.context_expr, calls, known)
            _statement_calls(statement.body, calls, known)
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            _expression_calls(statement.iter, calls, known)
            _statement_calls(statement.body, calls, known)
            _statement_calls(statement.orelse, calls, known)
        elif isinstance(statement, ast.While):
            _expression_calls(statement.test, calls, known)
            _statement_calls(statement.body, calls, known)
            _statement_calls(statement.orelse, calls, known)
        elif _MATCH and isinstance(statement, _MATCH):
            matched: Any = statement
            _expression_calls(matched.subject, calls, known)
            for case in matched.cases:
                _statement_calls(case.body, calls, known)
        else:
            _expression_calls(statement, calls, known)
        if isinstance(statement, (ast.Raise, ast.Return, ast.Continue, ast.Break)):
            return  # nothing after it in this block runs


def _expression_calls(node: ast.AST, calls: list[ast.expr], known: Mapping[str, Any] = _NOTHING_KNOWN) -> None:
    """The calls in an expression, and the attribute reads (`name.attribute`,
    `self.name.attribute`) that are not the callee of a call: a property's getter runs on them."""
    pending = [node]
    found: list[ast.expr] = []
    called: set[int] = set()
    while pending:
        current = pending.pop()
        if isinstance(current, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(current, ast.IfExp):
            # `parse(x) if x is not None else x`: the branches the arguments leave possible.
            pending.append(current.test)
            pending.extend(_normal_blocks(current, known))
            continue
        if isinstance(current, ast.Call):
            found.append(current)
            called.add(id(current.func))
        elif (
            isinstance(current, ast.Attribute)
            and isinstance(current.ctx, ast.Load)
            and id(current) not in called
            and (
                isinstance(current.value, ast.Name)
                or (isinstance(current.value, ast.Attribute) and isinstance(current.value.value, ast.Name))
            )
        ):
            found.append(current)
        pending.extend(ast.iter_child_nodes(current))
    found.sort(key=lambda step: (step.lineno, step.col_offset))
    calls.extend(found)


def _runs_body(found: _Found) -> bool:
    """Calling it runs its body now: a plain `def`, not a generator, not behind a decorator that
    might replace it (a cache, a retry wrapper that offloads, `asyncify`). A decorator of the
    library that gives the function back as it is (Jinja2's `internalcode`) replaces nothing."""
    function = found.node
    if isinstance(function, ast.AsyncFunctionDef):
        return False
    for decorator in function.decorator_list:
        if decorator_name(decorator) in _TRANSPARENT_DECORATORS:
            continue
        key = (found.module.name, decorator.lineno, decorator.col_offset)
        if key not in _identity_decorators_memo:
            _identity_decorators_memo[key] = _returns_its_argument(decorator, found.module)
        if not _identity_decorators_memo[key]:
            return False
    return not _body_fact(function, "yields")


_identity_decorators_memo: dict[tuple[str, int, int], bool] = {}


def _returns_its_argument(decorator: ast.expr, module: StaticModule) -> bool:
    """`@name` (not called) naming a plain library function of one parameter whose every `return`
    gives that parameter back, never assigned, and whose body ends with such a `return`."""
    dotted = dotted_name(decorator)
    if not dotted:
        return False
    head = _module_name(module, dotted[0])
    found = locate(".".join([head, *dotted[1:]])) if head else None
    if found is None or found.kind is not DefinitionKind.FUNCTION or found.owner is not None:
        return False
    node = found.node
    arguments = node.args
    parameters = [*arguments.posonlyargs, *arguments.args]
    if (
        not isinstance(node, ast.FunctionDef)
        or node.decorator_list
        or len(parameters) != 1
        or arguments.vararg is not None
        or arguments.kwarg is not None
        or arguments.kwonlyargs
        or not node.body
        or _body_fact(node, "yields")
    ):
        return False
    name = parameters[0].arg
    returned = [statement for statement in _statements(node.body) if isinstance(statement, ast.Return)]
    if not all(isinstance(statement.value, ast.Name) and statement.value.id == name for statement in returned):
        return False
    if not isinstance(node.body[-1], ast.Return):
        return False
    return name not in _Function(found, None).assigned and name not in _body_fact(node, "walrus")


# (id of a function node, question) → (the node, kept so that the id stays its own; the answer)
_body_facts_memo: dict[tuple[int, str], tuple[Any, Any]] = {}


def _body_fact(function: Any, question: str) -> Any:
    """Whether a function's body yields, or the names its walrus expressions bind: each read once
    per function however many calls reach it."""
    key = (id(function), question)
    known = _body_facts_memo.get(key)
    if known is None:
        answer = body_yields(function) if question == "yields" else frozenset(_walrus_names(function.body))
        known = _body_facts_memo[key] = (function, answer)
    return known[1]


# -- what a function calls -------------------------------------------------------------------------
_Target = Union[str, tuple[str, _Found, Optional[str]]]  # a leaf name, or (shown name, function/class, self class)
# What a call passes: per positional argument and per keyword, ("=", constant) or ("?",) for a
# value not known; `starred` when `*args`/`**kwargs` make the binding unknown.
# ("class", qualified) is a new instance of that class (`FileSystemLoader("templates")`).
_Value = tuple[Any, ...]
_Known = tuple[tuple[str, Any], ...]  # parameter → constant value, sorted
# The classes an instance was constructed with: parameter of its class's `__init__` → the class
# of the argument, sorted. `self.x = parameter` in that `__init__` is then an instance of it.
_Classes = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CallShape:
    positional: tuple[_Value, ...] = ()
    keywords: tuple[tuple[str, _Value], ...] = ()
    starred: bool = False
    receiver: Optional[CallShape] = None  # `Client(...).method()`: what constructed the instance

    def key(self) -> str:
        """Text for the answers' key (plain data)."""
        positional = ",".join(_value_key(value) for value in self.positional)
        keywords = ",".join(f"{name}={_value_key(value)}" for name, value in self.keywords)
        receiver = f"<{self.receiver.key()}>" if self.receiver is not None else ""
        return f"({positional};{keywords}{';*' if self.starred else ''}){receiver}"


def _value_key(value: _Value) -> str:
    if value[0] == "=":
        return repr(value[1])
    return f"<{value[1]}>" if value[0] == "class" else "?"


_CONSTANT_TYPES = (type(None), bool, int, float, str, bytes)


def _bound(
    function: Any, shape: Optional[CallShape], skip_first: bool
) -> Optional[tuple[list[Any], dict[str, _Value]]]:
    """The parameters of `function` and what the call passes to each of them; None when
    `*args`/`**kwargs` on either side make that uncertain."""
    if shape is None or shape.starred:
        return None
    arguments = function.args
    if arguments.vararg is not None or arguments.kwarg is not None:
        return None
    positional = [*arguments.posonlyargs, *arguments.args]
    if skip_first:
        positional = positional[1:]
    if len(shape.positional) > len(positional):
        return None
    passed: dict[str, _Value] = {parameter.arg: value for parameter, value in zip(positional, shape.positional)}
    passed.update(shape.keywords)
    return [*positional, *arguments.kwonlyargs], passed


def known_arguments(function: Any, shape: Optional[CallShape], skip_first: bool) -> _Known:
    """Parameter values a call makes certain: constants it passes and the defaults of what it
    leaves out. Nothing with `*args`/`**kwargs` on either side."""
    bound = _bound(function, shape, skip_first)
    if bound is None:
        return ()
    parameters, passed = bound
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: dict[str, Any] = {}
    for parameter, default in zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults):
        defaults[parameter.arg] = default
    for parameter, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if default is not None:
            defaults[parameter.arg] = default
    known: dict[str, Any] = {}
    for parameter in parameters:
        name = parameter.arg
        if name in passed:
            if passed[name][0] == "=":
                known[name] = passed[name][1]
        elif isinstance(defaults.get(name), ast.Constant) and isinstance(defaults[name].value, _CONSTANT_TYPES):
            known[name] = defaults[name].value
    return tuple(sorted(known.items(), key=lambda item: item[0]))


def argument_classes(init: Optional[_Found], shape: Optional[CallShape]) -> _Classes:
    """The parameters of a class's `__init__` that a constructor call passes a new instance of a
    class to (`Environment(loader=FileSystemLoader(...))`), each with that class as the library's
    source states it (a class, or a function annotated to return one)."""
    bound = _bound(init.node, shape, True) if init is not None else None
    if bound is None:
        return ()
    classes = {}
    for name, value in bound[1].items():
        if value[0] == "class":
            made = _call_type(value[1])
            if made is not None:
                classes[name] = made
    return tuple(sorted(classes.items()))


class _Function:
    """Names and value types inside one library function, for resolving what it calls."""

    def __init__(self, found: _Found, self_class: Optional[str], instance: _Classes = ()):
        self.found = found
        self.module = found.module
        self.self_class = self_class
        self.instance = instance  # what the instance `self` is was constructed with
        node = found.node
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        every = [*positional, *arguments.kwonlyargs]
        if arguments.vararg is not None:
            every.append(arguments.vararg)
        if arguments.kwarg is not None:
            every.append(arguments.kwarg)
        self.parameters = {argument.arg: argument for argument in every}
        decorators = {decorator_name(decorator) for decorator in node.decorator_list}
        self.self_name: Optional[str] = None
        self.class_name: Optional[str] = None  # `cls` of a classmethod
        if found.owner is not None and positional and "staticmethod" not in decorators:
            if "classmethod" in decorators:
                self.class_name = positional[0].arg
            else:
                self.self_name = positional[0].arg
        self.imports: dict[str, str] = {}
        self.assigned: dict[str, list[Optional[ast.expr]]] = {}
        self._scan(node.body)

    def _scan(self, body: list[ast.stmt]) -> None:
        for node in _statements(body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        self.imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                source = absolute_module(node.module, node.level, self.module.package)
                for alias in node.names:
                    if source and alias.name != "*":
                        self.imports[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign):
                self._bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                self._bind(node.target, None)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self._bind(node.target, None)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, None)
            elif isinstance(node, _TRY):
                tried: Any = node
                for handler in tried.handlers:
                    if handler.name:
                        self.assigned.setdefault(handler.name, []).append(None)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for name in node.names:
                    self.assigned.setdefault(name, []).append(None)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.assigned.setdefault(node.name, []).append(None)

    def _bound_by_walrus(self, name: str) -> bool:
        return name in _body_fact(self.found.node, "walrus")

    def _bind(self, target: ast.expr, value: Optional[ast.expr]) -> None:
        if isinstance(target, ast.Name):
            self.assigned.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    self.assigned.setdefault(node.id, []).append(None)

    # -- names of module-level things (modules, functions, classes) --
    def qualify(self, expr: ast.expr) -> Optional[str]:
        if isinstance(expr, ast.Name):
            name = expr.id
            if name in self.imports:
                return self.imports[name]
            if name in self.parameters or name in self.assigned or self._bound_by_walrus(name):
                return None
            return _module_name(self.module, name)
        if isinstance(expr, ast.Attribute):
            base = self.qualify(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    # -- the class of a value, when the source makes it certain --
    def type_of(self, expr: Optional[ast.expr], depth: int = 0) -> Optional[str]:
        if expr is None or depth > 6:
            return None
        if isinstance(expr, ast.Call):
            return _call_type(self.qualify(expr.func) if not self._dispatches(expr.func) else None)
        if isinstance(expr, ast.Name):
            name = expr.id
            if name == self.self_name and name not in self.assigned:
                return self.self_class
            if name in self.parameters and name not in self.assigned:
                if self.instance and self.self_class is not None and _is_init_of(self.found, self.self_class):
                    given = dict(self.instance).get(name)
                    if given is not None:
                        return given  # the constructor call passed a new instance of it
                annotation = self.parameters[name].annotation
                return _annotation_type(annotation, self.module) if annotation is not None else None
            values = self.assigned.get(name)
            if values is not None:
                return _agree([self.type_of(value, depth + 1) for value in values if not _is_none(value)])
            if name in self.imports or self._bound_by_walrus(name):
                return None
            return _global_type(self.module, name)
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id == self.self_name
            and self.self_class is not None
        ):
            return _attribute_type(self.self_class, expr.attr, self.instance)
        return None

    def _dispatches(self, func: ast.expr) -> bool:
        return (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id
            in (
                self.self_name,
                self.class_name,
            )
        )

    # -- what a call passes --
    def shape(self, call: ast.Call, known: Mapping[str, Any]) -> CallShape:
        def value(expr: ast.expr) -> _Value:
            if isinstance(expr, ast.Constant) and isinstance(expr.value, _CONSTANT_TYPES):
                return ("=", expr.value)
            if isinstance(expr, ast.Name) and expr.id in known:
                return ("=", known[expr.id])
            return ("?",)

        starred = any(isinstance(arg, ast.Starred) for arg in call.args) or any(
            keyword.arg is None for keyword in call.keywords
        )
        return CallShape(
            tuple(value(arg) for arg in call.args),
            tuple((keyword.arg, value(keyword.value)) for keyword in call.keywords if keyword.arg is not None),
            starred,
        )

    # -- the target of a call --
    def target(self, call: ast.Call, leaves: Mapping[str, str]) -> Optional[_Target]:
        func = call.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            # `self.method()` / `cls.method()`: the class the caller named decides (an override wins).
            if isinstance(receiver, ast.Name) and receiver.id in (self.self_name, self.class_name):
                if receiver.id in self.assigned or self.self_class is None:
                    return None
                return _method_target(self.self_class, func.attr, leaves)
            if (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Name)
                and receiver.func.id == "super"
                and self.found.owner is not None
                and self.self_class is not None
            ):
                found = _bases_after(self.found.owner, self.module, func.attr)
                if found is None or not _runs_body(found):
                    return None
                return (found.qualified, found, self.self_class)
            receiver_type = self.type_of(receiver)
            if receiver_type is not None:
                return _method_target(receiver_type, func.attr, leaves)
        if isinstance(func, ast.Name) and func.id == self.class_name and self.self_class is not None:
            return _named_target(self.self_class, leaves)
        if isinstance(func, ast.Name) and (func.id in self.parameters or func.id in self.assigned):
            # Calling an instance runs its class's `__call__`.
            instance = self.type_of(func)
            return _method_target(instance, "__call__", leaves) if instance is not None else None
        qualified = self.qualify(func)
        return _named_target(qualified, leaves) if qualified else None

    def on_self(self, expr: ast.expr) -> bool:
        """`self.name(...)`, `super().name(...)` or `self.name`: the instance this function runs on."""
        receiver = expr.func.value if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) else None
        if isinstance(expr, ast.Attribute):
            receiver = expr.value
        if isinstance(receiver, ast.Name):
            return receiver.id == self.self_name and receiver.id not in self.assigned
        return (
            isinstance(receiver, ast.Call)
            and isinstance(receiver.func, ast.Name)
            and receiver.func.id == "super"
            and self.self_name is not None
        )

    def property_read(self, attribute: ast.Attribute) -> Optional[tuple[str, _Found, str]]:
        """`self.name` / `value.name` where the class of the value has `name` as a property: the
        read runs the getter."""
        receiver = attribute.value
        if isinstance(receiver, ast.Attribute):
            owner = self.type_of(receiver)  # `self.settings.data`
        elif not isinstance(receiver, ast.Name):
            return None
        elif receiver.id == self.self_name and receiver.id not in self.assigned:
            owner = self.self_class
        elif receiver.id in self.parameters or receiver.id in self.assigned:
            owner = self.type_of(receiver)
        else:
            return None  # a module or a module-level name: not an instance this function made
        if owner is None or is_standard(owner):
            return None
        getter = _property_getter(owner, attribute.attr)
        return (f"{owner}.{attribute.attr}", getter, owner) if getter is not None else None


def _statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Every statement of a function body, compound ones included, without entering nested
    definitions (their names are bound, their bodies are not this function's)."""
    pending = list(reversed(body))
    while pending:
        statement = pending.pop()
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        blocks: list[list[ast.stmt]] = []
        for field in ("body", "orelse", "finalbody"):
            block = getattr(statement, field, None)
            if isinstance(block, list):
                blocks.append(block)
        blocks.extend(handler.body for handler in getattr(statement, "handlers", ()))
        blocks.extend(case.body for case in getattr(statement, "cases", ()))
        for block in reversed(blocks):
            pending.extend(reversed(block))


def _walrus_names(body: list[ast.stmt]) -> list[str]:
    names = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                names.append(node.target.id)
    return names


def _module_name(module: StaticModule, name: str) -> Optional[str]:
    """Qualified name of what `name` is bound to at module level (imports, defs, classes). An
    import that succeeds in this environment hides its `except ImportError:` fallback."""
    definitions = module.definitions.get(name)
    if definitions and module.import_fallbacks:
        normal = [binding for binding in definitions if id(binding) not in module.import_fallbacks]
        if normal and len(normal) < len(definitions) and all(_importable(binding) for binding in normal):
            definitions = normal
    if not definitions:
        return None if module.open_ended or name not in BUILTIN_NAMES else f"builtins.{name}"
    names = set()
    for definition in definitions:
        if isinstance(definition, ImportedModule):
            names.add(definition.module)
        elif isinstance(definition, ImportedName):
            names.add(f"{definition.module}.{definition.name}")
        elif isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(f"{module.name}.{name}")
        else:
            return None  # bound by an assignment: its value decides
    return names.pop() if len(names) == 1 else None


def _importable(binding: Any) -> bool:
    """An import of a module that is there: of the standard library or installed as source."""
    if not isinstance(binding, (ImportedModule, ImportedName)):
        return False
    return is_standard(binding.module) or source_file(binding.module) is not None


def _global_type(module: StaticModule, name: str) -> Optional[str]:
    """The class of a module-level variable (`_session = requests.Session()`) when every
    assignment to it agrees."""
    definitions = module.definitions.get(name)
    if not definitions:
        return None
    types: list[Optional[str]] = []
    for definition in definitions:
        value = definition.value if isinstance(definition, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(definition, ast.AnnAssign):
            types.append(_annotation_type(definition.annotation, module))
        elif isinstance(value, ast.Call):
            dotted = dotted_name(value.func)
            head = _module_name(module, dotted[0]) if dotted else None
            types.append(_call_type(".".join([head, *dotted[1:]]) if head and dotted else None))
        elif not _is_none(value):
            types.append(None)
    return _agree(types)


def _is_none(value: Optional[ast.expr]) -> bool:
    return isinstance(value, ast.Constant) and value.value is None


def _agree(types: list[Optional[str]]) -> Optional[str]:
    if not types or None in types:
        return None
    unique = set(types)
    return unique.pop() if len(unique) == 1 else None


def _return_types() -> Mapping[str, str]:
    from asynclint import catalog

    return catalog.return_types()


def _call_type(callee: Optional[str]) -> Optional[str]:
    """The class of what calling `callee` returns: the catalog says, or it is a library class, or
    a library function annotated to return one."""
    if callee is None:
        return None
    known = _return_types().get(callee)
    if known is not None:
        return known
    if is_standard(callee):
        # The standard library names its classes in CapWords (`ssl.SSLContext`); the exceptions
        # that matter (`socket.socket`) are in the catalog's RETURN_TYPES.
        return callee if callee.rsplit(".", 1)[-1][:1].isupper() and not callee.startswith("builtins.") else None
    found = locate(callee)
    if found is None:
        return None
    if found.kind is DefinitionKind.CLASS:
        return callee
    if isinstance(found.node, ast.FunctionDef) and found.node.returns is not None:
        return _annotation_type(found.node.returns, found.module)
    return None


def _annotation_type(annotation: Optional[ast.expr], module: StaticModule, depth: int = 0) -> Optional[str]:
    """`Session`, `Optional[Session]`, `Session | None`, `"Session"` → the qualified class."""
    if annotation is None or depth > 4:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            parsed = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
        return _annotation_type(parsed, module, depth + 1)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [side for side in (annotation.left, annotation.right) if not _is_none(side)]
        return _annotation_type(sides[0], module, depth + 1) if len(sides) == 1 else None
    if isinstance(annotation, ast.Subscript):
        head = dotted_name(annotation.value)
        if head and head[-1] == "Optional":
            return _annotation_type(annotation.slice, module, depth + 1)
        return None
    dotted = dotted_name(annotation)
    if not dotted:
        return None
    qualified = _module_name(module, dotted[0])
    if qualified is None:
        return None
    qualified = ".".join([qualified, *dotted[1:]])
    if is_standard(qualified):
        return qualified if not qualified.startswith("builtins.") else None
    return qualified if _library_class(qualified) is not None else None


_Question = TypeVar("_Question", bound=Callable[..., Any])


def _per_member(memo: dict[tuple, Any]) -> Callable[[_Question], _Question]:
    """Keep `answer(class_name, attribute, ...)` in `memo` under its arguments; while it is
    computed, a question that comes back to the same member (through a base, a getter, another
    attribute) reads None."""

    def decorate(answer: _Question) -> _Question:
        def remembered(*key: Any) -> Any:
            if key in memo:
                return memo[key]
            memo[key] = None  # guards cycles
            memo[key] = result = answer(*key)
            return result

        return cast(_Question, remembered)

    return decorate


def _library_class(qualified: str) -> Optional[_Found]:
    """The class `qualified` names in an installed library's source; None for anything else."""
    found = locate(qualified)
    return found if found is not None and found.kind is DefinitionKind.CLASS else None


_attribute_types_memo: dict[tuple, Optional[str]] = {}


@_per_member(_attribute_types_memo)
def _attribute_type(class_name: str, attribute: str, instance: _Classes = ()) -> Optional[str]:
    """The class of `self.attribute` for an instance of `class_name` (constructed with `instance`):
    every assignment to it in the class and its bases (class body annotations, `self.attribute =
    ...` in any method) agrees."""
    getter = _property_getter(class_name, attribute)
    if getter is not None:
        return _returned_type(getter, class_name)
    found = _library_class(class_name)
    if found is None:
        return None
    types: list[Optional[str]] = []
    for owner in _class_and_bases(found):
        types.extend(_assigned_types(owner, class_name, attribute, instance))
    return _agree(types)


_property_memo: dict[tuple[str, str], Optional[_Found]] = {}


@_per_member(_property_memo)
def _property_getter(class_name: str, attribute: str) -> Optional[_Found]:
    """The getter of `class_name.attribute` when the first class along the bases that defines the
    name defines it as a plain `@property` (a setter and a deleter may accompany it)."""
    found = _library_class(class_name)
    for owner in _class_and_bases(found) if found is not None else ():
        if owner.node is None:
            return None  # a base that cannot be read may define it first
        definitions = _members(owner.node, owner.module).get(attribute)
        if not definitions:
            continue
        getters = [
            definition
            for definition in definitions
            if isinstance(definition, ast.FunctionDef)
            and [decorator_name(decorator) for decorator in definition.decorator_list] == ["property"]
        ]
        accessors = {f"{attribute}.setter", f"{attribute}.deleter"}
        others = [definition for definition in definitions if not any(definition is getter for getter in getters)]
        if (
            len(getters) == 1
            and not body_yields(getters[0])
            and all(
                isinstance(other, ast.FunctionDef)
                and len(other.decorator_list) == 1
                and decorator_name(other.decorator_list[0]) in accessors
                for other in others
            )
        ):
            return _Found(DefinitionKind.FUNCTION, getters[0], owner.module, owner=owner.node)
        return None
    return None


def _returned_type(function: _Found, self_class: str) -> Optional[str]:
    """The class of what a function returns: its annotation, else every `return` agreeing."""
    node = function.node
    if node.returns is not None:
        return _annotation_type(node.returns, function.module)
    reader = _Function(function, self_class)
    values = [statement.value for statement in _statements(node.body) if isinstance(statement, ast.Return)]
    return _agree([reader.type_of(value) for value in values]) if values else None


def _class_and_bases(found: _Found, hops: int = 0) -> list[_Found]:
    classes = [found]
    if hops > MAX_HOPS:
        return classes
    for base in found.node.bases:
        resolved = _base_class(base, found.module, hops + 1)
        if resolved is None:
            if not _standard_base(base, found.module):
                classes.append(_Found(DefinitionKind.CLASS, None, found.module))  # an unknown base: assignments unknown
            continue
        classes.extend(_class_and_bases(resolved, hops + 1))
    return classes


def _assigned_types(owner: _Found, class_name: str, attribute: str, instance: _Classes) -> list[Optional[str]]:
    if owner.node is None:
        return [None]  # a base class we cannot read
    types: list[Optional[str]] = []
    for statement in owner.node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if statement.target.id == attribute:
                types.append(_annotation_type(statement.annotation, owner.module))
        elif isinstance(statement, ast.Assign):
            if any(isinstance(target, ast.Name) and target.id == attribute for target in statement.targets):
                if not _is_none(statement.value):
                    types.append(None)
    for method, node in _self_stores(owner).get(attribute, ()):
        if node is None:
            types.append(None)  # bound in a tuple, augmented, or the like
        elif isinstance(node, ast.AnnAssign):
            types.append(_annotation_type(node.annotation, owner.module))
        elif not _is_none(node.value):
            types.append(_Function(method, class_name, instance).type_of(node.value))
    return types


_self_stores_memo: dict[tuple[str, int, int], dict[str, list[tuple[_Found, Any]]]] = {}


def _self_stores(owner: _Found) -> dict[str, list[tuple[_Found, Any]]]:
    """`self.x = ...` statements of every method of a class, by attribute."""
    key = owner.key
    stores = _self_stores_memo.get(key)
    if stores is not None:
        return stores
    stores = {}
    for statement in owner.node.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        arguments = [*statement.args.posonlyargs, *statement.args.args]
        decorators = {decorator_name(decorator) for decorator in statement.decorator_list}
        if not arguments or decorators & {"staticmethod", "classmethod"}:
            continue
        self_name = arguments[0].arg
        method = _Found(DefinitionKind.FUNCTION, statement, owner.module, owner=owner.node)
        for node in _statements(statement.body):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        if target.value.id == self_name:
                            plain = not isinstance(node, ast.AugAssign)
                            stores.setdefault(target.attr, []).append((method, node if plain else None))
                    elif isinstance(target, (ast.Tuple, ast.List)):
                        for item in ast.walk(target):
                            if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name):
                                if item.value.id == self_name:
                                    stores.setdefault(item.attr, []).append((method, None))
    _self_stores_memo[key] = stores
    return stores


def _method_target(class_name: str, method: str, leaves: Mapping[str, str]) -> Optional[_Target]:
    qualified = f"{class_name}.{method}"
    if qualified in leaves:
        return qualified
    if is_standard(class_name):
        return None
    found = locate(qualified)
    if found is None or found.kind is not DefinitionKind.FUNCTION or not _runs_body(found):
        return None
    if found.qualified in leaves:
        return found.qualified
    return (qualified, found, class_name)


def _init_of(class_name: str) -> Optional[_Found]:
    """The `__init__` that constructing `class_name` runs (its own or a base's)."""
    found = _library_class(class_name)
    if found is None:
        return None
    return _member(found.node, found.module, ["__init__"], 1)


def _is_init_of(function: _Found, class_name: str) -> bool:
    init = _init_of(class_name)
    return init is not None and init.node is function.node


def _named_target(qualified: str, leaves: Mapping[str, str]) -> Optional[_Target]:
    if qualified in leaves:
        return qualified
    if is_standard(qualified):
        return None
    found = locate(qualified)
    if found is None:
        return None
    if found.kind is DefinitionKind.CLASS:
        init = _init_of(qualified)
        if init is None or not _runs_body(init):
            return None
        return (qualified, init, qualified)
    if found.qualified in leaves:
        return found.qualified
    if found.owner is not None or not _runs_body(found):
        return None  # `Class.method` called through the class: an unbound call, rare and unclear
    return (qualified, found, None)


_SOCKET_METHODS = "socket.socket."
_SET_NON_BLOCKING = (b"setblocking(False)", b"setblocking(0)", b"settimeout(0)", b"settimeout(0.0)")
_non_blocking_memo: dict[str, bool] = {}


def _non_blocking_sockets(found: _Found) -> bool:
    """The module makes its sockets non-blocking (tornado's IOStream, an event loop of its own):
    its socket reads and writes return at once instead of waiting."""
    name = found.module.name
    answer = _non_blocking_memo.get(name)
    if answer is None:
        filename = source_file(name)
        try:
            with open(filename or "", "rb") as handle:
                data = handle.read().replace(b" ", b"")
        except OSError:
            data = b""
        answer = any(marker in data for marker in _SET_NON_BLOCKING)
        _non_blocking_memo[name] = answer
    return answer


_Edge = Union[str, tuple[str, _Found, Optional[str], _Known, _Classes]]
_edges_memo: dict[tuple[tuple[str, int, int], Optional[str], _Known, _Classes], list[_Edge]] = {}


def _takes_self(found: _Found) -> bool:
    """A method called through an instance or class: its first parameter is bound already."""
    if found.owner is None:
        return False
    return "staticmethod" not in {decorator_name(decorator) for decorator in found.node.decorator_list}


def _edges(
    found: _Found, self_class: Optional[str], known: _Known, leaves: Mapping[str, str], instance: _Classes = ()
) -> list[_Edge]:
    key = (found.key, self_class, known, instance)
    edges = _edges_memo.get(key)
    if edges is None:
        function = _Function(found, self_class, instance)
        # A parameter assigned again in the body no longer has the value the call passed.
        values = {name: value for name, value in known if name not in function.assigned}
        edges = []
        for call in _normal_calls(found, tuple(sorted(values.items(), key=lambda item: item[0]))):
            if isinstance(call, ast.Attribute):
                read = function.property_read(call)
                if read is not None:
                    same = instance if function.on_self(call) else ()
                    edges.append((*read, known_arguments(read[1].node, CallShape(), True), same))
                continue
            assert isinstance(call, ast.Call)
            target = function.target(call, leaves)
            if target is None or isinstance(target, str):
                if target is not None and not (target.startswith(_SOCKET_METHODS) and _non_blocking_sockets(found)):
                    edges.append(target)
                continue
            callee = target[1]
            passed = known_arguments(callee.node, function.shape(call, values), _takes_self(callee))
            edges.append((target[0], callee, target[2], passed, instance if function.on_self(call) else ()))
        _edges_memo[key] = edges
    return edges


# -- the search ------------------------------------------------------------------------------------
# Which chain to show when several lead out of a function: network and database calls say most
# about why it blocks, a sleep in a retry loop least.
_PRIORITY = {"ASY101": 0, "ASY104": 0, "ASY105": 0, "ASY102": 1, "ASY103": 2, "ASY107": 2, "ASY106": 3, "ASY100": 4}


def _search(qualified: str, leaves: Mapping[str, str], shape: Optional[CallShape] = None) -> Optional[list[str]]:
    """Breadth first from `qualified`; of the shortest chains to each kind of blocking call, the
    one with the most telling kind (see `_PRIORITY`)."""
    if is_async_variant(qualified) or qualified in leaves:
        return []
    start = _named_target(qualified, leaves)
    if start is None:
        # `obj.method` on an instance: `qualified` is `Class.method`.
        owner, _, method = qualified.rpartition(".")
        start = _method_target(owner, method, leaves) if owner and _library_class(owner) is not None else None
    if start is None or isinstance(start, str):
        return []  # not a library callable whose source we can read (or a catalog call itself)
    if is_async_variant(start[1].qualified):
        return []
    known = known_arguments(start[1].node, shape, _takes_self(start[1]))
    if start[2] is None:
        instance: _Classes = ()
    elif _is_init_of(start[1], start[2]):
        instance = argument_classes(start[1], shape)  # `Client(transport=Transport())`
    else:
        instance = argument_classes(_init_of(start[2]), shape.receiver if shape is not None else None)
    first = (start[1].key, start[2], known, instance)
    queue: deque[tuple[tuple[str, _Found, Optional[str], _Known, _Classes], int]] = deque(
        [((*start, known, instance), 1)]
    )
    previous: dict[tuple[Any, ...], Optional[tuple[Any, ...]]] = {first: None}
    shown: dict[tuple[Any, ...], str] = {first: start[0]}
    best: Optional[tuple[int, list[str]]] = None
    expanded = 0
    complete = True
    while queue:
        (name, found, self_class, known, instance), depth = queue.popleft()
        state = (found.key, self_class, known, instance)
        expanded += 1
        if expanded > MAX_FUNCTIONS:
            complete = False
            break
        for target in _edges(found, self_class, known, leaves, instance):
            if isinstance(target, str):
                rank = _PRIORITY.get(leaves[target], 5)
                if best is None or rank < best[0]:
                    chain = [target]
                    cursor: Optional[tuple[Any, ...]] = state
                    while cursor is not None:
                        chain.append(shown[cursor])
                        cursor = previous[cursor]
                    chain.reverse()
                    best = (rank, chain)
                    if rank == 0:
                        return chain
                continue
            following = (target[1].key, target[2], target[3], target[4])
            if following in previous:
                continue
            if depth + 1 >= MAX_DEPTH:
                complete = False  # a leaf below it would make the chain too long to follow
                continue
            previous[following] = state
            shown[following] = target[0]
            queue.append((target, depth + 1))
    if best is not None:
        return best[1]
    return [] if complete else None
