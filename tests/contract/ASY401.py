# ASY401 timeout-disabled (opt-in): a timeout explicitly disabled.

# case: httpx client with timeout=None
import httpx


async def export(url, payload):
    async with httpx.AsyncClient(timeout=None) as client:  # error: ASY401 @16
        return await client.post(url, json=payload)

# look-alike: a bounded httpx timeout
import httpx


async def export(url, payload):
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, connect=5)) as client:
        return await client.post(url, json=payload)

# look-alike: a timeout argument of an unrelated function
async def poll(queue, timeout=None):
    return await queue.get(timeout=timeout)
