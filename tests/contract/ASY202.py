# ASY202 task-never-awaited-or-cancelled (opt-in): a task stored but never awaited or cancelled.

# case: a poller task kept on self and never stopped
import asyncio


class Poller:
    def __init__(self, source):
        self.source = source

    async def start(self):
        self._loop_task = asyncio.create_task(self.poll())  # error: ASY202 @27

    async def poll(self):
        while True:
            await self.source.refresh()
            await asyncio.sleep(5)

# look-alike: the same task cancelled and awaited in stop()
import asyncio
import contextlib


class Poller:
    def __init__(self, source):
        self.source = source

    async def start(self):
        self._loop_task = asyncio.create_task(self.poll())

    async def stop(self):
        self._loop_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._loop_task

    async def poll(self):
        while True:
            await asyncio.sleep(5)

# look-alike: a local task awaited later in the same coroutine
import asyncio


async def warm(cache):
    task = asyncio.create_task(cache.load())
    await asyncio.sleep(0)
    return await task
