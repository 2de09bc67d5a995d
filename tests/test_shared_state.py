"""ASY500–ASY502: shared state across await points and context lost in executor threads.

Each rule: positives, realistic look-alikes that must stay quiet, and (ASY502) the exact fix.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet, run_cli

HEADER = """\
import asyncio
import contextvars
import functools

"""


def lines(source: str, code: str) -> list[int]:
    """Lines (counted in `source` after the shared header) where `code` is reported."""
    offset = HEADER.count("\n")
    return [
        line - offset for found, line in codes_and_lines(HEADER + textwrap.dedent(source), select=code) if found == code
    ]


# -- ASY500 check-then-act across await --------------------------------------------------------
CHECK_THEN_ACT = {
    "lazy connection": """\
        class Pool:
            async def connection(self):
                if self._conn is None:
                    self._conn = await connect()
                return self._conn
        """,
    "cache of loads": """\
        class Cache:
            async def get(self, key):
                if key not in self._entries:
                    self._entries[key] = await load(key)
                return self._entries[key]
        """,
    "early return guard": """\
        class Pool:
            async def connection(self):
                if self._conn is not None:
                    return self._conn
                conn = await connect()
                self._conn = conn
                return conn
        """,
    "module cache": """\
        _sessions = {}

        async def session_for(user):
            if user not in _sessions:
                _sessions[user] = await login(user)
            return _sessions[user]
        """,
    "global declared": """\
        _client = None

        async def client():
            global _client
            if _client is None:
                _client = await make_client()
            return _client
        """,
    "lock taken after the check": """\
        class Pool:
            async def connection(self):
                if self._conn is None:
                    async with self._lock:
                        self._conn = await connect()
                return self._conn
        """,
    "async with that is not a guard": """\
        class Token:
            async def token(self):
                if self._token is None:
                    async with self._http.post("/token") as response:
                        self._token = response.headers["token"]
                return self._token
        """,
    "else branch acts": """\
        class Pool:
            async def connection(self):
                if self._conn is not None and not self._conn.closed:
                    pass
                else:
                    self._conn = await connect()
                return self._conn
        """,
}
CHECK_THEN_ACT_LINES = {
    "lazy connection": [4],
    "cache of loads": [4],
    "early return guard": [6],
    "module cache": [5],
    "global declared": [6],
    "lock taken after the check": [5],
    "async with that is not a guard": [5],
    "else branch acts": [6],
}


@pytest.mark.parametrize("name", sorted(CHECK_THEN_ACT))
def test_check_then_act_is_reported_at_the_write(name):
    assert lines(CHECK_THEN_ACT[name], "ASY500") == CHECK_THEN_ACT_LINES[name]


def test_check_then_act_message_names_state_await_and_lines():
    [diagnostic] = lint_snippet(
        """\
        class Pool:
            async def connection(self):
                if self._conn is None:
                    self._conn = await self._connect()
                return self._conn
        """,
        select="ASY500",
    )
    assert diagnostic.message.startswith(
        "`self._conn` is checked on line 3 and written here after `await self._connect()` (line 4) in `connection()`"
    )
    assert (diagnostic.line, diagnostic.column) == (4, 13)


CHECK_THEN_ACT_QUIET = {
    "locals never": """\
        async def connection():
            conn = None
            if conn is None:
                conn = await connect()
            return conn
        """,
    "lock held across": """\
        class Pool:
            def __init__(self):
                self._lock = asyncio.Lock()
                self._conn = None

            async def connection(self):
                async with self._lock:
                    if self._conn is None:
                        self._conn = await connect()
                return self._conn
        """,
    "typed guard with another name": """\
        class Pool:
            def __init__(self):
                self._gate = asyncio.Semaphore(1)

            async def connection(self):
                async with self._gate:
                    if self._conn is None:
                        self._conn = await connect()
                return self._conn
        """,
    "double-checked under a lock": """\
        class Pool:
            async def connection(self):
                if self._conn is None:
                    async with self._lock:
                        if self._conn is None:
                            self._conn = await connect()
                return self._conn
        """,
    "lock acquired by hand": """\
        class Pool:
            async def connection(self):
                await self._lock.acquire()
                try:
                    if self._conn is None:
                        self._conn = await connect()
                finally:
                    self._lock.release()
                return self._conn
        """,
    "re-checked after the await": """\
        class Pool:
            async def connection(self):
                if self._conn is None:
                    conn = await connect()
                    if self._conn is None:
                        self._conn = conn
                    else:
                        await conn.close()
                return self._conn
        """,
    "future claims the slot before awaiting": """\
        class Cache:
            async def get(self, key):
                if key not in self._pending:
                    self._pending[key] = future = asyncio.get_running_loop().create_future()
                    future.set_result(await load(key))
                return await self._pending[key]
        """,
    "event guard set before awaiting": """\
        class Pool:
            async def connection(self):
                if self._ready is not None:
                    await self._ready.wait()
                    return self._conn
                self._ready = asyncio.Event()
                self._conn = await connect()
                self._ready.set()
                return self._conn
        """,
    "reset after close": """\
        class Pool:
            async def close(self):
                if self._conn is not None:
                    await self._conn.close()
                    self._conn = None
        """,
    "checked state only set in __init__": """\
        class Worker:
            def __init__(self, limit):
                self._limit = limit

            async def step(self):
                if self._limit:
                    await asyncio.sleep(0)
                    self._done = True
        """,
    "value transformed from the state": """\
        class Request:
            async def resolve(self, client):
                if self.peer:
                    self.peer = to_input(await client.get_entity(self.peer))
        """,
    "written before the await": """\
        class Pool:
            async def connection(self):
                if self._task is None:
                    self._task = asyncio.ensure_future(connect())
                return await self._task
        """,
    "sync method": """\
        class Pool:
            def connection(self):
                if self._conn is None:
                    self._conn = connect_sync()
                return self._conn
        """,
    "not a method: a parameter's attribute": """\
        async def fill(request):
            if request.user is None:
                request.user = await load_user(request)
        """,
    "nested sync function": """\
        class Pool:
            async def connection(self):
                def remember(conn):
                    if self._conn is None:
                        self._conn = conn
                remember(await connect())
        """,
    "state machine moves to an enum member": """\
        class Socket:
            async def send(self, message):
                if self.state == State.CONNECTED:
                    try:
                        await self._send(message)
                    except OSError:
                        self.state = State.DISCONNECTED
                        raise
        """,
    "guard that skips a write changing nothing": """\
        class Player:
            async def select_source(self, source):
                if source == self._source:
                    return
                await self._pause()
                self._source = source
        """,
    "rebuilt from itself": """\
        class Request:
            async def resolve(self, client):
                if self.peers:
                    resolved = []
                    for peer in self.peers:
                        resolved.append(await client.get_input_entity(peer))
                    self.peers = resolved
        """,
    "caller holds the lock, the function makes sure": """\
        class Entry:
            async def setup(self, hass):
                if not self.setup_lock.locked():
                    raise RuntimeError("setup lock not held")
                if self.supports_unload is None:
                    self.supports_unload = await support_entry_unload(hass, self.domain)
        """,
}


@pytest.mark.parametrize("name", sorted(CHECK_THEN_ACT_QUIET))
def test_check_then_act_look_alikes_stay_quiet(name):
    assert lines(CHECK_THEN_ACT_QUIET[name], "ASY500") == []


# -- ASY501 lost update across await -----------------------------------------------------------
LOST_UPDATE = {
    "through a local": """\
        class Account:
            async def deposit(self, amount):
                balance = self.balance
                await self._audit(amount)
                self.balance = balance + amount
        """,
    "read then await in one expression": """\
        class Counter:
            async def add(self):
                self.total = self.total + await fetch_increment()
        """,
    "augmented assignment": """\
        class Counter:
            async def add(self):
                self.total += await fetch_increment()
        """,
    "local fed to the awaited call": """\
        class Counter:
            async def add(self):
                total = self.total
                extra = await fetch_increment(total)
                self.total = total + extra
        """,
    "module global": """\
        served = 0

        async def handle(request):
            global served
            count = served
            await respond(request)
            served = count + 1
        """,
    "immutable buffer grown": """\
        class Wrapper:
            def __init__(self):
                self._remaining = b""

            async def read(self):
                self._remaining += await self._make_chunk()
        """,
    "module container item": """\
        _hits = {}

        async def hit(key):
            current = _hits.get(key, 0)
            await asyncio.sleep(0)
            _hits[key] = current + 1
        """,
}
LOST_UPDATE_LINES = {
    "through a local": [5],
    "read then await in one expression": [3],
    "augmented assignment": [3],
    "local fed to the awaited call": [5],
    "module global": [7],
    "module container item": [6],
    "immutable buffer grown": [6],
}


@pytest.mark.parametrize("name", sorted(LOST_UPDATE))
def test_lost_update_is_reported_at_the_write(name):
    assert lines(LOST_UPDATE[name], "ASY501") == LOST_UPDATE_LINES[name]


def test_lost_update_message_names_the_read_and_the_await():
    [diagnostic] = lint_snippet(LOST_UPDATE["through a local"], select="ASY501")
    assert diagnostic.message.startswith(
        "`self.balance` is read on line 3 and written back here from that value after `await self._audit(amount)` "
        "(line 4) in `deposit()`"
    )


LOST_UPDATE_QUIET = {
    "await before the read": """\
        class Counter:
            async def add(self):
                n = await fetch_increment()
                self.total += n
        """,
    "re-read after the await": """\
        class Counter:
            async def add(self, n):
                await flush()
                self.total = self.total + n
        """,
    "local re-read after the await": """\
        class Counter:
            async def add(self, n):
                total = self.total
                await flush()
                total = self.total
                self.total = total + n
        """,
    "lock held across": """\
        class Account:
            async def deposit(self, amount):
                async with self._lock:
                    balance = self.balance
                    await self._audit(amount)
                    self.balance = balance + amount
        """,
    "value handed to the awaited call": """\
        class Machine:
            async def step(self):
                self.state = await self.transition(self.state)
        """,
    "locals never": """\
        async def add(n):
            total = 0
            extra = await fetch_increment()
            total = total + extra + n
            return total
        """,
    "written from an unrelated local": """\
        class Reader:
            async def refill(self):
                size = self.chunk_size
                data = await self._stream.read(size)
                self.buffer = data
        """,
    "local rebound in a branch": """\
        class Counter:
            async def add(self, fresh):
                total = self.total
                await flush()
                if fresh:
                    total = 0
                self.total = total + 1
        """,
    "rollback after a failed save": """\
        class Thermostat:
            async def set_temperature(self, temperature):
                previous = self._target
                self._target = temperature
                try:
                    await self._device.set_temperature(temperature)
                except DeviceError:
                    self._target = previous
        """,
    "removed item put back": """\
        class Registrations:
            async def delete(self, name):
                registration = self.registrations.pop(name)
                try:
                    await self._save()
                except OSError:
                    self.registrations[name] = registration
        """,
    "state only a fallback": """\
        class Light:
            async def turn_on(self, **kwargs):
                level = kwargs.get("brightness", self._last_level)
                await self._api.set_level(level)
                self._last_level = level
        """,
    "set updated in place": """\
        class Rooms:
            async def resolve(self, pending):
                for room in asyncio.as_completed(pending):
                    self._rooms |= await room
        """,
    "list extended in place": """\
        class Collector:
            def __init__(self):
                self.items = []

            async def collect(self, source):
                self.items += await source.fetch()
        """,
    "awaitable state replaced by its result": """\
        class Response:
            async def start(self):
                info = self.file_info = await self.file_info if is_coroutine(self.file_info) else self.file_info
                return info
        """,
}


@pytest.mark.parametrize("name", sorted(LOST_UPDATE_QUIET))
def test_lost_update_look_alikes_stay_quiet(name):
    assert lines(LOST_UPDATE_QUIET[name], "ASY501") == []


# -- ASY502 context lost in executor -----------------------------------------------------------
CONTEXT_LOST = {
    "module function": """\
        request_id = contextvars.ContextVar("request_id")

        def render(page):
            return f"{request_id.get()}: {page}"

        async def handler(page):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, render, page)
        """,
    "through a helper": """\
        request_id = contextvars.ContextVar("request_id")

        def log_line(text):
            return f"[{request_id.get()}] {text}"

        def work(job):
            return log_line(job)

        async def handler(job):
            return await asyncio.get_running_loop().run_in_executor(None, work, job)
        """,
    "nested function": """\
        user = contextvars.ContextVar("user")

        async def handler(loop):
            def audit():
                return user.get()
            await asyncio.get_event_loop().run_in_executor(None, audit)
        """,
    "partial of a method": """\
        tenant = contextvars.ContextVar("tenant")

        class Store:
            def _write(self, row):
                return (tenant.get(), row)

            async def write(self, row):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._pool, functools.partial(self._write, row))
        """,
    "lambda": """\
        deadline = contextvars.ContextVar("deadline")

        async def handler():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: deadline.get())
        """,
}
CONTEXT_LOST_LINES = {
    "module function": [8],
    "through a helper": [10],
    "nested function": [6],
    "partial of a method": [9],
    "lambda": [5],
}


@pytest.mark.parametrize("name", sorted(CONTEXT_LOST))
def test_context_lost_is_reported_at_the_call(name):
    assert lines(CONTEXT_LOST[name], "ASY502") == CONTEXT_LOST_LINES[name]


def test_context_lost_message_names_variable_and_helpers():
    [diagnostic] = lint_snippet(HEADER + textwrap.dedent(CONTEXT_LOST["through a helper"]), select="ASY502")
    assert diagnostic.message.startswith(
        "`work` reads the context variable `request_id` (through log_line()) but runs in an executor thread"
    )


CONTEXT_QUIET = {
    "to_thread copies the context": """\
        request_id = contextvars.ContextVar("request_id")

        def render():
            return request_id.get()

        async def handler():
            return await asyncio.to_thread(render)
        """,
    "copy_context().run handed over": """\
        request_id = contextvars.ContextVar("request_id")

        def render():
            return request_id.get()

        async def handler():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, contextvars.copy_context().run, render)
        """,
    "no context read": """\
        def render(page):
            return page.upper()

        async def handler(page):
            return await asyncio.get_running_loop().run_in_executor(None, render, page)
        """,
    "dict get is not a ContextVar": """\
        settings = {"mode": "fast"}

        def mode():
            return settings.get("mode")

        async def handler():
            return await asyncio.get_running_loop().run_in_executor(None, mode)
        """,
    "value set in the thread first": """\
        request_id = contextvars.ContextVar("request_id")

        def render(rid):
            request_id.set(rid)
            return request_id.get()

        async def handler():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, render, request_id.get())
        """,
    "not an event loop": """\
        request_id = contextvars.ContextVar("request_id")

        def render():
            return request_id.get()

        class Pool:
            def run_in_executor(self, executor, function):
                return function()

        async def handler(pool: Pool):
            return pool.run_in_executor(None, render)
        """,
}


@pytest.mark.parametrize("name", sorted(CONTEXT_QUIET))
def test_context_lost_look_alikes_stay_quiet(name):
    assert lines(CONTEXT_QUIET[name], "ASY502") == []


def test_context_lost_across_modules(write_tree):
    root = write_tree(
        {
            "app/__init__.py": "",
            "app/context.py": """\
                import contextvars

                trace_id = contextvars.ContextVar("trace_id", default=None)
            """,
            "app/report.py": """\
                from app.context import trace_id


                def build(rows):
                    return {"trace": trace_id.get(), "rows": rows}
            """,
            "app/handlers.py": """\
                import asyncio

                from app.report import build


                async def report(rows):
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, build, rows)
            """,
        }
    )
    result = run_cli("--no-cache", "--select", "ASY502", "--output-format", "json", "app", cwd=root)
    assert result.returncode == 1, result.stderr
    assert '"path": "app/handlers.py"' in result.stdout and '"line": 8' in result.stdout
    assert "reads the context variable `trace_id`" in result.stdout


FIX_BEFORE = """\
import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id")


def render(page, size):
    return f"{request_id.get()} {page} {size}"


async def handler(page):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, render, page, 10)  # keep this comment
"""


def test_fix_uses_to_thread():
    assert fix_snippet(FIX_BEFORE, select="ASY502") == FIX_BEFORE.replace(
        "await loop.run_in_executor(None, render, page, 10)", "await asyncio.to_thread(render, page, 10)"
    )


def test_fix_adds_the_import_when_the_module_has_another_spelling():
    source = """\
    from asyncio import get_running_loop
    from contextvars import ContextVar

    user = ContextVar("user")


    def who():
        return user.get()


    async def handler():
        return await get_running_loop().run_in_executor(None, who)
    """
    fixed = fix_snippet(source, select="ASY502")
    assert "import asyncio\n" in fixed
    assert "return await asyncio.to_thread(who)" in fixed


@pytest.mark.parametrize(
    "call",
    [
        "loop.run_in_executor(self_pool, render, page, 10)",  # another executor: maybe processes
        "loop.run_in_executor(executor=None, func=render)",  # keywords: not the call shape to_thread takes
        "make_loop().run_in_executor(None, render, page, 10)",  # dropping the receiver drops a call
    ],
)
def test_no_fix_where_to_thread_would_change_more(call):
    source = FIX_BEFORE.replace("loop.run_in_executor(None, render, page, 10)", call).replace(
        "    loop = asyncio.get_running_loop()\n", "    loop = asyncio.get_running_loop()\n    self_pool = None\n"
    )
    assert fix_snippet(source, select="ASY502") == source


def test_no_fix_when_the_future_is_kept():
    source = FIX_BEFORE.replace(
        "return await loop.run_in_executor(None, render, page, 10)",
        "future = loop.run_in_executor(None, render, page, 10)\n    future.add_done_callback(print)\n    return await future",
    )
    [diagnostic] = lint_snippet(source, select="ASY502")
    assert diagnostic.fix is None
    assert fix_snippet(source, select="ASY502") == source


def test_rules_are_opt_in():
    source = (
        HEADER
        + textwrap.dedent(CHECK_THEN_ACT["lazy connection"])
        + textwrap.dedent(LOST_UPDATE["augmented assignment"])
    )
    assert lint_snippet(source) == []
    assert lint_snippet(source, select="ASY") == []
    assert {d.code for d in lint_snippet(source, select="ASY500,ASY501")} == {"ASY500", "ASY501"}
