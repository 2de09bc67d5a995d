# ASY302 cancellation-swallowed: a handler swallows `CancelledError` and the coroutine goes on.

# case: consumer loop that prints and keeps consuming
import asyncio


async def consume(queue):
    while True:
        try:
            item = await queue.get()
        except asyncio.CancelledError:  # error: ASY302 @9
            print("stopping")
        else:
            await item.process()

# case: a bare except around an await in a loop
import asyncio


async def pump(source, sink):
    while True:
        try:
            await sink.write(await source.read())
        except:  # error: ASY302 @9
            await asyncio.sleep(1)

# look-alike: the handler re-raises
import asyncio


async def consume(queue):
    while True:
        try:
            item = await queue.get()
        except asyncio.CancelledError:
            print("stopping")
            raise
        else:
            await item.process()

# look-alike: catching Exception, which CancelledError is not
import asyncio


async def pump(source, sink):
    while True:
        try:
            await sink.write(await source.read())
        except Exception:
            await asyncio.sleep(1)
