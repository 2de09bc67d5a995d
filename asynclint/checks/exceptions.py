"""Exceptions and cancellation (ASY300–ASY303): failures lost by `gather`, `cancel()` swallowed by a
handler, and `finally` blocks that cancel the exception in flight.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, Iterator, Optional, Union, cast

import libcst as cst

from asynclint.catalog import exceptions as catalog
from asynclint.checks.base import Rule
from asynclint.engine.context import Context, iter_path
from asynclint.engine.fixes import Fix
from asynclint.semantics.always_raises import always_leaves, always_raises, statements_of
from asynclint.semantics.arguments import keyword_argument
from asynclint.semantics.constants import is_true
from asynclint.semantics.labels import function_label
from asynclint.semantics.scope import SCOPE_NODES, Path, dotted_name, iter_children, iter_subtree
from asynclint.semantics.suspensions import suspends

TryNode = Union[cst.Try, cst.TryStar]
HandlerNode = Union[cst.ExceptHandler, cst.ExceptStarHandler]
_LOOPS = (cst.For, cst.While)


# -- shared helpers ------------------------------------------------------------------------------
def _is_gather(call: cst.Call, ctx: Context) -> bool:
    return ctx.qualified_name(call.func) in catalog.GATHER


def _handler_types(handler: HandlerNode, ctx: Context) -> Optional[list[Optional[str]]]:
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
        if isinstance(ancestor, (cst.Try, cst.TryStar)) and child is ancestor.body and ancestor.handlers:
            return True
        child = ancestor
    return False


# -- ASY300 ----------------------------------------------------------------------------------------
class GatherExceptionUnhandled(Rule):
    code = "ASY300"
    name = "gather-exception-unhandled"
    summary = "`gather` without return_exceptions outside a handler"
    default_enabled = False
    message = (
        "`asyncio.gather()` in {function}: when one awaitable fails the exception propagates here "
        "while the others keep running, and their own errors are discarded; {advice}"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if type(ctx.parent) is not cst.Await or not ctx.in_async_context or not _is_gather(node, ctx):
            return
        positional = [arg for arg in node.args if arg.keyword is None and arg.star != "**"]
        if any(arg.star == "**" for arg in node.args):
            return
        if len(positional) < 2 and not any(arg.star == "*" for arg in positional):
            return
        if keyword_argument(node, "return_exceptions") is not None:
            return  # True is ASY301's business; a variable or False is a decision we respect
        if _enclosing_handled_try(ctx) or _lifecycle_function(ctx) or _children_cannot_fail(node, ctx):
            return
        if _gathers_cancelled(node, ctx):
            return
        if ctx.target_version >= (3, 11):
            advice = "use `async with asyncio.TaskGroup()`, which cancels the rest when one fails"
        else:
            advice = "pass `return_exceptions=True` and check the results, or wrap it in try/except"
        ctx.report(node, self.message.format(function=function_label(ctx.function), advice=advice))


def _lifecycle_function(ctx: Context) -> bool:
    """Start-up and shutdown code (`async_setup_entry`, `start`, `close`, `__aexit__`...): a
    failing start-up aborts anyway, and a shutdown fan-out runs independent cleanups."""
    function = ctx.function
    if function is None:
        return False
    name = function.name.value
    if name in catalog.LIFECYCLE_FUNCTIONS:
        return True
    return any(word in catalog.LIFECYCLE_WORDS for word in name.lower().strip("_").split("_"))


def _gather_children(node: cst.Call) -> list[Optional[cst.CSTNode]]:
    """What each awaitable of `gather(...)` is: the argument, the element of a starred
    comprehension, or None when unknown (`*tasks`)."""
    children: list[Optional[cst.CSTNode]] = []
    for arg in node.args:
        if arg.keyword is not None:
            continue
        value = arg.value
        if arg.star == "*":
            element = getattr(value, "elt", None) if type(value) in (cst.GeneratorExp, cst.ListComp) else None
            children.append(element)
        else:
            children.append(value)
    return children


def _children_cannot_fail(node: cst.Call, ctx: Context) -> bool:
    """Every awaitable can only be cancelled (`event.wait()`) or is a same-module coroutine that
    catches its own failures (its awaits sit in a `try` with a broad clause that does not raise)."""
    children = _gather_children(node)
    if not children:
        return False
    lookup = _callee_lookup(ctx)
    for child in children:
        if type(child) is not cst.Call:
            return False
        if type(child.func) is cst.Attribute and child.func.attr.value == "wait" and not child.args:
            continue  # Event.wait(), Condition.wait(): cancelled at most
        callee = lookup(child)
        if callee is None or not _handles_own_failures(callee, ctx):
            return False
    return True


def _handles_own_failures(function: cst.FunctionDef, ctx: Context) -> bool:
    if function.asynchronous is None:
        return False
    statements = statements_of(function)
    awaiting = [statement for statement in statements if suspends(statement)]
    if not awaiting:
        return False
    lookup = _callee_lookup(ctx)
    for statement in awaiting:
        if type(statement) is not cst.Try:
            return False
        broad = [
            handler
            for handler in statement.handlers
            if handler.type is None or ctx.qualified_name(handler.type) in catalog.BROAD_EXCEPTIONS
        ]
        if not broad or any(always_raises(statements_of(handler), lookup) for handler in broad):
            return False
    return True


def _gathers_cancelled(node: cst.Call, ctx: Context) -> bool:
    """Cancel-and-drain: the awaitables are tasks this code cancelled, or the `pending` set of an
    `asyncio.wait` (drained after the first one finished)."""
    mentioned: set[str] = set()
    for arg in node.args:
        if arg.keyword is None:
            mentioned |= _names_in(arg.value)
    if not mentioned:
        return False
    return bool(mentioned & (_cancelled_names(ctx) | _waited_sets(ctx)))


def _waited_sets(ctx: Context) -> set[str]:
    """Names bound by `done, pending = await asyncio.wait(...)` in the function."""
    names: set[str] = set()
    if ctx.function is None:
        return names
    for node in iter_subtree(ctx.function.body):
        if type(node) is not cst.Assign or type(node.value) is not cst.Await:
            continue
        call = node.value.expression
        if type(call) is cst.Call and ctx.qualified_name(call.func) in catalog.WAIT:
            for target in node.targets:
                if type(target.target) is cst.Tuple:
                    names |= {dotted_name(element.value) or "" for element in target.target.elements}
    return names - {""}


# -- ASY301 ----------------------------------------------------------------------------------------
class GatherResultsUnchecked(Rule):
    code = "ASY301"
    name = "gather-results-unchecked"
    summary = "`gather(return_exceptions=True)` results never checked"
    dropped = (
        "`asyncio.gather(..., return_exceptions=True)` in {function}: the results are dropped, "
        "so the exceptions of the awaitables that fail are lost; check them with "
        "`isinstance(result, BaseException)`"
    )
    unchecked = (
        "`asyncio.gather(..., return_exceptions=True)` in {function}: `{name}` may hold exceptions "
        "but is never checked with `isinstance(..., BaseException)`"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context or not _is_gather(node, ctx):
            return
        flag = keyword_argument(node, "return_exceptions")
        if flag is None or not is_true(flag.value):
            return
        awaited = ctx.parent
        if type(awaited) is not cst.Await:
            return
        if _lifecycle_function(ctx) or _gathers_cancelled(node, ctx) or _inside_reraising_handler(ctx, or_finally=True):
            return
        if _children_cannot_fail(node, ctx):
            return
        holder = ctx.ancestor(2)
        function = function_label(ctx.function)
        if type(holder) is cst.Expr:
            ctx.report(node, self.dropped.format(function=function))
            return
        if type(holder) is cst.Assign and len(holder.targets) == 1:
            target = holder.targets[0].target
            names = [target] if type(target) is cst.Name else []
            if isinstance(target, (cst.Tuple, cst.List)):
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
    child: cst.CSTNode = reference
    for ancestor in iter_path(cast(tuple, path)[1]):  # a reference's path is never None
        cls = type(ancestor)
        if cls is cst.Call:
            return True  # isinstance(result, ...), a helper that receives the results, zip(...)
        if cls in (cst.Return, cst.Yield, cst.AssignTarget):
            return True
        if cls in (cst.Assign, cst.AnnAssign, cst.AugAssign):
            return True  # stored or re-bound: followed no further
        if isinstance(ancestor, cst.For) and child is ancestor.iter:
            return _checks_each(ancestor)
        if isinstance(ancestor, cst.CompFor) and child is ancestor.iter:
            return True  # comprehension over the results: its filter or element does the checking
        if cls in (cst.SimpleStatementLine, cst.IndentedBlock, cst.FunctionDef):
            return False
        child = ancestor
    return False


def _checks_each(loop: cst.For) -> bool:
    """The loop body checks each result: `isinstance`, `is None` / `is not None`, or hands the
    loop variable to a helper (`self.log_result(result)`)."""
    targets = _names_in(loop.target)
    for node in iter_subtree(loop.body):
        cls = type(node)
        if cls is cst.Call:
            if type(node.func) is cst.Name and node.func.value in ("isinstance", "issubclass"):
                return True
            if any(_names_in(arg.value) & targets for arg in node.args):
                return True
        if cls is cst.Comparison and _names_in(node.left) & targets:
            if any(type(target.operator) in (cst.Is, cst.IsNot) for target in node.comparisons):
                return True
    return False


# -- ASY302 / ASY304 --------------------------------------------------------------------------------
class _Swallow:
    """One place where cancellation is caught and not re-raised, and what happens next."""

    __slots__ = ("node", "caught", "kind", "resumes")

    def __init__(self, node: cst.CSTNode, caught: str, kind: str, resumes: bool):
        self.node = node  # the except clause, or the `with suppress(...)` statement
        self.caught = caught  # how the source spells what is caught, for the message
        self.kind = kind  # "explicit" (CancelledError alone), "tuple" (with other errors), "catch-all"
        self.resumes = resumes  # after it, the coroutine goes on awaiting (a loop, more awaits)


class CancellationSwallowed(Rule):
    code = "ASY302"
    name = "cancellation-swallowed"
    summary = "handler swallows `CancelledError`"
    fix: ClassVar[Optional[str]] = "unsafe"  # typed wide: ASY304 below inherits from this class
    message = (
        "`{caught}` in {function} swallows `CancelledError` and the coroutine goes on awaiting: "
        "`cancel()` and timeouts do not stop it; {advice}"
    )
    advice = {
        "explicit": "re-raise at the end of the handler",
        "tuple": "add `except asyncio.CancelledError: raise` before it",
        "catch-all": "add `except asyncio.CancelledError: raise` before it",
        "suppress": "re-raise it, or stop suppressing it here",
    }

    def visit_Try(self, node: TryNode, ctx: Context) -> None:
        for swallow in _swallowed_in_try(node, ctx, self.config):
            self._consider(swallow, ctx)

    visit_TryStar = visit_Try

    def visit_With(self, node: cst.With, ctx: Context) -> None:
        swallow = _swallowed_by_suppress(node, ctx, self.config)
        if swallow is not None:
            self._consider(swallow, ctx)

    looping_caller = (
        "`{caught}` in {function} swallows `CancelledError` and returns normally, and `{caller}()` "
        "awaits it in a loop that then goes on: `cancel()` does not stop that loop; {advice}"
    )
    deadline_caller = (
        "`{caught}` in {function} swallows `CancelledError` and returns normally, and `{caller}()` "
        "awaits it under a timeout: when time runs out it sees a normal return, not `TimeoutError`; {advice}"
    )

    def _consider(self, swallow: _Swallow, ctx: Context) -> None:
        kind = "suppress" if type(swallow.node) is cst.With else swallow.kind
        advice = self.advice[kind]
        if swallow.resumes:
            message = self.message.format(caught=swallow.caught, function=function_label(ctx.function), advice=advice)
        else:
            observed = _ends_into_observing_caller(swallow, ctx)
            if observed is None:
                return
            caller, how = observed
            template = self.looping_caller if how == "loop" else self.deadline_caller
            message = template.format(
                caught=swallow.caught, function=function_label(ctx.function), caller=caller, advice=advice
            )
        fix = _reraise_fix(swallow, ctx) if type(swallow.node) is cst.ExceptHandler else None
        ctx.report(swallow.node, message, fix=fix)


class CancellationConvertedToReturn(CancellationSwallowed):
    code = "ASY304"
    name = "cancellation-converted-to-return"
    summary = "coroutine swallows its own cancellation and then ends normally"
    fix = None
    default_enabled = False
    message = (
        "`{caught}` in {function} turns cancellation into a normal return: whoever awaits this "
        "coroutine sees it finish instead of `CancelledError`; end the handler with `raise`"
    )

    def _consider(self, swallow: _Swallow, ctx: Context) -> None:
        if _ends_into_observing_caller(swallow, ctx) is not None:
            return  # ASY302 reports it
        if swallow.resumes or swallow.kind == "catch-all":
            return  # a catch-all the coroutine ends after is the "log whatever killed it" idiom
        if _raises_afterwards(swallow.node, ctx):
            return  # cancellation becomes another error (`raise TimeoutError`), not a return
        ctx.report(swallow.node, self.message.format(caught=swallow.caught, function=function_label(ctx.function)))


def _ends_into_observing_caller(swallow: _Swallow, ctx: Context) -> Optional[tuple[str, str]]:
    """The coroutine ends normally after swallowing, and a coroutine of the same module awaits it
    (`await name(...)`, `await self.name(...)`) inside a loop, whose loop then goes on after its
    own cancellation, or under a deadline, which then ends in a normal return instead of
    TimeoutError. (caller, "loop" or "deadline"), else None."""
    if swallow.resumes or swallow.kind == "catch-all" or ctx.function is None:
        return None
    if _raises_afterwards(swallow.node, ctx):
        return None
    name = ctx.function.name.value
    for caller, callee, how in ctx.answer(_awaits_in_loops, lambda: _awaits_in_loops(ctx.module)):
        if callee == name and caller != name:
            return caller, how
    return None


def _awaits_in_loops(module: cst.Module) -> list[tuple[str, str, str]]:
    """(caller, callee, how) for each `await callee(...)` / `await self.callee(...)` of an async
    function of `module` that a caller can observe: inside a loop ("loop"), or under a deadline
    ("deadline": `async with asyncio.timeout(...)`, `await asyncio.wait_for(callee(...), ...)`)."""
    found: list[tuple[str, str, str]] = []
    for function in iter_subtree(module, enter_scopes=True):
        if type(function) is not cst.FunctionDef or function.asynchronous is None:
            continue
        stack: list[tuple[Any, bool, bool]] = [(function.body, False, False)]
        while stack:
            node, in_loop, in_deadline = stack.pop()
            cls = type(node)
            if cls in SCOPE_NODES:
                continue
            if cls is cst.Await and type(node.expression) is cst.Call:
                call = node.expression
                if _called_name(call.func).rpartition(".")[2] == "wait_for" and call.args:
                    inner_call = call.args[0].value
                    if type(inner_call) is cst.Call and _own_callee(inner_call.func):
                        found.append((function.name.value, _own_callee(inner_call.func), "deadline"))
                callee = _own_callee(call.func)
                if callee and (in_loop or in_deadline):
                    found.append((function.name.value, callee, "loop" if in_loop else "deadline"))
            deadline = in_deadline or (
                cls is cst.With
                and node.asynchronous is not None
                and any(
                    type(item.item) is cst.Call
                    and _called_name(item.item.func).rpartition(".")[2] in catalog.DEADLINE_CONTEXT_NAMES
                    for item in node.items
                )
            )
            stack.extend((child, in_loop or cls in _LOOPS, deadline) for child in iter_children(node))
    return found


def _called_name(func: cst.CSTNode) -> str:
    return dotted_name(func) or ""


def _own_callee(func: cst.CSTNode) -> str:
    """`name` for `name(...)` and `self.name(...)`, else ""."""
    if type(func) is cst.Name:
        return func.value
    if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value in ("self", "cls"):
        return func.attr.value
    return ""


def _raises_afterwards(node: cst.CSTNode, ctx: Context) -> bool:
    """A clause that falls through, or a `with`, is followed (in its enclosing blocks) by
    statements that always raise."""
    if type(node) is cst.ExceptHandler:
        if always_leaves(statements_of(node)):
            return False
        path = ctx.path
        while path is not None and type(path[0]) not in (cst.Try, cst.TryStar):
            path = path[1]
    else:
        path = ctx.path
    if path is None:
        return False
    lookup = _callee_lookup(ctx)
    child = path[0]
    for ancestor in iter_path(path[1]):
        if ancestor is ctx.function or type(ancestor) in SCOPE_NODES or type(ancestor) in _LOOPS:
            return False
        if type(ancestor) is cst.IndentedBlock:
            statements = list(ancestor.body)
            if child in statements and always_raises(statements[statements.index(child) + 1 :], lookup):
                return True
        child = ancestor
    return False


def _allowed(ctx: Context, config) -> bool:
    allowed = config.allow_swallowed_cancellation_in
    if not allowed:
        return False
    name = ctx.function_name
    qualified = f"{ctx.module_name}.{name}" if ctx.module_name else name
    return name in allowed or qualified in allowed


def _swallowed_in_try(node: TryNode, ctx: Context, config) -> list[_Swallow]:
    if not ctx.in_async_context or not suspends(node.body) or _allowed(ctx, config):
        return []
    if _inside_reraising_handler(ctx) or _awaits_only_cancelled(node.body, ctx):
        return []
    found = []
    lookup = _callee_lookup(ctx)
    for handler in node.handlers:
        caught = _catches_cancellation(handler, ctx)
        if caught is None:
            continue
        kind, spelled = caught
        if not (
            always_raises(statements_of(handler), lookup)
            or _reads_cancellation_state(handler)
            or _decides_when_to_leave(handler, ctx)
            or _raised_later(handler, ctx)
        ):
            found.append(_Swallow(handler, spelled, kind, _handler_resumes(handler, node, ctx)))
        break  # the first clause that catches CancelledError is the only one that sees it
    return found


def _swallowed_by_suppress(node: cst.With, ctx: Context, config) -> Optional[_Swallow]:
    """`with contextlib.suppress(CancelledError):` is `try/except CancelledError: pass`."""
    if not ctx.in_async_context or node.asynchronous is not None or not suspends(node.body):
        return None
    for item in node.items:
        call = item.item
        if type(call) is not cst.Call or ctx.qualified_name(call.func) not in catalog.SUPPRESS:
            continue
        for arg in call.args:
            qualified = ctx.qualified_name(arg.value)
            if qualified in catalog.CATCHES_CANCELLATION:
                if _allowed(ctx, config) or _inside_reraising_handler(ctx) or _awaits_only_cancelled(node.body, ctx):
                    return None
                kind = "explicit" if qualified in catalog.CANCELLED_ERRORS else "catch-all"
                spelled = f"suppress({ctx.source_of(arg.value)})"
                return _Swallow(node, spelled, kind, _keeps_going(node, ctx))
    return None


def _catches_cancellation(handler: HandlerNode, ctx: Context) -> Optional[tuple[str, str]]:
    """(kind, spelling) when the clause catches CancelledError, else None."""
    types = _handler_types(handler, ctx)
    if types is None:
        return "catch-all", "except:"
    spelled = f"except {ctx.source_of(handler.type)}"  # type: ignore[arg-type]
    if "builtins.BaseException" in types:
        return "catch-all", spelled
    if any(qualified in catalog.CANCELLED_ERRORS for qualified in types):
        return ("explicit" if len(types) == 1 else "tuple"), spelled
    return None


def _reads_cancellation_state(handler: HandlerNode) -> bool:
    """`current_task().cancelling()` / `uncancel()`: the handler decides about cancellation itself."""
    return any(
        type(node) is cst.Call
        and type(node.func) is cst.Attribute
        and node.func.attr.value in catalog.CANCELLATION_STATE_METHODS
        for node in iter_subtree(handler)
    )


def _decides_when_to_leave(handler: HandlerNode, ctx: Context) -> bool:
    """A `raise` or `return` under an `if` in the clause: the author tells a shutdown (flag set,
    `isinstance(exc, CancelledError)`) from a stray CancelledError and lets the first one through.
    A test that only picks other types (`isinstance(exc, KeyboardInterrupt)`) decides nothing here."""
    return any(
        tests and not all(_picks_other_types(test, ctx) for test in tests)
        for _, tests in _guarded_exits(handler, (cst.Raise, cst.Return), (cst.If,))
    )


def _picks_other_types(test: cst.CSTNode, ctx: Context) -> bool:
    """`isinstance(x, T)` tests in `test`, none of whose types catches CancelledError."""
    checks = [
        node
        for node in iter_subtree(test)
        if type(node) is cst.Call
        and type(node.func) is cst.Name
        and node.func.value == "isinstance"
        and len(node.args) == 2
    ]
    if not checks:
        return False
    for check in checks:
        for kind in iter_subtree(check.args[1].value):
            if type(kind) in (cst.Name, cst.Attribute) and ctx.qualified_name(kind) in catalog.CATCHES_CANCELLATION:
                return False
    return True


def _raised_later(handler: HandlerNode, ctx: Context) -> bool:
    """The handler records the error or a flag (`err = exc`, `errors.append(exc)`, `cancelled =
    True`) and a `raise` elsewhere in the function raises it or is guarded by it."""
    recorded: set[str] = set()
    for node in iter_subtree(handler):
        cls = type(node)
        if cls in (cst.AssignTarget, cst.AnnAssign, cst.AugAssign):
            name = dotted_name(node.target)
            if name:
                recorded.add(name)
        elif cls is cst.Call and type(node.func) is cst.Attribute:
            name = dotted_name(node.func.value)
            if name and node.args:
                recorded.add(name)  # errors.append(exc), self._errors.add(exc)
    if not recorded or ctx.function is None:
        return False
    for raise_node, tests in _guarded_exits(ctx.function, (cst.Raise,), (cst.If, cst.While), skip=handler):
        mentioned = _names_in(raise_node) | set().union(*(_names_in(test) for test in tests))
        if mentioned & recorded:
            return True
    return False


def _guarded_exits(root: cst.CSTNode, kinds: tuple[type, ...], guards: tuple[type, ...], skip=None):
    """Each statement of `kinds` (`raise`, `return`) under `root`, outside nested scopes and
    `skip`, with the tests of the `guards` (`if`, `while`) it sits under, outermost first."""
    stack: list[tuple[Any, tuple]] = [(child, ()) for child in iter_children(root)]
    while stack:
        node, tests = stack.pop()
        cls = type(node)
        if node is skip or cls in SCOPE_NODES:
            continue
        if cls in kinds:
            yield node, tests
            continue
        inner = tests + (node.test,) if cls in guards else tests
        stack.extend((child, inner) for child in iter_children(node))


def _names_in(node: cst.CSTNode) -> set[str]:
    """Every dotted name read in `node` (`self._error` gives `self._error` and `self`)."""
    names = set()
    for child in iter_subtree(node):
        if type(child) in (cst.Name, cst.Attribute):
            name = dotted_name(child)
            if name:
                names.add(name)
    return names


def _inside_reraising_handler(ctx: Context, or_finally: bool = False) -> bool:
    """Inside an `except` clause (of the same function) that re-raises on every path, or with
    `or_finally` in a `finally`: code on the way out, such as a best-effort cleanup or a drain."""
    lookup = _callee_lookup(ctx)
    for ancestor in ctx.ancestors():
        if ancestor is ctx.function:
            return False
        if or_finally and type(ancestor) is cst.Finally:
            return True
        if type(ancestor) is cst.ExceptHandler and always_raises(statements_of(ancestor), lookup):
            return True
    return False


def _awaits_only_cancelled(body: cst.CSTNode, ctx: Context) -> bool:
    """Every await in `body` waits for a task or future that already exists (`await task`,
    `wait_for(self._task, 1)`, `gather(*tasks)`), not for work this coroutine starts. The
    CancelledError caught there is normally the child's own: the cancel-then-await idiom
    (`task.cancel()` earlier in the function or on the same `self.` attribute in the class), or
    waiting for a task that some other code stops."""
    awaited = [node for node in iter_subtree(body) if type(node) is cst.Await]
    if not awaited or any(type(node) is cst.For and node.asynchronous for node in iter_subtree(body)):
        return False
    cancelled = None
    for node in awaited:
        if _waits_for_existing(node.expression, ctx):
            continue
        if cancelled is None:
            cancelled = _cancelled_names(ctx)
        if not (_names_in(node.expression) & cancelled):
            return False
    return True


def _waits_for_existing(expression: cst.CSTNode, ctx: Context) -> bool:
    """`task`, `self._task`, or a waiting helper (`wait_for`, `shield`, `gather`, `wait`) given
    only such names."""
    if type(expression) in (cst.Name, cst.Attribute):
        return True
    if type(expression) is not cst.Call:
        return False
    helper = ctx.qualified_name(expression.func) or dotted_name(expression.func) or ""
    if helper in catalog.WAITING_HELPERS or helper.rpartition(".")[2] in catalog.WAITING_HELPER_NAMES:
        values = [arg.value for arg in expression.args if arg.keyword is None]
        if not helper.endswith("gather"):
            values = values[:1]  # wait_for(task, timeout), wait(tasks, timeout), shield(task)
        return bool(values) and all(
            type(value) in (cst.Name, cst.Attribute) or _waits_for_existing(value, ctx) for value in values
        )
    return False


def _cancelled_names(ctx: Context) -> set[str]:
    function = ctx.function
    if function is None:
        return set()
    scopes: list[cst.CSTNode] = [function]
    for ancestor in ctx.ancestors():
        if type(ancestor) is cst.ClassDef:
            scopes.append(ancestor)
            break
    names: set[str] = set()
    for scope in scopes:
        # Every `try` of a large class asks about the same class body: walked once per file.
        calls: list[tuple[Any, tuple]] = ctx.answer((_cancel_calls, id(scope)), partial(_cancel_call_list, scope))
        for node, loops in calls:
            name = dotted_name(node.func.value)
            if name is None or (scope is not function and not name.startswith("self.")):
                continue
            names.add(name)
            for target, iterable in loops:
                if target == name and iterable:
                    names.add(iterable)  # for task in tasks: task.cancel()
    return names


def _cancel_call_list(scope: cst.CSTNode) -> list[tuple[Any, tuple]]:
    return list(_cancel_calls(scope))


def _cancel_calls(scope: cst.CSTNode):
    """`x.cancel()` calls under `scope`, each with the (target, iterable) of the loops around it."""
    stack: list[tuple[Any, tuple]] = [(scope, ())]
    while stack:
        node, loops = stack.pop()
        cls = type(node)
        if cls is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "cancel":
            yield node, loops
        if cls is cst.For or cls is cst.CompFor:
            loops = loops + ((dotted_name(node.target), dotted_name(node.iter)),)
        elif cls in (cst.ListComp, cst.SetComp, cst.GeneratorExp):
            for_in = node.for_in
            loops = loops + ((dotted_name(for_in.target), dotted_name(for_in.iter)),)
        stack.extend((child, loops) for child in iter_children(node))


def _callee_lookup(ctx: Context):
    """Finds the same-module definition of a called name or `self.method`."""
    module = ctx.module
    klass = next((node for node in ctx.ancestors() if type(node) is cst.ClassDef), None)

    def lookup(call: cst.Call) -> Optional[cst.FunctionDef]:
        func = call.func
        if type(func) is cst.Name:
            found = [s for s in module.body if type(s) is cst.FunctionDef and s.name.value == func.value]
            return found[0] if len(found) == 1 else None
        if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value in ("self", "cls"):
            return _method(klass, func.attr.value, module, 3) if klass is not None else None
        return None

    return lookup


def _method(klass: cst.ClassDef, name: str, module: cst.Module, hops: int) -> Optional[cst.FunctionDef]:
    """`name` defined in `klass`, or in a base class defined in the same module."""
    found = [s for s in statements_of(klass) if type(s) is cst.FunctionDef and s.name.value == name]
    if found:
        return found[0] if len(found) == 1 else None
    if hops == 0:
        return None
    for base in klass.bases:
        if type(base.value) is not cst.Name:
            continue
        classes = [s for s in module.body if type(s) is cst.ClassDef and s.name.value == base.value.value]
        if len(classes) == 1:
            method = _method(classes[0], name, module, hops - 1)
            if method is not None:
                return method
    return None


def _handler_resumes(handler: HandlerNode, node: TryNode, ctx: Context) -> bool:
    """After the clause the coroutine keeps going: the loop around it turns again (the handler
    falls through or continues), or it breaks out into more looping async work. A flag the
    handler sets that ends the `while` (`aborted = True` in `while not aborted:`) leaves it.
    Straight-line awaits before the coroutine ends (a final flush) are not "keeping going"."""
    if _leaves_loop(handler, cst.Continue):
        return True
    flags = {
        name
        for target in iter_subtree(handler)
        if type(target) is cst.AssignTarget and (name := dotted_name(target.target))
    }
    if _leaves_loop(handler, cst.Break):
        loop = next((a for a in ctx.ancestors() if type(a) in _LOOPS or a is ctx.function), None)
        if loop is not None and loop is not ctx.function and _keeps_going(loop, ctx, flags):
            return True
    return not always_leaves(statements_of(handler)) and _keeps_going(node, ctx, flags)


def _leaves_loop(handler: cst.CSTNode, kind: type) -> bool:
    """A `break`/`continue` in the clause that belongs to a loop around the `try`."""
    return any(type(node) is kind for node in _jumps_out(iter_children(handler)))


def _jumps_out(roots) -> Iterator[cst.CSTNode]:
    """Each `return` in `roots` (outside nested scopes), and each `break`/`continue` that belongs
    to no loop inside them: the statements that leave the block they are in."""
    stack = [(child, False) for child in roots]
    while stack:
        node, in_loop = stack.pop()
        cls = type(node)
        if cls is cst.Return or (cls in (cst.Break, cst.Continue) and not in_loop):
            yield node
            continue
        if cls in SCOPE_NODES:
            continue
        inner = in_loop or cls in _LOOPS
        stack.extend((child, inner) for child in iter_children(node))


def _keeps_going(statement: cst.CSTNode, ctx: Context, flags: frozenset[str] | set[str] = frozenset()) -> bool:
    """Once `statement` (the current node or an ancestor) completes, the coroutine loops on
    awaiting: an enclosing loop turns again, or a loop that awaits comes after it. A `while`
    whose test reads one of `flags` is taken to end."""
    function = ctx.function
    path = ctx.path
    while path is not None and path[0] is not statement:
        path = path[1]
    child = statement
    ancestor: Any
    for ancestor in iter_path(path[1] if path is not None else None):
        cls = type(ancestor)
        if ancestor is function or cls in SCOPE_NODES:
            return False
        if cls is cst.IndentedBlock:
            statements = list(ancestor.body)
            if child in statements and any(
                _awaiting_loop(later, flags) for later in statements[statements.index(child) + 1 :]
            ):
                return True
        elif cls in _LOOPS and child is ancestor.body:
            if not (cls is cst.While and _names_in(ancestor.test) & flags):
                return True
        child = ancestor
    return False


def _awaiting_loop(statement: cst.CSTNode, flags: frozenset[str] | set[str]) -> bool:
    """A loop (anywhere in `statement`) that awaits, other than a `while` that one of `flags` ends."""
    return any(
        type(node) in _LOOPS and suspends(node) and not (type(node) is cst.While and _names_in(node.test) & flags)
        for node in iter_subtree(statement)
    )


def _reraise_fix(swallow: _Swallow, ctx: Context) -> Optional[Fix]:
    """Append `raise` to an explicit `except CancelledError`; put `except CancelledError: raise`
    before a catch-all or a tuple, so ordinary errors are still handled as before."""
    handler = swallow.node
    assert type(handler) is cst.ExceptHandler
    if type(ctx.parent) is cst.TryStar:
        return None
    if swallow.kind == "explicit":
        if _leaves_loop(handler, cst.Break) or _leaves_loop(handler, cst.Continue) or _returns(handler):
            return None  # the handler leaves on purpose; where to re-raise is the author's call
        body = handler.body
        new_body: cst.BaseSuite
        if type(body) is cst.IndentedBlock:
            new_body = body.with_changes(body=[*body.body, cst.SimpleStatementLine([cst.Raise()])])
        elif type(body) is cst.SimpleStatementSuite:
            new_body = body.with_changes(body=[*body.body, cst.Raise()])
        else:
            return None
        return Fix("unsafe", "Re-raise at the end of the handler", ((handler, handler.with_changes(body=new_body)),))
    spelling, imports = _cancelled_error_spelling(handler, ctx)
    if spelling is None:
        return None
    reraise = cst.ExceptHandler(
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Raise()])]),
        type=spelling,
        leading_lines=handler.leading_lines,
    )
    replacement = cst.FlattenSentinel([reraise, handler.with_changes(leading_lines=())])
    return Fix("unsafe", "Re-raise `CancelledError` before this handler", ((handler, replacement),), imports=imports)


def _returns(handler: cst.CSTNode) -> bool:
    return any(type(node) is cst.Return for node in iter_subtree(handler))


def _cancelled_error_spelling(handler: HandlerNode, ctx: Context):
    """How to write CancelledError here: as the tuple already does, else `asyncio.CancelledError`."""
    if type(handler.type) is cst.Tuple:
        for element in handler.type.elements:
            if ctx.qualified_name(element.value) in catalog.CANCELLED_ERRORS:
                return element.value.deep_clone(), ()
    return ctx.module_attribute("asyncio", "CancelledError")


# -- ASY303 ----------------------------------------------------------------------------------------
class ReturnInFinally(Rule):
    code = "ASY303"
    name = "return-in-finally"
    summary = "`return`/`break`/`continue` in `finally`"
    cancelled = (
        "`{statement}` in `finally` of {function} discards the exception in flight, including "
        "`CancelledError`: a `cancel()` that lands in the `try` is lost; move it out of the `finally`"
    )
    pep765 = (
        "`{statement}` in `finally` of {function}: Python 3.14 warns (PEP 765), as it would discard "
        "an exception in flight; move it out of the `finally`"
    )

    def visit_Try(self, node: TryNode, ctx: Context) -> None:
        if node.finalbody is None:
            return
        warns = ctx.target_version >= (3, 14)
        cancellation = ctx.in_async_context and _cancellation_reaches_finally(node, ctx)
        if not (warns or cancellation):
            return
        message = self.cancelled if cancellation else self.pep765
        for current in _jumps_out(statements_of(node.finalbody)):
            keyword = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}[type(current)]
            ctx.report(current, message.format(statement=keyword, function=function_label(ctx.function)))

    visit_TryStar = visit_Try


def _cancellation_reaches_finally(node: TryNode, ctx: Context) -> bool:
    """A CancelledError can be in flight when the `finally` runs: raised by an await in the
    `try` body that no clause catches for good, or by an await in a clause or the `else`."""
    if any(suspends(handler.body) for handler in node.handlers):
        return True
    if node.orelse is not None and suspends(node.orelse.body):
        return True
    if not suspends(node.body):
        return False
    lookup = _callee_lookup(ctx)
    for handler in node.handlers:
        if _catches_cancellation(handler, ctx) is not None:
            return always_raises(statements_of(handler), lookup)
    return True
