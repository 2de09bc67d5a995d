"""Blocking calls in async context (ASY100–ASY112): the event loop stalls while they run."""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar, Optional

import libcst as cst

from asynclint.catalog import blocking as catalog
from asynclint.catalog.tasks import COROUTINE_FUNCTIONS
from asynclint.checks.base import Rule
from asynclint.engine.context import Context
from asynclint.engine.fixes import Fix
from asynclint.engine.offload import offload_fix
from asynclint.semantics.scope import iter_subtree


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


def _function_qualified_name(ctx: Context) -> Optional[str]:
    """`pkg.mod.func` or `pkg.mod.Class.method` for the sync function around the current node."""
    scope = ctx.function_scope
    if scope.kind != "function" or scope.is_async or scope.parent is None:
        return None
    prefix = ctx.module_name
    if scope.parent.kind == "module":
        return f"{prefix}.{scope.name}" if prefix else scope.name
    if scope.parent.kind == "class" and scope.parent.parent is not None and scope.parent.parent.kind == "module":
        owner = f"{prefix}.{scope.parent.name}" if prefix else scope.parent.name
        return f"{owner}.{scope.name}"
    return None


class BlockingSleep(Rule):
    code = "ASY100"
    message = "`{callee}` blocks the event loop in `{function}()`; use `await asyncio.sleep()`"

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context or ctx.qualified_name(node.func) != "time.sleep":
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
        if not ctx.in_async_context:
            return
        callee = ctx.qualified_name(node.func)
        entry = self.known.get(callee) if callee else None
        if entry is None or entry.code != self.code:
            return
        message = self.message.format(callee=callee, function=ctx.function_name, instead=entry.instead)
        ctx.report(node, message, fix=offload_fix(node, ctx, _receiver_blocks(node, ctx, self.known)))


class BlockingHttp(_CatalogBlockingCall):
    code = "ASY101"


class BlockingSubprocess(_CatalogBlockingCall):
    code = "ASY102"


class BlockingFileIO(_CatalogBlockingCall):
    code = "ASY103"


class BlockingNetworkIO(_CatalogBlockingCall):
    code = "ASY104"


class BlockingDatabase(_CatalogBlockingCall):
    code = "ASY105"


class BlockingInput(_CatalogBlockingCall):
    code = "ASY107"


def _is_false_or_zero(node: cst.CSTNode) -> bool:
    return (type(node) is cst.Name and node.value == "False") or (
        type(node) in (cst.Integer, cst.Float) and float(node.value) == 0
    )


class BlockingWait(Rule):
    code = "ASY106"
    message = "`{callee}` waits on a thread in `{function}()` and blocks the event loop meanwhile; use {instead}"
    # Calls that do not wait when told so: lock.acquire(False), queue.get(block=False), event.wait(0).
    NON_BLOCKING: ClassVar[tuple[str, ...]] = ("blocking", "block", "timeout")

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context:
            return
        callee = ctx.qualified_name(node.func)
        instead = catalog.BLOCKING_WAITS.get(callee) if callee else None
        if instead is None or self._does_not_wait(node):
            return
        ctx.report(node, self.message.format(callee=callee, function=ctx.function_name, instead=instead))

    def _does_not_wait(self, node: cst.Call) -> bool:
        for position, arg in enumerate(node.args):
            keyword = arg.keyword.value if arg.keyword is not None else None
            if (keyword in self.NON_BLOCKING or (keyword is None and position == 0)) and _is_false_or_zero(arg.value):
                return True
        return False


class NestedEventLoop(Rule):
    code = "ASY108"
    message = "`{callee}` in `{function}()` starts an event loop inside a running one; `await` the coroutine instead"

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.in_async_context:
            callee = ctx.qualified_name(node.func)
            if callee in catalog.NESTED_LOOP_CALLS:
                ctx.report(node, self.message.format(callee=callee, function=ctx.function_name))


class GetEventLoopInCoroutine(Rule):
    code = "ASY109"
    message = (
        "`asyncio.get_event_loop()` in `{function}()`: inside a coroutine use `asyncio.get_running_loop()` "
        "(get_event_loop is deprecated there and can create a second loop)"
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
    message = "`{callee}()` blocks the event loop in `{function}()`: {{chain}}; offload it with `await asyncio.to_thread(...)`"

    def __init__(self, config: Any):
        super().__init__(config)
        self.known = blocking_calls(config)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        callee = ctx.qualified_name(node.func)
        if callee is None:
            return
        owner = _function_qualified_name(ctx)
        if owner is not None:
            # Facts for the project index: what each sync function calls, directly.
            entry = self.known.get(callee)
            kind = "blocking-direct" if entry is not None and entry.code <= "ASY107" else "sync-calls"
            ctx.facts.setdefault(kind, {}).setdefault(owner, []).append(callee)
            return
        if not ctx.in_async_context or callee in self.known or not self._maybe_project(callee, ctx):
            return
        short = callee.rsplit(".", 1)[-1]
        message = self.message.format(callee=short, function=ctx.function_name)
        ctx.report(node, message, fix=offload_fix(node, ctx), condition=("blocking-chain", callee))

    @staticmethod
    def _maybe_project(callee: str, ctx: Context) -> bool:
        top = ctx.module_name.split(".")[0] if ctx.module_name else ""
        return bool(top) and (callee == top or callee.startswith(top + "."))

    def resolve_condition(self, condition: tuple, message: str, project: Any) -> Optional[str]:
        chain = self.chain(condition[1], project)
        if chain is None:
            return None
        names = [part.rsplit(".", 1)[-1] for part in chain[:-1]] + [chain[-1]]
        return message.replace("{chain}", " → ".join(names))

    @staticmethod
    def chain(start: str, project: Any) -> Optional[list[str]]:
        """Shortest path from a sync project function to a catalog blocking call, or None."""
        key = ("blocking-chain", start)
        if key in project.memo:
            return project.memo[key]
        direct = project.facts.get("blocking-direct", {})
        calls = project.facts.get("sync-calls", {})
        if start not in direct and start not in calls:
            project.memo[key] = None
            return None
        previous: dict[str, Optional[str]] = {start: None}
        queue = deque([start])
        found: Optional[list[str]] = None
        while queue:
            current = queue.popleft()
            if current in direct:
                path = [direct[current][0], current]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                found = list(reversed(path))
                break
            for following in calls.get(current, ()):
                if following not in previous and (following in direct or following in calls):
                    previous[following] = current
                    queue.append(following)
        project.memo[key] = found
        return found


class ExecutorPerCall(Rule):
    code = "ASY111"
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
    message = (
        "`{target}` handed to `{offloader}` in `{function}()` is a coroutine {what}: the thread only creates "
        "the coroutine and it never runs; `await` it instead"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        offloader = ctx.qualified_name(node.func)
        position = catalog.OFFLOADERS.get(offloader) if offloader else None
        if position is None:
            return
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        if len(positional) <= position:
            return
        target = positional[position].value
        what = None
        if type(target) is cst.Call:
            if self._is_coroutine_function(target.func, ctx):
                what = "object (already created by the call)"
        elif self._is_coroutine_function(target, ctx):
            what = "function"
        if what:
            message = self.message.format(
                target=ctx.source_of(target), offloader=offloader.rsplit(".", 1)[-1], function=ctx.function_name, what=what
            )
            ctx.report(node, message)

    @staticmethod
    def _is_coroutine_function(expr: cst.CSTNode, ctx: Context) -> bool:
        if type(expr) is cst.Name:
            _, bindings = ctx.bindings(expr.value)
            if bindings and all(
                binding.kind == "def" and binding.node.asynchronous is not None and not binding.node.decorators
                for binding in bindings
            ):
                return True
        if type(expr) is cst.Attribute and type(expr.value) is cst.Name:
            class_scope = ctx.resolver.instance_class(expr.value.value, ctx.scope)
            if class_scope is not None:
                bindings = class_scope.bindings.get(expr.attr.value, [])
                if bindings and all(
                    binding.kind == "def" and binding.node.asynchronous is not None for binding in bindings
                ):
                    return True
        return ctx.qualified_name(expr) in COROUTINE_FUNCTIONS
