# ASY109 get-event-loop-in-coroutine: `asyncio.get_event_loop()` where the running loop is meant.

# case: get_event_loop to schedule a callback
import asyncio


async def schedule(callback):
    loop = asyncio.get_event_loop()  # error: ASY109 @12 "use `asyncio.get_running_loop()`"
    loop.call_later(1, callback)

# case: imported name
from asyncio import get_event_loop


async def offload(function):
    return await get_event_loop().run_in_executor(None, function)  # error: ASY109 @18

# look-alike: get_running_loop
import asyncio


async def schedule(callback):
    asyncio.get_running_loop().call_later(1, callback)

# look-alike: get_event_loop in synchronous start-up code
import asyncio


def start(main):
    loop = asyncio.get_event_loop()
    loop.run_until_complete(main())
