"""ASY201/ASY203 on the shapes real projects have: dropped tasks the rule used to miss, and the
look-alikes that are not bugs (written from the labeled corpus findings, in our own words)."""

from __future__ import annotations

import json
import textwrap

from conftest import fix_snippet, lint_snippet, run_cli


def marked(source: str, marker: str = "# !") -> list[int]:
    return [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if marker in line]


def lines(source: str, code: str) -> list[int]:
    return [d.line for d in lint_snippet(source, select=code)]


# -- ASY201: dropped tasks the rule now sees ----------------------------------------------------
DROPPED = """
import asyncio
from asyncio import Task


class Fanout:
    def __init__(self, loop):
        self._loop = loop

    def publish(self, subscribers, message):
        [asyncio.create_task(s.deliver(message)) for s in subscribers]  # !
        {asyncio.ensure_future(s.ack()) for s in subscribers}  # !
        list(asyncio.create_task(s.deliver(message)) for s in subscribers)  # !

    def maybe_refresh(self, stale):
        asyncio.create_task(self.refresh()) if stale else None  # !

    def annotated(self):
        _: Task = asyncio.create_task(self.refresh())  # !

    def on_loop(self, hass):
        self._loop.create_task(self.refresh())  # !
        hass.loop.create_task(self.refresh())  # !

    def under_a_lock(self, lock):
        with lock:
            asyncio.create_task(self.refresh())  # !

    async def refresh(self):
        await asyncio.sleep(0)
"""


def test_asy201_dropped_through_comprehensions_conditionals_and_loop_objects():
    assert lines(DROPPED, "ASY201") == marked(DROPPED)


KEPT = """
import asyncio


class Fanout:
    def __init__(self):
        self._tasks = set()

    def publish(self, subscribers, message, group):
        tasks = [asyncio.create_task(s.deliver(message)) for s in subscribers]
        self._tasks.update(tasks)
        first = asyncio.create_task(self.refresh()) if subscribers else None
        group.create_task(self.refresh())          # a TaskGroup keeps its tasks
        self.scheduler.create_task(self.refresh())  # not a loop: unknown object
        return first, any(s.ready for s in subscribers)

    def __del__(self):
        # best-effort close from a finalizer: the object is already going away
        asyncio.ensure_future(self.close())

    async def close(self):
        await asyncio.sleep(0)

    async def refresh(self):
        await asyncio.sleep(0)


_REFS = set()


def schedule(loop, coro):
    task = loop.create_task(coro)
    _REFS.add(task)
    # ensure_future of a task returns that same task, which _REFS holds
    asyncio.ensure_future(task).add_done_callback(lambda _: _REFS.discard(task))
    return task


def run_in_context(context, loop, coro):
    task = context.run(loop.create_task, coro)
    _REFS.add(task)
    asyncio.ensure_future(task).add_done_callback(_REFS.discard)
    return task
"""


def test_asy201_look_alikes():
    assert lines(KEPT, "ASY201") == []


def test_asy201_ensure_future_of_a_stored_coroutine_is_still_dropped():
    source = """
    import asyncio

    async def handler(client):
        pending = client.flush()
        asyncio.ensure_future(pending)  # !
    """
    assert lines(source, "ASY201") == marked(source)


HELPERS = """
import asyncio

_keep = set()


def spawn(coro):
    return asyncio.create_task(coro)


def spawn_logged(coro):
    task = asyncio.get_running_loop().create_task(coro)
    task.add_done_callback(lambda t: t.exception())
    return task


def spawn_kept(coro):
    task = asyncio.create_task(coro)
    _keep.add(task)
    return task


class Service:
    def start_background(self, coro):
        return asyncio.create_task(coro)

    async def on_event(self, event):
        spawn(self.handle(event))  # !
        spawn_logged(self.handle(event))  # !
        self.start_background(self.handle(event))  # !
        spawn_kept(self.handle(event))
        task = spawn(self.handle(event))
        await task

    async def handle(self, event):
        await asyncio.sleep(0)
"""


def test_asy201_project_helpers_that_return_the_task():
    assert lines(HELPERS, "ASY201") == marked(HELPERS)


def test_asy201_helper_in_another_module_with_the_cli(write_tree):
    root = write_tree(
        {
            "app/__init__.py": "",
            "app/spawning.py": """
            import asyncio

            def fire(coro):
                return asyncio.ensure_future(coro)

            def fire_and_keep(coro, keep):
                task = asyncio.ensure_future(coro)
                keep.append(task)
                return task
            """,
            "app/handlers.py": """
            from app.spawning import fire, fire_and_keep

            async def on_message(message, keep):
                fire(message.ack())
                fire_and_keep(message.ack(), keep)
            """,
        }
    )
    result = run_cli("--no-cache", "--select", "ASY201", "--output-format", "json", "app", cwd=root)
    found = [(d["path"].replace("\\", "/"), d["line"]) for d in json.loads(result.stdout)]
    assert found == [("app/handlers.py", 5)]


def test_asy201_helper_fix_keeps_a_reference():
    fixed = fix_snippet(
        """
        import asyncio

        def spawn(coro):
            return asyncio.create_task(coro)

        async def on_event(event):
            spawn(event.handle())
        """,
        select="ASY201",
        unsafe=True,
    )
    assert "    task = spawn(event.handle())\n    _background_tasks.add(task)\n" in fixed
    assert "task.add_done_callback(_background_tasks.discard)" in fixed


# -- ASY203: the last wait of the coroutine a runner runs ---------------------------------------
RUNNERS = """
import asyncio


def main():
    async def run():
        serving = asyncio.create_task(serve())
        stopping = asyncio.create_task(wait_for_signal())
        done, _ = await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
        [task.result() for task in done]
        print("stopped")

    asyncio_run(run(), loop_factory=None)


async def entry():
    serving = asyncio.create_task(serve())
    done, _ = await asyncio.wait([serving], timeout=5)


async def keeps_going():
    serving = asyncio.create_task(serve())
    done, _ = await asyncio.wait([serving], timeout=5)  # !
    await cleanup()


async def loops():
    while True:
        serving = asyncio.create_task(serve())
        done, _ = await asyncio.wait([serving], timeout=5)  # !


async def not_run_by_a_runner():
    serving = asyncio.create_task(serve())
    done, _ = await asyncio.wait([serving], timeout=5)  # !


asyncio.run(entry())
asyncio.run(keeps_going())
asyncio.run(loops())
"""


def test_asy203_last_wait_of_a_run_coroutine_is_left_to_the_runner():
    assert lines(RUNNERS, "ASY203") == marked(RUNNERS)


def test_asy201_shutdown_hook_sleeping_forever_is_held_by_its_timer():
    source = """
    import asyncio
    import math
    from asyncio import create_task, sleep


    async def _shutdown_on_exit(workers):
        try:
            await sleep(math.inf)
        except asyncio.CancelledError:
            for worker in workers:
                worker.kill()


    async def _watch(workers):
        await asyncio.sleep(5)
        workers.clear()


    def setup(workers):
        create_task(_shutdown_on_exit(workers))
        create_task(_watch(workers))  # !
    """
    assert lines(source, "ASY201") == marked(source)
