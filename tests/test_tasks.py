"""ASY200–ASY204: coroutines never awaited, dangling tasks, tasks never awaited or cancelled,
pending sets of `asyncio.wait` and executor futures dropped."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from asynclint.semantics import libraries
from asynclint.semantics.libraries import LibraryAnswers

PRELUDE = "import asyncio\n\n\nasync def send(x):\n    await asyncio.sleep(x)\n\n\n"


def lines_of(source: str, code: str) -> list[int]:
    return [line for found, line in codes_and_lines(source, select=code) if found == code]


def marked(source: str) -> list[int]:
    """Lines of `source` carrying a `# !` marker: the lines that must be reported."""
    return [
        number for number, text in enumerate(textwrap.dedent(source).splitlines(), 1) if text.rstrip().endswith("# !")
    ]


# -- ASY200 coroutine-not-awaited -----------------------------------------------------------------
ASY200_POSITIVE = {
    "local function dropped": PRELUDE + "async def main():\n    send(1)  # !\n",
    "local function in sync code": PRELUDE + "def main():\n    send(1)  # !\n",
    "truth value if": PRELUDE + "async def main():\n    if send(1):  # !\n        pass\n",
    "truth value not": PRELUDE + "async def main():\n    ok = not send(1)  # !\n    return ok\n",
    "truth value while": PRELUDE + "async def main():\n    while send(1):  # !\n        pass\n",
    "left operand of or": PRELUDE + "async def main():\n    return send(1) or 2  # !\n",
    "right operand of tested and": PRELUDE + "async def main(x):\n    if x and send(1):  # !\n        pass\n",
    "nested async def": "async def main():\n    async def helper():\n        pass\n    helper()  # !\n",
    "library catalog": "import asyncio\n\nasync def main():\n    asyncio.sleep(1)  # !\n",
    "library alias import": "from asyncio import sleep as pause\n\nasync def main():\n    pause(1)  # !\n",
    "queue method through return type": (
        "import asyncio\n\nasync def main():\n    queue = asyncio.Queue()\n    queue.put(1)  # !\n"
    ),
    "loop method through annotation": (
        "import asyncio\n\nasync def main(loop: asyncio.AbstractEventLoop, sock):\n"
        "    loop.sock_sendall(sock, b'x')  # !\n"
    ),
    "method through self": (
        "class Client:\n    async def flush(self):\n        pass\n\n"
        "    async def close(self):\n        self.flush()  # !\n"
    ),
    "staticmethod through self": (
        "class Client:\n    @staticmethod\n    async def flush():\n        pass\n\n"
        "    def close(self):\n        self.flush()  # !\n"
    ),
    "classmethod through cls": (
        "class Client:\n    @classmethod\n    async def create(cls):\n        return cls()\n\n"
        "    @classmethod\n    def make(cls):\n        cls.create()  # !\n"
    ),
    "inherited method from local base": (
        "class Base:\n    async def flush(self):\n        pass\n\n"
        "class Client(Base):\n    async def close(self):\n        self.flush()  # !\n"
    ),
    "annotated receiver of project class": (
        "class Bus:\n    async def emit(self, topic):\n        pass\n\n"
        "async def handle(bus: Bus):\n    bus.emit('x')  # !\n"
    ),
    "aiohttp request dropped": (
        "import aiohttp\n\nasync def ping(session: aiohttp.ClientSession):\n    session.get('http://x')  # !\n"
    ),
    "extend-coroutine-functions": None,  # below, with config
}


@pytest.mark.parametrize("name", [name for name, source in ASY200_POSITIVE.items() if source])
def test_asy200_reports(name):
    source = ASY200_POSITIVE[name]
    assert lines_of(source, "ASY200") == marked(source)


ASY200_LOOKALIKES = {
    "awaited": PRELUDE + "async def main():\n    await send(1)\n",
    "passed to gather and create_task": (
        PRELUDE + "async def main():\n    await asyncio.gather(send(1), send(2))\n"
        "    task = asyncio.create_task(send(3))\n    await task\n"
    ),
    "passed to asyncio.run": PRELUDE + "def main():\n    asyncio.run(send(1))\n",
    "wait_for argument": PRELUDE + "async def main():\n    await asyncio.wait_for(send(1), 2)\n",
    "returned": PRELUDE + "def later():\n    return send(1)\n",
    "stored": PRELUDE + "async def main():\n    pending = [send(1), send(2)]\n    await asyncio.gather(*pending)\n",
    "yielded": PRELUDE + "def producer():\n    yield send(1)\n",
    "lambda body": PRELUDE + "def factory():\n    return lambda: send(1)\n",
    "right operand as value": PRELUDE + "def pick(x):\n    return x or send(1)\n",
    "conditional expression value": PRELUDE + "def pick(x):\n    return send(1) if x else None\n",
    "sync function": "def send(x):\n    return x\n\nasync def main():\n    send(1)\n    if send(2):\n        pass\n",
    "async generator": "async def ticks():\n    yield 1\n\nasync def main():\n    ticks()\n",
    "unknown decorator may wrap": (
        "import functools\n\ndef sync_wrapper(f):\n    return f\n\n@sync_wrapper\nasync def send():\n    pass\n\n"
        "def main():\n    send()\n"
    ),
    "asynccontextmanager": (
        "import contextlib\n\n@contextlib.asynccontextmanager\nasync def session():\n    yield 1\n\n"
        "async def main():\n    session()\n"
    ),
    "parameter shadows function": PRELUDE + "async def main(send):\n    send(1)\n",
    "rebound name": PRELUDE + "send = print\n\nasync def main():\n    send(1)\n",
    "instance attribute holding a callable": (
        "class Client:\n    def __init__(self, callback):\n        self.notify = callback\n\n"
        "    async def close(self):\n        self.notify()\n"
    ),
    "sync method through self": (
        "class Client:\n    def flush(self):\n        pass\n\n    async def close(self):\n        self.flush()\n"
    ),
    "create_task and ensure_future are not coroutines": (
        "import asyncio\n\nasync def main(coro):\n    t = asyncio.ensure_future(coro)\n    await t\n"
    ),
    "run_in_executor is not a coroutine function": (
        "import asyncio\n\nasync def main():\n    loop = asyncio.get_running_loop()\n"
        "    loop.run_in_executor(None, print)\n"
    ),
    "stdlib call": "import os\n\nasync def main():\n    os.makedirs('x')\n    print('x')\n",
    "aiohttp request used with async with": (
        "import aiohttp\n\nasync def ping(session: aiohttp.ClientSession):\n"
        "    async with session.get('http://x') as response:\n        return response.status\n"
    ),
    "dict.get is not a request": "async def main(d):\n    d.get('x')\n",
    "unknown receiver": "async def main(client):\n    client.send()\n",
}


@pytest.mark.parametrize("name", sorted(ASY200_LOOKALIKES))
def test_asy200_lookalikes_stay_quiet(name):
    assert lines_of(ASY200_LOOKALIKES[name], "ASY200") == []


def test_asy200_extend_coroutine_functions():
    source = "import mylib\n\nasync def main():\n    mylib.send()\n"
    assert lines_of(source, "ASY200") == []
    found = lint_snippet(source, select="ASY200", extend_coroutine_functions=("mylib.send",))
    assert [(d.code, d.line) for d in found] == [("ASY200", 4)]


def test_asy200_messages_name_the_callee_and_function():
    dropped = lint_snippet(PRELUDE + "async def main():\n    send(1)\n", select="ASY200")[0]
    assert dropped.message.startswith("`send()` is a coroutine function: this call in `main()`")
    assert "`await` it" in dropped.message
    tested = lint_snippet(PRELUDE + "async def main():\n    if send(1):\n        pass\n", select="ASY200")[0]
    assert "always true" in tested.message and "`send()`" in tested.message
    request = lint_snippet(ASY200_POSITIVE["aiohttp request dropped"], select="ASY200")[0]
    assert "async with session.get(...) as response:" in request.message
    assert request.fix is None


def test_asy200_fix_inserts_await():
    source = PRELUDE + (
        "async def main(x):\n"
        "    send(1)  # notify\n"
        "    if not send(2):\n"
        "        return x\n"
        "\n\n"
        "def sync_caller():\n"
        "    send(3)\n"
    )
    expected = PRELUDE + (
        "async def main(x):\n"
        "    await send(1)  # notify\n"
        "    if not await send(2):\n"
        "        return x\n"
        "\n\n"
        "def sync_caller():\n"
        "    send(3)\n"
    )
    fixed = fix_snippet(source, select="ASY200", unsafe=True)
    assert fixed == expected
    assert fix_snippet(fixed, select="ASY200", unsafe=True) == fixed
    assert fix_snippet(source, select="ASY200", unsafe=False) == textwrap.dedent(source)
    # The call in sync code is still reported, without a fix.
    remaining = lint_snippet(fixed, select="ASY200")
    assert [(d.line, d.fix) for d in remaining] == [(15, None)]


# -- ASY201 dangling-task -------------------------------------------------------------------------
ASY201_POSITIVE = {
    "create_task dropped": PRELUDE + "async def main():\n    asyncio.create_task(send(1))  # !\n",
    "ensure_future dropped": PRELUDE + "async def main():\n    asyncio.ensure_future(send(1))  # !\n",
    "bound to underscore": PRELUDE + "async def main():\n    _ = asyncio.create_task(send(1))  # !\n",
    "from import": "from asyncio import create_task\n\nasync def main(c):\n    create_task(c)  # !\n",
    "running loop": "import asyncio\n\nasync def main(c):\n    asyncio.get_running_loop().create_task(c)  # !\n",
    "loop local": (
        "import asyncio\n\ndef start(c):\n    loop = asyncio.get_event_loop()\n    loop.create_task(c)  # !\n"
    ),
    "self.loop": (
        "import asyncio\n\nclass Service:\n    def __init__(self):\n        self.loop = asyncio.get_event_loop()\n\n"
        "    def start(self, c):\n        self.loop.create_task(c)  # !\n"
    ),
    "only a done callback": (
        PRELUDE + "async def main(log):\n    asyncio.create_task(send(1)).add_done_callback(log)  # !\n"
    ),
    "annotated loop": (
        "import asyncio\n\ndef start(loop: asyncio.AbstractEventLoop, c):\n    loop.create_task(c)  # !\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ASY201_POSITIVE))
def test_asy201_reports(name):
    source = ASY201_POSITIVE[name]
    assert lines_of(source, "ASY201") == marked(source)


ASY201_LOOKALIKES = {
    "kept in a set": (
        PRELUDE + "tasks = set()\n\nasync def main():\n    task = asyncio.create_task(send(1))\n"
        "    tasks.add(task)\n    task.add_done_callback(tasks.discard)\n"
    ),
    "appended directly": PRELUDE + "tasks = []\n\nasync def main():\n    tasks.append(asyncio.create_task(send(1)))\n",
    "returned": PRELUDE + "def spawn():\n    return asyncio.create_task(send(1))\n",
    "awaited": PRELUDE + "async def main():\n    await asyncio.create_task(send(1))\n",
    "task group": (
        PRELUDE + "async def main():\n    async with asyncio.TaskGroup() as group:\n"
        "        group.create_task(send(1))\n"
    ),
    "unknown receiver create_task": "async def main(nursery, c):\n    nursery.create_task(c)\n",
    "passed to gather": PRELUDE + "async def main():\n    await asyncio.gather(asyncio.create_task(send(1)))\n",
    "callback chained and kept": (
        PRELUDE + "async def main(log, tasks):\n    tasks.append(asyncio.create_task(send(1)))\n"
        "    keep = asyncio.create_task(send(2))\n    keep.add_done_callback(log)\n    return keep\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ASY201_LOOKALIKES))
def test_asy201_lookalikes_stay_quiet(name):
    assert lines_of(ASY201_LOOKALIKES[name], "ASY201") == []


def test_asy201_task_retaining_calls_are_never_reported():
    source = (
        "import asyncio\n\nclass Hub:\n    def __init__(self):\n        self.loop = asyncio.get_event_loop()\n\n"
        "    def start(self, c):\n        self.loop.create_task(c)\n"
    )
    assert lines_of(source, "ASY201") == [8]
    quiet = lint_snippet(source, select="ASY201", task_retaining_calls=("self.loop.create_task",))
    assert quiet == []
    by_name = lint_snippet(source, select="ASY201", task_retaining_calls=("asyncio.AbstractEventLoop.create_task",))
    assert by_name == []


def test_asy201_message():
    diagnostic = lint_snippet(ASY201_POSITIVE["bound to underscore"], select="ASY201")[0]
    assert diagnostic.message.startswith("the task from `asyncio.create_task()` in `main()` is bound to `_`")
    assert "weak reference" in diagnostic.message and "asyncio.TaskGroup" in diagnostic.message


def test_asy201_fix_keeps_a_strong_reference_once_per_module():
    source = '''\
        """Signup flow."""
        import asyncio


        async def notify(user):
            await asyncio.sleep(0)


        async def signup(user, task):
            # fire and forget
            asyncio.create_task(notify(user))  # welcome mail
            _ = asyncio.ensure_future(notify(task))
            return user


        def restart(user):
            asyncio.create_task(notify(user))
    '''
    expected = '''\
        """Signup flow."""
        import asyncio

        _background_tasks = set()


        async def notify(user):
            await asyncio.sleep(0)


        async def signup(user, task):
            # fire and forget
            task_1 = asyncio.create_task(notify(user))  # welcome mail
            _background_tasks.add(task_1)
            task_1.add_done_callback(_background_tasks.discard)
            task_1 = asyncio.ensure_future(notify(task))
            _background_tasks.add(task_1)
            task_1.add_done_callback(_background_tasks.discard)
            return user


        def restart(user):
            task = asyncio.create_task(notify(user))
            _background_tasks.add(task)
            task.add_done_callback(_background_tasks.discard)
    '''
    fixed = fix_snippet(source, select="ASY201,ASY202", unsafe=True)
    assert fixed == textwrap.dedent(expected)
    assert fix_snippet(fixed, select="ASY201,ASY202", unsafe=True) == fixed
    assert lint_snippet(fixed, select="ASY2") == []


def test_asy201_fix_reuses_an_existing_set_and_avoids_a_conflicting_name():
    reuse = "import asyncio\n\n_background_tasks = set()\n\n\nasync def main(c):\n    asyncio.create_task(c)\n"
    fixed = fix_snippet(reuse, select="ASY201", unsafe=True)
    assert fixed.count("_background_tasks = set()") == 1
    assert "    _background_tasks.add(task)\n" in fixed
    conflict = "import asyncio\n\n_background_tasks = []\n\n\nasync def main(c):\n    asyncio.create_task(c)\n"
    fixed = fix_snippet(conflict, select="ASY201", unsafe=True)
    assert "_background_tasks_1 = set()\n" in fixed
    assert "    _background_tasks_1.add(task)\n" in fixed
    assert fix_snippet(fixed, select="ASY201", unsafe=True) == fixed


def test_asy201_no_fix_on_a_compound_line():
    source = "import asyncio\n\nasync def main(c, x):\n    if x: asyncio.create_task(c)\n"
    [diagnostic] = lint_snippet(source, select="ASY201")
    assert diagnostic.fix is None


# -- ASY202 task-never-awaited-or-cancelled -------------------------------------------------------
ASY202_POSITIVE = {
    "local never used": PRELUDE + "async def main():\n    task = asyncio.create_task(send(1))  # !\n",
    "local only inspected": (
        PRELUDE + "async def main():\n    task = asyncio.create_task(send(1))  # !\n"
        "    task.set_name('worker')\n    if task.done() or task is None:\n        return len('x')\n"
    ),
    "annotated local": PRELUDE + "async def main():\n    task: asyncio.Task = asyncio.create_task(send(1))  # !\n",
    "private attribute never awaited or cancelled": (
        PRELUDE
        + "class Poller:\n    async def start(self):\n        self._task = asyncio.create_task(send(1))  # !\n\n"
        "    async def status(self):\n        return self._task.done()\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ASY202_POSITIVE))
def test_asy202_reports(name):
    source = ASY202_POSITIVE[name]
    assert lines_of(source, "ASY202") == marked(source)


POLLER = PRELUDE + "class Poller:\n    async def start(self):\n        self._task = asyncio.create_task(send(1))\n\n"
ASY202_LOOKALIKES = {
    "awaited later": PRELUDE
    + "async def main():\n    task = asyncio.create_task(send(1))\n    await send(2)\n    await task\n",
    "cancelled": PRELUDE + "async def main():\n    task = asyncio.create_task(send(1))\n    task.cancel()\n",
    "returned": PRELUDE + "def spawn():\n    task = asyncio.create_task(send(1))\n    return task\n",
    "passed to gather": PRELUDE
    + "async def main():\n    t = asyncio.create_task(send(1))\n    await asyncio.gather(t)\n",
    "stored in a list": PRELUDE
    + "def spawn(tasks):\n    task = asyncio.create_task(send(1))\n    tasks.append(task)\n",
    "stored in a container literal": PRELUDE
    + "def spawn():\n    task = asyncio.create_task(send(1))\n    return {'t': task}\n",
    "yielded": PRELUDE + "def spawn():\n    task = asyncio.create_task(send(1))\n    yield task\n",
    "done callback": PRELUDE
    + "def spawn(cb):\n    task = asyncio.create_task(send(1))\n    task.add_done_callback(cb)\n",
    "used in a nested function": (
        PRELUDE + "def spawn():\n    task = asyncio.create_task(send(1))\n    def stop():\n        task.cancel()\n"
        "    return stop\n"
    ),
    "module global": PRELUDE + "task = asyncio.ensure_future(send(1))\n",
    "attribute cancelled in another method": POLLER + "    async def stop(self):\n        self._task.cancel()\n",
    "attribute awaited": POLLER + "    async def join(self):\n        await self._task\n",
    "attribute gathered": POLLER + "    async def join(self):\n        await asyncio.gather(self._task)\n",
    "attribute waited": POLLER + "    async def join(self):\n        await asyncio.wait([self._task])\n",
    "attribute done callback": POLLER + "    def watch(self, cb):\n        self._task.add_done_callback(cb)\n",
    "attribute via getattr": POLLER + "    def stop(self):\n        getattr(self, '_task').cancel()\n",
    "public attribute": PRELUDE
    + "class Poller:\n    async def start(self):\n        self.task = asyncio.create_task(send(1))\n",
    "base class from another module": (
        PRELUDE + "from base import Component\n\nclass Poller(Component):\n    async def start(self):\n"
        "        self._task = asyncio.create_task(send(1))\n"
    ),
    "cancelled by a base class in this module": (
        PRELUDE + "class Component:\n    async def stop(self):\n        self._task.cancel()\n\n"
        "class Poller(Component):\n    async def start(self):\n        self._task = asyncio.create_task(send(1))\n"
    ),
    "task group task": (
        PRELUDE + "async def main():\n    async with asyncio.TaskGroup() as group:\n"
        "        task = group.create_task(send(1))\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ASY202_LOOKALIKES))
def test_asy202_lookalikes_stay_quiet(name):
    assert lines_of(ASY202_LOOKALIKES[name], "ASY202") == []


def test_asy202_underscore_is_asy201_not_asy202():
    source = PRELUDE + "async def main():\n    _ = asyncio.create_task(send(1))\n"
    assert codes_and_lines(source, select="ASY201,ASY202") == [("ASY201", 9)]


def test_asy202_messages():
    local = lint_snippet(ASY202_POSITIVE["local never used"], select="ASY202")[0]
    assert local.message.startswith("task `task` from `asyncio.create_task()` in `main()` is never awaited")
    attribute = lint_snippet(ASY202_POSITIVE["private attribute never awaited or cancelled"], select="ASY202")[0]
    assert "`self._task`" in attribute.message and "`Poller`" in attribute.message


# -- ASY203 wait-pending-not-cancelled ------------------------------------------------------------
WAIT = "import asyncio\n\n\nasync def race(jobs):\n    tasks = [asyncio.create_task(job()) for job in jobs]\n"
ASY203_POSITIVE = {
    "timeout result dropped": WAIT + "    await asyncio.wait(tasks, timeout=5)  # !\n",
    "first completed underscore": (
        WAIT + "    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)  # !\n    return done\n"
    ),
    "first exception pending unused": (
        WAIT + "    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)  # !\n"
        "    return done\n"
    ),
    "pending only inspected": (
        WAIT + "    done, pending = await asyncio.wait(tasks, timeout=1)  # !\n"
        "    if pending:\n        print(len(pending))\n    return done\n"
    ),
    "only done half used": WAIT + "    done = (await asyncio.wait(tasks, timeout=1))[0]  # !\n    return done\n",
    "from import": (
        "from asyncio import FIRST_COMPLETED, create_task, wait\n\nasync def race(a, b):\n"
        "    done, _ = await wait([create_task(a), create_task(b)], return_when=FIRST_COMPLETED)  # !\n"
        "    return done\n"
    ),
    "coroutine wrapped by wait": (
        "import asyncio\n\nasync def close():\n    pass\n\nasync def stop(sender):\n"
        "    await asyncio.wait([close(), sender], return_when=asyncio.FIRST_COMPLETED)  # !\n"
    ),
    "one named task not used elsewhere": (
        "import asyncio\n\nasync def start(run, started):\n    manager = asyncio.create_task(run())\n"
        "    waiter = asyncio.create_task(started.wait())\n"
        "    done, _ = await asyncio.wait((manager, waiter), return_when=asyncio.FIRST_COMPLETED)  # !\n"
        "    if manager in done:\n        return manager\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ASY203_POSITIVE))
def test_asy203_reports(name):
    source = ASY203_POSITIVE[name]
    assert lines_of(source, "ASY203") == marked(source)


ASY203_LOOKALIKES = {
    "waits for all": WAIT + "    done, _ = await asyncio.wait(tasks)\n    return done\n",
    "explicit all completed": WAIT + "    await asyncio.wait(tasks, return_when=asyncio.ALL_COMPLETED)\n",
    "timeout none": WAIT + "    await asyncio.wait(tasks, timeout=None)\n",
    "pending cancelled": (
        WAIT + "    done, pending = await asyncio.wait(tasks, timeout=1)\n"
        "    for task in pending:\n        task.cancel()\n    return done\n"
    ),
    "pending loop": (
        WAIT + "    pending = set(tasks)\n    while pending:\n"
        "        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)\n"
    ),
    "pending returned": WAIT + "    done, pending = await asyncio.wait(tasks, timeout=1)\n    return done, pending\n",
    "whole result kept": WAIT + "    result = await asyncio.wait(tasks, timeout=1)\n    return result\n",
    "unknown return_when": WAIT + "    await asyncio.wait(tasks, return_when=policy())\n",
    "other wait": "async def race(cond):\n    await cond.wait(timeout=1)\n",
    "caller owns the tasks": "import asyncio\n\nasync def race(tasks):\n    await asyncio.wait(tasks, timeout=1)\n",
    "attribute owns the tasks": (
        "import asyncio\n\nclass Hub:\n    async def start(self):\n        await asyncio.wait(self._tasks, timeout=1)\n"
    ),
    "named futures used elsewhere": (
        "import asyncio\n\nasync def upload(loop, queue, job):\n    fut = loop.run_in_executor(None, job)\n"
        "    chunk = loop.create_future()\n    queue.put_nowait(chunk)\n"
        "    await asyncio.wait((fut, chunk), return_when=asyncio.FIRST_COMPLETED)\n    return await fut\n"
    ),
    "futures their owner keeps": (
        "import asyncio\n\nasync def position(state, assignment):\n"
        "    await asyncio.wait([state.wait_for_position(), assignment.unassign_future], timeout=1)\n"
    ),
    "a set built from tasks owned elsewhere": (
        "import asyncio\n\nclass Fetcher:\n    async def run(self, extra):\n"
        "        done, _ = await asyncio.wait(set(self._pending | extra), timeout=1)\n        return done\n"
    ),
    "collection cancelled afterwards": (
        WAIT + "    await asyncio.wait(tasks, timeout=1)\n    for task in tasks:\n        task.cancel()\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ASY203_LOOKALIKES))
def test_asy203_lookalikes_stay_quiet(name):
    assert lines_of(ASY203_LOOKALIKES[name], "ASY203") == []


def test_asy203_message():
    diagnostic = lint_snippet(ASY203_POSITIVE["first completed underscore"], select="ASY203")[0]
    assert diagnostic.message.startswith("`asyncio.wait(..., return_when=FIRST_COMPLETED)` in `race()`")
    assert "bound to `_`" in diagnostic.message and "task.cancel()" in diagnostic.message


# -- ASY204 executor-future-dropped ---------------------------------------------------------------
EXECUTOR = "import asyncio\n\n\ndef compress(path):\n    return path\n\n\n"
ASY204_POSITIVE = {
    "running loop": EXECUTOR
    + "async def archive(p):\n    asyncio.get_running_loop().run_in_executor(None, compress, p)  # !\n",
    "loop local": (
        EXECUTOR + "async def archive(p):\n    loop = asyncio.get_running_loop()\n"
        "    loop.run_in_executor(None, compress, p)  # !\n"
    ),
    "sync function": EXECUTOR
    + "def archive(loop: asyncio.AbstractEventLoop, p):\n    loop.run_in_executor(None, compress, p)  # !\n",
}


@pytest.mark.parametrize("name", sorted(ASY204_POSITIVE))
def test_asy204_reports(name):
    source = ASY204_POSITIVE[name]
    assert lines_of(source, "ASY204") == marked(source)


ASY204_LOOKALIKES = {
    "awaited": EXECUTOR
    + "async def archive(p):\n    await asyncio.get_running_loop().run_in_executor(None, compress, p)\n",
    "kept": EXECUTOR
    + "async def archive(p):\n    fut = asyncio.get_running_loop().run_in_executor(None, compress, p)\n    return fut\n",
    "unknown receiver": EXECUTOR + "async def archive(loop, p):\n    loop.run_in_executor(None, compress, p)\n",
    "thread pool submit": EXECUTOR + "async def archive(pool, p):\n    pool.submit(compress, p)\n",
}


@pytest.mark.parametrize("name", sorted(ASY204_LOOKALIKES))
def test_asy204_lookalikes_stay_quiet(name):
    assert lines_of(ASY204_LOOKALIKES[name], "ASY204") == []


def test_asy204_fix_inserts_await_in_async_context_only():
    source = EXECUTOR + (
        "async def archive(p):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    loop.run_in_executor(None, compress, p)\n"
        "\n\n"
        "def archive_sync(loop: asyncio.AbstractEventLoop, p):\n"
        "    loop.run_in_executor(None, compress, p)\n"
    )
    fixed = fix_snippet(source, select="ASY204", unsafe=True)
    assert fixed == source.replace(
        "    loop.run_in_executor(None, compress, p)\n\n", "    await loop.run_in_executor(None, compress, p)\n\n", 1
    )
    assert fix_snippet(fixed, select="ASY204", unsafe=True) == fixed
    assert [(d.line, d.fix) for d in lint_snippet(fixed, select="ASY204")] == [(14, None)]
    diagnostic = lint_snippet(source, select="ASY204")[0]
    assert diagnostic.message.startswith("the future from `loop.run_in_executor()` is dropped in `archive()`")


# -- across modules and libraries (the real CLI) --------------------------------------------------
PROJECT = {
    "app/__init__.py": "from .bus import Bus, publish\n",
    "app/bus.py": """\
        import asyncio


        async def publish(topic):
            await asyncio.sleep(0)


        def publish_sync(topic):
            return topic


        async def stream(topic):
            yield topic


        class Bus:
            async def emit(self, topic):
                await publish(topic)

            def emit_later(self, topic):
                return asyncio.ensure_future(self.emit(topic))


        class AuditedBus(Bus):
            def emit_later(self, topic):
                return None
    """,
    "app/handlers.py": """\
        from app import Bus
        from app import publish as reexported
        from app.bus import AuditedBus, publish_sync, stream

        from . import bus
        from .bus import publish


        async def on_created(order, events: Bus, audited: AuditedBus):
            publish("created")  # !
            reexported("created")  # !
            bus.publish("created")  # !
            events.emit("created")  # !
            audited.emit("created")  # !
            if events.emit("x"):  # !
                pass
            publish_sync("created")
            stream("created")
            events.emit_later("created")
            audited.emit_later("created")
            await publish("created")
    """,
}


def test_asy200_across_modules_with_the_cli(write_tree):
    root = write_tree(PROJECT)
    result = run_cli("--no-cache", "--select", "ASY200", "--output-format", "json", "app", cwd=root)
    assert result.returncode == 1, result.stderr
    found = sorted((d["path"].replace("\\", "/"), d["line"]) for d in json.loads(result.stdout))
    expected = [("app/handlers.py", line) for line in marked(PROJECT["app/handlers.py"])]
    assert found == expected


def test_asy200_cross_module_fix_with_the_cli(write_tree):
    root = write_tree(PROJECT)
    result = run_cli("--no-cache", "--select", "ASY200", "--fix", "--unsafe-fixes", "app", cwd=root)
    text = (root / "app" / "handlers.py").read_text()
    assert '    await publish("created")  # !\n' in text
    assert '    await bus.publish("created")  # !\n' in text
    assert '    if await events.emit("x"):  # !\n' in text
    assert '    publish_sync("created")\n' in text
    assert result.returncode == 0, result.stdout + result.stderr
    again = run_cli("--no-cache", "--select", "ASY200", "--fix", "--unsafe-fixes", "app", cwd=root)
    assert (root / "app" / "handlers.py").read_text() == text
    assert again.returncode == 0


LIBRARY = {
    "lib/fakeclient/__init__.py": "from .impl import Client, connect, ping_sync, stream\n",
    "lib/fakeclient/impl.py": """\
        def traced(function):
            return function


        async def connect(host):
            return host


        def ping_sync():
            return 1


        async def stream():
            yield 1


        class Base:
            async def close(self):
                pass


        class Client(Base):
            async def send(self, data):
                return data

            def sync_send(self, data):
                return data

            @traced
            async def traced_send(self, data):
                return data
    """,
    "proj/main.py": """\
        import fakeclient
        from fakeclient import connect


        async def main(client: fakeclient.Client):
            connect("x")  # !
            fakeclient.connect("x")  # !
            client.send(b"x")  # !
            client.close()  # !
            client.sync_send(b"x")
            client.traced_send(b"x")
            fakeclient.ping_sync()
            fakeclient.stream()
            await client.send(b"y")
    """,
}


def test_asy200_library_coroutines_from_source(write_tree):
    root = write_tree(LIBRARY)
    result = run_cli(
        "--no-cache",
        "--select",
        "ASY200",
        "--output-format",
        "json",
        "proj",
        cwd=root,
        env={"PYTHONPATH": str(root / "lib")},
    )
    assert result.returncode == 1, result.stderr
    found = sorted(d["line"] for d in json.loads(result.stdout))
    assert found == marked(LIBRARY["proj/main.py"])
    # Without the library installed nothing can be known, and nothing is reported.
    bare = run_cli("--no-cache", "--select", "ASY200", "--output-format", "json", "proj", cwd=root)
    assert json.loads(bare.stdout) == []


def test_library_lookup_never_loads_compiled_or_project_modules(write_tree, monkeypatch):
    root = write_tree({"fakeclient/__init__.py": "async def connect():\n    pass\n"})
    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root))
    libraries.clear_library_caches()
    try:
        # The working directory is where analyzed code lives: never read as a library.
        assert libraries.library_coroutine_function("fakeclient.connect", LibraryAnswers()) is None
        assert libraries._source_module("_asyncio") is None  # a C extension
        assert libraries._source_module("time") is None  # built into the interpreter
        assert libraries.library_coroutine_function("asyncio.sleep", LibraryAnswers()) is True
        assert libraries.library_coroutine_function("asyncio.create_task", LibraryAnswers()) is False
        assert "fakeclient" not in sys.modules
    finally:
        libraries.clear_library_caches()


STATIC_LIBRARY = {
    "libs/staticlib/__init__.py": "from .client import Client as Client, connect\nfrom .starred import *\n",
    "libs/staticlib/base.py": """\
        from typing import Generic, TypeVar, overload

        T = TypeVar("T")


        class Base(Generic[T]):
            async def close(self):
                pass

            def closed(self):
                return False
    """,
    "libs/staticlib/client.py": """\
        import typing

        from . import base
        from .base import Base


        async def connect(host):
            return host


        class Client(typing.Generic[base.T], Base[int]):
            @overload
            async def send(self, data: int) -> None: ...
            @overload
            async def send(self, data: str) -> None: ...
            async def send(self, data):
                pass

            async def events(self):
                yield 1

            async def _receive(self):
                pass

            receive = _receive  # an assignment: only astroid follows it
    """,
    "libs/staticlib/starred.py": "async def ping():\n    pass\n",
}


def test_library_lookup_reads_source_statically_and_asks_astroid_only_when_it_must(write_tree, monkeypatch):
    root = write_tree(STATIC_LIBRARY)
    monkeypatch.syspath_prepend(str(root / "libs"))
    asked = []
    real = libraries._astroid_lookup
    monkeypatch.setattr(libraries, "_astroid_lookup", lambda name: asked.append(name) or real(name))
    libraries.clear_library_caches()
    try:
        answers = LibraryAnswers()

        def lookup(qualified):
            return libraries.library_coroutine_function(qualified, answers)

        assert lookup("staticlib.connect") is True  # re-exported from a submodule
        assert lookup("staticlib.Client.send") is True  # overload stubs are not definitions
        assert lookup("staticlib.Client.close") is True  # inherited past a standard-library base
        assert lookup("staticlib.Client.closed") is False
        assert lookup("staticlib.Client.events") is False  # an async generator
        assert lookup("staticlib.Client") is False  # a class
        assert lookup("staticlib.client.Client.missing") is None
        assert asked == []
        assert lookup("staticlib.Client.receive") is True  # bound by assignment
        assert lookup("staticlib.ping") is True  # behind a star import
        assert asked == ["staticlib.Client.receive", "staticlib.ping"]
        assert "staticlib" not in sys.modules
    finally:
        libraries.clear_library_caches()


# -- the fixture package --------------------------------------------------------------------------
def test_eventbus_fixture_reports_cross_module_calls():
    from conftest import REPO, expected_markers

    result = run_cli("--no-cache", "--select", "ASY2", "--output-format", "json", "fixtures/eventbus", cwd=REPO)
    found = sorted((d["path"].rsplit("/", 1)[-1], d["line"], d["column"], d["code"]) for d in json.loads(result.stdout))
    handlers = (REPO / "fixtures" / "eventbus" / "handlers.py").read_text()
    expected = sorted(("handlers.py", m.line, m.column, m.code) for m in expected_markers(handlers))
    assert found == expected and [code for *_, code in expected] == ["ASY200"] * 4


def test_asy200_method_inherited_from_a_library_class():
    source = (
        "import httpx\n\nclass Api(httpx.AsyncClient):\n    async def refresh(self):\n"
        "        self.post('/token')\n\n    def sync(self):\n        self.close()\n"
    )
    # `httpx.AsyncClient.post` is a catalogued coroutine function; `close` is not known to be one.
    assert lines_of(source, "ASY200") == [5]


def test_catalog_lists_every_public_asyncio_coroutine_function():
    # asyncio is answered from the catalog alone (never parsed), so the catalog must be complete
    # for the running Python: every public coroutine function and coroutine method of asyncio.
    import asyncio
    import inspect

    from asynclint.catalog.tasks import COROUTINE_FUNCTIONS

    found = set()
    for name in asyncio.__all__:
        value = getattr(asyncio, name)
        if inspect.iscoroutinefunction(value):
            found.add(f"asyncio.{name}")
        if inspect.isclass(value):
            for member, function in inspect.getmembers(value):
                if not member.startswith("_") and inspect.iscoroutinefunction(function):
                    found.add(f"asyncio.{name}.{member}")
    assert "asyncio.sleep" in found and "asyncio.AbstractEventLoop.sock_recv" in found
    assert sorted(found - COROUTINE_FUNCTIONS) == []


def test_module_level_calls_are_reported_with_a_readable_place():
    source = PRELUDE + "send(1)\nasyncio.ensure_future(send(2))\n"
    found = lint_snippet(source, select="ASY200,ASY201")
    assert [(d.code, d.line) for d in found] == [("ASY200", 8), ("ASY201", 9)]
    assert "this call in the module body creates a coroutine" in found[0].message
    assert found[0].fix is None  # no `await` outside a coroutine


@pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("aiohttp") is None, reason="aiohttp (a test dependency) not installed"
)
def test_asy200_installed_library_read_with_astroid():
    # Not in the catalog: answered from aiohttp's installed source.
    source = (
        "from aiohttp import web\n\n"
        "async def handler(request, ws: web.WebSocketResponse):\n"
        "    ws.send_str('hello')  # !\n"
        "    ws.exception()\n"
        "    await ws.send_json({})\n"
    )
    assert lines_of(source, "ASY200") == marked(source)


def test_asy200_candidates_left_for_the_project_are_only_plausible_callees():
    # Cross-module candidates cost a pending diagnostic each; calls through instance attributes of
    # unknown type (`self._items.append`) are never coroutine functions of this module's classes.
    from conftest import make_config

    from asynclint.checks import rules_for
    from asynclint.engine.linter import Linter

    source = (
        "from .base import Base, helper\n\n"
        "class Store(Base):\n"
        "    def add(self, item):\n"
        "        self._items.append(item)\n"
        "        self.logger.debug('added')\n"
        "        self.flush()\n"
        "        helper()\n"
    )
    config = make_config("ASY200")
    linter = Linter(config, rules_for(config))
    pending = linter.lint("pkg/store.py", source.encode(), module_name="pkg.store", is_package=False).result
    assert sorted(d.condition for d in pending.diagnostics) == [
        ("coroutine-function", "pkg.base.helper"),
        ("coroutine-function", "pkg.store.Store.flush"),
    ]


# -- fixes on generated programs ------------------------------------------------------------------
STATEMENTS = [
    "asyncio.create_task(send(1))",
    "asyncio.ensure_future(send(2))  # keep going",
    "_ = asyncio.create_task(send(3))",
    "send(4)",
    "await send(5)",
    "task = None",
    "_background_tasks = []",
    "loop = asyncio.get_running_loop()\nloop.run_in_executor(None, print)",
    "if flag:\n    asyncio.create_task(send(6))\nelse:\n    send(7)",
    "for item in range(2):\n    asyncio.create_task(send(item))",
    "if not send(8):\n    pass",
]


@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(max_examples=40, deadline=None)
@given(
    body=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=5),
    module_set=st.sampled_from(["", "_background_tasks = set()\n", "_background_tasks = {}\n"]),
)
def test_fixes_on_generated_coroutines_parse_are_idempotent_and_leave_no_fixable_finding(body, module_set):
    lines = "\n".join(textwrap.indent(statement, "    ") for statement in body)
    source = PRELUDE + module_set + "\n\nasync def main(flag):\n" + lines + "\n"
    select = "ASY200,ASY201,ASY202,ASY204"
    fixed = fix_snippet(source, select=select, unsafe=True)
    compile(fixed, "fixed.py", "exec")
    assert fix_snippet(fixed, select=select, unsafe=True) == fixed
    remaining = [d for d in lint_snippet(fixed, select=select) if d.fix is not None]
    assert remaining == []
    # Every dropped task now lands in a set that really is a set.
    for name in ("_background_tasks", "_background_tasks_1"):
        if f"{name}.add(" in fixed:
            assert f"\n{name} = set()\n" in fixed
