# ASY100 blocking-sleep: `time.sleep` in a coroutine stops every other task.

# case: retry loop that backs off with time.sleep under an alias
import time as clock


async def fetch_with_retry(client, url, attempts=3):
    for attempt in range(attempts):
        try:
            return await client.get(url)
        except ConnectionError:
            clock.sleep(0.2 * attempt)  # error: ASY100 @13 "blocks the event loop"
    raise ConnectionError(url)

# case: `from time import sleep` inside an async with body
from time import sleep


async def drain(lock, queue):
    async with lock:
        while queue:
            queue.pop()
            sleep(0.01)  # error: ASY100 @13

# look-alike: the same sleep in a sync helper that a thread runs
import asyncio
import time


def wait_for_disk(path):
    time.sleep(0.5)
    return path


async def flush(path):
    return await asyncio.to_thread(wait_for_disk, path)

# look-alike: a parameter named `time` with its own sleep()
async def pace(time, seconds):
    await time.sleep(seconds)
