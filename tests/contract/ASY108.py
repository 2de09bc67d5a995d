# ASY108 nested-event-loop: starting an event loop from inside a coroutine.

# case: asyncio.run inside a coroutine
import asyncio


async def refresh(client):
    return asyncio.run(client.fetch())  # error: ASY108 @12

# case: run_until_complete on a loop in a coroutine
import asyncio


async def warm(cache):
    loop = asyncio.new_event_loop()
    loop.run_until_complete(cache.load())  # error: ASY108 @5

# look-alike: asyncio.run at the entry point
import asyncio


async def main():
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())

# look-alike: a sync function that starts its own loop, run in a thread
import asyncio


def blocking_refresh(client):
    return asyncio.run(client.fetch())


async def refresh(client):
    return await asyncio.to_thread(blocking_refresh, client)
