# ASY111 executor-per-call: a thread/process pool created in async context.

# case: a pool per request
from concurrent.futures import ThreadPoolExecutor


async def thumbnails(images, make):
    with ThreadPoolExecutor() as pool:  # error: ASY111 @10
        return list(pool.map(make, images))

# case: a process pool per call
import asyncio
import concurrent.futures


async def crunch(data, work):
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=2)  # error: ASY111 @12
    return await asyncio.get_running_loop().run_in_executor(pool, work, data)

# look-alike: one module-level pool reused
import asyncio
from concurrent.futures import ThreadPoolExecutor

POOL = ThreadPoolExecutor(max_workers=4)


async def thumbnail(image, make):
    return await asyncio.get_running_loop().run_in_executor(POOL, make, image)

# look-alike: pool created in a sync constructor
from concurrent.futures import ThreadPoolExecutor


class Renderer:
    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=2)
