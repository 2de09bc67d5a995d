"""Coroutine functions, task spawners and the loop/task types behind them (ASY200–ASY204).

Qualified names are the ones import resolution produces: module functions (`asyncio.sleep`) and
`Type.method` for methods on a receiver whose type is known (`loop = asyncio.get_running_loop()`
makes `loop.create_task` → `asyncio.AbstractEventLoop.create_task`). Library callees missing here
are looked up in the installed library's source with astroid (`asynclint.semantics.coroutines`).
"""

from __future__ import annotations

import sys

# What calls to these return, so that receivers of later calls have a known type.
RETURN_TYPES: dict[str, str] = {
    "asyncio.create_task": "asyncio.Task",
    "asyncio.ensure_future": "asyncio.Future",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.AbstractEventLoop.create_task": "asyncio.Task",
    "asyncio.AbstractEventLoop.create_future": "asyncio.Future",
    "asyncio.TaskGroup": "asyncio.TaskGroup",
    "asyncio.TaskGroup.create_task": "asyncio.Task",
    "asyncio.Queue": "asyncio.Queue",
    "asyncio.PriorityQueue": "asyncio.PriorityQueue",
    "asyncio.LifoQueue": "asyncio.LifoQueue",
    "asyncio.Lock": "asyncio.Lock",
    "asyncio.Event": "asyncio.Event",
    "asyncio.Condition": "asyncio.Condition",
    "asyncio.Semaphore": "asyncio.Semaphore",
    "asyncio.BoundedSemaphore": "asyncio.BoundedSemaphore",
}

# Coroutine functions of the standard library and common clients: calling one without `await`
# creates a coroutine object whose body never runs. Anything not listed is looked up in the
# library's source; this list keeps the common answers fast and works when the library is not
# installed where asynclint runs.
COROUTINE_FUNCTIONS: frozenset[str] = frozenset(
    {
        # asyncio module functions
        "asyncio.sleep",
        "asyncio.wait",
        "asyncio.wait_for",
        "asyncio.to_thread",
        "asyncio.open_connection",
        "asyncio.open_unix_connection",
        "asyncio.start_server",
        "asyncio.start_unix_server",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        # synchronisation primitives and queues
        "asyncio.Lock.acquire",
        "asyncio.Event.wait",
        "asyncio.Condition.acquire",
        "asyncio.Condition.wait",
        "asyncio.Condition.wait_for",
        "asyncio.Semaphore.acquire",
        "asyncio.BoundedSemaphore.acquire",
        "asyncio.Queue.get",
        "asyncio.Queue.put",
        "asyncio.Queue.join",
        "asyncio.PriorityQueue.get",
        "asyncio.PriorityQueue.put",
        "asyncio.PriorityQueue.join",
        "asyncio.LifoQueue.get",
        "asyncio.LifoQueue.put",
        "asyncio.LifoQueue.join",
        # streams and subprocesses
        "asyncio.StreamReader.read",
        "asyncio.StreamReader.readline",
        "asyncio.StreamReader.readexactly",
        "asyncio.StreamReader.readuntil",
        "asyncio.StreamWriter.drain",
        "asyncio.StreamWriter.wait_closed",
        "asyncio.StreamWriter.start_tls",
        "asyncio.subprocess.Process.wait",
        "asyncio.subprocess.Process.communicate",
        "asyncio.Server.serve_forever",
        "asyncio.Server.start_serving",
        "asyncio.Server.wait_closed",
        "asyncio.AbstractServer.serve_forever",
        "asyncio.AbstractServer.start_serving",
        "asyncio.AbstractServer.wait_closed",
        "asyncio.Barrier.wait",
        "asyncio.Barrier.reset",
        "asyncio.Barrier.abort",
        # aiohttp: coroutine methods (ClientSession.get/post/... are NOT listed: they return an
        # awaitable context manager, see AWAITABLE_REQUESTS below)
        "aiohttp.ClientSession.close",
        "aiohttp.ClientSession.ws_connect",
        "aiohttp.ClientResponse.json",
        "aiohttp.ClientResponse.text",
        "aiohttp.ClientResponse.read",
        "aiohttp.ClientWebSocketResponse.send_str",
        "aiohttp.ClientWebSocketResponse.send_bytes",
        "aiohttp.ClientWebSocketResponse.send_json",
        "aiohttp.ClientWebSocketResponse.receive",
        "aiohttp.ClientWebSocketResponse.close",
        "aiohttp.web.AppRunner.setup",
        "aiohttp.web.AppRunner.cleanup",
        "aiohttp.web.TCPSite.start",
        "aiohttp.web.TCPSite.stop",
        # httpx
        "httpx.AsyncClient.get",
        "httpx.AsyncClient.post",
        "httpx.AsyncClient.put",
        "httpx.AsyncClient.patch",
        "httpx.AsyncClient.delete",
        "httpx.AsyncClient.head",
        "httpx.AsyncClient.options",
        "httpx.AsyncClient.request",
        "httpx.AsyncClient.send",
        "httpx.AsyncClient.aclose",
        "httpx.Response.aread",
        "httpx.Response.aclose",
        # the rest of the standard library
        "contextlib.AsyncExitStack.aclose",
        "contextlib.AsyncExitStack.enter_async_context",
        "contextlib.AsyncExitStack.__aenter__",
        "contextlib.AsyncExitStack.__aexit__",
        "contextlib.AbstractAsyncContextManager.__aenter__",
        "contextlib.AbstractAsyncContextManager.__aexit__",
        "contextlib.aclosing.__aenter__",
        "contextlib.aclosing.__aexit__",
        "contextlib.nullcontext.__aenter__",
        "contextlib.nullcontext.__aexit__",
        "unittest.IsolatedAsyncioTestCase.asyncSetUp",
        "unittest.IsolatedAsyncioTestCase.asyncTearDown",
        "unittest.IsolatedAsyncioTestCase.enterAsyncContext",
    }
)

# Event loop coroutine methods, on every name a loop's type resolves to.
_LOOP_COROUTINE_METHODS = (
    "connect_accepted_socket",
    "connect_read_pipe",
    "connect_write_pipe",
    "create_connection",
    "create_datagram_endpoint",
    "create_server",
    "create_unix_connection",
    "create_unix_server",
    "getaddrinfo",
    "getnameinfo",
    "sendfile",
    "shutdown_asyncgens",
    "shutdown_default_executor",
    "sock_accept",
    "sock_connect",
    "sock_recv",
    "sock_recv_into",
    "sock_recvfrom",
    "sock_recvfrom_into",
    "sock_sendall",
    "sock_sendfile",
    "sock_sendto",
    "start_tls",
    "subprocess_exec",
    "subprocess_shell",
)
_LOOP_TYPES = ("AbstractEventLoop", "BaseEventLoop", "SelectorEventLoop", "ProactorEventLoop")
COROUTINE_FUNCTIONS = COROUTINE_FUNCTIONS | frozenset(
    f"asyncio.{loop}.{method}" for loop in _LOOP_TYPES for method in _LOOP_COROUTINE_METHODS
)

# The catalog lists every public coroutine function of the standard library (asyncio, contextlib,
# unittest), so standard-library names are never looked up in source: that would parse a dozen
# modules of the standard library on every run. `sys.stdlib_module_names` exists from 3.10 on.
CLOSED_WORLD_MODULES: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", ())) | {
    "asyncio",
    "builtins",
    "contextlib",
    "typing",
    "unittest",
}

# Not coroutine functions, but plain functions returning an awaitable that wraps a coroutine
# (aiohttp's `_RequestContextManager`): dropped, the request is never sent, exactly like a
# coroutine. Reported by ASY200 without a fix: `await session.get(...)` alone would leak the
# response's connection, the right change is `async with session.get(...) as response:`.
AWAITABLE_REQUESTS: frozenset[str] = frozenset(
    f"aiohttp.ClientSession.{method}"
    for method in ("get", "post", "put", "patch", "delete", "head", "options", "request")
)

# Calls returning a Task the event loop holds only weakly (ASY201/ASY202). `TaskGroup.create_task`
# is absent on purpose: the group keeps its tasks and awaits them when the `async with` exits.
TASK_SPAWNERS: frozenset[str] = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
        "asyncio.AbstractEventLoop.create_task",
        "asyncio.BaseEventLoop.create_task",
        "asyncio.base_events.BaseEventLoop.create_task",
        "asyncio.events.AbstractEventLoop.create_task",
    }
)

# Sleeps whose future the event loop's timer holds until it fires (ASY201: `sleep(math.inf)`).
SLEEPS: frozenset[str] = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "anyio.sleep", "trio.sleep"})

# Values that already are a task or future: `ensure_future()` returns them unchanged (ASY201).
TASK_TYPES: frozenset[str] = frozenset(
    {"asyncio.Task", "asyncio.Future", "asyncio.tasks.Task", "asyncio.futures.Future"}
)

# `loop.run_in_executor` (ASY204): returns an asyncio Future; its exception is lost when dropped.
EXECUTOR_SUBMITTERS: frozenset[str] = frozenset(
    {
        "asyncio.AbstractEventLoop.run_in_executor",
        "asyncio.BaseEventLoop.run_in_executor",
        "asyncio.base_events.BaseEventLoop.run_in_executor",
        "asyncio.events.AbstractEventLoop.run_in_executor",
    }
)

# `asyncio.wait` (ASY203) and the `return_when` value that waits for everything.
WAIT_FUNCTIONS: frozenset[str] = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
ALL_COMPLETED: frozenset[str] = frozenset(
    {"asyncio.ALL_COMPLETED", "asyncio.tasks.ALL_COMPLETED", "concurrent.futures.ALL_COMPLETED"}
)

# Task methods that neither wait for a task nor cancel it nor hand it on (ASY202 looks past them).
TASK_INSPECTION_METHODS: frozenset[str] = frozenset(
    {"done", "cancelled", "get_name", "set_name", "get_coro", "get_context", "get_stack", "print_stack", "cancelling"}
)

# Decorators that leave an `async def` a coroutine function (anything else may wrap it).
TRANSPARENT_DECORATORS: frozenset[str] = frozenset(
    {
        "staticmethod",
        "classmethod",
        "builtins.staticmethod",
        "builtins.classmethod",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "typing.final",
        "typing_extensions.final",
    }
)
