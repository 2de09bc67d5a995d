"""Shared state across await points (ASY500–ASY502): state another task changes while this one
waits, and request context that does not follow work into an executor thread.

ASY500 and ASY501 look at one write to shared state (an attribute of `self`, a module global or a
module-level container) and walk back from it through the statements that run before it: the
nearest `if`/`while` that tested the same state, or the local the written value came from, and
the first suspension point (`await`, `async with`, `async for`) in between. A guard (an
`asyncio.Lock`, `Condition`, `Semaphore` or anything named like one) held by `async with` around
the whole sequence keeps other tasks out, and then nothing is reported.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

import libcst as cst

from asynclint.catalog import shared_state as catalog
from asynclint.catalog.tasks import EXECUTOR_SUBMITTERS
from asynclint.checks.base import Rule
from asynclint.engine.context import Context
from asynclint.engine.fixes import Fix
from asynclint.engine.positions import positions_of
from asynclint.engine.project import ProjectIndex
from asynclint.semantics.always_raises import always_leaves, statements_of
from asynclint.semantics.callees import callee_names, first_known
from asynclint.semantics.constants import is_none
from asynclint.semantics.names import in_top_package
from asynclint.semantics.scope import BindingKind, Scope, ScopeKind, dotted_name, iter_children, iter_subtree
from asynclint.semantics.suspensions import first_suspension

Write = Union[cst.Assign, cst.AnnAssign, cst.AugAssign]
_LOOPS = (cst.For, cst.While)
_BLOCKS = (cst.IndentedBlock, cst.SimpleStatementSuite, cst.SimpleStatementLine, cst.Module)
_CONSTANTS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)


# -- shared state -----------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    """`self._conn` (root only) or `self._cache[key]` (root plus the key's source text)."""

    root: str
    key: Optional[cst.BaseExpression] = None
    key_text: Optional[str] = None

    @property
    def label(self) -> str:
        return f"{self.root}[{self.key_text}]" if self.key_text is not None else self.root


def _shared_root(expr: cst.CSTNode, ctx: Context, *, stored: bool) -> Optional[str]:
    """`self.x` of a method's instance, or a module-level variable (`global` for a plain store)."""
    if type(expr) is cst.Attribute and type(expr.value) is cst.Name:
        if ctx.resolver.instance_class(expr.value.value, ctx.scope) is not None:
            return f"{expr.value.value}.{expr.attr.value}"
        return None
    if type(expr) is cst.Name:
        function = ctx.function_scope
        if stored:
            return expr.value if expr.value in function.declared_global else None
        owner, bindings = ctx.bindings(expr.value)
        if owner is function.module and owner is not function and bindings:
            if all(binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED) for binding in bindings):
                return expr.value
    return None


def written_state(target: cst.BaseExpression, ctx: Context) -> Optional[State]:
    root = _shared_root(target, ctx, stored=True)
    if root is not None:
        return State(root)
    if type(target) is cst.Subscript and len(target.slice) == 1 and type(target.slice[0].slice) is cst.Index:
        root = _shared_root(target.value, ctx, stored=False)
        if root is not None:
            key = target.slice[0].slice.value
            return State(root, key, ctx.source_of(key))
    return None


def _same_expression(node: cst.CSTNode, expected: cst.BaseExpression, expected_text: str, ctx: Context) -> bool:
    if type(node) is not type(expected):
        return False
    if type(node) is cst.Name:
        return node.value == expected_text
    return ctx.source_of(node) == expected_text


def mentions(expression: cst.CSTNode, state: State, ctx: Context) -> Optional[cst.CSTNode]:
    """The first node of `expression` that reads `state` (its root, and its key when it has one)."""
    found_root = None
    found_key = state.key is None
    for node in iter_subtree(expression):
        if found_root is None and type(node) in (cst.Attribute, cst.Name) and dotted_name(node) == state.root:
            found_root = node
        if not found_key and state.key is not None and _same_expression(node, state.key, state.key_text or "", ctx):
            found_key = True
        if found_root is not None and found_key:
            return found_root
    return None


# -- suspension points and guards -------------------------------------------------------------
def _is_guard_expression(expr: cst.BaseExpression, ctx: Context) -> bool:
    if type(expr) is cst.Call:
        # `async with self._locks[key]:`, `async with lock_for(key):`, `async with sem.acquire():`
        expr = expr.func
        if type(expr) is cst.Attribute and expr.attr.value in ("acquire", "reader_lock", "writer_lock"):
            expr = expr.value
    if type(expr) is cst.Subscript:
        expr = expr.value
    kind = ctx.type_of(expr)
    if kind is not None:
        return kind in catalog.GUARD_TYPES
    name = expr.attr.value if type(expr) is cst.Attribute else expr.value if type(expr) is cst.Name else ""
    words = name.lower().strip("_").split("_")
    return bool(words) and (words[-1] in catalog.GUARD_NAME_WORDS or name.lower().endswith("lock"))


def guard_held(ancestors: list[cst.CSTNode], ctx: Context) -> Optional[cst.CSTNode]:
    """An `async with <guard>:` (or a `with` of one) among `ancestors`, up to the function."""
    for ancestor in ancestors:
        if type(ancestor) is cst.FunctionDef:
            return None
        if type(ancestor) is cst.With and any(_is_guard_expression(item.item, ctx) for item in ancestor.items):
            return ancestor
    return None


def acquires_guard(function: cst.FunctionDef, ctx: Context) -> bool:
    """`await self._lock.acquire()` somewhere in the function (a guard held by hand), or
    `self._lock.locked()` tested (the caller holds it, and the function makes sure)."""
    for node in iter_subtree(function.body):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in ("acquire", "locked") and _is_guard_expression(node.func.value, ctx):
                return True
    return False


# -- walking back from a write ----------------------------------------------------------------
@dataclass
class Walk:
    """What runs between a starting point and a write: the earliest suspension on the way."""

    start: cst.CSTNode  # the `if`/`while` that checked, or the statement that read
    start_ancestors: list[cst.CSTNode]  # ancestors of `start`, innermost first
    suspension: Optional[cst.CSTNode]
    region: list[cst.CSTNode]  # what runs in between: statements, tests, `with` items, iterables


def walk_back(statement_path: list[cst.CSTNode], stop) -> Optional[Walk]:
    """From the statement that writes (`statement_path`: it and its ancestors, innermost first),
    look at what ran before it, nearest first, until `stop(node, kind)` names the start: `kind`
    is "test" for an enclosing `if`/`while` whose branch holds the write, "sibling" for an earlier
    statement of an enclosing block. `stop` may return False to go on, True to stop there, or
    None to give up (the value was rebound in a way this walk cannot follow)."""
    earliest: Optional[cst.CSTNode] = None
    region: list[cst.CSTNode] = []
    for depth in range(len(statement_path) - 1):
        child, parent = statement_path[depth], statement_path[depth + 1]
        if isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(parent, _BLOCKS):
            body = parent.body
            if child not in body:
                continue
            for sibling in reversed(body[: body.index(child)]):
                verdict = stop(sibling, "sibling")
                if verdict is None:
                    return None
                if verdict:
                    return Walk(sibling, statement_path[depth + 1 :], earliest, region)
                region.append(sibling)
                earliest = first_suspension(sibling) or earliest
        elif isinstance(parent, (cst.If, cst.While)) and child is not parent.test:
            verdict = stop(parent, "test")
            if verdict is None:
                return None
            if verdict:
                return Walk(parent, statement_path[depth + 2 :], earliest, region)
            region.append(parent.test)
            earliest = first_suspension(parent.test) or earliest
        elif isinstance(parent, cst.With) and child is parent.body:
            if parent.asynchronous is not None:
                earliest = parent
            for item in reversed(parent.items):
                region.append(item)
                earliest = first_suspension(item) or earliest
        elif isinstance(parent, cst.For) and child is parent.body:
            if parent.asynchronous is not None:
                earliest = parent
            region.append(parent.iter)
            earliest = first_suspension(parent.iter) or earliest
        elif isinstance(parent, cst.Try) and child is not parent.body:
            region.append(parent.body)
            earliest = first_suspension(parent.body) or earliest
    return None


_LINE_NODES = (cst.Await, cst.With, cst.For, cst.CompFor, cst.If, cst.While, cst.Attribute, cst.Name)


class LineTable:
    """Lines of the nodes a message names (checks, awaits, reads), computed in one pass per file
    and only once a file has a finding: placing nodes one by one would redo the codegen each time."""

    def __init__(self) -> None:
        self.module: Optional[cst.Module] = None
        self.lines: dict[cst.CSTNode, int] = {}

    def lines_of(self, ctx: Context, *nodes: cst.CSTNode) -> list[int]:
        if self.module is not ctx.module:
            wanted = [node for node in iter_subtree(ctx.module, enter_scopes=True) if type(node) in _LINE_NODES]
            self.lines = {node: place.start.line for node, place in positions_of(ctx.module, wanted).items()}
            self.module = ctx.module
        return [self.lines.get(node, 0) for node in nodes]


def _short(ctx: Context, node: cst.CSTNode) -> str:
    if type(node) in (cst.With, cst.For):
        text = "async with" if type(node) is cst.With else "async for"
        return text
    text = " ".join(ctx.source_of(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _statement_path(ctx: Context) -> list[cst.CSTNode]:
    """The current small statement (an Assign/AugAssign/AnnAssign) and its ancestors."""
    return [ctx.node, *ctx.ancestors()]


def _targets(node: Write) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Assign):
        return [target.target for target in node.targets]
    return [node.target]


class _SharedWriteRule(Rule):
    """Dispatch for ASY500/ASY501: every write to shared state inside a coroutine."""

    def __init__(self, config: Any):
        super().__init__(config)
        self.lines = LineTable()

    def visit_Assign(self, node: cst.Assign, ctx: Context) -> None:
        self._write(node, ctx)

    def visit_AnnAssign(self, node: cst.AnnAssign, ctx: Context) -> None:
        if node.value is not None:
            self._write(node, ctx)

    def visit_AugAssign(self, node: cst.AugAssign, ctx: Context) -> None:
        self._write(node, ctx)

    def _write(self, node: Write, ctx: Context) -> None:
        if not ctx.in_async_context or ctx.scope is not ctx.function_scope:
            return
        for target in _targets(node):
            state = written_state(target, ctx)
            if state is not None:
                self.check(node, target, state, ctx)
                return

    def check(self, node: Write, target: cst.BaseExpression, state: State, ctx: Context) -> None:
        raise NotImplementedError

    @staticmethod
    def guarded(ancestors: list[cst.CSTNode], ctx: Context) -> bool:
        function = ctx.function
        return guard_held(ancestors, ctx) is not None or (function is not None and acquires_guard(function, ctx))


class CheckThenActAcrossAwait(_SharedWriteRule):
    code = "ASY500"
    name = "check-then-act-across-await"
    summary = "shared state checked, then written after an `await`"
    default_enabled = False
    message = (
        "`{state}` is checked on line {check_line} and written here after `{suspension}` (line {await_line}) "
        "in `{function}()`: another task can pass the same check while this one waits; hold an "
        "`asyncio.Lock` across the check and the write, or check again after the await"
    )

    def check(self, node: Write, target: cst.BaseExpression, state: State, ctx: Context) -> None:
        value = node.value
        if type(node) is cst.AugAssign or value is None or _is_reset(value):
            return  # resets (`self._conn = None` after closing it) repeat harmlessly
        if mentions(value, state, ctx) is not None:
            return  # `self.peer = convert(await resolve(self.peer))`: the value transformed, not raced for

        def is_check(candidate: cst.CSTNode, kind: str) -> Optional[bool]:
            if isinstance(candidate, (cst.If, cst.While)):
                leaves = isinstance(candidate, cst.If) and candidate.orelse is None and always_leaves(statements_of(candidate))
                if kind == "test" or leaves:
                    return mentions(candidate.test, state, ctx) is not None
            return False

        walk = walk_back(_statement_path(ctx), is_check)
        if walk is None:
            return
        suspension = walk.suspension or first_suspension(value)
        if suspension is None or self.guarded([walk.start, *walk.start_ancestors], ctx):
            return
        if any(mentions(node, state, ctx) is not None for node in walk.region):
            return  # the state is read again on the way: rebuilt from itself (`for x in self.peers: ...`)
        if isinstance(walk.start, (cst.If, cst.While)) and _writes_compared_value(value, walk.start.test):
            return  # `if source == self._source: return` ... `self._source = source`: a no-op guard
        check_line, await_line = self.lines.lines_of(ctx, walk.start, suspension)
        message = self.message.format(
            state=state.label,
            check_line=check_line,
            suspension=_short(ctx, suspension),
            await_line=await_line,
            function=ctx.function_name,
        )
        ctx.report(target, message)


def _writes_compared_value(value: cst.BaseExpression, test: cst.BaseExpression) -> bool:
    """The value written is a name the check compared the state with: skipping a write that would
    change nothing, not deciding to create something."""
    if not isinstance(value, cst.Name):
        return False
    for node in iter_subtree(test):
        if isinstance(node, cst.Comparison):
            operands = [node.left, *(target.comparator for target in node.comparisons)]
            if any(isinstance(operand, cst.Name) and operand.value == value.value for operand in operands):
                return True
    return False


def _is_reset(value: cst.BaseExpression) -> bool:
    """A constant: `None`, `False`, `0`, `""`, `[]`, or an enum member (`State.CLOSED`): state
    machines and resets, which repeat harmlessly."""
    if type(value) is cst.Name:
        return value.value in ("None", "True", "False")
    if isinstance(value, cst.Attribute):
        member = value.attr.value
        return dotted_name(value) is not None and member.isupper() and len(member) > 1
    if type(value) in _CONSTANTS:
        return True
    if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.Tuple)):
        return not value.elements
    if isinstance(value, cst.UnaryOperation):
        return type(value.expression) in _CONSTANTS
    return False


def evaluation_order(node: cst.CSTNode) -> Iterator[tuple[str, cst.CSTNode]]:
    """("node", n) for each node as evaluation reaches it and ("suspend", await) once an `await`'s
    operand is evaluated; nested functions and lambdas are not entered."""
    yield "node", node
    if type(node) in (cst.Lambda, cst.FunctionDef, cst.ClassDef):
        return
    for child in iter_children(node):
        yield from evaluation_order(child)
    if type(node) is cst.Await:
        yield "suspend", node


class LostUpdateAcrossAwait(_SharedWriteRule):
    code = "ASY501"
    name = "lost-update-across-await"
    summary = "shared state written back from a value read before an `await`"
    default_enabled = False
    message = (
        "`{state}` is read on line {read_line} and written back here from that value after `{suspension}` "
        "(line {await_line}) in `{function}()`: updates other tasks make meanwhile are lost; re-read it "
        "after the await or hold an `asyncio.Lock` across both"
    )

    def check(self, node: Write, target: cst.BaseExpression, state: State, ctx: Context) -> None:
        if node.value is None:
            return
        ancestors = list(ctx.ancestors())
        if isinstance(node, cst.AugAssign):
            # `self.n += await f()`: `self.n` is loaded before the operand is evaluated. Sets,
            # lists and dicts are updated in place (`|=`, `+=` on a list), so nothing is lost.
            suspension = first_suspension(node.value)
            if isinstance(node.operator, _IN_PLACE_OPERATORS) or _holds_container(state, ctx):
                return
            if suspension is not None and not self.guarded(ancestors, ctx):
                self._report(ctx, target, state, target, suspension)
            return
        read, suspension = self._read_then_suspend(node.value, state, ctx)
        if read is not None and suspension is not None:
            if not self.guarded(ancestors, ctx):
                self._report(ctx, target, state, read, suspension)
            return
        if mentions(node.value, state, ctx) is not None:
            return  # re-read after any await: fresh
        self._through_local(node, target, state, ctx)

    @staticmethod
    def _read_then_suspend(value: cst.BaseExpression, state: State, ctx: Context):
        read = None
        for kind, current in evaluation_order(value):
            if kind == "node" and read is None and type(current) in (cst.Attribute, cst.Name):
                if dotted_name(current) == state.root and mentions(value, state, ctx) is not None:
                    read = current
            elif kind == "suspend" and read is not None and isinstance(current, cst.Await):
                if mentions(current.expression, state, ctx) is not None:
                    # `self.x = await convert(self.x)`: a transformation handed to the callee.
                    return None, None
                return read, current
        return None, None

    def _through_local(self, node: Write, target: cst.BaseExpression, state: State, ctx: Context) -> None:
        """`total = self.total; await flush(); self.total = total + n`."""
        if node.value is None:
            return
        locals_read = {
            current.value
            for current in iter_subtree(node.value)
            if type(current) is cst.Name and ctx.scope.resolve(current.value) is ctx.function_scope
        }
        if not locals_read:
            return
        pending = set(locals_read)
        found: dict[str, cst.CSTNode] = {}

        def is_read(candidate: cst.CSTNode, kind: str) -> Optional[bool]:
            if kind != "sibling":
                return False
            hit = _names_bound(candidate) & pending
            if not hit:
                return False
            small = _single_assignment(candidate)
            source = None
            if small is not None and small.value is not None and len(hit) == 1:
                source = mentions(small.value, state, ctx)
                if source is not None and not _reads_value(small.value, state):
                    return None  # a fallback (`kwargs.get(k, self.last)`) or a removal (`pop`)
            if source is not None:
                found["read"] = source
                return True
            # A fresh value (or one bound in a branch, a loop, a tuple: not followed).
            pending.difference_update(hit)
            return None if not pending else False

        walk = walk_back(_statement_path(ctx), is_read)
        if walk is None or walk.suspension is None or "read" not in found:
            return
        if any(_writes_state(node, state) for node in walk.region):
            return  # `previous = self.x; self.x = new; await ...; self.x = previous`: a rollback
        if self.guarded([walk.start, *walk.start_ancestors], ctx):
            return
        self._report(ctx, target, state, found["read"], walk.suspension)

    def _report(
        self, ctx: Context, target: cst.CSTNode, state: State, read: cst.CSTNode, suspension: cst.CSTNode
    ) -> None:
        read_line, await_line = self.lines.lines_of(ctx, read, suspension)
        message = self.message.format(
            state=state.label,
            read_line=read_line,
            suspension=_short(ctx, suspension),
            await_line=await_line,
            function=ctx.function_name,
        )
        ctx.report(target, message)


_IN_PLACE_OPERATORS = (cst.BitOrAssign, cst.BitAndAssign, cst.BitXorAssign)
_CONTAINER_CALLS = frozenset(
    {"list", "dict", "set", "bytearray", "deque", "defaultdict", "OrderedDict", "Counter", "WeakSet"}
)


def _is_container_value(value: Optional[cst.BaseExpression]) -> bool:
    if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return True
    if isinstance(value, cst.Call):
        name = dotted_name(value.func)
        return name is not None and name.rsplit(".", 1)[-1] in _CONTAINER_CALLS
    return False


def _holds_container(state: State, ctx: Context) -> bool:
    """Every value the program stores in `state` is a list, dict or set (updated in place)."""
    if state.key is not None:
        return False
    values: list[Optional[cst.BaseExpression]] = []
    if "." in state.root:
        base, attr = state.root.split(".", 1)
        class_scope = ctx.resolver.instance_class(base, ctx.scope)
        if class_scope is None:
            return False
        values = [store.value for _, store in ctx.resolver.attribute_stores(class_scope, attr)]
    else:
        owner, bindings = ctx.bindings(state.root)
        values = [binding.value for binding in bindings if binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED)]
    return bool(values) and all(_is_container_value(value) for value in values)


def _reads_value(expression: cst.BaseExpression, state: State) -> bool:
    """`expression` uses the state's value: not only as a call argument (`kwargs.get(k, self.last)`,
    a fallback) and not by removing from it (`self.items.pop(k)`, which a write-back restores)."""
    passed: set[int] = set()
    for node in iter_subtree(expression):
        if isinstance(node, cst.Arg):
            passed.update(id(inner) for inner in iter_subtree(node))
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in ("pop", "popitem", "popleft") and dotted_name(node.func.value) == state.root:
                return False
    return any(
        isinstance(node, (cst.Attribute, cst.Name)) and dotted_name(node) == state.root and id(node) not in passed
        for node in iter_subtree(expression)
    )


def _stored_targets(statement: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Every target a statement (or anything nested in it, outside nested scopes) stores into:
    assignment, augmented and annotated targets, `for` targets, `:=` names, `with ... as` names."""
    for node in iter_subtree(statement):
        if type(node) in (cst.Assign, cst.AnnAssign, cst.AugAssign):
            yield from _targets(node)
        elif type(node) in (cst.For, cst.NamedExpr):
            yield node.target
        elif type(node) is cst.WithItem and node.asname is not None:
            yield node.asname.name


def _writes_state(statement: cst.CSTNode, state: State) -> bool:
    for target in _stored_targets(statement):
        if dotted_name(target.value if isinstance(target, cst.Subscript) else target) == state.root:
            return True
    return False


def _names_bound(statement: cst.CSTNode) -> set[str]:
    """Plain names a statement (or anything nested in it, outside nested scopes) binds."""
    bound: set[str] = set()
    for target in _stored_targets(statement):
        for inner in iter_subtree(target):
            if type(inner) is cst.Name and (inner is target or type(target) in (cst.Tuple, cst.List)):
                bound.add(inner.value)
    return bound


def _single_assignment(statement: cst.CSTNode) -> Optional[Union[cst.Assign, cst.AnnAssign]]:
    """`name = value` as the only thing a statement line does."""
    if type(statement) is not cst.SimpleStatementLine or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name:
        return small
    if type(small) is cst.AnnAssign and small.value is not None and type(small.target) is cst.Name:
        return small
    return None


# -- ASY502 ------------------------------------------------------------------------------------
def _executor_target(call: cst.Call, ctx: Context) -> Optional[cst.BaseExpression]:
    positional = [arg for arg in call.args if arg.keyword is None]
    if len(positional) < 2 or positional[0].star or positional[1].star:
        return None
    target = positional[1].value
    if type(target) is cst.Call and ctx.qualified_name(target.func) == "functools.partial" and target.args:
        first = target.args[0]
        if first.keyword is None and not first.star:
            target = first.value
    return target


class ContextLostInExecutor(Rule):
    code = "ASY502"
    name = "context-lost-in-executor"
    summary = "`run_in_executor` of a function that reads a `ContextVar`"
    fix = "safe"
    default_enabled = False
    message = (
        "`{target}` reads the context variable `{variable}`{chain} but runs in an executor thread started by "
        "`run_in_executor` in `{function}()`, which does not copy the context: the thread sees the default; "
        "use `await asyncio.to_thread(...)` or pass `contextvars.copy_context().run`"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        self._record_facts(node, ctx)
        if first_known(callee_names(node.func, ctx), EXECUTOR_SUBMITTERS) is None:
            return
        target = _executor_target(node, ctx)
        if target is None:
            return
        fix = self._fix(node, ctx)
        label = ctx.source_of(target)
        local = self._local_function(target, ctx)
        if local is not None:
            variable = self._direct_read(local, ctx)
            if variable is not None:
                ctx.report(node, self._message(label, variable, "", ctx), fix=fix)
                return
            callees = tuple(sorted(self._project_callees(local, ctx)))
            if callees:
                ctx.report(
                    node,
                    self._message(label, "{variable}", "{chain}", ctx),
                    fix=fix,
                    condition=("context-read", *callees),
                )
            return
        start = ctx.qualified_name(target)
        if start is not None and in_top_package(start, ctx.module_name):
            ctx.report(
                node, self._message(label, "{variable}", "{chain}", ctx), fix=fix, condition=("context-read", start)
            )

    def _message(self, target: str, variable: str, chain: str, ctx: Context) -> str:
        return self.message.format(target=target, variable=variable, chain=chain, function=ctx.function_name)

    # -- facts: which project functions read a ContextVar, and what they call -----------------
    def _record_facts(self, node: cst.Call, ctx: Context) -> None:
        if ctx.qualified_name(node.func) == "contextvars.ContextVar" and ctx.scope.kind is ScopeKind.MODULE:
            parent = ctx.parent
            if isinstance(parent, (cst.Assign, cst.AnnAssign)):
                targets = _targets(parent)
                if len(targets) == 1 and type(targets[0]) is cst.Name:
                    prefix = f"{ctx.module_name}." if ctx.module_name else ""
                    ctx.record_fact("context-vars", f"{prefix}{targets[0].value}", True)
            return
        owner = ctx.resolver.function_qualified_name(ctx.function_scope)
        if owner is None:
            return
        read = self._read_of(node, ctx)
        if read is not None:
            ctx.append_fact("context-reads", owner, read)
            return
        written = self._read_of(node, ctx, methods=catalog.CONTEXT_VAR_WRITES)
        if written is not None:
            ctx.append_fact("context-sets", owner, written)
            return
        callee = ctx.qualified_name(node.func)
        if callee is not None and in_top_package(callee, ctx.module_name):
            ctx.append_fact("context-calls", owner, callee)

    @staticmethod
    def _read_of(
        call: cst.Call, ctx: Context, scope: Optional[Scope] = None, methods: frozenset = catalog.CONTEXT_VAR_READS
    ) -> Optional[str]:
        """`VAR.get()` (or a catalogued context-reading call): the variable read, `?name` when
        only the project index can tell whether `name` is a ContextVar. With `methods` set to
        the writes, the same for `VAR.set(...)`."""
        func = call.func
        if methods is catalog.CONTEXT_VAR_READS and ctx.qualified_name(func, scope) in catalog.CONTEXT_READING_CALLS:
            return ctx.qualified_name(func, scope)
        if type(func) is not cst.Attribute or func.attr.value not in methods:
            return None
        if ctx.type_of(func.value, scope) == catalog.CONTEXT_VAR_TYPE:
            return ctx.source_of(func.value)
        receiver = ctx.qualified_name(func.value, scope)
        if receiver is not None and type(func.value) in (cst.Name, cst.Attribute):
            return f"?{receiver}"
        return None

    # -- the target -----------------------------------------------------------------------------
    @staticmethod
    def _local_function(target: cst.BaseExpression, ctx: Context) -> Optional[Union[cst.FunctionDef, cst.Lambda]]:
        """A function defined inside another function, or a lambda: its body is read here."""
        if isinstance(target, cst.Lambda):
            return target
        if isinstance(target, cst.Name):
            owner, bindings = ctx.bindings(target.value)
            if owner is not None and owner.kind is ScopeKind.FUNCTION and len(bindings) == 1:
                definition = bindings[0].node
                if isinstance(definition, cst.FunctionDef):
                    return definition
        return None

    def _direct_read(self, function: Union[cst.FunctionDef, cst.Lambda], ctx: Context) -> Optional[str]:
        scope = ctx.scope_of(function)
        calls = [node for node in iter_subtree(function.body) if type(node) is cst.Call]
        written = {self._read_of(node, ctx, scope, catalog.CONTEXT_VAR_WRITES) for node in calls}
        for node in calls:
            read = self._read_of(node, ctx, scope)
            if read is not None and not read.startswith("?") and read not in written:
                return read
        return None

    def _project_callees(self, function: Union[cst.FunctionDef, cst.Lambda], ctx: Context) -> set[str]:
        scope = ctx.scope_of(function)
        callees: set[str] = set()
        for node in iter_subtree(function.body):
            if type(node) is cst.Call:
                read = self._read_of(node, ctx, scope)
                if read is not None and read.startswith("?"):
                    callees.add(read)
                    continue
                callee = ctx.qualified_name(node.func, scope)
                if callee is not None and in_top_package(callee, ctx.module_name):
                    callees.add(callee)
        return callees

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        found = self.reading_chain(condition[1:], project)
        if found is None:
            return None
        chain, variable = found
        helpers = chain[1:]  # the first is the target itself, named already
        via = f" (through {' → '.join(part.rsplit('.', 1)[-1] + '()' for part in helpers)})" if helpers else ""
        return message.replace("{variable}", variable).replace("{chain}", via)

    @staticmethod
    def reading_chain(starts: tuple, project: ProjectIndex) -> Optional[tuple[list[str], str]]:
        """Shortest call chain from `starts` to a function that reads a ContextVar, and the variable."""
        key = ("context-read", starts)
        if key in project.memo:
            return project.memo[key]
        variables = project.facts.get("context-vars", {})
        reads = project.facts.get("context-reads", {})
        calls = project.facts.get("context-calls", {})

        sets = project.facts.get("context-sets", {})

        def variable_read(name: str) -> Optional[str]:
            if name.startswith("?"):
                return name[1:].rsplit(".", 1)[-1] if name[1:] in variables else None
            written = set(sets.get(name, ()))
            for read in reads.get(name, ()):
                if read in written:
                    continue  # set by the function itself before it reads it
                if not read.startswith("?"):
                    return read
                if read[1:] in variables:
                    return read[1:].rsplit(".", 1)[-1]
            return None

        previous: dict[str, Optional[str]] = {start: None for start in starts}
        queue = deque(starts)
        result = None
        while queue:
            current = queue.popleft()
            variable = variable_read(current)
            if variable is not None:
                chain = []
                step: Optional[str] = current
                while step is not None:
                    if not step.startswith("?"):
                        chain.append(step)
                    step = previous[step]
                result = (list(reversed(chain)), variable)
                break
            for following in calls.get(current, ()):
                if following not in previous:
                    previous[following] = current
                    queue.append(following)
        project.memo[key] = result
        return result

    # -- the fix -------------------------------------------------------------------------------
    @staticmethod
    def _fix(node: cst.Call, ctx: Context) -> Optional[Fix]:
        """`await loop.run_in_executor(None, f, *args)` → `await asyncio.to_thread(f, *args)`: the
        same default executor, plus a copy of the context. Only when the future is awaited on the
        spot (a Future has methods a coroutine lacks) and dropping the receiver has no effect."""
        if ctx.target_version < catalog.TO_THREAD_SINCE or type(ctx.parent) is not cst.Await:
            return None
        if not ctx.in_async_context or type(node.func) is not cst.Attribute:
            return None
        args = list(node.args)
        if any(arg.keyword is not None for arg in args) or len(args) < 2 or args[0].star:
            return None
        if not is_none(args[0].value):
            return None
        receiver = node.func.value
        if dotted_name(receiver) is None and not (
            type(receiver) is cst.Call and not receiver.args and ctx.qualified_name(receiver.func) in _LOOP_GETTERS
        ):
            return None
        to_thread, imports = ctx.module_attribute("asyncio", "to_thread")
        if to_thread is None:
            return None
        replacement = node.with_changes(func=to_thread, args=args[1:])
        return Fix("safe", "Use `asyncio.to_thread(...)`, which copies the context", ((node, replacement),), imports)


_LOOP_GETTERS = frozenset(
    {
        "asyncio.get_running_loop",
        "asyncio.get_event_loop",
        "asyncio.events.get_running_loop",
        "asyncio.events.get_event_loop",
    }
)
