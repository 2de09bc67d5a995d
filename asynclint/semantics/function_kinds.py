"""What calling a function defined in this file gives: a coroutine (an `async def` without
`yield`), an async generator (an `async def` with one), a generator, or a plain value.

A coroutine function is only claimed when nothing can change that: every definition of the name
(`@overload` stubs aside) is an `async def` whose decorators are known to return the function as
it is (`staticmethod`, `abstractmethod`, `override` ...). An async generator function is never a
coroutine function: calling it builds an async generator, which is iterated, not awaited.
Across files, `asynclint.semantics.coroutines.is_coroutine_function` answers from the facts each
file records with these answers.
"""

from __future__ import annotations

from typing import Collection, Optional, cast

import libcst as cst

from asynclint.catalog.tasks import TRANSPARENT_DECORATORS
from asynclint.semantics.names import NameAnswers
from asynclint.semantics.scope import Binding, BindingKind, Scope, dotted_name, iter_subtree

# `@overload` stubs declare signatures; the definition without it is the one that runs.
OVERLOAD_DECORATORS = frozenset({"typing.overload", "typing_extensions.overload"})


def body_yields(function: cst.FunctionDef) -> bool:
    """A `yield` (or `yield from`) in the function's own body, nested functions aside."""
    return any(type(node) is cst.Yield for node in iter_subtree(function.body))


def is_generator_function(function: cst.FunctionDef) -> bool:
    """A `def` whose body yields: calling it runs none of the body."""
    return function.asynchronous is None and body_yields(function)


def is_async_generator_function(function: cst.FunctionDef) -> bool:
    """An `async def` whose body yields: calling it makes an async generator, not a coroutine."""
    return function.asynchronous is not None and body_yields(function)


def decorator_target(decorator: cst.Decorator) -> cst.BaseExpression:
    """What a decorator names: `retry` for `@retry` and for `@retry(times=3)`."""
    target = decorator.decorator
    return target.func if type(target) is cst.Call else target


def decorated_with(function: cst.FunctionDef, wanted: Collection[str], names: NameAnswers, scope: Scope) -> bool:
    """One of the decorators (called or not) is in `wanted`, by qualified name or as written."""
    for decorator in function.decorators:
        target = decorator_target(decorator)
        if names.qualified_name(target, scope) in wanted or dotted_name(target) in wanted:
            return True
    return False


def makes_coroutine(function: cst.FunctionDef, names: NameAnswers, scope: Scope) -> bool:
    """Calling `function` (defined in `scope`) returns a coroutine: an `async def` that does not
    yield, with only decorators known to leave it as it is."""
    if function.asynchronous is None:
        return False
    for decorator in function.decorators:
        target = decorator.decorator
        qualified = names.qualified_name(target, scope) if type(target) in (cst.Name, cst.Attribute) else None
        if qualified not in TRANSPARENT_DECORATORS:
            return False
    return not body_yields(function)


def functions_of(bindings: list[Binding], names: NameAnswers) -> Optional[list[tuple[cst.FunctionDef, Scope]]]:
    """The definitions that run when the name is called, each with the scope it is bound in: every
    binding must be a `def`; `@overload` stubs are left out. None when that is not so."""
    if not bindings or any(binding.kind is not BindingKind.DEF for binding in bindings):
        return None
    found = [(cast(cst.FunctionDef, binding.node), binding.scope) for binding in bindings]
    found = [(function, scope) for function, scope in found if not decorated_with(function, OVERLOAD_DECORATORS, names, scope)]
    return found or None


def definitions_make_coroutines(bindings: list[Binding], names: NameAnswers) -> Optional[bool]:
    """Whether calling the name these bindings define returns a coroutine; None when they are not
    all `def`s (a name bound by an assignment or an import is answered elsewhere)."""
    functions = functions_of(bindings, names)
    if functions is None:
        return None
    return all(makes_coroutine(function, names, scope) for function, scope in functions)


def definitions_make_async_generators(bindings: list[Binding], names: NameAnswers) -> bool:
    """Every definition the bindings give is an async generator function."""
    functions = functions_of(bindings, names)
    return functions is not None and all(is_async_generator_function(function) for function, _ in functions)


def definitions_make_generators(bindings: list[Binding], names: NameAnswers) -> bool:
    """Every definition the bindings give is a (sync) generator function."""
    functions = functions_of(bindings, names)
    return functions is not None and all(is_generator_function(function) for function, _ in functions)
