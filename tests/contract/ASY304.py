# ASY304 cancellation-converted-to-return (opt-in): a coroutine swallows its own cancellation and ends.

# case: pass on CancelledError at the end of the coroutine
import asyncio


async def wait_for_complete(workers):
    try:
        await asyncio.gather(*[worker.wait() for worker in workers])
    except asyncio.CancelledError:  # error: ASY304 @5
        pass

# look-alike: cancellation propagates
import asyncio


async def wait_for_complete(workers):
    await asyncio.gather(*[worker.wait() for worker in workers])

# look-alike: cleanup then re-raise
import asyncio


async def wait_for_complete(workers):
    try:
        await asyncio.gather(*[worker.wait() for worker in workers])
    except asyncio.CancelledError:
        for worker in workers:
            worker.stop()
        raise
