# ASY203 wait-pending-not-cancelled (opt-in): pending tasks of `asyncio.wait` left running.

# case: FIRST_COMPLETED race whose losers keep running
import asyncio


async def fastest(mirrors):
    tasks = [asyncio.create_task(mirror.fetch()) for mirror in mirrors]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)  # error: ASY203 @21
    return done.pop().result()

# look-alike: the losers cancelled
import asyncio


async def fastest(mirrors):
    tasks = [asyncio.create_task(mirror.fetch()) for mirror in mirrors]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return done.pop().result()

# look-alike: ALL_COMPLETED leaves nothing pending
import asyncio


async def all_of(mirrors):
    tasks = [asyncio.create_task(mirror.fetch()) for mirror in mirrors]
    done, _ = await asyncio.wait(tasks)
    return [task.result() for task in done]
