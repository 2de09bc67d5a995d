"""Exceptions and cancellation (ASY300–ASY303): failures lost by `gather`, `cancel()` swallowed by a
handler, and `finally` blocks that cancel the exception in flight.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from asynclint.catalog import exceptions as catalog
from asynclint.checks.base import Rule
from asynclint.engine.context import Context, iter_path
from asynclint.engine.fixes import Fix
from asynclint.semantics.scope import Path, iter_children, iter_subtree

TryNode = Union[cst.Try, cst.TryStar]
_LOOPS = (cst.For, cst.While)


# -- shared helpers ------------------------------------------------------------------------------
def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _is_true(node: cst.CSTNode) -> bool:
    return type(node) is cst.Name and node.value == "True"


def _is_gather(call: cst.Call, ctx: Context) -> bool:
    return ctx.qualified_name(call.func) in catalog.GATHER


def _handler_types(handler: cst.ExceptHandler, ctx: Context) -> Optional[list[Optional[str]]]:
    """Qualified names a handler catches; None for a bare `except:`."""
    if handler.type is None:
        return None
    if type(handler.type) is cst.Tuple:
        kinds = [element.value for element in handler.type.elements]
    else:
        kinds = [handler.type]
    return [ctx.qualified_name(kind) for kind in kinds]


def _enclosing_handled_try(ctx: Context) -> bool:
    """Inside the body of a try (same function) that has an `except` clause."""
    child = ctx.node
    function = ctx.function
    for ancestor in ctx.ancestors():
        if ancestor is function or type(ancestor) in (cst.Lambda, cst.ClassDef):
            return False
        if type(ancestor) in (cst.Try, cst.TryStar) and child is ancestor.body and ancestor.handlers:
            return True
        child = ancestor
    return False


def _awaits(block: cst.CSTNode) -> bool:
    for node in iter_subtree(block):
        cls = type(node)
        if cls is cst.Await:
            return True
        if cls in (cst.For, cst.With) and node.asynchronous is not None:
            return True
    return False


def _always_raises(statements) -> bool:
    """Every path through `statements` ends in a `raise` (conservative: unknown means no)."""
    for statement in statements:
        if type(statement) is cst.SimpleStatementLine or type(statement) is cst.SimpleStatementSuite:
            for small in statement.body:
                if type(small) is cst.Raise:
                    return True
                if type(small) in (cst.Return, cst.Break, cst.Continue):
                    return False
        elif type(statement) is cst.If:
            if statement.orelse is not None and _always_raises(_body(statement)):
                otherwise = statement.orelse
                branch = [otherwise] if type(otherwise) is cst.If else _body(otherwise)
                if _always_raises(branch):
                    return True
        elif type(statement) is cst.With:
            if _always_raises(_body(statement)):
                return True
        elif type(statement) in (cst.Try, cst.TryStar):
            if statement.finalbody is not None and _always_raises(_body(statement.finalbody)):
                return True
            if _always_raises(_body(statement)) and all(
                _always_raises(_body(handler)) for handler in statement.handlers
            ):
                return True
    return False


def _body(node: cst.CSTNode) -> list:
    """The statements of a compound statement's block (a one-line suite stays one statement)."""
    body = node.body
    return list(body.body) if type(body) is cst.IndentedBlock else [body]


def _exits(handler: cst.CSTNode) -> bool:
    """A return, or a break/continue that leaves the handler (not one of a loop inside it)."""
    stack = [(handler, False)]
    while stack:
        node, in_loop = stack.pop()
        cls = type(node)
        if cls is cst.Return:
            return True
        if cls in (cst.Break, cst.Continue) and not in_loop:
            return True
        if cls in (cst.FunctionDef, cst.Lambda, cst.ClassDef):
            continue
        inner = in_loop or cls in _LOOPS
        stack.extend((child, inner) for child in iter_children(node))
    return False


def _function_label(ctx: Context) -> str:
    return f"`{ctx.function_name}()`"


# -- ASY300 ----------------------------------------------------------------------------------------
class GatherExceptionUnhandled(Rule):
    code = "ASY300"
    message = (
        "`asyncio.gather()` in {function}: when one awaitable fails the exception propagates here, "
        "but the others keep running and their exceptions are never retrieved; {advice}"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if type(ctx.parent) is not cst.Await or not ctx.in_async_context or not _is_gather(node, ctx):
            return
        positional = [arg for arg in node.args if arg.keyword is None and arg.star != "**"]
        if any(arg.star == "**" for arg in node.args):
            return
        if len(positional) < 2 and not any(arg.star == "*" for arg in positional):
            return
        if _keyword(node, "return_exceptions") is not None:
            return  # True is ASY301's business; a variable or False is a decision we respect
        if _enclosing_handled_try(ctx):
            return
        if ctx.target_version >= (3, 11):
            advice = "use `async with asyncio.TaskGroup()`, which cancels the rest when one fails"
        else:
            advice = "pass `return_exceptions=True` and check the results, or wrap it in try/except"
        ctx.report(node, self.message.format(function=_function_label(ctx), advice=advice))


# -- ASY301 ----------------------------------------------------------------------------------------
class GatherResultsUnchecked(Rule):
    code = "ASY301"
    dropped = (
        "`asyncio.gather(..., return_exceptions=True)` in {function}: the results are dropped, "
        "so every exception is silently lost; check them with `isinstance(result, BaseException)`"
    )
    unchecked = (
        "`asyncio.gather(..., return_exceptions=True)` in {function}: `{name}` may hold exceptions "
        "but is never checked with `isinstance(..., BaseException)`"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context or not _is_gather(node, ctx):
            return
        flag = _keyword(node, "return_exceptions")
        if flag is None or not _is_true(flag.value):
            return
        awaited = ctx.parent
        if type(awaited) is not cst.Await:
            return
        holder = ctx.path[1][1][0] if ctx.path[1][1] is not None else None
        function = _function_label(ctx)
        if type(holder) is cst.Expr:
            ctx.report(node, self.dropped.format(function=function))
            return
        if type(holder) is cst.Assign and len(holder.targets) == 1:
            target = holder.targets[0].target
            names = [target] if type(target) is cst.Name else []
            if type(target) in (cst.Tuple, cst.List):
                names = [element.value for element in target.elements if type(element.value) is cst.Name]
                if len(names) != len(target.elements):
                    return
            for name in names:
                if not self._checked(name.value, ctx):
                    ctx.report(node, self.unchecked.format(function=function, name=name.value))
                    return

    @staticmethod
    def _checked(name: str, ctx: Context) -> bool:
        owner, _ = ctx.bindings(name, ctx.function_scope)
        if owner is None:
            return True
        for reference, path, _scope in ctx.references(owner, name):
            if _checks_or_hands_on(reference, path):
                return True
        return False


def _checks_or_hands_on(reference: cst.Name, path: Path) -> bool:
    """The value is checked (`isinstance`), iterated in a block that checks, or handed on."""
    child = reference
    for ancestor in iter_path(path[1]):
        cls = type(ancestor)
        if cls is cst.Call:
            return True  # isinstance(result, ...), a helper that receives the results, zip(...)
        if cls in (cst.Return, cst.Yield, cst.AssignTarget):
            return True
        if cls in (cst.Assign, cst.AnnAssign, cst.AugAssign):
            return True  # stored or re-bound: followed no further
        if cls is cst.For and child is ancestor.iter:
            return _mentions_isinstance(ancestor.body)
        if cls is cst.CompFor and child is ancestor.iter:
            return True  # comprehension over the results: its filter or element does the checking
        if cls in (cst.SimpleStatementLine, cst.IndentedBlock, cst.FunctionDef):
            return False
        child = ancestor
    return False


def _mentions_isinstance(block: cst.CSTNode) -> bool:
    return any(
        type(node) is cst.Call and type(node.func) is cst.Name and node.func.value in ("isinstance", "issubclass")
        for node in iter_subtree(block)
    )


# -- ASY302 ----------------------------------------------------------------------------------------
class CancellationSwallowed(Rule):
    code = "ASY302"
    message = (
        "`{caught}` in {function} can finish without re-raising: `cancel()` is swallowed, the task "
        "keeps running and whoever waits for it hangs; end the handler with `raise`"
    )

    def visit_Try(self, node: TryNode, ctx: Context) -> None:
        if not ctx.in_async_context or not _awaits(node.body) or self._allowed(ctx):
            return
        catch_all_at_end = self._ends_function(node, ctx)
        for handler in node.handlers:
            caught = self._catches_cancellation(handler, ctx)
            if caught is None or _always_raises(_body(handler)) or self._uncancels(handler):
                continue
            if catch_all_at_end and "CancelledError" not in caught:
                continue
            ctx.report(
                handler,
                self.message.format(caught=caught, function=_function_label(ctx)),
                fix=self._fix(handler),
            )

    visit_TryStar = visit_Try

    @staticmethod
    def _ends_function(node: TryNode, ctx: Context) -> bool:
        """Nothing after the try (in the function body) awaits: after the handler the coroutine
        returns, so the task stops (uncancelled) rather than running on. For a catch-all (`except
        BaseException`, bare `except`) that is the deliberate top-level "log whatever killed this
        task" pattern (uvicorn's `run_asgi`), not reported; an explicit `except CancelledError`
        still is."""
        block = ctx.parent
        if type(block) is not cst.IndentedBlock or block is not getattr(ctx.function, "body", None):
            return False
        rest = list(block.body)
        rest = rest[rest.index(node) + 1 :] if node in rest else [None]
        return not any(statement is None or _awaits(statement) for statement in rest)

    @staticmethod
    def _catches_cancellation(handler: cst.ExceptHandler, ctx: Context) -> Optional[str]:
        types = _handler_types(handler, ctx)
        if types is None:
            return "except:"
        for qualified in types:
            if qualified in catalog.CATCHES_CANCELLATION:
                return f"except {qualified.replace('builtins.', '')}"
        return None

    @staticmethod
    def _uncancels(handler: cst.ExceptHandler) -> bool:
        return any(
            type(node) is cst.Call
            and type(node.func) is cst.Attribute
            and node.func.attr.value in catalog.UNCANCEL_METHODS
            for node in iter_subtree(handler)
        )

    def _allowed(self, ctx: Context) -> bool:
        allowed = self.config.allow_swallowed_cancellation_in
        if not allowed:
            return False
        name = ctx.function_name
        qualified = f"{ctx.module_name}.{name}" if ctx.module_name else name
        return name in allowed or qualified in allowed

    @staticmethod
    def _fix(handler: cst.ExceptHandler) -> Optional[Fix]:
        if _exits(handler):
            return None  # the handler leaves on purpose; where to re-raise is the author's call
        body = handler.body
        if type(body) is cst.IndentedBlock:
            new_body = body.with_changes(body=[*body.body, cst.SimpleStatementLine([cst.Raise()])])
        elif type(body) is cst.SimpleStatementSuite:
            new_body = body.with_changes(body=[*body.body, cst.Raise()])
        else:
            return None
        return Fix(
            "unsafe",
            "Re-raise at the end of the handler",
            ((handler, handler.with_changes(body=new_body)),),
        )


# -- ASY303 ----------------------------------------------------------------------------------------
class ReturnInFinally(Rule):
    code = "ASY303"
    message = (
        "`{statement}` in `finally` of {function} discards the exception in flight, including "
        "`CancelledError`: the task can no longer be cancelled; move it out of the `finally`"
    )

    def visit_Try(self, node: TryNode, ctx: Context) -> None:
        if node.finalbody is None or not ctx.in_async_context:
            return
        stack = [(child, False) for child in _body(node.finalbody)]
        while stack:
            current, in_loop = stack.pop()
            cls = type(current)
            if cls is cst.Return or (cls in (cst.Break, cst.Continue) and not in_loop):
                keyword = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}[cls]
                ctx.report(current, self.message.format(statement=keyword, function=_function_label(ctx)))
                continue
            if cls in (cst.FunctionDef, cst.Lambda, cst.ClassDef):
                continue
            inner = in_loop or cls in _LOOPS
            stack.extend((child, inner) for child in iter_children(current))

    visit_TryStar = visit_Try
