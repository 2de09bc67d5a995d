"""Blocking calls in async context (ASY100–ASY112): the event loop stalls while they run."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

import libcst as cst

from asynclint.catalog import blocking as catalog
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS
from asynclint.checks.base import Rule
from asynclint.engine.context import Context
from asynclint.engine.fixes import Fix
from asynclint.engine.offload import offload_fix
from asynclint.engine.project import ProjectIndex
from asynclint.semantics.arguments import argument, positional_arguments
from asynclint.semantics.blocking_calls import blocking_calls, does_not_block
from asynclint.semantics.blocking_chains import SYNC_GENERATORS, blocking_chain, describe_arguments, sync_owner
from asynclint.semantics.constants import is_false_or_zero
from asynclint.semantics.function_kinds import (
    definitions_make_async_generators,
    definitions_make_coroutines,
    definitions_make_generators,
)
from asynclint.semantics.names import in_top_package
from asynclint.semantics.scope import iter_subtree
from asynclint.semantics.suspensions import suspends


def reports_here(ctx: Context) -> bool:
    """Blocking calls matter here: code on the loop thread that is not a one-shot command."""
    if not ctx.on_loop_thread:
        return False
    return ctx.config.blocking_in_one_shot_commands or not ctx.in_one_shot_command


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
        if does_not_block(node, callee, ctx):
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
        if sync_owner(ctx) is not None and not ctx.on_loop_thread:
            return  # a sync function's calls are `BlockingFacts`' business
        if not reports_here(ctx) or _awaited(ctx) or callee in self.known or not in_top_package(callee, ctx.module_name):
            return
        short = callee.rsplit(".", 1)[-1]
        message = self.message.format(callee=short, function=ctx.function_name)
        arguments = describe_arguments(node, frozenset())
        ctx.report(node, message, fix=offload_fix(node, ctx), condition=("blocking-chain", callee, arguments))

    def keeps_fix(self, condition: tuple, project: ProjectIndex) -> bool:
        return condition[1] not in project.facts.get(SYNC_GENERATORS, {})

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        arguments = condition[2] if len(condition) > 2 else None
        chain = blocking_chain(condition[1], project, arguments)
        if chain is None:
            return None
        names = [part.rsplit(".", 1)[-1] for part in chain[:-1]] + [chain[-1]]
        return message.replace("{chain}", " → ".join(names))


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
