# ASY002 unused-noqa (opt-in): a `# noqa` asynclint code that silences nothing.

# case: a noqa for a blocking call that is not there
import asyncio


async def poll(queue: asyncio.Queue):
    item = await queue.get()  # noqa: ASY100  # error: ASY002 @31
    return item

# case: a code asynclint does not have
async def ready(flag):
    return flag.is_set()  # noqa: ASY999  # error: ASY002 @27

# look-alike: noqa for another tool's code
import os  # noqa: F401


async def nothing():
    return None

# look-alike: a blanket noqa and a noqa naming ASY002 itself
import time


def settle():
    time.sleep(1)  # noqa


async def ready(flag):
    return flag.is_set()  # noqa: ASY002, ASY999
