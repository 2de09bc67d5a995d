"""Does this block of statements always end in an exception? Answers "yes" only when sure.

Used where a rule must know that a handler never finishes normally: a `raise` on every path,
directly or through a call to a function that never returns (annotated `NoReturn`/`Never`, or
whose own body always raises).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import libcst as cst

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
    return always_raises(statements_of(function), lookup, depth + 1)


def always_raises(statements: Sequence[cst.CSTNode], lookup: Optional[CalleeLookup] = None, depth: int = 0) -> bool:
    """Every path through `statements` ends in a raise (unknown means no)."""
    for statement in statements:
        if _statement_always_raises(statement, lookup, depth):
            return True
        if _leaves(statement):
            return False
    return False


def _statement_always_raises(statement: cst.CSTNode, lookup: Optional[CalleeLookup], depth: int) -> bool:
    cls = type(statement)
    if cls in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
        for small in statement.body:  # type: ignore[attr-defined]
            if type(small) is cst.Raise:
                return True
            if type(small) in (cst.Return, cst.Break, cst.Continue):
                return False
            if type(small) is cst.Expr and _call_never_returns(small.value, lookup, depth):
                return True
        return False
    if cls is cst.If:
        if statement.orelse is None or not always_raises(statements_of(statement), lookup, depth):  # type: ignore[attr-defined]
            return False
        otherwise = statement.orelse  # type: ignore[attr-defined]
        branch = [otherwise] if type(otherwise) is cst.If else statements_of(otherwise)
        return always_raises(branch, lookup, depth)
    if cls is cst.With:
        # A context manager may suppress the exception; the common ones (locks, suppress of an
        # unrelated type) do not, and a `with` around a raise that it swallows would be odd code.
        return always_raises(statements_of(statement), lookup, depth)
    if cls in (cst.Try, cst.TryStar):
        if statement.finalbody is not None and always_raises(statements_of(statement.finalbody), lookup, depth):  # type: ignore[attr-defined]
            return True
        body_raises = always_raises(statements_of(statement), lookup, depth)
        if statement.orelse is not None and not body_raises:  # type: ignore[attr-defined]
            body_raises = always_raises(statements_of(statement.orelse), lookup, depth)  # type: ignore[attr-defined]
        return body_raises and all(
            always_raises(statements_of(handler), lookup, depth)
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
    dotted = _dotted(expression.func)
    if dotted in _EXITING_CALLS:
        return True
    if lookup is None or depth > 2:
        return False
    function = lookup(expression)
    return function is not None and never_returns(function, lookup, depth)


def _dotted(node: cst.CSTNode) -> Optional[str]:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        left = _dotted(node.value)
        return f"{left}.{node.attr.value}" if left else None
    return None
