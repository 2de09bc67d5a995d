"""Blocking calls in async context (ASY100–ASY112): the event loop stalls while they run."""

from __future__ import annotations

import ipaddress
from collections import deque
from typing import Any, ClassVar, Optional

import libcst as cst

from asynclint.catalog import blocking as catalog
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS
from asynclint.checks.base import Collector, Rule
from asynclint.engine.context import Context
from asynclint.engine.fixes import Fix
from asynclint.engine.offload import offload_fix
from asynclint.engine.project import ProjectIndex
from asynclint.semantics.always_raises import always_leaves, statements_of
from asynclint.semantics.arguments import argument, first_positional, positional_arguments
from asynclint.semantics.constants import is_false_or_zero, is_falsy_constant, is_none, is_true
from asynclint.semantics.function_kinds import (
    decorated_with,
    definitions_make_async_generators,
    definitions_make_coroutines,
    definitions_make_generators,
    is_generator_function,
)
from asynclint.semantics.names import in_top_package
from asynclint.semantics.scope import BindingKind, ScopeKind, iter_subtree
from asynclint.semantics.suspensions import suspends
from asynclint.semantics.type_tests import TypeTest, derived_from, literal_type, passes, required_type_tests


def reports_here(ctx: Context) -> bool:
    """Blocking calls matter here: code on the loop thread that is not a one-shot command."""
    if not ctx.on_loop_thread:
        return False
    return ctx.config.blocking_in_one_shot_commands or not ctx.in_one_shot_command


def blocking_calls(config: Any) -> dict[str, catalog.BlockingCall]:
    """The catalog plus the user's `extend-blocking-calls`."""
    merged = dict(catalog.BLOCKING_CALLS)
    for name, code in config.extend_blocking_calls:
        merged[name] = catalog.BlockingCall(code, "a non-blocking equivalent")
    return merged


def _receiver_blocks(call: cst.Call, ctx: Context, known: dict) -> bool:
    """`smtplib.SMTP(host).sendmail(...)`: the receiver's construction blocks too."""
    if type(call.func) is not cst.Attribute:
        return False
    return any(
        type(node) is cst.Call and ctx.qualified_name(node.func) in known for node in iter_subtree(call.func.value)
    )


def _awaited(ctx: Context) -> bool:
    """`await x.f()`: whatever an annotation says about `x`, `f` returned an awaitable, so it is
    an async API (`session: orm.Session` that is really an `AsyncSession`)."""
    return type(ctx.parent) is cst.Await


def _mentions(expr: cst.CSTNode, names: frozenset[str], ctx: Context, depth: int = 0) -> bool:
    """Whether `expr` uses one of the constant `names` (`socket.AI_NUMERICHOST`), also through a
    module-level name bound to an expression that does (`_NUMERIC = AI_NUMERICHOST | ...`)."""
    for node in iter_subtree(expr):
        if type(node) is cst.Attribute and node.attr.value in names:
            return True
        if type(node) is cst.Name:
            if node.value in names:
                return True
            if depth < 2:
                _, bindings = ctx.bindings(node.value)
                if any(b.value is not None and _mentions(b.value, names, ctx, depth + 1) for b in bindings):
                    return True
    return False


_NUMERIC_LOOKUP = {
    # callee → (position, keyword) of the flags argument, and the flag that keeps DNS out of it.
    "socket.getaddrinfo": (5, "flags", frozenset({"AI_NUMERICHOST"})),
    "socket.getnameinfo": (1, "flags", frozenset({"NI_NUMERICHOST"})),
}
_WOULD_BLOCK = frozenset({"BlockingIOError", "InterruptedError", "SSLWantReadError", "SSLWantWriteError"})


def _catches_would_block(ctx: Context) -> bool:
    """The call sits in a `try` body whose handlers catch `BlockingIOError`: a non-blocking socket
    operation whose waiting is done by the loop (`loop.add_reader`/`add_writer`)."""
    child: Optional[cst.CSTNode] = ctx.node
    for ancestor in ctx.ancestors():
        if ancestor is ctx.function:
            return False
        if type(ancestor) is cst.Try and child is ancestor.body:
            for handler in ancestor.handlers:
                if handler.type is not None and any(
                    type(node) in (cst.Name, cst.Attribute)
                    and (node.value if type(node) is cst.Name else node.attr.value) in _WOULD_BLOCK
                    for node in iter_subtree(handler.type)
                ):
                    return True
        child = ancestor
    return False


def _made_non_blocking(receiver: cst.BaseExpression, ctx: Context) -> bool:
    """`sock.setblocking(False)` / `sock.settimeout(0)` on the same receiver in this function, or
    in the same-module helper whose result `sock` is."""
    text = ctx.source_of(receiver)
    function = ctx.function
    if function is None:
        return False
    if _calls_setblocking_false(function, lambda value: ctx.source_of(value) == text):
        return True
    if type(receiver) is cst.Name:
        _, bindings = ctx.bindings(receiver.value)
        for binding in bindings:
            if type(binding.value) is cst.Call and type(binding.value.func) is cst.Name:
                _, helpers = ctx.bindings(binding.value.func.value, binding.scope)
                for helper in helpers:
                    if helper.kind is BindingKind.DEF and _calls_setblocking_false(helper.node, lambda value: True):
                        return True
    return False


def _calls_setblocking_false(function: cst.CSTNode, same_receiver) -> bool:
    for node in iter_subtree(function, enter_scopes=False):
        if type(node) is cst.Call and type(node.func) is cst.Attribute and node.args:
            if node.func.attr.value in ("setblocking", "settimeout") and is_false_or_zero(node.args[0].value):
                if same_receiver(node.func.value):
                    return True
    return False


def _is_ip_literal(node: Optional[cst.CSTNode]) -> bool:
    if type(node) is not cst.SimpleString:
        return False
    value = node.evaluated_value
    try:
        ipaddress.ip_address(value if isinstance(value, str) else "")
    except ValueError:
        return False
    return True


def _udp_connect_to_address(node: cst.Call, receiver: cst.BaseExpression, ctx: Context) -> bool:
    """`udp.connect((host, port))` on a datagram socket only selects a route and records the peer;
    it waits only to resolve a host name, so it counts as blocking only for a name literal."""
    target = first_positional(node)
    if type(target) is not cst.Tuple or not target.elements:
        return False
    host = target.elements[0].value
    if type(host) is cst.SimpleString and not _is_ip_literal(host):
        return False
    if type(receiver) is not cst.Name:
        return False
    _, bindings = ctx.bindings(receiver.value)
    return bool(bindings) and all(
        type(b.value) is cst.Call and _mentions(b.value, frozenset({"SOCK_DGRAM"}), ctx, 2) for b in bindings
    )


def _does_not_block(node: cst.Call, callee: str, ctx: Context) -> bool:
    """Catalog calls that provably do not wait here."""
    numeric = _NUMERIC_LOOKUP.get(callee)
    if numeric is not None:
        position, keyword, flags = numeric
        value = argument(node, position, keyword)
        return value is not None and _mentions(value.value, flags, ctx)
    if callee.startswith("socket.socket.") and type(node.func) is cst.Attribute:
        receiver = node.func.value
        return (
            _catches_would_block(ctx)
            or _made_non_blocking(receiver, ctx)
            or (callee == "socket.socket.connect" and _udp_connect_to_address(node, receiver, ctx))
        )
    return False


def _opened_here(node: cst.Call, ctx: Context, known: dict) -> bool:
    """`f.read()` where `f` is the value of an `open()` in this same function: that `open()` is
    already reported, and offloading it alone does not help, so one finding says it all."""
    receiver = node.func.value if type(node.func) is cst.Attribute else None
    if type(receiver) is cst.Call:
        return ctx.qualified_name(receiver.func) in known
    if type(receiver) is not cst.Name:
        return False
    owner, bindings = ctx.bindings(receiver.value)
    if owner is None or owner is not ctx.scope.function_scope or not bindings:
        return False
    return all(type(b.value) is cst.Call and ctx.qualified_name(b.value.func, owner) in known for b in bindings)


def _is_call_to(ancestors, names: frozenset[str], ctx: Context) -> bool:
    """The node is an argument of a call to one of `names` (ancestors: Arg, then Call)."""
    next(ancestors, None)
    call = next(ancestors, None)
    return type(call) is cst.Call and ctx.qualified_name(call.func) in names


class BlockingSleep(Rule):
    code = "ASY100"
    name = "blocking-sleep"
    summary = "`time.sleep` in async context"
    fix = "safe"
    message = "`{callee}` blocks the event loop in `{function}()`; use `await asyncio.sleep()`"

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not reports_here(ctx) or ctx.qualified_name(node.func) != "time.sleep":
            return
        message = self.message.format(callee="time.sleep", function=ctx.function_name)
        ctx.report(node, message, fix=self._fix(node, ctx))

    @staticmethod
    def _fix(node: cst.Call, ctx: Context) -> Optional[Fix]:
        if not ctx.can_insert_await():
            return None
        sleep, imports = ctx.module_attribute("asyncio", "sleep")
        if sleep is None:
            return None
        replacement = ctx.awaited(node, node.with_changes(func=sleep))
        return Fix("safe", "Replace with `await asyncio.sleep(...)`", ((node, replacement),), imports)


class _CatalogBlockingCall(Rule):
    """A call listed in the blocking catalog under this rule's code, with the offload fix."""

    message = "`{callee}` blocks the event loop in `{function}()`; use {instead} or `await asyncio.to_thread(...)`"

    def __init__(self, config: Any):
        super().__init__(config)
        self.known = blocking_calls(config)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not reports_here(ctx) or _awaited(ctx):
            return
        callee = ctx.qualified_name(node.func)
        entry = self.known.get(callee) if callee else None
        if callee is None or entry is None or entry.code != self.code or entry.first_call_only:
            return
        if _does_not_block(node, callee, ctx):
            return
        if callee.rsplit(".", 1)[0] in catalog.FILE_TYPES and _opened_here(node, ctx, self.known):
            return
        if type(ctx.parent) is cst.Arg and _is_call_to(ctx.ancestors(), catalog.FILE_WRAPPERS, ctx):
            return
        message = self.message.format(callee=callee, function=ctx.function_name, instead=entry.instead)
        fix = None if entry.no_offload else offload_fix(node, ctx, _receiver_blocks(node, ctx, self.known))
        ctx.report(node, message, fix=fix)


class BlockingHttp(_CatalogBlockingCall):
    code = "ASY101"
    name = "blocking-http"
    summary = "synchronous HTTP client call in async context"
    fix = "unsafe"


class BlockingSubprocess(_CatalogBlockingCall):
    code = "ASY102"
    name = "blocking-subprocess"
    summary = "blocking subprocess/os process call in async context"
    fix = "unsafe"


class BlockingFileIO(_CatalogBlockingCall):
    code = "ASY103"
    name = "blocking-file-io"
    summary = "blocking file I/O in async context"
    fix = "unsafe"
    default_enabled = False


class BlockingNetworkIO(_CatalogBlockingCall):
    code = "ASY104"
    name = "blocking-network-io"
    summary = "blocking socket, DNS or sync network client in async context"
    fix = "unsafe"


class BlockingDatabase(_CatalogBlockingCall):
    code = "ASY105"
    name = "blocking-database"
    summary = "synchronous database driver call in async context"
    fix = "unsafe"


class BlockingInput(_CatalogBlockingCall):
    code = "ASY107"
    name = "blocking-input"
    summary = "reading from the terminal in async context"
    fix = "unsafe"


def _constructions(receiver: cst.BaseExpression, ctx: Context) -> Optional[list[cst.BaseExpression]]:
    """Every value assigned to `receiver` (a local name or `self.attr`), or None when unknown."""
    if type(receiver) is cst.Name:
        _, bindings = ctx.bindings(receiver.value)
        values = [b.value for b in bindings]
    elif type(receiver) is cst.Attribute and type(receiver.value) is cst.Name:
        class_scope = ctx.resolver.instance_class(receiver.value.value, ctx.scope)
        if class_scope is None:
            return None
        values = [store.value for _, store in ctx.resolver.attribute_stores(class_scope, receiver.attr.value)]
        values += [b.value for b in class_scope.bindings.get(receiver.attr.value, [])]
    else:
        return None
    known = [value for value in values if value is not None]
    return known if known and len(known) == len(values) else None


def _unbounded_queue(node: cst.Call, ctx: Context) -> bool:
    """`put()` on a `queue.Queue()` built without a `maxsize`: it never waits."""
    receiver = node.func.value if type(node.func) is cst.Attribute else None
    values = _constructions(receiver, ctx) if receiver is not None else None
    if not values:
        return False
    for value in values:
        if type(value) is not cst.Call or ctx.qualified_name(value.func) not in catalog.QUEUE_CONSTRUCTORS:
            return False
        size = argument(value, 0, "maxsize")
        if size is not None and not is_false_or_zero(size.value):
            return False
    return True


def _done_future(node: cst.Call, ctx: Context) -> bool:
    """`future.result()` in a done-callback, on the future it was given: it is already done."""
    receiver = node.func.value if type(node.func) is cst.Attribute else None
    function = ctx.function
    if type(receiver) is not cst.Name or function is None or not ctx.is_done_callback(function):
        return False
    positional = [*function.params.posonly_params, *function.params.params]
    if ctx.resolver.self_name(ctx.function_scope) is not None:
        positional = positional[1:]
    return bool(positional) and positional[0].name.value == receiver.value


class BlockingWait(Rule):
    code = "ASY106"
    name = "blocking-wait"
    summary = "waiting on a thread, future, lock or queue in async context"
    default_enabled = False
    message = "`{callee}` waits on a thread in `{function}()` and blocks the event loop meanwhile; use {instead}"
    # Calls that do not wait when told so: lock.acquire(False), queue.get(block=False), event.wait(0).
    NON_BLOCKING: ClassVar[tuple[str, ...]] = ("blocking", "block", "timeout")

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not reports_here(ctx) or _awaited(ctx):
            return
        callee = ctx.qualified_name(node.func)
        instead = catalog.BLOCKING_WAITS.get(callee) if callee else None
        if instead is None or self._does_not_wait(node) or self._fresh_lock(node, ctx):
            return
        if callee in catalog.UNBOUNDED_PUTS and _unbounded_queue(node, ctx):
            return
        if callee in catalog.FUTURE_OUTCOMES and _done_future(node, ctx):
            return
        ctx.report(node, self.message.format(callee=callee, function=ctx.function_name, instead=instead))

    held_message = (
        "`with {lock}` in `{function}()` holds a thread lock across `await`: another task that reaches it "
        "blocks the event loop until the holder resumes, which it never can; use {instead}"
    )

    def visit_WithItem(self, node: cst.WithItem, ctx: Context) -> None:
        """`with self._lock:` on a `threading` lock whose body awaits. A short critical section
        shared with threads is the normal use of such a lock and is not reported."""
        with_node = ctx.parent
        if not ctx.in_async_context or type(with_node) is not cst.With or with_node.asynchronous is not None:
            return
        if not (ctx.config.blocking_in_one_shot_commands or not ctx.in_one_shot_command):
            return
        kind = ctx.type_of(node.item)
        instead = catalog.BLOCKING_WAITS.get(f"{kind}.acquire") if kind in catalog.THREAD_LOCKS else None
        if instead is None or not suspends(with_node.body):
            return
        message = self.held_message.format(lock=ctx.source_of(node.item), function=ctx.function_name, instead=instead)
        ctx.report(node.item, message)

    @staticmethod
    def _fresh_lock(node: cst.Call, ctx: Context) -> bool:
        """`lock = threading.Lock(); lock.acquire()`: no other thread can hold a lock that was
        created in this function and not used before this call."""
        receiver = node.func.value if type(node.func) is cst.Attribute else None
        if type(receiver) is not cst.Name:
            return False
        owner, bindings = ctx.bindings(receiver.value)
        if owner is None or owner is not ctx.scope.function_scope or len(bindings) != 1:
            return False
        value = bindings[0].value
        if type(value) is not cst.Call or ctx.qualified_name(value.func, owner) not in catalog.THREAD_LOCK_CONSTRUCTORS:
            return False
        uses = ctx.references(owner, receiver.value)
        return bool(uses) and uses[0][0] is receiver

    def _does_not_wait(self, node: cst.Call) -> bool:
        for position, arg in enumerate(node.args):
            keyword = arg.keyword.value if arg.keyword is not None else None
            if (keyword in self.NON_BLOCKING or (keyword is None and position == 0)) and is_false_or_zero(arg.value):
                return True
        return False


class NestedEventLoop(Rule):
    code = "ASY108"
    name = "nested-event-loop"
    summary = "starting an event loop from inside a coroutine"
    message = "`{callee}` in `{function}()` starts an event loop inside a running one; `await` the coroutine instead"

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.in_async_context:
            callee = ctx.qualified_name(node.func)
            if callee in catalog.NESTED_LOOP_CALLS:
                ctx.report(node, self.message.format(callee=callee, function=ctx.function_name))


class GetEventLoopInCoroutine(Rule):
    code = "ASY109"
    name = "get-event-loop-in-coroutine"
    summary = "`asyncio.get_event_loop()` in async context"
    fix = "safe"
    message = (
        "`asyncio.get_event_loop()` in `{function}()`: inside a coroutine use `asyncio.get_running_loop()`, "
        "the documented call there"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context or ctx.qualified_name(node.func) != catalog.GET_EVENT_LOOP or node.args:
            return
        ctx.report(node, self.message.format(function=ctx.function_name), fix=self._fix(node, ctx))

    @staticmethod
    def _fix(node: cst.Call, ctx: Context) -> Optional[Fix]:
        if type(node.func) is cst.Attribute:
            func: Optional[cst.BaseExpression] = node.func.with_changes(attr=cst.Name("get_running_loop"))
            imports: tuple[str, ...] = ()
        else:
            func, imports = ctx.module_attribute("asyncio", "get_running_loop")
        if func is None:
            return None
        return Fix("safe", "Use `asyncio.get_running_loop()`", ((node, node.with_changes(func=func)),), imports)


def _runs_in_thread(decorator: cst.Decorator) -> bool:
    target = decorator.decorator
    return type(target) is cst.Call and any(
        arg.keyword is not None and arg.keyword.value == "thread" and is_true(arg.value)
        for arg in target.args
    )


def _describe(value: cst.BaseExpression, parameters: frozenset[str]) -> str:
    """What an argument is, as far as it decides branches: "falsy:TYPE" (None, False, 0),
    "literal:TYPE" (`"a.json"`, `b""`, `[]`...), "param:NAME" (the caller's own parameter, passed
    through) or "other"."""
    if is_falsy_constant(value):
        return f"falsy:{literal_type(value)}"
    kind = literal_type(value)
    if kind is not None:
        return f"literal:{kind}"
    if type(value) is cst.Name and value.value in parameters:
        return f"param:{value.value}"
    return "other"


def _describe_arguments(call: cst.Call, parameters: frozenset[str]) -> Optional[tuple[list, dict]]:
    """What a call passes, each argument `_describe`d. None when `*args`/`**kwargs` hide it."""
    positional: list[str] = []
    keywords: dict[str, str] = {}
    for arg in call.args:
        if arg.star:
            return None
        described = _describe(arg.value, parameters)
        if arg.keyword is None:
            positional.append(described)
        else:
            keywords[arg.keyword.value] = described
    return positional, keywords


def _truthy_required(test: cst.CSTNode, parameters: frozenset[str], negated: bool) -> set[str]:
    """Parameters that must be truthy (not None) for `test` to be true (`negated`: to be false)."""
    if isinstance(test, cst.Name) and not negated:
        return {test.value} & parameters
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _truthy_required(test.expression, parameters, not negated)
    if isinstance(test, cst.BooleanOperation) and type(test.operator) is (cst.Or if negated else cst.And):
        return _truthy_required(test.left, parameters, negated) | _truthy_required(test.right, parameters, negated)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name):
        operator = type(test.comparisons[0].operator)
        comparator = test.comparisons[0].comparator
        if is_none(comparator):
            if (operator is cst.IsNot and not negated) or (operator is cst.Is and negated):
                return {test.left.value} & parameters
    return set()


def _guard(ctx: Context, parameters: frozenset[str]) -> tuple[set[str], list[TypeTest]]:
    """What must hold of the function's parameters for the current call to run: the parameters
    that must be truthy (it sits in `if param:`, the `else` of `if not param:`, or after
    `if not param: return` in an enclosing block), and the type tests that must pass or fail
    (`if isinstance(param, Path):`, after `if isinstance(param, bytes): return`)."""
    required: set[str] = set()
    tests: list[TypeTest] = []
    child: cst.CSTNode = ctx.node
    function = ctx.function

    def read(test: cst.BaseExpression, negated: bool) -> None:
        required.update(_truthy_required(test, parameters, negated))
        tests.extend(required_type_tests(test, _subjects(test, parameters, ctx), negated))

    for ancestor in ctx.ancestors():
        if ancestor is function:
            break
        if type(ancestor) is cst.If:
            if child is ancestor.body:
                read(ancestor.test, False)
            elif child is ancestor.orelse:
                read(ancestor.test, True)
        elif type(ancestor) is cst.IndentedBlock:
            for statement in ancestor.body:
                if statement is child:
                    break
                if type(statement) is cst.If and statement.orelse is None and always_leaves(statements_of(statement)):
                    read(statement.test, True)
        child = ancestor
    return required, tests


def _subjects(test: cst.BaseExpression, parameters: frozenset[str], ctx: Context) -> dict[str, str]:
    """The names a type test in `test` can be about: the parameters, and locals whose only value
    is read from one (`content = file[1] if isinstance(file, tuple) else file`)."""
    subjects = {name: name for name in parameters}
    for node in iter_subtree(test):
        if not (type(node) is cst.Call and type(node.func) is cst.Name and node.func.value in ("isinstance", "type")):
            continue
        subject = node.args[0].value if node.args else None
        if type(subject) is cst.Name and subject.value not in subjects:
            _, bindings = ctx.bindings(subject.value)
            if len(bindings) == 1 and bindings[0].kind is BindingKind.ASSIGN:
                parameter = derived_from(bindings[0].value, parameters)
                if parameter is not None:
                    subjects[subject.value] = parameter
    return subjects


def _parameter_names(function: Optional[cst.FunctionDef]) -> frozenset[str]:
    if function is None:
        return frozenset()
    params = function.params
    return frozenset(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))


def _signature(function: cst.FunctionDef, is_method: bool) -> list[list]:
    """[[name, positional, what the default is]] for the parameters a caller passes (no `self`);
    the default `_describe`d when it is a constant (None when there is none or it is not)."""
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if is_method and positional:
        positional = positional[1:]

    def default(param: cst.Param) -> Optional[str]:
        if param.default is None:
            return None
        described = _describe(param.default, frozenset())
        return described if described != "other" else None

    signature = [[p.name.value, True, default(p)] for p in positional]
    signature += [[p.name.value, False, default(p)] for p in params.kwonly_params]
    return signature


def _bound_parameters(signature: Optional[list], arguments: Optional[tuple], caller: frozenset) -> frozenset:
    """(name, "falsy:TYPE" | "literal:TYPE") for the callee's parameters whose value this call
    makes certain: left at a constant default, or given a constant (directly or through a
    parameter of the caller that has one, `caller` being the caller's own)."""
    if signature is None or arguments is None:
        return frozenset()
    positional, keywords = arguments
    slots = [name for name, is_positional, _ in signature if is_positional]
    if len(positional) > len(slots):
        return frozenset()
    given = dict(zip(slots, positional))
    given.update(keywords)
    known_in_caller = dict(caller)
    bound = set()
    for name, _, default in signature:
        described = given.get(name, default)
        if described is not None and described.startswith("param:"):
            described = known_in_caller.get(described[6:])
        if described is not None and described.startswith(("falsy:", "literal:")):
            bound.add((name, described))
    return frozenset(bound)


def _falsy(bound: frozenset) -> set[str]:
    return {name for name, described in bound if described.startswith("falsy:")}


def _runs(tests: list, bound: frozenset) -> bool:
    """Whether a call under these type tests can run for a function called with `bound`: a test
    that must pass is taken only when the argument's type is known to pass it (a branch for one
    type of argument is not followed for an argument of unknown type, `get_media(reply.photo)`
    into `if isinstance(media, InputFile): ...`); one that must fail only when it is not known to
    pass."""
    known = dict(bound)
    for parameter, classes, must_pass, exact in tests:
        described = known.get(parameter)
        verdict = passes(described.split(":", 1)[1], classes, exact) if described is not None else None
        if (verdict is True) is not must_pass:
            return False
    return True


# -- facts --------------------------------------------------------------------------------------
class BlockingFacts(Collector):
    """Facts for `TransitiveBlockingCall.chain`: what each project function calls, directly, and
    under which arguments (for chains that a call's arguments turn off), each sync function's
    signature, and which functions no chain goes through. Recorded for every file whatever
    rules are selected."""

    def __init__(self, config: Any):
        super().__init__(config)
        self.known = blocking_calls(config)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        callee = ctx.qualified_name(node.func)
        owner = _sync_owner(ctx) if callee is not None else None
        if callee is None or owner is None:
            return
        entry = self.known.get(callee)
        if entry is not None and (entry.first_call_only or _does_not_block(node, callee, ctx)):
            return
        kind = "blocking-direct" if entry is not None and entry.code <= "ASY107" else "sync-calls"
        ctx.append_fact(kind, owner, callee)
        parameters = _parameter_names(ctx.function)
        guard, tests = _guard(ctx, parameters) if parameters else (set(), [])
        arguments = _describe_arguments(node, parameters)
        telling = arguments is not None and any(
            d.startswith(("falsy:", "param:")) or (d.startswith("literal:") and in_top_package(callee, ctx.module_name))
            for d in (*arguments[0], *arguments[1].values())
        )
        if guard or tests or telling:
            tested = [[name, list(classes) if classes else None, *rest] for name, classes, *rest in tests]
            ctx.append_fact("call-sites", owner, [callee, sorted(guard), arguments, tested])

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        if node.asynchronous is not None:
            return
        scope = ctx.scope_of(node)
        name = ctx.resolver.function_qualified_name(scope) if scope is not None else None
        if name is None:
            return
        is_method = ctx.scope.kind is ScopeKind.CLASS and not any(
            type(d.decorator) is cst.Name and d.decorator.value == "staticmethod" for d in node.decorators
        )
        ctx.record_fact("signatures", name, _signature(node, is_method))
        if decorated_with(node, catalog.MEMOIZING_DECORATORS, ctx, ctx.scope):
            ctx.record_fact("memoized", name, True)
        if any(_runs_in_thread(d) for d in node.decorators):
            # `@work(thread=True)`: calling it starts a worker thread; the body never runs on the loop.
            ctx.record_fact("memoized", name, True)
        # A fact for `keeps_fix`: running a generator function in a thread runs none of its body.
        if is_generator_function(node):
            ctx.record_fact("sync-generators", name, True)


def _sync_owner(ctx: Context) -> Optional[str]:
    """The qualified name of the sync project function the current node is in, else None."""
    scope = ctx.function_scope
    return None if scope.is_async else ctx.resolver.function_qualified_name(scope)


class TransitiveBlockingCall(Rule):
    code = "ASY110"
    name = "transitive-blocking-call"
    summary = "a project function that blocks, called from async context"
    fix = "unsafe"
    default_enabled = False
    message = "`{callee}()` blocks the event loop in `{function}()`: {{chain}}; offload it with `await asyncio.to_thread(...)`"

    def __init__(self, config: Any):
        super().__init__(config)
        self.known = blocking_calls(config)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        callee = ctx.qualified_name(node.func)
        if callee is None:
            return
        if _sync_owner(ctx) is not None and not ctx.on_loop_thread:
            return  # a sync function's calls are `BlockingFacts`' business
        if not reports_here(ctx) or _awaited(ctx) or callee in self.known or not in_top_package(callee, ctx.module_name):
            return
        short = callee.rsplit(".", 1)[-1]
        message = self.message.format(callee=short, function=ctx.function_name)
        arguments = _describe_arguments(node, frozenset())
        ctx.report(node, message, fix=offload_fix(node, ctx), condition=("blocking-chain", callee, arguments))

    def keeps_fix(self, condition: tuple, project: ProjectIndex) -> bool:
        return condition[1] not in project.facts.get("sync-generators", {})

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        arguments = condition[2] if len(condition) > 2 else None
        chain = self.chain(condition[1], project, arguments)
        if chain is None:
            return None
        names = [part.rsplit(".", 1)[-1] for part in chain[:-1]] + [chain[-1]]
        return message.replace("{chain}", " → ".join(names))

    @staticmethod
    def chain(start: str, project: ProjectIndex, arguments: Any = None) -> Optional[list[str]]:
        """Shortest path from a sync project function to a catalog blocking call, or None. A step
        is not taken when the call sits behind `if param:` and this path's arguments make
        `param` falsy (`get_node(name=n)` never reaches `if host and port: gethostbyname(host)`)."""
        key = ("blocking-chain", start, repr(arguments))
        if key in project.memo:
            return project.memo[key]
        tables = project.memo.get("blocking-chain-tables")
        if tables is None:
            memoized = project.facts.get("memoized", {})
            # A memoized function blocks only on its first call, and one decorated to run in a
            # worker thread never blocks the loop: no chain goes through either.
            tables = project.memo["blocking-chain-tables"] = tuple(
                {name: value for name, value in project.facts.get(kind, {}).items() if name not in memoized}
                for kind in ("blocking-direct", "sync-calls")
            )
        direct, calls = tables
        signatures = project.facts.get("signatures", {})
        sites = project.facts.get("call-sites", {})
        if start not in direct and start not in calls:
            project.memo[key] = None
            return None
        if arguments is not None:
            arguments = (list(arguments[0]), dict(arguments[1]))
        first = (start, _bound_parameters(signatures.get(start), arguments, frozenset()))
        previous: dict[tuple, Optional[tuple]] = {first: None}
        queue = deque([first])
        found: Optional[list[str]] = None
        while queue and found is None:
            state = queue.popleft()
            current, bound = state
            for callee, next_bound in _steps(current, bound, direct, calls, signatures, sites):
                if next_bound is not None:
                    following = (callee, next_bound)
                    if following not in previous and (callee in direct or callee in calls):
                        previous[following] = state
                        queue.append(following)
                    continue
                path = [callee]
                walk: Optional[tuple] = state
                while walk is not None:
                    path.append(walk[0])
                    walk = previous[walk]
                found = list(reversed(path))
                break
        project.memo[key] = found
        return found


def _steps(current: str, bound: frozenset, direct: dict, calls: dict, signatures: dict, sites: dict):
    """(callee, what the callee's parameters certainly are) for each call `current` can make when
    its own parameters are `bound`; for a blocking leaf the second item is None (only whether it
    is reachable matters)."""
    falsy = _falsy(bound)
    recorded: dict[str, list] = {}
    for callee, guard, arguments, tests in sites.get(current, ()):
        recorded.setdefault(callee, []).append((guard, arguments, tests))
    for kind, table in (("direct", direct), ("calls", calls)):
        seen: set[str] = set()
        for callee in table.get(current, ()):
            if callee in seen:
                continue
            seen.add(callee)
            occurrences = table[current].count(callee)
            known = recorded.get(callee, [])
            options: list[frozenset] = []
            if len(known) < occurrences:
                options.append(frozenset())  # an occurrence with no guard and no telling arguments
            for guard, arguments, tests in known:
                if falsy.isdisjoint(guard) and _runs(tests, bound):
                    arguments = (list(arguments[0]), dict(arguments[1])) if arguments is not None else None
                    options.append(_bound_parameters(signatures.get(callee), arguments, bound))
            if not options:
                continue
            if kind == "direct":
                yield callee, None
            else:
                for option in options:
                    yield callee, option


class ExecutorPerCall(Rule):
    code = "ASY111"
    name = "executor-per-call"
    summary = "thread/process pool created in async context"
    message = (
        "`{callee}` created in `{function}()`: its shutdown waits for the workers and blocks the event "
        "loop; create one executor at startup (or use `asyncio.to_thread`)"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.in_async_context:
            callee = ctx.qualified_name(node.func)
            if callee in catalog.EXECUTORS:
                ctx.report(node, self.message.format(callee=callee.rsplit(".", 1)[-1], function=ctx.function_name))


class CoroutineInExecutor(Rule):
    code = "ASY112"
    name = "coroutine-in-executor"
    summary = "coroutine function handed to a thread executor"
    message = (
        "`{target}` handed to `{offloader}` in `{function}()` is a coroutine {what}: the thread only creates "
        "the coroutine and it never runs; `await` it instead"
    )

    generator_message = (
        "`{target}` handed to `{offloader}` in `{function}()` is a generator function: the thread only "
        "creates the generator and iterating it runs on the event loop; offload a function that consumes it"
    )

    async_generator_message = (
        "`{target}` handed to `{offloader}` in `{function}()` is an async generator function: the thread "
        "only creates the async generator and its body never runs; iterate it with `async for` instead"
    )

    def __init__(self, config: Any):
        super().__init__(config)
        self.offloaders = dict(catalog.OFFLOADERS)
        for name in config.extend_offloaders:
            self.offloaders.setdefault(name, 0)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        offloader = ctx.qualified_name(node.func)
        position = self.offloaders.get(offloader) if offloader else None
        if position is None:
            return
        positional = positional_arguments(node)
        if len(positional) <= position:
            return
        target = positional[position].value
        what = None
        if type(target) is cst.Call:
            if self._is_coroutine_function(target.func, ctx):
                what = "object (already created by the call)"
        elif self._is_coroutine_function(target, ctx):
            what = "function"
        short = offloader.rsplit(".", 1)[-1] if offloader else ""
        if what is None:
            bindings = ctx.resolver.callable_bindings(target, ctx.scope)
            if definitions_make_generators(bindings, ctx):
                template = self.generator_message
            elif definitions_make_async_generators(bindings, ctx):
                template = self.async_generator_message
            else:
                return
            ctx.report(node, template.format(target=ctx.source_of(target), offloader=short, function=ctx.function_name))
            return
        if what:
            message = self.message.format(
                target=ctx.source_of(target), offloader=short, function=ctx.function_name, what=what
            )
            ctx.report(node, message)

    @staticmethod
    def _is_coroutine_function(expr: cst.CSTNode, ctx: Context) -> bool:
        if definitions_make_coroutines(ctx.resolver.callable_bindings(expr, ctx.scope), ctx):
            return True
        qualified = ctx.qualified_name(expr)
        return qualified in COROUTINE_FUNCTIONS or qualified in ctx.config.extend_coroutine_functions
