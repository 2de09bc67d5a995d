"""Does this block of statements always end in an exception, or always leave (raise, `return`,
`break`, `continue`)? Answers "yes" only when sure.

Used where a rule must know that a handler never finishes normally (a `raise` on every path,
directly or through a call to a function that never returns: annotated `NoReturn`/`Never`, or
whose own body always raises), or that the statements after an `if` only run when its test is
false (`if not ready: return`).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import libcst as cst

from asynclint.semantics.scope import dotted_name

# Finds the definition a call goes to (same module only), or None when unknown.
CalleeLookup = Callable[[cst.Call], Optional[cst.FunctionDef]]

_NEVER_RETURNS = frozenset({"NoReturn", "Never"})
# Calls that never return whatever their arguments are.
_EXITING_CALLS = frozenset({"sys.exit", "os._exit", "os.abort"})


def statements_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements of a compound statement's block (a one-line suite stays one statement)."""
    body = node.body  # type: ignore[attr-defined]
    return list(body.body) if type(body) is cst.IndentedBlock else [body]


def annotated_never_returns(function: cst.FunctionDef) -> bool:
    """`-> NoReturn` / `-> Never`, in any spelling (`typing.NoReturn`, a string annotation)."""
    if function.returns is None:
        return False
    annotation = function.returns.annotation
    if type(annotation) is cst.SimpleString:
        return str(annotation.evaluated_value).split(".")[-1] in _NEVER_RETURNS
    if type(annotation) is cst.Name:
        return annotation.value in _NEVER_RETURNS
    if type(annotation) is cst.Attribute:
        return annotation.attr.value in _NEVER_RETURNS
    return False


def never_returns(function: cst.FunctionDef, lookup: Optional[CalleeLookup] = None, depth: int = 0) -> bool:
    """The function cannot return normally: annotated so, or its body always raises."""
    if annotated_never_returns(function):
        return True
    if function.asynchronous is not None:
        return False  # calling it only builds a coroutine
    return _always_ends(statements_of(function), False, lookup, depth + 1)


def always_raises(statements: Sequence[cst.CSTNode], lookup: Optional[CalleeLookup] = None, depth: int = 0) -> bool:
    """Every path through `statements` ends in a raise (unknown means no)."""
    return _always_ends(statements, False, lookup, depth)


def always_leaves(statements: Sequence[cst.CSTNode], lookup: Optional[CalleeLookup] = None) -> bool:
    """Every path through `statements` ends in a raise, `return`, `break` or `continue`: nothing
    after them in the enclosing block runs when they do (unknown means no)."""
    return _always_ends(statements, True, lookup, 0)


def _always_ends(statements: Sequence[cst.CSTNode], leaving: bool, lookup: Optional[CalleeLookup], depth: int) -> bool:
    """`leaving`: `return`, `break` and `continue` end a path too; otherwise only a raise does."""
    for statement in statements:
        if _statement_ends(statement, leaving, lookup, depth):
            return True
        if _leaves(statement):
            return False
    return False


def _statement_ends(statement: cst.CSTNode, leaving: bool, lookup: Optional[CalleeLookup], depth: int) -> bool:
    cls = type(statement)
    if cls in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
        for small in statement.body:  # type: ignore[attr-defined]
            if type(small) is cst.Raise:
                return True
            if type(small) in (cst.Return, cst.Break, cst.Continue):
                return leaving
            if type(small) is cst.Expr and _call_never_returns(small.value, lookup, depth):
                return True
        return False
    if cls is cst.If:
        if statement.orelse is None or not _always_ends(statements_of(statement), leaving, lookup, depth):  # type: ignore[attr-defined]
            return False
        otherwise = statement.orelse  # type: ignore[attr-defined]
        branch = [otherwise] if type(otherwise) is cst.If else statements_of(otherwise)
        return _always_ends(branch, leaving, lookup, depth)
    if cls is cst.With:
        # A context manager may suppress the exception; the common ones (locks, suppress of an
        # unrelated type) do not, and a `with` around a raise that it swallows would be odd code.
        return _always_ends(statements_of(statement), leaving, lookup, depth)
    if cls in (cst.Try, cst.TryStar):
        finalbody = statement.finalbody  # type: ignore[attr-defined]
        if finalbody is not None and _always_ends(statements_of(finalbody), leaving, lookup, depth):
            return True
        body_ends = _always_ends(statements_of(statement), leaving, lookup, depth)
        if statement.orelse is not None and not body_ends:  # type: ignore[attr-defined]
            body_ends = _always_ends(statements_of(statement.orelse), leaving, lookup, depth)  # type: ignore[attr-defined]
        return body_ends and all(
            _always_ends(statements_of(handler), leaving, lookup, depth)
            for handler in statement.handlers  # type: ignore[attr-defined]
        )
    return False


def _leaves(statement: cst.CSTNode) -> bool:
    if type(statement) in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
        return any(type(small) in (cst.Return, cst.Break, cst.Continue) for small in statement.body)  # type: ignore[attr-defined]
    return False


def _call_never_returns(expression: cst.CSTNode, lookup: Optional[CalleeLookup], depth: int) -> bool:
    if type(expression) is not cst.Call:
        return False
    dotted = dotted_name(expression.func)
    if dotted in _EXITING_CALLS:
        return True
    if lookup is None or depth > 2:
        return False
    function = lookup(expression)
    return function is not None and never_returns(function, lookup, depth)
