# ASY106 blocking-wait (opt-in): waiting on a thread, future, lock or queue in a coroutine.

# case: joining a worker thread
import threading


async def stop(worker: threading.Thread):
    worker.join()  # error: ASY106 @5

# case: a blocking queue.get
import queue

jobs = queue.Queue()


async def next_job():
    return jobs.get()  # error: ASY106 @12

# look-alike: non-blocking reads from the same queue
import queue

jobs = queue.Queue()


async def next_job():
    try:
        return jobs.get_nowait()
    except queue.Empty:
        return jobs.get(block=False)

# look-alike: asyncio's queue awaited
import asyncio

jobs = asyncio.Queue()


async def next_job():
    return await jobs.get()
