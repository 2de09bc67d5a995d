# ASY204 executor-future-dropped: the future of `run_in_executor` is dropped.

# case: compress in the default executor, never awaited
import asyncio


def compress(path):
    ...


async def archive(path):
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, compress, path)  # error: ASY204 @5

# look-alike: the future awaited
import asyncio


def compress(path):
    ...


async def archive(path):
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, compress, path)

# look-alike: the future kept and gathered
import asyncio


def compress(path):
    ...


async def archive(paths):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, compress, path) for path in paths]
    return await asyncio.gather(*futures)
